/**
 * Recurrent networks over the course of a sequence (Morcos, Raghu, Bengio 2018, "Insights on
 * representational similarity in neural networks with canonical correlation", NeurIPS, sec. 3.3:
 * RNN representations compared time step by time step, and each step against the last).
 *
 * Input: 3-D activations, samples x time x units (layout "ntc", what a batch-first PyTorch RNN
 * returns) or time x samples x units ("tnc", the sequence-first default), row-major or with
 * `fortranOrder`. Each time step is a samples x units activation matrix, compared as a layer:
 *
 *  - sequenceGrid(engine, A, B): every step of network A against every step of network B (a time x
 *    time grid per measure; pass the same sequence twice for a network against itself);
 *  - sequenceToFinal(engine, A): every step against the last one, with the step at which each
 *    measure first reaches a fraction of its final value (convergence.ts' rule, one "layer").
 *
 * The measures are those of the other dynamics views (common.ts): PWCCA distance, linear CKA, the
 * maximum match at each eps, angular Procrustes, computed by compareLayers and engine.cka.
 * Browser-safe.
 */
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import type { NamedLayer } from "../layers/grid.js";
import type { NumericArray } from "../matrix.js";
import { checkDynamicsMeasures, checkEpsList, pairGrid, viewLayers, type DynamicsOptions, type SeriesInfo } from "./common.js";
import { convergence, type ConvergenceOptions } from "./convergence.js";

export type SequenceLayout = "ntc" | "tnc";

/** A 3-D activation array (an NpyArray from readNpy fits: `data` is in C order). */
export interface SequenceInput {
  data: NumericArray;
  shape: readonly number[];
  /** true when `data` is column-major (Fortran order); default false */
  fortranOrder?: boolean;
}

export interface SequenceInfo {
  name: string;
  samples: number;
  steps: number;
  units: number;
}

const shapeText = (s: readonly number[]) => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;

export function checkLayout(layout: unknown, name: string): SequenceLayout {
  if (layout === "ntc" || layout === "tnc") return layout;
  fail(
    "badLayout",
    `${name}: expected a layout for 3-D activations, "ntc" (samples x time x units) or "tnc" (time x samples x units), got ${layout === undefined ? "none" : JSON.stringify(layout)}`,
  );
}

/**
 * The time steps of a 3-D activation array as samples x units layers named "t0", "t1", ...
 * (sources "name[t=0]", ...). Contiguous steps (layout "tnc" in C order) are views, not copies.
 */
export function sequenceSteps(x: SequenceInput, layout: SequenceLayout | undefined, name = "sequence"): { info: SequenceInfo; layers: NamedLayer[] } {
  if (typeof x !== "object" || x === null || !("data" in x) || !("shape" in x)) fail("badInput", `${name}: expected {data, shape} (a 3-D activation array), got ${x === null ? "null" : typeof x}`);
  const shape = Array.from(x.shape ?? []);
  if (shape.length !== 3) fail("badShape", `${name}: expected a 3-D array (samples x time x units, or time x samples x units), got shape ${shapeText(shape)}`);
  const lay = checkLayout(layout, name);
  for (const s of shape) if (!Number.isSafeInteger(s) || s < 1) fail("empty", `${name}: expected positive dimensions, got shape ${shapeText(shape)}`);
  const [d0, d1, d2] = shape as [number, number, number];
  const data = x.data;
  if (!(ArrayBuffer.isView(data) || Array.isArray(data))) fail("badInput", `${name}: expected data to be a Float64Array, Float32Array or number array, got ${typeof data}`);
  if (data.length !== d0 * d1 * d2) fail("badShape", `${name}: expected ${d0 * d1 * d2} values for shape ${shapeText(shape)}, got ${data.length}`);
  const strides = x.fortranOrder ? [1, d0, d0 * d1] : [d1 * d2, d2, 1];
  const [sAxis, tAxis] = lay === "ntc" ? [0, 1] : [1, 0];
  const n = shape[sAxis]!, T = shape[tAxis]!, U = d2;
  const sS = strides[sAxis]!, sT = strides[tAxis]!, sU = strides[2]!;
  const layers: NamedLayer[] = [];
  for (let t = 0; t < T; t++) {
    let step: NumericArray;
    if (sU === 1 && sS === U && (data instanceof Float64Array || data instanceof Float32Array)) step = data.subarray(t * sT, t * sT + n * U);
    else {
      const out = new Float64Array(n * U);
      for (let i = 0; i < n; i++) for (let u = 0; u < U; u++) out[i * U + u] = (data as ArrayLike<number>)[i * sS + t * sT + u * sU] as number;
      step = out;
    }
    layers.push({ name: `t${t}`, source: `${name}[t=${t}]`, data: { data: step, shape: [n, U] } });
  }
  return { info: { name, samples: n, steps: T, units: U }, layers };
}

export interface SequenceOptions extends DynamicsOptions {
  /** layout of A (and of B unless layoutB is given) */
  layout?: SequenceLayout;
  layoutB?: SequenceLayout;
  /** names of the two sequences in messages and reports (default "A", "B") */
  names?: [string, string];
}

export interface SequenceGridResult {
  networks: [SequenceInfo, SequenceInfo];
  layout: [SequenceLayout, SequenceLayout];
  eps: number[];
  /** per measure: values[i][j] = step i of A against step j of B */
  grids: (SeriesInfo & { values: (number | null)[][] })[];
  warnings: string[];
  threads: number;
  seconds: number;
}

/** Every time step of A against every time step of B. */
export async function sequenceGrid(engine: Engine, a: SequenceInput, b: SequenceInput, opts: SequenceOptions = {}): Promise<SequenceGridResult> {
  const t0 = performance.now();
  const measures = checkDynamicsMeasures(opts.measures);
  const eps = checkEpsList(opts.eps);
  const [na, nb] = opts.names ?? ["A", "B"];
  const la = opts.layout;
  const lb = opts.layoutB ?? opts.layout;
  const A = sequenceSteps(a, la, na);
  const B = sequenceSteps(b, lb, nb);
  if (A.info.samples !== B.info.samples) {
    fail("sampleCountMismatch", `expected ${na} and ${nb} to have the same number of samples (sequences), got ${A.info.samples} and ${B.info.samples}`, {
      samplesA: A.info.samples,
      samplesB: B.info.samples,
    });
  }
  viewLayers([...A.layers, ...B.layers]); // every step finite, before any work
  const g = await pairGrid(engine, A.layers, B.layers, measures, eps, opts);
  return {
    networks: [A.info, B.info],
    layout: [la!, lb!],
    eps: measures.includes("match") ? eps : [],
    grids: g.infos.map((info, s) => ({ ...info, values: g.values[s]! })),
    warnings: g.warnings,
    threads: g.threads,
    seconds: (performance.now() - t0) / 1000,
  };
}

export interface SequenceToFinalResult {
  network: SequenceInfo;
  layout: SequenceLayout;
  fraction: number;
  eps: number[];
  /** per measure: values[t] = step t against the last step; reached / settled as in convergence.ts */
  series: (SeriesInfo & { values: (number | null)[]; final: number | null; threshold: number | null; reached: number | null; settled: number | null })[];
  warnings: string[];
  threads: number;
  seconds: number;
}

/** Every time step against the last one (the steps as checkpoints of one "layer"). */
export async function sequenceToFinal(engine: Engine, a: SequenceInput, opts: Omit<SequenceOptions, "layoutB"> & Pick<ConvergenceOptions, "fraction"> = {}): Promise<SequenceToFinalResult> {
  const name = opts.names?.[0] ?? "A";
  const A = sequenceSteps(a, opts.layout, name);
  if (A.info.steps < 2) fail("badShape", `${name}: expected at least two time steps, got ${A.info.steps}`);
  const r = await convergence(
    engine,
    A.layers.map((l, t) => ({ name: l.source!, step: t, layers: [{ name: "state", data: l.data, source: l.source }] })),
    opts,
  );
  return {
    network: A.info,
    layout: opts.layout!,
    fraction: r.fraction,
    eps: r.eps,
    series: r.series.map(({ values, layers, order: _o, direction: _d, ...info }) => ({
      ...info,
      values: values[0]!,
      final: layers[0]!.final,
      threshold: layers[0]!.threshold,
      reached: layers[0]!.reached,
      settled: layers[0]!.settled,
    })),
    warnings: r.warnings,
    threads: r.threads,
    seconds: r.seconds,
  };
}

/** Long-format CSV of a grid: `stepA,stepB,measure,value`. */
export function sequenceCsv(r: SequenceGridResult | SequenceToFinalResult): string {
  const lines: string[] = [];
  if ("grids" in r) {
    lines.push("stepA,stepB,measure,value");
    for (const g of r.grids) g.values.forEach((row, i) => row.forEach((v, j) => lines.push(`${i},${j},${g.measure},${v === null ? "" : v}`)));
  } else {
    lines.push("step,measure,value");
    for (const s of r.series) s.values.forEach((v, t) => lines.push(`${t},${s.measure},${v === null ? "" : v}`));
  }
  return lines.join("\n") + "\n";
}
