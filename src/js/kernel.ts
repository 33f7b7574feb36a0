/**
 * The pure-TypeScript twin of assembly/kernel.ts (the n x n part of CKA), same algorithms and
 * conventions: symmetric n x n matrices are column-major Float64Arrays (row stride n) of which only
 * the UPPER triangle, entries (i, j) with i <= j, is read or written.
 *
 *  - distanceMedian: numpy's median of the n^2 entries of a squared-distance matrix (zero diagonal,
 *    entries >= +0) from two neighbouring order statistics of the n(n-1)/2 strict-upper values
 *    (the n^2 entries are the n diagonal zeros and each upper value twice): a systematic sample
 *    brackets them, one pass gathers the values inside the bracket, radix selection (four passes
 *    of 16-bit digits over the IEEE bit patterns, read through a Uint32Array view) picks them out;
 *    radix selection over the whole triangle when the bracket misses or overflows.
 *  - expUpper: K(i, j) = exp(s K(i, j)), i <= j.
 *  - centreKernel: HKH in place (Kc = K - r_i - r_j + t, r = K 1 / n, t = mean r; Gretton et al.
 *    2005) with diag(Kc), Kc 1 and <Kc, Kc>; the U-centred products of debiased CKA follow from
 *    these in O(n) (see assembly/kernel.ts).
 *  - symmetricDot: <A, B> = 2 sum_{i<j} A_ij B_ij + sum_i A_ii B_ii.
 *  - uCentredDots: the three products of two U-centred kernels, U-centring on the fly.
 */

const BINS = 65536;
/** Sample size of the bracket (and the count below which all values are gathered). */
const SAMPLE = 65536;
/** Half-width of the bracket in sample ranks. */
const MARGIN = 528;

function littleEndian(): boolean {
  return new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;
}
const HI = littleEndian() ? 1 : 0;
const LO = 1 - HI;

/** Capacity of the candidate buffer for an n x n matrix (as assembly/kernel.ts). */
function candidateCapacity(m: number): number {
  if (m <= SAMPLE) return Math.max(m, 1);
  return Math.min(m, (Math.floor(m / SAMPLE) + 1) * (2 * MARGIN + 8) * 2 + 1024);
}

/** The value's radix digits counted in one pass over the words [from, to) (value k at words 2k, 2k + 1). */
function countRun(w: Uint32Array, from: number, to: number, pass: number, p0: number, hiPrefix: number, p2: number, hist: Uint32Array): void {
  if (pass === 0) {
    for (let k = from + HI; k < to; k += 2) hist[(w[k] as number) >>> 16]++;
  } else if (pass === 1) {
    for (let k = from + HI; k < to; k += 2) {
      const h = w[k] as number;
      if (h >>> 16 === p0) hist[h & 0xffff]++;
    }
  } else if (pass === 2) {
    for (let k = from; k < to; k += 2) if (w[k + HI] === hiPrefix) hist[(w[k + LO] as number) >>> 16]++;
  } else {
    for (let k = from; k < to; k += 2) {
      if (w[k + HI] === hiPrefix) {
        const l = w[k + LO] as number;
        if (l >>> 16 === p2) hist[l & 0xffff]++;
      }
    }
  }
}

/**
 * The u-th smallest (0-based) of the strict-upper values of the n x n matrix D (n > 0) or of the
 * first len values of D (n = 0), by four radix passes of 16-bit digits; with how many values are
 * <= it.
 */
function radixSelect(D: Float64Array, n: number, len: number, u: number, hist: Uint32Array): { value: number; atMost: number } {
  const w = new Uint32Array(D.buffer, D.byteOffset, 2 * D.length);
  let rank = u;
  let last = 0;
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
  for (let pass = 0; pass < 4; pass++) {
    hist.fill(0);
    const hiPrefix = ((p0 << 16) | p1) >>> 0;
    if (n > 0) for (let j = 1; j < n; j++) countRun(w, 2 * j * n, 2 * (j * n + j), pass, p0, hiPrefix, p2, hist);
    else countRun(w, 0, 2 * len, pass, p0, hiPrefix, p2, hist);
    let below = 0, d = 0;
    while (d < BINS - 1) {
      const c = hist[d] as number;
      if (below + c > rank) break;
      below += c;
      d++;
    }
    rank -= below;
    last = hist[d] as number;
    if (pass === 0) p0 = d;
    else if (pass === 1) p1 = d;
    else if (pass === 2) p2 = d;
    else p3 = d;
  }
  const bits = new Uint32Array(2);
  bits[HI] = ((p0 << 16) | p1) >>> 0;
  bits[LO] = ((p2 << 16) | p3) >>> 0;
  return { value: new Float64Array(bits.buffer)[0] as number, atMost: u - rank + last };
}

function upperNextAbove(D: Float64Array, n: number, v: number): number {
  let best = Infinity;
  for (let j = 1; j < n; j++) {
    const o = j * n;
    for (let k = o; k < o + j; k++) {
      const a = D[k] as number;
      if (a > v && a < best) best = a;
    }
  }
  return best;
}

/** The u-th and (u+1)-th smallest strict-upper values (u + 1 < m): sample bracket, one pass, radix fallback. */
function upperPair(D: Float64Array, n: number, u: number, hist: Uint32Array): [number, number] {
  const m = (n * (n - 1)) / 2;
  const cap = candidateCapacity(m);
  const cand = new Float64Array(cap);
  const pairIn = (a: Float64Array, len: number, k: number): [number, number] => {
    const lo = radixSelect(a, 0, len, k, hist);
    return [lo.value, lo.atMost > k + 1 ? lo.value : radixSelect(a, 0, len, k + 1, hist).value];
  };
  if (m <= SAMPLE) {
    let c = 0;
    for (let j = 1; j < n; j++) {
      cand.set(D.subarray(j * n, j * n + j), c);
      c += j;
    }
    return pairIn(cand, m, u);
  }
  const stride = Math.floor(m / SAMPLE);
  const sample = new Float64Array(SAMPLE);
  let taken = 0, next = 0, start = 0;
  for (let j = 1; j < n && taken < SAMPLE; j++) {
    while (next < start + j && taken < SAMPLE) {
      sample[taken++] = D[j * n + next - start] as number;
      next += stride;
    }
    start += j;
  }
  const rlo = Math.max(0, Math.floor((u * taken) / m) - MARGIN);
  const rhi = Math.min(taken - 1, Math.floor(((u + 1) * taken) / m) + 1 + MARGIN);
  const lo = radixSelect(sample, 0, taken, rlo, hist).value;
  const hi = radixSelect(sample, 0, taken, rhi, hist).value;
  let below = 0, got = 0;
  for (let j = 1; j < n; j++) {
    const o = j * n;
    for (let k = o; k < o + j; k++) {
      const a = D[k] as number;
      if (a < lo) below++;
      else if (a <= hi) {
        if (got < cap) cand[got] = a;
        got++;
      }
    }
  }
  if (got <= cap && below <= u && u + 1 < below + got) return pairIn(cand, got, u - below);
  const low = radixSelect(D, n, 0, u, hist);
  return [low.value, low.atMost > u + 1 ? low.value : upperNextAbove(D, n, low.value)];
}

/** numpy's median of the n^2 entries of the symmetric squared-distance matrix D (upper triangle read). */
export function distanceMedian(D: Float64Array, n: number): number {
  if (n <= 1) return 0;
  const hist = new Uint32Array(BINS);
  const total = n * n;
  const t2 = Math.floor(total / 2);
  const t1 = total % 2 ? t2 : t2 - 1;
  if (t2 < n) return 0;
  const u = Math.floor((Math.max(t1, n) - n) / 2);
  const m = (n * (n - 1)) / 2;
  let low: number, high: number;
  if (u + 1 < m) [low, high] = upperPair(D, n, u, hist);
  else low = high = radixSelect(D, n, 0, u, hist).value;
  const a = t1 < n ? 0 : low;
  const b = Math.floor((t2 - n) / 2) === u ? low : high;
  return total % 2 ? b : (a + b) / 2;
}

/** K(i, j) = exp(s K(i, j)) for i <= j, in place. */
export function expUpper(K: Float64Array, n: number, s: number): void {
  for (let j = 0; j < n; j++) {
    const o = j * n;
    for (let k = o; k <= o + j; k++) K[k] = Math.exp((K[k] as number) * s);
  }
}

/** K <- HKH in place (upper triangle); diag and rows receive diag(HKH) and HKH 1; returns <HKH, HKH>. */
export function centreKernel(K: Float64Array, n: number, diag: Float64Array, rows: Float64Array): number {
  const r = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const o = j * n;
    let s = 0;
    for (let i = 0; i < j; i++) {
      const v = K[o + i] as number;
      s += v;
      r[i] = (r[i] as number) + v;
    }
    r[j] = (r[j] as number) + s + (K[o + j] as number);
  }
  let t = 0;
  for (let i = 0; i < n; i++) {
    const v = (r[i] as number) / n;
    r[i] = v;
    t += v;
  }
  t /= n;
  rows.fill(0);
  let self = 0;
  for (let j = 0; j < n; j++) {
    const o = j * n;
    const rj = r[j] as number;
    let c = 0, q = 0;
    for (let i = 0; i < j; i++) {
      const v = ((K[o + i] as number) - (r[i] as number) - rj) + t;
      K[o + i] = v;
      c += v;
      q += v * v;
      rows[i] = (rows[i] as number) + v;
    }
    const d = ((K[o + j] as number) - rj - rj) + t;
    K[o + j] = d;
    diag[j] = d;
    rows[j] = (rows[j] as number) + c + d;
    self += 2 * q + d * d;
  }
  return self;
}

/** <A, B>_F of two symmetric n x n matrices from their upper triangles. */
export function symmetricDot(A: Float64Array, B: Float64Array, n: number): number {
  let total = 0;
  for (let j = 0; j < n; j++) {
    const o = j * n;
    let s = 0;
    for (let k = o; k < o + j; k++) s += (A[k] as number) * (B[k] as number);
    total += 2 * s + (A[o + j] as number) * (B[o + j] as number);
  }
  return total;
}

/**
 * <Ku, Lu>, <Ku, Ku>, <Lu, Lu> over i != j for Ku(i, j) = K(i, j) - a_i - a_j + c and Lu(i, j) =
 * L(i, j) - b_i - b_j + d (U-centring on the fly; upper triangles read).
 */
export function uCentredDots(K: Float64Array, L: Float64Array, n: number, a: Float64Array, c: number, b: Float64Array, d: number): [number, number, number] {
  let kl = 0, kk = 0, ll = 0;
  for (let j = 1; j < n; j++) {
    const o = j * n;
    const aj = a[j] as number, bj = b[j] as number;
    let p = 0, q = 0, r = 0;
    for (let i = 0; i < j; i++) {
      const u = ((K[o + i] as number) - (a[i] as number) - aj) + c;
      const v = ((L[o + i] as number) - (b[i] as number) - bj) + d;
      p += u * v;
      q += u * u;
      r += v * v;
    }
    kl += 2 * p;
    kk += 2 * q;
    ll += 2 * r;
  }
  return [kl, kk, ll];
}
