/**
 * The n x n part of centred kernel alignment (src/measures/cka.ts; Kornblith, Norouzi, Lee &
 * Hinton 2019): the bandwidth of the RBF kernel (numpy's median of all n^2 squared distances),
 * the kernel itself, double centring and the Frobenius products that biased and debiased CKA are
 * made of. Conventions are those of blas.ts / linalg.ts (column-major f64, leading dimensions,
 * raw byte pointers, scratch passed in, no allocation), plus one of LAPACK's: every n x n matrix
 * here is SYMMETRIC and stored in its UPPER triangle, entries (i, j) with i <= j; the strictly
 * lower part is never read or written (it may hold anything, e.g. the distances it came from).
 *
 * distanceMedian (Kornblith et al. 2019, sec. 4: sigma = threshold * sqrt(median D)): numpy's
 *   median of the n^2 entries of a squared-distance matrix D (zero diagonal, entries >= +0).
 *   Sorted, those entries are the n diagonal zeros followed by every strict-upper value twice, so
 *   position t of the sorted list is 0 for t < n and else the floor((t - n) / 2)-th smallest of
 *   the m = n(n-1)/2 upper values: the median needs two neighbouring order statistics of the upper
 *   triangle alone, read in place (no copy of D). Selection in the manner of Floyd & Rivest
 *   (1975): a systematic sample of 65536 values brackets both ranks, one SIMD pass counts the
 *   values below the bracket and gathers those inside it (~1.6% of m), and the ranks are selected
 *   among those candidates. Selection itself is radix selection on the IEEE bit patterns (doubles
 *   >= +0 order like their bits read as u64): four counting passes of 16-bit digits, exact and
 *   O(length) whatever the ties. If the bracket misses or the candidates overflow their buffer
 *   (heavy ties), radix selection runs over the whole triangle instead (four or five passes).
 *
 * expUpper: K(i, j) = exp(s * K(i, j)), i <= j (the RBF kernel from D with s = -1/(2 sigma^2);
 *   the diagonal becomes exp(0) = 1). Math.exp is AssemblyScript's table-driven exp (the ARM
 *   optimized-routines algorithm at shrink level 0), within an ulp of V8's Math.exp.
 *
 * centreKernel (Gretton et al. 2005): HKH with H = I - 11^T/n, in place, as
 *     Kc(i, j) = K(i, j) - r_i - r_j + t,   r = K 1 / n,   t = 1^T r / n,
 *   returning <Kc, Kc>, diag(Kc) and Kc 1 (0 up to rounding). Biased CKA is <Kc, Lc> /
 *   sqrt(<Kc, Kc> <Lc, Lc>). Debiased CKA (Song et al. 2012, eq. 5, the U-centred product of
 *   Szekely & Rizzo 2014) needs only O(n) more: U-centring is blind to terms a_i + a_j, so the
 *   U-centred K equals the U-centred Kc, and with Kc~ = Kc off its diagonal, r' = Kc~ 1, S' = 1^T r',
 *     <U(K), U(L)> = <Kc, Lc> - diag(Kc).diag(Lc) + S'_K S'_L / ((n-1)(n-2)) - 2/(n-2) r'_K.r'_L,
 *   where every term is of the size of the result (Kc's rows sum to ~0, r' ~ -diag(Kc)), unlike
 *   the same identity on the uncentred K. (uCentredDots forms these products directly instead.)
 *
 * symmetricDot: <A, B> = 2 sum_{i<j} A(i, j) B(i, j) + sum_i A(i, i) B(i, i); each column's
 *   strict-upper part is one two-lane SIMD dot product, the columns are summed in order.
 *
 * uCentredDots: debiased CKA's <U(K), U(L)>, <U(K), U(K)>, <U(L), U(L)> in one pass over both
 *   upper triangles, U-centring on the fly from the row sums of Kc (U(Kc) = U(K), see above) as
 *   sums of products, not by the O(n) identity (whose difference of large terms could turn a
 *   self product of a near-degenerate kernel negative).
 */
import { align16, hsum } from "./simd";

/** Histogram bins of one radix pass (16-bit digits). */
const BINS: i32 = 65536;
/** Values in the sample that brackets the order statistics (and the size below which all are gathered). */
const SAMPLE: i64 = 65536;
/** Half-width of the bracket in sample ranks: 4 standard deviations of a sample median's rank (4 sqrt(SAMPLE)/2) + slack. */
const MARGIN: i64 = 528;

/** m = n(n-1)/2 strict-upper values of an n x n matrix. */
@inline function upperCount(n: i32): i64 {
  return (<i64>n * <i64>(n - 1)) >> 1;
}

/** Capacity (values) of the candidate buffer of distanceMedian for an n x n matrix. */
function candidateCapacity(n: i32): i64 {
  let m = upperCount(n);
  if (m <= SAMPLE) return max<i64>(m, 1);
  return min<i64>(m, (m / SAMPLE + 1) * (2 * MARGIN + 8) * 2 + 1024);
}

/** Bytes of scratch distanceMedian needs for an n x n matrix: histogram, sample, candidates. */
export function medianWorkBytes(n: i32): usize {
  return align16(<usize>BINS << 2) + align16(<usize>SAMPLE << 3) + align16(<usize>candidateCapacity(max(n, 0)) << 3);
}

/** How many values are <= the last order statistic found by radixSelect (ties included). */
let selectedAtMost: i64 = 0;

/** Radix pass `pass` over the values [x, end): counts the 16-bit digit of those sharing `prefix`. */
@inline function countRun(x: usize, end: usize, pass: i32, prefix: u64, hist: usize): void {
  if (pass == 0) {
    for (; x < end; x += 8) {
      let h = hist + (<usize>(load<u64>(x) >> 48) << 2);
      store<u32>(h, load<u32>(h) + 1);
    }
  } else {
    let shift = <u64>(48 - 16 * pass);
    let high = shift + 16;
    for (; x < end; x += 8) {
      let b = load<u64>(x);
      if ((b >> high) == prefix) {
        let h = hist + (<usize>((b >> shift) & 0xffff) << 2);
        store<u32>(h, load<u32>(h) + 1);
      }
    }
  }
}

/**
 * The u-th smallest (0-based) of the strict-upper values of D (upper = true) or of the len
 * values at D (upper = false; ldd is then the count), by four radix passes over 16-bit digits
 * from the most significant (bit patterns of doubles >= +0 order like the doubles); sets
 * selectedAtMost. hist: BINS u32.
 */
function radixSelect(D: usize, ldd: i32, n: i32, upper: bool, u: i64, hist: usize): f64 {
  let sd = <usize>ldd << 3;
  let prefix: u64 = 0;
  let rank = u;
  let last: i64 = 0;
  for (let pass = 0; pass < 4; pass++) {
    memory.fill(hist, 0, <usize>BINS << 2);
    if (upper) {
      for (let j = 1; j < n; j++) {
        let x = D + <usize>j * sd;
        countRun(x, x + (<usize>j << 3), pass, prefix, hist);
      }
    } else {
      countRun(D, D + sd, pass, prefix, hist);
    }
    // the digit whose bin holds rank `rank` among the values sharing the prefix
    let below: i64 = 0, d = 0;
    while (d < BINS - 1) {
      let c = <i64>load<u32>(hist + (<usize>d << 2));
      if (below + c > rank) break;
      below += c;
      d++;
    }
    rank -= below;
    last = <i64>load<u32>(hist + (<usize>d << 2));
    prefix = (prefix << 16) | <u64>d;
  }
  selectedAtMost = u - rank + last;
  return reinterpret<f64>(prefix);
}

/** The smallest strict-upper value of D above v (+inf when there is none). */
function upperNextAbove(D: usize, ldd: i32, n: i32, v: f64): f64 {
  let sd = <usize>ldd << 3;
  let best = Infinity;
  for (let j = 1; j < n; j++) {
    let x = D + <usize>j * sd;
    let end = x + (<usize>j << 3);
    for (; x < end; x += 8) {
      let a = load<f64>(x);
      if (a > v && a < best) best = a;
    }
  }
  return best;
}

/** Order statistics u and u + 1 of the strict-upper values (found by upperPair). */
let pairLow: f64 = 0, pairHigh: f64 = 0;

/**
 * Sets pairLow / pairHigh to the u-th and (u+1)-th smallest strict-upper values of D (u + 1 <
 * m). Small m: all values are gathered and radix-selected. Otherwise (Floyd & Rivest 1975's
 * idea): a systematic sample of SAMPLE values gives a bracket [lo, hi] that holds both ranks
 * with high probability; one SIMD pass counts the values below lo and gathers those in [lo, hi];
 * the two ranks are then selected among the candidates. When the bracket misses or overflows
 * the candidate buffer (heavy ties), radix selection over the whole triangle does it instead.
 */
function upperPair(D: usize, ldd: i32, n: i32, u: i64, work: usize): void {
  let sd = <usize>ldd << 3;
  let m = upperCount(n);
  let hist = work;
  let sample = work + align16(<usize>BINS << 2);
  let cand = sample + align16(<usize>SAMPLE << 3);
  let cap = candidateCapacity(n);
  if (m <= SAMPLE) {
    let c = cand;
    for (let j = 1; j < n; j++) {
      memory.copy(c, D + <usize>j * sd, <usize>j << 3);
      c += <usize>j << 3;
    }
    pairLow = radixSelect(cand, <i32>m, 1, false, u, hist);
    pairHigh = u + 1 >= m ? pairLow : selectedAtMost > u + 1 ? pairLow : radixSelect(cand, <i32>m, 1, false, u + 1, hist);
    return;
  }
  // systematic sample: every stride-th value in column order
  let stride = m / SAMPLE;
  let taken: i64 = 0, next: i64 = 0, start: i64 = 0;
  for (let j = 1; j < n && taken < SAMPLE; j++) {
    let col = D + <usize>j * sd;
    while (next < start + <i64>j && taken < SAMPLE) {
      store<f64>(sample + (<usize>taken << 3), load<f64>(col + (<usize>(next - start) << 3)));
      taken++;
      next += stride;
    }
    start += <i64>j;
  }
  let rlo = max<i64>(0, (u * taken) / m - MARGIN);
  let rhi = min<i64>(taken - 1, ((u + 1) * taken) / m + 1 + MARGIN);
  let lo = radixSelect(sample, <i32>taken, 1, false, rlo, hist);
  let hi = radixSelect(sample, <i32>taken, 1, false, rhi, hist);
  // one pass: #{v < lo} and the values in [lo, hi]
  let lov = f64x2.splat(lo), hiv = f64x2.splat(hi);
  let below = i64x2.splat(0);
  let got: i64 = 0, belowTail: i64 = 0;
  for (let j = 1; j < n; j++) {
    let x = D + <usize>j * sd;
    let end2 = x + ((<usize>j >> 1) << 4);
    for (; x < end2; x += 16) {
      let v = v128.load(x);
      below = i64x2.sub(below, f64x2.lt(v, lov));
      if (v128.any_true(v128.and(f64x2.ge(v, lov), f64x2.le(v, hiv)))) {
        let a = f64x2.extract_lane(v, 0), b = f64x2.extract_lane(v, 1);
        if (a >= lo && a <= hi) {
          if (got < cap) store<f64>(cand + (<usize>got << 3), a);
          got++;
        }
        if (b >= lo && b <= hi) {
          if (got < cap) store<f64>(cand + (<usize>got << 3), b);
          got++;
        }
      }
    }
    if (j & 1) {
      let a = load<f64>(x);
      if (a < lo) belowTail++;
      else if (a <= hi) {
        if (got < cap) store<f64>(cand + (<usize>got << 3), a);
        got++;
      }
    }
  }
  let nb = i64x2.extract_lane(below, 0) + i64x2.extract_lane(below, 1) + belowTail;
  if (got <= cap && nb <= u && u + 1 < nb + got) {
    pairLow = radixSelect(cand, <i32>got, 1, false, u - nb, hist);
    pairHigh = selectedAtMost > u + 1 - nb ? pairLow : radixSelect(cand, <i32>got, 1, false, u + 1 - nb, hist);
    return;
  }
  pairLow = radixSelect(D, ldd, n, true, u, hist);
  pairHigh = selectedAtMost > u + 1 ? pairLow : upperNextAbove(D, ldd, n, pairLow);
}

/**
 * distanceMedian: numpy's median of all n^2 entries of the symmetric squared-distance matrix D
 * (n x n, ld ldd; upper triangle read, zero diagonal assumed, entries >= +0); 0 for n <= 1.
 * work: medianWorkBytes(n) bytes, 16-byte aligned.
 */
export function distanceMedian(D: usize, ldd: i32, n: i32, work: usize): f64 {
  if (n <= 1) return 0;
  let total = <i64>n * <i64>n;
  // positions t1 <= t2 of the sorted n^2 values; position t >= n is upper rank (t - n) >> 1
  let t2 = total >> 1;
  let t1 = total & 1 ? t2 : t2 - 1;
  if (t2 < <i64>n) return 0;
  let u = (max<i64>(t1, <i64>n) - <i64>n) >> 1;
  let m = upperCount(n);
  if (u + 1 < m) upperPair(D, ldd, n, u, work);
  else {
    pairLow = radixSelect(D, ldd, n, true, u, work);
    pairHigh = pairLow;
  }
  let a = t1 < <i64>n ? 0.0 : pairLow;
  let b = ((t2 - <i64>n) >> 1) == u ? pairLow : pairHigh;
  if (total & 1) return b;
  return (a + b) / 2;
}

/** expUpper: K(i, j) = exp(s * K(i, j)) for i <= j (K n x n, ld ldk), in place. */
export function expUpper(K: usize, ldk: i32, n: i32, s: f64): void {
  let sk = <usize>ldk << 3;
  for (let j = 0; j < n; j++) {
    let x = K + <usize>j * sk;
    let end = x + (<usize>(j + 1) << 3);
    for (; x < end; x += 8) store<f64>(x, Math.exp(load<f64>(x) * s));
  }
}

/**
 * rows[i] += col[i] for i < len, and returns sum_i col[i] (two lanes, then the odd last).
 */
@inline function addColumn(col: usize, rows: usize, len: i32): f64 {
  let s0 = f64x2.splat(0);
  let end2 = col + ((<usize>len >> 1) << 4);
  let r = rows;
  for (let x = col; x < end2; x += 16, r += 16) {
    let v = v128.load(x);
    s0 = f64x2.add(s0, v);
    v128.store(r, f64x2.add(v128.load(r), v));
  }
  let s = hsum(s0);
  if (len & 1) {
    let v = load<f64>(end2);
    s += v;
    store<f64>(r, load<f64>(r) + v);
  }
  return s;
}

/**
 * centreKernel: K <- HKH in place (K symmetric n x n, ld ldk, upper triangle), see the header.
 * Writes diag(HKH) to stats[0..n) and the row sums of HKH to stats[n..2n); returns <HKH, HKH>.
 * work: n f64 (16-byte aligned).
 */
export function centreKernel(K: usize, ldk: i32, n: i32, stats: usize, work: usize): f64 {
  if (n <= 0) return 0;
  let sk = <usize>ldk << 3;
  let nb = <usize>n << 3;
  let diag = stats, rows = stats + nb;
  // r = K 1 / n from the upper triangle: column j gives K(0..j-1, j) to rows 0..j-1 and its sum to row j
  memory.fill(work, 0, nb);
  for (let j = 0; j < n; j++) {
    let col = K + <usize>j * sk;
    let s = addColumn(col, work, j);
    let w = work + (<usize>j << 3);
    store<f64>(w, load<f64>(w) + s + load<f64>(col + (<usize>j << 3)));
  }
  let inv = <f64>n;
  let t: f64 = 0;
  for (let i = 0; i < n; i++) {
    let w = work + (<usize>i << 3);
    let r = load<f64>(w) / inv;
    store<f64>(w, r);
    t += r;
  }
  t /= inv;
  // Kc(i, j) = ((K(i, j) - r_i) - r_j) + t, with Kc's row sums and <Kc, Kc> on the way
  memory.fill(rows, 0, nb);
  let tv = f64x2.splat(t);
  let self: f64 = 0;
  for (let j = 0; j < n; j++) {
    let col = K + <usize>j * sk;
    let rj: f64 = load<f64>(work + (<usize>j << 3));
    let rjv = f64x2.splat(rj);
    let c0 = f64x2.splat(0), q0 = c0;
    let end2 = col + ((<usize>j >> 1) << 4);
    let x = col, r = work, o = rows;
    for (; x < end2; x += 16, r += 16, o += 16) {
      let v = f64x2.add(f64x2.sub(f64x2.sub(v128.load(x), v128.load(r)), rjv), tv);
      v128.store(x, v);
      c0 = f64x2.add(c0, v);
      q0 = f64x2.add(q0, f64x2.mul(v, v));
      v128.store(o, f64x2.add(v128.load(o), v));
    }
    let c = hsum(c0), q = hsum(q0);
    if (j & 1) {
      let v = ((load<f64>(x) - load<f64>(r)) - rj) + t;
      store<f64>(x, v);
      c += v;
      q += v * v;
      store<f64>(o, load<f64>(o) + v);
    }
    let dp = col + (<usize>j << 3);
    let d = ((load<f64>(dp) - rj) - rj) + t;
    store<f64>(dp, d);
    store<f64>(diag + (<usize>j << 3), d);
    let oj = rows + (<usize>j << 3);
    store<f64>(oj, load<f64>(oj) + c + d);
    self += 2 * q + d * d;
  }
  return self;
}

/** symmetricDot: <A, B>_F of two symmetric n x n matrices from their upper triangles. */
export function symmetricDot(A: usize, lda: i32, B: usize, ldb: i32, n: i32): f64 {
  let sa = <usize>lda << 3, sb = <usize>ldb << 3;
  let total: f64 = 0;
  for (let j = 0; j < n; j++) {
    let a = A + <usize>j * sa, b = B + <usize>j * sb;
    let s0 = f64x2.splat(0), s1 = s0;
    let end4 = a + ((<usize>j >> 2) << 5);
    for (; a < end4; a += 32, b += 32) {
      s0 = f64x2.add(s0, f64x2.mul(v128.load(a), v128.load(b)));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(a, 16), v128.load(b, 16)));
    }
    let s = hsum(f64x2.add(s0, s1));
    for (let rem = j & 3; rem > 0; rem--, a += 8, b += 8) s += load<f64>(a) * load<f64>(b);
    total += 2 * s + load<f64>(a) * load<f64>(b);
  }
  return total;
}

/**
 * uCentredDots: the products of two U-centred kernels given as shifts of K and L (n x n, upper
 * triangles): Ku(i, j) = ((K(i, j) - a_i) - a_j) + c and Lu(i, j) = ((L(i, j) - b_i) - b_j) + d
 * for i != j, zero diagonals (Szekely & Rizzo 2014's U-centring when a = K~1/(n-2) and c =
 * 1^T K~ 1/((n-1)(n-2)), K~ = K off its diagonal). Writes <Ku, Lu>, <Ku, Ku>, <Lu, Lu> to out[0..2]:
 * sums of products, so the two self products are >= 0 whatever the rounding.
 */
export function uCentredDots(K: usize, ldk: i32, L: usize, ldl: i32, n: i32, a: usize, c: f64, b: usize, d: f64, out: usize): void {
  let sk = <usize>ldk << 3, sl = <usize>ldl << 3;
  let cv = f64x2.splat(c), dv = f64x2.splat(d);
  let kl: f64 = 0, kk: f64 = 0, ll: f64 = 0;
  for (let j = 1; j < n; j++) {
    let x = K + <usize>j * sk, y = L + <usize>j * sl;
    let aj = load<f64>(a + (<usize>j << 3)), bj = load<f64>(b + (<usize>j << 3));
    let ajv = f64x2.splat(aj), bjv = f64x2.splat(bj);
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0;
    let ai = a, bi = b;
    let end2 = x + ((<usize>j >> 1) << 4);
    for (; x < end2; x += 16, y += 16, ai += 16, bi += 16) {
      let u = f64x2.add(f64x2.sub(f64x2.sub(v128.load(x), v128.load(ai)), ajv), cv);
      let v = f64x2.add(f64x2.sub(f64x2.sub(v128.load(y), v128.load(bi)), bjv), dv);
      s0 = f64x2.add(s0, f64x2.mul(u, v));
      s1 = f64x2.add(s1, f64x2.mul(u, u));
      s2 = f64x2.add(s2, f64x2.mul(v, v));
    }
    let p = hsum(s0), q = hsum(s1), r = hsum(s2);
    if (j & 1) {
      let u = ((load<f64>(x) - load<f64>(ai)) - aj) + c;
      let v = ((load<f64>(y) - load<f64>(bi)) - bj) + d;
      p += u * v;
      q += u * u;
      r += v * v;
    }
    kl += 2 * p;
    kk += 2 * q;
    ll += 2 * r;
  }
  store<f64>(out, kl);
  store<f64>(out, kk, 8);
  store<f64>(out, ll, 16);
}
