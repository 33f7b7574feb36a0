/**
 * Neuron activation subspace match (Wang, Hu, Gu, Wu, Hu, He, Hopcroft, "Towards Understanding
 * Learning Representations: To What Extent Do Different Neural Networks Learn the Same
 * Representation", NeurIPS 2018): the algorithms on top of a backend's PreparedPair.
 *
 *  - maximum match and its similarity (|X*| + |Y*|) / (n_x + n_y)       Algorithm 1, sec. 2.2-2.3
 *  - maxEpsilon = max over live neurons of reldist to the other side's span          sec. 2.3
 *  - minEpsilon: smallest eps whose maximum match has >= k neurons per side (bisection)
 *  - v-minimal match by greedy deletion                                    Algorithm 2, sec. 2.4
 *  - decomposition of the maximum match into simple matches, with the uniqueness certificate
 *    (u is in every match containing v iff v is not in maxMatch(M \ {u})) and the simplicity
 *    certificate (m is simple iff the union over u of maxMatch(m \ {u}) != m)         sec. 2.5
 * Section numbers refer to ../shared/docs/subspace-match.md. Neuron names are "a:I" / "b:J".
 */
import type { PreparedPair } from "./backend.js";
import { MatchDowndater } from "./downdate.js";
import { fail } from "./errors.js";

export interface MaxMatchResult {
  eps: number;
  /** indices of the matched neurons of a, ascending */
  a: number[];
  /** indices of the matched neurons of b, ascending */
  b: number[];
  /** (|a| + |b|) / (na + nb); dead neurons count in the denominator */
  similarity: number;
  deadA: number;
  deadB: number;
  /** smallest |reldist - eps| seen in the pruning run (null when no distance was evaluated) */
  margin: number | null;
  /** pruning rounds, the final unchanged one included */
  rounds: number;
  /**
   * Only for streamed pairs (known by their accumulated Gram matrix alone): distances within the
   * Gram route's error bound of eps, which the exact route could not re-check. 0 means certain.
   */
  uncertain?: number;
}

export interface VMinimalResult {
  eps: number;
  v: string;
  /** null when v is in no match */
  a: number[] | null;
  b: number[] | null;
  margin: number | null;
}

export interface SimpleMatch {
  a: number[];
  b: number[];
  /** the seed neurons whose v-minimal match this is, in discovery order */
  seeds: string[];
  /** simplicity certificate: true iff the match is not the union of its proper sub-matches */
  simple: boolean;
}

export interface SimpleMatchesResult {
  eps: number;
  matches: SimpleMatch[];
  /**
   * true iff every seed's v-minimal match is provably its only one (the greedy result equals the set
   * of neurons that lie in every match containing v); then `matches` lists all simple matches.
   */
  unique: boolean;
  margin: number | null;
}

export interface MinEpsilonResult {
  /** the smallest eps found (upper end of the final bisection bracket); null if no eps works */
  eps: number | null;
  a: number[];
  b: number[];
  /** number of maximum-match runs of the bisection */
  steps: number;
}

/** Checks an epsilon: a finite number in [0, 1). */
export function checkEps(eps: unknown, what = "eps"): number {
  if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0 || eps >= 1) {
    fail("badEpsilon", `expected ${what} to be a number in [0, 1), got ${String(eps)}`);
  }
  return eps;
}

/** Parses "a:3" / "b:0" (also "x:3" / "y:0", the reference's names) into a combined index. */
export function parseNeuron(v: unknown, na: number, nb: number): number {
  const m = typeof v === "string" ? /^([abxy]):(\d+)$/.exec(v) : null;
  if (!m) fail("badNeuron", `expected a neuron name like "a:3" or "b:0", got ${JSON.stringify(v)}`);
  const side = m[1] === "a" || m[1] === "x" ? "a" : "b";
  const k = Number(m[2]);
  const n = side === "a" ? na : nb;
  if (k >= n) fail("badNeuron", `expected a neuron index of ${side} below ${n}, got ${v}`);
  return side === "a" ? k : na + k;
}

function neuronName(k: number, na: number): string {
  return k < na ? `a:${k}` : `b:${k - na}`;
}

function split(mask: Uint8Array, na: number): { a: number[]; b: number[] } {
  const a: number[] = [], b: number[] = [];
  for (let k = 0; k < mask.length; k++) if (mask[k]) (k < na ? a : b).push(k < na ? k : k - na);
  return { a, b };
}

function countDead(p: PreparedPair): [number, number] {
  let da = 0, db = 0;
  for (let k = 0; k < p.na + p.nb; k++) if (!p.live[k]) k < p.na ? da++ : db++;
  return [da, db];
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Running minimum of margins over several pruning runs. */
class Margin {
  value = Infinity;
  add(m: number): void {
    if (m < this.value) this.value = m;
  }
  get(): number | null {
    return finiteOrNull(this.value);
  }
}

export function maxMatchOn(p: PreparedPair, eps: number): MaxMatchResult {
  const all = new Uint8Array(p.na + p.nb).fill(1);
  const r = p.maxMatch(all, eps);
  const { a, b } = split(r.match, p.na);
  const [deadA, deadB] = countDead(p);
  return {
    eps,
    a,
    b,
    similarity: (a.length + b.length) / (p.na + p.nb),
    deadA,
    deadB,
    margin: finiteOrNull(r.margin),
    rounds: r.rounds,
    ...(r.uncertain > 0 ? { uncertain: r.uncertain } : {}),
  };
}

export function maxEpsilonOn(p: PreparedPair): number {
  const [deadA, deadB] = countDead(p);
  if (deadA === p.na || deadB === p.nb) return 0;
  const dist = p.crossDistances();
  let m = 0;
  for (const v of dist) if (v > m) m = v;
  return m;
}

/**
 * Bisection for the smallest eps in [lo, hi] whose maximum match has at least `minSize` neurons on
 * each side, to within `tol`. Monotonicity (eps1 <= eps2 implies maxmatch(eps1) within
 * maxmatch(eps2)) lets every step search only inside the best match found so far.
 */
export function minEpsilonOn(p: PreparedPair, minSize: number, tol: number, lo: number, hi: number): MinEpsilonResult {
  const n = p.na + p.nb;
  const ok = (mask: Uint8Array): boolean => {
    let ca = 0, cb = 0;
    for (let k = 0; k < n; k++) if (mask[k]) k < p.na ? ca++ : cb++;
    return Math.min(ca, cb) >= minSize;
  };
  let best = p.maxMatch(new Uint8Array(n).fill(1), hi).match;
  let steps = 1;
  if (!ok(best)) return { eps: null, a: [], b: [], steps };
  while (hi - lo > tol) {
    const mid = 0.5 * (lo + hi);
    const cand = p.maxMatch(best, mid).match;
    steps++;
    if (ok(cand)) {
      hi = mid;
      best = cand;
    } else lo = mid;
  }
  return { eps: hi, ...split(best, p.na), steps };
}

/**
 * Algorithm 2: greedy deletion from the maximum match inside `start`, in the order a ascending then
 * b ascending. Returns the v-minimal match mask, or null if v is in no match inside `start`.
 */
function vMinimalMask(p: PreparedPair, eps: number, v: number, start: Uint8Array, margin: Margin): Uint8Array | null {
  const first = p.maxMatch(start, eps);
  margin.add(first.margin);
  let M = first.match;
  if (!M[v]) return null;
  const order: number[] = [];
  for (let k = 0; k < M.length; k++) if (M[k] && k !== v) order.push(k);
  for (const u of order) {
    if (!M[u]) continue;
    const cand = M.slice();
    cand[u] = 0;
    const r = p.maxMatch(cand, eps);
    margin.add(r.margin);
    if (r.match[v]) M = r.match;
  }
  return M;
}

export function vMinimalOn(p: PreparedPair, eps: number, v: string): VMinimalResult {
  const k = parseNeuron(v, p.na, p.nb);
  const margin = new Margin();
  const mask = vMinimalMask(p, eps, k, new Uint8Array(p.na + p.nb).fill(1), margin);
  const name = neuronName(k, p.na);
  if (!mask) return { eps, v: name, a: null, b: null, margin: margin.get() };
  return { eps, v: name, ...split(mask, p.na), margin: margin.get() };
}

/** Simplicity certificate: m is simple iff the union over u in m of maxMatch(m \ {u}) != m. */
function isSimple(p: PreparedPair, eps: number, m: Uint8Array): boolean {
  const union = new Uint8Array(m.length);
  let size = 0;
  for (let k = 0; k < m.length; k++) {
    if (!m[k]) continue;
    size++;
    const cand = m.slice();
    cand[k] = 0;
    const r = p.maxMatch(cand, eps).match;
    for (let j = 0; j < m.length; j++) union[j] = union[j]! | r[j]!;
  }
  if (size === 0) return false;
  for (let k = 0; k < m.length; k++) if (union[k] !== m[k]) return true;
  return false;
}

/**
 * A v-minimal match inside the known match `start` (which contains v) by group testing: try to
 * remove a whole group G of candidates at once, M <- maxMatch(M \ G) when v survives; when it does
 * not, split G in halves and try each; a single neuron whose removal loses v is necessary and stays.
 * A neuron found necessary stays necessary as M shrinks (maxmatch is monotone under inclusion), so
 * the result is v-minimal. Costs O(s log(|M| / s)) maximum matches for a result of size s, against
 * |M| for one-at-a-time deletion. Where the v-minimal match is unique it equals Algorithm 2's.
 */
function vMinimalGrouped(p: PreparedPair, eps: number, v: number, start: Uint8Array, margin: Margin): Uint8Array {
  let M = start;
  const cand: number[] = [];
  for (let k = 0; k < M.length; k++) if (M[k] && k !== v) cand.push(k);
  const stack: number[][] = [cand];
  while (stack.length > 0) {
    const G = stack.pop()!.filter((u) => M[u]);
    if (G.length === 0) continue;
    const trial = M.slice();
    for (const u of G) trial[u] = 0;
    const r = p.maxMatch(trial, eps);
    margin.add(r.margin);
    if (r.match[v]) M = r.match;
    else if (G.length > 1) {
      const h = G.length >> 1;
      stack.push(G.slice(h), G.slice(0, h)); // the first half is tried next
    }
  }
  return M;
}

export type DecompositionStrategy = "greedy" | "grouped";

export interface SimpleMatchesOptions {
  /** run the simplicity certificate on every match found (default true) */
  certify?: boolean;
  /**
   * "greedy": Algorithm 2 from the maximum match for every seed, the reference's procedure (its
   * margin covers exactly the reference's pruning runs). "grouped": each seed's search starts
   * from the smallest match found so far that contains it and removes candidates in groups; the
   * same matches wherever v-minimal matches are unique (certified), and where a seed's is not,
   * Algorithm 2's deterministic-order result is computed for it. Default: grouped when the
   * maximum match has more than 64 neurons.
   */
  strategy?: DecompositionStrategy;
}

export function simpleMatchesOn(p: PreparedPair, eps: number, opts: SimpleMatchesOptions = {}): SimpleMatchesResult {
  const n = p.na + p.nb;
  const margin = new Margin();
  const top = p.maxMatch(new Uint8Array(n).fill(1), eps);
  margin.add(top.margin);
  const M = top.match;
  const members: number[] = [];
  for (let k = 0; k < n; k++) if (M[k]) members.push(k);
  const strategy = opts.strategy ?? (members.length > 64 ? "grouped" : "greedy");
  if (strategy !== "greedy" && strategy !== "grouped") fail("badOption", `expected strategy "greedy" or "grouped", got ${JSON.stringify(strategy)}`);

  // Uniqueness certificate: K[u] = maxMatch(M \ {u}); u is in every match containing v iff !K[u][v].
  // The grouped strategy downdates from M's factorisations where that is certain (downdate.ts).
  const K = new Map<number, Uint8Array>();
  const down = strategy === "grouped" ? MatchDowndater.create(p, M) : null;
  for (const u of members) {
    let r: { match: Uint8Array; margin: number } | null = down ? down.withoutNeuron(u, eps) : null;
    if (!r) {
      const cand = M.slice();
      cand[u] = 0;
      r = p.maxMatch(cand, eps);
    }
    margin.add(r.margin);
    K.set(u, r.match);
  }
  // N(v) = v plus every u that lies in all matches containing v; a v-minimal match equal to N(v)
  // is the only one (and then every search order finds it)
  const isForcedSet = (v: number, mask: Uint8Array) => members.every((u) => (u === v || !K.get(u)![v]) === (mask[u] === 1));

  const found: { mask: Uint8Array; size: number; seeds: string[] }[] = [];
  const byKey = new Map<string, number>();
  let unique = true;
  for (const v of members) {
    let mask: Uint8Array;
    if (strategy === "grouped") {
      let start = M;
      let best = members.length + 1;
      for (const f of found) if (f.mask[v] && f.size < best) [start, best] = [f.mask, f.size];
      mask = vMinimalGrouped(p, eps, v, start, margin);
      if (!isForcedSet(v, mask)) mask = vMinimalMask(p, eps, v, M, margin)!;
    } else mask = vMinimalMask(p, eps, v, M, margin)!;
    if (!isForcedSet(v, mask)) unique = false;
    const key = members.filter((k) => mask[k]).join(",");
    const at = byKey.get(key);
    if (at !== undefined) found[at]!.seeds.push(neuronName(v, p.na));
    else {
      byKey.set(key, found.length);
      found.push({ mask, size: key.split(",").length, seeds: [neuronName(v, p.na)] });
    }
  }
  const matches = found.map((f) => ({
    ...split(f.mask, p.na),
    seeds: f.seeds,
    simple: opts.certify ?? true ? isSimple(p, eps, f.mask) : true,
  }));
  return { eps, matches, unique: members.length > 0 ? unique : true, margin: margin.get() };
}
