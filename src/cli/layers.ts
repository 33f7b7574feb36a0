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
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type { BackendName } from "../backend.js";
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import { compareLayers, type LayersResult } from "../layers/grid.js";
import { layersCsv, layersGrids, layersReport } from "../layers/report.js";
import type { MeasureName } from "../measures/all.js";
import { renderReport } from "../report/html.js";
import { loadNetwork, progressBar, writeAtomically } from "./common.js";
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
  const A = loadNetwork(positionals[0]!, { layout: values.layout });
  const B = loadNetwork(positionals[1]!, { layout: values.layout });
  const la = A.layers, lb = B.layers;
  const onProgress = progressBar(io.err, "layer pairs");
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
