/**
 * What the training-dynamics analyses (convergence.ts, sequence.ts, paths.ts) share: the measures
 * they report, one value series per measure, and `pairGrid`, which compares a set of "row" layers
 * with a set of "column" layers under those measures by reusing the library's numerics:
 *
 *  - the maximum-match similarity (Wang et al. 2018), PWCCA (Morcos et al. 2018) and angular
 *    Procrustes (Williams et al. 2021) come from `compareLayers` (src/layers/grid.ts: worker
 *    threads in Node, in-process in browsers);
 *  - linear CKA (Kornblith et al. 2019) comes from `engine.cka(..., { rbf: false })` on the calling
 *    thread (compareLayers' CKA also computes the RBF kernels, O(samples^2) per pair, which the
 *    dynamics views do not show), overlapping with the workers.
 *
 * Browser-safe: no Node imports.
 */
import type { BackendName } from "../backend.js";
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import { compareLayers, type NamedLayer } from "../layers/grid.js";
import type { PairResult } from "../layers/pair.js";
import { viewMatrix, type MatrixView } from "../matrix.js";
import type { MeasureName } from "../measures/all.js";
import { checkEps } from "../subspace.js";

/** The measures of the dynamics views: max match (at each eps), PWCCA, linear CKA, angular Procrustes. */
export type DynamicsMeasure = "match" | "pwcca" | "cka" | "procrustes";

/** In the order they are reported. */
export const DYNAMICS_MEASURES: readonly DynamicsMeasure[] = ["pwcca", "cka", "match", "procrustes"];

/** Default eps of the maximum match in the dynamics views. */
export const DYNAMICS_DEFAULT_EPS: readonly number[] = [0.3];

/** One reported quantity: what it is and in which direction it improves. */
export interface SeriesInfo {
  /** machine key: "pwccaDistance", "cka", "maxMatch@0.3", "procrustes" */
  measure: string;
  /** human label */
  label: string;
  /** "similarity" (higher = more alike, at most 1) or "distance" (0 = same, lower = more alike) */
  kind: "similarity" | "distance";
  /**
   * distances only: the largest value the distance can take (1 for the PWCCA distance, pi/2 for
   * angular Procrustes). A distance d is read as the similarity 1 - d / maxDistance wherever a
   * fraction of the final value is needed (convergence points).
   */
  maxDistance?: number;
}

export interface DynamicsOptions {
  /** which measures (default all: pwcca, cka, match, procrustes) */
  measures?: readonly DynamicsMeasure[];
  /** eps of the maximum match, in [0, 1) (default [0.3]) */
  eps?: readonly number[];
  /** worker threads for compareLayers (default: all cores; 1 = in-process) */
  threads?: number;
  backend?: BackendName;
  /** called after each finished layer pair */
  onProgress?: (done: number, total: number) => void;
}

export function checkDynamicsMeasures(m: unknown): DynamicsMeasure[] {
  if (m === undefined) return [...DYNAMICS_MEASURES];
  if (!Array.isArray(m) || m.length === 0 || m.some((x) => !DYNAMICS_MEASURES.includes(x as DynamicsMeasure))) {
    fail("badOption", `expected measures to be a non-empty list of ${DYNAMICS_MEASURES.map((x) => JSON.stringify(x)).join(", ")}, got ${JSON.stringify(m)}`);
  }
  return DYNAMICS_MEASURES.filter((x) => (m as DynamicsMeasure[]).includes(x));
}

export function checkEpsList(eps: unknown): number[] {
  if (eps === undefined) return [...DYNAMICS_DEFAULT_EPS];
  if (!Array.isArray(eps) || eps.length === 0) fail("badEpsilon", `expected a non-empty list of eps values, got ${JSON.stringify(eps)}`);
  return [...new Set(eps.map((e) => checkEps(e)))];
}

/** The series reported for these measures, in report order. */
export function seriesInfos(measures: readonly DynamicsMeasure[], eps: readonly number[]): SeriesInfo[] {
  const out: SeriesInfo[] = [];
  for (const m of DYNAMICS_MEASURES) {
    if (!measures.includes(m)) continue;
    if (m === "pwcca") out.push({ measure: "pwccaDistance", label: "PWCCA distance (1 \u2212 PWCCA, Morcos et al.)", kind: "distance", maxDistance: 1 });
    if (m === "cka") out.push({ measure: "cka", label: "Linear CKA", kind: "similarity" });
    if (m === "match") for (const e of eps) out.push({ measure: `maxMatch@${e}`, label: `Maximum-match similarity, eps = ${e}`, kind: "similarity" });
    if (m === "procrustes") out.push({ measure: "procrustes", label: "Angular Procrustes distance (radians)", kind: "distance", maxDistance: Math.PI / 2 });
  }
  return out;
}

function finite(x: number | null | undefined): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

/** The value of one series from a compareLayers pair result (CKA is computed separately). */
function fromPair(info: SeriesInfo, p: PairResult, eps: readonly number[]): number | null {
  if (info.measure === "pwccaDistance") {
    const v = finite(p.measures.pwcca?.paper);
    return v === null ? null : 1 - v;
  }
  if (info.measure === "procrustes") return finite(p.measures.procrustes?.angular);
  if (info.measure.startsWith("maxMatch@")) return finite(p.similarity[eps.indexOf(Number(info.measure.slice(9)))]);
  return null;
}

export interface PairGrid {
  infos: SeriesInfo[];
  /** values[s][i][j]: series s, row layer i against column layer j (null = undefined for the input) */
  values: (number | null)[][][];
  /** distinct warnings over all pairs */
  warnings: string[];
  /** worker threads compareLayers used */
  threads: number;
}

/** Validates layers (2-D, finite) without copying; the name used in messages is the source or name. */
export function viewLayers(layers: readonly NamedLayer[]): MatrixView[] {
  return layers.map((l) => viewMatrix(l.data, l.source ?? l.name));
}

/**
 * Every row layer against every column layer under the chosen measures (the callers validate the
 * inputs first, so a bad layer fails before any work). PWCCA is not symmetric: it weights the side
 * with fewer neurons, the row layer on ties.
 */
export async function pairGrid(engine: Engine, rows: readonly NamedLayer[], cols: readonly NamedLayer[], measures: readonly DynamicsMeasure[], eps: readonly number[], opts: DynamicsOptions = {}): Promise<PairGrid> {
  const infos = seriesInfos(measures, eps);
  const values = infos.map(() => rows.map(() => cols.map((): number | null => null)));
  const heavy: MeasureName[] = [];
  if (measures.includes("pwcca")) heavy.push("pwcca");
  if (measures.includes("procrustes")) heavy.push("procrustes");
  const match = measures.includes("match");
  const total = rows.length * cols.length;
  const warnings = new Set<string>();
  let threads = 1;

  // the subspace match, PWCCA and Procrustes on worker threads ...
  const grid =
    match || heavy.length > 0
      ? compareLayers(engine, rows, cols, { eps: match ? eps : [], measures: heavy, threads: opts.threads, backend: opts.backend, onProgress: opts.onProgress })
      : null;
  grid?.catch(() => {}); // observed below; keeps an early CKA error from leaving it unhandled
  // ... while linear CKA runs here
  const ck = infos.findIndex((s) => s.measure === "cka");
  try {
    if (ck >= 0) {
      let done = 0;
      for (let i = 0; i < rows.length; i++) {
        for (let j = 0; j < cols.length; j++) {
          const a = rows[i]!, b = cols[j]!;
          const r = engine.cka(a.data, b.data, { rbf: false, backend: opts.backend, names: [a.source ?? a.name, b.source ?? b.name] });
          values[ck]![i]![j] = finite(r.linear);
          for (const w of r.warnings) warnings.add(w.message);
          if (!grid) opts.onProgress?.(++done, total);
        }
        await Promise.resolve(); // let the in-process grid and progress output move on
      }
    }
  } catch (e) {
    if (grid) await Promise.allSettled([grid]); // the pool closes itself when the grid ends
    throw e;
  }
  if (grid) {
    const r = await grid;
    threads = r.threads;
    for (const w of r.warnings) warnings.add(w);
    infos.forEach((info, s) => {
      if (s === ck) return;
      r.pairs.forEach((row, i) => row.forEach((p, j) => (values[s]![i]![j] = fromPair(info, p, eps))));
    });
  }
  return { infos, values, warnings: [...warnings], threads };
}

/**
 * A value read as a similarity for the fraction rule: similarities as they are, a distance d as
 * 1 - d / maxDistance (so the PWCCA distance gives PWCCA back, angular Procrustes 1 - 2 theta / pi).
 */
export function asSimilarity(info: SeriesInfo, v: number | null): number | null {
  if (v === null) return null;
  return info.kind === "distance" ? 1 - v / (info.maxDistance ?? 1) : v;
}

export interface ConvergencePoint {
  /** the series' value at the final checkpoint (against itself: 1 or 0 unless neurons are dead) */
  final: number | null;
  /**
   * the value a checkpoint must reach, in the measure's own units: fraction x final for a
   * similarity; for a distance, the value whose similarity 1 - d / maxDistance is fraction x the
   * final one, i.e. (1 - fraction) x maxDistance + fraction x final distance
   */
  threshold: number | null;
  /** index of the first checkpoint at or beyond the threshold (null when undefined) */
  reached: number | null;
  /** index of the first checkpoint from which every later one stays at or beyond the threshold */
  settled: number | null;
}

/**
 * When a series converges: the first index whose value reaches `fraction` of the final value
 * (the last entry), read as a similarity (see asSimilarity). Undefined (null) when the final value
 * is undefined or not positive as a similarity; missing values never count as reached.
 */
export function convergencePoint(info: SeriesInfo, values: readonly (number | null)[], fraction: number): ConvergencePoint {
  const last = values.length > 0 ? values[values.length - 1]! : null;
  const finalSim = asSimilarity(info, last);
  if (finalSim === null || !(finalSim > 0)) return { final: last, threshold: null, reached: null, settled: null };
  const need = fraction * finalSim;
  const max = info.maxDistance ?? 1;
  const threshold = info.kind === "distance" ? (1 - fraction) * max + fraction * last! : need;
  const ok = values.map((v) => {
    const s = asSimilarity(info, v);
    return s !== null && s >= need;
  });
  const reached = ok.indexOf(true);
  let settled = ok.length;
  while (settled > 0 && ok[settled - 1]) settled--;
  return { final: last, threshold, reached: reached < 0 ? null : reached, settled: settled === ok.length ? null : settled };
}

export function checkFraction(f: unknown): number {
  if (f === undefined) return 0.9;
  if (typeof f !== "number" || !Number.isFinite(f) || f <= 0 || f > 1) fail("badOption", `expected fraction to be a number in (0, 1], got ${String(f)}`);
  return f;
}

export function checkName(x: unknown, what: string): string {
  if (typeof x !== "string" || x.length === 0) fail("badInput", `expected ${what} to have a non-empty name, got ${x === undefined ? "none" : JSON.stringify(x)}`);
  return x;
}
