/**
 * Householder QR with column pivoting (Businger & Golub 1965; Golub & Van Loan, "Matrix
 * Computations", 4th ed., alg. 5.4.1) of a d x m column-major matrix (leading dimension d), stopped
 * at the numerical rank, and residual norms against the span of the pivoted columns: the exact
 * route of the subspace match, dist(x, span A) = ||(Q^T x)[r..d)||, computed directly.
 * Rank: keep column k while |R_kk| > cutoff * |R_00| (the QR analogue of the reference's
 * singular-value cut-off max(d, m) * 2.2e-16 * s_max). Twin of src/js/qr.ts.
 */
import { axpy, dot, nrm2 } from "./blas";

/** Factors A in place (reflector k = (1, A[k+1..d, k]), scalar tau[k]); norms: 2m f64 scratch. Returns the rank. */
export function householderQrcp(A: usize, d: i32, m: i32, tau: usize, norms: usize, cutoff: f64): i32 {
  const kmax = min(d, m);
  const ld = <usize>d << 3;
  for (let j = 0; j < m; j++) {
    const v = nrm2(A + <usize>j * ld, d);
    store<f64>(norms + (<usize>j << 3), v);
    store<f64>(norms + (<usize>(m + j) << 3), v);
  }
  let r00: f64 = 0;
  for (let k = 0; k < kmax; k++) {
    let p = k;
    let best = load<f64>(norms + (<usize>k << 3));
    for (let j = k + 1; j < m; j++) {
      const v = load<f64>(norms + (<usize>j << 3));
      if (v > best) { best = v; p = j; }
    }
    if (p != k) {
      swapColumns(A + <usize>p * ld, A + <usize>k * ld, d);
      swapF64(norms + (<usize>p << 3), norms + (<usize>k << 3));
      swapF64(norms + (<usize>(m + p) << 3), norms + (<usize>(m + k) << 3));
    }
    const ck = A + <usize>k * ld;
    const tail = d - k - 1;
    const xnorm = nrm2(ck + (<usize>(k + 1) << 3), tail);
    const alpha = load<f64>(ck + (<usize>k << 3));
    const beta = -(alpha < 0 ? -1.0 : 1.0) * Math.hypot(alpha, xnorm);
    if (k == 0) r00 = Math.abs(beta);
    if (!(Math.abs(beta) > cutoff * r00)) return k;
    const tk = (beta - alpha) / beta;
    store<f64>(tau + (<usize>k << 3), tk);
    const sc = 1 / (alpha - beta);
    const vk = ck + (<usize>(k + 1) << 3);
    for (let i = 0; i < tail; i++) store<f64>(vk + (<usize>i << 3), load<f64>(vk + (<usize>i << 3)) * sc);
    store<f64>(ck + (<usize>k << 3), beta);
    for (let j = k + 1; j < m; j++) {
      const cj = A + <usize>j * ld;
      const akj = cj + (<usize>k << 3);
      const s = tk * (load<f64>(akj) + dot(vk, akj + 8, tail));
      store<f64>(akj, load<f64>(akj) - s);
      axpy(-s, vk, akj + 8, tail);
      // downdate the remaining norm; recompute when cancellation makes it unreliable
      const nj = load<f64>(norms + (<usize>j << 3));
      if (nj != 0) {
        const q = Math.abs(load<f64>(akj)) / nj;
        const f = max<f64>(0, (1 - q) * (1 + q));
        const ratio = nj / load<f64>(norms + (<usize>(m + j) << 3));
        if (f * ratio * ratio <= 1.5e-8) {
          const v = nrm2(akj + 8, tail);
          store<f64>(norms + (<usize>j << 3), v);
          store<f64>(norms + (<usize>(m + j) << 3), v);
        } else store<f64>(norms + (<usize>j << 3), nj * Math.sqrt(f));
      }
    }
  }
  return kmax;
}

/** ||x - Q_r Q_r^T x|| for the first r reflectors of a factored A; x (length d) is overwritten. */
export function householderResidual(A: usize, d: i32, r: i32, tau: usize, x: usize): f64 {
  const ld = <usize>d << 3;
  for (let k = 0; k < r; k++) {
    const vk = A + <usize>k * ld + (<usize>(k + 1) << 3);
    const xk = x + (<usize>k << 3);
    const tail = d - k - 1;
    const s = load<f64>(tau + (<usize>k << 3)) * (load<f64>(xk) + dot(vk, xk + 8, tail));
    store<f64>(xk, load<f64>(xk) - s);
    axpy(-s, vk, xk + 8, tail);
  }
  return nrm2(x + (<usize>r << 3), d - r);
}

function swapColumns(a: usize, b: usize, d: i32): void {
  for (let i = 0; i < d; i++) {
    const o = <usize>i << 3;
    const t = load<f64>(a + o);
    store<f64>(a + o, load<f64>(b + o));
    store<f64>(b + o, t);
  }
}

function swapF64(a: usize, b: usize): void {
  const t = load<f64>(a);
  store<f64>(a, load<f64>(b));
  store<f64>(b, t);
}
