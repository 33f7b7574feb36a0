/**
 * Shape metrics (Williams, Kunz, Kornblith, Linderman 2021, "Generalized shape metrics on neural
 * representations", eq. 4-5 for the angular / euclidean distances after alignment, eq. 8 for the
 * alpha-regularised partial whitening), in netrep's convention (../shared/docs/measures.md 2.5):
 *
 *   phi_alpha(X) = Xc Z,  Z = V diag(alpha + (1 - alpha) lambda^-1/2) V^T,  (lambda, V) = eig(Xc^T Xc)
 *   (not divided by n; cov "mean" divides by n, repsim's convention), lambda floored at 1e-7, Z
 *   rescaled so that tr(phi^T phi) = tr(Xc^T Xc) computed with the floored lambda (netrep's
 *   preserve_variance), the narrower matrix zero-padded to the common width w BEFORE whitening
 *   (padded directions count as floored eigenvalues in the rescale), alpha >= 1 - 1e-7 means no
 *   whitening;
 *   angular   d = arccos(||phi(X)^T phi(Y)||_* / (||phi(X)||_F ||phi(Y)||_F))     in [0, pi/2]
 *   euclidean d = sqrt(||phi X||^2 + ||phi Y||^2 - 2 ||phi(X)^T phi(Y)||_*)
 * alpha = 1 is angular / euclidean Procrustes (rotation, and for the angular score isotropic
 * scaling, invariant); alpha = 0 with p = q gives arccos(mean CCA).
 *
 * Spectral route: with Xc = U S V^T (thin SVD, k = min(n, p)), phi(X) = U diag(a) V^T with
 * a_i = s_i d_i c (d the whitening factor, c the rescale), so phi(X)^T phi(Y) = Vx diag(ax) Ux^T Uy
 * diag(ay) Vy^T has the nuclear norm of the kx x ky matrix diag(ax) (Ux^T Uy) diag(ay) and
 * ||phi(X)||_F = ||ax||: one cross product Ux^T Uy (shared with CCA) serves every alpha, and the
 * p x q matrix is never formed (for n < min(p, q) this is the "thin SVD trick" of sec. 2.5). The
 * euclidean distance is evaluated as sqrt((||ax|| - ||ay||)^2 + 2 ||ax|| ||ay|| (1 - cos)) with the
 * snapped cosine of the angular score, so d(X, X) = 0 exactly.
 */
import { fail } from "../errors.js";
import { angleOf, norm2, nuclearNorm, Report, scaleRowsCols, snapCosine } from "./common.js";
import type { Pair, Side } from "./context.js";

export type ShapeCovariance = "sum" | "mean";

export interface ProcrustesOptions {
  /** alpha of the `shape` entry (default 0.5, netrep's partial whitening) */
  alpha?: number;
  /** eigen-decomposition of Xc^T Xc ("sum", netrep, default) or Xc^T Xc / n ("mean", repsim) */
  covariance?: ShapeCovariance;
}

/** The fixtures' `procrustes` object, plus the shape metric at the requested alpha. */
export interface ProcrustesResult {
  /** angular Procrustes distance (alpha = 1), radians in [0, pi/2] */
  angular: number;
  /** euclidean Procrustes distance min_R ||Xc R - Yc||_F (alpha = 1, centred, not scaled) */
  euclidean: number;
  /** angular shape distance at alpha = 0.5 (netrep convention) */
  shapeAlpha0_5: number;
  /** angular and euclidean shape distances at the requested alpha and covariance */
  shape: { alpha: number; covariance: ShapeCovariance; angular: number; euclidean: number };
}

export const EIG_FLOOR = 1e-7;

export function checkAlpha(a: unknown): number {
  if (a === undefined) return 0.5;
  if (typeof a !== "number" || !(a >= 0 && a <= 1)) fail("badOption", `expected alpha in [0, 1], got ${String(a)}`);
  return a;
}

export function checkCovariance(c: unknown): ShapeCovariance {
  if (c === undefined) return "sum";
  if (c !== "sum" && c !== "mean") fail("badOption", `expected covariance "sum" or "mean", got ${JSON.stringify(c)}`);
  return c;
}

export function procrustesOn(pair: Pair, opts: ProcrustesOptions, report: Report): ProcrustesResult {
  const alpha = checkAlpha(opts.alpha);
  const covariance = checkCovariance(opts.covariance);
  const one = shapeScores(pair, 1, "sum", report, "procrustes.angular");
  const half = shapeScores(pair, 0.5, "sum", report, "procrustes.shapeAlpha0_5");
  const s = alpha >= 1 - 1e-7 ? one : alpha === 0.5 && covariance === "sum" ? half : shapeScores(pair, alpha, covariance, report, "procrustes.shape.angular");
  return {
    angular: one.angular,
    euclidean: one.euclidean,
    shapeAlpha0_5: half.angular,
    shape: { alpha, covariance, angular: s.angular, euclidean: s.euclidean },
  };
}

interface Scores {
  angular: number;
  euclidean: number;
}

/** Angular and euclidean shape distances at one alpha; `anglePath` names the angular field for notes. */
export function shapeScores(pair: Pair, alpha: number, cov: ShapeCovariance, report: Report, anglePath: string): Scores {
  const w = Math.max(pair.x.p, pair.y.p);
  const ax = spectralWeights(pair.x, w, alpha, cov);
  const ay = spectralWeights(pair.y, w, alpha, cov);
  const nx = norm2(ax), ny = norm2(ay);
  if (nx === 0 || ny === 0) {
    // the euclidean distance to a zero matrix is still defined: the other side's norm
    const angular = report.undefinedValue(anglePath, "a side is constant (all columns constant): the angle to a zero matrix is undefined");
    return { angular, euclidean: Math.hypot(nx, ny) };
  }
  const kx = ax.length, ky = ay.length;
  const nuc = nuclearNorm(pair.la, scaleRowsCols(pair.basisCross(), kx, ky, ax, ay), kx, ky);
  const cos = snapCosine(nuc / nx / ny);
  return { angular: angleOf(cos), euclidean: Math.sqrt((nx - ny) ** 2 + 2 * nx * ny * (1 - cos)) };
}

/**
 * a_i = s_i d_i c for the k = min(n, p) singular values of the side (see the header): the
 * eigenvalues of the w x w (padded) covariance are lambda_i = s_i^2 (/ n for "mean") for i < k
 * and 0 for the w - k others, all floored at 1e-7.
 */
export function spectralWeights(side: Side, w: number, alpha: number, cov: ShapeCovariance): Float64Array {
  const s = side.svd().s;
  if (alpha >= 1 - 1e-7) return s.slice();
  const k = s.length;
  const scale = cov === "mean" ? 1 / side.n : 1;
  const lam = (i: number) => Math.max(i < k ? (s[i] as number) ** 2 * scale : 0, EIG_FLOOR);
  let sumLam = 0, newVar = 0;
  const b = 1 - alpha;
  for (let i = 0; i < w; i++) {
    const l = lam(i);
    sumLam += l;
    newVar += alpha * alpha * l + 2 * alpha * b * Math.sqrt(l) + b * b;
  }
  const c = Math.sqrt(sumLam / newVar);
  return Float64Array.from(s, (si, i) => si * (alpha + b / Math.sqrt(lam(i))) * c);
}
