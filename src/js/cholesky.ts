/**
 * Pivoted Cholesky of a principal submatrix of a Gram matrix, and distances to the span it
 * factors (the Schur-complement route of Wang et al. 2018's Algorithm 1 in Gram space).
 *
 * For unit columns u_s (s in S) with cosine Gram C, complete pivoting (Higham, "Accuracy and
 * Stability of Numerical Algorithms", 2nd ed., sec. 10.3) gives P^T C[S,S] P = L L^T. For a unit
 * target t with cosines g = C[S,t], the squared distance to span{u_s} is the Schur complement
 *     dist^2(t) = 1 - || L^{-1} P^T g ||^2          (docs/subspace-match.md sec. 6).
 * The factor is stored row-major in L (m x m, row stride m): row k holds L[k][0..k].
 */

export interface CholeskyResult {
  /** number of pivots taken (< m when a remaining diagonal fell to `stopTol` or below) */
  rank: number;
  /** smallest pivot L[k][k]^2 taken (1 when rank 0) */
  minPivot: number;
}

/**
 * Factors C[S,S] (C is n x n, row stride n; S = idx[0..m)) with complete pivoting. On return
 * piv[k] is the C-index of the k-th pivot and L holds the factor.
 */
export function pivotedCholesky(
  C: Float64Array, n: number, idx: Int32Array, m: number,
  L: Float64Array, piv: Int32Array, diag: Float64Array, stopTol: number,
): CholeskyResult {
  for (let i = 0; i < m; i++) {
    const s = idx[i] as number;
    piv[i] = s;
    diag[i] = C[s * n + s] as number;
  }
  let minPivot = 1;
  for (let k = 0; k < m; k++) {
    let p = k;
    let best = diag[k] as number;
    for (let i = k + 1; i < m; i++) if ((diag[i] as number) > best) { best = diag[i] as number; p = i; }
    if (!(best > stopTol)) return { rank: k, minPivot: k === 0 ? 1 : minPivot };
    if (p !== k) {
      swap(piv, p, k);
      const t = diag[p] as number; diag[p] = diag[k] as number; diag[k] = t;
      // swap the computed parts of rows p and k of L
      for (let j = 0; j < k; j++) {
        const a = L[k * m + j] as number; L[k * m + j] = L[p * m + j] as number; L[p * m + j] = a;
      }
    }
    if (best < minPivot) minPivot = best;
    const lkk = Math.sqrt(best);
    L[k * m + k] = lkk;
    const pk = piv[k] as number;
    const rowK = k * m;
    for (let i = k + 1; i < m; i++) {
      const rowI = i * m;
      let s = C[(piv[i] as number) * n + pk] as number;
      for (let j = 0; j < k; j++) s -= (L[rowI + j] as number) * (L[rowK + j] as number);
      const lik = s / lkk;
      L[rowI + k] = lik;
      diag[i] = (diag[i] as number) - lik * lik;
    }
  }
  return { rank: m, minPivot };
}

/**
 * Squared distance of unit target t to the span factored in L (first r pivots): forward
 * substitution L w = P^T g, then 1 - ||w||^2 (may be slightly negative from rounding).
 */
export function schurDistance2(C: Float64Array, n: number, t: number, L: Float64Array, m: number, r: number, piv: Int32Array, w: Float64Array): number {
  let ss = 0;
  for (let k = 0; k < r; k++) {
    const rowK = k * m;
    let s = C[(piv[k] as number) * n + t] as number;
    for (let j = 0; j < k; j++) s -= (L[rowK + j] as number) * (w[j] as number);
    const wk = s / (L[rowK + k] as number);
    w[k] = wk;
    ss += wk * wk;
  }
  return 1 - ss;
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i] as number; a[i] = a[j] as number; a[j] = t;
}
