/**
 * Canonical correlation analysis (Hotelling 1936) as used to compare representations by Raghu et
 * al. 2017 (SVCCA, sec. 2) and Kornblith et al. 2019 (R^2_CCA, eq. in sec. 3 "Canonical
 * Correlation Analysis"): the canonical correlations rho_i of the centred X (n x p) and Y (n x q),
 * their mean rho-bar = (1/c) sum rho_i and mean square R^2_CCA = (1/c) sum rho_i^2, c = min(p, q).
 *
 * Exact route (default, epsilon = 0; ../shared/docs/measures.md sec. 2.1): rho = singular values of
 * Qx^T Qy for orthonormal bases Qx, Qy of col(Xc), col(Yc) (numerical rank #{s > s_max max(n, p)
 * eps}), clipped to [0, 1] and zero-padded to c. The bases come from CholeskyQR2 when a side is
 * certified well conditioned and of full rank (src/measures/basis.ts), else from its thin SVD; the
 * singular values of the small cross product by bidiagonalisation. No covariance is ever inverted
 * (that squares the condition number; google/svcca loses ~1e-7 that way).
 *
 * Regularised route (epsilon > 0, google/svcca's cca_core convention, for parity): covariances with
 * 1/(n-1), Sxx /= max|Sxx|, Syy /= max|Syy|, Sxy /= sqrt(max|Sxx| max|Syy|), neurons with rescaled
 * variance < epsilon dropped, Sxx + eps I and Syy + eps I inverse-square-rooted by a symmetric
 * eigendecomposition, rho = svd((Sxx + eps I)^-1/2 Sxy (Syy + eps I)^-1/2); length min(kept p,
 * kept q). google's `mean` (a 98%-mass truncated mean) is not reproduced: `mean` is the mean of rho.
 *
 * With n <= max(p, q) CCA is degenerate (each side spans nearly all of R^n, so most rho are 1):
 * the result carries a `ccaDegenerate` warning, as the google tutorial advises n >= 5-10 x neurons.
 */
import { fail } from "../errors.js";
import type { Dense, Linalg } from "../linalg/types.js";
import { EPS, Report, selectColumns } from "./common.js";
import type { Pair } from "./context.js";

export interface CcaOptions {
  /** google-style regularisation (0 = exact CCA, the default) */
  epsilon?: number;
}

/** The fixtures' `cca` object. */
export interface CcaResult {
  /** canonical correlations, descending, in [0, 1], zero-padded to min(p, q) (exact route) */
  coefficients: number[];
  /** mean of the coefficients */
  mean: number;
  /** mean of their squares (R^2_CCA, Kornblith et al. 2019) */
  meanSquared: number;
  epsilon: number;
}

export function checkEpsilon(e: unknown, name = "epsilon"): number {
  if (e === undefined) return 0;
  if (typeof e !== "number" || !Number.isFinite(e) || e < 0 || e >= 1) fail("badOption", `expected ${name} to be a number in [0, 1), got ${String(e)}`);
  return e;
}

/** Warns when n <= max(p, q) (fixtures: expectWarnings.cca). */
export function ccaValidity(pair: Pair, report: Report): void {
  const n = pair.n, p = pair.x.p, q = pair.y.p;
  if (n <= Math.max(p, q)) {
    report.warn(
      "ccaDegenerate",
      `CCA is degenerate with ${n} samples <= ${Math.max(p, q)} neurons: each side spans (nearly) all of R^${n}, so canonical correlations are trivially 1; use at least 5-10 x more samples than neurons, or SVCCA / CKA`,
    );
  }
}

export function ccaOn(pair: Pair, opts: CcaOptions, report: Report): CcaResult {
  const epsilon = checkEpsilon(opts.epsilon);
  ccaValidity(pair, report);
  let rho: Float64Array;
  let c: number;
  if (epsilon > 0) {
    const r = regularisedCca(pair.la, pair.x.xc, pair.y.xc, epsilon, false);
    if (r === null) {
      const why = "a side is constant (zero covariance): the regularised CCA is undefined";
      return { coefficients: [], mean: report.undefinedValue("cca.mean", why), meanSquared: report.undefinedValue("cca.meanSquared", why), epsilon };
    }
    rho = r.rho;
    c = rho.length;
  } else {
    rho = pair.canonical(false).rho;
    c = Math.min(pair.x.p, pair.y.p);
  }
  return summarise(rho, c, epsilon, "cca", report);
}

/** Pads rho to length c and averages (NaN with a note when c = 0). */
export function summarise(rho: Float64Array, c: number, epsilon: number, path: string, report: Report): CcaResult {
  const coefficients = new Array<number>(c).fill(0);
  for (let i = 0; i < Math.min(c, rho.length); i++) coefficients[i] = rho[i] as number;
  if (c === 0) {
    const why = "no canonical pair: every neuron of a side was dropped by the epsilon regularisation";
    return { coefficients, mean: report.undefinedValue(`${path}.mean`, why), meanSquared: report.undefinedValue(`${path}.meanSquared`, why), epsilon };
  }
  let s = 0, s2 = 0;
  for (const r of coefficients) {
    s += r;
    s2 += r * r;
  }
  return { coefficients, mean: s / c, meanSquared: s2 / c, epsilon };
}

export interface RegularisedCca {
  rho: Float64Array;
  /** kept neuron indices of each side */
  keepX: number[];
  keepY: number[];
  /** left / right singular vectors of the whitened cross-covariance T (kept p x c, kept q x c) */
  u: Dense;
  v: Dense;
  /** unit-norm canonical variates (n x c each), when asked for */
  hx?: Dense;
  hy?: Dense;
}

/**
 * google/svcca's regularised covariance CCA (see the header). Returns null when a side is constant.
 * With `variates`, also the unit-norm canonical variates (Xc[:, kept] / sqrt(max|Sxx|)) Kx U.
 */
export function regularisedCca(la: Linalg, xc: Dense, yc: Dense, epsilon: number, variates: boolean): RegularisedCca | null {
  const n = xc.rows, p = xc.cols, q = yc.cols;
  const f = 1 / (n - 1);
  const sxx = scaled(la.toArray(la.gemmTN(xc, xc)), f);
  const syy = scaled(la.toArray(la.gemmTN(yc, yc)), f);
  const sxy = scaled(la.toArray(la.gemmTN(xc, yc)), f);
  const mx = maxAbs(sxx), my = maxAbs(syy);
  if (!(mx > 0) || !(my > 0)) return null;
  const keepX = kept(sxx, p, mx, epsilon);
  const keepY = kept(syy, q, my, epsilon);
  const px = keepX.length, qy = keepY.length;
  if (px === 0 || qy === 0) {
    const z = la.fromArray(0, 0);
    return { rho: new Float64Array(0), keepX, keepY, u: z, v: z };
  }
  const kx = invSqrt(la, subBlock(sxx, p, keepX, keepX, 1 / mx, epsilon), px);
  const ky = invSqrt(la, subBlock(syy, q, keepY, keepY, 1 / my, epsilon), qy);
  const cxy = la.fromArray(px, qy, subBlock(sxy, p, keepX, keepY, 1 / Math.sqrt(mx * my), 0));
  const t = la.gemmNN(la.gemmNN(kx, cxy), ky);
  const svd = la.svd(t, true);
  const rho = Float64Array.from(svd.s, (v) => Math.min(1, Math.abs(v)));
  const out: RegularisedCca = { rho, keepX, keepY, u: svd.u as Dense, v: svd.v as Dense };
  if (variates) {
    out.hx = variatesOf(la, xc, keepX, mx, kx, out.u);
    out.hy = variatesOf(la, yc, keepY, my, ky, out.v);
  }
  return out;
}

function variatesOf(la: Linalg, xc: Dense, keep: number[], m: number, k: Dense, u: Dense): Dense {
  const xk = la.fromArray(xc.rows, keep.length, selectColumns(la.toArray(xc), xc.rows, keep));
  la.scaleColumns(xk, new Float64Array(keep.length).fill(1 / Math.sqrt(m)));
  const h = la.gemmNN(la.gemmNN(xk, k), u);
  const H = la.toArray(h);
  const norms = new Float64Array(h.cols);
  for (let j = 0; j < h.cols; j++) {
    let s = 0;
    for (let i = 0; i < h.rows; i++) s += (H[j * h.rows + i] as number) ** 2;
    norms[j] = 1 / Math.max(Math.sqrt(s), 1e-300);
  }
  la.scaleColumns(h, norms);
  return h;
}

/**
 * S^-1/2 of a symmetric positive semi-definite k x k matrix through its eigendecomposition,
 * pseudo-inverse style: eigenvalues <= lambda_max * k * eps count as 0 (google takes every
 * eigenvalue > 0, which turns rounding noise of a singular S into huge weights).
 */
function invSqrt(la: Linalg, s: Float64Array, k: number): Dense {
  const e = la.eigh(la.fromArray(k, k, s));
  const top = Math.max(e.values[0] ?? 0, 0);
  const f = Float64Array.from(e.values, (w) => (w > top * k * EPS && w > 0 ? 1 / Math.sqrt(w) : 0));
  const vf = la.leadingColumns(e.vectors, k);
  la.scaleColumns(vf, f);
  return la.gemmNN(vf, la.transpose(e.vectors));
}

function scaled(a: Float64Array, f: number): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) * f;
  return a;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** Neurons whose rescaled variance S_ii / max|S| is >= epsilon. */
function kept(s: Float64Array, p: number, m: number, epsilon: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < p; i++) if (Math.abs((s[i * p + i] as number) / m) >= epsilon) out.push(i);
  return out;
}

/** f * S[rows, cols] (+ add on the diagonal when rows = cols), column-major, S with leading dim ld. */
function subBlock(s: Float64Array, ld: number, rows: number[], cols: number[], f: number, add: number): Float64Array {
  const r = rows.length;
  const out = new Float64Array(r * cols.length);
  cols.forEach((j, c) => rows.forEach((i, k) => (out[c * r + k] = (s[j * ld + i] as number) * f)));
  if (add !== 0) for (let i = 0; i < Math.min(r, cols.length); i++) out[i * r + i] = (out[i * r + i] as number) + add;
  return out;
}
