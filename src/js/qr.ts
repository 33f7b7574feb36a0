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

/**
 * Thin Householder QR without pivoting (Golub & Van Loan, "Matrix Computations", 4th ed., alg.
 * 5.2.1) of the column-major m x n matrix A (leading dimension m), in place: with k = min(m, n),
 * reflector j = 0..k-1 is H_j = I - tau[j] v_j v_j^T, v_j = (0..0, 1, A[j+1..m, j]), and on return
 * the upper triangle of A holds R (k x n) with H_0 ... H_{k-1} R = A. beta_j = -sign(alpha) * ||x||
 * so that 1 - tau is never a cancellation. Zero columns give tau = 0 (H = I).
 */
/**
 * The reflector of x[o .. o+len) in place, as LAPACK's dlarfg: x[o] <- beta = -sign(alpha) ||x||,
 * x(o+1..) <- v(1..) (v_0 = 1 implicit). Returns tau (0 when x(o+1..) = 0: H = I). Shared with the
 * bidiagonal and tridiagonal reductions.
 */
export function reflector(x: Float64Array, o: number, len: number): number {
  if (len <= 1) return 0;
  const alpha = x[o] as number;
  const xnorm = nrm2(x, o + 1, len - 1);
  if (xnorm === 0) return 0;
  const beta = -(alpha < 0 ? -1 : 1) * Math.hypot(alpha, xnorm);
  const f = 1 / (alpha - beta);
  for (let i = o + 1; i < o + len; i++) x[i] = (x[i] as number) * f;
  x[o] = beta;
  return (beta - alpha) / beta;
}

export function householderQr(A: Float64Array, m: number, n: number, tau: Float64Array): void {
  const k = Math.min(m, n);
  for (let j = 0; j < k; j++) {
    const cj = j * m;
    const tj = (tau[j] = reflector(A, cj + j, m - j));
    if (tj === 0) continue; // already upper triangular in this column (H_j = I)
    for (let c = j + 1; c < n; c++) {
      const cc = c * m;
      const s = tj * ((A[cc + j] as number) + dot(A, cj + j + 1, A, cc + j + 1, m - j - 1));
      if (s === 0) continue;
      A[cc + j] = (A[cc + j] as number) - s;
      for (let i = j + 1; i < m; i++) A[cc + i] = (A[cc + i] as number) - s * (A[cj + i] as number);
    }
  }
}

/**
 * The explicit thin Q (m x k, k = min(m, n), column-major) of a matrix factored by householderQr:
 * Q = H_0 ... H_{k-1} [I_k; 0], accumulated backwards so each reflector touches only the trailing
 * rows it acts on.
 */
export function householderQ(A: Float64Array, m: number, n: number, tau: Float64Array): Float64Array {
  const k = Math.min(m, n);
  const Q = new Float64Array(m * k);
  for (let j = 0; j < k; j++) Q[j * m + j] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const tj = tau[j] as number;
    if (tj === 0) continue;
    const cj = j * m;
    for (let c = j; c < k; c++) {
      const cc = c * m;
      const s = tj * ((Q[cc + j] as number) + dot(A, cj + j + 1, Q, cc + j + 1, m - j - 1));
      if (s === 0) continue;
      Q[cc + j] = (Q[cc + j] as number) - s;
      for (let i = j + 1; i < m; i++) Q[cc + i] = (Q[cc + i] as number) - s * (A[cj + i] as number);
    }
  }
  return Q;
}

/** The k x n upper triangle R (column-major, k = min(m, n)) of a matrix factored by householderQr. */
export function householderR(A: Float64Array, m: number, n: number): Float64Array {
  const k = Math.min(m, n);
  const R = new Float64Array(k * n);
  for (let c = 0; c < n; c++) {
    const top = Math.min(c + 1, k);
    for (let i = 0; i < top; i++) R[c * k + i] = A[c * m + i] as number;
  }
  return R;
}
