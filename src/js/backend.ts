/**
 * The pure-TypeScript backend: the same algorithms as the WASM core on plain Float64Arrays. It is
 * the fallback where WebAssembly SIMD is unavailable and the baseline of the benchmarks.
 */
import type { Backend, PreparedPair } from "../backend.js";
import { copyColumns, type MatrixView } from "../matrix.js";
import { DEAD_NORM } from "../tolerances.js";
import { normalizeColumns, syrk } from "./blas.js";
import { JsPruner } from "./prune.js";

export const jsBackend: Backend = {
  name: "js",
  prepare(a: MatrixView, b: MatrixView): PreparedPair {
    const d = a.samples, na = a.neurons, nb = b.neurons, n = na + nb;
    const Zu = new Float64Array(d * n);
    copyColumns(a, Zu, 0, d);
    copyColumns(b, Zu, na * d, d);
    const norms = new Float64Array(n);
    normalizeColumns(Zu, d, d, n, norms, DEAD_NORM);
    const live = liveMask(norms);
    const C = new Float64Array(n * n);
    syrk(Zu, d, d, n, C);
    return jsPair(C, Zu, live, d, na, nb);
  },
};

/** A PreparedPair over the cosine Gram C and the unit columns Zu (null: known only by its Gram). */
export function jsPair(C: Float64Array, Zu: Float64Array | null, live: Uint8Array, d: number, na: number, nb: number): PreparedPair {
  const n = na + nb;
  const pruner = new JsPruner({ d, na, nb, C, Zu, live });
  return {
    samples: d,
    na,
    nb,
    live,
    maxMatch: (cand, eps) => pruner.maxMatch(cand, eps),
    crossDistances: () => crossDistances(live, na, nb, (t, nt, basis, m, out) => pruner.distances(t, nt, basis, m, NaN, out)),
    gram: (idx) => gramBlock(C, n, idx),
    ranks: () => sideRanks(live, na, (idx, m) => pruner.rank(idx, m)),
    dispose: () => {},
  };
}

/** Rank of each side's live neurons by a rank function of an index list. */
export function sideRanks(live: Uint8Array, na: number, rank: (idx: Int32Array, m: number) => number): [number, number] {
  const a: number[] = [], b: number[] = [];
  for (let k = 0; k < live.length; k++) if (live[k]) (k < na ? a : b).push(k);
  return [rank(Int32Array.from(a), a.length), rank(Int32Array.from(b), b.length)];
}

/** C[idx, idx] of the n x n row-major matrix C, row-major. */
export function gramBlock(C: Float64Array, n: number, idx: readonly number[]): Float64Array {
  const m = idx.length;
  const out = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    const row = idx[r]! * n;
    for (let c = 0; c < m; c++) out[r * m + c] = C[row + idx[c]!] as number;
  }
  return out;
}

/** 1 for every column whose norm exceeds DEAD_NORM. */
export function liveMask(norms: Float64Array): Uint8Array {
  return Uint8Array.from(norms, (v) => (v > DEAD_NORM ? 1 : 0));
}

type DistanceFn = (t: Int32Array, nt: number, basis: Int32Array, m: number, out: Float64Array) => void;

/** reldist of every live neuron to the span of all live neurons of the other side (NaN if dead). */
export function crossDistances(live: Uint8Array, na: number, nb: number, dist: DistanceFn): Float64Array {
  const n = na + nb;
  const out = new Float64Array(n).fill(NaN);
  const la = new Int32Array(na), lb = new Int32Array(nb);
  let ka = 0, kb = 0;
  for (let i = 0; i < na; i++) if (live[i]) la[ka++] = i;
  for (let j = na; j < n; j++) if (live[j]) lb[kb++] = j;
  const tmp = new Float64Array(Math.max(ka, kb, 1));
  dist(la, ka, lb, kb, tmp);
  for (let i = 0; i < ka; i++) out[la[i] as number] = tmp[i] as number;
  dist(lb, kb, la, ka, tmp);
  for (let i = 0; i < kb; i++) out[lb[i] as number] = tmp[i] as number;
  return out;
}
