/**
 * Dense BLAS-style kernels of the repmatch WASM core (f64, WebAssembly SIMD).
 *
 * Conventions shared by every kernel in this file:
 *  - Matrices are COLUMN-MAJOR f64 with a leading dimension (in elements): element (i, j) of A with
 *    leading dimension lda lives at A + ((j * lda + i) << 3). Pointers are byte offsets (usize)
 *    into linear memory; sizes are i32, and a size <= 0 means "empty".
 *  - No kernel allocates. The only memory owned by this file is PACK, a small static scratch
 *    block reserved at compile time (below __heap_base, so the TypeScript arena never sees it).
 *  - Outputs must not overlap inputs. Vector pointers need only 8-byte alignment (v128 loads
 *    and stores in wasm may be unaligned).
 *  - Arithmetic: every product is accumulated with madd(a, b, c) = a * b + c. In the plain SIMD
 *    build that is a multiply then an add (two roundings); in the relaxed-SIMD build it is
 *    f64x2.relaxed_madd, which V8 lowers to a fused multiply-add on FMA hardware (one rounding).
 *    So the two builds may differ in the last bits; each is deterministic on its own: results
 *    depend only on the input values and sizes (never on timing, alignment or memory contents
 *    outside the operands).
 *  - Reductions over a vector of length k use two lanes: lane 0 sums the products of the even
 *    positions, lane 1 the odd ones (each in order), then lane0 + lane1, then the last position
 *    when k is odd. The Gram and cross-product kernels (syrk, gemmTN) use this scheme per row
 *    panel of KC rows, so a given entry gets the same bits whichever micro-kernel computed it;
 *    in particular gemmTN(Z, Z) reproduces syrk(Z) bit for bit.
 */

/** Compile-time switch between the two builds (the dead branch is removed by the compiler). */
const RELAXED: bool = ASC_FEATURE_RELAXED_SIMD;

/** Rows per panel in syrk/gemmTN: one packed column group (KC * MR * 8 <= 16 KiB) sits in L1. */
const KC: i32 = 512;
/** Columns of B per block in syrk/gemmTN: KC * NC * 8 = 480 KiB of B stays in L2 while reused. */
const NC: i32 = 120;
/**
 * Register micro-tile: MR columns of A times NR columns of B, one f64x2 accumulator per pair.
 * V8 keeps every value loaded in an iteration live until it is used and gives wasm 15 usable
 * xmm registers, so: plain SIMD (mul + add needs a temporary) uses 4 x 2 = 8 accumulators + 6
 * loads + 1 temporary; relaxed SIMD (fused, no temporary) uses 3 x 3 = 9 accumulators + 6 loads,
 * whose 9 independent FMA chains also cover the FMA latency (2 ports x 4 cycles).
 */
const MR: i32 = RELAXED ? 3 : 4;
const NR: i32 = RELAXED ? 3 : 2;

/** Bytes of the packing scratch: MR columns x KC rows of A (row pairs interleaved), see packA. */
export const PACK_BYTES: i32 = KC * 4 * 8;
/**
 * The packing scratch of this instance: a static block by default. Instances that share one
 * linear memory (threads) must each point it at their own block with setPackBuffer.
 */
let PACK: usize = memory.data(PACK_BYTES, 16);

/** Points this instance's packing scratch at `ptr` (PACK_BYTES bytes, 16-byte aligned). */
export function setPackBuffer(ptr: usize): void {
  PACK = ptr;
}

/** This instance's packing scratch (PACK_BYTES bytes), for the packed kernels of cholqr.ts. */
export function packBuffer(): usize {
  return PACK;
}

// ---------------------------------------------------------------------------------------------
// Small helpers (always inlined)
// ---------------------------------------------------------------------------------------------

/** a * b + c on both lanes: fused in the relaxed build, mul-then-add otherwise. */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) {
    return f64x2.relaxed_madd(a, b, c);
  } else {
    return f64x2.add(c, f64x2.mul(a, b));
  }
}

/** Scalar a * b + c with exactly the rounding behaviour of madd's lanes. */
@inline function madd1(a: f64, b: f64, c: f64): f64 {
  if (RELAXED) {
    return f64x2.extract_lane(f64x2.relaxed_madd(f64x2.splat(a), f64x2.splat(b), f64x2.splat(c)), 0);
  } else {
    return c + a * b;
  }
}

@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Writes s to c, or adds it to the value there. */
@inline function put(c: usize, s: f64, add: bool): void {
  store<f64>(c, add ? load<f64>(c) + s : s);
}

// ---------------------------------------------------------------------------------------------
// Gram / cross-product machinery (syrk, gemmTN)
//
// Both compute C(i, j) = dot(column i of A, column j of B) over d rows. Blocking:
//   for each row panel of KC rows                       (entries are += across panels)
//     for each block of NC columns of B                  (KC x NC of B stays in L2)
//       for each group of MR columns of A: pack them     (PACK, KC x MR, stays in L1)
//         for each group of NR columns of B in the block: one micro-tile, MR x NR accumulators
//                                                       over the panel's row pairs
//       leftover columns of A (< MR): 1 x 2 and 1 x 1 kernels straight from A
// syrk only visits tiles that touch the upper triangle (column >= first row of the tile).
// ---------------------------------------------------------------------------------------------

/**
 * Copies MR columns (column stride sa bytes) x rows of A into PACK as
 * [a0(r, r+1), a1(r, r+1), ..., a_{MR-1}(r, r+1)] per row pair, then, if rows is odd, the MR
 * scalars of the last row. The micro-kernels then read all MR columns from one pointer.
 */
function packA(a: usize, sa: usize, rows: i32): void {
  let a0 = a, a1 = a + sa, a2 = a1 + sa, a3 = a2 + sa;
  let p = PACK;
  let pairs = rows >> 1;
  if (MR == 4) {
    for (let r = 0; r < pairs; r++) {
      v128.store(p, v128.load(a0));
      v128.store(p, v128.load(a1), 16);
      v128.store(p, v128.load(a2), 32);
      v128.store(p, v128.load(a3), 48);
      a0 += 16; a1 += 16; a2 += 16; a3 += 16; p += 64;
    }
    if (rows & 1) {
      store<f64>(p, load<f64>(a0));
      store<f64>(p, load<f64>(a1), 8);
      store<f64>(p, load<f64>(a2), 16);
      store<f64>(p, load<f64>(a3), 24);
    }
  } else {
    for (let r = 0; r < pairs; r++) {
      v128.store(p, v128.load(a0));
      v128.store(p, v128.load(a1), 16);
      v128.store(p, v128.load(a2), 32);
      a0 += 16; a1 += 16; a2 += 16; p += 48;
    }
    if (rows & 1) {
      store<f64>(p, load<f64>(a0));
      store<f64>(p, load<f64>(a1), 8);
      store<f64>(p, load<f64>(a2), 16);
    }
  }
}

/**
 * Plain-SIMD micro-tile: C(0..3, 0..1) (+)= packed A (4 columns)^T x B(:, 0..1) over `rows`
 * rows; B columns start at b and b + sb, C's two columns at c and c + sc.
 */
function tile4x2(b: usize, sb: usize, rows: i32, c: usize, sc: usize, add: bool): void {
  let pa = PACK;
  let b0 = b, b1 = b + sb;
  let c00 = f64x2.splat(0), c10 = c00, c20 = c00, c30 = c00;
  let c01 = c00, c11 = c00, c21 = c00, c31 = c00;
  let bEnd = b0 + ((<usize>rows >> 1) << 4);
  if (b0 < bEnd) {
    do {
      let x0 = v128.load(pa), x1 = v128.load(pa, 16), x2 = v128.load(pa, 32), x3 = v128.load(pa, 48);
      let y = v128.load(b0);
      c00 = madd(x0, y, c00); c10 = madd(x1, y, c10); c20 = madd(x2, y, c20); c30 = madd(x3, y, c30);
      y = v128.load(b1);
      c01 = madd(x0, y, c01); c11 = madd(x1, y, c11); c21 = madd(x2, y, c21); c31 = madd(x3, y, c31);
      pa += 64; b1 += 16; b0 += 16;
    } while (b0 < bEnd);
  }
  let s00 = hsum(c00), s10 = hsum(c10), s20 = hsum(c20), s30 = hsum(c30);
  let s01 = hsum(c01), s11 = hsum(c11), s21 = hsum(c21), s31 = hsum(c31);
  if (rows & 1) {
    let x0 = load<f64>(pa), x1 = load<f64>(pa, 8), x2 = load<f64>(pa, 16), x3 = load<f64>(pa, 24);
    let y0 = load<f64>(b0), y1 = load<f64>(b1);
    s00 = madd1(x0, y0, s00); s10 = madd1(x1, y0, s10); s20 = madd1(x2, y0, s20); s30 = madd1(x3, y0, s30);
    s01 = madd1(x0, y1, s01); s11 = madd1(x1, y1, s11); s21 = madd1(x2, y1, s21); s31 = madd1(x3, y1, s31);
  }
  let c1 = c + sc;
  put(c, s00, add); put(c + 8, s10, add); put(c + 16, s20, add); put(c + 24, s30, add);
  put(c1, s01, add); put(c1 + 8, s11, add); put(c1 + 16, s21, add); put(c1 + 24, s31, add);
}

/** Relaxed-SIMD micro-tile: C(0..2, 0..2) (+)= packed A (3 columns)^T x B(:, 0..2). */
function tile3x3(b: usize, sb: usize, rows: i32, c: usize, sc: usize, add: bool): void {
  let pa = PACK;
  let b0 = b, b1 = b + sb, b2 = b1 + sb;
  let c00 = f64x2.splat(0), c10 = c00, c20 = c00;
  let c01 = c00, c11 = c00, c21 = c00;
  let c02 = c00, c12 = c00, c22 = c00;
  let bEnd = b0 + ((<usize>rows >> 1) << 4);
  if (b0 < bEnd) {
    do {
      let x0 = v128.load(pa), x1 = v128.load(pa, 16), x2 = v128.load(pa, 32);
      let y = v128.load(b0);
      c00 = madd(x0, y, c00); c10 = madd(x1, y, c10); c20 = madd(x2, y, c20);
      y = v128.load(b1);
      c01 = madd(x0, y, c01); c11 = madd(x1, y, c11); c21 = madd(x2, y, c21);
      y = v128.load(b2);
      c02 = madd(x0, y, c02); c12 = madd(x1, y, c12); c22 = madd(x2, y, c22);
      pa += 48; b2 += 16; b1 += 16; b0 += 16;
    } while (b0 < bEnd);
  }
  let s00 = hsum(c00), s10 = hsum(c10), s20 = hsum(c20);
  let s01 = hsum(c01), s11 = hsum(c11), s21 = hsum(c21);
  let s02 = hsum(c02), s12 = hsum(c12), s22 = hsum(c22);
  if (rows & 1) {
    let x0 = load<f64>(pa), x1 = load<f64>(pa, 8), x2 = load<f64>(pa, 16);
    let y0 = load<f64>(b0), y1 = load<f64>(b1), y2 = load<f64>(b2);
    s00 = madd1(x0, y0, s00); s10 = madd1(x1, y0, s10); s20 = madd1(x2, y0, s20);
    s01 = madd1(x0, y1, s01); s11 = madd1(x1, y1, s11); s21 = madd1(x2, y1, s21);
    s02 = madd1(x0, y2, s02); s12 = madd1(x1, y2, s12); s22 = madd1(x2, y2, s22);
  }
  let c1 = c + sc, c2 = c1 + sc;
  put(c, s00, add); put(c + 8, s10, add); put(c + 16, s20, add);
  put(c1, s01, add); put(c1 + 8, s11, add); put(c1 + 16, s21, add);
  put(c2, s02, add); put(c2 + 8, s12, add); put(c2 + 16, s22, add);
}

/** Edge tile: C(0..MR-1, 0) (+)= packed A (MR columns)^T x one column b. */
function tileCol(b: usize, rows: i32, c: usize, add: bool): void {
  let pa = PACK;
  let b0 = b;
  let c0 = f64x2.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let bEnd = b0 + ((<usize>rows >> 1) << 4);
  if (MR == 4) {
    while (b0 < bEnd) {
      let y = v128.load(b0);
      c0 = madd(v128.load(pa), y, c0);
      c1 = madd(v128.load(pa, 16), y, c1);
      c2 = madd(v128.load(pa, 32), y, c2);
      c3 = madd(v128.load(pa, 48), y, c3);
      pa += 64; b0 += 16;
    }
  } else {
    while (b0 < bEnd) {
      let y = v128.load(b0);
      c0 = madd(v128.load(pa), y, c0);
      c1 = madd(v128.load(pa, 16), y, c1);
      c2 = madd(v128.load(pa, 32), y, c2);
      pa += 48; b0 += 16;
    }
  }
  let s0 = hsum(c0), s1 = hsum(c1), s2 = hsum(c2), s3 = hsum(c3);
  if (rows & 1) {
    let y = load<f64>(b0);
    s0 = madd1(load<f64>(pa), y, s0);
    s1 = madd1(load<f64>(pa, 8), y, s1);
    s2 = madd1(load<f64>(pa, 16), y, s2);
    if (MR == 4) s3 = madd1(load<f64>(pa, 24), y, s3);
  }
  put(c, s0, add); put(c + 8, s1, add); put(c + 16, s2, add);
  if (MR == 4) put(c + 24, s3, add);
}

/** Edge tile: C(0, 0..1) (+)= a^T x B(:, 0..1), a read in place (one leftover column of A). */
function row1x2(a: usize, b: usize, sb: usize, rows: i32, c: usize, sc: usize, add: bool): void {
  let b0 = b, b1 = b + sb;
  let c0 = f64x2.splat(0), c1 = c0;
  let aEnd = a + ((<usize>rows >> 1) << 4);
  while (a < aEnd) {
    let x = v128.load(a);
    c0 = madd(x, v128.load(b0), c0);
    c1 = madd(x, v128.load(b1), c1);
    a += 16; b0 += 16; b1 += 16;
  }
  let s0 = hsum(c0), s1 = hsum(c1);
  if (rows & 1) {
    let x = load<f64>(a);
    s0 = madd1(x, load<f64>(b0), s0);
    s1 = madd1(x, load<f64>(b1), s1);
  }
  put(c, s0, add); put(c + sc, s1, add);
}

/** Edge tile: C(0, 0) (+)= a^T b. */
function row1x1(a: usize, b: usize, rows: i32, c: usize, add: bool): void {
  let c0 = f64x2.splat(0);
  let aEnd = a + ((<usize>rows >> 1) << 4);
  while (a < aEnd) {
    c0 = madd(v128.load(a), v128.load(b), c0);
    a += 16; b += 16;
  }
  let s0 = hsum(c0);
  if (rows & 1) s0 = madd1(load<f64>(a), load<f64>(b), s0);
  put(c, s0, add);
}

/**
 * C(i, j) (+)= sum over the d rows of A(:, i) * B(:, j), for i < m, j < n, with the blocking
 * described above. upper: only tiles with some j >= i are visited (syrk; needs m == n); entries
 * of those tiles below the diagonal are written too and must be overwritten by the caller.
 * Requires d >= 1.
 */
function crossTN(A: usize, lda: i32, B: usize, ldb: i32, d: i32, m: i32, n: i32,
                 C: usize, ldc: i32, accumulate: bool, upper: bool): void {
  let sa = <usize>lda << 3, sb = <usize>ldb << 3, sc = <usize>ldc << 3;
  for (let k0 = 0; k0 < d; k0 += KC) {
    let kr = min(KC, d - k0);
    let add = accumulate || k0 > 0;
    let ak = A + (<usize>k0 << 3), bk = B + (<usize>k0 << 3);
    for (let j0 = 0; j0 < n; j0 += NC) {
      let j1 = min(j0 + NC, n);
      let iEnd = upper ? j1 : m;
      let i = 0;
      for (; i + MR <= iEnd; i += MR) {
        let a = ak + <usize>i * sa;
        let ci = C + (<usize>i << 3);
        let j = upper ? max(j0, i) : j0;
        packA(a, sa, kr);
        for (; j + NR <= j1; j += NR) {
          if (MR == 4) tile4x2(bk + <usize>j * sb, sb, kr, ci + <usize>j * sc, sc, add);
          else tile3x3(bk + <usize>j * sb, sb, kr, ci + <usize>j * sc, sc, add);
        }
        for (; j < j1; j++) tileCol(bk + <usize>j * sb, kr, ci + <usize>j * sc, add);
      }
      for (; i < iEnd; i++) {
        let a = ak + <usize>i * sa;
        let ci = C + (<usize>i << 3);
        let j = upper ? max(j0, i) : j0;
        for (; j + 2 <= j1; j += 2) row1x2(a, bk + <usize>j * sb, sb, kr, ci + <usize>j * sc, sc, add);
        if (j < j1) row1x1(a, bk + <usize>j * sb, kr, ci + <usize>j * sc, add);
      }
    }
  }
}

/**
 * syrk: Gram matrix of the columns of Z.
 *   accumulate == 0:  G = Z^T Z
 *   accumulate != 0:  G = G + Z^T Z, reading only the upper triangle (i <= j) of the old G
 * Z is d x n (ld ldz >= d), G is n x n (ld ldg >= n). Both triangles of G are written and G is
 * exactly symmetric: the upper triangle is computed (crossTN with upper = true) and then
 * mirrored into the lower one. Nothing outside G(0..n-1, 0..n-1) is written. Cost 2 d n(n+1)/2
 * flops; the mirror is O(n^2), done in 32 x 32 blocks. d <= 0 gives G = 0 (or G unchanged
 * apart from the mirror when accumulating).
 */
export function syrk(Z: usize, ldz: i32, d: i32, n: i32, G: usize, ldg: i32, accumulate: i32): void {
  if (n <= 0) return;
  let sg = <usize>ldg << 3;
  if (d > 0) {
    crossTN(Z, ldz, Z, ldz, d, n, n, G, ldg, accumulate != 0, true);
  } else if (accumulate == 0) {
    for (let j = 0; j < n; j++) memory.fill(G + <usize>j * sg, 0, <usize>n << 3);
  }
  symmetrize(G, ldg, n);
}

/** Copies the upper triangle of the n x n matrix G (ld ldg) into the lower one, in 32 x 32 blocks. */
export function symmetrize(G: usize, ldg: i32, n: i32): void {
  let sg = <usize>ldg << 3;
  for (let j0 = 0; j0 < n; j0 += 32) {
    let j1 = min(j0 + 32, n);
    for (let i0 = j0; i0 < n; i0 += 32) {
      let i1 = min(i0 + 32, n);
      for (let j = j0; j < j1; j++) {
        let dst = G + <usize>j * sg;          // column j: lower entries (i > j)
        let src = G + (<usize>j << 3);        // row j: upper entries (j, i)
        for (let i = max(i0, j + 1); i < i1; i++) {
          store<f64>(dst + (<usize>i << 3), load<f64>(src + <usize>i * sg));
        }
      }
    }
  }
}

/**
 * One of two parts of the upper triangle of G = Z^T Z, for two threads sharing memory (no mirror:
 * call symmetrize once both are done). With the split column s (n / sqrt(2) balances the work):
 *   part 0: G(i, j) for i <= j < s                       (the leading triangle)
 *   part 1: G(i, j) for i < s <= j, and s <= i <= j        (the trailing columns)
 * Every entry gets exactly the bits syrk would give it (same panels, same micro-kernels).
 * part | 2 accumulates (G += Z^T Z on that part, as syrk's accumulate), for streamed batches.
 * Requires d >= 1 and 0 < s < n (part 0 only reads s: with s = n it is the whole upper triangle).
 */
export function syrkPart(Z: usize, ldz: i32, d: i32, n: i32, G: usize, ldg: i32, s: i32, part: i32): void {
  let sz = (<usize>ldz << 3) * <usize>s;
  let sg = (<usize>ldg << 3) * <usize>s;
  let acc = (part & 2) != 0;
  if ((part & 1) == 0) {
    crossTN(Z, ldz, Z, ldz, d, s, s, G, ldg, acc, true);
  } else {
    crossTN(Z, ldz, Z + sz, ldz, d, s, n - s, G + sg, ldg, acc, false);
    crossTN(Z + sz, ldz, Z + sz, ldz, d, n - s, n - s, G + sg + (<usize>s << 3), ldg, acc, true);
  }
}

/**
 * gemmTN: cross product C = A^T B (accumulate == 0) or C = C + A^T B (accumulate != 0).
 * A is d x m (ld lda >= d), B is d x n (ld ldb >= d), C is m x n (ld ldc >= m). Same blocking
 * and micro-kernels as syrk, all tiles visited. Cost 2 d m n flops. d <= 0 gives C = 0 (or C
 * unchanged when accumulating). Nothing outside C(0..m-1, 0..n-1) is written.
 */
export function gemmTN(A: usize, lda: i32, B: usize, ldb: i32, d: i32, m: i32, n: i32,
                       C: usize, ldc: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0) return;
  if (d > 0) {
    crossTN(A, lda, B, ldb, d, m, n, C, ldc, accumulate != 0, false);
  } else if (accumulate == 0) {
    let sc = <usize>ldc << 3;
    for (let j = 0; j < n; j++) memory.fill(C + <usize>j * sc, 0, <usize>m << 3);
  }
}

// ---------------------------------------------------------------------------------------------
// Level 1 and 2 (vectors are contiguous; SIMD main loops, scalar tails)
// ---------------------------------------------------------------------------------------------

/**
 * dot: sum_i x[i] y[i], i < n. Four f64x2 accumulators over blocks of 8 elements (accumulator
 * k takes elements 8t + 2k, 8t + 2k + 1), then leftover pairs into accumulator 0, then
 * ((acc0 + acc1) + (acc2 + acc3)) lane 0 + lane 1, then the odd last element.
 */
export function dot(x: usize, y: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let end8 = x + ((<usize>max(n, 0) >> 3) << 6);
  while (x < end8) {
    s0 = madd(v128.load(x), v128.load(y), s0);
    s1 = madd(v128.load(x, 16), v128.load(y, 16), s1);
    s2 = madd(v128.load(x, 32), v128.load(y, 32), s2);
    s3 = madd(v128.load(x, 48), v128.load(y, 48), s3);
    x += 64; y += 64;
  }
  let rem = max(n, 0) & 7;
  for (; rem >= 2; rem -= 2) {
    s0 = madd(v128.load(x), v128.load(y), s0);
    x += 16; y += 16;
  }
  let s = hsum(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  if (rem) s = madd1(load<f64>(x), load<f64>(y), s);
  return s;
}

/** sumsq: sum_i x[i]^2, i < n (no scaling; same accumulation scheme as dot). */
export function sumsq(x: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let end8 = x + ((<usize>max(n, 0) >> 3) << 6);
  while (x < end8) {
    let v0 = v128.load(x), v1 = v128.load(x, 16), v2 = v128.load(x, 32), v3 = v128.load(x, 48);
    s0 = madd(v0, v0, s0); s1 = madd(v1, v1, s1); s2 = madd(v2, v2, s2); s3 = madd(v3, v3, s3);
    x += 64;
  }
  let rem = max(n, 0) & 7;
  for (; rem >= 2; rem -= 2) {
    let v = v128.load(x);
    s0 = madd(v, v, s0);
    x += 16;
  }
  let s = hsum(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  if (rem) {
    let v = load<f64>(x);
    s = madd1(v, v, s);
  }
  return s;
}

/** Below this the plain sum of squares may have lost accuracy to underflow (see nrm2). */
const NRM2_TINY: f64 = reinterpret<f64>(<u64>(1023 - 600) << 52); // 2^-600

/**
 * nrm2: Euclidean norm sqrt(sum_i x[i]^2), i < n, safe from overflow and underflow.
 * Fast path: s = sumsq(x); if 2^-600 <= s < inf the answer is sqrt(s) (the partial sums only
 * grow, so nothing overflowed; squares that underflowed are each below 2^-1022 and negligible
 * next to s). Otherwise (overflow, or a tiny/zero s): second pass finds amax = max |x[i]|,
 * picks a power of two 2^k that brings amax into [1, 4) (or up from the subnormal range), and
 * returns sqrt(sum (x[i] 2^k)^2) / 2^k; the scaling is exact apart from negligible underflow.
 * NaN in x gives NaN; an infinite entry (and no NaN) gives +inf.
 */
export function nrm2(x: usize, n: i32): f64 {
  if (n <= 0) return 0;
  let s = sumsq(x, n);
  if (s >= NRM2_TINY && s < Infinity) return sqrt<f64>(s);
  if (isNaN(s)) return s;
  // amax = max |x[i]|
  let m0 = f64x2.splat(0), m1 = m0;
  let p = x;
  let end4 = x + ((<usize>n >> 2) << 5);
  while (p < end4) {
    m0 = f64x2.max(m0, f64x2.abs(v128.load(p)));
    m1 = f64x2.max(m1, f64x2.abs(v128.load(p, 16)));
    p += 32;
  }
  let amax = max(max(f64x2.extract_lane(m0, 0), f64x2.extract_lane(m0, 1)),
                 max(f64x2.extract_lane(m1, 0), f64x2.extract_lane(m1, 1)));
  for (let rem = n & 3; rem > 0; rem--) {
    amax = max(amax, abs<f64>(load<f64>(p)));
    p += 8;
  }
  if (amax == 0 || amax == Infinity) return amax;
  // 2^k with amax * 2^k in [1, 2) for normal amax (k clamped to [-1022, 1022])
  let e = <i32>((reinterpret<u64>(amax) >> 52) & 0x7ff); // biased exponent, 0 when subnormal
  let k = min(max(1023 - e, -1022), 1022);
  let scale = reinterpret<f64>(<u64>(k + 1023) << 52);
  let sv = f64x2.splat(scale);
  let s0 = f64x2.splat(0), s1 = s0;
  p = x;
  while (p < end4) {
    let v0 = f64x2.mul(v128.load(p), sv), v1 = f64x2.mul(v128.load(p, 16), sv);
    s0 = madd(v0, v0, s0);
    s1 = madd(v1, v1, s1);
    p += 32;
  }
  let t = hsum(f64x2.add(s0, s1));
  for (let rem = n & 3; rem > 0; rem--) {
    let v = load<f64>(p) * scale;
    t = madd1(v, v, t);
    p += 8;
  }
  return sqrt<f64>(t) / scale;
}

/** axpy: y[i] += alpha * x[i], i < n. */
export function axpy(alpha: f64, x: usize, y: usize, n: i32): void {
  let av = f64x2.splat(alpha);
  let end4 = x + ((<usize>max(n, 0) >> 2) << 5);
  while (x < end4) {
    let y0 = madd(v128.load(x), av, v128.load(y));
    let y1 = madd(v128.load(x, 16), av, v128.load(y, 16));
    v128.store(y, y0);
    v128.store(y, y1, 16);
    x += 32; y += 32;
  }
  for (let rem = max(n, 0) & 3; rem > 0; rem--) {
    store<f64>(y, madd1(load<f64>(x), alpha, load<f64>(y)));
    x += 8; y += 8;
  }
}

/** scal: x[i] *= alpha, i < n. */
export function scal(alpha: f64, x: usize, n: i32): void {
  let av = f64x2.splat(alpha);
  let end4 = x + ((<usize>max(n, 0) >> 2) << 5);
  while (x < end4) {
    v128.store(x, f64x2.mul(v128.load(x), av));
    v128.store(x, f64x2.mul(v128.load(x, 16), av), 16);
    x += 32;
  }
  for (let rem = max(n, 0) & 3; rem > 0; rem--) {
    store<f64>(x, load<f64>(x) * alpha);
    x += 8;
  }
}

/**
 * gemv_t: y[j] = sum_i A(i, j) x[i] for j < n, i < m (y = A^T x, y overwritten; m <= 0 gives
 * y = 0). A is m x n with leading dimension lda. Four columns at a time share each load of x;
 * every y[j] uses one f64x2 accumulator (even/odd rows), lane 0 + lane 1, then the odd last row,
 * so y[j] does not depend on j's position in a group.
 */
export function gemv_t(A: usize, lda: i32, m: i32, n: i32, x: usize, y: usize): void {
  if (n <= 0) return;
  let rows = max(m, 0);
  let sa = <usize>lda << 3;
  let pairBytes = (<usize>rows >> 1) << 4;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let a0 = A + <usize>j * sa, a1 = a0 + sa, a2 = a1 + sa, a3 = a2 + sa;
    let px = x, xEnd = x + pairBytes;
    let c0 = f64x2.splat(0), c1 = c0, c2 = c0, c3 = c0;
    while (px < xEnd) {
      let v = v128.load(px);
      c0 = madd(v128.load(a0), v, c0);
      c1 = madd(v128.load(a1), v, c1);
      c2 = madd(v128.load(a2), v, c2);
      c3 = madd(v128.load(a3), v, c3);
      px += 16; a0 += 16; a1 += 16; a2 += 16; a3 += 16;
    }
    let s0 = hsum(c0), s1 = hsum(c1), s2 = hsum(c2), s3 = hsum(c3);
    if (rows & 1) {
      let v = load<f64>(px);
      s0 = madd1(load<f64>(a0), v, s0);
      s1 = madd1(load<f64>(a1), v, s1);
      s2 = madd1(load<f64>(a2), v, s2);
      s3 = madd1(load<f64>(a3), v, s3);
    }
    let py = y + (<usize>j << 3);
    store<f64>(py, s0); store<f64>(py, s1, 8); store<f64>(py, s2, 16); store<f64>(py, s3, 24);
  }
  for (; j < n; j++) {
    let a0 = A + <usize>j * sa;
    let px = x, xEnd = x + pairBytes;
    let c0 = f64x2.splat(0);
    while (px < xEnd) {
      c0 = madd(v128.load(a0), v128.load(px), c0);
      px += 16; a0 += 16;
    }
    let s0 = hsum(c0);
    if (rows & 1) s0 = madd1(load<f64>(a0), load<f64>(px), s0);
    store<f64>(y + (<usize>j << 3), s0);
  }
}

/**
 * ger: rank-1 update A(i, j) += (alpha * y[j]) * x[i] for i < m, j < n (A is m x n, leading
 * dimension lda). Two columns at a time share each load of x.
 */
export function ger(A: usize, lda: i32, m: i32, n: i32, alpha: f64, x: usize, y: usize): void {
  if (m <= 0 || n <= 0) return;
  let sa = <usize>lda << 3;
  let pairBytes = (<usize>m >> 1) << 4;
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    let t0 = alpha * load<f64>(y + (<usize>j << 3));
    let t1 = alpha * load<f64>(y + (<usize>j << 3), 8);
    let v0 = f64x2.splat(t0), v1 = f64x2.splat(t1);
    let a0 = A + <usize>j * sa, a1 = a0 + sa;
    let px = x, xEnd = x + pairBytes;
    while (px < xEnd) {
      let xv = v128.load(px);
      v128.store(a0, madd(xv, v0, v128.load(a0)));
      v128.store(a1, madd(xv, v1, v128.load(a1)));
      px += 16; a0 += 16; a1 += 16;
    }
    if (m & 1) {
      let xs = load<f64>(px);
      store<f64>(a0, madd1(xs, t0, load<f64>(a0)));
      store<f64>(a1, madd1(xs, t1, load<f64>(a1)));
    }
  }
  if (j < n) axpy(alpha * load<f64>(y + (<usize>j << 3)), x, A + <usize>j * sa, m);
}

// ---------------------------------------------------------------------------------------------
// gemmNN: C (+)= A B with both operands column-major (added after the kernels above, which it
// leaves unchanged; it shares their PACK scratch and madd arithmetic).
//
// C(i, j) = sum_l A(i, l) B(l, j): the vector dimension is the row index i, contiguous in A and
// C, so a micro-tile keeps MN rows x RN columns of C in MN/2 x RN f64x2 accumulators while l runs.
// Blocking (GotoBLAS order, one strip of A in L1):
//   for each panel of KN values of l                       (entries are += across panels)
//     for each block of NN columns of B                    (KN x NN of B stays in L2)
//       for each strip of MN rows of A: pack it            (PACK: KN x MN, l-major, <= 16 KiB;
//                                                          the last strip is padded with zeros)
//         for each group of RN columns of B in the block: one micro-tile, B(l, j) splatted
//         leftover columns (< RN): one column at a time against the same packed strip
// Every C(i, j) of a panel is the sequential sum over l of madd(A(i, l), B(l, j), .) starting
// from 0 (one lane of one accumulator), then written or added to C: its bits do not depend on
// which micro-kernel, lane or strip computed it. The strip packing and micro-tiles are exported:
// cholqr.ts's triangular products use them with a triangular end (tileU's `tri`, packStrip's
// `lower`), so a triangular factor's zero part is never read or multiplied.
// ---------------------------------------------------------------------------------------------

/** Values of l per panel: MN x KN f64 of packed A fit in PACK (KC * 4 f64). */
const KN: i32 = 256;
/** Columns of B per block: KN x NN x 8 = 256 KiB of B stays in L2 while every strip reuses it. */
const NN: i32 = 128;
/** Micro-tile: MN rows (MN / 2 vectors) x RN columns; same register budget as tile4x2 / tile3x3. */
export const MN: i32 = RELAXED ? 6 : 8;
export const RN: i32 = RELAXED ? 3 : 2;

/**
 * Packs rows [0, rows) (rows <= MN) of A(., l), l < kr (column stride sa bytes), into p, l-major,
 * MN values per l, zero-padded; with `lower` = true the entries strictly below the diagonal of
 * the strip (row r > l) are packed as zeros (the strip starts on A's diagonal).
 */
export function packStrip(p: usize, a: usize, sa: usize, rows: i32, kr: i32, lower: bool): void {
  if (rows == MN && !lower) {
    for (let l = 0; l < kr; l++) {
      v128.store(p, v128.load(a));
      v128.store(p, v128.load(a, 16), 16);
      v128.store(p, v128.load(a, 32), 32);
      if (MN == 8) v128.store(p, v128.load(a, 48), 48);
      a += sa; p += <usize>MN << 3;
    }
  } else {
    for (let l = 0; l < kr; l++) {
      for (let r = 0; r < MN; r++) {
        const v = r < rows && !(lower && r > l) ? load<f64>(a + (<usize>r << 3)) : 0.0;
        store<f64>(p + (<usize>r << 3), v);
      }
      a += sa; p += <usize>MN << 3;
    }
  }
}

/** Writes (or adds) the `live` leading lanes (0, 1 or 2) of v to c. */
@inline function putV(c: usize, v: v128, live: i32, add: bool): void {
  if (live >= 2) {
    v128.store(c, add ? f64x2.add(v128.load(c), v) : v);
  } else if (live == 1) {
    const s = f64x2.extract_lane(v, 0);
    store<f64>(c, add ? load<f64>(c) + s : s);
  }
}

/**
 * Micro-tile C(0..rows-1, 0..RN-1) (+)= packed strip x B(l, 0..RN-1) over l < kr (kr >= 1), then
 * `tri` (< RN) more values of l on the diagonal of an upper triangular B: l = kr for columns
 * 1.., l = kr + 1 for columns 2.. (B's zero entries below its diagonal are never read).
 */
export function tileU(pa: usize, b: usize, sb: usize, kr: i32, c: usize, sc: usize, rows: i32, add: bool, tri: i32): void {
  if (MN == 8) {
    let b0 = b, b1 = b + sb;
    const bEnd = b0 + (<usize>kr << 3);
    let c00 = f64x2.splat(0), c10 = c00, c20 = c00, c30 = c00;
    let c01 = c00, c11 = c00, c21 = c00, c31 = c00;
    do {
      const x0 = v128.load(pa), x1 = v128.load(pa, 16), x2 = v128.load(pa, 32), x3 = v128.load(pa, 48);
      let y = v128.load64_splat(b0);
      c00 = madd(x0, y, c00); c10 = madd(x1, y, c10); c20 = madd(x2, y, c20); c30 = madd(x3, y, c30);
      y = v128.load64_splat(b1);
      c01 = madd(x0, y, c01); c11 = madd(x1, y, c11); c21 = madd(x2, y, c21); c31 = madd(x3, y, c31);
      pa += 64; b0 += 8; b1 += 8;
    } while (b0 < bEnd);
    if (tri > 0) {
      const y = v128.load64_splat(b1);
      c01 = madd(v128.load(pa), y, c01); c11 = madd(v128.load(pa, 16), y, c11);
      c21 = madd(v128.load(pa, 32), y, c21); c31 = madd(v128.load(pa, 48), y, c31);
    }
    putV(c, c00, rows, add); putV(c + 16, c10, rows - 2, add);
    putV(c + 32, c20, rows - 4, add); putV(c + 48, c30, rows - 6, add);
    const d = c + sc;
    putV(d, c01, rows, add); putV(d + 16, c11, rows - 2, add);
    putV(d + 32, c21, rows - 4, add); putV(d + 48, c31, rows - 6, add);
  } else {
    let b0 = b, b1 = b + sb, b2 = b1 + sb;
    const bEnd = b0 + (<usize>kr << 3);
    let c00 = f64x2.splat(0), c10 = c00, c20 = c00;
    let c01 = c00, c11 = c00, c21 = c00;
    let c02 = c00, c12 = c00, c22 = c00;
    do {
      const x0 = v128.load(pa), x1 = v128.load(pa, 16), x2 = v128.load(pa, 32);
      let y = v128.load64_splat(b0);
      c00 = madd(x0, y, c00); c10 = madd(x1, y, c10); c20 = madd(x2, y, c20);
      y = v128.load64_splat(b1);
      c01 = madd(x0, y, c01); c11 = madd(x1, y, c11); c21 = madd(x2, y, c21);
      y = v128.load64_splat(b2);
      c02 = madd(x0, y, c02); c12 = madd(x1, y, c12); c22 = madd(x2, y, c22);
      pa += 48; b0 += 8; b1 += 8; b2 += 8;
    } while (b0 < bEnd);
    if (tri > 0) {
      const x0 = v128.load(pa), x1 = v128.load(pa, 16), x2 = v128.load(pa, 32);
      let y = v128.load64_splat(b1);
      c01 = madd(x0, y, c01); c11 = madd(x1, y, c11); c21 = madd(x2, y, c21);
      y = v128.load64_splat(b2);
      c02 = madd(x0, y, c02); c12 = madd(x1, y, c12); c22 = madd(x2, y, c22);
      if (tri > 1) {
        y = v128.load64_splat(b2 + 8);
        c02 = madd(v128.load(pa, 48), y, c02); c12 = madd(v128.load(pa, 64), y, c12); c22 = madd(v128.load(pa, 80), y, c22);
      }
    }
    putV(c, c00, rows, add); putV(c + 16, c10, rows - 2, add); putV(c + 32, c20, rows - 4, add);
    let d = c + sc;
    putV(d, c01, rows, add); putV(d + 16, c11, rows - 2, add); putV(d + 32, c21, rows - 4, add);
    d += sc;
    putV(d, c02, rows, add); putV(d + 16, c12, rows - 2, add); putV(d + 32, c22, rows - 4, add);
  }
}

/** Edge tile: C(0..rows-1, 0) (+)= packed strip x B(l, 0), l < kr (kr >= 1): one leftover column of B. */
export function tileU1(pa: usize, b: usize, kr: i32, c: usize, rows: i32, add: bool): void {
  let b0 = b;
  const bEnd = b0 + (<usize>kr << 3);
  let c0 = f64x2.splat(0), c1 = c0, c2 = c0, c3 = c0;
  do {
    const y = v128.load64_splat(b0);
    c0 = madd(v128.load(pa), y, c0);
    c1 = madd(v128.load(pa, 16), y, c1);
    c2 = madd(v128.load(pa, 32), y, c2);
    if (MN == 8) c3 = madd(v128.load(pa, 48), y, c3);
    pa += <usize>MN << 3; b0 += 8;
  } while (b0 < bEnd);
  putV(c, c0, rows, add); putV(c + 16, c1, rows - 2, add); putV(c + 32, c2, rows - 4, add);
  if (MN == 8) putV(c + 48, c3, rows - 6, add);
}

/**
 * gemmNN: matrix product C = A B (accumulate == 0) or C = C + A B (accumulate != 0).
 * A is m x k (ld lda >= m), B is k x n (ld ldb >= k), C is m x n (ld ldc >= m), all
 * column-major; C must not overlap A or B. Cost 2 m k n flops. k <= 0 gives C = 0 (or C
 * unchanged when accumulating). Nothing outside C(0..m-1, 0..n-1) is written.
 */
export function gemmNN(A: usize, lda: i32, B: usize, ldb: i32, m: i32, k: i32, n: i32,
                       C: usize, ldc: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0) return;
  let sa = <usize>lda << 3, sb = <usize>ldb << 3, sc = <usize>ldc << 3;
  if (k <= 0) {
    if (accumulate == 0) for (let j = 0; j < n; j++) memory.fill(C + <usize>j * sc, 0, <usize>m << 3);
    return;
  }
  for (let l0 = 0; l0 < k; l0 += KN) {
    let kr = min(KN, k - l0);
    let add = accumulate != 0 || l0 > 0;
    let al = A + <usize>l0 * sa, bl = B + (<usize>l0 << 3);
    for (let j0 = 0; j0 < n; j0 += NN) {
      let j1 = min(j0 + NN, n);
      for (let i0 = 0; i0 < m; i0 += MN) {
        let rows = min(MN, m - i0);
        packStrip(PACK, al + (<usize>i0 << 3), sa, rows, kr, false);
        let ci = C + (<usize>i0 << 3);
        let j = j0;
        for (; j + RN <= j1; j += RN) tileU(PACK, bl + <usize>j * sb, sb, kr, ci + <usize>j * sc, sc, rows, add, 0);
        for (; j < j1; j++) tileU1(PACK, bl + <usize>j * sb, kr, ci + <usize>j * sc, rows, add);
      }
    }
  }
}
