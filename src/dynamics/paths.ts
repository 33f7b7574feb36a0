/**
 * The paths of two networks through representation space (Lange, Kwok, Matelsky, Wang, Rolnick,
 * Kording 2022, "Neural networks as paths through the space of representations", arXiv:2206.10999,
 * sec. 4: how the paths of wider and deeper networks compare), for two networks of any depth and
 * width over the same inputs (e.g. a wide and a deep one):
 *
 *  - each network's path (engine.path, angular-CKA space: d = arccos of linear CKA);
 *  - the cross distances d(A_i, B_j) between every layer of A and every layer of B, in the same
 *    space: one engine.path over the layers of both networks gives every pairwise distance with
 *    each layer centred and factorised once;
 *  - an alignment of the two layer sequences: by relative depth (each layer of the deeper network
 *    with the other network's layer at the nearest relative depth i / (L - 1), as the layers report
 *    pairs them), and optionally by dynamic programming on the cross distances (dynamic time
 *    warping: the monotone path from (first, first) to (last, last) with steps (1,0), (0,1), (1,1)
 *    of least total distance);
 *  - where they diverge: the first aligned pair whose distance exceeds `threshold` (default
 *    arccos(0.8), i.e. linear CKA below 0.8) or exceeds the previous aligned pair's distance by at
 *    least `jump` (default 0.5 rad, a clear jump).
 *
 * Browser-safe. The path plot of both is `pathPlotSvg(result.paths)` (src/report/dynamics.ts draws
 * the whole page).
 */
import type { BackendName } from "../backend.js";
import type { Engine } from "../engine.js";
import { fail } from "../errors.js";
import type { LayerSummary, NamedLayer } from "../layers/grid.js";
import { correspondingPairs } from "../layers/report.js";
import type { PathGeometry as ReportPath } from "../report/types.js";
import { checkName, viewLayers } from "./common.js";

export type AlignMethod = "depth" | "dp";

export interface PathsOptions {
  /** names of the two networks (default "A", "B") */
  networks?: [string, string];
  /** alignments to compute; the first decides `divergence` (default ["depth"]) */
  align?: readonly AlignMethod[];
  /** aligned distance (radians) above which the networks count as diverged (default arccos(0.8)) */
  threshold?: number;
  /** increase over the previous aligned pair (radians) that counts as a jump (default 0.5; Infinity: off) */
  jump?: number;
  backend?: BackendName;
}

export interface AlignedPair {
  /** layer indices in A and B */
  a: number;
  b: number;
  layerA: string;
  layerB: string;
  /** relative depths i / (L_A - 1), j / (L_B - 1) */
  depthA: number;
  depthB: number;
  /** angular CKA distance (radians) */
  distance: number;
}

export interface Divergence {
  /** position in the alignment */
  index: number;
  pair: AlignedPair;
  /** the previous aligned pair's distance (null for the first pair) */
  previous: number | null;
  /** why: the distance exceeds the threshold, and/or it jumped by at least `jump` */
  reasons: ("threshold" | "jump")[];
}

export interface Alignment {
  method: AlignMethod;
  pairs: AlignedPair[];
  /** sum of the aligned distances / number of pairs */
  meanDistance: number;
  divergence: Divergence | null;
}

export interface PathsResult {
  networks: [string, string];
  samples: number;
  layersA: LayerSummary[];
  layersB: LayerSummary[];
  /** each network's path in the angular-CKA space, in the report's schema (for pathPlotSvg) */
  paths: [ReportPath, ReportPath];
  /** cross[i][j]: angular CKA distance between layer i of A and layer j of B (radians) */
  cross: number[][];
  threshold: number;
  jump: number;
  alignments: Alignment[];
  /** the first alignment's divergence */
  divergence: Divergence | null;
  warnings: string[];
  seconds: number;
}

export const DEFAULT_DIVERGENCE_THRESHOLD = Math.acos(0.8);
export const DEFAULT_DIVERGENCE_JUMP = 0.5;

/** Pairs by relative depth: every layer of the deeper network once, monotone in both. */
export function depthAlignment(na: number, nb: number): [number, number][] {
  if (na >= nb) return correspondingPairs(na, nb);
  return correspondingPairs(nb, na).map(([j, i]) => [i, j]);
}

/** Dynamic time warping on a cost matrix: the monotone path (0,0) -> (P-1,Q-1) of least total cost. */
export function dpAlignment(cost: readonly (readonly number[])[]): [number, number][] {
  const P = cost.length, Q = cost[0]?.length ?? 0;
  if (P === 0 || Q === 0) return [];
  const D = Array.from({ length: P }, () => new Array<number>(Q).fill(Infinity));
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < Q; j++) {
      const c = cost[i]![j]!;
      if (i === 0 && j === 0) D[0]![0] = c;
      else D[i]![j] = c + Math.min(i > 0 && j > 0 ? D[i - 1]![j - 1]! : Infinity, i > 0 ? D[i - 1]![j]! : Infinity, j > 0 ? D[i]![j - 1]! : Infinity);
    }
  }
  const path: [number, number][] = [[P - 1, Q - 1]];
  let i = P - 1, j = Q - 1;
  while (i > 0 || j > 0) {
    // ties prefer the diagonal step, then the step along the longer remaining side
    const diag = i > 0 && j > 0 ? D[i - 1]![j - 1]! : Infinity;
    const up = i > 0 ? D[i - 1]![j]! : Infinity;
    const left = j > 0 ? D[i]![j - 1]! : Infinity;
    if (diag <= up && diag <= left) (i--, j--);
    else if (up <= left) i--;
    else j--;
    path.push([i, j]);
  }
  return path.reverse();
}

/** The first aligned pair above the threshold or jumping by at least `jump`. */
export function findDivergence(pairs: readonly AlignedPair[], threshold: number, jump: number): Divergence | null {
  for (let k = 0; k < pairs.length; k++) {
    const d = pairs[k]!.distance;
    const previous = k > 0 ? pairs[k - 1]!.distance : null;
    const reasons: ("threshold" | "jump")[] = [];
    if (d > threshold) reasons.push("threshold");
    if (previous !== null && d - previous >= jump) reasons.push("jump");
    if (reasons.length) return { index: k, pair: pairs[k]!, previous, reasons };
  }
  return null;
}

function checkRadians(x: unknown, what: string, dflt: number, allowInfinity: boolean): number {
  if (x === undefined) return dflt;
  if (typeof x !== "number" || Number.isNaN(x) || x < 0 || (!allowInfinity && !Number.isFinite(x))) fail("badOption", `expected ${what} to be a non-negative number of radians, got ${String(x)}`);
  return x;
}

/** Two networks' paths, their cross distances, alignment and divergence point. */
export function comparePaths(engine: Engine, A: readonly NamedLayer[], B: readonly NamedLayer[], opts: PathsOptions = {}): PathsResult {
  const t0 = performance.now();
  const networks = opts.networks ?? ["A", "B"];
  const threshold = checkRadians(opts.threshold, "threshold", DEFAULT_DIVERGENCE_THRESHOLD, false);
  const jump = checkRadians(opts.jump, "jump", DEFAULT_DIVERGENCE_JUMP, true);
  const align = opts.align ?? ["depth"];
  if (!Array.isArray(align) || align.length === 0 || align.some((m) => m !== "depth" && m !== "dp")) fail("badOption", `expected align to be a non-empty list of "depth", "dp", got ${JSON.stringify(align)}`);
  [A, B].forEach((net, k) => {
    if (!Array.isArray(net) || net.length < 2) fail("badInput", `${networks[k]}: expected at least two layers for a path, got ${Array.isArray(net) ? net.length : "none"}`);
    net.forEach((l, i) => checkName(l?.name, `layer ${i + 1} of ${networks[k]}`));
  });
  const va = viewLayers(A);
  const vb = viewLayers(B);
  const n = va[0]!.samples;
  for (const [k, vs] of [va, vb].entries()) {
    for (const v of vs) {
      if (v.samples !== n) {
        fail("sampleCountMismatch", `${networks[k]}: expected every layer to have ${n} samples (rows) as ${va[0]!.name} of ${networks[0]} has, got ${v.samples} in ${v.name}`, {
          samplesA: n,
          samplesB: v.samples,
        });
      }
    }
  }
  const P = A.length, Q = B.length;
  const data = [...A, ...B].map((l) => l.data);
  const names = [...va, ...vb].map((v) => v.name);
  // every pairwise distance of both networks' layers (cross distances included) in one call
  const joint = engine.path(data, { names, spaces: ["angularCka"], backend: opts.backend });
  const D = joint.space.angularCka!.pairwise;
  const cross = A.map((_, i) => B.map((_, j) => D[i]![P + j]!));
  const paths = [A, B].map((net, k) => {
    const r = engine.path(net.map((l) => l.data), { names: (k === 0 ? va : vb).map((v) => v.name), spaces: ["angularCka"], backend: opts.backend });
    const g = r.space.angularCka!;
    const path: ReportPath = {
      network: networks[k]!,
      space: "angular CKA",
      layers: net.map((l) => l.name),
      steps: g.steps,
      pairwise: g.pairwise,
      pathLength: g.pathLength,
      endpointDistance: g.endpointDistance,
      straightness: g.straightness ?? NaN,
      angles: g.angles,
      progress: g.progress.map((x) => x ?? NaN),
    };
    return path;
  }) as [ReportPath, ReportPath];
  const depth = (i: number, L: number) => (L === 1 ? 0 : i / (L - 1));
  const aligned = (ij: [number, number][]): AlignedPair[] =>
    ij.map(([i, j]) => ({ a: i, b: j, layerA: A[i]!.name, layerB: B[j]!.name, depthA: depth(i, P), depthB: depth(j, Q), distance: cross[i]![j]! }));
  const alignments: Alignment[] = [...new Set(align)].map((method) => {
    const pairs = aligned(method === "depth" ? depthAlignment(P, Q) : dpAlignment(cross));
    return { method, pairs, meanDistance: pairs.reduce((s, p) => s + p.distance, 0) / pairs.length, divergence: findDivergence(pairs, threshold, jump) };
  });
  return {
    networks: [networks[0], networks[1]],
    samples: n,
    layersA: va.map((v, i) => ({ name: A[i]!.name, samples: v.samples, neurons: v.neurons })),
    layersB: vb.map((v, j) => ({ name: B[j]!.name, samples: v.samples, neurons: v.neurons })),
    paths,
    cross,
    threshold,
    jump,
    alignments,
    divergence: alignments[0]!.divergence,
    warnings: [...new Set(joint.warnings.map((w) => w.message))],
    seconds: (performance.now() - t0) / 1000,
  };
}
