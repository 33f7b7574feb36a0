/**
 * Path geometry of a network's layers (Lange, Kwok, Matelsky, Wang, Rolnick, Kording 2022,
 * "Neural networks as paths through the space of representations", arXiv:2206.10999, sec. 2-3: the
 * layers X_0 .. X_K are points of a metric space, the network a path through it; path length,
 * endpoint geodesic distance, their ratio, and the angles at each layer), in two spaces
 * (../shared/fixtures/README.md, "Path case", defines every quantity; ../shared/docs/measures.md 2.6):
 *
 *  - angularCka: G_i = H X_i X_i^T H / ||H X_i X_i^T H||_F on the unit sphere of n x n matrices,
 *    d(i, j) = arccos <G_i, G_j> = arccos(linear CKA);
 *  - angularShape: P_i = the centred X_i zero-padded to the widest layer, / ||.||_F (pre-shape),
 *    d(i, j) = arccos ||P_i^T P_j||_* (angular Procrustes: the quotient by rotations).
 *
 * Computation: each layer is centred once and reduced once to L_i (n x k_i) with X_i = L_i W_i^T
 * for some W_i with orthonormal columns: L_i = Xc_i when n >= p_i, else L_i = R^T from a thin QR
 * Xc_i^T = Q R (k_i = n). Then for every pair one product M_ij = L_i^T L_j (k_i x k_j) gives both
 * spaces: <G_i, G_j> = ||M_ij||_F^2 / (||M_ii||_F ||M_jj||_F) and ||P_i^T P_j||_* = ||M_ij||_* /
 * (||Xc_i||_F ||Xc_j||_F) (singular values of M_ij are those of Xc_i^T Xc_j; zero-padding changes
 * none of them). No n x n matrix is formed.
 *
 * Angles use only inner products: on the unit sphere, with a, b, c unit vectors, the tangents at b
 * satisfy <t_a, t_c> = <a, c> - <a, b><c, b> and ||t_a||^2 = 1 - <a, b>^2. In shape space a and c
 * are first rotated onto b: a = P_{i-1} R with R = U V^T from P_{i-1}^T P_i = U S V^T, so
 * <a, b> = ||P_{i-1}^T P_i||_* and <a, c> = tr(F_{i-1}^T M_{i-1,i+1} F_i^T) / (norms) with
 * F_j = U_j V_j^T from the SVD of M_{j,j+1} (the thin-SVD R leaves out only directions outside
 * the span of b, which the angle does not see when one neighbour is narrower than b; otherwise the
 * optimal rotation and the angle are not unique). An angle is null when a tangent norm is < 1e-12
 * (cosines within 2^-38 of 1 count as coincident points). The geodesic projection (angularCka)
 * uses u = <G_i, a>, v = (<G_i, c> - <c, a> u) / sqrt(1 - <c, a>^2) with a = G_0, c = G_K;
 * `offGeodesic` is null at the two endpoints (exactly 0 by definition; arccos would return noise).
 */
import { fail } from "../errors.js";
import type { Dense, Linalg } from "../linalg/types.js";
import type { MatrixView } from "../matrix.js";
import { angleOf, dotArrays, Report, snapCosine, sum, TANGENT_FLOOR } from "./common.js";
import { Side } from "./context.js";

export type PathSpace = "angularCka" | "angularShape";

export interface PathOptions {
  /** the spaces to compute (default both) */
  spaces?: readonly PathSpace[];
}

export interface PathGeometry {
  /** d(i, i+1), i = 0..K-1 */
  steps: number[];
  /** d(i, j), symmetric, exact zeros on the diagonal */
  pairwise: number[][];
  pathLength: number;
  endpointDistance: number;
  /** endpointDistance / pathLength (null when the path length is 0) */
  straightness: number | null;
  excessLength: number;
  /** interior angle at layer i = 1..K-1 (pi = locally straight; null when undefined) */
  angles: (number | null)[];
  /** d(0, i) / (d(0, i) + d(i, K)) (null when both are 0) */
  progress: (number | null)[];
}

export interface CkaPathGeometry extends PathGeometry {
  /** position along the great circle G_0 -> G_K (fraction) and angular distance from it */
  geodesicProjection: { fraction: number | null; offGeodesic: number | null }[];
}

export interface PathResult {
  samples: number;
  widths: number[];
  space: { angularCka?: CkaPathGeometry; angularShape?: PathGeometry };
}

interface Layer {
  side: Side;
  /** n x k reduced factor L */
  l: Dense;
  /** ||Xc||_F */
  frob: number;
  /** ||L^T L||_F = ||Xc^T Xc||_F */
  gram: number;
}

export function checkSpaces(s: unknown): PathSpace[] {
  if (s === undefined) return ["angularCka", "angularShape"];
  if (!Array.isArray(s) || s.length === 0 || s.some((x) => x !== "angularCka" && x !== "angularShape")) {
    fail("badOption", `expected spaces to be a non-empty list of "angularCka" and "angularShape", got ${JSON.stringify(s)}`);
  }
  return [...new Set(s as PathSpace[])];
}

export function pathOn(la: Linalg, views: MatrixView[], opts: PathOptions, report: Report): PathResult {
  const spaces = checkSpaces(opts.spaces);
  const wantCka = spaces.includes("angularCka"), wantShape = spaces.includes("angularShape");
  if (views.length < 2) fail("badInput", `expected at least two layers for a path, got ${views.length}`);
  const n = (views[0] as MatrixView).samples;
  const layers: Layer[] = views.map((v) => {
    const side = new Side(la, v);
    const frob = side.frob();
    if (frob === 0) fail("badInput", `${v.name}: expected a layer with some variance across samples, got every column constant (its point in the path spaces is undefined)`);
    let l = side.xc;
    if (n < side.p) l = la.transpose(la.qr(side.transposed()).r);
    return { side, l, frob, gram: la.frobenius(la.gemmTN(l, l)) };
  });
  const K = layers.length - 1;
  const ck = square(K + 1), cs = square(K + 1); // cosines
  // F_j = U V^T of M_{j,j+1} (kept in JS: pair temporaries are released as we go)
  const F: Float64Array[] = [];
  const acTrace = new Float64Array(K + 1); // tr(F_{i-1}^T M_{i-1,i+1} F_i^T) for the angle at i

  const pairs: [number, number][] = [];
  for (let d = 1; d <= K; d++) for (let i = 0; i + d <= K; i++) pairs.push([i, i + d]); // steps first, then i+2, ...
  for (const [i, j] of pairs) {
    const mark = la.mark();
    try {
      const li = layers[i] as Layer, lj = layers[j] as Layer;
      const M = la.gemmTN(li.l, lj.l);
      if (wantCka) {
        const fm = la.frobenius(M);
        ck[i]![j] = ck[j]![i] = (fm * fm) / (li.gram * lj.gram);
      }
      if (wantShape) {
        const step = j === i + 1 && K >= 2;
        const svd = la.svd(M, step);
        cs[i]![j] = cs[j]![i] = sum(svd.s) / li.frob / lj.frob;
        if (step) F[i] = la.toArray(la.gemmNN(svd.u as Dense, la.transpose(svd.v as Dense)));
        if (j === i + 2) {
          const X = la.gemmTN(la.fromArray(M.rows, (layers[i + 1] as Layer).l.cols, F[i] as Float64Array), M);
          acTrace[i + 1] = dotArrays(la.toArray(X), F[i + 1] as Float64Array);
        }
      }
    } finally {
      la.release(mark);
    }
  }
  for (let i = 0; i <= K; i++) ck[i]![i] = cs[i]![i] = 1;

  const out: PathResult = { samples: n, widths: layers.map((l) => l.side.p), space: {} };
  if (wantCka) {
    const g = geometry(ck, K, "angularCka", report, (i) => ck[i - 1]![i + 1] as number);
    out.space.angularCka = { ...g, geodesicProjection: projection(ck, g.pairwise, K, report) };
  }
  if (wantShape) {
    out.space.angularShape = geometry(cs, K, "angularShape", report, (i) => (acTrace[i] as number) / (layers[i - 1] as Layer).frob / (layers[i + 1] as Layer).frob);
  }
  return out;
}

function square(k: number): number[][] {
  return Array.from({ length: k }, () => new Array<number>(k).fill(0));
}

/** Distances, steps, length, angles and progress from the matrix of cosines. */
function geometry(cos: number[][], K: number, space: PathSpace, report: Report, acCos: (i: number) => number): PathGeometry {
  const D = cos.map((row, i) => row.map((c, j) => (i === j ? 0 : angleOf(c))));
  const steps = Array.from({ length: K }, (_, i) => D[i]![i + 1] as number);
  const pathLength = steps.reduce((s, v) => s + v, 0);
  const endpointDistance = D[0]![K] as number;
  const straightness = pathLength > 0 ? endpointDistance / pathLength : null;
  if (straightness === null) report.notes[`space.${space}.straightness`] = "the path length is 0 (every layer coincides with the next)";
  const angles: (number | null)[] = [];
  for (let i = 1; i < K; i++) {
    const ab = snapCosine(cos[i - 1]![i] as number), cb = snapCosine(cos[i + 1]![i] as number);
    const ta = Math.sqrt(Math.max(0, (1 - ab) * (1 + ab))), tc = Math.sqrt(Math.max(0, (1 - cb) * (1 + cb)));
    if (ta < TANGENT_FLOOR || tc < TANGENT_FLOOR) {
      angles.push(null);
      report.notes[`space.${space}.angles[${i - 1}]`] = `layer ${i} coincides with a neighbour (tangent norm < 1e-12): the angle is undefined`;
      continue;
    }
    const c = (acCos(i) - ab * cb) / (ta * tc);
    angles.push(Math.acos(Math.max(-1, Math.min(1, c))));
  }
  const progress = Array.from({ length: K + 1 }, (_, i) => {
    const s = (D[0]![i] as number) + (D[i]![K] as number);
    if (s > 0) return (D[0]![i] as number) / s;
    report.notes[`space.${space}.progress[${i}]`] = "the layer coincides with both endpoints";
    return null;
  });
  return { steps, pairwise: D, pathLength, endpointDistance, straightness, excessLength: pathLength - endpointDistance, angles, progress };
}

function projection(ck: number[][], D: number[][], K: number, report: Report): CkaPathGeometry["geodesicProjection"] {
  const theta = D[0]![K] as number;
  const ca = snapCosine(ck[0]![K] as number);
  const ne = Math.sqrt(Math.max(0, (1 - ca) * (1 + ca)));
  const out: CkaPathGeometry["geodesicProjection"] = [];
  for (let i = 0; i <= K; i++) {
    if (ne < TANGENT_FLOOR || theta === 0) {
      out.push({ fraction: null, offGeodesic: null });
      report.notes[`space.angularCka.geodesicProjection[${i}]`] = "the endpoints coincide: there is no geodesic from the first to the last layer";
      continue;
    }
    const u = i === 0 ? 1 : (ck[i]![0] as number);
    const v = ((i === K ? 1 : (ck[i]![K] as number)) - ca * u) / ne;
    const fraction = Math.atan2(v, u) / theta;
    let offGeodesic: number | null = null;
    if (i === 0 || i === K) report.notes[`space.angularCka.geodesicProjection[${i}].offGeodesic`] = "exactly 0 by definition (an endpoint of the geodesic); arccos of a value within rounding of 1 would return noise";
    else offGeodesic = Math.acos(Math.max(-1, Math.min(1, Math.hypot(u, v))));
    out.push({ fraction, offGeodesic });
  }
  return out;
}
