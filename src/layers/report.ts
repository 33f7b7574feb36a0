/**
 * From a layers grid (grid.ts) to the report schema (src/report/types.ts): one heatmap per
 * max-match eps and per measure, similarity-vs-eps curves for corresponding layers, and rows for
 * CSV output. Shared by `repmatch layers` and the demo.
 */
import type { EpsCurve, Grid, LayerInfo, LayersReport, PathGeometry } from "../report/types.js";
import type { LayersResult } from "./grid.js";
import type { PairResult } from "./pair.js";

type Cell = (p: PairResult) => number | null | undefined;

const MEASURE_GRIDS: { measure: string; label: string; kind: "similarity" | "distance"; cell: Cell }[] = [
  { measure: "cka", label: "Linear CKA", kind: "similarity", cell: (p) => p.measures.cka?.linear },
  { measure: "ckaDebiased", label: "Debiased linear CKA", kind: "similarity", cell: (p) => p.measures.cka?.linearDebiased },
  { measure: "ckaRbf", label: "RBF CKA (threshold 0.5)", kind: "similarity", cell: (p) => p.measures.cka?.rbf?.value },
  { measure: "svcca", label: "SVCCA (99% variance)", kind: "similarity", cell: (p) => p.measures.svcca?.value },
  { measure: "pwcca", label: "PWCCA (Morcos et al.)", kind: "similarity", cell: (p) => p.measures.pwcca?.paper },
  { measure: "meanCca", label: "Mean CCA", kind: "similarity", cell: (p) => p.measures.cca?.mean },
  { measure: "procrustes", label: "Angular Procrustes distance (radians)", kind: "distance", cell: (p) => p.measures.procrustes?.angular },
];

function finite(x: number | null | undefined): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

/** One grid per max-match eps, then one per CCA/CKA/shape measure that was computed. */
export function layersGrids(r: LayersResult): Grid[] {
  const grids: Grid[] = r.eps.map((e, k) => ({
    measure: `maxMatch@${e}`,
    label: `Maximum-match similarity, eps = ${e}`,
    kind: "similarity" as const,
    values: r.pairs.map((row) => row.map((p) => finite(p.similarity[k]))),
  }));
  for (const g of MEASURE_GRIDS) {
    const values = r.pairs.map((row) => row.map((p) => finite(g.cell(p))));
    if (values.some((row) => row.some((v) => v !== null))) grids.push({ measure: g.measure, label: g.label, kind: g.kind, values });
  }
  return grids;
}

/**
 * Corresponding layers for the curves: the diagonal when both networks have as many layers, else
 * each layer of A with the layer of B at the same relative depth.
 */
export function correspondingPairs(na: number, nb: number): [number, number][] {
  if (na === nb) return Array.from({ length: na }, (_, i) => [i, i]);
  return Array.from({ length: na }, (_, i) => [i, na === 1 ? nb - 1 : Math.round((i * (nb - 1)) / (na - 1))]);
}

export function layersCurves(r: LayersResult): EpsCurve[] {
  return correspondingPairs(r.layersA.length, r.layersB.length).map(([i, j]) => {
    const p = r.pairs[i]![j]!;
    return { layerA: r.layersA[i]!.name, layerB: r.layersB[j]!.name, eps: r.eps, similarity: p.similarity, maxEpsilon: p.maxEpsilon };
  });
}

export interface ReportExtras {
  title?: string;
  findings?: string[];
  paths?: PathGeometry[];
  meta?: Record<string, string | number>;
  createdAt?: string;
}

export function layersReport(r: LayersResult, extras: ReportExtras = {}): LayersReport {
  const info = (rows: LayersResult["layersA"], dead: (k: number) => number): LayerInfo[] =>
    rows.map((l, k) => ({ name: l.name, samples: l.samples, neurons: l.neurons, dead: dead(k) }));
  return {
    title: extras.title ?? `repmatch: ${r.networks[0]} vs ${r.networks[1]}, layer by layer`,
    ...(extras.createdAt ? { createdAt: extras.createdAt } : {}),
    networks: r.networks,
    layersA: info(r.layersA, (i) => r.pairs[i]![0]!.deadA),
    layersB: info(r.layersB, (j) => r.pairs[0]![j]!.deadB),
    grids: layersGrids(r),
    curves: layersCurves(r),
    ...(extras.paths ? { paths: extras.paths } : {}),
    ...(extras.findings ? { findings: extras.findings } : {}),
    warnings: r.warnings,
    meta: { pairs: r.layersA.length * r.layersB.length, threads: r.threads, seconds: Number(r.seconds.toFixed(2)), ...extras.meta },
  };
}

/** Long-format CSV: one row per (layer of A, layer of B, measure). */
export function layersCsv(r: LayersResult): string {
  const lines = ["layerA,layerB,measure,value"];
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  for (const g of layersGrids(r)) {
    g.values.forEach((row, i) =>
      row.forEach((v, j) => lines.push([q(r.layersA[i]!.name), q(r.layersB[j]!.name), q(g.measure), v === null ? "" : String(v)].join(","))),
    );
  }
  r.pairs.forEach((row, i) =>
    row.forEach((p, j) => lines.push([q(r.layersA[i]!.name), q(r.layersB[j]!.name), "maxEpsilon", String(p.maxEpsilon)].join(","))),
  );
  return lines.join("\n") + "\n";
}
