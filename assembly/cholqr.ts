/**
 * The three triangular kernels of CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa, Yamamoto,
 * "CholeskyQR2: a simple and communication-avoiding algorithm for computing a tall-skinny QR
 * factorization", 2014; stability analysis: Yamamoto et al., ETNA 44, 2015): for a d x p matrix X
 * of full column rank,
 *     G = X^T X = R1^T R1 (Cholesky),  Q1 = X R1^-1,  Q1^T Q1 = R2^T R2,  Q = Q1 R2^-1,  R = R2 R1,
 * which is as accurate as Householder QR (||Q^T Q - I|| = O(eps), ||X - Q R|| = O(eps ||X||))
 * while kappa(X) <~ eps^-1/2, and costs two Gram products and two triangular products, all
 * matrix-matrix work. The driver (which Gram, which gate on the condition number) is
 * src/measures/basis.ts; these are its kernels (blocked as in LAPACK's dpotrf / dtrtri and Golub &
 * Van Loan 4th ed. sec. 4.2.9 "block Cholesky"; written here, not taken from LAPACK):
 *
 *   choleskyUpper   G = R^T R in place (upper triangle), left-looking block Cholesky with blocks of
 *                   NB = 32 rows: block row K is first updated by all rows above it,
 *                   G(K, K:n) -= R(0:K, K)^T R(0:K, K:n) (blas.ts syrkPart on the diagonal block,
 *                   gemmTN on the rest), then its diagonal block is factorised by the inner-product
 *                   ("Cholesky-Crout", G & VL alg. 4.2.1) column order and the rest of the row solved
 *                   with R(K, K)^T by forward substitution, four columns at a time
 *   invertUpper     X = R^-1 of an upper triangular R by block columns of NBI = 64: X(J, J) = R(J, J)^-1
 *                   column by column (x = e_j, then x_k /= r_kk and x(0:k) -= x_k R(0:k, k) for
 *                   k = j..0, SIMD axpy), then X(0:J, J) = -X(0:J, 0:J) (R(0:J, J) X(J, J)): a
 *                   right and a left triangular product with the packed kernels below
 *   multiplyUpper   C = X U for upper triangular U, with packed strips of MN rows of X (as blas.ts
 *                   gemmNN) and panels of KU values of the inner index l; column j of C takes only
 *                   l <= j (the micro-tiles stop at the diagonal, no multiply by U's zero part)
 *
 * Every entry of a triangular product is, per panel of KU values of l (panels anchored at l = 0),
 * the sequential sum over l of madd(a, b, .) from 0, then written or added: its bits do not depend
 * on which micro-tile or column group computed it, so any column split gives one thread's bits.
 */
import { axpy, dot, gemmTN, MN, packBuffer, packStrip, RN, syrkPart, tileU, tileU1 } from "./blas";
import { madd, madd1, hsum } from "./simd";

/** Rows per block row of the blocked Cholesky (its panel work, n^2 NB / 4, grows with NB). */
const NB: i32 = 32;
/** Columns per block column of the blocked inversion (larger: fewer, longer triangular products). */
const NBI: i32 = 64;
/** Values of the inner index l per packed panel: MN x KU f64 of a strip fit in the packing scratch (16 KiB). */
const KU: i32 = 256;
/** Columns of the right factor per block (each packed strip serves up to NU columns; 256 measured best at n = 384, 512). */
const NU: i32 = 256;

// ---------------------------------------------------------------------------------------------
// Packed triangular products
// ---------------------------------------------------------------------------------------------

/**
 * Columns [from, n) of C = X U (X m x n, U n x n upper triangular, C m x n; strides in bytes):
 * per panel [l0, l1) of l, per block of NU columns j >= max(from, l0), per strip of MN rows of X:
 * pack X(strip, l0:min(l1, block end)), then C(strip, j) (+)= strip x U(l0:min(l1, j + 1), j).
 */
function rightUpper(X: usize, sx: usize, m: i32, n: i32, U: usize, su: usize, C: usize, sc: usize, from: i32): void {
  const P = packBuffer();
  for (let l0 = 0; l0 < n; l0 += KU) {
    const l1 = min(l0 + KU, n);
    const add = l0 > 0;
    const xl = X + <usize>l0 * sx, ul = U + (<usize>l0 << 3);
    for (let j0 = max(from, l0); j0 < n; j0 += NU) {
      const j1 = min(j0 + NU, n);
      const kmax = min(l1, j1) - l0;
      for (let i0 = 0; i0 < m; i0 += MN) {
        const rows = min(MN, m - i0);
        packStrip(P, xl + (<usize>i0 << 3), sx, rows, kmax, false);
        const ci = C + (<usize>i0 << 3);
        let j = j0;
        for (; j + RN <= j1; j += RN) {
          tileU(P, ul + <usize>j * su, su, min(l1, j + 1) - l0, ci + <usize>j * sc, sc, rows, add, min(max(l1 - j - 1, 0), RN - 1));
        }
        for (; j < j1; j++) tileU1(P, ul + <usize>j * su, min(l1, j + 1) - l0, ci + <usize>j * sc, rows, add);
      }
    }
  }
}

/**
 * B = A B in place, for A k x k upper triangular (its strict lower part is not read) and B k x nc:
 * strips of MN rows top to bottom, strip i0 taking l >= i0 only, so it reads rows of B that no
 * earlier strip has overwritten (and each tile reads its columns before writing them).
 */
function leftUpperInPlace(A: usize, sa: usize, k: i32, B: usize, sb: usize, nc: i32): void {
  const P = packBuffer();
  for (let i0 = 0; i0 < k; i0 += MN) {
    const rows = min(MN, k - i0);
    const ci = B + (<usize>i0 << 3);
    for (let l0 = i0; l0 < k; l0 += KU) {
      const kr = min(l0 + KU, k) - l0;
      packStrip(P, A + <usize>l0 * sa + (<usize>i0 << 3), sa, rows, kr, l0 == i0);
      const add = l0 > i0;
      const bl = B + (<usize>l0 << 3);
      let j = 0;
      for (; j + RN <= nc; j += RN) tileU(P, bl + <usize>j * sb, sb, kr, ci + <usize>j * sb, sb, rows, add, 0);
      for (; j < nc; j++) tileU1(P, bl + <usize>j * sb, kr, ci + <usize>j * sb, rows, add);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cholesky
// ---------------------------------------------------------------------------------------------

/** Negates the upper-triangle entries of rows [k0, k1) of G in columns [k0, n) (exact). */
function negateRows(G: usize, sg: usize, k0: i32, k1: i32, n: i32): void {
  for (let i = k0; i < n; i++) {
    const c = G + <usize>i * sg;
    for (let r = k0, e = min(k1, i + 1); r < e; r++) store<f64>(c + (<usize>r << 3), -load<f64>(c + (<usize>r << 3)));
  }
}

/**
 * Forward substitution R^T x = g in place for `cols` (1..4) columns x_c = G(k0:k1, i + c), with R
 * = R(k0:k1, k0:k1) already factorised: x_j = (g_j - R(k0:j, j) . x(k0:j)) / r_jj, one pass over
 * R's column j for all the columns.
 */
function solveRows(G: usize, sg: usize, k0: i32, k1: i32, i: i32, cols: i32): void {
  const off = <usize>k0 << 3;
  const x0 = G + <usize>i * sg + off;
  const x1 = cols > 1 ? x0 + sg : x0, x2 = cols > 2 ? x1 + sg : x1, x3 = cols > 3 ? x2 + sg : x2;
  for (let j = k0; j < k1; j++) {
    const rj = G + <usize>j * sg + off;
    const len = j - k0;
    let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
    const pairs = (<usize>len >> 1) << 4;
    for (let t: usize = 0; t < pairs; t += 16) {
      const r = v128.load(rj + t);
      a0 = madd(r, v128.load(x0 + t), a0);
      a1 = madd(r, v128.load(x1 + t), a1);
      a2 = madd(r, v128.load(x2 + t), a2);
      a3 = madd(r, v128.load(x3 + t), a3);
    }
    let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
    const at = <usize>len << 3;
    if (len & 1) {
      const r = load<f64>(rj + pairs);
      s0 = madd1(r, load<f64>(x0 + pairs), s0);
      s1 = madd1(r, load<f64>(x1 + pairs), s1);
      s2 = madd1(r, load<f64>(x2 + pairs), s2);
      s3 = madd1(r, load<f64>(x3 + pairs), s3);
    }
    const inv = 1 / load<f64>(rj + at);
    // the aliased columns (cols < 4) repeat the last real one: compute all, store the real ones last
    const v0 = (load<f64>(x0 + at) - s0) * inv, v1 = (load<f64>(x1 + at) - s1) * inv;
    const v2 = (load<f64>(x2 + at) - s2) * inv, v3 = (load<f64>(x3 + at) - s3) * inv;
    store<f64>(x3 + at, v3); store<f64>(x2 + at, v2); store<f64>(x1 + at, v1); store<f64>(x0 + at, v0);
  }
}

/**
 * Overwrites the upper triangle of the symmetric n x n matrix G (ld ldg) with R, G = R^T R, and
 * zeroes the strict lower triangle; only G's upper triangle is read. Returns -1 on success, or the
 * first column j whose pivot (g_jj less the squares of R(0:j, j), summed by blocks) is not
 * positive and finite (G is then not numerically positive definite and its contents are undefined).
 */
export function choleskyUpper(G: usize, ldg: i32, n: i32): i32 {
  const sg = <usize>ldg << 3;
  for (let k0 = 0; k0 < n; k0 += NB) {
    const k1 = min(k0 + NB, n), nb = k1 - k0;
    const gk = G + <usize>k0 * sg;
    if (k0 > 0) {
      // G(K, K:n) -= R(0:K, K)^T R(0:K, K:n), as -(-G + R^T R) with the accumulating products
      negateRows(G, sg, k0, k1, n);
      syrkPart(gk, ldg, k0, nb, gk + (<usize>k0 << 3), ldg, nb, 2);
      if (k1 < n) gemmTN(gk, ldg, G + <usize>k1 * sg, ldg, k0, nb, n - k1, G + <usize>k1 * sg + (<usize>k0 << 3), ldg, 1);
      negateRows(G, sg, k0, k1, n);
    }
    // diagonal block: inner-product Cholesky on rows and columns K
    const off = <usize>k0 << 3;
    for (let j = k0; j < k1; j++) {
      const cj = G + <usize>j * sg;
      const piv = load<f64>(cj + (<usize>j << 3)) - dot(cj + off, cj + off, j - k0);
      if (!(piv > 0) || !isFinite(piv)) return j;
      const rjj = Math.sqrt(piv);
      store<f64>(cj + (<usize>j << 3), rjj);
      const inv = 1 / rjj;
      for (let i = j + 1; i < k1; i++) {
        const ci = G + <usize>i * sg;
        store<f64>(ci + (<usize>j << 3), (load<f64>(ci + (<usize>j << 3)) - dot(cj + off, ci + off, j - k0)) * inv);
      }
    }
    // the rest of block row K: R(K, K)^T R(K, k1:n) = G(K, k1:n)
    for (let i = k1; i < n; i += 4) solveRows(G, sg, k0, k1, i, min(4, n - i));
  }
  for (let j = 0; j < n; j++) memory.fill(G + <usize>j * sg + (<usize>(j + 1) << 3), 0, <usize>(n - j - 1) << 3);
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Inverse and product
// ---------------------------------------------------------------------------------------------

/**
 * X = R^-1 for the upper triangular n x n R (ld ldr, non-zero diagonal; its strict lower part is
 * not read) into X (ld ldx, upper; lower zeroed). X must not overlap R.
 */
export function invertUpper(R: usize, ldr: i32, n: i32, X: usize, ldx: i32): void {
  const sr = <usize>ldr << 3, sx = <usize>ldx << 3;
  for (let j0 = 0; j0 < n; j0 += NBI) {
    const j1 = min(j0 + NBI, n), nb = j1 - j0;
    const off = <usize>j0 << 3;
    // X(J, J) = R(J, J)^-1, column by column (the rest of each column zeroed)
    for (let j = j0; j < j1; j++) {
      const x = X + <usize>j * sx;
      memory.fill(x, 0, <usize>n << 3);
      store<f64>(x + (<usize>j << 3), 1);
      for (let k = j; k >= j0; k--) {
        const ck = R + <usize>k * sr;
        const xk = load<f64>(x + (<usize>k << 3)) / load<f64>(ck + (<usize>k << 3));
        store<f64>(x + (<usize>k << 3), xk);
        if (k > j0) axpy(-xk, ck + off, x + off, k - j0);
      }
    }
    if (j0 == 0) continue;
    // X(0:J, J) = -X(0:J, 0:J) R(0:J, J) X(J, J)
    const xj = X + <usize>j0 * sx;
    rightUpper(R + <usize>j0 * sr, sr, j0, nb, xj + off, sx, xj, sx, 0);
    leftUpperInPlace(X, sx, j0, xj, sx, nb);
    for (let j = j0; j < j1; j++) {
      const x = X + <usize>j * sx;
      for (let i = 0; i < j0; i++) store<f64>(x + (<usize>i << 3), -load<f64>(x + (<usize>i << 3)));
    }
  }
}

/** C = X U: X is m x n (ld ldx), U n x n upper triangular (ld ldu; its strict lower part is not read), C m x n (ld ldc, no overlap). */
export function multiplyUpper(X: usize, ldx: i32, m: i32, n: i32, U: usize, ldu: i32, C: usize, ldc: i32): void {
  multiplyUpperFrom(X, ldx, m, n, U, ldu, C, ldc, 0);
}

/**
 * Columns from `from` on of multiplyUpper's C, with exactly its bits (every entry is summed the
 * same way whatever column groups computed it): two threads split the product at such a column.
 */
export function multiplyUpperFrom(X: usize, ldx: i32, m: i32, n: i32, U: usize, ldu: i32, C: usize, ldc: i32, from: i32): void {
  if (m <= 0 || from >= n) return;
  rightUpper(X, <usize>ldx << 3, m, n, U, <usize>ldu << 3, C, <usize>ldc << 3, max(from, 0));
}
