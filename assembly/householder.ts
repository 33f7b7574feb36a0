/**
 * Blocked Householder QR without pivoting, and the explicit thin Q (Golub & Van Loan, "Matrix
 * Computations", 4th ed., secs. 5.1-5.2; blocking as LAPACK dgeqrf / dlarft / dlarfb / dorgqr,
 * with the compact WY form of Schreiber & Van Loan 1989).
 *
 * A is m x n, k = min(m, n). Reflector j (j < k) is H_j = I - tau_j v_j v_j^T with v_j(i) = 0 for
 * i < j, v_j(j) = 1, chosen as in dlarfg so that H_j maps x = A(j..m-1, j) (after H_0..H_{j-1})
 * to beta e_j:
 *     alpha = x_0,  beta = -sign(alpha) ||x||,  tau = (beta - alpha) / beta,
 *     v(j+1..) = x(1..) / (alpha - beta)            (tau = 0 and beta = alpha when x(1..) = 0).
 * Then A = Q R with Q = H_0 H_1 ... H_{k-1} and R upper triangular; the factored A holds R on and
 * above the diagonal and v_j below it.
 *
 * Blocking: reflectors come in panels of NB. A panel is factored column by column (level 2:
 * gemv_t + ger on the rest of the panel), and its product is written compactly as
 *     H_j0 ... H_{j0+b-1} = I - V T V^T,   T upper triangular b x b:
 *     T(i, i) = tau_i,   T(0:i, i) = -tau_i T(0:i, 0:i) (V(:, 0:i)^T v_i)       (dlarft),
 * with V^T V from syrk. The trailing columns C = A(j0.., j0+b..) are updated with level 3:
 *     C <- (I - V T V^T)^T C = C + V (-(T^T (V^T C)))        (gemmTN, a b x b triangle, gemmNN).
 * The thin Q = Q [I_k; 0] is formed backwards (dorgqr): start from [I_k; 0] and for the panels
 * in reverse order apply C <- (I - V T V^T) C = C + V (-(T (V^T C))) to rows j0.. and columns
 * j0.. (columns left of j0 are still e_i there and are not touched by this panel). The same
 * routine applies Q to any m x c matrix (all columns), which the SVD uses for U = Q J.
 *
 * Cost: 2 m n^2 - 2/3 n^3 flops for the factorisation (m >= n) and as much again for Q, nearly
 * all in gemmTN / gemmNN. Deterministic: fixed panel boundaries and kernel orderings.
 * Sign convention of qrThin: R has a non-negative diagonal (row i of R and column i of Q are
 * negated when R(i, i) < 0), which makes the thin QR of a full-rank matrix unique.
 */
import { gemmNN, gemmTN, gemv_t, ger, nrm2, scal, syrk } from "./blas";
import { copyMatrix } from "./linalg";
import { align16, at } from "./simd";

/** Reflectors per panel (also the leading dimension of the panels' T, shared with tridiagonal.ts). */
export const NB: i32 = 32;

// workspace layout (bytes from `work`), see qrWorkBytes
@inline function tauOff(): usize { return 0; }
@inline function tOff(m: i32, n: i32): usize { return align16(<usize>min(m, n) << 3); }
@inline function vOff(m: i32, n: i32): usize { return tOff(m, n) + align16((<usize>NB * <usize>min(m, n)) << 3); }
@inline function wOff(m: i32, n: i32): usize { return vOff(m, n) + align16((<usize>m * <usize>NB) << 3); }
@inline function gOff(m: i32, n: i32): usize { return wOff(m, n) + align16((<usize>NB * <usize>max(n, 1)) << 3); }
@inline function endOff(m: i32, n: i32): usize { return gOff(m, n) + align16(<usize>(NB * NB) << 3); }

/**
 * Bytes of scratch for qrFactor / qrApplyQ on an m x n matrix (tau, the panels' T factors, one
 * explicit V panel, V^T C for up to n columns, V^T V). 16-byte aligned scratch is expected.
 */
export function qrFactorWorkBytes(m: i32, n: i32): usize {
  return endOff(max(m, 1), max(n, 1));
}

/**
 * The reflector of x (len >= 1, contiguous) in place, as dlarfg (see the header): x_0 <- beta,
 * x(1..) <- v(1..) with v_0 = 1 implicit. Returns tau (0 when x(1..) = 0: H = I, beta = x_0).
 * Shared by the QR here and the bidiagonal / tridiagonal reductions.
 */
export function reflector(x: usize, len: i32): f64 {
  if (len <= 1) return 0;
  let alpha = load<f64>(x);
  let xnorm = nrm2(x + 8, len - 1);
  if (xnorm == 0) return 0;
  let beta = -(alpha < 0 ? -1.0 : 1.0) * Math.hypot(alpha, xnorm);
  scal(1 / (alpha - beta), x + 8, len - 1);
  store<f64>(x, beta);
  return (beta - alpha) / beta;
}

/** Copies panel j0 (b reflectors) of the factored A into V ((m - j0) x b, ld m - j0): unit diagonal, zeros above. */
export function explicitV(A: usize, lda: i32, m: i32, j0: i32, b: i32, V: usize): void {
  let mr = m - j0;
  for (let q = 0; q < b; q++) {
    let dst = V + ((<usize>q * <usize>mr) << 3);
    memory.fill(dst, 0, <usize>q << 3);
    store<f64>(dst + (<usize>q << 3), 1.0);
    let len = mr - q - 1;
    if (len > 0) memory.copy(dst + (<usize>(q + 1) << 3), at(A, lda, j0 + q + 1, j0 + q), <usize>len << 3);
  }
}

/** T (b x b, ld NB, upper) of the panel from tau and G = V^T V (dlarft, forward, columnwise). */
export function formT(tau: usize, b: i32, G: usize, T: usize): void {
  for (let i = 0; i < b; i++) {
    let ti = load<f64>(tau + (<usize>i << 3));
    for (let r = 0; r < i; r++) {
      // T(r, i) = -tau_i sum_{l=r}^{i-1} T(r, l) G(l, i)
      let s: f64 = 0;
      for (let l = r; l < i; l++) s += load<f64>(at(T, NB, r, l)) * load<f64>(at(G, NB, l, i));
      store<f64>(at(T, NB, r, i), -ti * s);
    }
    store<f64>(at(T, NB, i, i), ti);
    for (let r = i + 1; r < b; r++) store<f64>(at(T, NB, r, i), 0.0);
  }
}

/** W (b x c, ld NB) <- -(T^T W) (transposed) or -(T W), T upper triangular b x b (ld NB). */
function triMulNeg(T: usize, b: i32, W: usize, c: i32, transposed: bool): void {
  for (let j = 0; j < c; j++) {
    let w = W + ((<usize>j * <usize>NB) << 3);
    if (transposed) {
      // w_i <- -sum_{l<=i} T(l, i) w_l, bottom-up so the w_l read are still the old ones
      for (let i = b - 1; i >= 0; i--) {
        let s: f64 = 0;
        for (let l = 0; l <= i; l++) s += load<f64>(at(T, NB, l, i)) * load<f64>(w + (<usize>l << 3));
        store<f64>(w + (<usize>i << 3), -s);
      }
    } else {
      // w_i <- -sum_{l>=i} T(i, l) w_l, top-down
      for (let i = 0; i < b; i++) {
        let s: f64 = 0;
        for (let l = i; l < b; l++) s += load<f64>(at(T, NB, i, l)) * load<f64>(w + (<usize>l << 3));
        store<f64>(w + (<usize>i << 3), -s);
      }
    }
  }
}

/**
 * qrFactor: Householder QR of A (m x n, ld lda) in place (R on and above the diagonal, the
 * reflectors below it; tau and every panel's T kept in `work` for qrApplyQ).
 * work: qrFactorWorkBytes(m, n) bytes.
 */
export function qrFactor(A: usize, lda: i32, m: i32, n: i32, work: usize): void {
  let k = min(m, n);
  if (k <= 0) return;
  let tau = work + tauOff(), Tall = work + tOff(m, n), V = work + vOff(m, n);
  let W = work + wOff(m, n), G = work + gOff(m, n);
  for (let j0 = 0; j0 < k; j0 += NB) {
    let b = min(NB, k - j0);
    let jEnd = j0 + b;
    // panel: columns j0..jEnd-1, unblocked
    for (let c = j0; c < jEnd; c++) {
      let x = at(A, lda, c, c);
      let len = m - c - 1;
      let t = reflector(x, len + 1);
      store<f64>(tau + (<usize>c << 3), t);
      let rest = jEnd - c - 1;
      if (t != 0 && rest > 0) {
        // H_c on the rest of the panel (dlarf): w = C^T v, C -= tau v w^T, with v(0) = 1 in place
        let beta = load<f64>(x);
        store<f64>(x, 1.0);
        let C = at(A, lda, c, c + 1);
        gemv_t(C, lda, len + 1, rest, x, W);
        ger(C, lda, len + 1, rest, -t, x, W);
        store<f64>(x, beta);
      }
    }
    // compact WY factor of the panel
    let mr = m - j0;
    let T = Tall + ((<usize>j0 * <usize>NB) << 3);
    explicitV(A, lda, m, j0, b, V);
    syrk(V, mr, mr, b, G, NB, 0);
    formT(tau + (<usize>j0 << 3), b, G, T);
    // trailing update C <- C + V (-(T^T (V^T C)))
    let nt = n - jEnd;
    if (nt > 0) {
      let C = at(A, lda, j0, jEnd);
      gemmTN(V, mr, C, lda, mr, b, nt, W, NB, 0);
      triMulNeg(T, b, W, nt, true);
      gemmNN(V, mr, W, NB, mr, b, nt, C, lda, 1);
    }
  }
}

/**
 * qrApplyQ: C <- Q C = H_0 ... H_{k-1} C for the reflectors of a qrFactor'ed A (m x n, ld lda;
 * k = min(m, n)) and C m x c (ld ldc, c <= n). identity != 0 declares C = [I_k; 0] on entry
 * (then columns left of each panel are skipped: that is dorgqr). work: the qrFactor workspace.
 */
export function qrApplyQ(A: usize, lda: i32, m: i32, n: i32, C: usize, ldc: i32, c: i32, identity: i32, work: usize): void {
  let k = min(m, n);
  if (k <= 0 || c <= 0) return;
  let Tall = work + tOff(m, n), V = work + vOff(m, n);
  let W = work + wOff(m, n);
  let last = ((k - 1) / NB) * NB;
  for (let j0 = last; j0 >= 0; j0 -= NB) {
    let b = min(NB, k - j0);
    let mr = m - j0;
    let T = Tall + ((<usize>j0 * <usize>NB) << 3);
    let c0 = identity != 0 ? min(j0, c) : 0;
    let nc = c - c0;
    if (nc <= 0) continue;
    let Cb = at(C, ldc, j0, c0);
    explicitV(A, lda, m, j0, b, V);
    gemmTN(V, mr, Cb, ldc, mr, b, nc, W, NB, 0);
    triMulNeg(T, b, W, nc, false);
    gemmNN(V, mr, W, NB, mr, b, nc, Cb, ldc, 1);
  }
}

/** Bytes of scratch qrThin needs for an m x n matrix. */
export function qrWorkBytes(m: i32, n: i32): usize {
  return align16((<usize>max(m, 0) * <usize>max(n, 0)) << 3) + qrFactorWorkBytes(m, n);
}

/**
 * qrThin: A (m x n, ld m, not modified) = Q R with Q m x k (ld m) orthonormal columns and R k x n
 * (ld k) upper triangular with a non-negative diagonal, k = min(m, n).
 * work: qrWorkBytes(m, n) bytes, 16-byte aligned.
 */
export function qrThin(A: usize, m: i32, n: i32, Q: usize, R: usize, work: usize): void {
  let k = min(m, n);
  if (k <= 0) return;
  let F = work;
  let fw = work + align16((<usize>m * <usize>n) << 3);
  copyMatrix(A, m, m, n, F, m);
  qrFactor(F, m, m, n, fw);
  // R: the upper triangle (trapezoid) of the first k rows
  for (let j = 0; j < n; j++) {
    let top = min(j + 1, k);
    memory.copy(at(R, k, 0, j), at(F, m, 0, j), <usize>top << 3);
    if (top < k) memory.fill(at(R, k, top, j), 0, <usize>(k - top) << 3);
  }
  // Q = [I_k; 0], then the reflectors backwards
  for (let j = 0; j < k; j++) {
    let q = at(Q, m, 0, j);
    memory.fill(q, 0, <usize>m << 3);
    store<f64>(q + (<usize>j << 3), 1.0);
  }
  qrApplyQ(F, m, m, n, Q, m, k, 1, fw);
  // non-negative diagonal of R
  for (let i = 0; i < k; i++) {
    if (load<f64>(at(R, k, i, i)) < 0) {
      for (let j = i; j < n; j++) {
        let r = at(R, k, i, j);
        store<f64>(r, -load<f64>(r));
      }
      scal(-1.0, at(Q, m, 0, i), m);
    }
  }
}
