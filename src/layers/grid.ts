/**
 * Comparing every layer of network A with every layer of network B: a grid of pair results
 * (pair.ts), computed on Node worker threads (pool.ts, one engine each) when there is more than
 * one pair and more than one core, else in-process. Validates everything before any work: every
 * layer 2-D, finite, and all layers of both networks over the same samples.
 */
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import { viewMatrix, type ActivationsInput, type MatrixView } from "../matrix.js";
import type { MeasureName } from "../measures/all.js";
import { checkEps } from "../subspace.js";
import { comparePair, type PairResult } from "./pair.js";
import { startPool, type SharedLayer } from "./pool.js";

export interface NamedLayer {
  name: string;
  data: ActivationsInput;
  /** where the layer came from (e.g. "runs/a.npz:fc1.npy"), used in error messages; default the name */
  source?: string;
}

export interface LayersOptions {
  /** eps of the maximum match (default 0.15, 0.2, 0.25, 0.3, 0.5) */
  eps?: readonly number[];
  /** CCA/CKA/shape measures to add (default all; [] for the subspace match only) */
  measures?: MeasureName[];
  /** worker threads (default: the machine's parallelism, at most the number of pairs; 1 = in-process) */
  threads?: number;
  backend?: "wasm" | "js";
  networks?: [string, string];
  /** called after each finished pair */
  onProgress?: (done: number, total: number) => void;
}

export interface LayerSummary {
  name: string;
  samples: number;
  neurons: number;
}

export interface LayersResult {
  networks: [string, string];
  eps: number[];
  layersA: LayerSummary[];
  layersB: LayerSummary[];
  /** pairs[i][j]: layer i of A against layer j of B */
  pairs: PairResult[][];
  /** distinct warnings over all pairs */
  warnings: string[];
  threads: number;
  seconds: number;
}

function availableParallelism(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? 1;
}

function toShared(v: MatrixView): SharedLayer {
  const Buf = typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : ArrayBuffer;
  const buffer = new Buf(8 * v.samples * v.neurons);
  const out = new Float64Array(buffer);
  const { data, rowStride, colStride } = v;
  for (let i = 0, k = 0; i < v.samples; i++) for (let j = 0; j < v.neurons; j++) out[k++] = data[i * rowStride + j * colStride] as number;
  return { buffer, shape: [v.samples, v.neurons], name: v.name };
}

export async function compareLayers(engine: Engine, A: readonly NamedLayer[], B: readonly NamedLayer[], opts: LayersOptions = {}): Promise<LayersResult> {
  const t0 = performance.now();
  if (!Array.isArray(A) || !Array.isArray(B) || A.length === 0 || B.length === 0) {
    fail("badInput", `expected at least one layer per network, got ${Array.isArray(A) ? A.length : "none"} and ${Array.isArray(B) ? B.length : "none"}`);
  }
  const eps = (opts.eps ?? [0.15, 0.2, 0.25, 0.3, 0.5]).map((e) => checkEps(e));
  const va = A.map((l) => viewMatrix(l.data, l.source ?? l.name));
  const vb = B.map((l) => viewMatrix(l.data, l.source ?? l.name));
  const first = va[0]!;
  for (const v of [...va, ...vb]) {
    if (v.samples !== first.samples) {
      fail("sampleCountMismatch", `expected every layer to have the same samples (rows), got ${first.samples} in ${first.name} and ${v.samples} in ${v.name}`, {
        samplesA: first.samples,
        samplesB: v.samples,
      });
    }
  }
  const total = va.length * vb.length;
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), total));
  const pairOpts = { eps, measures: opts.measures, backend: opts.backend };
  const pairs: PairResult[][] = va.map(() => new Array<PairResult>(vb.length));
  let done = 0;
  const finished = () => opts.onProgress?.(++done, total);

  const pool = threads > 1 ? startPool(threads) : null;
  if (pool) {
    try {
      const sa = va.map(toShared);
      const sb = vb.map(toShared);
      await Promise.all(
        va.flatMap((_, i) =>
          vb.map(async (_, j) => {
            pairs[i]![j] = await pool.run(sa[i]!, sb[j]!, pairOpts);
            finished();
          }),
        ),
      );
    } finally {
      await pool.close();
    }
  } else {
    for (let i = 0; i < va.length; i++) {
      for (let j = 0; j < vb.length; j++) {
        const a = va[i]!, b = vb[j]!;
        pairs[i]![j] = comparePair(engine, A[i]!.data as never, B[j]!.data as never, [a.name, b.name], pairOpts);
        finished();
        await Promise.resolve(); // let progress output and other tasks run between pairs
      }
    }
  }
  const warnings = [...new Set(pairs.flat().flatMap((p) => p.warnings.map((w) => w.message)))];
  const summary = (l: NamedLayer, v: MatrixView): LayerSummary => ({ name: l.name, samples: v.samples, neurons: v.neurons });
  return {
    networks: opts.networks ?? ["A", "B"],
    eps,
    layersA: va.map((v, i) => summary(A[i]!, v)),
    layersB: vb.map((v, j) => summary(B[j]!, v)),
    pairs,
    warnings,
    threads: pool ? threads : 1,
    seconds: (performance.now() - t0) / 1000,
  };
}
