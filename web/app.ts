/**
 * The repmatch analysis page. Files are dropped (or picked) per network, handed as File objects to
 * the analysis runtime (web/worker.ts) in a Web Worker, and every finished layer pair is drawn at
 * once with the report's SVG code (src/report/svg.ts: heatmapSvg, lineChartSvg, pathPlotSvg; grids
 * and curves through src/layers/report.ts). The page itself never computes anything heavy.
 *
 * Where the runtime runs, in order of preference:
 *  1. http(s): `new Worker("worker.js")`, the bundle next to this page;
 *  2. file:// (Chromium refuses file URLs as worker scripts) or if 1 fails: worker.js is loaded with
 *     a <script> tag, which only publishes its own source text, and the worker is started from a
 *     Blob URL of that text;
 *  3. no usable Worker at all: the same runtime on the page, with a visible note.
 */
import type { LayersResult } from "../src/layers/grid.js";
import type { PairResult } from "../src/layers/pair.js";
import { layersGrids } from "../src/layers/report.js";
import { describeMeasure } from "../src/report/html.js";
import { heatmapSvg, lineChartSvg, pathPlotSvg, type HeatmapOptions } from "../src/report/svg.js";
import type { Grid, PathGeometry } from "../src/report/types.js";
import type { SimpleMatchesResult } from "../src/subspace.js";
import { isConvergenceMessage, setupConvergence, type ConvergenceView } from "./convergence-view.js";
import type { ExampleMeta } from "./example.js";
import {
  SIMPLE_MAX_NEURONS,
  type EngineInfo,
  type ErrorInfo,
  type FileSpec,
  type LayerEntry,
  type PageMessage,
  type Side,
  type WorkerMessage,
} from "./protocol.js";

const DEFAULT_EPS = "0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9";

// ---------------------------------------------------------------------------------------------
// DOM helpers

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: missing #${id}`);
  return el as T;
}

function h(tag: string, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: (Node | string | null | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function formatSeconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

/** A value as the page prints it: 4 decimals, "—" when missing or not finite. */
function fmt(v: number | null | undefined, digits = 4): string {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "\u2014";
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
function stem(name: string): string {
  return name.replace(/^.*[\\/]/, "").replace(/\.(npy|npz)$/i, "");
}

/** Sets a download link to a Blob made when it is clicked (one object URL at a time per link). */
function downloadLink(a: HTMLAnchorElement, make: () => { name: string; type: string; text: string } | null): void {
  a.addEventListener("click", (e) => {
    const file = make();
    if (!file) {
      e.preventDefault();
      return;
    }
    const old = a.dataset.url;
    if (old) URL.revokeObjectURL(old);
    const url = URL.createObjectURL(new Blob([file.text], { type: file.type }));
    a.dataset.url = url;
    a.href = url;
    a.download = file.name;
  });
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._@-]+/g, "_").replace(/^_+|_+$/g, "") || "figure";
}

// ---------------------------------------------------------------------------------------------
// The analysis runtime: worker, Blob worker, or in-page

type Runner = "worker" | "blob-worker" | "in-page";

interface Port {
  runner: Runner;
  post(msg: PageMessage): void;
  close(): void;
}

interface RuntimeGlobal {
  source: string;
  start: (post: (msg: WorkerMessage) => void) => (msg: PageMessage) => void;
}

/**
 * `?simd=plain` in the page's URL: the plain SIMD build of the WASM core even where relaxed SIMD
 * (FMA) validates, so the numbers are bit-identical to Node's (which validates only the plain one).
 */
function relaxedSimdAllowed(): boolean {
  try {
    return new URLSearchParams(location.search).get("simd") !== "plain";
  } catch {
    return true;
  }
}

let runtimeScript: Promise<RuntimeGlobal> | null = null;
function loadRuntime(): Promise<RuntimeGlobal> {
  runtimeScript ??= loadScript("worker.js").then(() => {
    const rt = (globalThis as { __repmatchWorker?: RuntimeGlobal }).__repmatchWorker;
    if (!rt) throw new Error("worker.js did not publish the runtime");
    return rt;
  });
  return runtimeScript;
}

type Listener = (port: Port, msg: WorkerMessage) => void;
type Crash = (port: Port, message: string) => void;

function startWorker(url: string, runner: Runner, backend: "auto" | "js", listen: Listener, crash: Crash): Promise<{ port: Port; info: EngineInfo }> {
  return new Promise((resolve, reject) => {
    let w: Worker;
    try {
      w = new Worker(url);
    } catch (e) {
      reject(e);
      return;
    }
    let settled = false;
    const port: Port = { runner, post: (m) => w.postMessage(m), close: () => w.terminate() };
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      w.terminate();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error("the worker did not answer within 30 s")), 30_000);
    w.onerror = (ev) => {
      ev.preventDefault();
      if (!settled) fail(new Error(ev.message || "the worker script failed to start"));
      else crash(port, ev.message || "the analysis worker stopped");
    };
    w.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      const m = ev.data;
      if (!settled) {
        if (m.type === "ready") {
          settled = true;
          clearTimeout(timer);
          resolve({ port, info: m });
        } else if (m.type === "initError") fail(new Error(m.error.message));
        return;
      }
      listen(port, m);
    };
    w.postMessage({ type: "init", backend, relaxedSimd: relaxedSimdAllowed() } satisfies PageMessage);
  });
}

async function startInPage(backend: "auto" | "js", listen: Listener): Promise<{ port: Port; info: EngineInfo }> {
  const rt = await loadRuntime();
  let closed = false;
  let handle: (msg: PageMessage) => void = () => {};
  return new Promise((resolve, reject) => {
    let settled = false;
    const port: Port = {
      runner: "in-page",
      post: (m) => setTimeout(() => !closed && handle(m), 0),
      close: () => {
        if (closed) return;
        handle({ type: "cancel" });
        closed = true;
      },
    };
    handle = rt.start((m) =>
      setTimeout(() => {
        if (closed) return;
        if (!settled) {
          if (m.type === "ready") {
            settled = true;
            resolve({ port, info: m });
          } else if (m.type === "initError") {
            settled = true;
            reject(new Error(m.error.message));
          }
          return;
        }
        listen(port, m);
      }, 0),
    );
    handle({ type: "init", backend, relaxedSimd: relaxedSimdAllowed() });
  });
}

async function connect(backend: "auto" | "js", listen: Listener, crash: Crash): Promise<{ port: Port; info: EngineInfo; tried: string[] }> {
  const tried: string[] = [];
  if (typeof Worker === "function") {
    if (/^https?:$/.test(location.protocol)) {
      try {
        return { ...(await startWorker(new URL("worker.js", document.baseURI).href, "worker", backend, listen, crash)), tried };
      } catch (e) {
        tried.push(`worker.js: ${(e as Error).message}`);
      }
    }
    try {
      const rt = await loadRuntime();
      const url = URL.createObjectURL(new Blob([rt.source], { type: "text/javascript" }));
      try {
        return { ...(await startWorker(url, "blob-worker", backend, listen, crash)), tried };
      } finally {
        URL.revokeObjectURL(url);
      }
    } catch (e) {
      tried.push(`Blob URL worker: ${(e as Error).message}`);
    }
  } else tried.push("this browser has no Web Workers");
  return { ...(await startInPage(backend, listen)), tried };
}

// ---------------------------------------------------------------------------------------------
// State

interface Inputs {
  A: FileSpec[];
  B: FileSpec[];
  /** sizes shown in the drop zones (bytes) */
  sizes: { A: number[]; B: number[] };
  networks: [string, string];
  example: ExampleMeta | null;
}

interface Run {
  id: number;
  networks: [string, string];
  example: ExampleMeta | null;
  eps: number[];
  layersA: LayerEntry[];
  layersB: LayerEntry[];
  pairs: (PairResult | null)[][];
  /** pairs[i][j] holds only the maximum-match half so far (the other measures are being computed) */
  partial: boolean[][];
  seconds: number[][];
  busy: [number, number] | null;
  done: number;
  total: number;
  state: "reading" | "running" | "done" | "cancelled" | "failed";
  stage: string;
  notes: string[];
  paths: PathGeometry[] | null;
  result: LayersResult | null;
  t0: number;
  /** seconds from the start of the run to the first shown result (a pair's maximum match) */
  firstResult: number | null;
  /** ... and to the first pair with every measure */
  firstPair: number | null;
  elapsed: number | null;
}

const inputs: Inputs = { A: [], B: [], sizes: { A: [], B: [] }, networks: ["network A", "network B"], example: null };
let port: Port | null = null;
let engine: EngineInfo | null = null;
let connecting: Promise<void> | null = null;
let run: Run | null = null;
/** the run whose results are on screen (the last one that produced layers) */
let shown: Run | null = null;
let nextId = 1;
let selMeasure: string | null = null;
let selPair: [number, number] = [0, 0];
let simpleRequest: { id: number; run: number; i: number; j: number; eps: number; t0: number } | null = null;

// ---------------------------------------------------------------------------------------------
// Engine lifecycle

function backendChoice(): "auto" | "js" {
  return $<HTMLSelectElement>("backend").value === "js" ? "js" : "auto";
}

function showEngine(): void {
  const el = $("engine");
  const label = $("engine-label");
  if (!engine || !port) {
    el.dataset.state = "starting";
    label.textContent = "Starting engine…";
    return;
  }
  el.dataset.state = run && (run.state === "reading" || run.state === "running") ? "busy" : "ready";
  el.dataset.backend = engine.backend;
  el.dataset.flavour = engine.wasmFlavour ?? "none";
  el.dataset.runner = port.runner;
  const what =
    engine.backend === "wasm"
      ? `WebAssembly ${engine.wasmFlavour === "relaxed-simd" ? "relaxed SIMD" : "SIMD"}`
      : engine.simd
        ? "Pure TypeScript (chosen)"
        : "Pure TypeScript (no WebAssembly SIMD here)";
  const where = port.runner === "in-page" ? "on this page" : "in a Web Worker";
  label.innerHTML = "";
  label.append(h("strong", {}, what), ` · ${where}`);
  el.title = `Engine: ${engine.backend}${engine.wasmFlavour ? ` (${engine.wasmFlavour})` : ""}, started ${port.runner === "blob-worker" ? "as a Web Worker from a Blob URL" : port.runner === "worker" ? "as a Web Worker (worker.js)" : "on the page"} in ${formatSeconds(engine.seconds)}`;
  const note = $("runner-note");
  if (port.runner === "in-page") {
    $("runner-note-text").textContent =
      "Web Workers are unavailable here, so the analysis runs on the page itself: the page may stop responding while a layer pair is computed, and Cancel takes effect between pairs.";
    note.hidden = false;
  } else note.hidden = true;
}

function ensureEngine(): Promise<void> {
  if (port && engine) return Promise.resolve();
  connecting ??= (async () => {
    showEngine();
    try {
      const c = await connect(backendChoice(), onMessage, onCrash);
      port = c.port;
      engine = c.info;
      if (c.tried.length) console.info("repmatch: worker fallbacks:", c.tried.join("; "));
    } catch (e) {
      $("engine").dataset.state = "failed";
      $("engine-label").textContent = "Engine failed to start";
      showError({ code: "engineFailure", message: `expected the analysis engine to start, got: ${(e as Error).message}` });
      throw e;
    } finally {
      connecting = null;
    }
    showEngine();
  })();
  return connecting;
}

function dropEngine(): void {
  port?.close();
  port = null;
  engine = null;
  convergenceView?.engineDropped();
}

function onCrash(p: Port, message: string): void {
  if (p !== port) return;
  dropEngine();
  if (run && (run.state === "reading" || run.state === "running")) {
    run.state = "failed";
    showError({ code: "engineFailure", message: `the analysis worker stopped (${message}); it may have run out of memory. The engine was restarted.` });
    renderStatus();
  }
  void ensureEngine();
}

// ---------------------------------------------------------------------------------------------
// Errors and notes

function showError(err: ErrorInfo): void {
  $("error-text").textContent = err.message;
  $("error-code").textContent = err.code && err.code !== "internal" ? `[${err.code}]` : "";
  $("error").dataset.code = err.code;
  $("error").hidden = false;
}

function clearError(): void {
  $("error").hidden = true;
}

function renderWarnings(): void {
  const box = $("warnings");
  const body = $("warnings-body");
  const r = shown;
  if (!r) {
    box.hidden = true;
    return;
  }
  const list = [...new Set([...r.notes, ...r.pairs.flat().flatMap((p) => (p ? p.warnings.map((w) => w.message) : []))])];
  if (list.length === 0) {
    box.hidden = true;
    return;
  }
  body.innerHTML = "";
  const ul = h("ul");
  const max = 6;
  list.slice(0, max).forEach((w) => ul.append(h("li", {}, w)));
  if (list.length > max) ul.append(h("li", {}, `… and ${list.length - max} more (in the JSON export)`));
  body.append(h("strong", {}, list.length === 1 ? "Warning" : `Warnings (${list.length})`), ul);
  box.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Inputs: drop zones and file pickers

function renderZones(): void {
  for (const side of ["A", "B"] as Side[]) {
    const files = inputs[side];
    const zone = $(`zone-${side}`);
    const body = $(`files-${side}`);
    zone.classList.toggle("filled", files.length > 0);
    $(`net-${side}`).textContent = files.length ? (inputs.example ? inputs.networks[side === "A" ? 0 : 1] : "") : "";
    body.innerHTML = "";
    const layers = shown && shown.example === inputs.example && sameFiles(side) ? (side === "A" ? shown.layersA : shown.layersB) : null;
    if (files.length === 0) {
      body.append(h("div", { class: "empty" }, "Drop .npy or .npz files here: one file for a single layer, several .npy files or an .npz archive for a set of layers."));
      continue;
    }
    const ul = h("ul");
    files.forEach((f, k) => {
      const size = inputs.sizes[side][k] ?? 0;
      ul.append(h("li", {}, h("span", {}, f.name), h("span", { class: "dim" }, formatBytes(size))));
    });
    body.append(ul);
    if (layers && layers.length) {
      const shapes = layers.map((l) => `${l.name} (${l.neurons})`).join(" · ");
      body.append(h("div", { class: "dim", style: "margin-top:6px" }, `${layers.length} layer${layers.length === 1 ? "" : "s"}, ${layers[0]!.samples.toLocaleString("en-US")} samples: ${shapes}`));
    }
  }
}

let lastRunFiles: { A: FileSpec[]; B: FileSpec[] } = { A: [], B: [] };
function sameFiles(side: Side): boolean {
  const a = lastRunFiles[side];
  const b = inputs[side];
  return a.length === b.length && a.every((f, k) => f === b[k]);
}

function setSide(side: Side, files: File[]): void {
  const picked = files.filter((f) => f && typeof f.name === "string");
  if (picked.length === 0) return;
  if (inputs.example) {
    inputs.A = [];
    inputs.B = [];
    inputs.sizes = { A: [], B: [] };
    inputs.example = null;
  }
  picked.sort((x, y) => collator.compare(x.name, y.name));
  inputs[side] = picked.map((f) => ({ name: f.name, data: f }));
  inputs.sizes[side] = picked.map((f) => f.size);
  inputs.networks = [networkName("A"), networkName("B")];
  clearError();
  renderZones();
  if (inputs.A.length && inputs.B.length) void startRun();
  else setStatusIdle(`Now add the files of network ${inputs.A.length ? "B" : "A"}.`);
}

function networkName(side: Side): string {
  const files = inputs[side];
  if (files.length === 1) return stem(files[0]!.name);
  return `network ${side}`;
}

function wireZone(side: Side): void {
  const zone = $(`zone-${side}`);
  const input = $<HTMLInputElement>(`file-${side}`);
  input.addEventListener("change", () => {
    setSide(side, Array.from(input.files ?? []));
    input.value = "";
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    e.stopPropagation();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    e.stopPropagation();
    zone.classList.remove("over");
    setSide(side, Array.from(e.dataTransfer?.files ?? []));
  });
  zone.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      input.click();
    }
  });
}

/** Two files dropped anywhere else on the page: the first (by name) is A, the second B. */
function wirePageDrop(): void {
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => {
    e.preventDefault();
    const files = Array.from(e.dataTransfer?.files ?? []).sort((x, y) => collator.compare(x.name, y.name));
    if (files.length === 2) {
      setSide("A", [files[0]!]);
      setSide("B", [files[1]!]);
    } else if (files.length > 0) {
      showError({ code: "usage", message: `expected two files dropped on the page (A, then B by name) or files dropped on the Network A / Network B boxes, got ${files.length} file${files.length === 1 ? "" : "s"}` });
    }
  });
}

function parseEps(): number[] | null {
  const raw = $<HTMLInputElement>("eps").value.trim();
  const tokens = raw.split(/[\s,;]+/).filter((t) => t !== "");
  const values = tokens.map(Number);
  const bad = tokens.find((t, k) => !Number.isFinite(values[k]) || values[k]! <= 0 || values[k]! >= 1);
  if (tokens.length === 0 || bad !== undefined) {
    showError({ code: "badEpsilon", message: `ε values: expected numbers between 0 and 1 (exclusive) separated by commas, got ${tokens.length === 0 ? "none" : `\u201c${bad}\u201d`}` });
    return null;
  }
  return [...new Set(values)].sort((x, y) => x - y);
}

// ---------------------------------------------------------------------------------------------
// Runs

async function startRun(): Promise<void> {
  if (!inputs.A.length || !inputs.B.length) {
    showError({ code: "usage", message: "expected files for both networks: drop or choose files for Network A and Network B (or load the example)" });
    return;
  }
  const eps = parseEps();
  if (!eps) return;
  clearError();
  if (run && (run.state === "reading" || run.state === "running")) cancelRun(false);
  convergenceView?.cancel(false);
  const r: Run = {
    id: nextId++,
    networks: [...inputs.networks],
    example: inputs.example,
    eps,
    layersA: [],
    layersB: [],
    pairs: [],
    partial: [],
    seconds: [],
    busy: null,
    done: 0,
    total: 0,
    state: "reading",
    stage: "starting the engine",
    notes: [],
    paths: null,
    result: null,
    t0: performance.now(),
    firstResult: null,
    firstPair: null,
    elapsed: null,
  };
  run = r;
  lastRunFiles = { A: inputs.A, B: inputs.B };
  renderStatus();
  try {
    await ensureEngine();
  } catch {
    r.state = "failed";
    renderStatus();
    return;
  }
  if (run !== r) return;
  r.stage = "reading files";
  renderStatus();
  port!.post({ type: "run", id: r.id, A: inputs.A, B: inputs.B, eps, networks: r.networks });
  showEngine();
}

function cancelRun(restart = true): void {
  const r = run;
  if (!r || (r.state !== "reading" && r.state !== "running")) return;
  r.state = "cancelled";
  r.elapsed = (performance.now() - r.t0) / 1000;
  r.busy = null;
  dropEngine();
  renderStatus();
  if (shown === r) renderResults();
  if (restart) void ensureEngine().then(showEngine, () => {});
}

function onMessage(p: Port, m: WorkerMessage): void {
  if (p !== port) return;
  if (isConvergenceMessage(m)) return convergenceView?.onMessage(m);
  if (m.type === "simple" || m.type === "simpleError") return onSimple(m);
  if (m.type === "ready" || m.type === "initError") return;
  const r = run;
  if (!r || m.id !== r.id || r.state === "cancelled") return;
  switch (m.type) {
    case "stage":
      r.stage = m.text;
      break;
    case "layers":
      r.layersA = m.layersA;
      r.layersB = m.layersB;
      r.eps = m.eps;
      r.notes = m.notes;
      r.total = m.layersA.length * m.layersB.length;
      r.pairs = m.layersA.map(() => m.layersB.map(() => null));
      r.partial = m.layersA.map(() => m.layersB.map(() => false));
      r.seconds = m.layersA.map(() => m.layersB.map(() => 0));
      r.state = "running";
      r.stage = "";
      if (shown !== r) {
        shown = r;
        selPair = [0, 0];
        simpleRequest = null;
        $("simple-out").innerHTML = "";
        $("simple-status").textContent = "";
      }
      renderZones();
      break;
    case "pairStart":
      r.busy = [m.i, m.j];
      break;
    case "pairMatch":
      r.pairs[m.i]![m.j] = m.result;
      r.partial[m.i]![m.j] = true;
      r.seconds[m.i]![m.j] = m.seconds;
      if (r.firstResult === null) r.firstResult = (performance.now() - r.t0) / 1000;
      break;
    case "pair":
      r.pairs[m.i]![m.j] = m.result;
      r.partial[m.i]![m.j] = false;
      r.seconds[m.i]![m.j] = m.seconds;
      r.done++;
      r.busy = null;
      if (r.firstResult === null) r.firstResult = (performance.now() - r.t0) / 1000;
      if (r.firstPair === null) r.firstPair = (performance.now() - r.t0) / 1000;
      break;
    case "paths":
      r.paths = m.paths;
      r.notes = [...r.notes, ...m.notes];
      break;
    case "done":
      r.result = m.result;
      r.state = "done";
      r.stage = "";
      r.elapsed = (performance.now() - r.t0) / 1000;
      break;
    case "error":
      r.state = "failed";
      r.elapsed = (performance.now() - r.t0) / 1000;
      showError(m.error);
      break;
  }
  renderStatus();
  showEngine();
  if (shown === r) scheduleRender();
}

// ---------------------------------------------------------------------------------------------
// Status line

function setStatusIdle(text: string): void {
  const status = $("status");
  status.hidden = false;
  $("progress").classList.remove("indeterminate");
  $("progress-bar").style.width = "0";
  $("status-text").textContent = text;
  $("cancel").hidden = true;
}

function renderStatus(): void {
  const r = run;
  const status = $("status");
  if (!r) {
    status.hidden = true;
    return;
  }
  status.hidden = false;
  status.dataset.state = r.state;
  status.dataset.run = String(r.id);
  status.dataset.done = String(r.done);
  status.dataset.total = String(r.total);
  status.dataset.firstResult = r.firstResult === null ? "" : String(r.firstResult);
  status.dataset.firstPair = r.firstPair === null ? "" : String(r.firstPair);
  const text = $("status-text");
  const bar = $("progress-bar");
  const prog = $("progress");
  const active = r.state === "reading" || r.state === "running";
  $("cancel").hidden = !active;
  $<HTMLButtonElement>("run").disabled = false;
  text.innerHTML = "";
  const elapsed = formatSeconds(r.elapsed ?? (performance.now() - r.t0) / 1000);
  if (r.state === "reading") {
    prog.classList.add("indeterminate");
    text.append(h("strong", {}, "Loading"), ` · ${r.stage}…`);
  } else if (r.state === "running") {
    const busy = r.busy;
    prog.classList.toggle("indeterminate", r.done === 0);
    bar.style.width = `${(100 * r.done) / Math.max(1, r.total)}%`;
    const names = busy ? `${r.layersA[busy[0]]?.name} × ${r.layersB[busy[1]]?.name}` : "";
    const doing = busy ? (r.partial[busy[0]]?.[busy[1]] ? `CCA, CKA and Procrustes of ${names}` : `maximum match of ${names}`) : r.stage || "working";
    text.append(h("strong", {}, `${r.done} of ${r.total} layer pair${r.total === 1 ? "" : "s"}`), ` · ${doing}…`);
    if (r.firstResult !== null) text.append(` · first result after ${formatSeconds(r.firstResult)}`);
  } else if (r.state === "done") {
    prog.classList.remove("indeterminate");
    bar.style.width = "100%";
    text.append(h("strong", {}, `Done: ${r.total} layer pair${r.total === 1 ? "" : "s"} in ${elapsed}`));
    if (r.firstResult !== null && r.total > 1) text.append(` · first result after ${formatSeconds(r.firstResult)}`);
  } else if (r.state === "cancelled") {
    prog.classList.remove("indeterminate");
    text.append(h("strong", {}, "Cancelled"), ` after ${r.done} of ${r.total || "?"} layer pairs (${elapsed}); the engine was restarted.`);
  } else {
    prog.classList.remove("indeterminate");
    bar.style.width = "0";
    text.append(h("strong", {}, "Stopped"), " · see the message below; drop other files or load the example to continue.");
  }
}

// ---------------------------------------------------------------------------------------------
// Results

let renderQueued = false;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderResults();
  });
}

const EMPTY_PAIR = (eps: number[]): PairResult => ({
  similarity: eps.map(() => Number.NaN),
  matched: eps.map(() => [0, 0] as [number, number]),
  maxEpsilon: Number.NaN,
  deadA: 0,
  deadB: 0,
  measures: {},
  warnings: [],
});

/** The shown run as a LayersResult (pairs not computed yet as all-missing placeholders). */
function partialResult(r: Run): LayersResult {
  if (r.result) return r.result;
  const empty = EMPTY_PAIR(r.eps);
  return {
    networks: r.networks,
    eps: r.eps,
    layersA: r.layersA.map(({ name, samples, neurons }) => ({ name, samples, neurons })),
    layersB: r.layersB.map(({ name, samples, neurons }) => ({ name, samples, neurons })),
    pairs: r.pairs.map((row) => row.map((p) => p ?? empty)),
    warnings: [],
    threads: 1,
    seconds: 0,
  };
}

let currentGrids: Grid[] = [];

function defaultMeasure(grids: Grid[], eps: number[]): string {
  const target = eps.reduce((best, e) => (Math.abs(e - 0.5) < Math.abs(best - 0.5) ? e : best), eps[0] ?? 0.5);
  return grids.find((g) => g.measure === `maxMatch@${target}`)?.measure ?? grids[0]?.measure ?? "";
}

function renderResults(): void {
  const r = shown;
  $("results").hidden = !r;
  renderWarnings();
  if (!r) return;
  // summary
  const nA = r.layersA.length, nB = r.layersB.length;
  const samples = r.layersA[0]?.samples ?? 0;
  const what = $("summary-what");
  what.innerHTML = "";
  what.append(h("strong", {}, r.networks[0]), " vs ", h("strong", {}, r.networks[1]), `: ${nA} × ${nB} layer${nA * nB === 1 ? "" : "s"} over ${samples.toLocaleString("en-US")} samples`);
  const meta: string[] = [];
  if (r.example) {
    meta.push(
      `Built-in example: two MLPs 784-${r.example.hidden.join("-")}-10 trained on ${r.example.trainDigits.toLocaleString("en-US")} MNIST digits from seeds ${r.example.seeds.join(" and ")} (held-out accuracy ${r.example.accuracy.map((a) => `${(100 * a).toFixed(1)}%`).join(" / ")}); activations on ${r.example.rows} held-out digits.`,
    );
  }
  if (r.state === "done" && r.elapsed !== null) meta.push(`Computed in ${formatSeconds(r.elapsed)}.`);
  $("summary-meta").textContent = meta.join(" ");

  // grids and measure selector
  const lr = partialResult(r);
  currentGrids = layersGrids(lr);
  const select = $<HTMLSelectElement>("measure");
  const keys = currentGrids.map((g) => g.measure).join("|");
  if (select.dataset.keys !== keys) {
    select.innerHTML = "";
    for (const g of currentGrids) select.append(h("option", { value: g.measure }, g.label));
    select.dataset.keys = keys;
  }
  if (!selMeasure || !currentGrids.some((g) => g.measure === selMeasure)) selMeasure = defaultMeasure(currentGrids, r.eps);
  select.value = selMeasure;
  renderHeatmap(r);

  // pair selector
  const pairSel = $<HTMLSelectElement>("pair");
  const pkeys = `${r.id}:${r.pairs.map((row) => row.map((p) => (p ? 1 : 0)).join("")).join("/")}`;
  if (pairSel.dataset.keys !== pkeys) {
    pairSel.innerHTML = "";
    r.layersA.forEach((la, i) =>
      r.layersB.forEach((lb, j) => {
        const ok = r.pairs[i]?.[j] != null;
        pairSel.append(h("option", { value: `${i},${j}`, disabled: !ok }, `A: ${la.name} × B: ${lb.name}${ok ? "" : " (pending)"}`));
      }),
    );
    pairSel.dataset.keys = pkeys;
  }
  pairSel.value = `${selPair[0]},${selPair[1]}`;
  renderPair(r);
  renderPaths(r);
  renderExport(r);
  $("foot-timing").textContent = r.firstResult !== null ? `first result ${formatSeconds(r.firstResult)}${r.elapsed !== null && r.state === "done" ? ` · all ${formatSeconds(r.elapsed)}` : ""}` : "";
}

function heatmapOptions(r: Run): HeatmapOptions {
  const longest = Math.max(r.layersA.length, r.layersB.length, 1);
  return {
    idPrefix: "pg-heat",
    rowTitle: `A: ${r.networks[0]}`,
    colTitle: `B: ${r.networks[1]}`,
    cellSize: Math.max(18, Math.min(84, Math.floor(500 / longest))),
  };
}

function renderHeatmap(r: Run): void {
  const grid = currentGrids.find((g) => g.measure === selMeasure);
  const box = $("heatmap");
  if (!grid) {
    box.innerHTML = "";
    return;
  }
  box.innerHTML = heatmapSvg(
    grid,
    r.layersA.map((l) => l.name),
    r.layersB.map((l) => l.name),
    heatmapOptions(r),
  );
  box.dataset.measure = grid.measure;
  const nB = r.layersB.length;
  const rects = box.querySelectorAll<SVGRectElement>("g.rm-cells > rect");
  rects.forEach((rect, k) => {
    const i = Math.floor(k / nB), j = k % nB;
    rect.dataset.i = String(i);
    rect.dataset.j = String(j);
    const v = grid.values[i]?.[j];
    rect.dataset.value = v === null || v === undefined ? "" : String(v);
  });
  const mark = (i: number, j: number, cls: string, stroke: string, dash: string) => {
    const cell = rects[i * nB + j];
    if (!cell) return;
    const o = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    for (const a of ["x", "y", "width", "height"]) o.setAttribute(a, cell.getAttribute(a) ?? "0");
    o.setAttribute("fill", "none");
    o.setAttribute("stroke", stroke);
    o.setAttribute("stroke-width", "2.5");
    if (dash) o.setAttribute("stroke-dasharray", dash);
    o.setAttribute("pointer-events", "none");
    o.setAttribute("class", cls);
    cell.ownerSVGElement?.append(o);
  };
  if (r.busy) mark(r.busy[0], r.busy[1], "pg-busy", "#d08c00", "4 3");
  mark(selPair[0], selPair[1], "pg-selected", "#111111", "");
  const about = describeMeasure(grid);
  $("measure-about").textContent =
    (about ? about + " " : "") + (grid.kind === "distance" ? "Lower = more alike." : "Higher = more alike.") + " Hover a cell for its exact value.";
}

function selectPair(i: number, j: number): void {
  selPair = [i, j];
  if (shown) renderResults();
}

interface NumberRow {
  key: string;
  label: string;
  value: number | null | undefined;
  extra?: string;
  digits?: number;
}

let curveSvg = "";
function renderPair(r: Run): void {
  const [i, j] = selPair;
  const la = r.layersA[i], lb = r.layersB[j];
  const p = r.pairs[i]?.[j] ?? null;
  const table = $("pair-numbers");
  table.innerHTML = "";
  table.dataset.pair = `${i},${j}`;
  $("pair-title").textContent = la && lb ? `A: ${la.name} × B: ${lb.name}` : "";
  $("simple-pair").textContent = la && lb ? `A: ${la.name} × B: ${lb.name}` : "";
  const curve = $("curve");
  if (!la || !lb) return;
  const partial = r.partial[i]?.[j] === true;
  if (!p) {
    $("pair-sub").textContent = `${la.samples.toLocaleString("en-US")} samples · ${la.neurons} × ${lb.neurons} neurons · not computed yet`;
    curve.innerHTML = "";
    curveSvg = "";
    table.append(h("tbody", {}, h("tr", {}, h("td", { class: "muted" }, r.state === "running" ? "Waiting for this pair…" : "Not computed."))));
    renderSimpleControls(r, la, lb);
    return;
  }
  const sec = r.seconds[i]?.[j];
  $("pair-sub").textContent =
    `${la.samples.toLocaleString("en-US")} samples · ${la.neurons} × ${lb.neurons} neurons · dead ${p.deadA} / ${p.deadB}` + (sec ? ` · computed in ${formatSeconds(sec)}` : "");
  const m = p.measures;
  const rows: (NumberRow | string)[] = ["Maximum match (Wang et al. 2018)"];
  r.eps.forEach((e, k) => {
    const [ma, mb] = p.matched[k] ?? [0, 0];
    rows.push({ key: `maxMatch@${e}`, label: `similarity at ε = ${e}`, value: p.similarity[k], extra: `${ma} + ${mb} neurons` });
  });
  rows.push({ key: "maxEpsilon", label: "max ε (all live neurons matched)", value: p.maxEpsilon });
  rows.push(partial ? "Other measures (computing…)" : "Other measures");
  rows.push({ key: "cka.linear", label: "linear CKA", value: m.cka?.linear });
  rows.push({ key: "cka.linearDebiased", label: "debiased linear CKA", value: m.cka?.linearDebiased });
  if (m.cka?.rbf) rows.push({ key: "cka.rbf", label: `RBF CKA (threshold ${m.cka.rbf.threshold})`, value: m.cka.rbf.value });
  rows.push({ key: "svcca", label: "SVCCA (99% variance)", value: m.svcca?.value });
  rows.push({ key: "pwcca.paper", label: "PWCCA", value: m.pwcca?.paper });
  rows.push({ key: "cca.mean", label: "mean CCA", value: m.cca?.mean });
  rows.push({ key: "procrustes.angular", label: "angular Procrustes distance", value: m.procrustes?.angular, extra: "radians" });
  const tbody = h("tbody");
  for (const row of rows) {
    if (typeof row === "string") {
      tbody.append(h("tr", { class: "group" }, h("th", { colspan: 3 }, row)));
      continue;
    }
    const v = row.value;
    tbody.append(
      h(
        "tr",
        { "data-key": row.key },
        h("th", { scope: "row" }, row.label),
        h("td", { class: "v", "data-key": row.key, "data-value": typeof v === "number" ? String(v) : "" }, v === undefined && partial ? "…" : fmt(v, row.digits)),
        h("td", { class: "x" }, v === undefined && partial ? "" : (row.extra ?? "")),
      ),
    );
  }
  table.append(tbody);
  // curve
  const markers = Number.isFinite(p.maxEpsilon) ? [{ x: p.maxEpsilon, label: `max ε ${p.maxEpsilon.toFixed(3)}` }] : [];
  curveSvg = lineChartSvg([{ name: `${la.name} × ${lb.name}`, x: r.eps, y: p.similarity }], {
    idPrefix: "pg-curve",
    title: `A: ${la.name} ↔ B: ${lb.name}`,
    xLabel: "ε",
    yLabel: "max-match similarity",
    xDomain: [0, 1],
    yDomain: [0, 1],
    markers,
    width: 560,
    height: 280,
  });
  curve.innerHTML = curveSvg;
  renderSimpleControls(r, la, lb);
}

// ---------------------------------------------------------------------------------------------
// Simple matches

function renderSimpleControls(r: Run, la: LayerEntry, lb: LayerEntry): void {
  const sel = $<HTMLSelectElement>("simple-eps");
  const keys = r.eps.join(",");
  if (sel.dataset.keys !== keys) {
    const prev = sel.value;
    sel.innerHTML = "";
    for (const e of r.eps) sel.append(h("option", { value: String(e) }, String(e)));
    sel.dataset.keys = keys;
    sel.value = r.eps.map(String).includes(prev) ? prev : String(r.eps.reduce((b, e) => (Math.abs(e - 0.5) < Math.abs(b - 0.5) ? e : b), r.eps[0]!));
  }
  const button = $<HTMLButtonElement>("simple-run");
  const tooBig = la.neurons > SIMPLE_MAX_NEURONS || lb.neurons > SIMPLE_MAX_NEURONS;
  const pending = simpleRequest !== null;
  button.disabled = tooBig || pending || !port;
  const status = $("simple-status");
  if (tooBig) {
    status.textContent = `Offered for layers with at most ${SIMPLE_MAX_NEURONS} neurons per side (this pair: ${la.neurons} × ${lb.neurons}); the decomposition runs one maximum match per matched neuron. Use "repmatch compare --simple" for larger layers.`;
    status.className = "muted small";
  } else if (!pending && status.dataset.kind !== "result") {
    status.textContent = "";
  }
}

function requestSimple(): void {
  const r = shown;
  if (!r || !port) return;
  const [i, j] = selPair;
  const eps = Number($<HTMLSelectElement>("simple-eps").value);
  const id = nextId++;
  simpleRequest = { id, run: r.id, i, j, eps, t0: performance.now() };
  const status = $("simple-status");
  status.dataset.kind = "pending";
  status.className = "muted small";
  status.textContent = "Decomposing…";
  $("simple-out").innerHTML = "";
  $<HTMLButtonElement>("simple-run").disabled = true;
  port.post({ type: "simple", id, run: r.id, i, j, eps });
}

function onSimple(m: Extract<WorkerMessage, { type: "simple" | "simpleError" }>): void {
  const req = simpleRequest;
  if (!req || req.id !== m.id) return;
  simpleRequest = null;
  const status = $("simple-status");
  status.dataset.kind = "result";
  const out = $("simple-out");
  out.innerHTML = "";
  const r = shown;
  if (m.type === "simpleError") {
    status.className = "small";
    status.style.color = "var(--err-ink)";
    status.textContent = m.error.message;
  } else if (r) {
    status.style.color = "";
    status.className = "muted small";
    const res: SimpleMatchesResult = m.result;
    const la = r.layersA[req.i]!, lb = r.layersB[req.j]!;
    const n = res.matches.length;
    status.textContent = `A: ${la.name} × B: ${lb.name} at ε = ${res.eps}: ${n} simple match${n === 1 ? "" : "es"} (${formatSeconds(m.seconds)}). ${
      n === 0 ? "The maximum match is empty." : res.unique ? "Every v-minimal match is unique, so this is the complete list." : "Not certified complete: some v-minimal matches are not unique."
    }`;
    if (n > 0) {
      const max = 200;
      const tbody = h("tbody");
      res.matches.slice(0, max).forEach((s, k) =>
        tbody.append(
          h(
            "tr",
            {},
            h("td", {}, String(k + 1)),
            h("td", {}, `${s.a.length} + ${s.b.length}`),
            h("td", { class: "idx" }, s.a.join(", ")),
            h("td", { class: "idx" }, s.b.join(", ")),
            h("td", {}, s.simple ? "yes" : "no"),
          ),
        ),
      );
      const table = h(
        "table",
        { class: "matches", id: "simple-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "size (A + B)"), h("th", {}, `neurons of A (${la.name}, of ${m.neurons[0]})`), h("th", {}, `neurons of B (${lb.name}, of ${m.neurons[1]})`), h("th", {}, "certified simple"))),
        tbody,
      );
      out.append(h("div", { class: "scroll" }, table));
      if (n > max) out.append(h("p", { class: "muted small" }, `… and ${n - max} more.`));
    }
  }
  if (r) {
    const la = r.layersA[selPair[0]], lb = r.layersB[selPair[1]];
    if (la && lb) renderSimpleControls(r, la, lb);
  }
}

// ---------------------------------------------------------------------------------------------
// Paths and export

let pathsSvg = "";
function renderPaths(r: Run): void {
  const section = $("path-section");
  const box = $("paths");
  if (r.paths && r.paths.length > 0) {
    const key = `${r.id}`;
    if (box.dataset.key !== key) {
      pathsSvg = pathPlotSvg(r.paths, { idPrefix: "pg-paths", panelSize: 340 });
      box.innerHTML = pathsSvg;
      box.dataset.key = key;
    }
    section.hidden = false;
  } else {
    section.hidden = true;
    box.innerHTML = "";
    box.dataset.key = "";
    pathsSvg = "";
  }
}

function renderExport(r: Run): void {
  const a = $<HTMLAnchorElement>("dl-json");
  const ready = r.result !== null;
  a.classList.toggle("disabled", !ready);
  a.setAttribute("aria-disabled", String(!ready));
  const note = $("export-note");
  note.innerHTML = "";
  if (ready) note.append("The LayersResult, as ", h("code", {}, "repmatch layers --json"), " writes it: every measure of every layer pair.");
  else note.textContent = r.state === "cancelled" || r.state === "failed" ? "The run did not finish: run it again to export." : "Available when every pair is computed.";
}

// ---------------------------------------------------------------------------------------------
// The built-in example

interface EmbeddedExample {
  meta: ExampleMeta;
  A: string;
  B: string;
}

function fromBase64(s: string): ArrayBuffer {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let k = 0; k < bin.length; k++) out[k] = bin.charCodeAt(k);
  return out.buffer;
}

let exampleData: Promise<{ meta: ExampleMeta; A: ArrayBuffer; B: ArrayBuffer }> | null = null;
function fetchExample(): Promise<{ meta: ExampleMeta; A: ArrayBuffer; B: ArrayBuffer }> {
  exampleData ??= (async () => {
    try {
      const get = async (f: string) => {
        const res = await fetch(`example/${f}`);
        if (!res.ok) throw new Error(`example/${f}: HTTP ${res.status}`);
        return res;
      };
      const meta = (await (await get("meta.json")).json()) as ExampleMeta;
      const [A, B] = await Promise.all(meta.files.map(async (f) => (await get(f)).arrayBuffer()));
      return { meta, A: A!, B: B! };
    } catch {
      // file:// pages cannot fetch files: the same archives as a script (base64)
      await loadScript("example/example.js");
      const ex = (globalThis as { __repmatchExample?: EmbeddedExample }).__repmatchExample;
      if (!ex) throw new Error("example/example.js did not define the example");
      return { meta: ex.meta, A: fromBase64(ex.A), B: fromBase64(ex.B) };
    }
  })();
  exampleData.catch(() => (exampleData = null));
  return exampleData;
}

async function loadExample(): Promise<void> {
  clearError();
  let ex: Awaited<ReturnType<typeof fetchExample>>;
  try {
    ex = await fetchExample();
  } catch (e) {
    showError({ code: "fileNotFound", message: `expected the built-in example next to this page (example/), got: ${(e as Error).message}` });
    return;
  }
  inputs.example = ex.meta;
  inputs.networks = [...ex.meta.networks];
  inputs.A = [{ name: ex.meta.files[0], data: ex.A.slice(0) }];
  inputs.B = [{ name: ex.meta.files[1], data: ex.B.slice(0) }];
  inputs.sizes = { A: [ex.A.byteLength], B: [ex.B.byteLength] };
  renderZones();
  await startRun();
}

// ---------------------------------------------------------------------------------------------
// Wiring

function svgFile(kind: string, svg: string, what: string): { name: string; type: string; text: string } | null {
  if (!svg) return null;
  return { name: `repmatch-${kind}-${safeName(what)}.svg`, type: "image/svg+xml", text: `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n` };
}

/** The "Convergence" tab (web/convergence-view.ts): checkpoints of one network. */
let convergenceView: ConvergenceView | null = null;

function init(): void {
  $<HTMLInputElement>("eps").value = DEFAULT_EPS;
  wireZone("A");
  wireZone("B");
  wirePageDrop();
  renderZones();
  $("run").addEventListener("click", () => void startRun());
  $("example").addEventListener("click", () => void loadExample());
  $("cancel").addEventListener("click", () => cancelRun());
  convergenceView = setupConvergence({
    ensureEngine,
    port: () => port,
    dropEngine,
    showEngine,
    cancelPairRun: () => cancelRun(false),
    renderPairStatus: renderStatus,
    showError,
    clearError,
    nextId: () => nextId++,
  });
  $("error-close").addEventListener("click", clearError);
  $("eps").addEventListener("keydown", (e) => {
    if (e.key === "Enter") void startRun();
  });
  $("backend").addEventListener("change", () => {
    const active = run && (run.state === "reading" || run.state === "running");
    if (active) cancelRun(false);
    dropEngine();
    void ensureEngine().then(
      () => {
        showEngine();
        if (shown && inputs.A.length && inputs.B.length) void startRun();
      },
      () => {},
    );
  });
  $("measure").addEventListener("change", () => {
    selMeasure = $<HTMLSelectElement>("measure").value;
    if (shown) renderHeatmap(shown);
  });
  $("pair").addEventListener("change", () => {
    const [i, j] = $<HTMLSelectElement>("pair").value.split(",").map(Number);
    selectPair(i ?? 0, j ?? 0);
  });
  $("heatmap").addEventListener("click", (e) => {
    const rect = (e.target as Element).closest?.("rect[data-i]") as SVGRectElement | null;
    if (rect) selectPair(Number(rect.dataset.i), Number(rect.dataset.j));
  });
  $("simple-run").addEventListener("click", requestSimple);
  downloadLink($<HTMLAnchorElement>("dl-heatmap"), () => svgFile("heatmap", currentHeatmapSvg(), selMeasure ?? "grid"));
  downloadLink($<HTMLAnchorElement>("dl-curve"), () => {
    const r = shown;
    const la = r?.layersA[selPair[0]], lb = r?.layersB[selPair[1]];
    return svgFile("curve", currentCurveSvg(), la && lb ? `${la.name}-vs-${lb.name}` : "pair");
  });
  downloadLink($<HTMLAnchorElement>("dl-paths"), () => svgFile("paths", pathsSvg, "angular-cka"));
  downloadLink($<HTMLAnchorElement>("dl-json"), () =>
    shown?.result ? { name: `repmatch-layers-${safeName(shown.networks.join("-vs-"))}.json`, type: "application/json", text: JSON.stringify(shown.result, null, 2) + "\n" } : null,
  );
  void ensureEngine().catch(() => {});
  void loadExample();
}

/** The figures exactly as the SVG code produced them (the page adds selection outlines to the DOM only). */
function currentHeatmapSvg(): string {
  const r = shown;
  const grid = currentGrids.find((g) => g.measure === selMeasure);
  if (!r || !grid) return "";
  return heatmapSvg(
    grid,
    r.layersA.map((l) => l.name),
    r.layersB.map((l) => l.name),
    heatmapOptions(r),
  );
}

function currentCurveSvg(): string {
  return curveSvg;
}

init();
