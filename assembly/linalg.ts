/**
 * Small dense operations behind src/wasm/linalg.ts (the Linalg interface of src/linalg/types.ts):
 * column centring, copies and transposes, column scaling, the Frobenius norm, and squared
 * distances between the rows of a matrix. Conventions are those of blas.ts: column-major f64
 * with leading dimensions, raw byte pointers, no allocation (scratch is passed in), outputs never
 * overlapping inputs unless a kernel says it works in place, and deterministic arithmetic.
 *
 * centerColumns (in place): for a column x of length m,
 *     mu0 = (sum_i x_i) / m,   mu = mu0 + (sum_i (x_i - mu0)) / m,   x_i <- x_i - mu.
 *   The correction term is the classic second pass of corrected two-pass algorithms (Chan, Golub
 *   & LeVeque 1983): it removes the rounding error of the first sum, so the centred column sums
 *   to ~ eps * sum |x_i - mu| instead of ~ eps * sum |x_i|.
 *
 * rowSquaredDistances: for X (d x p) with rows x_i,
 *     D(i, j) = max(0, ||x_i||^2 + ||x_j||^2 - 2 <x_i, x_j>),   D(i, i) = 0,
 *   from the row Gram G = X X^T = (X^T)^T (X^T): X is transposed once (rows become contiguous
 *   columns) and G comes from the tuned syrk, which is exactly symmetric; since the formula is
 *   symmetric in (i, j) and floating-point addition commutes, D is exactly symmetric too.
 *   Cost p d^2 flops (syrk) + O(p d). The Gram route loses accuracy for rows much closer to
 *   each other than to the origin (absolute error ~ eps (||x_i||^2 + ||x_j||^2)); centre first.
 */
import { nrm2, scal, syrk } from "./blas";
import { align16, hsum } from "./simd";

/** sum_i x[i], i < n: four f64x2 accumulators over blocks of 8, then pairs, then the odd last. */
export function colSum(x: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let end8 = x + ((<usize>max(n, 0) >> 3) << 6);
  while (x < end8) {
    s0 = f64x2.add(s0, v128.load(x));
    s1 = f64x2.add(s1, v128.load(x, 16));
    s2 = f64x2.add(s2, v128.load(x, 32));
    s3 = f64x2.add(s3, v128.load(x, 48));
    x += 64;
  }
  let rem = max(n, 0) & 7;
  for (; rem >= 2; rem -= 2) {
    s0 = f64x2.add(s0, v128.load(x));
    x += 16;
  }
  let s = hsum(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  if (rem) s += load<f64>(x);
  return s;
}

/** sum_i (x[i] - mu), same accumulation scheme as colSum. */
function colSumShifted(x: usize, n: i32, mu: f64): f64 {
  let m = f64x2.splat(mu);
  let s0 = f64x2.splat(0), s1 = s0;
  let end4 = x + ((<usize>n >> 2) << 5);
  while (x < end4) {
    s0 = f64x2.add(s0, f64x2.sub(v128.load(x), m));
    s1 = f64x2.add(s1, f64x2.sub(v128.load(x, 16), m));
    x += 32;
  }
  let s = hsum(f64x2.add(s0, s1));
  for (let rem = n & 3; rem > 0; rem--) {
    s += load<f64>(x) - mu;
    x += 8;
  }
  return s;
}

/** x[i] -= mu, i < n. */
function subtract(x: usize, n: i32, mu: f64): void {
  let m = f64x2.splat(mu);
  let end4 = x + ((<usize>n >> 2) << 5);
  while (x < end4) {
    v128.store(x, f64x2.sub(v128.load(x), m));
    v128.store(x, f64x2.sub(v128.load(x, 16), m), 16);
    x += 32;
  }
  for (let rem = n & 3; rem > 0; rem--) {
    store<f64>(x, load<f64>(x) - mu);
    x += 8;
  }
}

/**
 * centerColumns: subtracts each column's mean in place (A is m x n, ld lda) and writes the n
 * means to `means` (corrected two-pass mean, see the header). m <= 0 leaves A alone (means 0).
 */
export function centerColumns(A: usize, lda: i32, m: i32, n: i32, means: usize): void {
  let sa = <usize>lda << 3;
  for (let j = 0; j < n; j++) {
    let col = A + <usize>j * sa;
    let mu: f64 = 0;
    if (m > 0) {
      let inv = <f64>m;
      mu = colSum(col, m) / inv;
      mu += colSumShifted(col, m, mu) / inv;
      subtract(col, m, mu);
    }
    store<f64>(means + (<usize>j << 3), mu);
  }
}

/** copyMatrix: B(0..m-1, 0..n-1) = A(0..m-1, 0..n-1) (A ld lda, B ld ldb; no overlap). */
export function copyMatrix(A: usize, lda: i32, m: i32, n: i32, B: usize, ldb: i32): void {
  if (m <= 0 || n <= 0) return;
  if (lda == m && ldb == m) {
    memory.copy(B, A, (<usize>m * <usize>n) << 3);
    return;
  }
  let sa = <usize>lda << 3, sb = <usize>ldb << 3, bytes = <usize>m << 3;
  for (let j = 0; j < n; j++) memory.copy(B + <usize>j * sb, A + <usize>j * sa, bytes);
}

/** transpose: B = A^T, A m x n (ld lda), B n x m (ld ldb); 32 x 32 blocks; no overlap. */
export function transpose(A: usize, lda: i32, m: i32, n: i32, B: usize, ldb: i32): void {
  let sa = <usize>lda << 3, sb = <usize>ldb << 3;
  for (let j0 = 0; j0 < n; j0 += 32) {
    let j1 = min(j0 + 32, n);
    for (let i0 = 0; i0 < m; i0 += 32) {
      let i1 = min(i0 + 32, m);
      for (let j = j0; j < j1; j++) {
        let src = A + <usize>j * sa;       // column j of A
        let dst = B + (<usize>j << 3);     // row j of B
        for (let i = i0; i < i1; i++) store<f64>(dst + <usize>i * sb, load<f64>(src + (<usize>i << 3)));
      }
    }
  }
}

/** scaleColumns: A(:, j) *= s[j] for j < n (A m x n, ld lda), in place. */
export function scaleColumns(A: usize, lda: i32, m: i32, n: i32, s: usize): void {
  let sa = <usize>lda << 3;
  for (let j = 0; j < n; j++) scal(load<f64>(s + (<usize>j << 3)), A + <usize>j * sa, m);
}

/** scaleRows: A(i, :) *= s[i] for i < m (A m x n, ld lda), in place. */
export function scaleRows(A: usize, lda: i32, m: i32, n: i32, s: usize): void {
  let sa = <usize>lda << 3;
  let m2 = m & ~1;
  for (let j = 0; j < n; j++) {
    let c = A + <usize>j * sa;
    for (let i = 0; i < m2; i += 2) {
      let o = <usize>i << 3;
      v128.store(c + o, f64x2.mul(v128.load(c + o), v128.load(s + o)));
    }
    if (m2 < m) store<f64>(c + (<usize>m2 << 3), load<f64>(c + (<usize>m2 << 3)) * load<f64>(s + (<usize>m2 << 3)));
  }
}

/** rowSumSquares: out[i] = sum_j A(i, j)^2 for i < m (A m x n, ld lda), columns added in order. */
export function rowSumSquares(A: usize, lda: i32, m: i32, n: i32, out: usize): void {
  let sa = <usize>lda << 3;
  let m2 = m & ~1;
  memory.fill(out, 0, <usize>max(m, 0) << 3);
  for (let j = 0; j < n; j++) {
    let c = A + <usize>j * sa;
    for (let i = 0; i < m2; i += 2) {
      let o = <usize>i << 3;
      let v = v128.load(c + o);
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(v, v)));
    }
    if (m2 < m) {
      let v = load<f64>(c + (<usize>m2 << 3));
      store<f64>(out + (<usize>m2 << 3), load<f64>(out + (<usize>m2 << 3)) + v * v);
    }
  }
}

/**
 * frobenius: sqrt(sum A(i, j)^2) without overflow or underflow (nrm2 over the whole block when
 * it is contiguous, else column norms combined with a running scale as in LAPACK's dlassq).
 */
export function frobenius(A: usize, lda: i32, m: i32, n: i32): f64 {
  if (m <= 0 || n <= 0) return 0;
  if (lda == m) return nrm2(A, m * n);
  let sa = <usize>lda << 3;
  let scale: f64 = 0, ssq: f64 = 1;
  for (let j = 0; j < n; j++) {
    let v = nrm2(A + <usize>j * sa, m);
    if (v != 0) {
      if (scale < v) {
        let r = scale / v;
        ssq = 1 + ssq * r * r;
        scale = v;
      } else {
        let r = v / scale;
        ssq += r * r;
      }
    }
  }
  return scale * sqrt<f64>(ssq);
}

/** Largest |A(i, j)| (0 for an empty matrix); NaN is ignored. */
export function maxAbs(A: usize, lda: i32, m: i32, n: i32): f64 {
  let sa = <usize>lda << 3;
  let best: f64 = 0;
  for (let j = 0; j < n; j++) {
    let x = A + <usize>j * sa;
    let m0 = f64x2.splat(0), m1 = m0;
    let end4 = x + ((<usize>max(m, 0) >> 2) << 5);
    while (x < end4) {
      m0 = f64x2.max(m0, f64x2.abs(v128.load(x)));
      m1 = f64x2.max(m1, f64x2.abs(v128.load(x, 16)));
      x += 32;
    }
    let v = max(max(f64x2.extract_lane(m0, 0), f64x2.extract_lane(m0, 1)),
                max(f64x2.extract_lane(m1, 0), f64x2.extract_lane(m1, 1)));
    for (let rem = max(m, 0) & 3; rem > 0; rem--) {
      v = max(v, abs<f64>(load<f64>(x)));
      x += 8;
    }
    if (v > best) best = v;
  }
  return best;
}

/**
 * The power of two 2^k that brings amax into [1, 2) (1 for amax == 0 or not finite), clamped so
 * that it is a normal number: multiplying by it is exact (bar underflow of entries below
 * 2^-1022 amax) and keeps squared norms of the scaled data far from overflow and underflow.
 */
export function pow2Scale(amax: f64): f64 {
  if (!(amax > 0) || !isFinite(amax)) return 1;
  let e = <i32>((reinterpret<u64>(amax) >> 52) & 0x7ff); // biased exponent, 0 when subnormal
  let k = min(max(1023 - e, -1022), 1022);
  return reinterpret<f64>(<u64>(k + 1023) << 52);
}

/** Bytes of scratch rowSquaredDistances needs for a d x p matrix. */
export function rowDistWorkBytes(d: i32, p: i32): usize {
  return align16((<usize>max(d, 0) * <usize>max(p, 0)) << 3) + align16(<usize>max(d, 0) << 3);
}

/**
 * rowSquaredDistances: D (d x d, ld ldd) of squared Euclidean distances between the d rows of
 * X (d x p, ld ldx), by the row Gram (see the header); exactly symmetric, exact zero diagonal,
 * entries clamped at 0. work: rowDistWorkBytes(d, p) bytes, 16-byte aligned.
 */
export function rowSquaredDistances(X: usize, ldx: i32, d: i32, p: i32, D: usize, ldd: i32, work: usize): void {
  if (d <= 0) return;
  let Xt = work;                                                  // p x d, ld p
  let nrm = work + align16((<usize>d * <usize>max(p, 0)) << 3);   // d
  let sd = <usize>ldd << 3;
  if (p > 0) transpose(X, ldx, d, p, Xt, p);
  syrk(Xt, max(p, 1), p, d, D, ldd, 0);
  for (let i = 0; i < d; i++) store<f64>(nrm + (<usize>i << 3), load<f64>(D + <usize>i * sd + (<usize>i << 3)));
  for (let j = 0; j < d; j++) {
    let col = D + <usize>j * sd;
    let nj = load<f64>(nrm + (<usize>j << 3));
    for (let i = 0; i < d; i++) {
      let c = col + (<usize>i << 3);
      let v = (load<f64>(nrm + (<usize>i << 3)) + nj) - 2 * load<f64>(c);
      store<f64>(c, v > 0 ? v : 0.0);
    }
    store<f64>(col + (<usize>j << 3), 0.0);
  }
}
