/**
 * Every representational-similarity measure of a pair at once, in the fixtures' schema
 * (../shared/fixtures/README.md: `cca`, `svcca`, `pwcca`, `cka`, `procrustes`), sharing the work
 * through one Pair (src/measures/context.ts): both sides are loaded and centred once; each side's
 * Gram matrix Xc^T Xc is formed once, and its eigendecomposition serves SVCCA and the shape
 * metrics; each side's CholeskyQR2 basis and the basis cross product Qx^T Qy serve CCA and both
 * PWCCA variants (the thin SVD and Ux^T Uy instead, for rank-deficient or ill-conditioned sides);
 * the cross Gram Xc^T Yc serves the linear CKA and the shape metrics; the row norms serve the
 * debiased CKA. Measures that are not requested cost nothing.
 */
import { ccaOn, type CcaOptions, type CcaResult } from "./cca.js";
import { ckaOn, type CkaOptions, type CkaResult } from "./cka.js";
import type { Report } from "./common.js";
import type { Pair, Side } from "./context.js";
import { pwccaOn } from "./pwcca.js";
import { procrustesOn, type ProcrustesOptions, type ProcrustesResult } from "./shape.js";
import { svccaOn, warmSvcca, type SvccaOptions, type SvccaResult } from "./svcca.js";
import { fail } from "../errors.js";

export type MeasureName = "cca" | "svcca" | "pwcca" | "cka" | "procrustes";

export const MEASURE_NAMES: readonly MeasureName[] = ["cca", "svcca", "pwcca", "cka", "procrustes"];

/** Options of every measure, flat (epsilon applies to CCA, SVCCA and PWCCA). */
export interface MeasuresOptions extends CcaOptions, Omit<SvccaOptions, "epsilon">, CkaOptions, ProcrustesOptions {
  /** which measures to compute (default all) */
  measures?: readonly MeasureName[];
}

export interface MeasuresValues {
  cca?: CcaResult;
  svcca?: SvccaResult;
  /** PWCCA in both variants (Morcos et al.'s formula, and google/svcca's code) */
  pwcca?: { paper: number; google: number };
  cka?: CkaResult;
  procrustes?: ProcrustesResult;
}

export function checkMeasures(m: unknown): MeasureName[] {
  if (m === undefined) return [...MEASURE_NAMES];
  if (!Array.isArray(m) || m.some((x) => !MEASURE_NAMES.includes(x as MeasureName))) {
    fail("badOption", `expected measures to be a list of ${MEASURE_NAMES.map((x) => JSON.stringify(x)).join(", ")}, got ${JSON.stringify(m)}`);
  }
  return MEASURE_NAMES.filter((x) => (m as MeasureName[]).includes(x));
}

export function measuresOn(pair: Pair, opts: MeasuresOptions, report: Report): MeasuresValues {
  const want = checkMeasures(opts.measures);
  const out: MeasuresValues = {};
  const epsilon = opts.epsilon;
  if (want.includes("pwcca")) {
    // first, so the canonical decomposition is computed once with the vectors PWCCA needs
    const paper = pwccaOn(pair, { variant: "paper", epsilon }, report);
    const google = pwccaOn(pair, { variant: "google", epsilon }, report);
    out.pwcca = { paper: paper.value, google: google.value };
  }
  if (want.includes("cca")) out.cca = ccaOn(pair, { epsilon }, report);
  if (want.includes("svcca")) out.svcca = svccaOn(pair, svccaOptions(opts), report);
  if (want.includes("cka")) out.cka = ckaOn(pair, { rbfThreshold: opts.rbfThreshold, rbf: opts.rbf }, report);
  if (want.includes("procrustes")) out.procrustes = procrustesOn(pair, { alpha: opts.alpha, covariance: opts.covariance }, report);
  // keys in the fixtures' order
  const ordered: MeasuresValues = {};
  for (const k of MEASURE_NAMES) if (out[k] !== undefined) (ordered as Record<string, unknown>)[k] = out[k];
  return ordered;
}

function svccaOptions(opts: MeasuresOptions): SvccaOptions {
  const svcca: SvccaOptions = { epsilon: opts.epsilon };
  if (opts.keep !== undefined) svcca.keep = opts.keep;
  if (opts.criterion !== undefined) svcca.criterion = opts.criterion;
  if (opts.components !== undefined) svcca.components = opts.components;
  return svcca;
}

/**
 * Computes and caches on one side what measuresOn will use of it, then freezes the side (see
 * Side.freeze): for grids, where each side meets many others and each pair's own work is freed
 * after it. `gramForm`: some pair of the grid has more neurons than samples on a side (the linear
 * CKA then takes its n x n form, which needs the transposed sides).
 */
export function warmSide(side: Side, opts: MeasuresOptions, gramForm: boolean): void {
  const want = checkMeasures(opts.measures);
  const exact = !(opts.epsilon !== undefined && opts.epsilon > 0);
  side.frob();
  if (!side.constant) {
    if (want.includes("cca") || want.includes("pwcca")) {
      const b = exact ? side.basis() : null;
      if (exact && b === null) side.svd();
      if (b !== null && want.includes("pwcca")) side.rEigen();
    }
    if (want.includes("svcca")) warmSvcca(side, svccaOptions(opts));
    if (want.includes("cka")) {
      if (gramForm) side.transposed();
      else {
        side.gramNorm();
        side.rowNorms();
      }
    }
    if (want.includes("procrustes")) side.gramEigen();
  }
  side.freeze();
}
