/**
 * `repmatch compare A.npy B.npy --stream`: the subspace match over files read in blocks of rows
 * (src/io/files.ts openNpyRows), never holding more than one block of each file. 2-D files go
 * through engine.streamCurve (the eps curve and maxEpsilon from the accumulated Gram matrix);
 * 4-D conv files through engine.streamConvSimilarity (the authors' 16 x 10,000 protocol in one
 * pass). Decisions the exact route would have re-checked are reported as `uncertain`.
 */
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import { openNpyRows, type NpyRowReader } from "../io/files.js";
import type { BackendName } from "../backend.js";
import type { Warning } from "../warnings.js";
import { convLayout } from "./common.js";
import { fmt, table } from "./format.js";

export interface StreamArgs {
  eps: number[];
  backend?: BackendName;
  json: boolean;
  /** rows (2-D: samples; 4-D: images) per block */
  batch?: number;
  layout?: string;
  draws: number;
  rows: number;
  seed: number;
}

interface StreamIo {
  out(s: string): void;
  err(s: string): void;
}

/** Pairs the two files' blocks: same rows in each block, and both files run out together. */
async function* zipBlocks(a: NpyRowReader, b: NpyRowReader, rows: number): AsyncGenerator<[{ data: Float64Array; shape: number[] }, { data: Float64Array; shape: number[] }]> {
  const ia = a.blocks(rows), ib = b.blocks(rows);
  try {
    for (;;) {
      const [x, y] = await Promise.all([ia.next(), ib.next()]);
      if (x.done || y.done) return;
      yield [{ data: x.value.data, shape: x.value.shape }, { data: y.value.data, shape: y.value.shape }];
    }
  } finally {
    await Promise.all([ia.return(undefined), ib.return(undefined)]);
  }
}

function info(r: NpyRowReader) {
  return { file: r.file, dtype: r.dtype, shape: r.shape };
}

export async function streamCompare(engine: Engine, fa: string, fb: string, args: StreamArgs, io: StreamIo): Promise<void> {
  const [A, B] = await Promise.all([openNpyRows(fa), openNpyRows(fb)]);
  const inputs = { a: info(A), b: info(B) };
  const warn = (ws: readonly Warning[] | undefined) => {
    for (const w of ws ?? []) io.err(`repmatch: warning: ${w.message}\n`);
  };
  if (A.shape[0] !== B.shape[0]) {
    fail("sampleCountMismatch", `expected ${fa} and ${fb} to have the same number of ${A.shape.length === 4 ? "images" : "samples"} (first axis), got ${A.shape[0]} and ${B.shape[0]}`);
  }
  if (A.shape.length === 4 || B.shape.length === 4) {
    if (A.shape.length !== 4 || B.shape.length !== 4) fail("notTwoDimensional", `expected both files 4-D (conv) or both 2-D, got shapes (${A.shape.join(", ")}) and (${B.shape.join(", ")})`);
    const layout = convLayout(args.layout, fa);
    const [h, w] = layout === "nchw" ? [A.shape[2]!, A.shape[3]!] : [A.shape[1]!, A.shape[2]!];
    const batch = args.batch ?? 64;
    const r = await engine.streamConvSimilarity(zipBlocks(A, B, batch), {
      eps: args.eps,
      layout,
      images: A.shape[0]!,
      height: h,
      width: w,
      draws: args.draws,
      rows: args.rows,
      seed: args.seed,
      backend: args.backend,
    });
    warn(r.warnings);
    if (args.json) {
      io.out(JSON.stringify({ inputs, streamed: { blockImages: batch }, conv: r }) + "\n");
      return;
    }
    io.out(`${fa} vs ${fb}: conv layers (${layout}), streamed in blocks of ${batch} images; ${r.channels[0]} + ${r.channels[1]} channels, ${r.draws} draws of ${r.rows} of ${r.coordinates} (image, position) coordinates\n`);
    io.out(table(["eps", "mean similarity", "std", "uncertain"], r.points.map((p) => [String(p.eps), fmt(p.mean), fmt(p.std), String(p.uncertain ?? 0)])) + "\n");
    return;
  }
  if (A.shape.length !== 2 || B.shape.length !== 2) fail("notTwoDimensional", `expected 2-D (samples x neurons) or 4-D conv files, got shapes (${A.shape.join(", ")}) and (${B.shape.join(", ")})`);
  const batch = args.batch ?? 4096;
  const r = await engine.streamCurve(zipBlocks(A, B, batch), { eps: args.eps, backend: args.backend, names: [fa, fb] });
  warn(r.warnings);
  if (args.json) {
    io.out(JSON.stringify({ samples: r.samples, neurons: r.neurons, inputs, streamed: { blockRows: batch }, maxMatch: r.points, maxEpsilon: r.maxEpsilon, warnings: r.warnings }) + "\n");
    return;
  }
  const [na, nb] = r.neurons;
  io.out(`${fa} vs ${fb}: ${r.samples} samples streamed in blocks of ${batch} rows, ${na} + ${nb} neurons (backend ${args.backend ?? engine.backend})\n\n`);
  io.out("maximum match (Wang et al. 2018), from the accumulated Gram matrix\n\n");
  io.out(
    table(
      ["eps", "matched a", "matched b", "similarity", "margin", "uncertain"],
      r.points.map((m) => [String(m.eps), `${m.a.length}/${na}`, `${m.b.length}/${nb}`, fmt(m.similarity), fmt(m.margin, 6), String(m.uncertain ?? 0)]),
    ) + "\n",
  );
  if (r.deadA + r.deadB > 0) io.out(`dead neurons: ${r.deadA} in a, ${r.deadB} in b\n`);
  io.out(`maxEpsilon: ${fmt(r.maxEpsilon, 6)} (from this eps on, every live neuron is matched)\n`);
}
