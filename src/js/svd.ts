/**
 * Thin singular value decomposition by one-sided Jacobi (Hestenes 1958; Demmel & Veselic, "Jacobi's
 * method is more accurate than QR", SIAM J. Matrix Anal. Appl. 13, 1992; Drmac & Veselic 2008) for
 * the pure-TypeScript backend.
 *
 * The math, for a column-major m x n matrix A with m >= n (a wide A is handled through A^T, which
 * swaps the roles of u and v):
 *
 *  1. Householder QR first when m > n: A = Q R with Q m x n orthonormal and R n x n upper
 *     triangular, so the Jacobi sweeps below work on n-vectors instead of m-vectors.
 *  2. One-sided Jacobi on the columns of W = R (W = A when m = n): for every pair (i, j) with
 *     a_ii = ||w_i||^2, a_jj = ||w_j||^2 and a_ij = <w_i, w_j>, when |a_ij| > tol sqrt(a_ii a_jj)
 *     rotate the two columns by the plane rotation that diagonalises [[a_ii, a_ij], [a_ij, a_jj]]:
 *         zeta = (a_jj - a_ii) / (2 a_ij),  t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2)),
 *         c = 1 / sqrt(1 + t^2),  s = c t,
 *         w_i <- c w_i - s w_j,   w_j <- s w_i + c w_j,      a_ii -= t a_ij,  a_jj += t a_ij,
 *     and apply the same rotation to the columns of V (initially I) when vectors are wanted.
 *     Sweeps repeat until one rotates nothing (tol = n * 2^-52; quadratic convergence, a few
 *     sweeps). Then W = R V has mutually orthogonal columns, W = U_R diag(sigma) with
 *     sigma_j = ||w_j||, so R = U_R diag(sigma) V^T and A = (Q U_R) diag(sigma) V^T.
 *  3. Sort by sigma descending (ties by index: deterministic). Columns of U_R with sigma_j = 0 are
 *     completed to an orthonormal set (Gram-Schmidt, twice, on unit vectors), so u always has
 *     orthonormal columns.
 *
 * Why Jacobi: the rotations act on columns, so sigma_j is computed with an error relative to the
 * column scaling of A (Demmel-Veselic), not to ||A||: small singular values of graded matrices
 * (a live neuron 1e-6 times smaller than the rest) come out accurately, and rank cut-offs such as
 * s > s_max * max(m, n) * eps (CCA) decide on accurate values. The convergence test is relative
 * (|<w_i, w_j>| <= tol ||w_i|| ||w_j||), so the normalised columns are orthogonal to working
 * precision even where sigma_j is tiny.
 */
import { multiply, transpose } from "./dense.js";
import { householderQ, householderQr, householderR } from "./qr.js";

const EPS = 2 ** -52;
const MAX_SWEEPS = 80;

export interface SvdArrays {
  /** singular values, descending, length k = min(m, n) */
  s: Float64Array;
  /** m x k left singular vectors, column-major (when vectors were asked for) */
  u?: Float64Array;
  /** n x k right singular vectors, column-major (when vectors were asked for) */
  v?: Float64Array;
}

/** Thin SVD of the column-major m x n matrix A (not modified). */
export function svdJacobi(A: Float64Array, m: number, n: number, vectors: boolean): SvdArrays {
  if (m === 0 || n === 0) {
    const out: SvdArrays = { s: new Float64Array(0) };
    if (vectors) {
      out.u = new Float64Array(0);
      out.v = new Float64Array(0);
    }
    return out;
  }
  if (m < n) {
    const t = svdTall(transpose(A, m, n), n, m, vectors);
    return vectors ? { s: t.s, u: t.v, v: t.u } : { s: t.s };
  }
  return svdTall(A.slice(), m, n, vectors);
}

/** m >= n; W is a scratch copy of A that may be overwritten. */
function svdTall(W: Float64Array, m: number, n: number, vectors: boolean): SvdArrays {
  let Q: Float64Array | null = null;
  let R: Float64Array;
  if (m > n) {
    const tau = new Float64Array(n);
    householderQr(W, m, n, tau);
    if (vectors) Q = householderQ(W, m, n, tau);
    R = householderR(W, m, n);
  } else R = W;
  const V = vectors ? identity(n) : null;
  jacobiSweeps(R, n, n, V);

  const sigma = new Float64Array(n);
  for (let j = 0; j < n; j++) sigma[j] = colNorm(R, j * n, n);
  const order = Array.from({ length: n }, (_, j) => j).sort((i, j) => (sigma[j] as number) - (sigma[i] as number) || i - j);
  const s = Float64Array.from(order, (j) => sigma[j] as number);
  if (!vectors) return { s };

  // U_R: normalised columns of R V in sorted order; zero columns completed afterwards.
  const UR = new Float64Array(n * n);
  const vs = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const j = order[c] as number;
    const sj = sigma[j] as number;
    if (sj > 0) {
      const inv = 1 / sj;
      for (let i = 0; i < n; i++) UR[c * n + i] = (R[j * n + i] as number) * inv;
    }
    vs.set((V as Float64Array).subarray(j * n, j * n + n), c * n);
  }
  completeOrthonormal(UR, n, s);
  const u = Q ? multiply(Q, m, n, UR, n) : UR;
  return { s, u, v: vs };
}

/** One-sided Jacobi on the columns of the column-major rows x cols matrix W, accumulating into V. */
function jacobiSweeps(W: Float64Array, rows: number, cols: number, V: Float64Array | null): void {
  const tol = Math.max(rows, 1) * EPS;
  const d = new Float64Array(cols);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    for (let j = 0; j < cols; j++) d[j] = sumSquares(W, j * rows, rows);
    let rotated = 0;
    for (let i = 0; i < cols - 1; i++) {
      const ci = i * rows;
      for (let j = i + 1; j < cols; j++) {
        const aii = d[i] as number, ajj = d[j] as number;
        if (aii === 0 || ajj === 0) continue;
        const cj = j * rows;
        const aij = dotAt(W, ci, cj, rows);
        if (!(Math.abs(aij) > tol * Math.sqrt(aii) * Math.sqrt(ajj))) continue;
        rotated++;
        const zeta = (ajj - aii) / (2 * aij);
        const t = Math.abs(zeta) > 1e150 ? 0.5 / zeta : (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        rotate(W, ci, cj, rows, c, sn);
        if (V) rotate(V, i * cols, j * cols, cols, c, sn);
        d[i] = aii - t * aij;
        d[j] = ajj + t * aij;
      }
    }
    if (rotated === 0) return;
  }
}

/** x <- c x - s y, y <- s x + c y on two columns of the same array. */
function rotate(A: Float64Array, xo: number, yo: number, len: number, c: number, s: number): void {
  for (let k = 0; k < len; k++) {
    const x = A[xo + k] as number, y = A[yo + k] as number;
    A[xo + k] = c * x - s * y;
    A[yo + k] = s * x + c * y;
  }
}

function dotAt(A: Float64Array, xo: number, yo: number, len: number): number {
  let s0 = 0, s1 = 0;
  let k = 0;
  for (; k + 1 < len; k += 2) {
    s0 += (A[xo + k] as number) * (A[yo + k] as number);
    s1 += (A[xo + k + 1] as number) * (A[yo + k + 1] as number);
  }
  if (k < len) s0 += (A[xo + k] as number) * (A[yo + k] as number);
  return s0 + s1;
}

function sumSquares(A: Float64Array, o: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) {
    const v = A[o + k] as number;
    s += v * v;
  }
  return s;
}

/** Euclidean norm of a column, scaled against overflow and underflow. */
function colNorm(A: Float64Array, o: number, len: number): number {
  let scale = 0;
  for (let k = 0; k < len; k++) scale = Math.max(scale, Math.abs(A[o + k] as number));
  if (scale === 0) return 0;
  const inv = 1 / scale;
  let s = 0;
  for (let k = 0; k < len; k++) {
    const v = (A[o + k] as number) * inv;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

/**
 * Columns c with s[c] = 0 (the last ones: s is sorted) get unit vectors orthogonalised against all
 * columns before them (classical Gram-Schmidt, twice), so U (n x n) ends orthonormal.
 */
function completeOrthonormal(U: Float64Array, n: number, s: Float64Array): void {
  let first = n;
  while (first > 0 && (s[first - 1] as number) === 0) first--;
  let candidate = 0;
  for (let c = first; c < n; c++) {
    const col = c * n;
    for (; candidate < n; candidate++) {
      U.fill(0, col, col + n);
      U[col + candidate] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          const proj = dotAt(U, p * n, col, n);
          for (let i = 0; i < n; i++) U[col + i] = (U[col + i] as number) - proj * (U[p * n + i] as number);
        }
      }
      const nrm = colNorm(U, col, n);
      if (nrm > 0.5) {
        for (let i = 0; i < n; i++) U[col + i] = (U[col + i] as number) / nrm;
        candidate++;
        break;
      }
    }
  }
}

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}
