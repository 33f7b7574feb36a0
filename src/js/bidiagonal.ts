/**
 * Singular values (no vectors) of a dense m x n matrix by Householder bidiagonalisation (Golub &
 * Van Loan, "Matrix Computations", 4th ed., alg. 5.4.2) and the implicit QL algorithm on the
 * Golub-Kahan tridiagonal (sec. 8.6.1) for the pure-TypeScript backend: the twin of
 * assembly/bidiagonal.ts, same steps in the same order (results agree to rounding):
 *
 *  - B = A (A^T when m < n), M x N with M >= N, scaled by a power of two (max |b_ij| in [1, 2));
 *    when M >= 1.3 N, B = Q R first (Householder QR, src/js/qr.ts) and R goes on.
 *  - For k = 0..N-1: left reflector (u, tl) of B(k.., k) (d_k = beta), w = tl B^T u; row k after
 *    the left update is B(k, j) - w_j, whose right reflector (x, tr) gives f_k; then
 *    B <- B - u w^T (rows k+1..) while y = tr B x accumulates, and B <- B - y x^T while the next
 *    w = B^T u' accumulates (u' from column k+1, updated first).
 *  - The 2N x 2N tridiagonal with zero diagonal and off-diagonal (d_0, f_0, ..., d_{N-1}) has the
 *    eigenvalues +/- sigma_i; implicit QL (src/js/tridiagonal.ts, absolute deflation) gives them
 *    to O(eps ||B||); the N largest, clamped at 0, are the singular values (descending).
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

/**
 * The min(m, n) singular values of the column-major m x n matrix A (not modified), descending and
 * non-negative; null when QL did not converge.
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
