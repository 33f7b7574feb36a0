/**
 * Singular values (no vectors) of a dense m x n matrix by Householder bidiagonalisation and the
 * dqds algorithm on the bidiagonal (Golub & Van Loan, "Matrix Computations", 4th ed., alg. 5.4.2;
 * Fernando & Parlett 1994), with the symmetric tridiagonal QL algorithm on the Golub-Kahan form
 * (sec. 8.6.1; Golub & Kahan, SIAM J. Numer. Anal. 2, 1965) as the fallback.
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
 * Bidiagonal singular values by dqds, the differential quotient-difference algorithm with
 * shifts (Fernando & Parlett, Numer. Math. 67, 1994; Parlett & Marques, LAA 309, 2000; the
 * structure of LAPACK's dlasq1-dlasq6, written anew). It works on the qd array q_i = d_i^2,
 * e_i = f_i^2 (d, f scaled by a power of two so that max |d_i|, |f_i| is in [2^249, 2^250): every
 * intermediate, and a square of one, stays finite). One transform with shift tau turns (q, e)
 * into (q^, e^) with B^^T B^ = B B^T - tau I:
 *     d = q_0 - tau;  q^_i = d + e_i,  r = q_{i+1} / q^_i,  e^_i = e_i r,  d = d r - tau;  q^_n = d,
 * and fails (rejected and retried with a smaller tau) as soon as a d < 0, i.e. tau > lambda_min.
 * The accumulated shift sigma sums the accepted tau; the squared singular values are sigma + q_n
 * when e_{n-1} <= (4 eps)^2 (sigma + q_n) (deflation of one), or sigma plus the two of the
 * trailing 2 x 2 when e_{n-2} is negligible (of two). A negligible e_i further up splits the
 * block (the part above keeps its sigma, recorded at the split); a new block is reversed when
 * its top q is the smaller, so that the small values converge at the bottom.
 * Shifts are rigorous lower bounds of lambda_min, computed in the same loop: the column norms of
 * B^-1 (B^ upper bidiagonal) are t_j / q^_j with t_j = 1 + (e^_{j-1} / q^_{j-1}) t_{j-1}, so
 * l = 1 / ||B^-1||_F^2 <= lambda_min for every leading block; and since
 * B B^T = [[C11, b], [b^T, q_n]] with C11 >= B1 B1^T >= l1 I (l1 the bound of the leading
 * block, b = sqrt(e_{n-1} q_n) e_{n-1}), lambda_min >= the smaller eigenvalue of
 * [[l1, sqrt(e_{n-1} q_n)], [., q_n]] = q_n (l1 - e_{n-1}) / (...), which tends to lambda_min as
 * e_{n-1} -> 0 (superlinear convergence). lb = (1 - 2^-32) max of the two. The shift tried first
 * is 0.99 x the smaller eigenvalue of the trailing 2 x 2 of B B^T (an upper bound by interlacing,
 * close once e_{n-2} is small; a third fewer transforms than lb alone on random matrices, rarely
 * rejected) when above lb; lb is the retry, then lb / 4, lb / 16, 0. The first transform of a
 * block has tau = 0 (dqd). Each step costs one division on the recurrence (no square
 * roots), over N rather than the 2N of the Golub-Kahan tridiagonal. dqds is accurate to high
 * relative accuracy on the bidiagonal; the bidiagonalisation's O(eps ||A||) backward error
 * limits the result to absolute accuracy O(eps ||B||), as for LAPACK's dgesvd/dgesdd.
 * Fallback (more than 30 N transforms, or a failing zero shift): the
 * 2N x 2N tridiagonal T_GK with zero diagonal and off-diagonal (d_0, f_0, d_1, ..., d_{N-1}), a
 * symmetric permutation of [0 B; B^T 0] with the eigenvalues +/- sigma_i, by tridiagonal.ts's
 * implicit QL (absolute deflation, backward stable: O(eps ||B||)); its N largest eigenvalues,
 * with a numerically zero one at -O(eps ||B||) returned as 0. Deterministic throughout.
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

// ---------------------------------------------------------------------------------------------
// dqds on the bidiagonal (see the header)

const EPS: f64 = reinterpret<f64>(<u64>(1023 - 52) << 52); // 2^-52
/** Negligible e_i: e_i <= TOL2 x (a value it is compared with); TOL = 4 eps relative on sigma. */
const TOL2: f64 = 16 * EPS * EPS;
/** The shift is the rigorous lower bound shrunk by this factor (rounding margin). */
const MARGIN: f64 = 1 - reinterpret<f64>(<u64>(1023 - 32) << 52); // 1 - 2^-32
/** The shift estimate's fraction of the trailing 2 x 2's smaller eigenvalue. */
const AGGRESSIVE: f64 = 0.99;
/** max(d, f) is scaled into [2^249, 2^250): q, e <= 2^500, their squares stay finite. */
const DQ_SCALE: f64 = reinterpret<f64>(<u64>(1023 + 249) << 52);

let dqdsOn = true;

/** Test hook: 0 routes singularValues to the Golub-Kahan tridiagonal QL (the fallback), 1 to dqds. */
export function singularValuesDqds(on: i32): void { dqdsOn = on != 0; }

/**
 * One dqds transform with shift tau of the block [i0, n0]: (q, e) -> (qq, ee), the qd array of
 * Bhat with Bhat^T Bhat = B B^T - tau I. P[i0..n0+1]: the prefix sums of ||Bhat^{-1} e_j||^2
 * = t_j / qq_j, t_j = 1 + (ee_{j-1} / qq_{j-1}) t_{j-1} (columns of the inverse of a bidiagonal).
 * Returns false as soon as a d_i < 0 (tau above lambda_min: reject).
 */
function dqdsStep(q: usize, e: usize, qq: usize, ee: usize, P: usize, i0: i32, n0: i32, tau: f64): bool {
  let d = ld(q, i0) - tau;
  if (!(d >= 0)) return false;
  let t: f64 = 1, sum: f64 = 0;
  st(P, i0, 0);
  for (let i = i0; i < n0; i++) {
    let ei = ld(e, i);
    let a = d + ei;
    let r = ld(q, i + 1) / a;
    let inv = 1 / a;
    let en = ei * r;
    st(qq, i, a);
    st(ee, i, en);
    sum += t * inv;
    st(P, i + 1, sum);
    t = 1 + en * inv * t;
    d = d * r - tau;
    if (!(d >= 0)) return false;
  }
  st(qq, n0, d);
  st(P, n0 + 1, sum + t / d);
  return true;
}

/**
 * A lower bound on lambda_min of the block [i0, m] (m > i0) of the current qd array, from the
 * prefix sums P of its last transform: the larger of 1 / ||B^{-1}||_F^2 = 1 / P[m+1] and the
 * smaller eigenvalue of [[l1, sqrt(e_{m-1} q_m)], [., q_m]], l1 = 1 / P[m] <= lambda_min of the
 * leading block (B B^T = [[C11, b], [b^T, q_m]] with C11 >= B1 B1^T >= l1 I, so B B^T >= that
 * 2 x 2 extended by l1 I). The second one tends to lambda_min as e_{m-1} -> 0.
 */
function lowerBound(P: usize, q: usize, e: usize, i0: i32, m: i32): f64 {
  let lt = 1 / ld(P, m + 1);
  if (!(lt > 0)) lt = 0;
  let l1 = 1 / ld(P, m), qm = ld(q, m), em = ld(e, m - 1);
  if (l1 > em && l1 < Infinity) {
    let h = 0.5 * (l1 + qm), g = 0.5 * (l1 - qm);
    let b = qm * ((l1 - em) / (h + Math.sqrt(g * g + em * qm)));
    if (b > lt) lt = b;
  }
  return lt;
}

/** The larger squared singular value of [[sqrt q1, sqrt e1], [0, sqrt q2]]. */
@inline function big2(q1: f64, e1: f64, q2: f64): f64 {
  let t = q1 - q2 + e1;
  return 0.5 * ((q1 + q2 + e1) + Math.sqrt(t * t + 4 * e1 * q2));
}

/** Both squared singular values of the trailing 2 x 2 at n0 - 1, n0, plus sigma, into lam. */
@inline function deflate2(q: usize, e: usize, lam: usize, n0: i32, sigma: f64): void {
  let q1 = ld(q, n0 - 1), e1 = ld(e, n0 - 1), q2 = ld(q, n0);
  let b = big2(q1, e1, q2);
  st(lam, n0 - 1, sigma + b);
  st(lam, n0, sigma + (b > 0 ? (q1 / b) * q2 : 0.0));
}

/** Negligible coupling e_i at shift sigma (relative to sigma and the neighbouring q). */
@inline function negligible(q: usize, e: usize, i: i32, sigma: f64): bool {
  return ld(e, i) <= TOL2 * (sigma + min(ld(q, i), ld(q, i + 1)));
}

/**
 * dqds: the squared singular values of the upper bidiagonal with diagonal sqrt(q) and
 * superdiagonal sqrt(e) (N, e[N-1] ignored; q, e >= 0, destroyed) into lam (unsorted).
 * qq, ee, sh: N-vectors, P: N + 1 of scratch. Returns the transforms done, or -1 if more than
 * 30 N were needed or a zero-shift transform failed.
 */
function dqds(q: usize, e: usize, lam: usize, qq: usize, ee: usize, P: usize, sh: usize, N: i32): i32 {
  // sh[k]: the accumulated shift of the block above a split at e_k (NaN: no split recorded)
  for (let i = 0; i < N; i++) st(sh, i, NaN);
  let iters = 0, cap = 30 * N;
  let n0 = N - 1;
  while (n0 >= 0) {
    // a new block ending at n0: its shift, its top, and a flip to put the small end at the bottom
    let sigma = n0 == N - 1 ? 0.0 : ld(sh, n0);
    let i0 = n0;
    while (i0 > 0 && !negligible(q, e, i0 - 1, sigma)) i0--;
    if (i0 > 0 && isNaN(ld(sh, i0 - 1))) { st(sh, i0 - 1, sigma); st(e, i0 - 1, 0); }
    if (n0 > i0 && 1.5 * ld(q, i0) < ld(q, n0)) {
      for (let i = i0, j = n0; i < j; i++, j--) { let x = ld(q, i); st(q, i, ld(q, j)); st(q, j, x); }
      for (let i = i0, j = n0 - 1; i < j; i++, j--) { let x = ld(e, i); st(e, i, ld(e, j)); st(e, j, x); }
    }
    let pv = false; // P holds the prefix sums of the current qd array from i0
    while (true) {
      if (n0 == i0) { st(lam, n0, sigma + ld(q, n0)); n0--; break; }
      if (n0 == i0 + 1) { deflate2(q, e, lam, n0, sigma); n0 -= 2; break; }
      // deflation of one or two at the bottom
      if (ld(e, n0 - 1) <= TOL2 * (sigma + ld(q, n0))) { st(lam, n0, sigma + ld(q, n0)); n0--; continue; }
      {
        let q1 = ld(q, n0 - 1), q2 = ld(q, n0), b = big2(q1, ld(e, n0 - 1), q2);
        let small = b > 0 ? (q1 / b) * q2 : 0.0;
        if (ld(e, n0 - 2) <= TOL2 * (sigma + small)) { deflate2(q, e, lam, n0, sigma); n0 -= 2; continue; }
      }
      // a split further up: the part above keeps this shift
      for (let i = n0 - 2; i >= i0; i--) {
        if (negligible(q, e, i, sigma)) { st(sh, i, sigma); st(e, i, 0); i0 = i + 1; pv = false; break; }
      }
      if (n0 - i0 < 2) continue;
      // shift: 0.99 x the trailing 2 x 2's smaller eigenvalue (an upper bound, by interlacing,
      // and close once e_{n0-2} is small) if above the rigorous lower bound lb (shrunk for
      // rounding); after a rejection lb, then lb / 4, lb / 16, 0; a block's first transform: 0
      let lb = pv ? MARGIN * lowerBound(P, q, e, i0, n0) : 0.0;
      let tau = lb;
      if (pv) {
        let q1 = ld(q, n0 - 1), q2 = ld(q, n0), b = big2(q1, ld(e, n0 - 1), q2);
        let est = b > 0 ? AGGRESSIVE * ((q1 / b) * q2) : 0.0;
        if (est > lb) tau = est;
      }
      let tries = 0;
      while (true) {
        if (++iters > cap) return -1;
        if (dqdsStep(q, e, qq, ee, P, i0, n0, tau)) break;
        if (tau == 0) return -1;
        tau = tau > lb ? lb : ++tries >= 3 ? 0.0 : 0.25 * tau;
      }
      memory.copy(q + (<usize>i0 << 3), qq + (<usize>i0 << 3), <usize>(n0 - i0 + 1) << 3);
      memory.copy(e + (<usize>i0 << 3), ee + (<usize>i0 << 3), <usize>(n0 - i0) << 3);
      sigma += tau;
      pv = true;
    }
  }
  return iters;
}

/**
 * singularValues: the min(m, n) singular values of A (m x n, ld m, not modified) into s,
 * descending and non-negative. Returns the dqds transforms (or the fallback's QL iterations), or
 * -1 when both fail to converge.
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
  if (dqdsOn) {
    // q = d^2, e = f^2 of the bidiagonal scaled by a power of two (max in [2^249, 2^250))
    let amax: f64 = 0;
    for (let i = 0; i < N; i++) amax = max(amax, Math.abs(ld(d, i)));
    for (let i = 0; i < N - 1; i++) amax = max(amax, Math.abs(ld(f, i)));
    if (amax == 0) { memory.fill(s, 0, <usize>N << 3); return 0; }
    let s1 = pow2Scale(amax);
    let q = gd, e = gd + nv, qq = gd + 2 * nv, ee = gd + 3 * nv, sh = gd + 4 * nv, lam = gd + 5 * nv;
    for (let i = 0; i < N; i++) { let x = ld(d, i) * s1 * DQ_SCALE; st(q, i, x * x); }
    for (let i = 0; i < N - 1; i++) { let x = ld(f, i) * s1 * DQ_SCALE; st(e, i, x * x); }
    st(e, N - 1, 0);
    let it = dqds(q, e, lam, qq, ee, xb, sh, N); // xb, wb (free now): the N + 1 prefix sums
    if (it >= 0) {
      sortDescending(lam, N);
      for (let i = 0; i < N; i++) st(s, i, Math.sqrt(ld(lam, i)) / DQ_SCALE / s1 / scale);
      return it;
    }
  }
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
