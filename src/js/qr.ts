/**
 * Householder QR with column pivoting (Businger & Golub 1965; Golub & Van Loan, "Matrix
 * Computations", 4th ed., alg. 5.4.1) of a d x m column-major matrix, stopped at the numerical
 * rank, and residual norms of vectors against the span of the pivoted columns.
 *
 * This is the exact route of the subspace match: dist(x, span A) = || (Q^T x)[r..d) || for the
 * first r reflectors, computed directly (never as ||x||^2 - ||Q^T x||^2). The rank cut-off keeps
 * column k while its remaining norm |R_kk| > cutoff * |R_00|, the QR analogue of the reference's
 * singular-value cut-off max(d, m) * 2.2e-16 * s_max (docs/subspace-match.md sec. 2.1).
 */
import { dot, nrm2 } from "./blas.js";

/**
 * Factors A (d x m, leading dimension d) in place: reflector k is (1, A[k+1..d, k]) with scalar
 * tau[k]. Returns the rank r. `norms` is scratch of length 2m.
 */
export function householderQrcp(A: Float64Array, d: number, m: number, tau: Float64Array, norms: Float64Array, cutoff: number): number {
  const kmax = Math.min(d, m);
  for (let j = 0; j < m; j++) {
    const v = nrm2(A, j * d, d);
    norms[j] = v;
    norms[m + j] = v;
  }
  let r00 = 0;
  for (let k = 0; k < kmax; k++) {
    let p = k;
    for (let j = k + 1; j < m; j++) if ((norms[j] as number) > (norms[p] as number)) p = j;
    if (p !== k) {
      swapColumns(A, d, p, k);
      let t = norms[p] as number; norms[p] = norms[k] as number; norms[k] = t;
      t = norms[m + p] as number; norms[m + p] = norms[m + k] as number; norms[m + k] = t;
    }
    const ck = k * d;
    const xnorm = nrm2(A, ck + k + 1, d - k - 1);
    const alpha = A[ck + k] as number;
    const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
    if (k === 0) r00 = Math.abs(beta);
    if (!(Math.abs(beta) > cutoff * r00)) return k;
    tau[k] = (beta - alpha) / beta;
    const sc = 1 / (alpha - beta);
    for (let i = ck + k + 1; i < ck + d; i++) A[i] = (A[i] as number) * sc;
    A[ck + k] = beta;
    const tk = tau[k] as number;
    for (let j = k + 1; j < m; j++) {
      const cj = j * d;
      const s = tk * ((A[cj + k] as number) + dot(A, ck + k + 1, A, cj + k + 1, d - k - 1));
      A[cj + k] = (A[cj + k] as number) - s;
      for (let i = k + 1; i < d; i++) A[cj + i] = (A[cj + i] as number) - s * (A[ck + i] as number);
      // downdate the remaining column norm; recompute when cancellation makes it unreliable
      const nj = norms[j] as number;
      if (nj !== 0) {
        const q = Math.abs(A[cj + k] as number) / nj;
        const f = Math.max(0, (1 - q) * (1 + q));
        const ratio = nj / (norms[m + j] as number);
        if (f * ratio * ratio <= 1.5e-8) {
          const v = nrm2(A, cj + k + 1, d - k - 1);
          norms[j] = v;
          norms[m + j] = v;
        } else norms[j] = nj * Math.sqrt(f);
      }
    }
  }
  return kmax;
}

/** ||x - Q_r Q_r^T x|| for the first r reflectors of a factored A; x (length d) is overwritten. */
export function householderResidual(A: Float64Array, d: number, r: number, tau: Float64Array, x: Float64Array): number {
  for (let k = 0; k < r; k++) {
    const ck = k * d;
    const s = (tau[k] as number) * ((x[k] as number) + dot(A, ck + k + 1, x, k + 1, d - k - 1));
    x[k] = (x[k] as number) - s;
    for (let i = k + 1; i < d; i++) x[i] = (x[i] as number) - s * (A[ck + i] as number);
  }
  return nrm2(x, r, d - r);
}

function swapColumns(A: Float64Array, d: number, p: number, k: number): void {
  const cp = p * d, ck = k * d;
  for (let i = 0; i < d; i++) {
    const t = A[cp + i] as number; A[cp + i] = A[ck + i] as number; A[ck + i] = t;
  }
}
