/**
 * Thin SVD by one-sided Jacobi (Hestenes 1958), with the accuracy safeguards of Demmel & Veselic
 * ("Jacobi's method is more accurate than QR", SIAM J. Matrix Anal. Appl. 13, 1992), de Rijk's
 * pivoting (SIAM J. Sci. Stat. Comput. 10, 1989) and the QR preconditioning of Drmac & Veselic
 * ("New fast and accurate Jacobi SVD algorithm I", SIAM J. Matrix Anal. Appl. 29, 2008).
 *
 * One-sided Jacobi orthogonalises the columns of X by plane rotations from the right,
 *     X J = W,   J orthogonal (the product of the rotations),   W with orthogonal columns,
 * so X = (W Sigma^-1) Sigma J^T with sigma_i = ||w_i||. For a pair of columns (x, y) with
 * a = ||x||^2, b = ||y||^2, g = <x, y> the rotation that makes them orthogonal is
 *     zeta = (b - a) / (2 g),   t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2)),   c = 1 / sqrt(1 + t^2),
 *     x' = c (x - t y),   y' = c (y + t x),        (||x'||^2 = a - t g, ||y'||^2 = b + t g)
 * (t is the smaller root of t^2 + 2 zeta t - 1 = 0, |t| <= 1). A pair is rotated only while
 *     |<x, y>| > tol ||x|| ||y||,   tol = max(sqrt(N), 4) * 2^-53
 * (LAPACK dgesvj's sqrt(N) eps: N eps would leave the normalised side orthogonal only to ~N eps,
 * which the eigensolver's reconstruction amplifies; the extra rotations it costs are few because
 * the convergence is quadratic). This relative criterion is what gives Demmel & Veselic's bound:
 * each computed sigma_i has the backward error of a columnwise-small relative perturbation of X,
 * so the singular values of X are accurate to O(eps) relative to its column scaling, tiny ones
 * included (bidiagonal QR guarantees only O(eps sigma_max)). For A itself the unpivoted
 * Householder QR below adds its own (columnwise) backward error, so what is guaranteed for A is
 * O(poly(N) eps sigma_max) absolute accuracy, tiny singular values included (Drmac & Veselic's
 * relative guarantee for graded A would need QR with column pivoting, not done here).
 * A sweep visits the pairs in row-cyclic order (i < j, i outer); before row i de Rijk swaps
 * the column of largest remaining norm into position i, which speeds up convergence and leaves
 * the columns nearly sorted. The process stops after the first sweep that
 * rotates nothing; more than MAX_SWEEPS sweeps is reported as non-convergence (-1).
 *
 * Kernels: one pass over a rotated pair computes x' and y' with f64x2 SIMD (both columns at
 * once, two rows per vector) and, in the same pass, ||x'||^2, ||y'||^2 and <x', z> for the next
 * column z of the sweep: the column norms are always exact (never updated by formula, so they
 * cannot drift) and the next pair's dot product costs no extra pass over x. When J is
 * accumulated the same loop also rotates the two columns of J (rotate5).
 *
 * The driver (svdJacobi), for A m x n with M = max(m, n), N = min(m, n):
 *   B = A (tall) or A^T (wide), M x N, scaled by a power of two so that max |B| is in [1, 2)
 *   (exact; keeps squared norms far from overflow and underflow);
 *   B = Q R (Householder QR, householder.ts: the cheap part of the cost for M >> N);
 *   X = R^T (N x N) and Jacobi on X: X J = W.   Then R = J Sigma Vx^T, Vx = W Sigma^-1, so
 *       B = (Q J) Sigma Vx^T :   left vectors Q J (J accumulated, Q applied by its reflectors),
 *                                right vectors Vx (normalised columns of W);
 *   the accumulated J has been hit by thousands of rotations per column (N = 512: ~5000) and
 *   is orthogonal only to ~sqrt(rotations) eps, so before U = Q J it gets one Newton-Schulz
 *   step towards its orthogonal polar factor, J <- J (I + (I - J^T J) / 2) (error squared;
 *   one syrk and one gemm), which also halves its share of the reconstruction error;
 *   working on R^T rather than R is Drmac & Veselic's preconditioning: R R^T is one QR step
 *   closer to diagonal than R^T R, so ill-conditioned inputs need far fewer sweeps (about half
 *   for singular values spread over 1 .. 1e-12; for Gaussian data it makes no difference). For a wide A the roles swap
 *   (A = Vx Sigma (Q J)^T). Singular values are sorted descending (stable), vectors with them.
 * Columns of W that vanish (sigma < 2^-450 on the scaled data: numerically zero) get no direction
 * from the data; their vectors are completed to an orthonormal set (a unit vector e_r with the
 * smallest row norm among the kept columns, orthogonalised twice against all of them).
 * Everything is deterministic: fixed orders, no data-dependent parallelism.
 */
import { axpy, dot, gemmNN, nrm2, scal, sumsq, syrk } from "./blas";
import { qrApplyQ, qrFactor, qrFactorWorkBytes } from "./householder";
import { copyMatrix, maxAbs, pow2Scale, transpose } from "./linalg";
import { align16, at, hsum, madd, madd1 } from "./simd";

/** Sweep cap: Jacobi needs a handful (quadratic convergence); 60 means something is wrong. */
export const MAX_SWEEPS: i32 = 60;
/** Squared column norms below this (on data scaled to max |x| in [1, 2)) are numerically zero. */
const TINY2: f64 = reinterpret<f64>(<u64>(1023 - 900) << 52); // 2^-900
const TINY: f64 = reinterpret<f64>(<u64>(1023 - 450) << 52); // 2^-450
const UNIT_ROUNDOFF: f64 = reinterpret<f64>(<u64>(1023 - 53) << 52); // 2^-53

/** The Jacobi threshold for columns of length N. */
export function jacobiTol(N: i32): f64 {
  return max<f64>(Math.sqrt(<f64>N), 4) * UNIT_ROUNDOFF;
}

/** Sweeps of the last svdJacobi call (also its return value when it converged). */
export let lastSweeps: i32 = 0;
/** Rotations applied by the last svdJacobi call. */
export let lastRotations: f64 = 0;

// results of rotate3
let rotXX: f64 = 0;
let rotYY: f64 = 0;
let rotXZ: f64 = 0;

/**
 * x <- c (x - t y), y <- c (y + t x) over n rows, and (same pass) rotXX = ||x'||^2,
 * rotYY = ||y'||^2, rotXZ = <x', z>. Each sum uses two f64x2 accumulators (rows 4q, 4q+1 and
 * rows 4q+2, 4q+3; a leftover pair goes to the first), added, lane 0 + lane 1, then the odd
 * last row.
 */
function rotate3(x: usize, y: usize, z: usize, n: i32, c: f64, t: f64): void {
  let cv = f64x2.splat(c), tv = f64x2.splat(t), nt = f64x2.splat(-t);
  let ax0 = f64x2.splat(0), ay0 = ax0, az0 = ax0, ax1 = ax0, ay1 = ax0, az1 = ax0;
  let end4 = x + ((<usize>n >> 2) << 5);
  while (x < end4) {
    let xv = v128.load(x), yv = v128.load(y);
    let xn = f64x2.mul(madd(nt, yv, xv), cv);
    let yn = f64x2.mul(madd(tv, xv, yv), cv);
    v128.store(x, xn);
    v128.store(y, yn);
    ax0 = madd(xn, xn, ax0);
    ay0 = madd(yn, yn, ay0);
    az0 = madd(xn, v128.load(z), az0);
    xv = v128.load(x, 16); yv = v128.load(y, 16);
    xn = f64x2.mul(madd(nt, yv, xv), cv);
    yn = f64x2.mul(madd(tv, xv, yv), cv);
    v128.store(x, xn, 16);
    v128.store(y, yn, 16);
    ax1 = madd(xn, xn, ax1);
    ay1 = madd(yn, yn, ay1);
    az1 = madd(xn, v128.load(z, 16), az1);
    x += 32; y += 32; z += 32;
  }
  if (n & 2) {
    let xv = v128.load(x), yv = v128.load(y);
    let xn = f64x2.mul(madd(nt, yv, xv), cv);
    let yn = f64x2.mul(madd(tv, xv, yv), cv);
    v128.store(x, xn);
    v128.store(y, yn);
    ax0 = madd(xn, xn, ax0);
    ay0 = madd(yn, yn, ay0);
    az0 = madd(xn, v128.load(z), az0);
    x += 16; y += 16; z += 16;
  }
  let sx = hsum(f64x2.add(ax0, ax1)), sy = hsum(f64x2.add(ay0, ay1)), sz = hsum(f64x2.add(az0, az1));
  if (n & 1) {
    let xs = load<f64>(x), ys = load<f64>(y);
    let xn = madd1(-t, ys, xs) * c;
    let yn = madd1(t, xs, ys) * c;
    store<f64>(x, xn);
    store<f64>(y, yn);
    sx = madd1(xn, xn, sx);
    sy = madd1(yn, yn, sy);
    sz = madd1(xn, load<f64>(z), sz);
  }
  rotXX = sx; rotYY = sy; rotXZ = sz;
}

/** rotate3 on (x, y, z) and, in the same loop, the rotation of (u, w) (the columns of J; also n rows). */
function rotate5(x: usize, y: usize, z: usize, u: usize, w: usize, n: i32, c: f64, t: f64): void {
  let cv = f64x2.splat(c), tv = f64x2.splat(t), nt = f64x2.splat(-t);
  let ax0 = f64x2.splat(0), ay0 = ax0, az0 = ax0, ax1 = ax0, ay1 = ax0, az1 = ax0;
  let end4 = x + ((<usize>n >> 2) << 5);
  while (x < end4) {
    let xv = v128.load(x), yv = v128.load(y);
    let xn = f64x2.mul(madd(nt, yv, xv), cv);
    let yn = f64x2.mul(madd(tv, xv, yv), cv);
    v128.store(x, xn);
    v128.store(y, yn);
    ax0 = madd(xn, xn, ax0);
    ay0 = madd(yn, yn, ay0);
    az0 = madd(xn, v128.load(z), az0);
    xv = v128.load(x, 16); yv = v128.load(y, 16);
    xn = f64x2.mul(madd(nt, yv, xv), cv);
    yn = f64x2.mul(madd(tv, xv, yv), cv);
    v128.store(x, xn, 16);
    v128.store(y, yn, 16);
    ax1 = madd(xn, xn, ax1);
    ay1 = madd(yn, yn, ay1);
    az1 = madd(xn, v128.load(z, 16), az1);
    let uv = v128.load(u), wv = v128.load(w);
    v128.store(u, f64x2.mul(madd(nt, wv, uv), cv));
    v128.store(w, f64x2.mul(madd(tv, uv, wv), cv));
    uv = v128.load(u, 16); wv = v128.load(w, 16);
    v128.store(u, f64x2.mul(madd(nt, wv, uv), cv), 16);
    v128.store(w, f64x2.mul(madd(tv, uv, wv), cv), 16);
    x += 32; y += 32; z += 32; u += 32; w += 32;
  }
  if (n & 2) {
    let xv = v128.load(x), yv = v128.load(y);
    let xn = f64x2.mul(madd(nt, yv, xv), cv);
    let yn = f64x2.mul(madd(tv, xv, yv), cv);
    v128.store(x, xn);
    v128.store(y, yn);
    ax0 = madd(xn, xn, ax0);
    ay0 = madd(yn, yn, ay0);
    az0 = madd(xn, v128.load(z), az0);
    let uv = v128.load(u), wv = v128.load(w);
    v128.store(u, f64x2.mul(madd(nt, wv, uv), cv));
    v128.store(w, f64x2.mul(madd(tv, uv, wv), cv));
    x += 16; y += 16; z += 16; u += 16; w += 16;
  }
  let sx = hsum(f64x2.add(ax0, ax1)), sy = hsum(f64x2.add(ay0, ay1)), sz = hsum(f64x2.add(az0, az1));
  if (n & 1) {
    let xs = load<f64>(x), ys = load<f64>(y);
    let xn = madd1(-t, ys, xs) * c;
    let yn = madd1(t, xs, ys) * c;
    store<f64>(x, xn);
    store<f64>(y, yn);
    sx = madd1(xn, xn, sx);
    sy = madd1(yn, yn, sy);
    sz = madd1(xn, load<f64>(z), sz);
    let us = load<f64>(u), ws = load<f64>(w);
    store<f64>(u, madd1(-t, ws, us) * c);
    store<f64>(w, madd1(t, us, ws) * c);
  }
  rotXX = sx; rotYY = sy; rotXZ = sz;
}

function swapColumns(a: usize, b: usize, n: i32): void {
  let end = a + ((<usize>n >> 1) << 4);
  while (a < end) {
    let u = v128.load(a);
    v128.store(a, v128.load(b));
    v128.store(b, u);
    a += 16; b += 16;
  }
  if (n & 1) {
    let u = load<f64>(a);
    store<f64>(a, load<f64>(b));
    store<f64>(b, u);
  }
}

/**
 * One-sided Jacobi on X (rows x n, ld ldx), in place: X <- X J. When J != 0 the rotations are
 * also applied to the columns of J (rows x n too, ld ldj; pass the identity to get J). d: n f64 of
 * scratch (squared column norms). Returns the number of sweeps (the last one rotates nothing),
 * or -1 when MAX_SWEEPS sweeps did not converge.
 */
export function jacobiSweeps(X: usize, ldx: i32, rows: i32, n: i32, J: usize, ldj: i32,
                             d: usize, tol: f64): i32 {
  let sx = <usize>ldx << 3, sj = <usize>ldj << 3;
  lastRotations = 0;
  lastSweeps = 0;
  for (let sweep = 1; sweep <= MAX_SWEEPS; sweep++) {
    for (let i = 0; i < n; i++) store<f64>(d + (<usize>i << 3), sumsq(X + <usize>i * sx, rows));
    let rotations = 0;
    for (let i = 0; i < n - 1; i++) {
      // de Rijk: the column of largest remaining norm goes to position i
      let p = i;
      let best = load<f64>(d + (<usize>i << 3));
      for (let q = i + 1; q < n; q++) {
        let v = load<f64>(d + (<usize>q << 3));
        if (v > best) { best = v; p = q; }
      }
      if (p != i) {
        swapColumns(X + <usize>i * sx, X + <usize>p * sx, rows);
        if (J != 0) swapColumns(J + <usize>i * sj, J + <usize>p * sj, rows);
        store<f64>(d + (<usize>p << 3), load<f64>(d + (<usize>i << 3)));
        store<f64>(d + (<usize>i << 3), best);
      }
      let di = best;
      if (di < TINY2) break; // every remaining column is numerically zero
      let xi = X + <usize>i * sx;
      let g = dot(xi, xi + sx, rows);
      for (let j = i + 1; j < n; j++) {
        let xj = X + <usize>j * sx;
        let dj = load<f64>(d + (<usize>j << 3));
        let hasNext = j + 1 < n;
        let z = hasNext ? xj + sx : xi;
        if (dj >= TINY2 && Math.abs(g) > tol * Math.sqrt(di) * Math.sqrt(dj)) {
          let zeta = (dj - di) / (2 * g);
          let t: f64;
          if (Math.abs(zeta) > 1e150) t = 0.5 / zeta;
          else t = (zeta >= 0 ? 1.0 : -1.0) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
          let c = 1 / Math.sqrt(1 + t * t);
          if (J != 0) rotate5(xi, xj, z, J + <usize>i * sj, J + <usize>j * sj, rows, c, t);
          else rotate3(xi, xj, z, rows, c, t);
          di = rotXX;
          store<f64>(d + (<usize>j << 3), rotYY);
          g = hasNext ? rotXZ : 0;
          rotations++;
        } else {
          g = hasNext ? dot(xi, z, rows) : 0;
        }
      }
      store<f64>(d + (<usize>i << 3), di);
    }
    lastRotations += <f64>rotations;
    lastSweeps = sweep;
    if (rotations == 0) return sweep;
  }
  return -1;
}

/**
 * sig[i] = ||X(:, i)|| for i < n, and perm = the column order by descending sig (stable:
 * equal values keep their index order).
 */
export function sortedNorms(X: usize, ldx: i32, rows: i32, n: i32, sig: usize, perm: usize): void {
  let sx = <usize>ldx << 3;
  for (let i = 0; i < n; i++) {
    store<f64>(sig + (<usize>i << 3), nrm2(X + <usize>i * sx, rows));
    store<i32>(perm + (<usize>i << 2), i);
  }
  for (let q = 1; q < n; q++) {
    let p = load<i32>(perm + (<usize>q << 2));
    let s = load<f64>(sig + (<usize>p << 3));
    let r = q;
    while (r > 0 && load<f64>(sig + (<usize>load<i32>(perm + (<usize>(r - 1) << 2)) << 3)) < s) {
      store<i32>(perm + (<usize>r << 2), load<i32>(perm + (<usize>(r - 1) << 2)));
      r--;
    }
    store<i32>(perm + (<usize>r << 2), p);
  }
}

/**
 * Out(:, q) = X(:, perm[q]) / sig[perm[q]] for q < n (Out rows x outCols, ld ldo, outCols >= n);
 * columns whose sig is numerically zero, and columns n..outCols-1, are completed to an
 * orthonormal set (see the header). flags, rowsq, cand: outCols i32, rows f64, rows f64 of scratch.
 */
export function normalizedColumns(X: usize, ldx: i32, rows: i32, n: i32, sig: usize, perm: usize,
                                  Out: usize, ldo: i32, outCols: i32, flags: usize, rowsq: usize, cand: usize): void {
  let so = <usize>ldo << 3;
  let missing = outCols - n;
  for (let q = 0; q < n; q++) {
    let p = load<i32>(perm + (<usize>q << 2));
    let s = load<f64>(sig + (<usize>p << 3));
    let o = Out + <usize>q * so;
    copyMatrix(at(X, ldx, 0, p), rows, rows, 1, o, rows);
    if (s >= TINY) {
      scal(1 / s, o, rows);
      store<i32>(flags + (<usize>q << 2), 0);
    } else {
      store<i32>(flags + (<usize>q << 2), 1);
      missing++;
    }
  }
  for (let q = n; q < outCols; q++) store<i32>(flags + (<usize>q << 2), 1);
  if (missing > 0) completeColumns(Out, ldo, rows, outCols, flags, rowsq, cand);
}

/**
 * Replaces the flagged columns of V (rows x n, ld ldv; the others orthonormal) by unit vectors
 * orthogonal to every other column: for each, e_r with r the row of smallest squared norm over
 * the kept columns (its residual is at least 1 - kept / rows > 0), orthogonalised twice (MGS).
 */
function completeColumns(V: usize, ldv: i32, rows: i32, n: i32, flags: usize, rowsq: usize, x: usize): void {
  let sv = <usize>ldv << 3;
  memory.fill(rowsq, 0, <usize>rows << 3);
  for (let q = 0; q < n; q++) {
    if (load<i32>(flags + (<usize>q << 2)) != 0) continue;
    let v = V + <usize>q * sv;
    for (let r = 0; r < rows; r++) {
      let e = load<f64>(v + (<usize>r << 3));
      store<f64>(rowsq + (<usize>r << 3), load<f64>(rowsq + (<usize>r << 3)) + e * e);
    }
  }
  for (let q = 0; q < n; q++) {
    if (load<i32>(flags + (<usize>q << 2)) == 0) continue;
    let best = 0;
    let bestV = load<f64>(rowsq);
    for (let r = 1; r < rows; r++) {
      let v = load<f64>(rowsq + (<usize>r << 3));
      if (v < bestV) { bestV = v; best = r; }
    }
    memory.fill(x, 0, <usize>rows << 3);
    store<f64>(x + (<usize>best << 3), 1.0);
    for (let pass = 0; pass < 2; pass++) {
      for (let o = 0; o < n; o++) {
        if (load<i32>(flags + (<usize>o << 2)) != 0) continue;
        let v = V + <usize>o * sv;
        axpy(-dot(v, x, rows), v, x, rows);
      }
    }
    scal(1 / nrm2(x, rows), x, rows);
    let v = V + <usize>q * sv;
    memory.copy(v, x, <usize>rows << 3);
    store<i32>(flags + (<usize>q << 2), 0);
    for (let r = 0; r < rows; r++) {
      let e = load<f64>(v + (<usize>r << 3));
      store<f64>(rowsq + (<usize>r << 3), load<f64>(rowsq + (<usize>r << 3)) + e * e);
    }
  }
}

/** X (N x N, ld N) = R^T for the upper triangle R of B (ld ldb). */
export function transposeR(B: usize, ldb: i32, N: i32, X: usize): void {
  for (let j = 0; j < N; j++) {
    let col = at(X, N, 0, j);
    memory.fill(col, 0, <usize>j << 3);
    for (let i = j; i < N; i++) store<f64>(col + (<usize>i << 3), load<f64>(at(B, ldb, j, i)));
  }
}

// svdJacobi workspace layout
@inline function xOff(M: i32, N: i32): usize { return align16((<usize>M * <usize>N) << 3); }
@inline function dOff(M: i32, N: i32): usize { return xOff(M, N) + align16((<usize>N * <usize>N) << 3); }
@inline function sigOff(M: i32, N: i32): usize { return dOff(M, N) + align16(<usize>N << 3); }
@inline function permOff(M: i32, N: i32): usize { return sigOff(M, N) + align16(<usize>N << 3); }
@inline function flagOff(M: i32, N: i32): usize { return permOff(M, N) + align16(<usize>N << 2); }
@inline function rowsqOff(M: i32, N: i32): usize { return flagOff(M, N) + align16(<usize>N << 2); }
@inline function candOff(M: i32, N: i32): usize { return rowsqOff(M, N) + align16(<usize>N << 3); }
@inline function yOff(M: i32, N: i32): usize { return candOff(M, N) + align16(<usize>N << 3); }
@inline function qrOff(M: i32, N: i32): usize { return yOff(M, N) + align16((<usize>N * <usize>N) << 3); }

/** Bytes of scratch svdJacobi needs for an m x n matrix (16-byte aligned scratch expected). */
export function svdWorkBytes(m: i32, n: i32): usize {
  let M = max(max(m, n), 1), N = max(min(m, n), 1);
  return qrOff(M, N) + qrFactorWorkBytes(M, N);
}

/**
 * svdJacobi: thin SVD A = U diag(S) V^T of A (m x n, ld m; not modified), k = min(m, n):
 * S (k f64) descending; with vectors != 0 also U (m x k, ld m) and V (n x k, ld n), both with
 * orthonormal columns. Returns the number of Jacobi sweeps, or -1 on non-convergence (outputs
 * then undefined). work: svdWorkBytes(m, n) bytes. Signs of (u_i, v_i) pairs are whatever the
 * algorithm produces (deterministic).
 */
export function svdJacobi(A: usize, m: i32, n: i32, S: usize, U: usize, V: usize, vectors: i32, work: usize): i32 {
  let N = min(m, n);
  lastSweeps = 0;
  lastRotations = 0;
  if (N <= 0) return 0;
  let M = max(m, n);
  let wide = m < n;
  let B = work, X = work + xOff(M, N), d = work + dOff(M, N), sig = work + sigOff(M, N);
  let perm = work + permOff(M, N), flags = work + flagOff(M, N);
  let rowsq = work + rowsqOff(M, N), cand = work + candOff(M, N), qw = work + qrOff(M, N);
  let Y = work + yOff(M, N);

  if (wide) transpose(A, m, m, n, B, M);
  else copyMatrix(A, m, m, n, B, M);
  let scale = pow2Scale(maxAbs(B, M, M, N));
  if (scale != 1) scal(scale, B, M * N);
  qrFactor(B, M, M, N, qw);
  transposeR(B, M, N, X);

  let Jm: usize = 0, Vn: usize = 0;
  if (vectors != 0) {
    Jm = wide ? V : U;   // M x N, ld M: J in its top N rows, then Q J
    Vn = wide ? U : V;   // N x N, ld N
    for (let j = 0; j < N; j++) {
      let col = at(Jm, M, 0, j);
      memory.fill(col, 0, <usize>M << 3);
      store<f64>(col + (<usize>j << 3), 1.0);
    }
  }
  let sweeps = jacobiSweeps(X, N, N, N, Jm, M, d, jacobiTol(N));
  if (sweeps < 0) return -1;

  sortedNorms(X, N, N, N, sig, perm);
  for (let q = 0; q < N; q++) {
    let p = load<i32>(perm + (<usize>q << 2));
    store<f64>(S + (<usize>q << 3), load<f64>(sig + (<usize>p << 3)) / scale);
  }
  if (vectors != 0) {
    normalizedColumns(X, N, N, N, sig, perm, Vn, N, N, flags, rowsq, cand);
    // J's columns in the sorted order (X is free now)
    for (let q = 0; q < N; q++) {
      let p = load<i32>(perm + (<usize>q << 2));
      memory.copy(at(X, N, 0, q), at(Jm, M, 0, p), <usize>N << 3);
    }
    // one Newton-Schulz step towards the orthogonal polar factor, J <- J (I + (I - J^T J) / 2):
    // the thousands of rotations per column leave J orthogonal only to ~sqrt(rotations) eps,
    // and this squares that away at the cost of one syrk and one gemm
    syrk(X, N, N, N, Y, N, 0);
    for (let j = 0; j < N; j++) {
      for (let i = 0; i < N; i++) {
        let y = at(Y, N, i, j);
        let e = (i == j ? 1.0 : 0.0) - load<f64>(y);
        store<f64>(y, (i == j ? 1.0 : 0.0) + 0.5 * e);
      }
    }
    gemmNN(X, N, Y, N, N, N, N, Jm, M, 0);
    if (M > N) for (let q = 0; q < N; q++) memory.fill(at(Jm, M, N, q), 0, <usize>(M - N) << 3);
    // U = Q [J; 0]
    qrApplyQ(B, M, M, N, Jm, M, N, 0, qw);
  }
  return sweeps;
}
