/**
 * `repmatch layers NET_A NET_B`: every layer of network A against every layer of network B.
 * A network is a folder of .npy files (one per layer, in natural name order), one .npz file (one
 * array per layer, in archive order), or a comma-separated list of .npy files. Prints a grid per
 * measure (or JSON), and writes CSV and a self-contained HTML report on request. 4-D conv layers
 * need --layout and are average-pooled over positions (one neuron per channel, one value per image).
 *
 * A bad input stops everything before any work, with one line naming the file; the report and the
 * CSV are written only after the whole grid succeeded (to a temporary name, then renamed), so no
 * partial report is ever left looking complete.
 */
import { readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { parseArgs } from "node:util";
import type { BackendName } from "../backend.js";
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import { readNpyFile, readNpzFile, type LoadedArray } from "../io/files.js";
import { compareLayers, type LayersResult, type NamedLayer } from "../layers/grid.js";
import { layersCsv, layersGrids, layersReport } from "../layers/report.js";
import type { MeasureName } from "../measures/all.js";
import { renderReport } from "../report/html.js";
import { fmt, table } from "./format.js";

export interface LayersCliHelpers {
  parseEps(s: string | undefined): number[];
  parseMeasures(s: string | undefined): ("match" | MeasureName)[];
  backendOf(s: string | undefined): BackendName | undefined;
  parseInt10(s: string | undefined, name: string, dflt: number): number;
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const natural = new Intl.Collator("en", { numeric: true });

/** A network argument: a folder of .npy files, one .npz file, or a comma-separated .npy list. */
function loadNetwork(arg: string): { name: string; layers: LoadedArray[] } {
  if (arg.includes(",")) {
    const files = arg.split(",").map((s) => s.trim()).filter(Boolean);
    return { name: files.map((f) => basename(f, ".npy")).join(","), layers: files.map(readNpyFile) };
  }
  let isDir = false;
  try {
    isDir = statSync(arg).isDirectory();
  } catch {
    /* a missing file is reported by the readers below, naming it */
  }
  if (isDir) {
    const files = readdirSync(arg)
      .filter((f) => extname(f).toLowerCase() === ".npy")
      .sort(natural.compare);
    if (files.length === 0) fail("fileNotFound", `${arg}: expected a folder with .npy files (one per layer), got none`);
    return { name: basename(arg), layers: files.map((f) => readNpyFile(join(arg, f))) };
  }
  if (extname(arg).toLowerCase() === ".npz") {
    const members = readNpzFile(arg);
    if (members.length === 0) fail("badInput", `${arg}: expected at least one array (one per layer), got an empty archive`);
    return { name: basename(arg, ".npz"), layers: members.map((m) => m.array) };
  }
  return { name: basename(arg, ".npy"), layers: [readNpyFile(arg)] };
}

/** 2-D layers pass through; 4-D conv layers are averaged over positions (needs the layout). */
function toLayer(x: LoadedArray, layout: string | undefined): NamedLayer {
  // folder / list: the file name; .npz: the member name
  const name = basename(x.file.includes(".npz:") ? x.file.slice(x.file.lastIndexOf(":") + 1) : x.file).replace(/\.npy$/, "");
  if (x.shape.length === 2) return { name, source: x.file, data: { data: x.data, shape: x.shape } };
  if (x.shape.length !== 4) fail("notTwoDimensional", `${x.file}: expected a 2-D (samples x neurons) or 4-D conv activation, got shape (${x.shape.join(", ")})`);
  if (layout !== "nchw" && layout !== "nhwc") {
    fail("badLayout", `${x.file}: expected --layout nchw or nhwc for a 4-D conv activation, got ${layout === undefined ? "no --layout" : JSON.stringify(layout)}`);
  }
  const [n, a, b, c] = x.shape as [number, number, number, number];
  const [ch, h, w] = layout === "nchw" ? [a, b, c] : [c, a, b];
  const out = new Float64Array(n * ch);
  const hw = h * w;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < ch; k++) {
      let s = 0;
      for (let p = 0; p < hw; p++) s += x.data[layout === "nchw" ? (i * ch + k) * hw + p : (i * hw + p) * ch + k]!;
      out[i * ch + k] = s / hw;
    }
  }
  return { name: `${name} (pooled)`, source: x.file, data: { data: out, shape: [n, ch] } };
}

/** Writes a file atomically: to a temporary name first, then renamed over the target. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function progressBar(err: (s: string) => void): (done: number, total: number) => void {
  return (done, total) => {
    const width = 30;
    const full = Math.round((width * done) / total);
    err(`\r[${"#".repeat(full)}${".".repeat(width - full)}] ${done}/${total} layer pairs${done === total ? "\n" : ""}`);
  };
}

export async function layersCommand(engine: Engine, argv: string[], io: Io, h: LayersCliHelpers): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      eps: { type: "string" },
      measures: { type: "string" },
      json: { type: "boolean", default: false },
      csv: { type: "string" },
      report: { type: "string" },
      backend: { type: "string" },
      threads: { type: "string" },
      layout: { type: "string" },
      title: { type: "string" },
    },
  });
  if (positionals.length !== 2) fail("usage", `layers: expected two networks (folders, .npz files or comma-separated .npy lists), got ${positionals.length} (see repmatch --help)`);
  const eps = h.parseEps(values.eps);
  const wanted = h.parseMeasures(values.measures);
  const measures = wanted.filter((m): m is MeasureName => m !== "match");
  const backend = h.backendOf(values.backend);
  const threads = values.threads === undefined ? undefined : Math.max(1, h.parseInt10(values.threads, "threads", 1));
  const A = loadNetwork(positionals[0]!);
  const B = loadNetwork(positionals[1]!);
  const la = A.layers.map((x) => toLayer(x, values.layout));
  const lb = B.layers.map((x) => toLayer(x, values.layout));
  const onProgress = process.stderr.isTTY ? progressBar(io.err) : undefined;
  const r = await compareLayers(engine, la, lb, { eps, measures, backend, threads, networks: [A.name, B.name], onProgress });
  for (const w of r.warnings) io.err(`repmatch: warning: ${w}\n`);

  if (values.csv) writeAtomically(values.csv, layersCsv(r));
  if (values.report) writeAtomically(values.report, renderReport(layersReport(r, { title: values.title, meta: { backend: backend ?? engine.backend } })));
  if (values.json) {
    io.out(JSON.stringify(r) + "\n");
    return;
  }
  printGrids(r, io);
  if (values.csv) io.out(`CSV: ${values.csv}\n`);
  if (values.report) io.out(`report: ${values.report}\n`);
}

function printGrids(r: LayersResult, io: Io): void {
  io.out(`${r.networks[0]} (${r.layersA.length} layers) vs ${r.networks[1]} (${r.layersB.length} layers), ${r.layersA[0]!.samples} samples; rows: ${r.networks[0]}, columns: ${r.networks[1]}\n`);
  const short = (s: string) => basename(s);
  for (const g of layersGrids(r)) {
    io.out(`\n${g.label} (${g.kind === "similarity" ? "higher = more alike" : "lower = more alike"})\n`);
    io.out(table(["", ...r.layersB.map((l) => short(l.name))], g.values.map((row, i) => [short(r.layersA[i]!.name), ...row.map((v) => fmt(v, 3))])) + "\n");
  }
  io.out(`\nmaxEpsilon (every live neuron matched from this eps on)\n`);
  io.out(table(["", ...r.layersB.map((l) => short(l.name))], r.pairs.map((row, i) => [short(r.layersA[i]!.name), ...row.map((p) => fmt(p.maxEpsilon, 3))])) + "\n");
  io.out(`\n${r.layersA.length * r.layersB.length} layer pairs in ${r.seconds.toFixed(1)} s on ${r.threads} thread${r.threads > 1 ? "s" : ""}\n`);
}
