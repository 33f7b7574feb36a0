/**
 * The training-dynamics commands (src/dynamics/):
 *
 *   repmatch convergence CKPT_1 ... CKPT_K   every layer against itself at the last checkpoint, per
 *                                            measure, and the order in which the layers converge
 *   repmatch sequence A.npy [B.npy] --layout ntc|tnc
 *                                            time step x time step grid (or each step vs the last)
 *   repmatch paths NET_A NET_B               two networks' paths, aligned, and where they diverge
 *
 * A checkpoint or network is a folder of .npy files (one per layer, natural name order), one .npz
 * file (one array per layer), or a comma-separated list of .npy files. Everything is read and
 * validated before any work; a bad input stops with one line naming the checkpoint or file (exit
 * 2). Results go to stdout; CSV and HTML reports are written only after everything succeeded, to a
 * temporary name first and then renamed.
 */
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type { BackendName } from "../backend.js";
import { DYNAMICS_DEFAULT_EPS, DYNAMICS_MEASURES, type DynamicsMeasure } from "../dynamics/common.js";
import { convergence, convergenceCsv, type Checkpoint, type ConvergenceResult } from "../dynamics/convergence.js";
import { comparePaths, type AlignMethod, type PathsResult } from "../dynamics/paths.js";
import { sequenceCsv, sequenceGrid, sequenceToFinal, type SequenceGridResult, type SequenceLayout, type SequenceToFinalResult } from "../dynamics/sequence.js";
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import { readNpyFile, type LoadedArray } from "../io/files.js";
import type { NamedLayer } from "../layers/grid.js";
import { renderConvergenceReport, renderPathsReport, renderSequenceReport } from "../report/dynamics.js";
import { loadNetwork, progressBar, writeAtomically } from "./common.js";
import { table } from "./format.js";

export interface DynamicsCliHelpers {
  parseEps(s: string | undefined): number[];
  backendOf(s: string | undefined): BackendName | undefined;
  parseInt10(s: string | undefined, name: string, dflt: number): number;
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** A checkpoint or network argument (see loadNetwork); 2-D layers only. */
function loadLayers(arg: string, what: string): NamedLayer[] {
  return loadNetwork(arg, { what }).layers;
}

function parseDynamicsMeasures(s: string | undefined): DynamicsMeasure[] {
  if (s === undefined) return [...DYNAMICS_MEASURES];
  const parts = s.split(",").map((t) => t.trim()).filter(Boolean);
  const all = DYNAMICS_MEASURES.join(",");
  if (parts.length === 0) fail("usage", `--measures: expected a comma-separated list of ${all}, got ${JSON.stringify(s)}`);
  for (const t of parts) if (!(DYNAMICS_MEASURES as readonly string[]).includes(t)) fail("usage", `--measures: expected names among ${all}, got ${JSON.stringify(t)}`);
  return DYNAMICS_MEASURES.filter((m) => parts.includes(m));
}

function parseFraction(s: string | undefined): number {
  if (s === undefined) return 0.9;
  const v = Number(s);
  if (s.trim() === "" || !Number.isFinite(v) || v <= 0 || v > 1) fail("usage", `--fraction: expected a number in (0, 1], got ${JSON.stringify(s)}`);
  return v;
}

function parseRadians(s: string | undefined, name: string): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (s.trim() === "" || Number.isNaN(v) || v < 0) fail("usage", `--${name}: expected a non-negative number of radians, got ${JSON.stringify(s)}`);
  return v;
}

const COMMON = {
  eps: { type: "string" },
  measures: { type: "string" },
  json: { type: "boolean", default: false },
  csv: { type: "string" },
  report: { type: "string" },
  title: { type: "string" },
  threads: { type: "string" },
  backend: { type: "string" },
} as const;

/** A column header for a series: "PWCCA dist.", "CKA", "mm@0.3", "Procrustes". */
function shortLabel(measure: string): string {
  if (measure === "pwccaDistance") return "PWCCA dist.";
  if (measure === "cka") return "CKA";
  if (measure === "procrustes") return "Procrustes";
  return measure.replace("maxMatch@", "mm@");
}

/** Fixed decimals (no exponent for round-off like 2.2e-16), "-" when undefined. */
const fix = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? "-" : (Math.abs(x) < 0.5 * 10 ** -digits ? 0 : x).toFixed(digits));

const short = (s: string) => basename(s.replace(/[/\\]+$/, "")).replace(/\.(npz|npy)$/i, "") || s;

// ---------------------------------------------------------------------------------------------

export async function convergenceCommand(engine: Engine, argv: string[], io: Io, h: DynamicsCliHelpers): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON, fraction: { type: "string" } } });
  if (positionals.length < 2) fail("usage", `convergence: expected at least two checkpoints (folders, .npz files or comma-separated .npy lists; the last is the final one), got ${positionals.length} (see repmatch --help)`);
  const measures = parseDynamicsMeasures(values.measures);
  const eps = values.eps === undefined ? [...DYNAMICS_DEFAULT_EPS] : h.parseEps(values.eps);
  const fraction = parseFraction(values.fraction);
  const backend = h.backendOf(values.backend);
  const threads = values.threads === undefined ? undefined : Math.max(1, h.parseInt10(values.threads, "threads", 1));
  const checkpoints: Checkpoint[] = positionals.map((arg) => ({ name: arg, layers: loadLayers(arg, "a checkpoint") }));
  const r = await convergence(engine, checkpoints, { measures, eps, fraction, backend, threads, onProgress: progressBar(io.err, "comparisons") });
  for (const w of r.warnings) io.err(`repmatch: warning: ${w}\n`);
  if (values.csv) writeAtomically(values.csv, convergenceCsv(r));
  if (values.report) writeAtomically(values.report, renderConvergenceReport(r, { title: values.title, meta: { backend: backend ?? engine.backend, threads: r.threads, seconds: Number(r.seconds.toFixed(2)) } }));
  if (values.json) {
    io.out(JSON.stringify(r) + "\n");
    return;
  }
  printConvergence(r, io);
  if (values.csv) io.out(`CSV: ${values.csv}\n`);
  if (values.report) io.out(`report: ${values.report}\n`);
}

function printConvergence(r: ConvergenceResult, io: Io): void {
  const names = r.checkpoints.map((c) => short(c.name));
  const final = names.at(-1)!;
  io.out(`${r.layers.length} layers over ${r.checkpoints.length} checkpoints (${names[0]} ... ${final}), ${r.layers[0]!.samples} samples: each layer against itself at ${final}\n`);
  const pct = `${+(100 * r.fraction).toFixed(2)}%`;
  for (const s of r.series) {
    io.out(`\n${s.label} (${s.kind === "similarity" ? "higher" : "lower"} = closer to final)\n`);
    const rows = r.layers.map((l, i) => [l.name, ...s.values[i]!.map((v) => fix(v)), s.layers[i]!.reached === null ? "-" : names[s.layers[i]!.reached!]!]);
    io.out(table(["layer", ...names, `reaches ${pct}`], rows) + "\n");
  }
  io.out(`\nconvergence order (the first checkpoint at which each layer reaches ${pct} of its final similarity):\n`);
  for (const s of r.series) {
    const by = s.order.map((n) => {
      const c = s.layers.find((x) => x.layer === n)!;
      return `${n} (${c.reached === null ? "-" : names[c.reached]})`;
    });
    io.out(`  ${s.label}: ${by.join(", ")}: ${s.direction}\n`);
  }
}

// ---------------------------------------------------------------------------------------------

function loadSequence(file: string): LoadedArray {
  return readNpyFile(file);
}

export async function sequenceCommand(engine: Engine, argv: string[], io: Io, h: DynamicsCliHelpers): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON, layout: { type: "string" }, "layout-b": { type: "string" }, fraction: { type: "string" } },
  });
  if (positionals.length < 1 || positionals.length > 2) fail("usage", `sequence: expected one or two .npy files of 3-D activations, got ${positionals.length} (see repmatch --help)`);
  const measures = parseDynamicsMeasures(values.measures);
  const eps = values.eps === undefined ? [...DYNAMICS_DEFAULT_EPS] : h.parseEps(values.eps);
  const backend = h.backendOf(values.backend);
  const threads = values.threads === undefined ? undefined : Math.max(1, h.parseInt10(values.threads, "threads", 1));
  const layout = values.layout as SequenceLayout | undefined;
  const layoutB = (values["layout-b"] ?? values.layout) as SequenceLayout | undefined;
  for (const [flag, v] of [["--layout", values.layout], ["--layout-b", values["layout-b"]]] as const) {
    if (v !== undefined && v !== "ntc" && v !== "tnc") fail("usage", `${flag}: expected ntc (samples x time x units) or tnc (time x samples x units), got ${JSON.stringify(v)}`);
  }
  const files = positionals.map(loadSequence);
  files.forEach((f, k) => {
    const lay = k === 0 ? layout : layoutB;
    if (f.shape.length === 3 && lay === undefined) {
      fail("badLayout", `${f.file}: expected ${k === 0 ? "--layout" : "--layout or --layout-b"} ntc (samples x time x units) or tnc (time x samples x units) for 3-D activations, got none`);
    }
  });
  const names = positionals as [string, string?];
  const onProgress = progressBar(io.err, "comparisons");
  let r: SequenceGridResult | SequenceToFinalResult;
  if (files.length === 2) {
    r = await sequenceGrid(engine, files[0]!, files[1]!, { layout, layoutB, measures, eps, backend, threads, names: [names[0], names[1]!], onProgress });
  } else {
    r = await sequenceToFinal(engine, files[0]!, { layout, measures, eps, backend, threads, fraction: parseFraction(values.fraction), names: [names[0], names[0]], onProgress });
  }
  for (const w of r.warnings) io.err(`repmatch: warning: ${w}\n`);
  if (values.csv) writeAtomically(values.csv, sequenceCsv(r));
  if (values.report) writeAtomically(values.report, renderSequenceReport(r, { title: values.title, meta: { backend: backend ?? engine.backend, threads: r.threads, seconds: Number(r.seconds.toFixed(2)) } }));
  if (values.json) {
    io.out(JSON.stringify(r) + "\n");
    return;
  }
  if ("grids" in r) {
    const [A, B] = r.networks;
    io.out(`${A.name} (${A.steps} steps, ${A.units} units) vs ${B.name} (${B.steps} steps, ${B.units} units), ${A.samples} sequences; rows: time steps of ${A.name}, columns: of ${B.name}\n`);
    for (const g of r.grids) {
      io.out(`\n${g.label} (${g.kind === "similarity" ? "higher" : "lower"} = more alike)\n`);
      io.out(table(["", ...Array.from({ length: B.steps }, (_, t) => `t${t}`)], g.values.map((row, i) => [`t${i}`, ...row.map((v) => fix(v))])) + "\n");
    }
  } else {
    const pct = `${+(100 * r.fraction).toFixed(2)}%`;
    io.out(`${r.network.name}: ${r.network.steps} steps, ${r.network.units} units, ${r.network.samples} sequences; every step against the last one\n\n`);
    const header = ["step", ...r.series.map((s) => shortLabel(s.measure))];
    const rows = r.series[0]!.values.map((_, t) => [`t${t}`, ...r.series.map((s) => fix(s.values[t]))]);
    io.out(table(header, rows) + "\n\n");
    for (const s of r.series) io.out(`${s.label}: reaches ${pct} of its final similarity at step ${s.reached === null ? "-" : `t${s.reached}`}\n`);
  }
  if (values.csv) io.out(`CSV: ${values.csv}\n`);
  if (values.report) io.out(`report: ${values.report}\n`);
}

// ---------------------------------------------------------------------------------------------

export async function pathsCommand(engine: Engine, argv: string[], io: Io, h: DynamicsCliHelpers): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      report: { type: "string" },
      title: { type: "string" },
      backend: { type: "string" },
      align: { type: "string" },
      threshold: { type: "string" },
      jump: { type: "string" },
    },
  });
  if (positionals.length !== 2) fail("usage", `paths: expected two networks (folders, .npz files or comma-separated .npy lists), got ${positionals.length} (see repmatch --help)`);
  const backend = h.backendOf(values.backend);
  let align: AlignMethod[] = ["depth", "dp"];
  if (values.align !== undefined) {
    const parts = values.align.split(",").map((t) => t.trim()).filter(Boolean);
    if (parts.length === 0 || parts.some((p) => p !== "depth" && p !== "dp")) fail("usage", `--align: expected depth, dp or depth,dp, got ${JSON.stringify(values.align)}`);
    align = parts as AlignMethod[];
  }
  const threshold = parseRadians(values.threshold, "threshold");
  const jump = parseRadians(values.jump, "jump");
  const [pa, pb] = positionals as [string, string];
  const A = loadLayers(pa, "a network");
  const B = loadLayers(pb, "a network");
  const networks: [string, string] = [short(pa), short(pb)];
  const r = comparePaths(engine, A, B, { networks, align, threshold, jump, backend });
  for (const w of r.warnings) io.err(`repmatch: warning: ${w}\n`);
  if (values.report) writeAtomically(values.report, renderPathsReport(r, { title: values.title, meta: { backend: backend ?? engine.backend, seconds: Number(r.seconds.toFixed(2)) } }));
  if (values.json) {
    io.out(JSON.stringify(r) + "\n");
    return;
  }
  printPaths(r, io);
  if (values.report) io.out(`report: ${values.report}\n`);
}

function printPaths(r: PathsResult, io: Io): void {
  const [na, nb] = r.networks;
  io.out(`${na} (${r.layersA.length} layers) vs ${nb} (${r.layersB.length} layers), ${r.samples} samples; distances are angular CKA (arccos of linear CKA, radians)\n\n`);
  io.out(
    table(
      ["network", "layers", "path length", "endpoint distance", "straightness"],
      r.paths.map((p) => [p.network, String(p.layers.length), fix(p.pathLength, 4), fix(p.endpointDistance, 4), fix(p.straightness, 4)]),
    ) + "\n",
  );
  io.out(`\ncross distances (rows: ${na}, columns: ${nb})\n`);
  io.out(table(["", ...r.layersB.map((l) => l.name)], r.cross.map((row, i) => [r.layersA[i]!.name, ...row.map((v) => fix(v))])) + "\n");
  for (const a of r.alignments) {
    io.out(`\naligned ${a.method === "depth" ? "by relative depth" : "by dynamic programming"} (mean distance ${fix(a.meanDistance, 4)})\n`);
    io.out(
      table(
        ["#", na, "depth", nb, "depth", "distance", "note"],
        a.pairs.map((p, k) => [String(k + 1), p.layerA, fix(p.depthA, 3), p.layerB, fix(p.depthB, 3), fix(p.distance, 4), a.divergence?.index === k ? "<- diverge" : ""]),
      ) + "\n",
    );
    const d = a.divergence;
    io.out(
      d
        ? `diverge at ${d.pair.layerA} <-> ${d.pair.layerB}: distance ${fix(d.pair.distance, 4)}${d.previous === null ? "" : ` after ${fix(d.previous, 4)}`} (${d.reasons.map((x) => (x === "threshold" ? `above ${fix(r.threshold, 4)}` : `a jump of >= ${fix(r.jump, 4)}`)).join(", ")})\n`
        : `no divergence: every aligned distance <= ${fix(r.threshold, 4)} and no jump >= ${fix(r.jump, 4)}\n`,
    );
  }
}
