/**
 * Singular values (no vectors) of a dense m x n matrix by Householder bidiagonalisation (Golub &
 * Van Loan, "Matrix Computations", 4th ed., alg. 5.4.2) and the dqds algorithm on the bidiagonal
 * (Fernando & Parlett, Numer. Math. 67, 1994; Parlett & Marques, LAA 309, 2000), with implicit QL
 * on the Golub-Kahan tridiagonal (sec. 8.6.1) as the fallback, for the pure-TypeScript backend:
 * the twin of assembly/bidiagonal.ts (whose header has the derivations), same steps, formulas,
 * constants and order of operations (results agree to rounding; the SIMD bidiagonalisation sums
 * in another order):
 *
 *  - B = A (A^T when m < n), M x N with M >= N, scaled by a power of two (max |b_ij| in [1, 2));
 *    when M >= 1.3 N, B = Q R first (Householder QR, src/js/qr.ts) and R goes on.
 *  - For k = 0..N-1: left reflector (u, tl) of B(k.., k) (d_k = beta), w = tl B^T u; row k after
 *    the left update is B(k, j) - w_j, whose right reflector (x, tr) gives f_k; then
 *    B <- B - u w^T (rows k+1..) while y = tr B x accumulates, and B <- B - y x^T while the next
 *    w = B^T u' accumulates (u' from column k+1, updated first).
 *  - dqds on q = d^2, e = f^2 (d, f scaled by a power of two into [2^249, 2^250)): transforms
 *    with shifts tau <= lambda_min (rejected and retried smaller when a d < 0), the first of a
 *    block with tau = 0; shift 0.99 x the trailing 2 x 2's smaller eigenvalue when above the
 *    rigorous lower bound max(1 / ||B^-1||_F^2, the 2 x 2 bound from the last column) shrunk by
 *    1 - 2^-32, which is the retry, then / 4, / 16, 0; deflation of one or two at the bottom and
 *    splits at e_i <= (4 eps)^2 (sigma + ...), a new block reversed when its top q is the smaller.
 *  - Fallback (more than 30 N transforms, a failing zero shift, or setSingularValuesDqds(false)):
 *    the 2N x 2N tridiagonal with zero diagonal and off-diagonal (d_0, f_0, ..., d_{N-1}), whose
 *    eigenvalues are +/- sigma_i, by implicit QL (src/js/tridiagonal.ts, absolute deflation) to
 *    O(eps ||B||); the N largest, clamped at 0, are the singular values (descending).
 */
import { householderQr, reflector } from "./qr.js";
import { pow2Scale, sortDescending, tridiagonalQL } from "./tridiagonal.js";

const QR_RATIO = 1.3;

/** Bidiagonalises B (M x N, ld M, M >= N >= 1) in place: d (N), f (N - 1). */
function bidiagonalize(B: Float64Array, M: number, N: number, d: Float64Array, f: Float64Array): void {
  const u = new Float64Array(M), y = new Float64Array(M), x = new Float64Array(N), w = new Float64Array(N);
  let tl = reflector(B, 0, M);
  d[0] = B[0] as number;
  u[0] = 1;
  for (let i = 1; i < M; i++) u[i] = B[i] as number;
  for (let j = 1; j < N; j++) {
    let s = 0;
    for (let i = 0; i < M; i++) s += (B[j * M + i] as number) * (u[i] as number);
    w[j] = s;
  }
  for (let k = 0; k < N - 1; k++) {
    for (let j = k + 1; j < N; j++) {
      const wj = tl * (w[j] as number);
      w[j] = wj;
      x[j] = (B[j * M + k] as number) - wj;
    }
    const tr = reflector(x, k + 1, N - k - 1);
    f[k] = x[k + 1] as number;
    x[k + 1] = 1;
    y.fill(0, k + 1, M);
    if (tl !== 0 || tr !== 0) {
      for (let j = k + 1; j < N; j++) {
        const c = j * M, wj = w[j] as number, xj = x[j] as number;
        for (let i = k + 1; i < M; i++) {
          const a = (B[c + i] as number) - (u[i] as number) * wj;
          B[c + i] = a;
          y[i] = (y[i] as number) + a * xj;
        }
      }
    }
    for (let i = k + 1; i < M; i++) y[i] = tr * (y[i] as number);
    const ck = (k + 1) * M;
    for (let i = k + 1; i < M; i++) B[ck + i] = (B[ck + i] as number) - (y[i] as number);
    tl = reflector(B, ck + k + 1, M - k - 1);
    d[k + 1] = B[ck + k + 1] as number;
    u[k + 1] = 1;
    for (let i = k + 2; i < M; i++) u[i] = B[ck + i] as number;
    for (let j = k + 2; j < N; j++) {
      const c = j * M, xj = x[j] as number;
      let s = 0;
      for (let i = k + 1; i < M; i++) {
        const a = (B[c + i] as number) - (y[i] as number) * xj;
        B[c + i] = a;
        s += a * (u[i] as number);
      }
      w[j] = s;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// dqds on the bidiagonal (assembly/bidiagonal.ts, step for step)

const EPS = 2 ** -52;
/** Negligible e_i: e_i <= TOL2 x (a value it is compared with); TOL = 4 eps relative on sigma. */
const TOL2 = 16 * EPS * EPS;
/** The shift is the rigorous lower bound shrunk by this factor (rounding margin). */
const MARGIN = 1 - 2 ** -32;
/** The shift estimate's fraction of the trailing 2 x 2's smaller eigenvalue. */
const AGGRESSIVE = 0.99;
/** max(d, f) is scaled into [2^249, 2^250): q, e <= 2^500, their squares stay finite. */
const DQ_SCALE = 2 ** 249;

let dqdsOn = true;

/** Test hook: false routes singularValues to the Golub-Kahan tridiagonal QL (the fallback). */
export function setSingularValuesDqds(on: boolean): void {
  dqdsOn = on;
}

/**
 * One dqds transform with shift tau of the block [i0, n0]: (q, e) -> (qq, ee); P[i0..n0+1] the
 * prefix sums of ||Bhat^{-1} e_j||^2. False as soon as a d_i < 0 (reject).
 */
function dqdsStep(q: Float64Array, e: Float64Array, qq: Float64Array, ee: Float64Array, P: Float64Array, i0: number, n0: number, tau: number): boolean {
  let d = (q[i0] as number) - tau;
  if (!(d >= 0)) return false;
  let t = 1, sum = 0;
  P[i0] = 0;
  for (let i = i0; i < n0; i++) {
    const ei = e[i] as number;
    const a = d + ei;
    const r = (q[i + 1] as number) / a;
    const inv = 1 / a;
    const en = ei * r;
    qq[i] = a;
    ee[i] = en;
    sum += t * inv;
    P[i + 1] = sum;
    t = 1 + en * inv * t;
    d = d * r - tau;
    if (!(d >= 0)) return false;
  }
  qq[n0] = d;
  P[n0 + 1] = sum + t / d;
  return true;
}

/** Lower bound on lambda_min of the block [i0, m] from the prefix sums P of its last transform. */
function lowerBound(P: Float64Array, q: Float64Array, e: Float64Array, m: number): number {
  let lt = 1 / (P[m + 1] as number);
  if (!(lt > 0)) lt = 0;
  const l1 = 1 / (P[m] as number), qm = q[m] as number, em = e[m - 1] as number;
  if (l1 > em && l1 < Infinity) {
    const h = 0.5 * (l1 + qm), g = 0.5 * (l1 - qm);
    const b = qm * ((l1 - em) / (h + Math.sqrt(g * g + em * qm)));
    if (b > lt) lt = b;
  }
  return lt;
}

/** The larger squared singular value of [[sqrt q1, sqrt e1], [0, sqrt q2]]. */
function big2(q1: number, e1: number, q2: number): number {
  const t = q1 - q2 + e1;
  return 0.5 * ((q1 + q2 + e1) + Math.sqrt(t * t + 4 * e1 * q2));
}

/** Both squared singular values of the trailing 2 x 2 at n0 - 1, n0, plus sigma, into lam. */
function deflate2(q: Float64Array, e: Float64Array, lam: Float64Array, n0: number, sigma: number): void {
  const q1 = q[n0 - 1] as number, e1 = e[n0 - 1] as number, q2 = q[n0] as number;
  const b = big2(q1, e1, q2);
  lam[n0 - 1] = sigma + b;
  lam[n0] = sigma + (b > 0 ? (q1 / b) * q2 : 0);
}

/** Negligible coupling e_i at shift sigma (relative to sigma and the neighbouring q). */
function negligible(q: Float64Array, e: Float64Array, i: number, sigma: number): boolean {
  return (e[i] as number) <= TOL2 * (sigma + Math.min(q[i] as number, q[i + 1] as number));
}

/**
 * dqds: the squared singular values of the upper bidiagonal with diagonal sqrt(q) and
 * superdiagonal sqrt(e) (N, e[N-1] ignored; q, e >= 0, destroyed) into lam (unsorted). Returns
 * the transforms done, or -1 if more than 30 N were needed or a zero-shift transform failed.
 */
function dqds(q: Float64Array, e: Float64Array, lam: Float64Array, N: number): number {
  const qq = new Float64Array(N), ee = new Float64Array(N), P = new Float64Array(N + 1);
  // sh[k]: the accumulated shift of the block above a split at e_k (NaN: no split recorded)
  const sh = new Float64Array(N).fill(NaN);
  let iters = 0;
  const cap = 30 * N;
  let n0 = N - 1;
  while (n0 >= 0) {
    // a new block ending at n0: its shift, its top, and a flip to put the small end at the bottom
    let sigma = n0 === N - 1 ? 0 : (sh[n0] as number);
    let i0 = n0;
    while (i0 > 0 && !negligible(q, e, i0 - 1, sigma)) i0--;
    if (i0 > 0 && Number.isNaN(sh[i0 - 1] as number)) { sh[i0 - 1] = sigma; e[i0 - 1] = 0; }
    if (n0 > i0 && 1.5 * (q[i0] as number) < (q[n0] as number)) {
      for (let i = i0, j = n0; i < j; i++, j--) { const x = q[i] as number; q[i] = q[j] as number; q[j] = x; }
      for (let i = i0, j = n0 - 1; i < j; i++, j--) { const x = e[i] as number; e[i] = e[j] as number; e[j] = x; }
    }
    let pv = false; // P holds the prefix sums of the current qd array from i0
    for (;;) {
      if (n0 === i0) { lam[n0] = sigma + (q[n0] as number); n0--; break; }
      if (n0 === i0 + 1) { deflate2(q, e, lam, n0, sigma); n0 -= 2; break; }
      // deflation of one or two at the bottom
      if ((e[n0 - 1] as number) <= TOL2 * (sigma + (q[n0] as number))) { lam[n0] = sigma + (q[n0] as number); n0--; continue; }
      {
        const q1 = q[n0 - 1] as number, q2 = q[n0] as number, b = big2(q1, e[n0 - 1] as number, q2);
        const small = b > 0 ? (q1 / b) * q2 : 0;
        if ((e[n0 - 2] as number) <= TOL2 * (sigma + small)) { deflate2(q, e, lam, n0, sigma); n0 -= 2; continue; }
      }
      // a split further up: the part above keeps this shift
      for (let i = n0 - 2; i >= i0; i--) {
        if (negligible(q, e, i, sigma)) { sh[i] = sigma; e[i] = 0; i0 = i + 1; pv = false; break; }
      }
      if (n0 - i0 < 2) continue;
      // shift: 0.99 x the trailing 2 x 2's smaller eigenvalue if above the rigorous lower bound
      // (zero on a fresh block), which is the retry; then / 4, / 16, 0
      const lb = pv ? MARGIN * lowerBound(P, q, e, n0) : 0;
      let tau = lb;
      if (pv) {
        const q1 = q[n0 - 1] as number, q2 = q[n0] as number, b = big2(q1, e[n0 - 1] as number, q2);
        const est = b > 0 ? AGGRESSIVE * ((q1 / b) * q2) : 0;
        if (est > lb) tau = est;
      }
      let tries = 0;
      for (;;) {
        if (++iters > cap) return -1;
        if (dqdsStep(q, e, qq, ee, P, i0, n0, tau)) break;
        if (tau === 0) return -1;
        tau = tau > lb ? lb : ++tries >= 3 ? 0 : 0.25 * tau;
      }
      q.set(qq.subarray(i0, n0 + 1), i0);
      e.set(ee.subarray(i0, n0), i0);
      sigma += tau;
      pv = true;
    }
  }
  return iters;
}

/**
 * The min(m, n) singular values of the column-major m x n matrix A (not modified), descending and
 * non-negative; null when both dqds and the QL fallback did not converge.
 */
export function singularValues(A: Float64Array, m: number, n: number): Float64Array | null {
  const M = Math.max(m, n), N = Math.min(m, n);
  if (N <= 0) return new Float64Array(0);
  let amax = 0;
  for (let i = 0; i < m * n; i++) amax = Math.max(amax, Math.abs(A[i] as number));
  const scale = pow2Scale(amax);
  let B = new Float64Array(M * N);
  if (m >= n) {
    for (let i = 0; i < m * n; i++) B[i] = scale * (A[i] as number);
  } else {
    for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) B[i * M + j] = scale * (A[j * m + i] as number);
  }
  let rows = M;
  if (M >= QR_RATIO * N && N > 1) {
    householderQr(B, M, N, new Float64Array(N));
    const R = new Float64Array(N * N);
    for (let j = 0; j < N; j++) for (let i = 0; i <= j; i++) R[j * N + i] = B[j * M + i] as number;
    B = R;
    rows = N;
  }
  const d = new Float64Array(N), f = new Float64Array(N);
  bidiagonalize(B, rows, N, d, f);
  if (dqdsOn) {
    // q = d^2, e = f^2 of the bidiagonal scaled by a power of two (max in [2^249, 2^250))
    let bmax = 0;
    for (let i = 0; i < N; i++) bmax = Math.max(bmax, Math.abs(d[i] as number));
    for (let i = 0; i < N - 1; i++) bmax = Math.max(bmax, Math.abs(f[i] as number));
    if (bmax === 0) return new Float64Array(N);
    const s1 = pow2Scale(bmax);
    const q = new Float64Array(N), e = new Float64Array(N), lam = new Float64Array(N);
    for (let i = 0; i < N; i++) { const x = (d[i] as number) * s1 * DQ_SCALE; q[i] = x * x; }
    for (let i = 0; i < N - 1; i++) { const x = (f[i] as number) * s1 * DQ_SCALE; e[i] = x * x; }
    e[N - 1] = 0;
    if (dqds(q, e, lam, N) >= 0) {
      sortDescending(lam);
      const s = new Float64Array(N);
      for (let i = 0; i < N; i++) s[i] = Math.sqrt(lam[i] as number) / DQ_SCALE / s1 / scale;
      return s;
    }
  }
  // Golub-Kahan tridiagonal: zero diagonal, off-diagonal d_0, f_0, d_1, ..., d_{N-1}
  const T = 2 * N;
  const gd = new Float64Array(T), ge = new Float64Array(T);
  for (let i = 0; i < N; i++) {
    ge[2 * i] = d[i] as number;
    ge[2 * i + 1] = i + 1 < N ? (f[i] as number) : 0;
  }
  if (tridiagonalQL(gd, ge, T) < 0) return null;
  sortDescending(gd);
  const s = new Float64Array(N);
  for (let i = 0; i < N; i++) s[i] = Math.max(gd[i] as number, 0) / scale;
  return s;
}
