/**
 * Arithmetic helpers of the dense-algebra files (householder.ts, svd.ts, tridiagonal.ts, bidiagonal.ts, linalg.ts).
 * They are exactly blas.ts's private helpers of the same names (madd: a * b + c, fused in the
 * relaxed-SIMD build and multiply-then-add otherwise; madd1: the scalar twin with the same
 * rounding as one lane of madd; hsum: lane 0 + lane 1). blas.ts keeps its own copies so that its
 * existing kernels stay byte-for-byte what they were; everything here is inlined, so this file
 * adds no exports and no code of its own.
 */

export const RELAXED: bool = ASC_FEATURE_RELAXED_SIMD;

/** a * b + c on both lanes: fused in the relaxed build, mul-then-add otherwise. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) {
    return f64x2.relaxed_madd(a, b, c);
  } else {
    return f64x2.add(c, f64x2.mul(a, b));
  }
}

/** Scalar a * b + c with exactly the rounding behaviour of madd's lanes. */
@inline export function madd1(a: f64, b: f64, c: f64): f64 {
  if (RELAXED) {
    return f64x2.extract_lane(f64x2.relaxed_madd(f64x2.splat(a), f64x2.splat(b), f64x2.splat(c)), 0);
  } else {
    return c + a * b;
  }
}

@inline export function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Byte offset of element (i, j) of a column-major matrix with leading dimension ld. */
@inline export function at(A: usize, ld: i32, i: i32, j: i32): usize {
  return A + ((<usize>j * <usize>ld + <usize>i) << 3);
}

/** Rounds a byte count up to a multiple of 16 (every workspace slice starts 16-byte aligned). */
@inline export function align16(bytes: usize): usize {
  return (bytes + 15) & ~<usize>15;
}
