/**
 * Singular values (no vectors) of a dense m x n matrix by Householder bidiagonalisation and the
 * symmetric tridiagonal QL algorithm on the Golub-Kahan form (Golub & Van Loan, "Matrix
 * Computations", 4th ed., alg. 5.4.2 and sec. 8.6.1; Golub & Kahan, SIAM J. Numer. Anal. 2, 1965).
 *
 * Driver, with M = max(m, n), N = min(m, n): B = A (or A^T when m < n: sigma(A) = sigma(A^T)),
 * scaled by a power of two so that max |b_ij| is in [1, 2) (exact). When M >= 1.3 N, B = Q R first
 * (blocked Householder QR, householder.ts, level 3) and R (N x N) goes on: sigma(B) = sigma(R),
 * and the level-2 bidiagonalisation then runs on N^2 instead of M N entries (LAPACK's dgesdd
 * does the same above a crossover).
 *
 * Bidiagonalisation U^T B V = [diag(d) + superdiag(f); 0] (alg. 5.4.2): for k = 0..N-1 a left
 * reflector (u, tl) zeroes B(k+1.., k), then a right reflector (x, tr) zeroes B(k, k+2..):
 *     w = tl B^T u,   B <- B - u w^T;       y = tr B x,   B <- B - y x^T   (trailing block).
 * Fused (two passes over the trailing block per step instead of four): row k after the left
 * update is B(k, j) - w_j, so x is known before the update; pass A updates column j with (u, w)
 * and accumulates y += B(:, j) x_j; pass B updates column j with (y, x) and, because the next
 * left reflector comes from column k+1 alone (updated first), accumulates the next
 * w_j = <B(k+1.., j), u'>. f64x2 SIMD, 4 M N^2 - 4/3 N^3 flops.
 *
 * Bidiagonal singular values: the 2N x 2N tridiagonal T_GK with zero diagonal and off-diagonal
 * (d_0, f_0, d_1, f_1, ..., d_{N-1}) is a symmetric permutation of [0 B; B^T 0], so its eigenvalues
 * are +/- sigma_i. They are computed by tridiagonal.ts's implicit QL (absolute deflation
 * |e_i| <= eps ||T||), which is backward stable for T_GK, so each sigma_i is accurate to
 * O(eps ||B||) absolutely - the same guarantee as LAPACK's dgesvd/dgesdd for a dense A (the
 * bidiagonalisation already commits an O(eps ||A||) backward error, so the relative accuracy of
 * Demmel-Kahan zero-shift QR for tiny sigma would not survive it). Chosen for simplicity: one
 * QL routine serves both kernels; its cost is O(N^2), negligible next to the reduction.
 * The N largest eigenvalues are sigma (descending); rounding may leave a numerically zero one
 * at -O(eps ||B||), which is returned as 0. Deterministic throughout.
 */
import { dot, scal } from "./blas";
import { qrFactor, qrFactorWorkBytes, reflector } from "./householder";
import { maxAbs, pow2Scale, transpose } from "./linalg";
import { align16, at, madd } from "./simd";
import { sortDescending, tridiagonalQL } from "./tridiagonal";

/** QR first when M >= QR_RATIO N. */
const QR_RATIO: f64 = 1.3;

@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

@inline function useQr(M: i32, N: i32): bool { return <f64>M >= QR_RATIO * <f64>N && N > 1; }

// workspace layout (bytes from `work`)
@inline function rOff(M: i32, N: i32): usize { return align16((<usize>M * <usize>N) << 3); }
@inline function vecOff(M: i32, N: i32): usize { return rOff(M, N) + (useQr(M, N) ? align16((<usize>N * <usize>N) << 3) : 0); }
@inline function qrOff(M: i32, N: i32): usize { return vecOff(M, N) + 3 * align16(<usize>M << 3) + 10 * align16(<usize>N << 3); }
@inline function endOff(M: i32, N: i32): usize { return qrOff(M, N) + (useQr(M, N) ? qrFactorWorkBytes(M, N) : 0); }

/** Bytes of scratch singularValues needs for an m x n matrix (16-byte aligned scratch expected). */
export function singularValuesWorkBytes(m: i32, n: i32): usize {
  let M = max(max(m, n), 1), N = max(min(m, n), 1);
  return endOff(M, N);
}

/** a <- a - u wj; y += a xj (len rows); pass A of one column. */
@inline function passA(a: usize, u: usize, y: usize, len: i32, wj: f64, xj: f64): void {
  let nw = f64x2.splat(-wj), xv = f64x2.splat(xj);
  let end4 = a + ((<usize>len >> 2) << 5);
  while (a < end4) {
    let a0 = madd(v128.load(u), nw, v128.load(a));
    let a1 = madd(v128.load(u, 16), nw, v128.load(a, 16));
    v128.store(a, a0);
    v128.store(a, a1, 16);
    v128.store(y, madd(a0, xv, v128.load(y)));
    v128.store(y, madd(a1, xv, v128.load(y, 16)), 16);
    a += 32; u += 32; y += 32;
  }
  for (let rem = len & 3; rem > 0; rem--) {
    let v = load<f64>(a) - load<f64>(u) * wj;
    store<f64>(a, v);
    store<f64>(y, load<f64>(y) + v * xj);
    a += 8; u += 8; y += 8;
  }
}

/** a <- a - y xj, returns <a, u> (len rows); pass B of one column. */
@inline function passB(a: usize, y: usize, u: usize, len: i32, xj: f64): f64 {
  let nx = f64x2.splat(-xj);
  let s0 = f64x2.splat(0), s1 = s0;
  let end4 = a + ((<usize>len >> 2) << 5);
  while (a < end4) {
    let a0 = madd(v128.load(y), nx, v128.load(a));
    let a1 = madd(v128.load(y, 16), nx, v128.load(a, 16));
    v128.store(a, a0);
    v128.store(a, a1, 16);
    s0 = madd(a0, v128.load(u), s0);
    s1 = madd(a1, v128.load(u, 16), s1);
    a += 32; u += 32; y += 32;
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (let rem = len & 3; rem > 0; rem--) {
    let v = load<f64>(a) - load<f64>(y) * xj;
    store<f64>(a, v);
    s += v * load<f64>(u);
    a += 8; u += 8; y += 8;
  }
  return s;
}

/**
 * Bidiagonalises B (M x N, ld ldb, M >= N >= 1) in place: d (N) the diagonal, f (N - 1) the
 * superdiagonal. ub, yb: M-vectors; xb, wb: N-vectors of scratch.
 */
function bidiagonalize(B: usize, ldb: i32, M: i32, N: i32, d: usize, f: usize, ub: usize, yb: usize, xb: usize, wb: usize): void {
  // left reflector 0 and w_j = <B(:, j), u>
  let c0 = B;
  let tl = reflector(c0, M);
  st(d, 0, load<f64>(c0));
  store<f64>(ub, 1.0);
  if (M > 1) memory.copy(ub + 8, c0 + 8, <usize>(M - 1) << 3);
  for (let j = 1; j < N; j++) st(wb, j, dot(at(B, ldb, 0, j), ub, M));
  for (let k = 0; k < N - 1; k++) {
    // row k after the left update, and the right reflector from it
    for (let j = k + 1; j < N; j++) {
      let wj = tl * ld(wb, j);
      st(wb, j, wj);
      st(xb, j, load<f64>(at(B, ldb, k, j)) - wj);
    }
    let tr = reflector(xb + (<usize>(k + 1) << 3), N - k - 1);
    st(f, k, ld(xb, k + 1));
    st(xb, k + 1, 1.0);
    // pass A: left update of rows k+1.. and y = B(k+1.., k+1..) x
    let rows = M - k - 1;
    let r0 = <usize>(k + 1) << 3;
    memory.fill(yb + r0, 0, <usize>rows << 3);
    if (tl != 0 || tr != 0) {
      for (let j = k + 1; j < N; j++) passA(at(B, ldb, k + 1, j), ub + r0, yb + r0, rows, ld(wb, j), ld(xb, j));
    }
    scal(tr, yb + r0, rows);
    // pass B: right update, column k+1 first, its left reflector, then the next w
    let ck = at(B, ldb, k + 1, k + 1);
    passB(ck, yb + r0, ub + r0, rows, 1.0);
    tl = reflector(ck, rows);
    st(d, k + 1, load<f64>(ck));
    store<f64>(ub + r0, 1.0);
    if (rows > 1) memory.copy(ub + r0 + 8, ck + 8, <usize>(rows - 1) << 3);
    for (let j = k + 2; j < N; j++) st(wb, j, passB(at(B, ldb, k + 1, j), yb + r0, ub + r0, rows, ld(xb, j)));
  }
}

/**
 * singularValues: the min(m, n) singular values of A (m x n, ld m, not modified) into s,
 * descending and non-negative. Returns the QL iterations, or -1 on non-convergence.
 * work: singularValuesWorkBytes(m, n) bytes, 16-byte aligned.
 */
export function singularValues(A: usize, m: i32, n: i32, s: usize, work: usize): i32 {
  let M = max(m, n), N = min(m, n);
  if (N <= 0) return 0;
  let B = work;
  let R = work + rOff(M, N);
  let vec = work + vecOff(M, N);
  let mv = align16(<usize>M << 3), nv = align16(<usize>N << 3);
  let ub = vec, yb = vec + mv, xb = vec + 2 * mv, wb = xb + nv, d = xb + 2 * nv, f = xb + 3 * nv;
  let gd = xb + 4 * nv, ge = xb + 6 * nv, cs = xb + 8 * nv;
  let scale = pow2Scale(maxAbs(A, m, m, n));
  if (m >= n) {
    for (let j = 0; j < n; j++) {
      let src = at(A, m, 0, j), dst = at(B, M, 0, j);
      for (let i = 0; i < m; i++) store<f64>(dst + (<usize>i << 3), scale * load<f64>(src + (<usize>i << 3)));
    }
  } else {
    transpose(A, m, m, n, B, M);
    for (let j = 0; j < N; j++) scal(scale, at(B, M, 0, j), M);
  }
  let X = B, ldx = M, rows = M;
  if (useQr(M, N)) {
    qrFactor(B, M, M, N, work + qrOff(M, N));
    for (let j = 0; j < N; j++) {
      memory.copy(at(R, N, 0, j), at(B, M, 0, j), <usize>(j + 1) << 3);
      if (j + 1 < N) memory.fill(at(R, N, j + 1, j), 0, <usize>(N - j - 1) << 3);
    }
    X = R; ldx = N; rows = N;
  }
  bidiagonalize(X, ldx, rows, N, d, f, ub, yb, xb, wb);
  // Golub-Kahan tridiagonal: zero diagonal, off-diagonal d_0, f_0, d_1, ..., d_{N-1}
  let T = 2 * N;
  memory.fill(gd, 0, <usize>T << 3);
  for (let i = 0; i < N; i++) {
    st(ge, 2 * i, ld(d, i));
    st(ge, 2 * i + 1, i + 1 < N ? ld(f, i) : 0.0);
  }
  // cs/ss scratch is unused without vectors: the two halves of cs serve
  let iters = tridiagonalQL(gd, ge, T, 0, 0, 0, cs, cs, 0);
  if (iters < 0) return -1;
  sortDescending(gd, T);
  for (let i = 0; i < N; i++) st(s, i, max<f64>(ld(gd, i), 0) / scale);
  return iters;
}
