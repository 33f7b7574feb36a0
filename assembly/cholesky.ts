/**
 * Pivoted Cholesky of a principal submatrix of the cosine Gram matrix, and Schur-complement
 * distances to the span it factors (Wang et al. 2018, Algorithm 1 in Gram space;
 * ../shared/docs/subspace-match.md sec. 6). Twin of src/js/cholesky.ts.
 *
 * With complete pivoting (Higham, "Accuracy and Stability of Numerical Algorithms", sec. 10.3),
 * P^T C[S,S] P = L L^T; for a unit target t with g = C[S,t]:
 *     dist^2(t) = 1 - || L^{-1} P^T g ||^2.
 * C is n x n with row stride n; L is m x m row-major (row k holds L[k][0..k]); idx/piv are i32.
 */
import { axpy, dot, scal } from "./blas";

// results of the last factorisation (globals: kernels never allocate)
export let cholRank: i32 = 0;
export let cholMinPivot: f64 = 1;

export function pivotedCholesky(C: usize, n: i32, idx: usize, m: i32, L: usize, piv: usize, diag: usize, stopTol: f64): i32 {
  for (let i = 0; i < m; i++) {
    const s = load<i32>(idx + (<usize>i << 2));
    store<i32>(piv + (<usize>i << 2), s);
    store<f64>(diag + (<usize>i << 3), load<f64>(C + ((<usize>s * <usize>n + <usize>s) << 3)));
  }
  let minPivot: f64 = 1;
  for (let k = 0; k < m; k++) {
    let p = k;
    let best = load<f64>(diag + (<usize>k << 3));
    for (let i = k + 1; i < m; i++) {
      const v = load<f64>(diag + (<usize>i << 3));
      if (v > best) { best = v; p = i; }
    }
    if (!(best > stopTol)) {
      cholRank = k;
      cholMinPivot = k == 0 ? 1 : minPivot;
      return k;
    }
    const rowK = L + ((<usize>k * <usize>m) << 3);
    if (p != k) {
      const pp = piv + (<usize>p << 2), pk = piv + (<usize>k << 2);
      const t = load<i32>(pp); store<i32>(pp, load<i32>(pk)); store<i32>(pk, t);
      const dp = diag + (<usize>p << 3), dk = diag + (<usize>k << 3);
      const u = load<f64>(dp); store<f64>(dp, load<f64>(dk)); store<f64>(dk, u);
      const rowP = L + ((<usize>p * <usize>m) << 3);
      for (let j = 0; j < k; j++) {
        const a = load<f64>(rowK + (<usize>j << 3));
        store<f64>(rowK + (<usize>j << 3), load<f64>(rowP + (<usize>j << 3)));
        store<f64>(rowP + (<usize>j << 3), a);
      }
    }
    if (best < minPivot) minPivot = best;
    const lkk = Math.sqrt(best);
    store<f64>(rowK + (<usize>k << 3), lkk);
    const pk = <usize>load<i32>(piv + (<usize>k << 2));
    for (let i = k + 1; i < m; i++) {
      const rowI = L + ((<usize>i * <usize>m) << 3);
      const pi = <usize>load<i32>(piv + (<usize>i << 2));
      const s = load<f64>(C + ((pi * <usize>n + pk) << 3)) - dot(rowI, rowK, k);
      const lik = s / lkk;
      store<f64>(rowI + (<usize>k << 3), lik);
      const di = diag + (<usize>i << 3);
      store<f64>(di, load<f64>(di) - lik * lik);
    }
  }
  cholRank = m;
  cholMinPivot = minPivot;
  return m;
}

/** 1 - ||w||^2 with L w = P^T C[piv, t] over the first r pivots; w is scratch of length r. */
export function schurDistance2(C: usize, n: i32, t: i32, L: usize, m: i32, r: i32, piv: usize, w: usize): f64 {
  let ss: f64 = 0;
  for (let k = 0; k < r; k++) {
    const rowK = L + ((<usize>k * <usize>m) << 3);
    const pk = <usize>load<i32>(piv + (<usize>k << 2));
    const s = load<f64>(C + ((pk * <usize>n + <usize>t) << 3)) - dot(rowK, w, k);
    const wk = s / load<f64>(rowK + (<usize>k << 3));
    store<f64>(w + (<usize>k << 3), wk);
    ss += wk * wk;
  }
  return 1 - ss;
}

/** Targets per block of the multi-target solve: a block of W (m x TB f64) stays in L2. */
const TB: i32 = 64;

/**
 * Squared distances of many unit targets t[0..nt) (i32 indices into C) to the span factored in L
 * (first r pivots): out[i] = 1 - ||L^{-1} P^T C[S, t_i]||^2. The same forward substitution as
 * schurDistance2, done for blocks of TB targets at once, row by row (W[k, :] -= L[k][j] W[j, :]),
 * so the inner loops are long contiguous SIMD axpys. W is scratch of r * TB f64.
 */
export function schurDistances2(C: usize, n: i32, t: usize, nt: i32, L: usize, m: i32, r: i32, piv: usize, W: usize, out: usize): void {
  for (let t0 = 0; t0 < nt; t0 += TB) {
    const nb = min(TB, nt - t0);
    const rowBytes = <usize>nb << 3;
    for (let i = 0; i < nb; i++) store<f64>(out + (<usize>(t0 + i) << 3), 0);
    for (let k = 0; k < r; k++) {
      const rowK = L + ((<usize>k * <usize>m) << 3);
      const wk = W + <usize>k * rowBytes;
      const cRow = C + ((<usize>load<i32>(piv + (<usize>k << 2)) * <usize>n) << 3);
      for (let i = 0; i < nb; i++) {
        store<f64>(wk + (<usize>i << 3), load<f64>(cRow + (<usize>load<i32>(t + (<usize>(t0 + i) << 2)) << 3)));
      }
      for (let j = 0; j < k; j++) axpy(-load<f64>(rowK + (<usize>j << 3)), W + <usize>j * rowBytes, wk, nb);
      scal(1 / load<f64>(rowK + (<usize>k << 3)), wk, nb);
      for (let i = 0; i < nb; i++) {
        const o = out + (<usize>(t0 + i) << 3);
        const v = load<f64>(wk + (<usize>i << 3));
        store<f64>(o, load<f64>(o) + v * v);
      }
    }
    for (let i = 0; i < nb; i++) {
      const o = out + (<usize>(t0 + i) << 3);
      store<f64>(o, 1 - load<f64>(o));
    }
  }
}
