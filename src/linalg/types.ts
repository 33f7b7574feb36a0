/**
 * The dense linear algebra the CCA / CKA / shape measures are written against, so each measure is
 * written once (src/measures/) and runs on either backend: src/js/linalg.ts (plain TypeScript) or
 * src/wasm/linalg.ts (the SIMD WebAssembly core, matrices living in its arena).
 *
 * Conventions:
 *  - A `Dense` is a handle to a column-major float64 matrix owned by the Linalg that made it.
 *    Handles stay valid until `release(mark)` frees everything allocated after `mark`, so a measure
 *    brackets its work in `const m = la.mark(); try { ... } finally { la.release(m); }`.
 *  - Nothing here validates user input: src/matrix.ts has done that (finite values, shapes).
 *  - Every factorisation is deterministic: the same input gives the same bits on the same backend.
 */
import type { BackendName } from "../backend.js";
import type { MatrixView } from "../matrix.js";

export interface Dense {
  readonly rows: number;
  readonly cols: number;
}

export interface Svd {
  /** singular values, descending, length k = min(rows, cols) */
  s: Float64Array;
  /** rows x k left singular vectors (only when vectors were asked for) */
  u?: Dense;
  /** cols x k right singular vectors (only when vectors were asked for) */
  v?: Dense;
}

/** A double-centred kernel Kc = HKH (Linalg.centreKernel). */
export interface KernelStats {
  /** diag(Kc) */
  diag: Float64Array;
  /** Kc 1 (0 up to rounding) */
  rowSums: Float64Array;
  /** <Kc, Kc>_F */
  selfDot: number;
}

export interface Eigh {
  /** eigenvalues, descending */
  values: Float64Array;
  /** n x n orthonormal eigenvectors, column i belongs to values[i] */
  vectors: Dense;
}

export interface Linalg {
  readonly name: BackendName;

  /** Position of the allocator; release(mark) frees every matrix made after it. */
  mark(): number;
  release(mark: number): void;

  /** Copies a validated samples x neurons matrix in (the one copy of user data). */
  load(view: MatrixView): Dense;
  /** A new rows x cols matrix from column-major values (copied), or zeros when data is omitted. */
  fromArray(rows: number, cols: number, data?: Float64Array): Dense;
  /** A column-major copy of the values. */
  toArray(m: Dense): Float64Array;

  /** Subtracts each column's mean, in place (mean computed in float64, then subtracted). Returns the means. */
  center(m: Dense): Float64Array;
  /** a^T b (a: d x p, b: d x q -> p x q). */
  gemmTN(a: Dense, b: Dense): Dense;
  /** a b (a: m x k, b: k x n -> m x n). */
  gemmNN(a: Dense, b: Dense): Dense;
  /** The first `cols` columns of m, copied (cols <= m.cols). */
  leadingColumns(m: Dense, cols: number): Dense;
  /** Scales column j of m by s[j], in place. */
  scaleColumns(m: Dense, s: Float64Array): void;
  /** m^T, a new matrix. */
  transpose(m: Dense): Dense;
  /** Scales row i of m by s[i], in place. */
  scaleRows(m: Dense, s: Float64Array): void;
  /** sum_j m_ij^2 for each row i (columns added in order). */
  rowSumSquares(m: Dense): Float64Array;
  /** The diagonal m_ii, i < min(rows, cols). */
  diagonal(m: Dense): Float64Array;
  /** Frobenius norm. */
  frobenius(m: Dense): number;

  /**
   * Thin Householder QR without pivoting: m (rows x cols) = q r with q rows x k orthonormal
   * columns and r k x cols upper triangular, k = min(rows, cols).
   */
  qr(m: Dense): { q: Dense; r: Dense };
  /**
   * Cholesky factor of the symmetric positive definite n x n m (read from its upper triangle):
   * upper triangular r with m = r^T r, or null when a pivot is not positive (CholeskyQR2's first
   * kernel, assembly/cholqr.ts).
   */
  cholesky(m: Dense): Dense | null;
  /** r^-1 of an upper triangular r with non-zero diagonal (upper triangular). */
  invertUpper(r: Dense): Dense;
  /** x u for upper triangular u (x: m x n, u: n x n), skipping u's zero part. */
  multiplyUpper(x: Dense, u: Dense): Dense;
  /**
   * Thin SVD by one-sided Jacobi (accurate small singular values). `vectors` asks for u and v.
   * Signs of singular-vector pairs are whatever the algorithm produces (deterministic).
   */
  svd(m: Dense, vectors: boolean): Svd;
  /**
   * Symmetric eigendecomposition of the n x n matrix m, read as (m + m^T) / 2: Householder
   * tridiagonalisation and implicit QL (assembly/tridiagonal.ts, src/js/tridiagonal.ts). Values
   * descending, accurate to O(eps ||m||) absolutely (a semidefinite m may give tiny negative
   * values: callers threshold them), vectors orthonormal.
   */
  eigh(m: Dense): Eigh;
  /** The eigenvalues of eigh(m) alone (no vectors: several times cheaper), descending. */
  eighValues(m: Dense): Float64Array;
  /**
   * The min(rows, cols) singular values of m, descending, by Householder bidiagonalisation
   * (assembly/bidiagonal.ts, src/js/bidiagonal.ts): accurate to O(eps ||m||) absolutely, much
   * faster than svd(m, false), which keeps Jacobi's relative accuracy for tiny values.
   */
  singularValues(m: Dense): Float64Array;
  /** d x d matrix of squared Euclidean distances between the rows of m (d x p). */
  rowSquaredDistances(m: Dense): Dense;

  // CKA kernels (assembly/kernel.ts, src/js/kernel.ts). The n x n matrices below are symmetric and
  // only their UPPER triangle, entries (i, j) with i <= j, is read or written (LAPACK's uplo 'U').
  /**
   * numpy's median of all n^2 entries of a squared-distance matrix d (symmetric, zero diagonal,
   * entries >= +0, as made by rowSquaredDistances), exact: the mean of the two middle values for
   * an even count, 0 for n <= 1.
   */
  distanceMedian(d: Dense): number;
  /** m(i, j) = exp(s * m(i, j)) for i <= j, in place (the RBF kernel from squared distances). */
  expUpper(m: Dense, s: number): void;
  /**
   * Double-centres the symmetric kernel k in place (HKH, H = I - 11^T/n) and returns its diagonal,
   * row sums and <HKH, HKH> (what biased and debiased CKA need besides symmetricDot).
   */
  centreKernel(k: Dense): KernelStats;
  /** <a, b>_F of two symmetric n x n matrices. */
  symmetricDot(a: Dense, b: Dense): number;
  /**
   * Products of two U-centred kernels formed on the fly (Szekely & Rizzo 2014; debiased CKA):
   * Ku(i, j) = k(i, j) - ka_i - ka_j + kc and Lu(i, j) = l(i, j) - la_i - la_j + lc for i != j,
   * zero diagonals. Returns [<Ku, Lu>, <Ku, Ku>, <Lu, Lu>] (the last two sums of squares).
   */
  uCentredDots(k: Dense, l: Dense, ka: Float64Array, kc: number, la: Float64Array, lc: number): [number, number, number];
}
