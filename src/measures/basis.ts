/**
 * Orthonormal bases without an SVD: of a side's k leading principal directions from its Gram
 * eigendecomposition (eigenBasis, SVCCA's reduced sides; see its comment), and of a side's whole
 * column space (choleskyQr2Basis, CCA and PWCCA), described here.
 *
 * An orthonormal basis of a side's column space without its SVD: CholeskyQR2 (Fukaya, Nakatsukasa,
 * Yanagisawa, Yamamoto 2014; kernels in assembly/cholqr.ts and src/js/cholqr.ts) on the centred
 * matrix with unit columns, used only where it is provably as good as the SVD route:
 *
 *   D = diag(1 / ||x_j||),  Gs = D Xc^T Xc D = R1^T R1,  Q1 = Xc (D R1^-1),  Q1^T Q1 = R2^T R2,
 *   Q = Q1 R2^-1   (so Xc = Q R2 R1 D^-1 and Q spans col(Xc)).
 * Q is kept as the pair (Q1, R2^-1): a cross product of two bases is then
 * Qx^T Qy = R2x^-T (Q1x^T Q1y) R2y^-1, one d p q product and two small triangular ones.
 *
 * The gate, from the first factor alone (kappa_F(R1) = ||R1||_F ||R1^-1||_F >= kappa_2(Xc D)):
 *  - kappa_F(R1) <= 1e5: CholeskyQR2 then gives ||Q^T Q - I|| = O(eps) (Yamamoto et al., ETNA 44,
 *    2015: it needs kappa <~ eps^-1/2 / poly(n); 1e5 leaves a wide margin);
 *  - the numerical rank is certainly full by numpy's rule (s_min > s_max max(n, p) eps, the rule
 *    of src/measures/context.ts): s_min(Xc) >= min_j ||x_j|| / (1.1 ||R1^-1||_F) and s_max(Xc) <=
 *    ||Xc||_F, and the bound must clear the cut-off by a factor 10.
 * Otherwise (rank-deficient or ill-conditioned sides, constant columns, fewer samples than neurons)
 * it returns null and the caller takes the SVD route. Cost: two p x p Gram products of d x p
 * matrices, two triangular products, two p^3 / 3 Cholesky factorisations and inversions, against
 * the one-sided Jacobi SVD's ~10 sweeps of 3 d p^2 each.
 */
import type { Dense, Linalg } from "../linalg/types.js";
import { EPS } from "./common.js";

/** kappa_F(R1) above which the SVD route is taken (see the header). */
export const BASIS_MAX_COND = 1e5;

/** An orthonormal basis kept as Q = q1 w: q1 is n x k, w (k x k) upper triangular. */
export interface Orthonormal {
  q1: Dense;
  w: Dense;
}

/** CholeskyQR2's basis: w = R2^-1 (p x p); Xc = Q R2 R1 D^-1. */
export interface Basis extends Orthonormal {
  r1: Dense;
  r2: Dense;
  /** the column norms ||x_j|| (D^-1) */
  norms: Float64Array;
}

/** R = Q^T Xc = R2 R1 D^-1 (p x p, upper triangular), a new matrix. */
export function basisR(la: Linalg, b: Basis): Dense {
  const r = la.multiplyUpper(b.r2, b.r1);
  la.scaleColumns(r, b.norms);
  return r;
}

/** Qx^T Qy (kx x ky) of two bases: Wx^T (Q1x^T Q1y) Wy, the two small products triangular. */
export function basisCross(la: Linalg, x: Orthonormal, y: Orthonormal): Dense {
  const right = la.multiplyUpper(la.gemmTN(x.q1, y.q1), y.w);
  // Wx^T M = (M^T Wx)^T
  return la.transpose(la.multiplyUpper(la.transpose(right), x.w));
}

/**
 * Q (n x p, orthonormal columns spanning col(xc)) as q1 w, or null (see the header). `gram` is
 * xc^T xc (p x p), which the caller usually has already.
 */
export function choleskyQr2Basis(la: Linalg, xc: Dense, gram: Dense): Basis | null {
  const n = xc.rows, p = xc.cols;
  if (p === 0 || p > n) return null;
  const diag = la.diagonal(gram);
  const inv = new Float64Array(p);
  let frob2 = 0, minNorm = Infinity;
  for (let j = 0; j < p; j++) {
    const g = diag[j] as number;
    if (!(g > 0)) return null;
    const nj = Math.sqrt(g);
    inv[j] = 1 / nj;
    frob2 += g;
    minNorm = Math.min(minNorm, nj);
  }
  const gs = la.leadingColumns(gram, p);
  la.scaleColumns(gs, inv);
  la.scaleRows(gs, inv);
  const r1 = la.cholesky(gs);
  if (!r1) return null;
  const w = la.invertUpper(r1);
  const invFrob = la.frobenius(w);
  // ||R1||_F^2 = trace(Gs) = p (unit diagonal)
  if (!(Math.sqrt(p) * invFrob <= BASIS_MAX_COND)) return null;
  if (!(minNorm / (1.1 * invFrob) > 10 * Math.sqrt(frob2) * Math.max(n, p) * EPS)) return null;
  // W = D R1^-1 (rows scaled), still upper triangular
  la.scaleRows(w, inv);
  const q1 = la.multiplyUpper(xc, w);
  const r2 = la.cholesky(la.gemmTN(q1, q1));
  if (!r2) return null;
  return { q1, w: la.invertUpper(r2), r1, r2, norms: inv.map((v) => 1 / v) };
}

/**
 * An orthonormal basis of the k leading principal directions of a side, Xc V_k, from the
 * eigendecomposition Xc^T Xc = V diag(lambda) V^T (values descending), or null when the kth
 * direction is too weak to certify (below). CholeskyQR2 with the eigendecomposition as its first
 * pass: Q1 = Xc V_k diag(lambda_k)^-1/2 has Q1^T Q1 = I + E, ||E|| = O(n eps lambda_1 / lambda_k)
 * (rounding of the Gram matrix and of the eigensolver, amplified by the scaling), one Cholesky pass
 * Q1^T Q1 = R2^T R2 then gives Q = Q1 R2^-1 with ||Q^T Q - I|| = O(eps) (the second step of
 * CholeskyQR2: its error is eps kappa(Q1)^2, here ~eps). Costs one n p k product and one n k^2 Gram
 * product, against the n p^2 products of a basis of all of Xc.
 *
 * The gate: lambda_k >= 1e3 * 8 p eps lambda_1 (the eigenvalues' absolute error is <= 8 p eps
 * lambda_1, as in src/measures/shape.ts): then lambda_k is certainly positive and s_k / s_1 >= 1 /
 * (1e3 * sqrt(8 p eps)) clears numpy's rank cut-off max(n, k) eps by orders of magnitude (so X~ =
 * Xc V_k has full rank k); and ||E||_F <= 0.5 is checked on the computed Q1^T Q1 (then
 * kappa(Q1)^2 <= 3, so the Cholesky pass leaves O(eps); in practice ||E|| is ~1e-13).
 */
export function eigenBasis(la: Linalg, xc: Dense, values: Float64Array, vectors: Dense, k: number): Orthonormal | null {
  const p = xc.cols;
  const l1 = values[0] as number;
  if (k < 1 || k > p || !(l1 > 0)) return null;
  if (!((values[k - 1] as number) >= 1e3 * 8 * p * EPS * l1)) return null;
  const vk = la.leadingColumns(vectors, k);
  la.scaleColumns(vk, Float64Array.from(values.subarray(0, k), (v) => 1 / Math.sqrt(v)));
  const q1 = la.gemmNN(xc, vk);
  const g = la.gemmTN(q1, q1);
  const G = la.toArray(g);
  let off2 = 0;
  for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) off2 += ((G[j * k + i] as number) - (i === j ? 1 : 0)) ** 2;
  if (!(off2 <= 0.25)) return null;
  const r2 = la.cholesky(g);
  if (!r2) return null;
  return { q1, w: la.invertUpper(r2) };
}
