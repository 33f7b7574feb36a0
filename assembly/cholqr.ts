/**
 * The three triangular kernels of CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa, Yamamoto,
 * "CholeskyQR2: a simple and communication-avoiding algorithm for computing a tall-skinny QR
 * factorization", 2014; stability analysis: Yamamoto et al., ETNA 44, 2015): for a d x p matrix X
 * of full column rank,
 *     G = X^T X = R1^T R1 (Cholesky),  Q1 = X R1^-1,  Q1^T Q1 = R2^T R2,  Q = Q1 R2^-1,  R = R2 R1,
 * which is as accurate as Householder QR (||Q^T Q - I|| = O(eps), ||X - Q R|| = O(eps ||X||))
 * while kappa(X) <~ eps^-1/2, and costs two Gram products and two triangular products, all
 * matrix-matrix work. The driver (which Gram, which gate on the condition number) is
 * src/measures/basis.ts; these are its kernels:
 *
 *   choleskyUpper   G = R^T R in place (upper triangle; the inner-product, "Cholesky-Crout" column
 *                   order of Golub & Van Loan alg. 4.2.1 with SIMD dot products down columns)
 *   invertUpper     R^-1 of an upper triangular R (column by column: x = e_j, then
 *                   x_k /= r_kk and x(0:k) -= x_k R(0:k, k) for k = j..0, SIMD axpy)
 *   multiplyUpper   C = X U for upper triangular U, skipping U's zero lower part: column block J of
 *                   C is X(:, 0:max J) U(0:max J, J), one gemmNN per block of 64 columns
 */
import { axpy, dot, gemmNN } from "./blas";

/** Columns per gemmNN call of multiplyUpper (its tiles stay in the packing buffers). */
const UB: i32 = 64;

/**
 * Overwrites the upper triangle of the symmetric n x n matrix G (ld ldg) with R, G = R^T R, and
 * zeroes the strict lower triangle. Returns -1 on success, or the first column j whose pivot
 * g_jj - ||R(0:j, j)||^2 is not positive and finite (G is then not numerically positive definite
 * and its contents are undefined).
 */
export function choleskyUpper(G: usize, ldg: i32, n: i32): i32 {
  const sg = <usize>ldg << 3;
  for (let j = 0; j < n; j++) {
    const cj = G + <usize>j * sg;
    const piv = load<f64>(cj + (<usize>j << 3)) - dot(cj, cj, j);
    if (!(piv > 0) || !isFinite(piv)) return j;
    const rjj = Math.sqrt(piv);
    store<f64>(cj + (<usize>j << 3), rjj);
    const inv = 1 / rjj;
    // row j to the right: r_ji = (g_ji - R(0:j, j) . R(0:j, i)) / r_jj, i > j
    for (let i = j + 1; i < n; i++) {
      const ci = G + <usize>i * sg;
      store<f64>(ci + (<usize>j << 3), (load<f64>(ci + (<usize>j << 3)) - dot(cj, ci, j)) * inv);
    }
  }
  for (let j = 0; j < n; j++) memory.fill(G + <usize>j * sg + (<usize>(j + 1) << 3), 0, <usize>(n - j - 1) << 3);
  return -1;
}

/** X = R^-1 for the upper triangular n x n R (ld ldr, non-zero diagonal) into X (ld ldx, upper; lower zeroed). */
export function invertUpper(R: usize, ldr: i32, n: i32, X: usize, ldx: i32): void {
  const sr = <usize>ldr << 3, sx = <usize>ldx << 3;
  for (let j = 0; j < n; j++) {
    const x = X + <usize>j * sx;
    memory.fill(x, 0, <usize>n << 3);
    store<f64>(x + (<usize>j << 3), 1);
    for (let k = j; k >= 0; k--) {
      const ck = R + <usize>k * sr;
      const xk = load<f64>(x + (<usize>k << 3)) / load<f64>(ck + (<usize>k << 3));
      store<f64>(x + (<usize>k << 3), xk);
      if (k > 0) axpy(-xk, ck, x, k);
    }
  }
}

/** C = X U: X is m x n (ld ldx), U n x n upper triangular (ld ldu), C m x n (ld ldc, no overlap). */
export function multiplyUpper(X: usize, ldx: i32, m: i32, n: i32, U: usize, ldu: i32, C: usize, ldc: i32): void {
  multiplyUpperFrom(X, ldx, m, n, U, ldu, C, ldc, 0);
}

/**
 * Columns from `from` (a multiple of 64) on of multiplyUpper's C, with exactly its bits (the same
 * column blocks): two threads split the product at such a column.
 */
export function multiplyUpperFrom(X: usize, ldx: i32, m: i32, n: i32, U: usize, ldu: i32, C: usize, ldc: i32, from: i32): void {
  for (let j0 = from; j0 < n; j0 += UB) {
    const j1 = min(j0 + UB, n);
    gemmNN(X, ldx, U + ((<usize>j0 * <usize>ldu) << 3), ldu, m, j1, j1 - j0, C + ((<usize>j0 * <usize>ldc) << 3), ldc, 0);
  }
}
