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
 * Eigen route (the reference's own): with Gx = Xc^T Xc = Vx diag(lambda) Vx^T (tridiagonal QL,
 * src/linalg/types.ts eigh) and K = Xc^T Yc, phi(X) = Xc Vx diag(f) Vx^T with f_i = (alpha + (1 -
 * alpha) lambda_i^-1/2) c (lambda floored), so phi(X)^T phi(Y) = Vx diag(fx) Vx^T K Vy diag(fy) Vy^T
 * has the singular values of the p x q matrix diag(fx) (Vx^T K Vy) diag(fy) (orthogonal factors
 * dropped), and ||phi(X)||_F^2 = sum_i lambda_i f_i^2. Eigenvalues within the eigensolver's error of
 * 0 (<= 8 p eps lambda_max) are null directions of Xc: f_i = 0 there (phi has nothing along them). alpha = 1 needs no eigendecomposition:
 * the nuclear norm of K and ||Xc||_F. Singular values by bidiagonalisation (absolute accuracy
 * O(eps ||M||), ample for a sum). The euclidean distance is evaluated as
 * sqrt((||phi X|| - ||phi Y||)^2 + 2 ||phi X|| ||phi Y|| (1 - cos)) with the snapped cosine of the
 * angular score, so d(X, X) = 0 exactly.
 */
import { fail } from "../errors.js";
import type { Dense } from "../linalg/types.js";
import { angleOf, EPS, Report, scaleRowsCols, snapCosine, sum } from "./common.js";
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
  const la = pair.la;
  let nx: number, ny: number, nuc: number;
  if (alpha >= 1 - 1e-7) {
    nx = pair.x.frob();
    ny = pair.y.frob();
    if (nx === 0 || ny === 0) return undefinedAngle(report, anglePath, nx, ny);
    nuc = sum(la.singularValues(pair.cross()));
  } else {
    const w = Math.max(pair.x.p, pair.y.p);
    const wx = whitening(pair.x, w, alpha, cov);
    const wy = whitening(pair.y, w, alpha, cov);
    nx = wx.norm;
    ny = wy.norm;
    if (nx === 0 || ny === 0) return undefinedAngle(report, anglePath, nx, ny);
    const m = la.gemmNN(la.gemmTN(wx.vectors, pair.cross()), wy.vectors);
    const M = scaleRowsCols(la.toArray(m), m.rows, m.cols, wx.f, wy.f);
    nuc = sum(la.singularValues(la.fromArray(m.rows, m.cols, M)));
  }
  const cos = snapCosine(nuc / nx / ny);
  return { angular: angleOf(cos), euclidean: Math.sqrt((nx - ny) ** 2 + 2 * nx * ny * (1 - cos)) };
}

/** A constant side: the euclidean distance to a zero matrix is still defined (the other side's norm). */
function undefinedAngle(report: Report, anglePath: string, nx: number, ny: number): Scores {
  const angular = report.undefinedValue(anglePath, "a side is constant (all columns constant): the angle to a zero matrix is undefined");
  return { angular, euclidean: Math.hypot(nx, ny) };
}

export interface Whitening {
  /** eigenvectors of Xc^T Xc (p x p) */
  vectors: Dense;
  /** f_i = (alpha + (1 - alpha) lambda_i^-1/2) c, one per eigenvector */
  f: Float64Array;
  /** ||phi(X)||_F */
  norm: number;
}

/**
 * The partial whitening of one side in its eigenbasis (see the header): the eigenvalues of the
 * w x w (padded) covariance are those of Xc^T Xc (/ n for "mean") and w - p zeros, all floored at
 * 1e-7; c rescales so that the floored total variance is preserved (netrep's preserve_variance).
 */
export function whitening(side: Side, w: number, alpha: number, cov: ShapeCovariance): Whitening {
  const { values, vectors } = side.gramEigen();
  const p = values.length;
  const scale = cov === "mean" ? 1 / side.n : 1;
  const lam = (i: number) => Math.max(i < p ? (values[i] as number) * scale : 0, EIG_FLOOR);
  let sumLam = 0, newVar = 0;
  const b = 1 - alpha;
  for (let i = 0; i < w; i++) {
    const l = lam(i);
    sumLam += l;
    newVar += alpha * alpha * l + 2 * alpha * b * Math.sqrt(l) + b * b;
  }
  const c = Math.sqrt(sumLam / newVar);
  // eigenvalues within the eigensolver's absolute error of 0 belong to directions with Xc v = 0:
  // they count in the variance above, but phi has nothing along them (f = 0), instead of rounding
  // noise of K amplified by the floored lambda^-1/2
  const dead = Math.max(values[0] ?? 0, 0) * 8 * p * EPS;
  const f = Float64Array.from({ length: p }, (_, i) => ((values[i] as number) > dead ? (alpha + b / Math.sqrt(lam(i))) * c : 0));
  let norm2 = 0;
  for (let i = 0; i < p; i++) norm2 += Math.max(values[i] as number, 0) * (f[i] as number) ** 2;
  return { vectors, f, norm: Math.sqrt(norm2) };
}
