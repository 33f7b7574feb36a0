/**
 * Centered kernel alignment (Kornblith, Norouzi, Lee, Hinton 2019, eq. 3-4: CKA(K, L) =
 * HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) with Gretton et al.'s 2005 HSIC = tr(K H L H) / (n-1)^2),
 * its debiased form (Song et al. 2012, eq. 5 unbiased HSIC, in the U-centring form of Szekely &
 * Rizzo 2014) and the angular (arccos) metric form (Williams et al. 2021 supp.; Lange et al. 2022).
 *
 *  - linear, feature-space form (n >= max(p, q)): ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F),
 *    O(n p q), no n x n matrix; Gram form otherwise (K = Xc Xc^T, L = Yc Yc^T, double-centred).
 *  - linearDebiased: h(X, Y) = ||Y^T X||_F^2 - n/(n-2) a.b + (sum a)(sum b) / ((n-1)(n-2)) with
 *    a_i = ||x_i||^2, b_i = ||y_i||^2 over centred rows (= n(n-3) HSIC_u), CKA_u = h(X,Y) /
 *    sqrt(h(X,X) h(Y,Y)); Gram form: U-centred Gram matrices (zero diagonal, then K~_ij = K_ij -
 *    r_i/(n-2) - r_j/(n-2) + S/((n-1)(n-2))) and <K~, L~> / sqrt(<K~,K~> <L~,L~>). It may be
 *    negative. NaN with a note when n < 4 or a denominator term is <= 0.
 *  - rbf: K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2)), sigma^2 = threshold^2 * median of all n^2
 *    squared distances of that side (diagonal zeros included; numpy median), threshold 0.5 by
 *    default, biased HSIC; rbfDebiased the same kernels with U-centring. NaN with a note when the
 *    median is 0 (more than half of the sample pairs coincide).
 *  - angularLinear / angularRbf = arccos(CKA) in [0, pi/2] (cosines within 2^-38 of 1 count as 1,
 *    so the distance of a representation to itself is exactly 0).
 * A constant side (no variance) makes every CKA NaN (0/0), with a note.
 */
import { fail } from "../errors.js";
import { MAX_ELEMENTS } from "../matrix.js";
import { angleOf, dotArrays, fullSquareMedian, Report, sum } from "./common.js";
import type { Pair, Side } from "./context.js";

export interface CkaOptions {
  /** RBF bandwidth relative to sqrt(median squared distance) (default 0.5) */
  rbfThreshold?: number;
  /** compute the RBF kernels (O(n^2) memory; default true) */
  rbf?: boolean;
}

/** The fixtures' `cka` object, plus the debiased RBF, the arccos forms and the route taken. */
export interface CkaResult {
  linear: number;
  linearDebiased: number;
  rbf?: { threshold: number; value: number };
  rbfDebiased?: number;
  /** arccos(linear) */
  angularLinear: number;
  /** arccos(rbf) */
  angularRbf?: number;
  /** "features" (p x q products) or "gram" (n x n products) for the linear kernels */
  form: "features" | "gram";
}

export function checkThreshold(t: unknown): number {
  if (t === undefined) return 0.5;
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) fail("badOption", `expected rbfThreshold to be a positive number, got ${String(t)}`);
  return t;
}

export function ckaOn(pair: Pair, opts: CkaOptions, report: Report): CkaResult {
  const threshold = checkThreshold(opts.rbfThreshold);
  const n = pair.n;
  const constant = pair.x.constant || pair.y.constant;
  const form = n >= Math.max(pair.x.p, pair.y.p) ? "features" : "gram";
  let linear: number, linearDebiased: number;
  if (constant) {
    const why = "a side is constant (all columns constant): its centred kernel is 0";
    linear = report.undefinedValue("cka.linear", why);
    linearDebiased = report.undefinedValue("cka.linearDebiased", why);
  } else if (form === "features") {
    const fm = pair.crossNorm(), fx = pair.x.gramNorm(), fy = pair.y.gramNorm();
    linear = (fm * fm) / (fx * fy);
    linearDebiased = debiasedFeatures(pair, fm, fx, fy, report);
  } else {
    checkSquare(n, "linear CKA (Gram form)");
    const K = pair.x.sampleGram(), L = pair.y.sampleGram();
    linear = biasedFromGrams(K, L, n);
    linearDebiased = n < 4 ? report.undefinedValue("cka.linearDebiased", tooFew(n)) : debiasedFromGrams(K, L, n, "cka.linearDebiased", report);
  }
  const angularOf = (v: number, path: string) => (Number.isNaN(v) ? report.undefinedValue(path, "the arccos of an undefined CKA") : angleOf(v));
  const angularLinear = angularOf(linear, "cka.angularLinear");
  if (opts.rbf === false) return { linear, linearDebiased, angularLinear, form };

  checkSquare(n, "RBF CKA");
  let value: number, debiased: number;
  const kx = constant ? null : rbfKernel(pair.x, threshold);
  const ky = constant ? null : rbfKernel(pair.y, threshold);
  if (constant) {
    const why = "a side is constant (all columns constant): its centred kernel is 0";
    value = report.undefinedValue("cka.rbf.value", why);
    debiased = report.undefinedValue("cka.rbfDebiased", why);
  } else if (kx === null || ky === null) {
    const why = "the median squared distance between samples is 0 on a side (more than half of the sample pairs coincide): the RBF bandwidth is undefined";
    value = report.undefinedValue("cka.rbf.value", why);
    debiased = report.undefinedValue("cka.rbfDebiased", why);
  } else {
    value = biasedFromGrams(kx, ky, n);
    debiased = n < 4 ? report.undefinedValue("cka.rbfDebiased", tooFew(n)) : debiasedFromGrams(kx, ky, n, "cka.rbfDebiased", report);
  }
  // keys in the fixtures' order first
  return { linear, linearDebiased, rbf: { threshold, value }, rbfDebiased: debiased, angularLinear, angularRbf: angularOf(value, "cka.angularRbf"), form };
}

function tooFew(n: number): string {
  return `the unbiased HSIC needs at least 4 samples, got ${n}`;
}

function checkSquare(n: number, what: string): void {
  if (n * n > MAX_ELEMENTS) fail("tooLarge", `${what}: expected at most ${Math.floor(Math.sqrt(MAX_ELEMENTS))} samples for an n x n kernel matrix, got ${n}`);
}

/** Kornblith's feature-space form of the debiased linear CKA (see the header). */
function debiasedFeatures(pair: Pair, fm: number, fx: number, fy: number, report: Report): number {
  const n = pair.n;
  if (n < 4) return report.undefinedValue("cka.linearDebiased", tooFew(n));
  const a = pair.x.rowNorms(), b = pair.y.rowNorms();
  const A = sum(a), B = sum(b);
  const c1 = n / (n - 2), c2 = 1 / ((n - 1) * (n - 2));
  const hxy = fm * fm - c1 * dotArrays(a, b) + A * B * c2;
  const hxx = fx * fx - c1 * dotArrays(a, a) + A * A * c2;
  const hyy = fy * fy - c1 * dotArrays(b, b) + B * B * c2;
  if (!(hxx > 0) || !(hyy > 0)) return report.undefinedValue("cka.linearDebiased", `the unbiased HSIC of a side with itself is <= 0 (${hxx <= 0 ? "a" : "b"}: ${hxx <= 0 ? hxx : hyy}), so the normalisation is undefined`);
  return hxy / Math.sqrt(hxx * hyy);
}

/** <HKH, HLH> / sqrt(<HKH, HKH> <HLH, HLH>) for symmetric n x n K, L (copies are centred). */
function biasedFromGrams(K: Float64Array, L: Float64Array, n: number): number {
  const kc = doubleCentred(K, n), lc = doubleCentred(L, n);
  return dotArrays(kc, lc) / Math.sqrt(dotArrays(kc, kc) * dotArrays(lc, lc));
}

function debiasedFromGrams(K: Float64Array, L: Float64Array, n: number, path: string, report: Report): number {
  const ku = uCentred(K, n), lu = uCentred(L, n);
  const kk = dotArrays(ku, ku), ll = dotArrays(lu, lu);
  if (!(kk > 0) || !(ll > 0)) return report.undefinedValue(path, "the unbiased HSIC of a side with itself is <= 0, so the normalisation is undefined");
  return dotArrays(ku, lu) / Math.sqrt(kk * ll);
}

/** H K H: K_ij - rowmean_i - colmean_j + mean (new array). */
export function doubleCentred(K: Float64Array, n: number): Float64Array {
  const r = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += K[j * n + i] as number;
    r[j] = s / n; // column means = row means (symmetric)
  }
  const t = sum(r) / n;
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[j * n + i] = (K[j * n + i] as number) - (r[i] as number) - (r[j] as number) + t;
  return out;
}

/** U-centring (Szekely & Rizzo 2014): zero diagonal, K_ij - r_i/(n-2) - r_j/(n-2) + S/((n-1)(n-2)). */
export function uCentred(K: Float64Array, n: number): Float64Array {
  const r = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) if (i !== j) s += K[j * n + i] as number;
    r[j] = s;
  }
  const S = sum(r);
  const c = S / ((n - 1) * (n - 2));
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      if (i === j) continue;
      out[j * n + i] = (K[j * n + i] as number) - (r[i] as number) / (n - 2) - (r[j] as number) / (n - 2) + c;
    }
  }
  return out;
}

/** The RBF kernel of a side (n x n, column-major), or null when the median squared distance is 0. */
function rbfKernel(side: Side, threshold: number): Float64Array | null {
  const n = side.n;
  const D = side.la.toArray(side.la.rowSquaredDistances(side.xc));
  const med = fullSquareMedian(D, n);
  if (!(med > 0)) return null;
  const f = -1 / (2 * threshold * threshold * med);
  for (let i = 0; i < D.length; i++) D[i] = Math.exp((D[i] as number) * f);
  return D;
}
