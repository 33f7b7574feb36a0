/**
 * Convergence over training (Morcos, Raghu, Bengio 2018, "Insights on representational similarity
 * in neural networks with canonical correlation", NeurIPS, sec. 3.2 / fig. 3): each layer's
 * distance to its own final representation, checkpoint by checkpoint, and the order in which the
 * layers converge. Morcos et al. found "bottom-up" convergence: layers closer to the input settle
 * earlier, in CNNs and RNNs alike.
 *
 * Input: checkpoints of one network, each a list of named layers over the same inputs (the same
 * samples in the same order); the last checkpoint is the final one. For every layer and every
 * measure (PWCCA distance 1 - PWCCA, linear CKA, maximum-match similarity at each eps, angular
 * Procrustes) the series "layer at checkpoint k vs the same layer at the final checkpoint" is
 * computed with compareLayers and engine.cka (common.ts: pairGrid), one layer at a time.
 *
 * The convergence point of a layer under a measure is the first checkpoint whose value reaches
 * `fraction` (default 0.9) of the final value. The final value is the layer against itself (1 for
 * the similarities, 0 for the distances, except that dead neurons keep the maximum-match
 * similarity below 1). A distance d is read as the similarity 1 - d / maxDistance (maxDistance 1
 * for the PWCCA distance, pi/2 for angular Procrustes), so "reaches 0.9 of the final similarity"
 * means d <= 0.1 x maxDistance + 0.9 x final distance. `settled` is the first checkpoint from which
 * every later one stays there. The order sorts the layers by convergence point (ties keep the
 * layer order); the direction is "bottom-up" when the points never decrease from input to output
 * (and not all are equal), "top-down" when they never increase, "simultaneous" when all are equal,
 * "mixed" otherwise, "undetermined" when a point is undefined.
 *
 * Browser-safe (in a browser compareLayers runs in-process).
 */
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import type { LayerSummary, NamedLayer } from "../layers/grid.js";
import type { MatrixView } from "../matrix.js";
import {
  checkDynamicsMeasures,
  checkEpsList,
  checkFraction,
  checkName,
  convergencePoint,
  pairGrid,
  viewLayers,
  type DynamicsOptions,
  type SeriesInfo,
} from "./common.js";

export interface Checkpoint {
  /** e.g. "epoch 3" or the checkpoint's file; names the checkpoint in messages */
  name: string;
  /** position on the training axis (epoch, step); default the checkpoint's number, 1 .. K */
  step?: number;
  /** the network's layers at this checkpoint, input side first; the same names in every checkpoint */
  layers: readonly NamedLayer[];
}

export interface ConvergenceOptions extends DynamicsOptions {
  /** fraction of the final similarity that counts as converged, in (0, 1] (default 0.9) */
  fraction?: number;
}

export type ConvergenceDirection = "bottom-up" | "top-down" | "simultaneous" | "mixed" | "undetermined";

export interface LayerConvergence {
  layer: string;
  /** the value against itself at the final checkpoint */
  final: number | null;
  /** the value that counts as converged, in the measure's units (see the module comment) */
  threshold: number | null;
  /** index of the first checkpoint reaching the threshold (null: undefined) */
  reached: number | null;
  /** that checkpoint's step */
  reachedStep: number | null;
  /** index of the first checkpoint from which every later one stays at or beyond the threshold */
  settled: number | null;
  settledStep: number | null;
}

export interface ConvergenceSeries extends SeriesInfo {
  /** values[l][k]: layer l at checkpoint k against layer l at the final checkpoint */
  values: (number | null)[][];
  /** per layer, in layer order */
  layers: LayerConvergence[];
  /** layer names by convergence point (ties: layer order; undefined points last) */
  order: string[];
  direction: ConvergenceDirection;
}

export interface ConvergenceResult {
  checkpoints: { name: string; step: number }[];
  /** the layers, input side first (the first checkpoint's order) */
  layers: LayerSummary[];
  fraction: number;
  eps: number[];
  /** one per measure (and per eps of the maximum match) */
  series: ConvergenceSeries[];
  /** distinct warnings over all pairs */
  warnings: string[];
  threads: number;
  seconds: number;
}

/** Ties keep the layer order, so non-decreasing points from input to output read as bottom-up. */
export function convergenceDirection(points: readonly (number | null)[]): ConvergenceDirection {
  if (points.length === 0 || points.some((p) => p === null)) return "undetermined";
  const p = points as number[];
  if (p.every((x) => x === p[0])) return "simultaneous";
  if (p.every((x, i) => i === 0 || x >= p[i - 1]!)) return "bottom-up";
  if (p.every((x, i) => i === 0 || x <= p[i - 1]!)) return "top-down";
  return "mixed";
}

export function convergenceOrder(names: readonly string[], points: readonly (number | null)[]): string[] {
  return names
    .map((name, i) => ({ name, i, p: points[i] ?? null }))
    .sort((x, y) => (x.p === null ? Infinity : x.p) - (y.p === null ? Infinity : y.p) || x.i - y.i)
    .map((x) => x.name);
}

const list = (xs: readonly string[]) => (xs.length ? xs.join(", ") : "none");

/**
 * Validates the checkpoints before any work: at least two, each with a name, the same layer names
 * as the first checkpoint, every layer 2-D and finite, every layer of every checkpoint over the
 * same number of samples, and each layer as wide in every checkpoint. Errors name the checkpoint.
 */
export function checkCheckpoints(checkpoints: readonly Checkpoint[]): { names: string[]; views: MatrixView[][] } {
  if (!Array.isArray(checkpoints)) fail("badInput", `expected a list of checkpoints, got ${checkpoints === null ? "null" : typeof checkpoints}`);
  if (checkpoints.length < 2) fail("badInput", `expected at least two checkpoints (the last is the final one), got ${checkpoints.length}`);
  const first = checkpoints[0]!;
  let names: string[] = [];
  const views: MatrixView[][] = [];
  checkpoints.forEach((ck, k) => {
    const label = checkName(ck?.name, `checkpoint ${k + 1}`);
    const layers: readonly NamedLayer[] = ck.layers;
    if (!Array.isArray(layers as unknown) || layers.length === 0) fail("badInput", `${label}: expected at least one layer, got ${Array.isArray(layers as unknown) ? "none" : typeof layers}`);
    if (ck.step !== undefined && !(typeof ck.step === "number" && Number.isFinite(ck.step))) fail("badInput", `${label}: expected step to be a finite number, got ${String(ck.step)}`);
    const these = layers.map((l, i) => checkName(l?.name, `layer ${i + 1} of ${label}`));
    const dup = these.find((n, i) => these.indexOf(n) !== i);
    if (dup !== undefined) fail("badInput", `${label}: expected distinct layer names, got ${JSON.stringify(dup)} twice`);
    if (k === 0) names = these;
    else {
      const missing = names.filter((n) => !these.includes(n));
      const extra = these.filter((n) => !names.includes(n));
      if (missing.length || extra.length) {
        const why = [missing.length ? `missing ${list(missing)}` : "", extra.length ? `unexpected ${list(extra)}` : ""].filter(Boolean).join("; ");
        fail("badInput", `${label}: expected the layers of ${first.name} (${list(names)}), got ${list(these)} (${why})`);
      }
    }
    // in the first checkpoint's layer order
    const byName = new Map(layers.map((l) => [l.name, l]));
    const ordered = names.map((n) => byName.get(n)!);
    const v = viewLayers(ordered.map((l) => ({ ...l, source: l.source ?? `${label}:${l.name}` })));
    views.push(v);
    const ref = views[0]![0]!;
    v.forEach((x, i) => {
      if (x.samples !== ref.samples) {
        fail("sampleCountMismatch", `${label}: expected every layer to have ${ref.samples} samples (rows) as ${ref.name} has, got ${x.samples} in ${x.name}`, {
          samplesA: ref.samples,
          samplesB: x.samples,
        });
      }
      const w = views[0]![i]!;
      if (x.neurons !== w.neurons) fail("badShape", `${label}: expected layer ${names[i]} to have ${w.neurons} neurons as in ${first.name}, got ${x.neurons}`);
    });
  });
  return { names, views };
}

/** Every layer's similarity / distance to its own final checkpoint, and the convergence order. */
export async function convergence(engine: Engine, checkpoints: readonly Checkpoint[], opts: ConvergenceOptions = {}): Promise<ConvergenceResult> {
  const t0 = performance.now();
  const measures = checkDynamicsMeasures(opts.measures);
  const eps = checkEpsList(opts.eps);
  const fraction = checkFraction(opts.fraction);
  const { names, views } = checkCheckpoints(checkpoints);
  const K = checkpoints.length;
  const steps = checkpoints.map((c, k) => c.step ?? k + 1);
  const final = checkpoints[K - 1]!;
  const layerOf = (ck: Checkpoint, name: string, k: number): NamedLayer => {
    const l = ck.layers.find((x) => x.name === name)!;
    return { name: ck.name, data: l.data, source: l.source ?? views[k]![names.indexOf(name)]!.name };
  };

  const total = names.length * K;
  let before = 0;
  let threads = 1;
  const warnings = new Set<string>();
  let infos: SeriesInfo[] = [];
  const values: (number | null)[][][] = []; // [series][layer][checkpoint]
  for (let l = 0; l < names.length; l++) {
    const name = names[l]!;
    const rows = checkpoints.map((ck, k) => layerOf(ck, name, k));
    const cols = [layerOf(final, name, K - 1)];
    const offset = before;
    const g = await pairGrid(engine, rows, cols, measures, eps, {
      ...opts,
      onProgress: opts.onProgress ? (done) => opts.onProgress!(offset + done, total) : undefined,
    });
    before += K;
    infos = g.infos;
    threads = Math.max(threads, g.threads);
    g.warnings.forEach((w) => warnings.add(w));
    g.values.forEach((grid, s) => ((values[s] ??= [])[l] = grid.map((row) => row[0]!)));
  }

  const series: ConvergenceSeries[] = infos.map((info, s) => {
    const layers: LayerConvergence[] = names.map((layer, l) => {
      const p = convergencePoint(info, values[s]![l]!, fraction);
      return {
        layer,
        final: p.final,
        threshold: p.threshold,
        reached: p.reached,
        reachedStep: p.reached === null ? null : steps[p.reached]!,
        settled: p.settled,
        settledStep: p.settled === null ? null : steps[p.settled]!,
      };
    });
    const points = layers.map((x) => x.reached);
    return { ...info, values: values[s]!, layers, order: convergenceOrder(names, points), direction: convergenceDirection(points) };
  });
  return {
    checkpoints: checkpoints.map((c, k) => ({ name: c.name, step: steps[k]! })),
    layers: names.map((name, l) => ({ name, samples: views[0]![l]!.samples, neurons: views[0]![l]!.neurons })),
    fraction,
    eps: measures.includes("match") ? eps : [],
    series,
    warnings: [...warnings],
    threads,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Long-format CSV: `layer,checkpoint,step,measure,value`. */
export function convergenceCsv(r: ConvergenceResult): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ["layer,checkpoint,step,measure,value"];
  for (const s of r.series) {
    s.values.forEach((row, l) =>
      row.forEach((v, k) => lines.push([q(r.layers[l]!.name), q(r.checkpoints[k]!.name), String(r.checkpoints[k]!.step), q(s.measure), v === null ? "" : String(v)].join(","))),
    );
  }
  return lines.join("\n") + "\n";
}
