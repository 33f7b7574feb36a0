/**
 * The engine: one WASM instance (or the pure-TS backend) behind the public API. Create it once,
 * asynchronously with `createEngine()` (browsers' main threads reject large synchronous compiles)
 * or synchronously with `createEngineSync()` (Node, workers). Every method validates its inputs,
 * copies them once into the backend, computes, and releases the memory before returning, also on
 * error; a trap inside WASM rebuilds the instance so the next call starts clean.
 */
import type { Backend, BackendName, PreparedPair } from "./backend.js";
import { planConvStream, sampleConvPair, type ConvInput, type ConvLayout } from "./conv.js";
import { fail, RepmatchError } from "./errors.js";
import { jsBackend } from "./js/backend.js";
import { jsLinalg } from "./js/linalg.js";
import type { Linalg } from "./linalg/types.js";
import { viewMatrix, viewPair, type ActivationsInput, type MatrixView } from "./matrix.js";
import { measuresOn, warmSide, type MeasuresOptions, type MeasuresValues } from "./measures/all.js";
import { ccaOn, type CcaOptions, type CcaResult } from "./measures/cca.js";
import { ckaOn, type CkaOptions, type CkaResult } from "./measures/cka.js";
import { Report } from "./measures/common.js";
import { Pair, Side } from "./measures/context.js";
import { pathOn, type PathOptions, type PathResult } from "./measures/path.js";
import { pwccaOn, type PwccaOptions, type PwccaResult } from "./measures/pwcca.js";
import { procrustesOn, type ProcrustesOptions, type ProcrustesResult } from "./measures/shape.js";
import { svccaOn, type SvccaOptions, type SvccaResult } from "./measures/svcca.js";
import {
  checkEps,
  maxEpsilonOn,
  maxMatchOn,
  minEpsilonOn,
  simpleMatchesOn,
  vMinimalOn,
  type MaxMatchResult,
  type MinEpsilonResult,
  type SimpleMatchesOptions,
  type SimpleMatchesResult,
  type VMinimalResult,
} from "./subspace.js";
import { wasmBackend } from "./wasm/backend.js";
import { WasmCore, type WasmFlavour } from "./wasm/instance.js";
import { wasmLinalg } from "./wasm/linalg.js";
import { pairWarnings, precisionWarning, streamUncertainWarning, type Warning } from "./warnings.js";
import { checkBatchShape, jsSink, wasmSink, type GramSink } from "./stream.js";

export interface EngineOptions {
  /** "auto" (default): WASM SIMD when the runtime has it, else the pure-TS backend. */
  backend?: "auto" | BackendName;
  /** use the relaxed-SIMD (FMA) build where the runtime validates it (default true) */
  relaxedSimd?: boolean;
  /**
   * threads for the Gram product: 2 (default) uses a helper worker thread where Node's
   * worker_threads and shared memory exist; 1 stays on the calling thread. Results are identical.
   */
  threads?: 1 | 2;
}

export interface CallOptions {
  /** run this call on another backend than the engine's default */
  backend?: BackendName;
  /** names of the two inputs in error messages and warnings (default "a", "b") */
  names?: [string, string];
}

/** The authors' epsilons (Wang et al. 2018, scripts/pipeline.sh). */
export const DEFAULT_EPSILONS: readonly number[] = [0.15, 0.2, 0.25, 0.3, 0.5];

export interface PairInfo {
  samples: number;
  neurons: [number, number];
  warnings: Warning[];
}

export interface CurveResult extends PairInfo {
  deadA: number;
  deadB: number;
  maxEpsilon: number;
  points: MaxMatchResult[];
}

/** The `compare` result: the keys of ../shared/fixtures' expected.json for what it computes. */
export interface CompareResult extends PairInfo {
  maxMatch: Omit<MaxMatchResult, "rounds">[];
  maxEpsilon: number;
}

export interface ConvOptions extends CallOptions {
  eps: number | readonly number[];
  layout: ConvLayout;
  /** number of draws (authors: 16) */
  draws?: number;
  /** sampled (image, position) coordinates per draw (authors: 10,000) */
  rows?: number;
  seed?: number;
}

export interface ConvResult {
  layout: ConvLayout;
  channels: [number, number];
  /** image x position coordinates available, and sampled per draw */
  coordinates: number;
  rows: number;
  draws: number;
  seed: number;
  /**
   * per eps: mean and sample standard deviation of the similarity over the draws; `uncertain`
   * (streamed only, when non-zero): decisions over all draws that the Gram route could not
   * re-check exactly without the data (see streamCurve)
   */
  points: { eps: number; mean: number; std: number; perDraw: number[]; uncertain?: number }[];
  /** streamed only: warnings such as streamUncertain */
  warnings?: Warning[];
}

export interface ConvStreamOptions extends ConvOptions {
  /** images in the whole stream (the draws are fixed before the first batch arrives) */
  images: number;
  /** height and width of the feature maps */
  height: number;
  width: number;
}

/** What every result of the CCA / CKA / shape measures carries besides its values. */
export interface MeasureInfo {
  samples: number;
  neurons: [number, number];
  /** valid-but-risky inputs and caveats (ccaDegenerate, pwccaNotUnique, constantInput, undefinedValue) */
  warnings: Warning[];
  /** why a value is NaN (or null), keyed by its field path, e.g. "cka.linearDebiased" (only when some is) */
  notes?: Record<string, string>;
}

/** Options of measuresGrid: the measures' options, the backend, and the inputs' names. */
export interface GridOptions extends MeasuresOptions {
  backend?: BackendName;
  /** names of the first list's inputs (default "a0", "a1", ...) */
  namesA?: readonly string[];
  /** names of the second list's inputs (default "b0", "b1", ...; the first list's when it is omitted) */
  namesB?: readonly string[];
}

/** One cell of measuresGrid: the measures of a pair, with the pair's warnings and notes. */
export type GridCell = MeasuresValues & Pick<MeasureInfo, "warnings" | "notes">;

export interface GridInfo {
  samples: number;
  a: { name: string; neurons: number }[];
  b: { name: string; neurons: number }[];
  /** cells[i][j]: a[i] against b[j] (the same values as measures(a[i], b[j])) */
  cells: GridCell[][];
}

export interface PathCallOptions extends PathOptions {
  backend?: BackendName;
  /** names of the layers in error messages (default "layer0", "layer1", ...) */
  names?: readonly string[];
}

/** The `path` result: the keys of the path fixtures' expected.json (`samples`, `widths`, `space`). */
export interface PathInfo extends PathResult {
  warnings: Warning[];
  notes?: Record<string, string>;
}

/**
 * The Linalg (src/linalg/types.ts) a backend's measures run on: the pure-TS one for "js", the WASM
 * core's (src/wasm/linalg.ts) for "wasm". The one place that maps backends to linear algebra.
 */
export function linalgFor(name: BackendName, core: WasmCore | null): Linalg {
  if (name === "wasm") {
    if (!core) fail("wasmUnavailable", `expected the wasm backend to be available, got a runtime without WebAssembly SIMD`);
    return wasmLinalg(core);
  }
  return jsLinalg;
}

export class Engine {
  /** the default backend of this engine */
  readonly backend: BackendName;
  /** which WASM build runs (null for a JS-only engine) */
  readonly wasmFlavour: WasmFlavour | null;
  /** threads the WASM Gram product may use (1 or 2; 0 for a JS-only engine) */
  readonly threads: number;
  private readonly core: WasmCore | null;
  private readonly backends: Partial<Record<BackendName, Backend>>;
  private readonly linalgs: Partial<Record<BackendName, Linalg>> = {};

  /** @internal use createEngine / createEngineSync */
  constructor(core: WasmCore | null, preferred: BackendName) {
    this.core = core;
    this.wasmFlavour = core ? core.flavour : null;
    this.threads = core ? core.threads : 0;
    this.backends = { js: jsBackend };
    if (core) this.backends.wasm = wasmBackend(core);
    this.backend = preferred;
  }

  /** Stops the helper thread (if any). The engine stays usable, on one thread. */
  close(): void {
    this.core?.close();
  }

  /**
   * Bytes in use in the WASM arena now (0 between calls), the most ever used, the size of linear
   * memory, and how many Gram products ran on two threads (all 0 for a JS engine).
   */
  stats(): { arenaBytes: number; peakArenaBytes: number; memoryBytes: number; parallelGrams: number } {
    return {
      arenaBytes: this.core ? this.core.used : 0,
      peakArenaBytes: this.core ? this.core.peak : 0,
      memoryBytes: this.core ? this.core.memoryBytes : 0,
      parallelGrams: this.core ? this.core.parallelGrams : 0,
    };
  }

  private pick(name?: BackendName): Backend {
    const n = name ?? this.backend;
    if (n !== "wasm" && n !== "js") fail("badOption", `expected backend "wasm" or "js", got ${JSON.stringify(n)}`);
    const b = this.backends[n];
    if (!b) fail("wasmUnavailable", `expected the wasm backend to be available, got a runtime without WebAssembly SIMD`);
    return b;
  }

  /**
   * Runs fn on the prepared pair and always releases it. A WebAssembly trap (RuntimeError) rebuilds
   * the instance and is reported as an engineFailure.
   */
  private run<T>(views: [MatrixView, MatrixView], opts: CallOptions | undefined, fn: (p: PreparedPair) => T): T {
    const backend = this.pick(opts?.backend);
    const mark = this.core ? this.core.mark() : 0;
    let p: PreparedPair | null = null;
    try {
      p = backend.prepare(views[0], views[1]);
      return fn(p);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError && this.core && backend.name === "wasm") {
        this.core.rebuild();
        p = null;
        throw new RepmatchError("engineFailure", `expected the WASM core to finish, got a trap (${e.message}); the engine was rebuilt`);
      }
      throw e;
    } finally {
      p?.dispose();
      if (this.core) this.core.reset(mark);
    }
  }

  private info(views: [MatrixView, MatrixView], p: PreparedPair): PairInfo {
    return { samples: p.samples, neurons: [p.na, p.nb], warnings: pairWarnings(views[0], views[1], p.live, p.ranks()) };
  }

  /** Maximum eps-approximate match (Algorithm 1) and its similarity. */
  maxMatch(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & { eps: number }): MaxMatchResult & PairInfo {
    const eps = checkEps(opts?.eps);
    const views = viewPair(a, b, opts?.names);
    return this.run(views, opts, (p) => {
      const r = maxMatchOn(p, eps);
      const info = this.info(views, p);
      const w = precisionWarning(views, [r]);
      return { ...info, ...r, warnings: w ? [...info.warnings, w] : info.warnings };
    });
  }

  /** Similarity-vs-eps curve (one maximum match per eps) and maxEpsilon, sharing one Gram product. */
  similarityCurve(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & { eps?: readonly number[] } = {}): CurveResult {
    const eps = checkEpsList(opts.eps ?? DEFAULT_EPSILONS);
    const views = viewPair(a, b, opts?.names);
    return this.run(views, opts, (p) => {
      const points = eps.map((e) => maxMatchOn(p, e));
      const first = points[0] ?? maxMatchOn(p, 0);
      const info = this.info(views, p);
      const w = precisionWarning(views, points);
      if (w) info.warnings.push(w);
      return { ...info, deadA: first.deadA, deadB: first.deadB, maxEpsilon: maxEpsilonOn(p), points };
    });
  }

  /** The smallest eps at which every live neuron is matched (0 if a side has no live neuron). */
  maxEpsilon(a: ActivationsInput, b: ActivationsInput, opts: CallOptions = {}): number {
    const views = viewPair(a, b, opts?.names);
    return this.run(views, opts, (p) => maxEpsilonOn(p));
  }

  /**
   * Smallest eps (to within tol, by bisection on [lo, hi]) whose maximum match has at least
   * minSize neurons on each side; eps null when even hi has none.
   */
  minEpsilon(
    a: ActivationsInput,
    b: ActivationsInput,
    opts: CallOptions & { minSize?: number; tol?: number; lo?: number; hi?: number } = {},
  ): MinEpsilonResult {
    const minSize = opts.minSize ?? 1;
    if (!Number.isSafeInteger(minSize) || minSize < 1) fail("badOption", `expected minSize to be a positive integer, got ${String(minSize)}`);
    const tol = opts.tol ?? 1e-4;
    if (!(typeof tol === "number" && tol > 0 && tol < 1)) fail("badOption", `expected tol in (0, 1), got ${String(tol)}`);
    const lo = checkEps(opts.lo ?? 0, "lo");
    const views = viewPair(a, b, opts?.names);
    return this.run(views, opts, (p) => {
      const hi = opts.hi === undefined ? Math.min(1 - 1e-12, Math.max(maxEpsilonOn(p), lo) + 1e-12) : checkEps(opts.hi, "hi");
      if (hi < lo) fail("badOption", `expected lo <= hi, got lo ${lo} and hi ${hi}`);
      return minEpsilonOn(p, minSize, tol, lo, hi);
    });
  }

  /** The v-minimal match of neuron v ("a:I" or "b:J") by greedy deletion (Algorithm 2). */
  vMinimal(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & { eps: number; v: string }): VMinimalResult {
    const eps = checkEps(opts?.eps);
    const views = viewPair(a, b, opts?.names);
    return this.run(views, opts, (p) => vMinimalOn(p, eps, opts.v));
  }

  /** Decomposition of the maximum match into simple matches, with the certificates. */
  simpleMatches(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & SimpleMatchesOptions & { eps: number }): SimpleMatchesResult {
    const eps = checkEps(opts?.eps);
    const views = viewPair(a, b, opts?.names);
    return this.run(views, opts, (p) => simpleMatchesOn(p, eps, { certify: opts.certify, strategy: opts.strategy }));
  }

  /**
   * The similarity-vs-eps curve of a pair fed as batches of samples (row blocks of both layers,
   * the same rows on each side; an iterable or async iterable), accumulated into their Gram matrix:
   * unlimited samples, memory O(n^2) (up to 8192 neurons per side). Results carry `uncertain`
   * where the exact route would have re-checked a decision (see src/stream.ts).
   */
  async streamCurve(
    batches: Iterable<readonly [ActivationsInput, ActivationsInput]> | AsyncIterable<readonly [ActivationsInput, ActivationsInput]>,
    opts: CallOptions & { eps?: readonly number[] } = {},
  ): Promise<CurveResult> {
    const eps = checkEpsList(opts.eps ?? DEFAULT_EPSILONS);
    const backend = this.pick(opts.backend);
    const names = opts.names ?? ["a", "b"];
    let sink: GramSink | null = null;
    let first: [MatrixView, MatrixView] | null = null;
    let float32 = [false, false];
    let index = 0;
    try {
      for await (const batch of batches as AsyncIterable<readonly [ActivationsInput, ActivationsInput]>) {
        if (!Array.isArray(batch) || batch.length !== 2) fail("badInput", `batch ${index}: expected a pair [a rows, b rows], got ${describeValue(batch)}`);
        const views = viewPair(batch[0], batch[1], [`${names[0]} (batch ${index})`, `${names[1]} (batch ${index})`]);
        if (!first) {
          first = views;
          sink = backend.name === "wasm" ? wasmSink(this.core!, views[0].neurons, views[1].neurons) : jsSink(views[0].neurons, views[1].neurons);
        }
        checkBatchShape(views[0], views[1], first[0].neurons, first[1].neurons, index);
        float32 = [float32[0]! || views[0].float32, float32[1]! || views[1].float32];
        sink!.add(views[0], views[1]);
        index++;
      }
    } catch (e) {
      sink?.abort();
      throw e;
    }
    if (!sink || !first) fail("empty", "expected at least one batch of samples, got none");
    const p = sink.finish();
    try {
      const points = eps.map((e) => maxMatchOn(p, e));
      const stand = (v: MatrixView, name: string, f32: boolean): MatrixView => ({ ...v, name, samples: p.samples, float32: f32 });
      const views: [MatrixView, MatrixView] = [stand(first[0], names[0], float32[0]!), stand(first[1], names[1], float32[1]!)];
      const info = this.info(views, p);
      const w = precisionWarning(views, points);
      if (w) info.warnings.push(w);
      const unsure = streamUncertainWarning(points);
      if (unsure) info.warnings.push(unsure);
      return { ...info, deadA: points[0]?.deadA ?? 0, deadB: points[0]?.deadB ?? 0, maxEpsilon: maxEpsilonOn(p), points };
    } finally {
      p.dispose();
    }
  }

  /** Maximum match at every eps plus maxEpsilon, in the fixtures' schema (see CompareResult). */
  compare(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & { eps?: readonly number[] } = {}): CompareResult {
    const c = this.similarityCurve(a, b, opts);
    return {
      samples: c.samples,
      neurons: c.neurons,
      maxMatch: c.points.map(({ rounds: _r, ...rest }) => rest),
      maxEpsilon: c.maxEpsilon,
      warnings: c.warnings,
    };
  }

  /** The Linalg of a backend, made once per engine. */
  private linalg(name: BackendName): Linalg {
    return (this.linalgs[name] ??= linalgFor(name, this.core));
  }

  /**
   * Runs fn on a backend's Linalg between mark and release, so every matrix of the call is freed
   * before returning, also on error. A WebAssembly trap rebuilds the instance (engineFailure).
   */
  private withLinalg<T>(opts: { backend?: BackendName } | undefined, fn: (la: Linalg) => T): T {
    const backend = this.pick(opts?.backend);
    const la = this.linalg(backend.name);
    const mark = la.mark();
    let trapped = false;
    try {
      return fn(la);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError && this.core && backend.name === "wasm") {
        trapped = true;
        this.core.rebuild();
        delete this.linalgs.wasm; // the next call binds a fresh Linalg to the rebuilt instance
        throw new RepmatchError("engineFailure", `expected the WASM core to finish, got a trap (${e.message}); the engine was rebuilt`);
      }
      throw e;
    } finally {
      if (!trapped) la.release(mark);
    }
  }

  /** Validates and loads a pair, runs fn on it, and adds samples, neurons, warnings and notes. */
  private onPair<T extends object>(a: ActivationsInput, b: ActivationsInput, opts: CallOptions | undefined, fn: (pair: Pair, report: Report) => T): T & MeasureInfo {
    const views = viewPair(a, b, opts?.names);
    return this.withLinalg(opts, (la) => {
      const pair = new Pair(new Side(la, views[0]), new Side(la, views[1]));
      return { samples: pair.n, neurons: [pair.x.p, pair.y.p] as [number, number], ...reported(pair, fn) };
    });
  }

  /**
   * Canonical correlations (exact QR/SVD route; `epsilon` > 0: google's regularised route), their
   * mean and mean square. Warns (ccaDegenerate) when samples <= neurons of a side.
   */
  cca(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & CcaOptions = {}): CcaResult & MeasureInfo {
    return this.onPair(a, b, opts, (pair, report) => ccaOn(pair, opts, report));
  }

  /** SVCCA: 99% of variance per side by default; `keep`, `criterion`, `components`, `epsilon`. */
  svcca(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & SvccaOptions = {}): SvccaResult & MeasureInfo {
    return this.onPair(a, b, opts, (pair, report) => svccaOn(pair, opts, report));
  }

  /** PWCCA, `variant` "paper" (default) or "google"; not symmetric (weights the side with fewer neurons). */
  pwcca(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & PwccaOptions = {}): PwccaResult & MeasureInfo {
    return this.onPair(a, b, opts, (pair, report) => pwccaOn(pair, opts, report));
  }

  /** Linear, debiased and RBF CKA and their arccos forms. */
  cka(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & CkaOptions = {}): CkaResult & MeasureInfo {
    return this.onPair(a, b, opts, (pair, report) => ckaOn(pair, opts, report));
  }

  /** Angular and euclidean Procrustes, the alpha = 0.5 shape metric, and the shape metric at `alpha`. */
  procrustes(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & ProcrustesOptions = {}): ProcrustesResult & MeasureInfo {
    return this.onPair(a, b, opts, (pair, report) => procrustesOn(pair, opts, report));
  }

  /**
   * Every measure of the pair at once (or the `measures` listed), in the fixtures' schema (`cca`,
   * `svcca`, `pwcca` {paper, google}, `cka`, `procrustes`), sharing centring, each side's
   * factorisations and the cross products between them (src/measures/all.ts).
   */
  measures(a: ActivationsInput, b: ActivationsInput, opts: CallOptions & MeasuresOptions = {}): MeasuresValues & MeasureInfo {
    return this.onPair(a, b, opts, (pair, report) => measuresOn(pair, opts, report));
  }

  /**
   * Every measure (or the `measures` listed) of each a[i] against each b[j] (many-vs-one, one-vs-many,
   * all pairs: without `bs`, every pair of `as` including i = j), in one call that centres and
   * factorises each input once (its Gram matrix and eigendecomposition, CholeskyQR2 basis or SVD,
   * SVCCA's reduced basis, row norms) and pairs the cached sides; each pair's own work (cross
   * products, its canonical decomposition, the n x n RBF kernels) is freed after it, so memory is
   * the inputs' factorisations plus one pair. cells[i][j] holds the same values as measures(a[i], b[j]).
   */
  measuresGrid(as: readonly ActivationsInput[], bs?: readonly ActivationsInput[], opts: GridOptions = {}): GridInfo {
    for (const [list, what] of [[as, "as"], [bs ?? [], "bs"]] as const) {
      if (!Array.isArray(list)) fail("badInput", `expected ${what} to be a list of activation matrices, got ${describeValue(list)}`);
    }
    if (as.length === 0 || (bs !== undefined && bs.length === 0)) fail("badInput", "expected at least one input on each side of the grid, got none");
    const viewsA = as.map((x, i) => viewMatrix(x, opts.namesA?.[i] ?? `a${i}`));
    const viewsB = bs ? bs.map((x, j) => viewMatrix(x, opts.namesB?.[j] ?? `b${j}`)) : viewsA;
    const first = viewsA[0] as MatrixView;
    for (const v of [...viewsA, ...viewsB]) {
      if (v.samples !== first.samples) {
        fail("sampleCountMismatch", `expected every input to have the same number of samples (rows), got ${first.samples} in ${first.name} and ${v.samples} in ${v.name}`, {
          samplesA: first.samples,
          samplesB: v.samples,
        });
      }
    }
    return this.withLinalg(opts, (la) => {
      const sa = viewsA.map((v) => new Side(la, v));
      const sb = bs ? viewsB.map((v) => new Side(la, v)) : sa;
      const sides = bs ? [...sa, ...sb] : sa;
      const gramForm = sides.some((s) => s.p > s.n);
      for (const s of sides) warmSide(s, opts, gramForm);
      const cells = sa.map((x) =>
        sb.map((y) => {
          const mark = la.mark();
          try {
            return reported(new Pair(x, y), (pair, report) => measuresOn(pair, opts, report));
          } finally {
            la.release(mark);
          }
        }),
      );
      const info = (s: Side) => ({ name: s.name, neurons: s.p });
      return { samples: first.samples, a: sa.map(info), b: sb.map(info), cells };
    });
  }

  /**
   * Path geometry of consecutive layers (Lange et al. 2022) in the angular-CKA and angular-shape
   * spaces, in the path fixtures' schema. Each layer is centred and factorised once for all pairs.
   */
  path(layers: readonly ActivationsInput[], opts: PathCallOptions = {}): PathInfo {
    if (!Array.isArray(layers)) fail("badInput", `expected a list of layers (activation matrices), got ${describeValue(layers)}`);
    if (layers.length < 2) fail("badInput", `expected at least two layers for a path, got ${layers.length}`);
    const names = layers.map((_, i) => opts.names?.[i] ?? `layer${i}`);
    const views = layers.map((l, i) => viewMatrix(l, names[i]));
    const first = views[0] as MatrixView;
    for (const v of views) {
      if (v.samples !== first.samples) {
        fail("sampleCountMismatch", `expected every layer to have the same number of samples (rows), got ${first.samples} in ${first.name} and ${v.samples} in ${v.name}`, {
          samplesA: first.samples,
          samplesB: v.samples,
        });
      }
    }
    return this.withLinalg(opts, (la) => {
      const report = new Report();
      const r = pathOn(la, views, opts, report);
      const notes = Object.keys(report.notes).length > 0 ? { notes: report.notes } : {};
      return { ...r, warnings: report.finish(), ...notes };
    });
  }

  /**
   * Conv layers as the authors did: one neuron per channel, its vector over (image, position);
   * `draws` random draws of `rows` coordinates (the same for both networks), mean and spread of the
   * similarity per eps.
   */
  convSimilarity(a: ConvInput, b: ConvInput, opts: ConvOptions): ConvResult {
    const { eps, draws, rows, seed } = convSettings(opts);
    const sampler = sampleConvPair(a, b, opts.layout, rows, seed);
    const per = eps.map(() => [] as number[]);
    for (let k = 0; k < draws; k++) {
      const views = sampler.draw();
      this.run(views, opts, (p) => eps.forEach((e, i) => per[i]!.push(maxMatchOn(p, e).similarity)));
    }
    return {
      layout: opts.layout,
      channels: sampler.channels,
      coordinates: sampler.coordinates,
      rows: sampler.rows,
      draws,
      seed,
      points: eps.map((e, i) => ({ eps: e, ...meanStd(per[i]!), perDraw: per[i]! })),
    };
  }

  /**
   * The conv protocol of convSimilarity (the same draws for the same seed) over a stream of image
   * batches: each batch [a, b] holds the next images of both layers (4-D, `layout`), and each
   * draw's sampled rows are accumulated into its own Gram matrix (src/stream.ts), so activations
   * of any size take one pass and memory is one batch plus one (Ca + Cb)^2 Gram per draw. As with
   * streamCurve, decisions the exact route would have re-checked are counted in `uncertain`.
   */
  async streamConvSimilarity(
    batches: Iterable<readonly [ConvInput, ConvInput]> | AsyncIterable<readonly [ConvInput, ConvInput]>,
    opts: ConvStreamOptions,
  ): Promise<ConvResult> {
    const { eps, draws, rows, seed } = convSettings(opts);
    for (const k of ["images", "height", "width"] as const) {
      if (!Number.isSafeInteger(opts[k]) || opts[k] < 1) fail("badOption", `expected ${k} to be a positive integer, got ${String(opts[k])}`);
    }
    if (opts.layout !== "nchw" && opts.layout !== "nhwc") fail("badLayout", `expected layout "nchw" or "nhwc", got ${JSON.stringify(opts.layout)}`);
    const backend = this.pick(opts.backend);
    const plan = planConvStream(opts.images, opts.height, opts.width, opts.layout, rows, draws, seed);
    const sinks: GramSink[] = [];
    const per = eps.map(() => [] as number[]);
    const unsure = eps.map(() => 0);
    try {
      let index = 0;
      for await (const batch of batches as AsyncIterable<readonly [ConvInput, ConvInput]>) {
        if (!Array.isArray(batch) || batch.length !== 2) fail("badInput", `batch ${index}: expected a pair [a images, b images], got ${describeValue(batch)}`);
        const parts = plan.take(batch[0], batch[1], index);
        if (sinks.length === 0) {
          const [ca, cb] = plan.channels!;
          for (let j = 0; j < draws; j++) sinks.push(backend.name === "wasm" ? wasmSink(this.core!, ca, cb) : jsSink(ca, cb));
        }
        parts.forEach((v, j) => v && sinks[j]!.add(v[0], v[1]));
        index++;
      }
      plan.finish();
      // last allocated first: each finished pair frees its arena space, and the sinks below stay intact
      for (let j = draws - 1; j >= 0; j--) {
        const p = sinks[j]!.finish();
        try {
          eps.forEach((e, i) => {
            const r = maxMatchOn(p, e);
            per[i]![j] = r.similarity;
            unsure[i]! += r.uncertain ?? 0;
          });
        } finally {
          p.dispose();
        }
      }
    } finally {
      for (let j = sinks.length - 1; j >= 0; j--) sinks[j]!.abort();
    }
    const points = eps.map((e, i) => ({ eps: e, ...meanStd(per[i]!), perDraw: per[i]!, ...(unsure[i]! > 0 ? { uncertain: unsure[i]! } : {}) }));
    const w = streamUncertainWarning(points);
    return { layout: opts.layout, channels: plan.channels!, coordinates: plan.coordinates, rows: plan.rows, draws, seed, points, warnings: w ? [w] : [] };
  }
}

/** Runs fn on a pair with a fresh report (warning about constant sides first); adds the warnings and notes. */
function reported<T extends object>(pair: Pair, fn: (pair: Pair, report: Report) => T): T & Pick<MeasureInfo, "warnings" | "notes"> {
  const report = new Report();
  for (const side of [pair.x, pair.y]) {
    if (side.constant) report.warn("constantInput", `${side.name}: every column is constant (no variance across samples); CCA coefficients are 0 and the CKA / angular measures involving it are undefined`);
  }
  const values = fn(pair, report);
  const notes = Object.keys(report.notes).length > 0 ? { notes: report.notes } : {};
  return { ...values, warnings: report.finish(), ...notes };
}

function describeValue(x: unknown): string {
  return x === null ? "null" : typeof x;
}

/** The conv protocol's options (both convSimilarity and streamConvSimilarity), validated. */
function convSettings(opts: ConvOptions): { eps: number[]; draws: number; rows: number; seed: number } {
  const eps = checkEpsList(typeof opts?.eps === "number" ? [opts.eps] : (opts?.eps ?? []));
  if (eps.length === 0) fail("badEpsilon", "expected at least one eps, got none");
  const draws = opts.draws ?? 16;
  const rows = opts.rows ?? 10000;
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(draws) || draws < 1) fail("badOption", `expected draws to be a positive integer, got ${String(draws)}`);
  if (!Number.isSafeInteger(rows) || rows < 1) fail("badOption", `expected rows to be a positive integer, got ${String(rows)}`);
  if (!Number.isSafeInteger(seed) || seed < 0) fail("badOption", `expected seed to be a non-negative integer, got ${String(seed)}`);
  return { eps, draws, rows, seed };
}

function meanStd(x: number[]): { mean: number; std: number } {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const v = x.length > 1 ? x.reduce((s, t) => s + (t - mean) ** 2, 0) / (x.length - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

function checkEpsList(eps: readonly number[]): number[] {
  if (!Array.isArray(eps)) fail("badEpsilon", `expected a list of eps values, got ${typeof eps}`);
  return eps.map((e) => checkEps(e));
}

function preferredBackend(opts: EngineOptions | undefined, core: WasmCore | null): BackendName {
  const want = opts?.backend ?? "auto";
  if (want !== "auto" && want !== "wasm" && want !== "js") fail("badOption", `expected backend "auto", "wasm" or "js", got ${JSON.stringify(want)}`);
  if (want === "js") return "js";
  if (!core) {
    if (want === "wasm") fail("wasmUnavailable", "expected a runtime with WebAssembly SIMD for backend 'wasm', got none");
    return "js";
  }
  return "wasm";
}

/** Creates an engine, compiling the WASM core asynchronously. */
export async function createEngine(opts?: EngineOptions): Promise<Engine> {
  let core: WasmCore | null = null;
  if (opts?.backend !== "js") {
    try {
      core = await WasmCore.create({ preferRelaxed: opts?.relaxedSimd ?? true, threads: opts?.threads ?? 2 });
    } catch (e) {
      if (!(e instanceof RepmatchError && e.code === "wasmUnavailable") || opts?.backend === "wasm") throw e;
    }
  }
  return new Engine(core, preferredBackend(opts, core));
}

/** Creates an engine synchronously (Node, workers). */
export function createEngineSync(opts?: EngineOptions): Engine {
  let core: WasmCore | null = null;
  if (opts?.backend !== "js") {
    try {
      core = WasmCore.createSync({ preferRelaxed: opts?.relaxedSimd ?? true, threads: opts?.threads ?? 2 });
    } catch (e) {
      if (!(e instanceof RepmatchError && e.code === "wasmUnavailable") || opts?.backend === "wasm") throw e;
    }
  }
  return new Engine(core, preferredBackend(opts, core));
}
