/**
 * The analysis runtime of the page: one engine (createEngine, async compile), the files of the
 * current run parsed with readNpy / readNpz, every layer of A against every layer of B with
 * comparePair (src/layers/pair.ts, the same per-pair computation as `repmatch layers`), one message
 * per finished pair, then each network's path (engine.path) and the whole LayersResult.
 *
 * web/build.mjs bundles this file as a classic script and wraps it in a named function,
 * `repmatchWorkerMain`. Run as a worker (new Worker("worker.js") or a Blob URL of the same text)
 * it answers messages on `self`; loaded with a <script> tag on the page it only publishes
 * `globalThis.__repmatchWorker = { source, start }`: the source text of the whole bundle (for a Blob
 * URL worker under file://, where Chromium refuses file URLs as worker scripts) and `start`, the
 * same runtime for the in-page fallback when no worker can be created.
 */
import { checkCheckpoints, convergence, convergenceCsv, type Checkpoint } from "../src/dynamics/convergence.js";
import { createEngine, type Engine } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import { npyHeader, readNpy } from "../src/io/npy.js";
import { readNpz } from "../src/io/npz.js";
import type { LayersResult } from "../src/layers/grid.js";
import { comparePair, type PairResult } from "../src/layers/pair.js";
import { viewMatrix, type MatrixInput, type MatrixView } from "../src/matrix.js";
import type { MeasuresValues } from "../src/measures/all.js";
import type { PathGeometry } from "../src/report/types.js";
import { detectWasm } from "../src/wasm/instance.js";
import type { Warning } from "../src/warnings.js";
import {
  MAX_DATA_BYTES,
  MAX_FILE_BYTES,
  RBF_MAX_SAMPLES,
  SIMPLE_MAX_NEURONS,
  type ConvergenceRequest,
  type ErrorInfo,
  type FileSpec,
  type LayerEntry,
  type PageMessage,
  type WorkerMessage,
} from "./protocol.js";

/** The function web/build.mjs wraps the bundle in (its source text is the whole worker). */
declare const repmatchWorkerMain: () => void;

type Post = (msg: WorkerMessage, transfer?: Transferable[]) => void;

interface Layer {
  name: string;
  source: string;
  data: MatrixInput;
  view: MatrixView;
}

function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof RepmatchError) return { code: e.code, message: e.message };
  const err = e as { name?: string; message?: string } | null;
  const name = err?.name ?? "";
  const message = err?.message ?? String(e);
  if (name === "RangeError" || name === "NotReadableError" || /allocation|out of memory|array buffer/i.test(message)) {
    return {
      code: "tooLarge",
      message: `expected the data to fit in this browser tab's memory, got an allocation failure (${message}); use fewer samples or layers, or the repmatch command line`,
    };
  }
  return { code: "internal", message: `${name ? name + ": " : ""}${message}` };
}

function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}

function stem(name: string): string {
  return name.replace(/^.*[\\/]/, "").replace(/\.(npy|npz)$/i, "");
}

async function bytesOf(spec: FileSpec): Promise<Uint8Array> {
  const size = spec.data instanceof ArrayBuffer ? spec.data.byteLength : spec.data.size;
  if (size > MAX_FILE_BYTES) {
    throw new RepmatchError("tooLarge", `${spec.name}: expected at most ${formatBytes(MAX_FILE_BYTES)} per file in the browser, got ${formatBytes(size)}; use the repmatch command line`);
  }
  if (size === 0) throw new RepmatchError("truncated", `${spec.name}: expected a .npy or .npz file, got an empty file`);
  const buf = spec.data instanceof ArrayBuffer ? spec.data : await spec.data.arrayBuffer();
  return new Uint8Array(buf);
}

/** Float64 bytes of the layers read so far in a run, against MAX_DATA_BYTES. */
interface Budget {
  used: number;
}

function spend(budget: Budget, name: string, shape: readonly number[]): void {
  const bytes = 8 * shape.reduce((a, b) => a * b, 1);
  budget.used += bytes;
  if (budget.used > MAX_DATA_BYTES) {
    throw new RepmatchError(
      "tooLarge",
      `${name}: expected the layers to fit in this browser tab's memory (at most ${formatBytes(MAX_DATA_BYTES)} as float64 over all files), got ${formatBytes(budget.used)} with this ${shape.join(" x ")} array; use fewer samples or layers, or the repmatch command line`,
      { file: name, shape: [...shape], bytes: budget.used, maxBytes: MAX_DATA_BYTES },
    );
  }
}

/** A .npy file's header alone (its first 64 KiB), so an oversized file is refused before it is read. */
async function precheckNpy(spec: FileSpec, budget: Budget): Promise<boolean> {
  if (spec.data instanceof ArrayBuffer) return false;
  const head = new Uint8Array(await spec.data.slice(0, 65536).arrayBuffer());
  if (head[0] !== 0x93 || head[1] !== 0x4e) return false;
  let shape: number[];
  try {
    shape = npyHeader(head, spec.name).shape;
  } catch {
    return false; // the full read reports what is wrong
  }
  spend(budget, spec.name, shape);
  return true;
}

/** The layers of one network: every .npy file is one layer, every .npz member one layer. */
async function readSide(files: FileSpec[], side: string, budget: Budget): Promise<Layer[]> {
  if (files.length === 0) throw new RepmatchError("badInput", `network ${side}: expected at least one .npy or .npz file, got none`);
  const perFile: { file: string; arrays: { name: string; data: MatrixInput; source: string }[] }[] = [];
  for (const spec of files) {
    const counted = await precheckNpy(spec, budget);
    const bytes = await bytesOf(spec);
    const isNpy = bytes[0] === 0x93 && bytes[1] === 0x4e; // "\x93N"
    const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b; // "PK"
    if (isZip || (!isNpy && /\.npz$/i.test(spec.name))) {
      const members = await readNpz(bytes, spec.name);
      if (members.length === 0) throw new RepmatchError("badZip", `${spec.name}: expected at least one array in the archive, got none`);
      for (const m of members) spend(budget, `${spec.name}:${m.name}.npy`, m.array.shape);
      perFile.push({
        file: spec.name,
        arrays: members.map((m) => ({ name: m.name, data: { data: m.array.data, shape: m.array.shape }, source: `${spec.name}:${m.name}.npy` })),
      });
    } else {
      const arr = readNpy(bytes, spec.name);
      if (!counted) spend(budget, spec.name, arr.shape);
      perFile.push({ file: spec.name, arrays: [{ name: stem(spec.name), data: { data: arr.data, shape: arr.shape }, source: spec.name }] });
    }
  }
  // member names of different archives may collide (fc1 in two files): qualify them with the file
  const count = new Map<string, number>();
  for (const f of perFile) for (const a of f.arrays) count.set(a.name, (count.get(a.name) ?? 0) + 1);
  const layers: Layer[] = [];
  for (const f of perFile) {
    const clash = perFile.length > 1 && f.arrays.some((a) => (count.get(a.name) ?? 0) > 1);
    for (const a of f.arrays) {
      const name = clash ? `${stem(f.file)}:${a.name}` : a.name;
      layers.push({ name, source: a.source, data: a.data, view: viewMatrix(a.data, a.source) });
    }
  }
  return layers;
}

/**
 * The subspace-match half of a pair: comparePair without the other measures (one Gram product, the
 * maximum match at every eps, maxEpsilon). Shown as soon as it is ready.
 */
function matchPart(engine: Engine, a: Layer, b: Layer, eps: number[]): PairResult {
  return comparePair(engine, a.data, b.data, [a.view.name, b.view.name], { eps, measures: [] });
}

/**
 * The rest of comparePair: every CCA / CKA / shape measure from one engine.measures call, merged
 * into the match half exactly as comparePair merges them (warnings deduplicated by message, dead
 * neurons counted in deadA / deadB instead). Above RBF_MAX_SAMPLES samples the RBF CKA (two
 * samples x samples kernels) is left out.
 */
function withMeasures(engine: Engine, match: PairResult, a: Layer, b: Layer, samples: number): PairResult {
  const names: [string, string] = [a.view.name, b.view.name];
  const { warnings, notes: _n, samples: _s, neurons: _ne, ...values } = engine.measures(a.data, b.data, { rbf: samples <= RBF_MAX_SAMPLES, names });
  const merged = new Map<string, Warning>();
  for (const w of [...match.warnings, ...warnings]) if (w.code !== "deadNeurons") merged.set(w.message, w);
  return { ...match, measures: values as MeasuresValues, warnings: [...merged.values()] };
}

function pathOf(engine: Engine, network: string, layers: Layer[]): PathGeometry {
  const names = layers.map((l) => l.name);
  const p = engine.path(
    layers.map((l) => l.data),
    { names, spaces: ["angularCka"] },
  );
  const g = p.space.angularCka!;
  return {
    network,
    space: "angular CKA",
    layers: names,
    steps: g.steps,
    pairwise: g.pairwise,
    pathLength: g.pathLength,
    endpointDistance: g.endpointDistance,
    straightness: g.straightness ?? Number.NaN,
    angles: g.angles,
    progress: g.progress.map((v) => v ?? Number.NaN),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The runtime: feed it the page's messages; it answers through `post`. */
export function createRuntime(post: Post): (msg: PageMessage) => void {
  let enginePromise: Promise<Engine> | null = null;
  let current = 0;
  const runs = new Map<number, { A: Layer[]; B: Layer[] }>();

  async function init(backend: "auto" | "js", relaxedSimd = true): Promise<void> {
    const t0 = performance.now();
    enginePromise = createEngine({ backend, threads: 1, relaxedSimd });
    try {
      const engine = await enginePromise;
      post({
        type: "ready",
        backend: engine.backend,
        wasmFlavour: engine.wasmFlavour,
        simd: engine.wasmFlavour !== null || detectWasm(true) !== null,
        seconds: (performance.now() - t0) / 1000,
      });
    } catch (e) {
      post({ type: "initError", error: errorInfo(e) });
    }
  }

  async function run(msg: Extract<PageMessage, { type: "run" }>): Promise<void> {
    const { id, eps } = msg;
    current = id;
    runs.clear();
    const live = () => current === id;
    try {
      const t0 = performance.now();
      const engine = await (enginePromise ?? Promise.reject(new RepmatchError("engineFailure", "expected the engine to be initialised, got no init message")));
      post({ type: "stage", id, text: "reading files" });
      const budget: Budget = { used: 0 };
      const A = await readSide(msg.A, msg.networks[0], budget);
      const B = await readSide(msg.B, msg.networks[1], budget);
      const first = A[0]!.view;
      for (const l of [...A, ...B]) {
        if (l.view.samples !== first.samples) {
          throw new RepmatchError(
            "sampleCountMismatch",
            `expected every layer to have the same samples (rows), got ${first.samples} in ${first.name} and ${l.view.samples} in ${l.view.name}`,
            { samplesA: first.samples, samplesB: l.view.samples },
          );
        }
      }
      const samples = first.samples;
      const checked = eps.map((e) => {
        if (typeof e !== "number" || !Number.isFinite(e) || e <= 0 || e >= 1) throw new RepmatchError("badEpsilon", `expected every eps in (0, 1), got ${String(e)}`);
        return e;
      });
      if (checked.length === 0) throw new RepmatchError("badEpsilon", "expected at least one eps, got none");
      if (!live()) return;
      runs.set(id, { A, B });
      const entry = (l: Layer): LayerEntry => ({ name: l.name, samples: l.view.samples, neurons: l.view.neurons, source: l.source });
      const notes: string[] = [];
      if (samples > RBF_MAX_SAMPLES) notes.push(`RBF CKA left out: ${samples} samples > ${RBF_MAX_SAMPLES} (it needs two ${samples} x ${samples} kernel matrices); every other measure is computed.`);
      const readSeconds = (performance.now() - t0) / 1000;
      post({ type: "layers", id, layersA: A.map(entry), layersB: B.map(entry), eps: checked, notes, readSeconds });

      const pairs: PairResult[][] = A.map(() => new Array<PairResult>(B.length));
      for (let i = 0; i < A.length; i++) {
        for (let j = 0; j < B.length; j++) {
          await tick(); // lets a newer run or a simple-match request in between pairs
          if (!live()) return;
          post({ type: "pairStart", id, i, j });
          const s0 = performance.now();
          const match = matchPart(engine, A[i]!, B[j]!, checked);
          post({ type: "pairMatch", id, i, j, result: match, seconds: (performance.now() - s0) / 1000 });
          await tick();
          if (!live()) return;
          const result = withMeasures(engine, match, A[i]!, B[j]!, samples);
          pairs[i]![j] = result;
          post({ type: "pair", id, i, j, result, seconds: (performance.now() - s0) / 1000 });
        }
      }
      const paths: PathGeometry[] = [];
      const pathNotes: string[] = [];
      for (const [k, layers] of [A, B].entries()) {
        if (layers.length < 2) continue;
        await tick();
        if (!live()) return;
        post({ type: "stage", id, text: `path of network ${msg.networks[k]}` });
        try {
          paths.push(pathOf(engine, msg.networks[k]!, layers));
        } catch (e) {
          pathNotes.push(`path of network ${msg.networks[k]}: ${errorInfo(e).message}`);
        }
      }
      post({ type: "paths", id, paths, notes: pathNotes });
      const result: LayersResult = {
        networks: msg.networks,
        eps: checked,
        layersA: A.map((l) => ({ name: l.name, samples: l.view.samples, neurons: l.view.neurons })),
        layersB: B.map((l) => ({ name: l.name, samples: l.view.samples, neurons: l.view.neurons })),
        pairs,
        warnings: [...new Set([...notes, ...pairs.flat().flatMap((p) => p.warnings.map((w) => w.message))])],
        threads: 1,
        seconds: (performance.now() - t0) / 1000,
      };
      post({ type: "done", id, result });
    } catch (e) {
      if (live()) post({ type: "error", id, error: errorInfo(e) });
    }
  }

  async function simple(msg: Extract<PageMessage, { type: "simple" }>): Promise<void> {
    try {
      const engine = await enginePromise!;
      const data = runs.get(msg.run);
      if (!data) throw new RepmatchError("badInput", "expected the layers of the shown result, got none (run the comparison again)");
      const a = data.A[msg.i], b = data.B[msg.j];
      if (!a || !b) throw new RepmatchError("badInput", `expected a layer pair of the shown result, got (${msg.i}, ${msg.j})`);
      if (a.view.neurons > SIMPLE_MAX_NEURONS || b.view.neurons > SIMPLE_MAX_NEURONS) {
        throw new RepmatchError("tooLarge", `expected at most ${SIMPLE_MAX_NEURONS} neurons per side for the simple-match decomposition in the browser, got ${a.view.neurons} and ${b.view.neurons}`);
      }
      const t0 = performance.now();
      const result = engine.simpleMatches(a.data, b.data, { eps: msg.eps, names: [a.view.name, b.view.name] });
      post({ type: "simple", id: msg.id, result, neurons: [a.view.neurons, b.view.neurons], seconds: (performance.now() - t0) / 1000 });
    } catch (e) {
      post({ type: "simpleError", id: msg.id, error: errorInfo(e) });
    }
  }

  async function convergenceRun(msg: ConvergenceRequest): Promise<void> {
    current = msg.id;
    runs.clear();
    const live = () => current === msg.id;
    try {
      const engine = await (enginePromise ?? Promise.reject(new RepmatchError("engineFailure", "expected the engine to be initialised, got no init message")));
      await runConvergence(engine, msg, post, live);
    } catch (e) {
      if (live()) post({ type: "convError", id: msg.id, error: errorInfo(e) });
    }
  }

  return (msg: PageMessage) => {
    if (msg.type === "init") void init(msg.backend, msg.relaxedSimd !== false);
    else if (msg.type === "run") void run(msg);
    else if (msg.type === "simple") void simple(msg);
    else if (msg.type === "convergence") void convergenceRun(msg);
    else if (msg.type === "cancel") {
      current = -1;
      runs.clear();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Convergence over training: one file per checkpoint (an .npz: one array per layer; a .npy: one
// layer, named "activations"), the last the final one, through src/dynamics/convergence.ts, the
// same computation as `repmatch convergence`. Its checks (the same layers and samples in every
// checkpoint) name the checkpoint in their messages.

/** Thrown from the progress callback when a newer run or a cancel replaced this one. */
class Superseded extends Error {}

async function runConvergence(engine: Engine, msg: ConvergenceRequest, post: Post, live: () => boolean): Promise<void> {
  const { id } = msg;
  post({ type: "convStage", id, text: "reading checkpoints" });
  if (msg.files.length < 2) {
    throw new RepmatchError("badInput", `expected at least two checkpoint files (one .npz per checkpoint, in training order; the last is the final one), got ${msg.files.length}`);
  }
  const budget: Budget = { used: 0 };
  const checkpoints: Checkpoint[] = [];
  for (const [k, spec] of msg.files.entries()) {
    await tick();
    if (!live()) return;
    post({ type: "convStage", id, text: `reading checkpoint ${k + 1} of ${msg.files.length} (${spec.name})` });
    const layers = await readSide([spec], spec.name, budget);
    // a .npy checkpoint is a single layer; its name must not change with the file name
    const single = layers.length === 1 && layers[0]!.source === spec.name;
    checkpoints.push({
      name: spec.name,
      step: msg.steps?.[k],
      layers: layers.map((l) => ({ name: single ? "activations" : l.name, data: l.data, source: l.source })),
    });
  }
  checkCheckpoints(checkpoints); // the same layers and samples in every checkpoint, before any work
  const first = checkpoints[0]!.layers;
  const entries: LayerEntry[] = first.map((l) => {
    const v = viewMatrix(l.data as MatrixInput, l.source ?? l.name);
    return { name: l.name, samples: v.samples, neurons: v.neurons, source: l.source ?? l.name };
  });
  post({ type: "convLayers", id, layers: entries, checkpoints: checkpoints.map((c) => c.name), total: entries.length * checkpoints.length });
  await tick();
  if (!live()) return;
  let result;
  try {
    result = await convergence(engine, checkpoints, {
      eps: msg.eps,
      fraction: msg.fraction,
      threads: 1,
      onProgress: (done, total) => {
        if (!live()) throw new Superseded("superseded");
        post({ type: "convProgress", id, done, total });
      },
    });
  } catch (e) {
    if (e instanceof Superseded || !live()) return;
    throw e;
  }
  if (!live()) return;
  post({ type: "convDone", id, result, csv: convergenceCsv(result) });
}

// ---------------------------------------------------------------------------------------------
// Entry: a worker answers on `self`; on a page the runtime is only published.

interface WorkerScope {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
}

const g = globalThis as unknown as { WorkerGlobalScope?: abstract new () => unknown; __repmatchWorker?: unknown };
if (typeof g.WorkerGlobalScope === "function" && globalThis instanceof g.WorkerGlobalScope) {
  const scope = globalThis as unknown as WorkerScope;
  const handle = createRuntime((m, t) => scope.postMessage(m, t ?? []));
  scope.onmessage = (e) => handle(e.data as PageMessage);
} else {
  const source = typeof repmatchWorkerMain === "function" ? `(${repmatchWorkerMain.toString()})();\n` : "";
  g.__repmatchWorker = { source, start: createRuntime };
}
