/**
 * Projection-weighted CCA (Morcos, Raghu, Bengio 2018, sec. 2.3 "Projection weighting", eq. for
 * the weights alpha_i and the weighted mean): PWCCA = sum_i alpha~_i rho_i with
 * alpha_i = sum_j |<h_i, x_j>| and alpha~ = alpha / sum alpha, h_i the i-th unit-norm canonical
 * variate of one side and x_j that side's centred neuron vectors.
 *
 * Conventions (../shared/docs/measures.md sec. 2.3, fixtures/README.md "pwcca"):
 *  - side: the representation with fewer neurons, the first on ties (google's rule; `side: "a"` or
 *    `"b"` forces one). PWCCA is NOT symmetric: with p = q, pwcca(a, b) weights a's variates and
 *    pwcca(b, a) weights b's, and the two values differ; with p != q both weight the narrower side.
 *  - `paper` (default): exactly the formula above over the first min(rank a, rank b) coefficients.
 *    With Qx^T Qy = A S B^T and Xc = U S V^T, h_i = Qx A e_i, so <h_i, x_j> = (A^T S_r V_r^T)_ij:
 *    the weights come from the side's SVD, without another pass over the n samples.
 *  - `google`: google/svcca pwcca.py, for parity: directions d_i = sum_j U_ji (x_j - m_j) + m_i from
 *    the left singular vectors U of the whitened cross-covariance (no Sxx^-1/2 back-transform, the
 *    means m added back), re-orthonormalised by QR (P), weights alpha_i = sum_j |<P_i, x_j>| on the
 *    uncentred activations. U = V_x A here (the same decomposition as the exact CCA). Because the
 *    means are added back, the value depends on the signs of the singular vectors unless the inputs
 *    are exactly centred; the directions are restricted to the numerical ranks.
 *  - When canonical correlations repeat (adjacent gap < 1e-8) and are not all equal, the variates
 *    inside a repeated block, hence the weights and the value, are not unique: a `pwccaNotUnique`
 *    warning says so (the value is the one of this factorisation).
 *  - epsilon > 0: the regularised decomposition of cca.ts (variates from it; google: its U).
 */
import { fail } from "../errors.js";
import type { Dense } from "../linalg/types.js";
import { ccaValidity, checkEpsilon, regularisedCca } from "./cca.js";
import { Report, selectColumns } from "./common.js";
import type { Pair, Side } from "./context.js";

export type PwccaVariant = "paper" | "google";

export interface PwccaOptions {
  variant?: PwccaVariant;
  epsilon?: number;
  /** whose canonical variates are weighted: "smaller" (default; fewer neurons, a on ties), "a" or "b" */
  side?: "smaller" | "a" | "b";
}

export interface PwccaResult {
  variant: PwccaVariant;
  value: number;
  /** the side whose canonical variates were weighted */
  side: "a" | "b";
  /** normalised weights alpha~, one per coefficient */
  weights: number[];
  /** the canonical correlations that were weighted */
  coefficients: number[];
}

export function checkVariant(v: unknown): PwccaVariant {
  if (v === undefined) return "paper";
  if (v !== "paper" && v !== "google") fail("badOption", `expected variant "paper" or "google", got ${JSON.stringify(v)}`);
  return v;
}

export function pwccaOn(pair: Pair, opts: PwccaOptions, report: Report): PwccaResult {
  const variant = checkVariant(opts.variant);
  const epsilon = checkEpsilon(opts.epsilon);
  const path = `pwcca.${variant}`;
  const la = pair.la;
  ccaValidity(pair, report);
  const sideOpt = opts.side ?? "smaller";
  if (sideOpt !== "smaller" && sideOpt !== "a" && sideOpt !== "b") fail("badOption", `expected side "smaller", "a" or "b", got ${JSON.stringify(sideOpt)}`);
  const pick = (nx: number, ny: number) => (sideOpt === "smaller" ? nx <= ny : sideOpt === "a");
  let useX = pick(pair.x.p, pair.y.p);
  let rho: Float64Array;
  let alpha: Float64Array;

  if (epsilon > 0) {
    const r = regularisedCca(la, pair.x.xc, pair.y.xc, epsilon, variant === "paper");
    if (r === null || r.rho.length === 0) return undefinedResult(variant, useX, report, path, r === null ? "a side is constant (zero covariance)" : "every neuron of a side was dropped by the epsilon regularisation");
    useX = pick(r.keepX.length, r.keepY.length);
    const side = useX ? pair.x : pair.y;
    const keep = useX ? r.keepX : r.keepY;
    rho = r.rho;
    if (variant === "paper") alpha = absRowSums(la.toArray(la.gemmTN(useX ? (r.hx as Dense) : (r.hy as Dense), keptColumns(side, keep))), rho.length, keep.length);
    else alpha = googleWeights(pair, side, keep, useX ? r.u : r.v);
  } else if (pair.fast) {
    // full-rank, well-conditioned sides (src/measures/basis.ts): Xc = Qx Rx, C = Qx^T Qy; the
    // weighted side's canonical directions are the leading eigenvectors of C C^T (x) or C^T C (y)
    // in Q's coordinates, so <h_i, x_j> = (A^T R)_ij
    rho = pair.canonical(false).rho;
    const side = useX ? pair.x : pair.y;
    const coef = la.leadingColumns(pair.fastDirections(useX), rho.length);
    if (variant === "paper") alpha = absRowSums(la.toArray(la.gemmTN(coef, side.basisR())), rho.length, side.p);
    else {
      // google's (X - m) U = Xc V A_svd = Q Ur diag(s) Ur^T A (see pwcca's header and svcca.ts)
      const e = side.rEigen();
      const t = la.toArray(la.gemmTN(e.vectors, coef));
      const k = coef.cols, p = side.p;
      for (let i = 0; i < p; i++) {
        const si = Math.sqrt(Math.max(e.values[i] as number, 0));
        for (let j = 0; j < k; j++) t[j * p + i] = (t[j * p + i] as number) * si;
      }
      alpha = googleWeightsInBasis(pair, side, la.gemmNN(e.vectors, la.fromArray(p, k, t)));
    }
  } else {
    const can = pair.canonical(true);
    rho = can.rho;
    if (rho.length === 0) return undefinedResult(variant, useX, report, path, "a side is constant (rank 0): there is no canonical pair");
    const side = useX ? pair.x : pair.y;
    const coef = (useX ? can.a : can.b) as Dense; // rank x m
    const { s, v, u } = side.svd();
    const r = coef.rows;
    if (variant === "paper") {
      // <h_i, x_j> = (A^T diag(s_r) V_r^T)_ij: G^T = (V_r diag(s_r)) A is p x m
      const vs = la.leadingColumns(v, r);
      la.scaleColumns(vs, s.subarray(0, r));
      alpha = absColSums(la.toArray(la.gemmNN(vs, coef)), side.p, rho.length);
    } else {
      // google's U = V_x A, so (X - m) U = U_r diag(s_r) A
      const us = la.leadingColumns(u, r);
      la.scaleColumns(us, s.subarray(0, r));
      alpha = googleWeightsFrom(pair, side, la.gemmNN(us, coef));
    }
  }

  const m = Math.min(alpha.length, rho.length);
  let tot = 0;
  for (let i = 0; i < m; i++) tot += alpha[i] as number;
  const weights = Array.from({ length: m }, (_, i) => (tot > 0 ? (alpha[i] as number) / tot : 1 / m));
  let value = 0;
  for (let i = 0; i < m; i++) value += (weights[i] as number) * (rho[i] as number);
  value = Math.min(1, value); // a convex combination of values in [0, 1]; rounding can overshoot 1 by an ulp
  const coefficients = Array.from(rho.subarray(0, m));
  if (repeats(coefficients)) {
    report.warn(
      "pwccaNotUnique",
      `${path}: canonical correlations repeat (adjacent gaps < 1e-8) but are not all equal, so the canonical variates inside a repeated block and the projection weights are not unique; this value is one valid choice`,
    );
  }
  return { variant, value, side: useX ? "a" : "b", weights, coefficients };
}

function undefinedResult(variant: PwccaVariant, useX: boolean, report: Report, path: string, why: string): PwccaResult {
  return { variant, value: report.undefinedValue(path, why), side: useX ? "a" : "b", weights: [], coefficients: [] };
}

/** true when some adjacent coefficients are within 1e-8 while not all coefficients are. */
function repeats(rho: number[]): boolean {
  if (rho.length < 2) return false;
  const spread = (rho[0] as number) - (rho[rho.length - 1] as number);
  if (spread < 1e-8) return false;
  for (let i = 1; i < rho.length; i++) if ((rho[i - 1] as number) - (rho[i] as number) < 1e-8) return true;
  return false;
}

/** google weights for the regularised route: directions (X_kept - m) U + m. */
function googleWeights(pair: Pair, side: Side, keep: number[], u: Dense): Float64Array {
  return googleWeightsFrom(pair, side, pair.la.gemmNN(keptColumns(side, keep), u), keep);
}

/**
 * d_i = (Xc U)_i + m_i (google adds neuron i's mean to direction i), P = qr(D).q, and
 * alpha_i = sum_j |<P_i, x_j + m_j 1>| = sum_j |(P^T Xc)_ij + (P^T 1)_i m_j|.
 */
export function googleWeightsFrom(pair: Pair, side: Side, xcu: Dense, keep?: number[]): Float64Array {
  const la = pair.la;
  const n = side.n, k = xcu.cols;
  const means = keep ? Float64Array.from(keep, (j) => side.means[j] as number) : side.means;
  const D = la.toArray(xcu);
  for (let i = 0; i < k; i++) {
    const mi = means[i] as number;
    for (let r = 0; r < n; r++) D[i * n + r] = (D[i * n + r] as number) + mi;
  }
  const P = la.qr(la.fromArray(n, k, D)).q;
  const cols = keep ? keptColumns(side, keep) : side.xc;
  const ptx = la.toArray(la.gemmTN(P, cols));
  const Pa = la.toArray(P);
  const p1 = new Float64Array(P.cols);
  for (let i = 0; i < P.cols; i++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += Pa[i * n + r] as number;
    p1[i] = s;
  }
  const nc = cols.cols;
  const alpha = new Float64Array(P.cols);
  for (let j = 0; j < nc; j++) {
    const mj = means[j] as number;
    for (let i = 0; i < P.cols; i++) alpha[i] = (alpha[i] as number) + Math.abs((ptx[j * P.cols + i] as number) + (p1[i] as number) * mj);
  }
  return alpha;
}

/**
 * googleWeightsFrom's weights for a side with a basis Xc = Q R (Q^T 1 = 0 as Xc is centred), given
 * T with Xc U = Q T, without touching the n samples again: D = Q T + 1 m_k^T = [Q, 1/sqrt(n)] E with
 * E = [T; sqrt(n) m_k^T] ((p + 1) x k), so qr(D).q = [Q, 1/sqrt(n)] qr(E).q (up to column signs,
 * which |.| ignores; D has full column rank as R does), and P^T (Xc + 1 m^T) = qr(E).q^T F with
 * F = [R; sqrt(n) m^T]. Costs a (p + 1) x k QR instead of an n x k one.
 */
export function googleWeightsInBasis(pair: Pair, side: Side, t: Dense): Float64Array {
  const la = pair.la;
  const p = side.p, k = t.cols, rn = Math.sqrt(side.n);
  const stack = (top: Float64Array, cols: number, bottom: (j: number) => number): Dense => {
    const out = new Float64Array((p + 1) * cols);
    for (let j = 0; j < cols; j++) {
      out.set(top.subarray(j * p, (j + 1) * p), j * (p + 1));
      out[j * (p + 1) + p] = bottom(j);
    }
    return la.fromArray(p + 1, cols, out);
  };
  const e = stack(la.toArray(t), k, (j) => rn * (side.means[j] as number));
  const f = stack(la.toArray(side.basisR()), p, (j) => rn * (side.means[j] as number));
  return absRowSums(la.toArray(la.gemmTN(la.qr(e).q, f)), k, p);
}

/** The centred columns `keep` of a side. */
function keptColumns(side: Side, keep: number[]): Dense {
  if (keep.length === side.p) return side.xc;
  return side.la.fromArray(side.n, keep.length, selectColumns(side.values(), side.n, keep));
}

/** sum_j |G_ij| for a column-major rows x cols array G (i < rows). */
function absRowSums(G: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) out[i] = (out[i] as number) + Math.abs(G[j * rows + i] as number);
  return out;
}

/** sum_i |G_ij| for a column-major rows x cols array G (one sum per column). */
function absColSums(G: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += Math.abs(G[j * rows + i] as number);
    out[j] = s;
  }
  return out;
}
