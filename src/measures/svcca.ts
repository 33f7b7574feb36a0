/**
 * SVCCA (Raghu, Gilmer, Yosinski, Sohl-Dickstein 2017, sec. 2 "SVCCA: Singular Vector Canonical
 * Correlation Analysis", steps 1-3): per side, centre, thin SVD Xc = U S V^T, keep the k leading
 * directions X~ = U_k S_k; SVCCA = the mean of the min(kx, ky) canonical correlations of (X~, Y~).
 *
 * k (../shared/docs/measures.md sec. 2.2): the smallest k with sum_{i<=k} s_i^2 >= keep * sum s_i^2,
 * keep = 0.99 by default ("99% of variance"; sklearn PCA(0.99) up to ties; compared with a 1e-12
 * allowance for rounding at exactly `keep`); `criterion: "singularValues"` uses s_i instead of s_i^2
 * (the google tutorial's printout, anatome); `components: k` fixes k (google tutorial 20, others 10).
 *
 * Routes (epsilon = 0): the eigen route (eigenSvcca below) whenever each side's kth direction is
 * well above rounding, which is every side but the nearly degenerate ones; otherwise the SVD route:
 * X~ has the orthonormal basis U_k (rank #{i < k: s_i > s_1 max(n, k) eps}), so the canonical
 * correlations are the singular values of the leading block of Ux^T Uy, the same cross product
 * CCA's SVD route uses. epsilon > 0 runs google's regularised CCA on the reduced matrices instead.
 */
import { fail } from "../errors.js";
import { checkEpsilon, regularisedCca, summarise } from "./cca.js";
import { basisCross, type Orthonormal } from "./basis.js";
import { EPS, leadingBlock, Report } from "./common.js";
import type { Pair, Side } from "./context.js";

export type SvccaCriterion = "variance" | "singularValues";

export interface SvccaOptions {
  /** fraction of the criterion's total to keep, in (0, 1] (default 0.99) */
  keep?: number;
  criterion?: SvccaCriterion;
  /** a fixed number of directions per side instead of `keep` */
  components?: number;
  /** google-style regularisation of the CCA step (default 0: exact) */
  epsilon?: number;
}

/** The fixtures' `svcca` object (plus the criterion, the fixed k when used, and the coefficients). */
export interface SvccaResult {
  /** the fraction kept (null when `components` fixed k) */
  keep: number | null;
  criterion: SvccaCriterion;
  components?: number;
  /** directions kept per side [ka, kb] */
  dims: [number, number];
  value: number;
  /** canonical correlations of the reduced sides, zero-padded to min(ka, kb) */
  coefficients: number[];
}

interface Resolved {
  keep: number | null;
  criterion: SvccaCriterion;
  components?: number;
  epsilon: number;
}

function resolve(opts: SvccaOptions): Resolved {
  const criterion = opts.criterion ?? "variance";
  if (criterion !== "variance" && criterion !== "singularValues") fail("badOption", `expected criterion "variance" or "singularValues", got ${JSON.stringify(criterion)}`);
  const epsilon = checkEpsilon(opts.epsilon);
  if (opts.components !== undefined) {
    const k = opts.components;
    if (!Number.isSafeInteger(k) || k < 1) fail("badOption", `expected components to be a positive integer, got ${String(k)}`);
    return { keep: null, criterion, components: k, epsilon };
  }
  const keep = opts.keep ?? 0.99;
  if (typeof keep !== "number" || !(keep > 0 && keep <= 1)) fail("badOption", `expected keep to be a fraction in (0, 1], got ${String(keep)}`);
  return { keep, criterion, epsilon };
}

/** The result's settings and dims. */
function resultBase(o: Resolved, kx: number, ky: number): Omit<SvccaResult, "value" | "coefficients"> {
  return { keep: o.keep, criterion: o.criterion, ...(o.components !== undefined ? { components: o.components } : {}), dims: [kx, ky] };
}

/** Number of leading directions kept for singular values s (descending). */
export function componentsKept(s: Float64Array, keep: number | null, criterion: SvccaCriterion, fixed?: number): number {
  if (fixed !== undefined) return Math.min(fixed, s.length);
  const energy = Float64Array.from(s, (v) => (criterion === "variance" ? v * v : Math.abs(v)));
  let total = 0;
  for (const e of energy) total += e;
  if (total === 0) return 0;
  const target = (keep as number) - 1e-12;
  let run = 0;
  for (let k = 0; k < energy.length; k++) {
    run += energy[k] as number;
    if (run / total >= target) return k + 1;
  }
  return energy.length;
}

/** `route: "svd"` skips the eigen route (for tests that compare the two). */
export function svccaOn(pair: Pair, opts: SvccaOptions, report: Report, route: "auto" | "svd" = "auto"): SvccaResult {
  const o = resolve(opts);
  if (o.epsilon === 0 && route === "auto") {
    const r = eigenSvcca(pair, o, report);
    if (r) return r;
  }
  const kx = componentsKept(pair.x.svd().s, o.keep, o.criterion, o.components);
  const ky = componentsKept(pair.y.svd().s, o.keep, o.criterion, o.components);
  const c = Math.min(kx, ky);
  const base = resultBase(o, kx, ky);
  if (c === 0) {
    const value = report.undefinedValue("svcca.value", "a side is constant (no variance to keep)");
    return { ...base, value, coefficients: [] };
  }
  let rho: Float64Array;
  if (o.epsilon > 0) {
    const la = pair.la;
    const rx = reduced(pair.x, kx), ry = reduced(pair.y, ky);
    la.center(rx);
    la.center(ry);
    const r = regularisedCca(la, rx, ry, o.epsilon, false);
    rho = r ? r.rho : new Float64Array(0);
    const s = summarise(rho, r ? rho.length : 0, o.epsilon, "svcca", report);
    return { ...base, value: s.mean, coefficients: s.coefficients };
  }
  const rx = keptRank(pair.x, kx), ry = keptRank(pair.y, ky);
  const m = Math.min(rx, ry);
  if (m === 0) rho = new Float64Array(0);
  else {
    const block = leadingBlock(pair.basisCross(), pair.x.svd().s.length, rx, ry);
    rho = Float64Array.from(pair.la.svd(pair.la.fromArray(rx, ry, block), false).s, (v) => Math.min(1, Math.max(0, v)));
  }
  const s = summarise(rho, c, 0, "svcca", report);
  return { ...base, value: s.mean, coefficients: s.coefficients };
}

/**
 * The eigen route (any side whose kept directions are well above rounding; src/measures/basis.ts
 * eigenBasis): Xc^T Xc = V diag(s^2) V^T gives the singular values and X~ = U_k S_k = Xc V_k; an
 * orthonormal basis of each X~ comes from one n p k product and one CholeskyQR pass, and the
 * canonical correlations are the singular values of Qx~^T Qy~. The eigenvectors' error in the kept
 * subspace is the SVD's, scaled by s_1 / (s_k + s_k+1), and it reaches the reduced sides damped by
 * s_k+1 / s_k. The sum-of-s criterion needs each s_i to absolute accuracy, which square roots of
 * eigenvalues near rounding do not give: it takes this route only when lambda_min >= 1e-10
 * lambda_1 (s_min >= 1e-5 s_1, errors <= 8 p eps s_1 / 2e-5 per value). Null when a gate fails.
 */
function eigenSvcca(pair: Pair, o: Resolved, report: Report): SvccaResult | null {
  const x = eigenRoute(pair.x, o);
  const y = x && eigenRoute(pair.y, o);
  if (!x || !y) return null;
  const la = pair.la;
  const rho = Float64Array.from(la.singularValues(basisCross(la, x.basis, y.basis)), (v) => Math.min(1, Math.max(0, v)));
  const s = summarise(rho, Math.min(x.k, y.k), 0, "svcca", report);
  return { ...resultBase(o, x.k, y.k), value: s.mean, coefficients: s.coefficients };
}

/** The kept k of one side and its reduced basis when the eigen route applies (both gates above), else null. */
function eigenRoute(side: Side, o: Resolved): { k: number; basis: Orthonormal } | null {
  const e = side.gramEigen();
  if (o.criterion === "singularValues" && o.components === undefined) {
    if (!((e.values[e.values.length - 1] as number) >= 1e-10 * (e.values[0] as number))) return null;
  }
  const k = componentsKept(Float64Array.from(e.values, (v) => Math.sqrt(Math.max(v, 0))), o.keep, o.criterion, o.components);
  const basis = side.eigenBasis(k);
  return basis ? { k, basis } : null;
}

/** Computes and caches what svccaOn will use of one side (for a Side paired with many others). */
export function warmSvcca(side: Side, opts: SvccaOptions): void {
  const o = resolve(opts);
  if (o.epsilon === 0 && eigenRoute(side, o) !== null) return;
  side.svd();
}

/** Rank of U_k S_k: #{i < k: s_i > s_1 * max(n, k) * eps}. */
function keptRank(side: Side, k: number): number {
  const s = side.svd().s;
  const cut = (s[0] ?? 0) * Math.max(side.n, k) * EPS;
  let r = 0;
  while (r < k && (s[r] as number) > cut) r++;
  return r;
}

/** U_k S_k (n x k) as a new matrix. */
function reduced(side: Side, k: number) {
  const { u, s } = side.svd();
  const m = side.la.leadingColumns(u, k);
  side.la.scaleColumns(m, s.subarray(0, k));
  return m;
}
