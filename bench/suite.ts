/**
 * `npm run bench`: the benchmark suite (issue 5, item 1). For each size (d samples x n neurons per
 * side) it runs every operation on the WASM core (1 thread, and for the Gram product, the maximum
 * match, the layer grid and the measures also the engine's default 2 threads), on the pure-TS backend and, when python3
 * with numpy is present, on the numpy references of ../shared/reference (one worker process per
 * size, OPENBLAS_NUM_THREADS=1; the maximum match also with numpy's default threading):
 *
 *   gram        Z^T Z of Z = [A B] (d x 2n), the core's syrk (WasmCore.gram), src/js/blas.ts syrk,
 *               numpy Z.T @ Z; GFLOP/s with flops = d N (N + 1), N = 2n
 *   gram-relaxed the same on the relaxed-SIMD (FMA) build, alternating with the plain SIMD build:
 *               in this process when the runtime validates it, else in a child
 *               `node --experimental-wasm-relaxed-simd` on Gaussian data (detected, never required)
 *   qr          thin Householder QR of A (d x n) with explicit Q: the Linalg qr of src/wasm/linalg.ts
 *               and src/js/linalg.ts, numpy.linalg.qr; GFLOP/s with flops = 2 d n^2 - 2 n^3 / 3
 *   maxmatch    maximum match at eps 0.3 on the planted half-match (src/synthetic.ts plantedPair,
 *               shared = n/2, noise 0.05), end to end; every backend must return the planted sets
 *   curve       similarityCurve over 10 eps (and maxEpsilon) vs the reference's similarity per eps
 *               and max_epsilon
 *   simple      simple-match decomposition at eps 0.3 of planted blocks (bench/planted-blocks.ts:
 *               n/16 blocks of 4-12 neurons per side); every backend must return exactly the blocks
 *               (and the engine: unique, every match certified simple); reference:
 *               simple_matches(reuse=True)
 *   grid        all layer pairs of two 4-layer networks (each layer n/2 columns of the planted pair: 16
 *               pairs, eps curve of the layers command, no CCA/CKA/shape measures) by compareLayers
 *               in-process on one thread (wasm1) and on a pool of 2 worker threads (wasm2, pool start
 *               included): the speed-up of the worker pool on 2 cores (issue 5 item 3, goal >= 1.7x)
 *   m_*         engine.measures({measures: [name]}) for cca, svcca, pwcca, cka, procrustes, and all
 *               five at once, on the planted pair with centred columns, vs measures_ref's functions
 *
 * Method: every backend's answer is checked first (match sets exactly; Gram and R normwise, every
 * measure value within 1e-9 relative); a backend that disagrees is not timed, and the
 * disagreement is printed. Then runs alternate between the backends (rotating the order each
 * round); each backend gets as many runs as fit its time budget (--budget, 4 s; at most
 * --max-reps, 7); the untimed check run is the warm-up, except for operations taking more than
 * half the budget, whose check run is the single sample (marked *). Backends whose run is
 * predicted (from the previous size, by the operation's cost model) to exceed --js-cap (30 s) /
 * --numpy-cap (120 s) are skipped, and the output says so. With --js-cap 60 the default sizes take
 * about 12 minutes on a 2-core machine (the pure-TS measures at 10000 x 512, 45-65 s each); with
 * 30 s about 9. The numpy simple-match decomposition at 10000 x 512 (22 minutes by itself here) is
 * skipped by the 120 s cap; --numpy-cap 3600 runs it. Measured results: docs/performance.md.
 *
 * Output: a table on stdout, bench/results/<tag>.json and bench/results/<tag>.md (tag "suite").
 *
 *   node dist/suite.js [--quick | --full | --sizes 2000x64,10000x512] [--ops gram,maxmatch,...]
 *       [--budget S] [--max-reps R] [--js-cap S] [--numpy-cap S] [--no-numpy] [--no-js] [--no-relaxed]
 *       [--seed N] [--reference DIR] [--tag NAME]
 *   A size DxPxQ (e.g. 2000x512x384, issue 3's case) runs the measures only, with P and Q neurons.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createEngineSync, type Engine } from "../src/engine.js";
import { writeNpy } from "../src/io/npy.js";
import { syrk as jsSyrk } from "../src/js/blas.js";
import { jsLinalg } from "../src/js/linalg.js";
import type { Linalg } from "../src/linalg/types.js";
import type { MatrixInput } from "../src/matrix.js";
import type { MeasureName } from "../src/measures/all.js";
import { MAX_ELEMENTS } from "../src/matrix.js";
import { gaussian } from "../src/random.js";
import { plantedPair } from "../src/synthetic.js";
import { compareLayers } from "../src/layers/grid.js";
import { WasmCore } from "../src/wasm/instance.js";
import { wasmLinalg } from "../src/wasm/linalg.js";
import { plantedBlocks } from "./planted-blocks.js";

// ------------------------------------------------------------------------------------------------
// options

const DEFAULT_SIZES = "2000x64,5000x256,10000x512";
const QUICK_SIZES = "2000x64,5000x256";
const FULL_SIZES = "2000x64,5000x256,10000x512,20000x1024";
/** Pause before each timed run (see the timing loop). */
const PAUSE_MS = 300;
const ALL_OPS = ["gram", "qr", "maxmatch", "curve", "simple", "grid", "measures"] as const;

const { values: opt } = parseArgs({
  options: {
    sizes: { type: "string" },
    quick: { type: "boolean", default: false },
    full: { type: "boolean", default: false },
    ops: { type: "string", default: ALL_OPS.join(",") },
    budget: { type: "string", default: "4" },
    "max-reps": { type: "string", default: "7" },
    "js-cap": { type: "string", default: "30" },
    "numpy-cap": { type: "string", default: "120" },
    "no-numpy": { type: "boolean", default: false },
    "no-js": { type: "boolean", default: false },
    "no-relaxed": { type: "boolean", default: false },
    tag: { type: "string", default: "suite" },
    seed: { type: "string" },
    reference: { type: "string" },
    "gram-child": { type: "string" },
  },
  allowPositionals: false,
});

const EPS = 0.3;
/**
 * Seed of plantedPair per size (default 1). At 2000 x 64 (32 planted neurons per side) seeds 1, 2
 * and 5 draw a badly conditioned mixing: some planted neuron lies 0.47 from the other side's span,
 * the pruning cascades and the maximum match at eps 0.3 is empty on every backend (numpy
 * included), so that size uses seed 3, the first whose maximum match is the planted sets.
 */
const PAIR_SEED: Record<string, number> = { "2000x64": 3 };
const CURVE = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];
const REL_TOL = 1e-9;
const BUDGET = Number(opt.budget);
const MAX_REPS = Math.max(1, Number(opt["max-reps"]));
const JS_CAP = Number(opt["js-cap"]);
const NUMPY_CAP = Number(opt["numpy-cap"]);

const here = dirname(fileURLToPath(import.meta.url));
const repo = existsSync(join(here, "..", "package.json")) ? resolve(here, "..") : resolve(here);
const referenceDir = opt.reference ? resolve(opt.reference) : resolve(repo, "..", "shared", "reference");
const workerScript = join(repo, "bench", "suite_numpy.py");

/** "DxN" (N neurons per side), or "DxPxQ" (P and Q neurons: the measures only, e.g. issue 3's 2000x512x384). */
function parseSizes(s: string): { d: number; n: number; q: number }[] {
  return s.split(",").map((x) => {
    const m = /^\s*(\d+)x(\d+)(?:x(\d+))?\s*$/.exec(x);
    if (!m) throw new Error(`expected sizes like 2000x64,10000x512 (or 2000x512x384 for the measures), got ${JSON.stringify(x)}`);
    const d = Number(m[1]), n = Number(m[2]), q = m[3] === undefined ? n : Number(m[3]);
    if (n % 2 !== 0 || n < 16 || q < 1 || q > n) throw new Error(`size ${x}: expected an even n >= 16 and q <= n`);
    // the planted half-match needs d well above 2n (m[3] sizes run the measures only, any d >= 4)
    if (m[3] === undefined ? d < 4 * n : d < 4) throw new Error(`size ${x}: expected d >= 4n (d >= 4 for a DxPxQ measures size)`);
    return { d, n, q };
  });
}

// ------------------------------------------------------------------------------------------------
// statistics and formatting

interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
  seconds: number[];
  /** the single sample is the check run (operation slower than the budget) */
  checkRunOnly?: boolean;
}

function median(x: number[]): number {
  const s = [...x].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stats(x: number[], checkRunOnly = false): Stats {
  const s: Stats = { median: median(x), min: Math.min(...x), max: Math.max(...x), runs: x.length, seconds: x };
  if (checkRunOnly) s.checkRunOnly = true;
  return s;
}

function fmtTime(s: number): string {
  if (s * 1e6 < 999.5) return `${(s * 1e6).toFixed(0)} us`;
  if (s < 1) return `${(s * 1e3).toPrecision(3)} ms`;
  return s < 100 ? `${s.toPrecision(3)} s` : `${s.toFixed(0)} s`;
}

function fmtRange(st: Stats): string {
  const u = st.max < 1 ? 1e3 : 1;
  const f = (v: number) => (v * u < 100 ? (v * u).toPrecision(3) : (v * u).toFixed(0));
  return `${f(st.min)}-${f(st.max)}${u === 1e3 ? " ms" : " s"}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// data

/** Column-major d x (cols of a + cols of b) copy of the row-major pair. */
function columnMajor(mats: MatrixInput[]): Float64Array {
  const d = mats[0]!.shape[0];
  const N = mats.reduce((s, m) => s + m.shape[1], 0);
  const out = new Float64Array(d * N);
  let off = 0;
  for (const m of mats) {
    const n = m.shape[1];
    const src = m.data as Float64Array;
    for (let j = 0; j < n; j++) {
      const o = (off + j) * d;
      for (let i = 0; i < d; i++) out[o + i] = src[i * n + j]!;
    }
    off += n;
  }
  return out;
}

function leadingColumns(m: MatrixInput, q: number): MatrixInput {
  const [d, n] = m.shape;
  const src = m.data as Float64Array;
  const out = new Float64Array(d * q);
  for (let i = 0; i < d; i++) out.set(src.subarray(i * n, i * n + q), i * q);
  return { data: out, shape: [d, q] };
}

function centred(m: MatrixInput): MatrixInput {
  const [d, n] = m.shape;
  const src = m.data as Float64Array;
  const out = new Float64Array(src);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += out[i * n + j]!;
    const mu = s / d;
    for (let i = 0; i < d; i++) out[i * n + j] = out[i * n + j]! - mu;
  }
  return { data: out, shape: [d, n] };
}

/** R with a non-negative diagonal (rows flipped), column-major k x n -> row-major k x n. */
function signFixedR(R: Float64Array, k: number, n: number): Float64Array {
  const out = new Float64Array(k * n);
  for (let i = 0; i < k; i++) {
    const s = R[i * k + i]! < 0 ? -1 : 1; // column-major: R(i, i) at i * k + i
    for (let j = 0; j < n; j++) out[i * n + j] = s * R[j * k + i]!;
  }
  return out;
}

function normwise(x: Float64Array, y: Float64Array): number {
  let diff = 0, scale = 1e-300;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(x[i]!), Math.abs(y[i]!));
  }
  return diff / scale;
}

// ------------------------------------------------------------------------------------------------
// the numpy worker

class NumpyWorker {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = "";
  private exited = false;

  constructor(dir: string, singleThread: boolean) {
    const env = { ...process.env };
    for (const k of ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]) {
      if (singleThread) env[k] = "1";
      else delete env[k];
    }
    this.proc = spawn("python3", ["-u", workerScript, dir, referenceDir], { env, stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stderr.on("data", (b) => (this.stderr = (this.stderr + b.toString()).slice(-4000)));
    this.proc.on("exit", () => {
      this.exited = true;
      for (const p of this.pending.splice(0)) p(JSON.stringify({ error: `python exited: ${this.stderr.trim().split("\n").pop() ?? ""}` }));
    });
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on("line", (line) => this.pending.shift()?.(line));
  }

  async send(cmd: object): Promise<Record<string, unknown>> {
    if (this.exited) throw new Error(`python worker exited: ${this.stderr.trim().split("\n").pop() ?? ""}`);
    const line = await new Promise<string>((res) => {
      this.pending.push(res);
      this.proc.stdin.write(JSON.stringify(cmd) + "\n");
    });
    const out = JSON.parse(line) as Record<string, unknown>;
    if (typeof out.error === "string") throw new Error(`numpy: ${out.error}`);
    return out;
  }

  async quit(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((res) => this.proc.on("exit", () => res()));
    this.proc.stdin.write(JSON.stringify({ op: "quit" }) + "\n");
    this.proc.stdin.end();
    await Promise.race([done, sleep(5000)]);
    if (!this.exited) this.proc.kill();
  }
}

function numpyAvailable(): { ok: boolean; note: string } {
  if (opt["no-numpy"]) return { ok: false, note: "skipped (--no-numpy)" };
  if (!existsSync(join(referenceDir, "subspace_match_ref.py")) || !existsSync(join(referenceDir, "measures_ref.py"))) {
    return { ok: false, note: `skipped: the references are not in ${referenceDir} (--reference DIR)` };
  }
  if (!existsSync(workerScript)) return { ok: false, note: `skipped: ${workerScript} not found` };
  const r = spawnSync("python3", ["-c", "import numpy, sys; print(numpy.__version__)"], { encoding: "utf8" });
  if (r.status !== 0) return { ok: false, note: "skipped: python3 with numpy is not available" };
  return { ok: true, note: `numpy ${r.stdout.trim()}` };
}

// ------------------------------------------------------------------------------------------------
// backends and operations

type BackendId = "wasm1" | "wasm2" | "js" | "np1" | "npd";
const BACKENDS: BackendId[] = ["wasm1", "wasm2", "js", "np1", "npd"];
const BACKEND_LABEL: Record<BackendId, string> = {
  wasm1: "wasm 1 thread",
  wasm2: "wasm 2 threads",
  js: "pure TS",
  np1: "numpy 1 thread",
  npd: "numpy default threads",
};

interface Exec {
  /** one run; the result is what the agreement check compares (built outside the timed part) */
  run(check: boolean): Promise<{ seconds: number; result?: unknown }>;
}

interface BackendOutcome {
  stats?: Stats;
  gflops?: number;
  skipped?: string;
  disagree?: string;
  error?: string;
  note?: string;
}

interface OpOutcome {
  key: string;
  label: string;
  flops?: number;
  agreement: string;
  backends: Partial<Record<BackendId, BackendOutcome>>;
  ratios: Record<string, number>;
  note?: string;
}

interface OpPlan {
  key: string;
  label: string;
  flops?: number;
  /** cost model for predicting a backend's time at another size: seconds scale like this */
  cost: (d: number, n: number) => number;
  execs: Partial<Record<BackendId, Exec>>;
  /** called with wasm1's check result as soon as it exists (before the other check runs) */
  onAnchor?: (result: unknown) => void;
  /** agreement of one backend's check result; null when it agrees. Anchored on wasm1's result. */
  verify: (id: BackendId, result: unknown, anchor: unknown) => string | null;
  note?: string;
}

/**
 * Four "layers" of n/2 columns each from one side of the planted pair (row-major d x n): columns
 * [0, n/2), [n/4, 3n/4), [n/2, n) and the first plus last quarter, so neighbouring layers overlap.
 */
function layerSlices(m: MatrixInput, d: number, n: number, net: string): { name: string; data: MatrixInput }[] {
  const X = m.data as Float64Array;
  const h = n >> 1, q = n >> 2;
  const picks = [
    Array.from({ length: h }, (_, j) => j),
    Array.from({ length: h }, (_, j) => q + j),
    Array.from({ length: h }, (_, j) => h + j),
    Array.from({ length: h }, (_, j) => (j < q ? j : n - h + j)),
  ];
  return picks.map((cols, k) => {
    const out = new Float64Array(d * h);
    for (let i = 0; i < d; i++) for (let j = 0; j < h; j++) out[i * h + j] = X[i * n + cols[j]!]!;
    return { name: `${net}${k}`, data: { data: out, shape: [d, h] } };
  });
}

/** Node-side run: times fn only; `result` converts afterwards (check runs only). */
function nodeExec<T>(fn: () => T, result?: (r: T) => unknown, after?: () => void): Exec {
  return {
    async run(check: boolean) {
      const t = performance.now();
      const r = fn();
      const seconds = (performance.now() - t) / 1000;
      const out = check && result ? result(r) : undefined;
      after?.();
      return { seconds, result: out };
    },
  };
}

function numpyExec(w: NumpyWorker, what: string, pauseMs = 0): Exec {
  return {
    async run(check: boolean) {
      const r = await w.send({ op: check ? "check" : "time", what });
      if (pauseMs) await sleep(pauseMs); // let OpenBLAS's spinning threads go idle before the next run
      return { seconds: r.seconds as number, result: r.result };
    },
  };
}

const sameSets = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

function relDiff(x: number, y: number): number {
  if (x === y) return 0;
  if (Number.isNaN(x) && Number.isNaN(y)) return 0;
  return Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y));
}

/** Compares two nested records of numbers / number arrays; returns the worst field or null. */
function compareValues(got: unknown, want: unknown, path = ""): { path: string; got: unknown; want: unknown; rel: number } | null {
  if (typeof want === "number" || want === null) {
    const g = typeof got === "number" ? got : NaN, w = typeof want === "number" ? want : NaN;
    const r = relDiff(g, w);
    return r <= REL_TOL ? null : { path, got, want, rel: r };
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return { path, got: Array.isArray(got) ? `length ${got.length}` : got, want: `length ${want.length}`, rel: Infinity };
    let worst: ReturnType<typeof compareValues> = null;
    want.forEach((w, i) => {
      const c = compareValues(got[i], w, `${path}[${i}]`);
      if (c && (!worst || c.rel > worst.rel)) worst = c;
    });
    return worst;
  }
  if (typeof want === "object") {
    let worst: ReturnType<typeof compareValues> = null;
    for (const [k, w] of Object.entries(want as Record<string, unknown>)) {
      const c = compareValues((got as Record<string, unknown> | undefined)?.[k], w, path ? `${path}.${k}` : k);
      if (c && (!worst || c.rel > worst.rel)) worst = c;
    }
    return worst;
  }
  return sameSets(got, want) ? null : { path, got, want, rel: Infinity };
}

// ------------------------------------------------------------------------------------------------
// the relaxed-SIMD Gram in a child process (Node 20 needs --experimental-wasm-relaxed-simd)

interface GramChildResult {
  flavour: string | null;
  relaxed?: number[];
  simd?: number[];
  maxRelDiff?: number;
  note?: string;
}

function gramTimes(core: WasmCore, d: number, N: number, data: Float64Array): { run: () => number; G: () => Float64Array; free: () => void } {
  const mark = core.mark();
  const Z = core.alloc(8 * d * N);
  core.f64(Z, d * N).set(data);
  const G = core.alloc(8 * N * N);
  return {
    run: () => {
      const t = performance.now();
      core.gram(Z, d, N, G);
      return (performance.now() - t) / 1000;
    },
    G: () => core.f64(G, N * N).slice(),
    free: () => core.reset(mark),
  };
}

/**
 * Timed runs after the check run: as many as fit the budget, at most --max-reps; 0 when not even
 * two fit (an operation taking more than half the budget), the check run then being the single
 * sample (marked `*`: for such long runs the warm-up it would have been is negligible).
 */
function reps(checkSeconds: number): number {
  const r = Math.floor(BUDGET / Math.max(checkSeconds, 1e-6));
  return r < 2 ? 0 : Math.min(r, MAX_REPS);
}

/** The relaxed-SIMD and plain SIMD Gram of the same data, 1 thread each, alternating. */
function compareFlavours(d: number, N: number, data: Float64Array): GramChildResult {
  const out: GramChildResult = { flavour: null };
  try {
    const relaxed = WasmCore.createSync({ threads: 1, preferRelaxed: true });
    out.flavour = relaxed.flavour;
    if (relaxed.flavour !== "relaxed-simd") {
      out.note = "the relaxed-SIMD build does not validate on this runtime";
      return out;
    }
    const simd = WasmCore.createSync({ threads: 1, preferRelaxed: false });
    const r = gramTimes(relaxed, d, N, data), s = gramTimes(simd, d, N, data);
    const t0 = Math.max(r.run(), s.run());
    out.maxRelDiff = normwise(r.G(), s.G());
    const k = Math.max(reps(t0), 1);
    out.relaxed = [];
    out.simd = [];
    for (let i = 0; i < k; i++) {
      if (i % 2) {
        out.simd.push(s.run());
        out.relaxed.push(r.run());
      } else {
        out.relaxed.push(r.run());
        out.simd.push(s.run());
      }
    }
    r.free();
    s.free();
  } catch (e) {
    out.note = (e as Error).message;
  }
  return out;
}

function gramChild(size: string): void {
  const [{ d, n }] = parseSizes(size) as [{ d: number; n: number; q: number }];
  const g = gaussian(11);
  const data = Float64Array.from({ length: d * 2 * n }, g);
  process.stdout.write(JSON.stringify(compareFlavours(d, 2 * n, data)) + "\n");
}

function runGramChild(d: number, n: number): GramChildResult {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ["--experimental-wasm-relaxed-simd", script, "--gram-child", `${d}x${n}`, "--budget", String(BUDGET), "--max-reps", String(MAX_REPS)],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) return { flavour: null, note: `child node --experimental-wasm-relaxed-simd failed: ${(r.stderr || "").trim().split("\n").pop()}` };
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as GramChildResult;
  } catch {
    return { flavour: null, note: "child produced no result" };
  }
}

// ------------------------------------------------------------------------------------------------
// one size

interface SizeResult {
  d: number;
  n: number;
  /** neurons of b (= n except for the measures-only DxPxQ sizes) */
  q: number;
  loadavg: { start: number[]; end: number[] };
  seconds: number;
  generation: Record<string, number>;
  blocks: { count: number; sizes: number[]; rejectedDesigns: number };
  ops: OpOutcome[];
  notes: string[];
}

/** last measured median per op/backend, to predict the next size */
const history = new Map<string, { seconds: number; d: number; n: number }>();

async function runSize(d: number, n: number, q: number, opsAsked: Set<string>, engines: { e1: Engine; e2: Engine }, numpyOk: boolean): Promise<SizeResult> {
  const t0 = performance.now();
  const loadStart = os.loadavg();
  const notes: string[] = [];
  const sizeLabel = q === n ? `${d} x ${n} per side` : `${d} samples, ${n} + ${q} neurons`;
  let ops = opsAsked;
  if (q !== n) {
    ops = new Set([...opsAsked].filter((o) => o === "measures"));
    notes.push(`${n} + ${q} neurons: the measures only, on the planted half-match of ${n} per side with b cut to its first ${q} columns (centred)`);
  }
  console.log(`\n=== ${sizeLabel} (load average ${loadStart.map((x) => x.toFixed(2)).join(" ")}) ===`);
  const generation: Record<string, number> = {};
  let t = performance.now();
  const seed = opt.seed !== undefined ? Number(opt.seed) : (PAIR_SEED[`${d}x${n}`] ?? 1);
  const full = plantedPair({ samples: d, neurons: n, shared: n / 2, noise: 0.05, seed });
  const pair = q === n ? full : { ...full, b: leadingColumns(full.b, q) };
  if (opt.seed !== undefined) notes.push(`planted half-match drawn with seed ${seed} (--seed)`);
  else if (seed !== 1) notes.push(`planted half-match drawn with seed ${seed} (seed 1 at this size gives an ill-conditioned mixing whose maximum match is empty on every backend; see PAIR_SEED in bench/suite.ts)`);
  const pairC = ops.has("measures") ? { a: centred(pair.a), b: centred(pair.b) } : pair;
  generation.plantedPair = (performance.now() - t) / 1000;
  t = performance.now();
  const nBlocks = Math.max(1, Math.round(n / 16));
  const blocks = ops.has("simple") ? plantedBlocks({ samples: d, neurons: n, blocks: nBlocks, seed: 1 }) : null;
  generation.plantedBlocks = (performance.now() - t) / 1000;
  console.log(
    `data: planted half-match (seed ${seed}) ${generation.plantedPair.toFixed(1)} s` +
      (blocks ? `; ${nBlocks} planted blocks (sizes ${blocks.blocks.map((b) => b.a.length).join(",")}) ${generation.plantedBlocks.toFixed(1)} s` : ""),
  );
  if (blocks) notes.push(`simple-match data: ${nBlocks} planted blocks with ${blocks.blocks.map((x) => x.a.length).join(",")} neurons per side (bench/planted-blocks.ts, seed 1; ${blocks.rejected} block designs rejected)`);
  const rbf = d * d <= MAX_ELEMENTS;
  if (!rbf) notes.push(`RBF CKA left out at d=${d} (the engine refuses d x d kernels above ${Math.floor(Math.sqrt(MAX_ELEMENTS))} samples; numpy skips it too)`);

  // numpy workers
  let dir: string | null = null;
  let np1: NumpyWorker | null = null, npd: NumpyWorker | null = null;
  if (numpyOk) {
    dir = mkdtempSync(join(os.tmpdir(), "repmatch-suite-"));
    const f64 = (m: MatrixInput) => m.data as Float64Array;
    writeFileSync(join(dir, "a.npy"), writeNpy(f64(pair.a), [d, n]));
    writeFileSync(join(dir, "b.npy"), writeNpy(f64(pair.b), [d, q]));
    if (ops.has("measures")) {
      writeFileSync(join(dir, "ac.npy"), writeNpy(f64(pairC.a), [d, n]));
      writeFileSync(join(dir, "bc.npy"), writeNpy(f64(pairC.b), [d, q]));
    }
    if (blocks) {
      writeFileSync(join(dir, "sa.npy"), writeNpy(f64(blocks.a), [d, n]));
      writeFileSync(join(dir, "sb.npy"), writeNpy(f64(blocks.b), [d, n]));
    }
    writeFileSync(join(dir, "config.json"), JSON.stringify({ eps: EPS, curve: CURVE, rbf }));
    np1 = new NumpyWorker(dir, true);
    if (ops.has("maxmatch")) npd = new NumpyWorker(dir, false);
  }

  const { e1, e2 } = engines;
  const plans: OpPlan[] = [];
  const cleanups: (() => void)[] = [];
  const N = 2 * n;

  // ---- Gram product ----
  if (ops.has("gram")) {
    const Zc = columnMajor([pair.a, pair.b]);
    const cores = { wasm1: WasmCore.createSync({ threads: 1 }), wasm2: WasmCore.createSync({ threads: 2 }) };
    const bufs = { wasm1: gramTimes(cores.wasm1, d, N, Zc), wasm2: gramTimes(cores.wasm2, d, N, Zc) };
    const Gjs = new Float64Array(N * N);
    cleanups.push(() => {
      bufs.wasm1.free();
      bufs.wasm2.free();
      cores.wasm2.close();
    });
    const execs: OpPlan["execs"] = {
      wasm1: { run: async (check) => ({ seconds: bufs.wasm1.run(), result: check ? bufs.wasm1.G() : undefined }) },
      wasm2: {
        run: async (check) => {
          const before = cores.wasm2.parallelGrams;
          const seconds = bufs.wasm2.run();
          if (check && cores.wasm2.parallelGrams === before) notes.push(`Gram at ${d} x ${N}: the 2-thread core stayed on one thread (below its work threshold d N^2 >= 4e7)`);
          return { seconds, result: check ? bufs.wasm2.G() : undefined };
        },
      },
      js: nodeExec(() => jsSyrk(Zc, d, d, N, Gjs), () => Gjs.slice()),
    };
    if (np1) execs.np1 = numpyExec(np1, "gram");
    plans.push({
      key: "gram",
      label: `Gram Z^T Z (d x ${N}), ${cores.wasm1.flavour}`,
      flops: d * N * (N + 1),
      cost: (dd, nn) => dd * nn * nn,
      execs,
      onAnchor: (r) => {
        if (dir) writeFileSync(join(dir, "gram_wasm.npy"), writeNpy(r as Float64Array, [N, N]));
      },
      verify: (id, r, anchor) => {
        if (id === "wasm1") return null;
        const diff = id === "np1" ? (r as { maxRelDiff: number }).maxRelDiff : normwise(r as Float64Array, anchor as Float64Array);
        if (id === "wasm2" && diff !== 0) return `2-thread Gram differs from the 1-thread one (normwise ${diff.toExponential(2)}; expected identical bits)`;
        return diff <= REL_TOL ? null : `normwise max |dG| / max |G| = ${diff.toExponential(2)} > ${REL_TOL}`;
      },
    });
  }

  // ---- QR ----
  if (ops.has("qr")) {
    const Ac = columnMajor([pair.a]);
    const core = WasmCore.createSync({ threads: 1 });
    const las: [BackendId, Linalg][] = [["wasm1", wasmLinalg(core)], ["js", jsLinalg]];
    const execs: OpPlan["execs"] = {};
    for (const [id, la] of las) {
      const base = la.mark();
      const m = la.fromArray(d, n, Ac);
      cleanups.push(() => la.release(base));
      execs[id] = {
        async run(check) {
          const mk = la.mark();
          try {
            const t1 = performance.now();
            const { r } = la.qr(m);
            const seconds = (performance.now() - t1) / 1000;
            return { seconds, result: check ? signFixedR(la.toArray(r), n, n) : undefined };
          } finally {
            la.release(mk);
          }
        },
      };
    }
    if (np1) execs.np1 = numpyExec(np1, "qr");
    plans.push({
      key: "qr",
      label: `QR of A (${d} x ${n}), thin, explicit Q`,
      flops: 2 * d * n * n - (2 * n * n * n) / 3,
      cost: (dd, nn) => dd * nn * nn,
      execs,
      onAnchor: (r) => {
        if (dir) writeFileSync(join(dir, "r_wasm.npy"), writeNpy(r as Float64Array, [n, n]));
      },
      verify: (id, r, anchor) => {
        if (id === "wasm1") return null;
        const diff = id === "np1" ? (r as { maxRelDiff: number }).maxRelDiff : normwise(r as Float64Array, anchor as Float64Array);
        return diff <= REL_TOL ? null : `R (signs fixed) normwise difference ${diff.toExponential(2)} > ${REL_TOL}`;
      },
    });
  }

  // ---- maximum match ----
  if (ops.has("maxmatch")) {
    const planted = [pair.plantedA, pair.plantedB];
    const mm = (e: Engine, backend: "wasm" | "js") => nodeExec(() => e.maxMatch(pair.a, pair.b, { eps: EPS, backend }), (r) => [r.a, r.b]);
    const execs: OpPlan["execs"] = { wasm1: mm(e1, "wasm"), wasm2: mm(e2, "wasm"), js: mm(e1, "js") };
    if (np1) execs.np1 = numpyExec(np1, "maxmatch");
    if (npd) execs.npd = numpyExec(npd, "maxmatch", 300);
    plans.push({
      key: "maxmatch",
      label: `maximum match, eps ${EPS}, planted half-match`,
      cost: (dd, nn) => dd * nn * nn,
      execs,
      verify: (_id, r) => {
        const [a, b] = r as [number[], number[]];
        return sameSets(r, planted) ? null : `not the planted sets: ${a.length} + ${b.length} neurons instead of ${planted[0]!.length} + ${planted[1]!.length}`;
      },
    });
  }

  // ---- eps curve ----
  if (ops.has("curve")) {
    const cv = (backend: "wasm" | "js") =>
      nodeExec(
        () => e1.similarityCurve(pair.a, pair.b, { eps: CURVE, backend }),
        (r) => ({ points: r.points.map((p) => [p.a, p.b]), maxEpsilon: r.maxEpsilon }),
      );
    const execs: OpPlan["execs"] = { wasm1: cv("wasm"), js: cv("js") };
    if (np1) execs.np1 = numpyExec(np1, "curve");
    const planted = [pair.plantedA, pair.plantedB];
    plans.push({
      key: "curve",
      label: `eps curve (${CURVE.length} eps + maxEpsilon)`,
      cost: (dd, nn) => dd * nn * nn,
      execs,
      verify: (id, r, anchor) => {
        const got = r as { points: unknown[]; maxEpsilon: number }, want = anchor as typeof got;
        const at = CURVE.indexOf(EPS);
        if (!sameSets(got.points[at], planted)) return `the match at eps ${EPS} is not the planted sets`;
        if (id === "wasm1") return null;
        const bad = got.points.findIndex((p, i) => !sameSets(p, want.points[i]));
        if (bad >= 0) {
          const g = got.points[bad] as number[][], w = want.points[bad] as number[][];
          return `eps ${CURVE[bad]}: ${g[0]!.length} + ${g[1]!.length} neurons vs wasm's ${w[0]!.length} + ${w[1]!.length}`;
        }
        const r2 = relDiff(got.maxEpsilon, want.maxEpsilon);
        return r2 <= REL_TOL ? null : `maxEpsilon ${got.maxEpsilon} vs wasm's ${want.maxEpsilon} (relative ${r2.toExponential(2)})`;
      },
    });
  }

  // ---- simple-match decomposition ----
  if (blocks) {
    const want = blocks.blocks.map((b) => JSON.stringify([b.a, b.b])).sort();
    const sm = (backend: "wasm" | "js") =>
      nodeExec(
        () => e1.simpleMatches(blocks.a, blocks.b, { eps: EPS, backend }),
        (r) => ({ sets: r.matches.map((m) => JSON.stringify([m.a, m.b])).sort(), unique: r.unique, simple: r.matches.every((m) => m.simple) }),
      );
    const execs: OpPlan["execs"] = { wasm1: sm("wasm"), js: sm("js") };
    if (np1) execs.np1 = numpyExec(np1, "simple");
    plans.push({
      key: "simple",
      label: `simple-match decomposition, eps ${EPS}, ${nBlocks} planted blocks`,
      cost: (dd, nn) => dd * nn * nn,
      execs,
      verify: (id, r) => {
        if (id === "np1") {
          const got = (r as number[][][]).map((m) => JSON.stringify(m)).sort();
          return sameSets(got, want) ? null : `${got.length} matches, not the ${want.length} planted blocks`;
        }
        const g = r as { sets: string[]; unique: boolean; simple: boolean };
        if (!sameSets(g.sets, want)) return `${g.sets.length} matches, not the ${want.length} planted blocks`;
        if (!g.unique) return "the planted blocks, but not certified unique";
        if (!g.simple) return "the planted blocks, but not every match certified simple";
        return null;
      },
    });
  }

  // ---- layer grid on worker threads ----
  if (ops.has("grid")) {
    const A = layerSlices(pair.a, d, n, "a"), B = layerSlices(pair.b, d, n, "b");
    const grid = (threads: number): Exec => ({
      async run(check: boolean) {
        const t = performance.now();
        const r = await compareLayers(e1, A, B, { threads, measures: [] });
        const seconds = (performance.now() - t) / 1000;
        return { seconds, result: check ? r.pairs.map((row) => row.map((p) => JSON.stringify([p.matched, p.similarity, p.maxEpsilon]))) : undefined };
      },
    });
    plans.push({
      key: "grid",
      label: `layer grid, 4 x 4 layers of ${n / 2} neurons, eps curve (wasm2 = 2 worker threads)`,
      cost: (dd, nn) => dd * nn * nn,
      execs: { wasm1: grid(1), wasm2: grid(2) },
      verify: (_id, r, anchor) => (JSON.stringify(r) === JSON.stringify(anchor) ? null : "the worker pool's match sets differ from the in-process ones"),
    });
  }

  // ---- measures ----
  if (ops.has("measures")) {
    const names = ["cca", "svcca", "pwcca", "cka", "procrustes", "all"] as const;
    for (const name of names) {
      const list: MeasureName[] | undefined = name === "all" ? undefined : [name];
      const ms = (e: Engine, backend: "wasm" | "js") =>
        nodeExec(
          () => e.measures(pairC.a, pairC.b, { backend, rbf, ...(list ? { measures: list } : {}) }),
          (r) => measureValues(r as unknown as Record<string, unknown>, name, rbf),
        );
      const execs: OpPlan["execs"] = { wasm1: ms(e1, "wasm"), wasm2: ms(e2, "wasm"), js: ms(e1, "js") };
      if (np1) execs.np1 = numpyExec(np1, `m_${name}`);
      const withRbf = rbf && (name === "cka" || name === "all");
      plans.push({
        key: `m_${name}`,
        label: name === "all" ? "measures, all five at once" : `measures: ${name}`,
        cost: withRbf ? (dd, nn) => dd * dd * nn : (dd, nn) => dd * nn * nn,
        execs,
        verify: (id, r, anchor) => {
          if (id === "wasm1") return null;
          const c = compareValues(r, anchor);
          return c ? `${c.path}: ${String(c.got)} vs wasm's ${String(c.want)} (relative ${c.rel.toExponential(2)})` : null;
        },
        note: withRbf ? "includes the RBF CKA (d x d kernels)" : undefined,
      });
    }
  }

  // ---- run every plan ----
  const outcomes: OpOutcome[] = [];
  for (const plan of plans) outcomes.push(await runPlan(plan, d, n));

  // ---- relaxed SIMD Gram ----
  if (ops.has("gram") && !opt["no-relaxed"]) {
    const g = outcomes.find((o) => o.key === "gram");
    const flops = d * N * (N + 1);
    let row: OpOutcome;
    const inProcess = e1.wasmFlavour === "relaxed-simd";
    const where = inProcess ? "this process" : "child process with --experimental-wasm-relaxed-simd";
    console.log(`  Gram, relaxed SIMD (FMA) vs plain SIMD, 1 thread, ${where}:`);
    const c = inProcess ? compareFlavours(d, N, columnMajor([pair.a, pair.b])) : runGramChild(d, n);
    const data = inProcess ? "the planted pair" : "Gaussian data";
    if (c.relaxed && c.simd && c.maxRelDiff !== undefined && c.maxRelDiff <= REL_TOL) {
      const sr = stats(c.relaxed), ss = stats(c.simd);
      row = {
        key: "gram-relaxed",
        label: `Gram, relaxed SIMD (FMA), ${where}`,
        flops,
        agreement: `agrees with the plain SIMD Gram (normwise ${c.maxRelDiff.toExponential(1)}), ${data}`,
        backends: { wasm1: { stats: sr, gflops: flops / sr.median / 1e9, note: `plain SIMD, same process, alternating: ${fmtTime(ss.median)}, ${(flops / ss.median / 1e9).toFixed(1)} GFLOP/s` } },
        ratios: { relaxedSpeedup: ss.median / sr.median },
      };
    } else {
      const why = c.note ?? (c.maxRelDiff !== undefined ? `relaxed and plain Gram disagree (normwise ${c.maxRelDiff.toExponential(2)})` : "no result");
      row = { key: "gram-relaxed", label: "Gram, relaxed SIMD (FMA)", flops, agreement: why, backends: { wasm1: { skipped: why } }, ratios: {} };
    }
    outcomes.splice(g ? outcomes.indexOf(g) + 1 : 0, 0, row);
    printRow(row);
  }

  for (const c of cleanups) c();
  await np1?.quit();
  await npd?.quit();
  if (dir) rmSync(dir, { recursive: true, force: true });
  const loadEnd = os.loadavg();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`--- ${sizeLabel} done in ${seconds.toFixed(0)} s (load average ${loadEnd.map((x) => x.toFixed(2)).join(" ")})`);
  for (const note of notes) console.log(`note: ${note}`);
  return {
    d,
    n,
    q,
    loadavg: { start: loadStart, end: loadEnd },
    seconds,
    generation,
    blocks: blocks ? { count: nBlocks, sizes: blocks.blocks.map((b) => b.a.length), rejectedDesigns: blocks.rejected } : { count: 0, sizes: [], rejectedDesigns: 0 },
    ops: outcomes,
    notes,
  };
}

/** The values the agreement check compares for one measures() result. */
function measureValues(r: Record<string, unknown>, name: string, rbf: boolean): unknown {
  const cca = r.cca as { coefficients: number[]; mean: number; meanSquared: number } | undefined;
  const svcca = r.svcca as { value: number; dims: [number, number] } | undefined;
  const pwcca = r.pwcca as { paper: number; google: number } | undefined;
  const cka = r.cka as { linear: number; linearDebiased: number; rbf?: { value: number }; rbfDebiased?: number } | undefined;
  const pr = r.procrustes as { angular: number; euclidean: number; shapeAlpha0_5: number } | undefined;
  const out: Record<string, unknown> = {};
  if (cca) out.cca = { coefficients: cca.coefficients, mean: cca.mean, meanSquared: cca.meanSquared };
  if (svcca) out.svcca = { value: svcca.value, dims: svcca.dims };
  if (pwcca) out.pwcca = { paper: pwcca.paper, google: pwcca.google };
  if (cka) {
    const c: Record<string, number> = { linear: cka.linear, linearDebiased: cka.linearDebiased };
    if (rbf) {
      c.rbf = cka.rbf?.value ?? NaN;
      c.rbfDebiased = cka.rbfDebiased ?? NaN;
    }
    out.cka = c;
  }
  if (pr) out.procrustes = { angular: pr.angular, euclidean: pr.euclidean, shapeAlpha0_5: pr.shapeAlpha0_5 };
  return name === "all" ? out : out[name];
}

async function runPlan(plan: OpPlan, d: number, n: number): Promise<OpOutcome> {
  const out: OpOutcome = { key: plan.key, label: plan.label, agreement: "", backends: {}, ratios: {} };
  if (plan.flops) out.flops = plan.flops;
  if (plan.note) out.note = plan.note;
  const ids = BACKENDS.filter((id) => plan.execs[id]);
  process.stdout.write(`  ${plan.label}: checking`);

  // 1. skip what is predicted too slow, then one check run each (wasm1 first: the anchor)
  const checks = new Map<BackendId, { seconds: number; result?: unknown }>();
  for (const id of ids) {
    const cap = id === "js" ? JS_CAP : id === "np1" || id === "npd" ? NUMPY_CAP : Infinity;
    const h = history.get(`${plan.key}/${id}`);
    if (h && Number.isFinite(cap)) {
      const predicted = (h.seconds * plan.cost(d, n)) / plan.cost(h.d, h.n);
      if (predicted > cap) {
        out.backends[id] = { skipped: `predicted ${predicted.toFixed(0)} s per run (from ${fmtTime(h.seconds)} at ${h.d} x ${h.n}) > cap ${cap} s` };
        continue;
      }
    }
    if ((id === "js" && opt["no-js"]) || ((id === "np1" || id === "npd") && opt["no-numpy"])) continue;
    try {
      const c = await plan.execs[id]!.run(true);
      checks.set(id, c);
      if (id === "wasm1") plan.onAnchor?.(c.result);
      process.stdout.write(".");
    } catch (e) {
      out.backends[id] = { error: (e as Error).message.split("\n")[0] };
    }
  }

  // 2. agreement
  const anchor = checks.get("wasm1")?.result;
  const agree: BackendId[] = [];
  const problems: string[] = [];
  for (const [id, c] of checks) {
    let why: string | null;
    try {
      why = plan.verify(id, c.result, anchor);
    } catch (e) {
      why = `check failed: ${(e as Error).message}`;
    }
    if (why) {
      out.backends[id] = { disagree: why };
      problems.push(`${BACKEND_LABEL[id]}: ${why}`);
    } else agree.push(id);
  }
  // if wasm (the anchor) disagrees with the truth, or every other backend disagrees with it, time nothing
  const others = [...checks.keys()].filter((id) => id !== "wasm1" && id !== "wasm2");
  const anchorBad = !agree.includes("wasm1") || (others.length >= 2 && others.every((id) => !agree.includes(id)));
  if (anchorBad && problems.length) {
    for (const id of agree) out.backends[id] = { disagree: "not timed: the backends disagree (see agreement)" };
    agree.length = 0;
  }
  out.agreement = problems.length ? `DISAGREEMENT: ${problems.join("; ")}` : `all ${checks.size} agree`;

  // 3. timing, alternating
  const want = new Map<BackendId, number>();
  const samples = new Map<BackendId, number[]>();
  for (const id of agree) {
    const c = checks.get(id)!;
    const k = reps(c.seconds);
    if (k === 0) {
      samples.set(id, [c.seconds]);
      want.set(id, 0);
    } else {
      samples.set(id, []);
      want.set(id, k);
    }
  }
  const rounds = Math.max(0, ...want.values());
  const order = [...want.keys()];
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < order.length; j++) {
      const id = order[(r + j) % order.length]!;
      if (samples.get(id)!.length >= want.get(id)! || want.get(id) === 0) continue;
      // a pause before each timed run: OpenBLAS's idle threads spin for about 0.1 s after a call
      // (numpy with default threading), which would otherwise take a core from the next run
      await new Promise((res) => setTimeout(res, PAUSE_MS));
      try {
        samples.get(id)!.push((await plan.execs[id]!.run(false)).seconds);
      } catch (e) {
        out.backends[id] = { error: (e as Error).message.split("\n")[0] };
        want.set(id, 0);
        samples.set(id, []);
      }
    }
    process.stdout.write(".");
  }
  for (const [id, s] of samples) {
    if (!s.length) continue;
    const st = stats(s, want.get(id) === 0);
    const o: BackendOutcome = { stats: st };
    if (plan.flops) o.gflops = plan.flops / st.median / 1e9;
    out.backends[id] = o;
    history.set(`${plan.key}/${id}`, { seconds: st.median, d, n });
  }
  const med = (id: BackendId) => out.backends[id]?.stats?.median;
  const w1 = med("wasm1"), w2 = med("wasm2"), js = med("js"), n1 = med("np1"), nd = med("npd");
  if (w1 && js) out.ratios.jsOverWasm = js / w1;
  if (w1 && n1) out.ratios.numpyOverWasm = n1 / w1;
  if (w2 && n1) out.ratios.numpy1OverWasm2 = n1 / w2;
  if (w2 && nd) out.ratios.numpyDefaultOverWasm2 = nd / w2;
  if (w2 && js) out.ratios.jsOverWasm2 = js / w2;
  if (w1 && w2) out.ratios.twoThreadSpeedup = w1 / w2;
  process.stdout.write("\n");
  printRow(out);
  return out;
}

// ------------------------------------------------------------------------------------------------
// tables

function cell(o: BackendOutcome | undefined, md = false): string {
  if (!o) return "-";
  if (o.skipped) return md ? `skipped: ${o.skipped}` : "skipped";
  if (o.disagree) return md ? `NOT TIMED (disagrees)` : "DISAGREES";
  if (o.error) return md ? `error: ${o.error}` : "error";
  const st = o.stats!;
  let s = `${fmtTime(st.median)} (${fmtRange(st)}, ${st.runs}${st.checkRunOnly ? "*" : ""})`;
  if (o.gflops !== undefined) s += md ? `<br>${o.gflops.toFixed(1)} GFLOP/s` : ` ${o.gflops.toFixed(1)} GF/s`;
  return s;
}

function ratioText(o: OpOutcome): [string, string] {
  const r = o.ratios;
  const f = (x: number | undefined) => (x === undefined ? "" : `${x.toFixed(1)}x`);
  let ts = f(r.jsOverWasm);
  if (r.jsOverWasm2 !== undefined) ts += ` (2T: ${f(r.jsOverWasm2)})`;
  let np = f(r.numpyOverWasm);
  if (r.numpy1OverWasm2 !== undefined) np += ` (2T: ${f(r.numpy1OverWasm2)}`;
  if (r.numpyDefaultOverWasm2 !== undefined) np += `; 2T vs numpy default: ${f(r.numpyDefaultOverWasm2)}`;
  if (r.numpy1OverWasm2 !== undefined) np += ")";
  if (r.relaxedSpeedup !== undefined) return [`relaxed SIMD ${r.relaxedSpeedup.toFixed(2)}x faster than plain SIMD`, "-"];
  if (!ts && !np && r.twoThreadSpeedup !== undefined) return [`2 threads ${r.twoThreadSpeedup.toFixed(2)}x faster than 1`, "-"];
  return [ts || "-", np || "-"];
}

function printRow(o: OpOutcome): void {
  for (const id of BACKENDS) {
    const b = o.backends[id];
    if (!b) continue;
    let line = `    ${BACKEND_LABEL[id].padEnd(22)} ${cell(b)}`;
    if (b.skipped) line += ` (${b.skipped})`;
    if (b.disagree) line += ` (${b.disagree})`;
    if (b.error) line += ` (${b.error})`;
    if (b.note) line += ` [${b.note}]`;
    console.log(line);
  }
  const [ts, np] = ratioText(o);
  if (o.ratios.relaxedSpeedup !== undefined || (o.ratios.twoThreadSpeedup !== undefined && np === "-" && ts.startsWith("2 threads"))) console.log(`    ${ts}`);
  else if (ts !== "-" || np !== "-") console.log(`    time ratio (> 1: wasm faster): pure TS ${ts}, numpy ${np}`);
  if (o.agreement.startsWith("DISAGREEMENT")) console.log(`    ${o.agreement}`);
}

function markdown(meta: Record<string, unknown>, sizes: SizeResult[]): string {
  const lines: string[] = [];
  lines.push(`# repmatch benchmark suite`);
  lines.push("");
  lines.push(`${meta.date}; node ${meta.node}, ${meta.cpu} (${meta.cpus} cores), wasm build ${meta.wasmFlavour}; ${meta.numpy}.`);
  lines.push(`Command: \`${meta.command}\`; total ${(meta.totalSeconds as number).toFixed(0)} s.`);
  lines.push("");
  lines.push(
    "Cells: median (min-max, number of runs) of the timed runs, which alternate between backends after one untimed check run per backend " +
      "(`*`: the run takes more than half the time budget, and the single sample is the check run). " +
      "Ratio columns: the other backend's median time divided by the WASM one (1 thread; 2T: the engine's default 2 threads), so > 1 means WASM is faster.",
  );
  for (const s of sizes) {
    lines.push("");
    lines.push(s.q === s.n ? `## ${s.d} x ${s.n} per side` : `## ${s.d} samples, ${s.n} + ${s.q} neurons`);
    lines.push("");
    lines.push(`Load average ${s.loadavg.start.map((x) => x.toFixed(2)).join(" ")} at the start, ${s.loadavg.end.map((x) => x.toFixed(2)).join(" ")} at the end; ${s.seconds.toFixed(0)} s.`);
    lines.push("");
    lines.push(`| operation | ${BACKENDS.map((b) => BACKEND_LABEL[b]).join(" | ")} | pure TS ÷ wasm | numpy ÷ wasm |`);
    lines.push(`|---|${BACKENDS.map(() => "---").join("|")}|---|---|`);
    for (const o of s.ops) {
      const [ts, np] = ratioText(o);
      lines.push(`| ${o.label} | ${BACKENDS.map((b) => cell(o.backends[b], true)).join(" | ")} | ${ts} | ${np} |`);
    }
    const dis = s.ops.filter((o) => o.agreement.startsWith("DISAGREEMENT"));
    for (const o of dis) lines.push(`\n**${o.label}**: ${o.agreement}`);
    for (const note of s.notes) lines.push(`\nNote: ${note}`);
  }
  lines.push("");
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------------
// main

async function main(): Promise<void> {
  if (opt["gram-child"]) {
    gramChild(opt["gram-child"]);
    return;
  }
  const tStart = performance.now();
  const sizes = parseSizes(opt.sizes ?? (opt.full ? FULL_SIZES : opt.quick ? QUICK_SIZES : DEFAULT_SIZES));
  const ops = new Set(opt.ops.split(",").map((s) => s.trim()));
  for (const o of ops) if (!(ALL_OPS as readonly string[]).includes(o)) throw new Error(`unknown op ${o}; expected some of ${ALL_OPS.join(",")}`);
  const cpu = (() => {
    try {
      return /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.cpus()[0]?.model ?? "unknown";
    } catch {
      return os.cpus()[0]?.model ?? "unknown";
    }
  })();
  const np = numpyAvailable();
  const e1 = createEngineSync({ threads: 1 });
  const e2 = createEngineSync({ threads: 2 });
  const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repo, encoding: "utf8" });
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repo, encoding: "utf8" });
  const meta = {
    date: new Date().toISOString(),
    command: `node ${process.execArgv.join(" ")} dist/suite.js ${process.argv.slice(2).join(" ")}`.replace(/\s+/g, " ").trim(),
    node: process.versions.node,
    v8: process.versions.v8,
    platform: `${process.platform}/${process.arch}`,
    cpu,
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    wasmFlavour: e1.wasmFlavour,
    threadsDefault: e2.threads,
    numpy: np.ok ? `${np.note} (OPENBLAS_NUM_THREADS=1; default threading for the max match too)` : `numpy ${np.note}`,
    git: git.status === 0 ? `${git.stdout.trim()}${dirty.stdout.trim() ? " + uncommitted changes" : ""}` : "unknown",
    options: { budget: BUDGET, maxReps: MAX_REPS, jsCap: JS_CAP, numpyCap: NUMPY_CAP, relTol: REL_TOL, eps: EPS, curve: CURVE },
    loadavgStart: os.loadavg(),
    totalSeconds: 0,
    loadavgEnd: [] as number[],
  };
  console.log(`repmatch benchmark suite: sizes ${sizes.map((s) => `${s.d}x${s.n}${s.q !== s.n ? `x${s.q}` : ""}`).join(", ")}; ops ${[...ops].join(", ")}`);
  console.log(`node ${meta.node} (V8 ${meta.v8}), ${cpu}, ${meta.cpus} cores; wasm build ${e1.wasmFlavour}, engine default threads ${e2.threads}; ${np.ok ? np.note : `numpy ${np.note}`}; git ${meta.git}`);
  console.log(`load average at start: ${meta.loadavgStart.map((x) => x.toFixed(2)).join(" ")}`);
  console.log(`budget ${BUDGET} s of timed runs per operation and backend (<= ${MAX_REPS} runs); pure TS skipped when predicted > ${JS_CAP} s per run, numpy > ${NUMPY_CAP} s`);

  const results: SizeResult[] = [];
  try {
    for (const { d, n, q } of sizes) results.push(await runSize(d, n, q, ops, { e1, e2 }, np.ok));
  } finally {
    e1.close();
    e2.close();
  }
  meta.totalSeconds = (performance.now() - tStart) / 1000;
  meta.loadavgEnd = os.loadavg();
  const dirOut = join(repo, "bench", "results");
  mkdirSync(dirOut, { recursive: true });
  const json = join(dirOut, `${opt.tag}.json`), md = join(dirOut, `${opt.tag}.md`);
  writeFileSync(json, JSON.stringify({ meta, sizes: results }, null, 1));
  writeFileSync(md, markdown(meta, results));
  console.log(`\ntotal ${meta.totalSeconds.toFixed(0)} s; load average at the end ${meta.loadavgEnd.map((x) => x.toFixed(2)).join(" ")}`);
  const dis = results.flatMap((s) => s.ops.filter((o) => o.agreement.startsWith("DISAGREEMENT")).map((o) => `${s.d}x${s.n} ${o.label}: ${o.agreement}`));
  if (dis.length) {
    console.log(`\n${dis.length} operation(s) with disagreeing backends (those were not timed):`);
    for (const x of dis) console.log(`  ${x}`);
  } else console.log("every backend agreed on every operation it ran");
  console.log(`results: ${json}, ${md}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
