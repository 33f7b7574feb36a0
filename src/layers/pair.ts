/**
 * One cell of a layers grid: everything repmatch reports for a pair of layers — the maximum-match
 * similarity at each eps with maxEpsilon (Wang et al. 2018), and the CCA / CKA / shape measures —
 * from one engine. Used in-process and inside the grid's worker threads alike.
 */
import type { Engine } from "../engine.js";
import type { MatrixInput } from "../matrix.js";
import type { MeasureName } from "../measures/all.js";
import type { MeasuresValues } from "../measures/all.js";
import type { Warning } from "../warnings.js";

export interface PairOptions {
  eps: number[];
  /** which CCA/CKA/shape measures to add (default all); [] for the subspace match only */
  measures?: MeasureName[];
  backend?: "wasm" | "js";
}

export interface PairResult {
  /** maximum-match similarity at each eps (same order as the options' eps) */
  similarity: number[];
  /** matched neurons per side at each eps */
  matched: [number, number][];
  maxEpsilon: number;
  deadA: number;
  deadB: number;
  measures: MeasuresValues;
  /** warnings of the pair (dead neurons are counted in deadA / deadB instead) */
  warnings: Warning[];
}

export function comparePair(engine: Engine, a: MatrixInput, b: MatrixInput, names: [string, string], opts: PairOptions): PairResult {
  const curve = engine.similarityCurve(a, b, { eps: opts.eps, backend: opts.backend, names });
  const want = opts.measures;
  const measures: MeasuresValues =
    want && want.length === 0 ? {} : engine.measures(a, b, { measures: want, backend: opts.backend, names });
  const warnings = new Map<string, Warning>();
  for (const w of [...curve.warnings, ...((measures as { warnings?: Warning[] }).warnings ?? [])]) {
    if (w.code !== "deadNeurons") warnings.set(w.message, w);
  }
  const { warnings: _w, notes: _n, samples: _s, neurons: _ne, ...values } = measures as MeasuresValues & Record<string, unknown>;
  return {
    similarity: curve.points.map((p) => p.similarity),
    matched: curve.points.map((p) => [p.a.length, p.b.length]),
    maxEpsilon: curve.maxEpsilon,
    deadA: curve.deadA,
    deadB: curve.deadB,
    measures: values as MeasuresValues,
    warnings: [...warnings.values()],
  };
}
