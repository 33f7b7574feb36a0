/**
 * Centered kernel alignment (Kornblith, Norouzi, Lee, Hinton 2019, eq. 3-4: CKA(K, L) =
 * HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) with Gretton et al.'s 2005 HSIC = tr(K H L H) / (n-1)^2),
 * its debiased form (Song et al. 2012, eq. 5 unbiased HSIC, in the U-centring form of Szekely &
 * Rizzo 2014) and the angular (arccos) metric form (Williams et al. 2021 supp.; Lange et al. 2022).
 *
 *  - linear, feature-space form (n >= max(p, q)): ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F),
 *    O(n p q), no n x n matrix; Gram form otherwise (K = Xc Xc^T, L = Yc Yc^T, double-centred).
 *  - Every n x n step (squared distances, their median, the RBF kernel, double centring and the
 *    products) is a Linalg kernel (assembly/kernel.ts on WASM, src/js/kernel.ts on pure TS) on the
 *    kernels' upper triangles; at most one n x n matrix per side is alive, freed before returning.
 *    Kc = HKH is formed in place; biased CKA = <Kc, Lc> / sqrt(<Kc, Kc> <Lc, Lc>). The debiased
 *    forms U-centre Kc on the fly (U-centring ignores the terms a_i + a_j that double centring
 *    subtracts, so U(Kc) = U(K)): Ku_ij = Kc_ij - r'_i/(n-2) - r'_j/(n-2) + S'/((n-1)(n-2)) off the
 *    diagonal, r' = Kc 1 - diag(Kc), S' = 1^T r', and <Ku, Lu> = n(n-3) HSIC_u (Song et al. 2012).
 *  - rbf: K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2)), sigma^2 = threshold^2 * median of all n^2
 *    squared distances of that side (diagonal zeros included; numpy median), threshold 0.5 by
 *    default, biased HSIC; rbfDebiased the same kernels with U-centring. NaN with a note when the
 *    median is 0 (more than half of the sample pairs coincide).
 *  - angularLinear / angularRbf = arccos(CKA) in [0, pi/2] (cosines within 2^-38 of 1 count as 1,
 *    so the distance of a representation to itself is exactly 0).
 * A constant side (no variance) makes every CKA NaN (0/0), with a note.
 */
import { fail } from "../errors.js";
import type { Dense, KernelStats, Linalg } from "../linalg/types.js";
import { MAX_ELEMENTS } from "../matrix.js";
import { angleOf, dotArrays, Report, sum } from "./common.js";
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
  const la = pair.la;
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
    pair.x.transposed();
    pair.y.transposed(); // cached by the sides: made before the mark below
    [linear, linearDebiased] = scoped(la, () => {
      const kx = centred(la, pair.x.sampleGram()), ky = centred(la, pair.y.sampleGram());
      return fromCentred(la, kx, ky, n, "cka.linearDebiased", report);
    });
  }
  const angularOf = (v: number, path: string) => (Number.isNaN(v) ? report.undefinedValue(path, "the arccos of an undefined CKA") : angleOf(v));
  const angularLinear = angularOf(linear, "cka.angularLinear");
  if (opts.rbf === false) return { linear, linearDebiased, angularLinear, form };

  checkSquare(n, "RBF CKA");
  let value: number, debiased: number;
  if (constant) {
    const why = "a side is constant (all columns constant): its centred kernel is 0";
    value = report.undefinedValue("cka.rbf.value", why);
    debiased = report.undefinedValue("cka.rbfDebiased", why);
  } else {
    [value, debiased] = scoped(la, () => {
      const kx = rbfKernel(pair.x, threshold);
      const ky = kx && rbfKernel(pair.y, threshold);
      if (kx === null || ky === null) {
        const why = "the median squared distance between samples is 0 on a side (more than half of the sample pairs coincide): the RBF bandwidth is undefined";
        return [report.undefinedValue("cka.rbf.value", why), report.undefinedValue("cka.rbfDebiased", why)];
      }
      return fromCentred(la, centred(la, kx), centred(la, ky), n, "cka.rbfDebiased", report);
    });
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

/** Runs fn between la.mark() and la.release(): its n x n kernels are freed on return. */
function scoped<T>(la: Linalg, fn: () => T): T {
  const mark = la.mark();
  try {
    return fn();
  } finally {
    la.release(mark);
  }
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

/** A double-centred kernel Kc = HKH (in place of K) and the shifts that U-centre it. */
interface Centred extends KernelStats {
  k: Dense;
  /** r'/(n-2) with r' = Kc 1 - diag(Kc) (Kc's row sums off the diagonal) */
  shift: Float64Array;
  /** S'/((n-1)(n-2)) with S' = 1^T r' */
  constant: number;
}

function centred(la: Linalg, k: Dense): Centred {
  const s = la.centreKernel(k);
  const n = k.rows;
  const off = s.rowSums.map((r, i) => r - (s.diag[i] as number));
  return { ...s, k, shift: off.map((r) => r / (n - 2)), constant: sum(off) / ((n - 1) * (n - 2)) };
}

/** [biased CKA, debiased CKA] of two double-centred kernels (U(Kc) = U(K): see the header). */
function fromCentred(la: Linalg, a: Centred, b: Centred, n: number, path: string, report: Report): [number, number] {
  const biased = la.symmetricDot(a.k, b.k) / Math.sqrt(a.selfDot * b.selfDot);
  if (n < 4) return [biased, report.undefinedValue(path, tooFew(n))];
  const [kl, kk, ll] = la.uCentredDots(a.k, b.k, a.shift, a.constant, b.shift, b.constant);
  if (!(kk > 0) || !(ll > 0)) return [biased, report.undefinedValue(path, "the unbiased HSIC of a side with itself is <= 0, so the normalisation is undefined")];
  return [biased, kl / Math.sqrt(kk * ll)];
}

/**
 * The RBF kernel of a side (n x n, upper triangle; a new matrix of the backend), or null when the
 * median squared distance is 0.
 */
function rbfKernel(side: Side, threshold: number): Dense | null {
  const la = side.la;
  const D = la.rowSquaredDistances(side.xc);
  const med = la.distanceMedian(D);
  if (!(med > 0)) return null;
  la.expUpper(D, -1 / (2 * threshold * threshold * med));
  return D;
}
