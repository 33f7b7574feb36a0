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
  /** Frobenius norm. */
  frobenius(m: Dense): number;

  /**
   * Thin Householder QR without pivoting: m (rows x cols) = q r with q rows x k orthonormal
   * columns and r k x cols upper triangular, k = min(rows, cols).
   */
  qr(m: Dense): { q: Dense; r: Dense };
  /**
   * Thin SVD by one-sided Jacobi (accurate small singular values). `vectors` asks for u and v.
   * Signs of singular-vector pairs are whatever the algorithm produces (deterministic).
   */
  svd(m: Dense, vectors: boolean): Svd;
  /** Symmetric eigendecomposition (cyclic Jacobi) of the symmetric n x n matrix m. */
  eigh(m: Dense): Eigh;
  /** d x d matrix of squared Euclidean distances between the rows of m (d x p). */
  rowSquaredDistances(m: Dense): Dense;
}
