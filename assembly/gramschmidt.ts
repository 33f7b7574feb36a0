/**
 * Block classical Gram-Schmidt with reorthogonalisation (BCGS2; Barlow & Smoktunowicz,
 * "Reorthogonalized block classical Gram-Schmidt", Numer. Math. 123, 2013) for a full-rank d x m
 * column-major matrix, and residual norms against the span it orthonormalises.
 *
 * For each panel W of NB columns, twice:  S = Q^T W;  W <- W - Q S  (Q = the panels before W),
 * then the panel itself is orthonormalised by modified Gram-Schmidt. Two passes give Q^T Q = I to
 * working precision whenever cond(A) is well below 1/eps. The bulk of the work is the two
 * matrix products per panel (gemmTN from blas.ts and the 4-column update below), so it runs at
 * BLAS-3-like speed, unlike column-at-a-time Householder.
 *
 * The subspace match (match.ts) uses it for the exact route when the pivoted Cholesky has shown
 * the span to be full rank and reasonably conditioned; rank-deficient spans take Householder QR
 * with column pivoting (qr.ts). Residuals: r = x - Q (Q^T x), applied twice, then ||r||.
 */
import { axpy, dot, gemmTN, nrm2, scal } from "./blas";

/** Panel width. */
const NB: i32 = 32;

/**
 * C (d x b, ld d) -= A (d x j, ld d) S (j x b, ld ldS): four columns of A per pass over a column of
 * C, so C is read and written j / 4 times instead of j times.
 */
function subtractProduct(A: usize, d: i32, j: i32, S: usize, ldS: i32, C: usize, b: i32): void {
  const ld = <usize>d << 3;
  for (let c = 0; c < b; c++) {
    const cc = C + <usize>c * ld;
    const sc = S + ((<usize>c * <usize>ldS) << 3);
    let k = 0;
    for (; k + 4 <= j; k += 4) {
      const a0 = A + <usize>k * ld, a1 = a0 + ld, a2 = a1 + ld, a3 = a2 + ld;
      const s0 = f64x2.splat(load<f64>(sc + (<usize>k << 3)));
      const s1 = f64x2.splat(load<f64>(sc + (<usize>(k + 1) << 3)));
      const s2 = f64x2.splat(load<f64>(sc + (<usize>(k + 2) << 3)));
      const s3 = f64x2.splat(load<f64>(sc + (<usize>(k + 3) << 3)));
      let i = 0;
      for (; i + 2 <= d; i += 2) {
        const o = <usize>i << 3;
        let v = v128.load(cc + o);
        v = f64x2.sub(v, f64x2.mul(s0, v128.load(a0 + o)));
        v = f64x2.sub(v, f64x2.mul(s1, v128.load(a1 + o)));
        v = f64x2.sub(v, f64x2.mul(s2, v128.load(a2 + o)));
        v = f64x2.sub(v, f64x2.mul(s3, v128.load(a3 + o)));
        v128.store(cc + o, v);
      }
      if (i < d) {
        const o = <usize>i << 3;
        let v = load<f64>(cc + o);
        v -= f64x2.extract_lane(s0, 0) * load<f64>(a0 + o);
        v -= f64x2.extract_lane(s1, 0) * load<f64>(a1 + o);
        v -= f64x2.extract_lane(s2, 0) * load<f64>(a2 + o);
        v -= f64x2.extract_lane(s3, 0) * load<f64>(a3 + o);
        store<f64>(cc + o, v);
      }
    }
    for (; k < j; k++) axpy(-load<f64>(sc + (<usize>k << 3)), A + <usize>k * ld, cc, d);
  }
}

/** One projection pass of the columns W (d x b) against Q (d x j): W -= Q (Q^T W). S: j x b scratch. */
function project(Q: usize, d: i32, j: i32, W: usize, b: i32, S: usize): void {
  if (j == 0) return;
  gemmTN(Q, d, W, d, d, j, b, S, j, 0);
  subtractProduct(Q, d, j, S, j, W, b);
}

/**
 * Orthonormalises the columns of A (d x m, ld d) in place. S is scratch of m * NB f64. Returns 0,
 * or k + 1 when column k became numerically dependent (its norm fell below `tiny` times its
 * original norm): the caller then uses the rank-revealing route instead.
 */
export function bcgs2(A: usize, d: i32, m: i32, S: usize, tiny: f64): i32 {
  const ld = <usize>d << 3;
  for (let j0 = 0; j0 < m; j0 += NB) {
    const b = min(NB, m - j0);
    const W = A + <usize>j0 * ld;
    for (let pass = 0; pass < 2; pass++) {
      project(A, d, j0, W, b, S);
      // modified Gram-Schmidt inside the panel
      for (let c = 0; c < b; c++) {
        const wc = W + <usize>c * ld;
        const before = nrm2(wc, d);
        for (let k = 0; k < c; k++) {
          const qk = W + <usize>k * ld;
          axpy(-dot(qk, wc, d), qk, wc, d);
        }
        const norm = nrm2(wc, d);
        if (!(norm > tiny * before) || norm == 0) return j0 + c + 1;
        scal(1 / norm, wc, d);
      }
    }
  }
  return 0;
}

/**
 * ||x - Q Q^T x|| for k vectors X (d x k, ld d, overwritten) against the orthonormal Q (d x m),
 * with one reorthogonalisation pass; norms into out (k f64). S: m x k scratch.
 */
export function gsResiduals(Q: usize, d: i32, m: i32, X: usize, k: i32, S: usize, out: usize): void {
  project(Q, d, m, X, k, S);
  project(Q, d, m, X, k, S);
  const ld = <usize>d << 3;
  for (let c = 0; c < k; c++) store<f64>(out + (<usize>c << 3), nrm2(X + <usize>c * ld, d));
}
