/**
 * Streaming input for the subspace match: batches of samples (row blocks of both layers, the same
 * rows on each side) are accumulated into the Gram matrix G = Z^T Z of [A B] (docs/subspace-match.md
 * sec. 6), so the number of samples is unlimited and memory is O(n^2), n = neurons of both sides.
 * The pair is then known by its cosine Gram alone: the pruning works as usual, but there is no data
 * for the exact route, so decisions it would have re-checked (distances within the Gram route's
 * error bound of eps, rank-deficient spans) are decided by the Gram value and counted in
 * `uncertain`. With float64 accumulation that matters only for near-threshold neurons or
 * relative distances below ~1e-7.
 */
import type { PreparedPair } from "./backend.js";
import { fail, RepmatchError } from "./errors.js";
import { jsPair, liveMask } from "./js/backend.js";
import { syrk } from "./js/blas.js";
import { copyColumns, type MatrixView } from "./matrix.js";
import { DEAD_NORM } from "./tolerances.js";
import { bindPair } from "./wasm/backend.js";
import { copyIn } from "./wasm/copy.js";
import type { WasmCore } from "./wasm/instance.js";

/** Largest neurons per side a streamed pair may have (its Gram and workspace fit in 4 GiB). */
export const MAX_STREAM_NEURONS = 8192;

export interface GramSink {
  /** samples added so far */
  readonly samples: number;
  add(a: MatrixView, b: MatrixView): void;
  /** the pair over the accumulated Gram (owns the sink's memory from now on) */
  finish(): PreparedPair;
  /** frees everything (when the stream fails) */
  abort(): void;
}

function checkSize(na: number, nb: number): void {
  if (na > MAX_STREAM_NEURONS || nb > MAX_STREAM_NEURONS) {
    fail("tooLarge", `expected at most ${MAX_STREAM_NEURONS} neurons per side for a streamed comparison (the Gram matrix and work space must fit in 4 GiB), got ${na} + ${nb}`);
  }
}

/** cosine Gram from an accumulated Gram, in place; returns the column norms */
function cosineInPlace(G: Float64Array, n: number): Float64Array {
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) norms[j] = Math.sqrt(Math.max(G[j * n + j]!, 0));
  const inv = norms.map((v) => (v > DEAD_NORM ? 1 / v : 0));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G[i * n + j] = G[i * n + j]! * inv[i]! * inv[j]!;
  return norms;
}

export function jsSink(na: number, nb: number): GramSink {
  checkSize(na, nb);
  const n = na + nb;
  const G = new Float64Array(n * n);
  let samples = 0;
  return {
    get samples() {
      return samples;
    },
    add(a, b) {
      const d = a.samples;
      const Z = new Float64Array(d * n);
      copyColumns(a, Z, 0, d);
      copyColumns(b, Z, na * d, d);
      const Gb = new Float64Array(n * n);
      syrk(Z, d, d, n, Gb);
      for (let k = 0; k < n * n; k++) G[k] = G[k]! + Gb[k]!;
      samples += d;
    },
    finish() {
      const live = liveMask(cosineInPlace(G, n));
      return jsPair(G, null, live, samples, na, nb);
    },
    abort() {},
  };
}

export function wasmSink(core: WasmCore, na: number, nb: number): GramSink {
  checkSize(na, nb);
  const n = na + nb;
  const need = 8 * n * n + core.exports.workspaceBytes(0, na, nb) + 64 * n + 4096;
  if (!core.fits(need)) fail("tooLarge", `expected a streamed pair that fits in 4 GiB of WebAssembly memory, got ${na} + ${nb} neurons needing ${(need / 2 ** 30).toFixed(2)} GiB`);
  const mark = core.mark();
  const G = core.alloc(8 * n * n);
  core.f64(G, n * n).fill(0);
  let samples = 0;
  let done = false;
  return {
    get samples() {
      return samples;
    },
    add(a, b) {
      const d = a.samples;
      if (!core.fits(8 * d * n * 2)) fail("tooLarge", `expected a batch that fits beside the Gram matrix in 4 GiB of WebAssembly memory, got ${d} rows x ${n} neurons; use smaller batches`);
      const top = core.mark();
      try {
        const Z = core.alloc(8 * d * n);
        copyIn(core, a, Z, d);
        copyIn(core, b, Z + 8 * na * d, d);
        core.gram(Z, d, n, G, true);
      } finally {
        core.reset(top);
      }
      samples += d;
    },
    finish() {
      const norms = core.alloc(8 * n);
      (core.exports as unknown as { cosineFromGram(G: number, n: number, norms: number, dead: number): void }).cosineFromGram(G, n, norms, DEAD_NORM);
      const live = liveMask(core.f64(norms, n));
      done = true;
      return bindPair(core, mark, G, 0, live, samples, na, nb);
    },
    abort() {
      if (!done) core.reset(mark);
      done = true;
    },
  };
}

export type Batch<A> = readonly [A, A];

/** Checks that every batch has the first batch's neuron counts. */
export function checkBatchShape(a: MatrixView, b: MatrixView, na: number, nb: number, index: number): void {
  if (a.neurons !== na || b.neurons !== nb) {
    throw new RepmatchError("badShape", `batch ${index}: expected ${na} + ${nb} neurons like the first batch, got ${a.neurons} + ${b.neurons}`);
  }
}
