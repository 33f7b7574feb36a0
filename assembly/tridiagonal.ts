/**
 * Symmetric eigendecomposition S = V diag(w) V^T (w descending, V orthonormal, V optional) by
 * Householder tridiagonalisation and the implicit QL algorithm (Golub & Van Loan, "Matrix
 * Computations", 4th ed., alg. 8.3.1 and secs. 8.3.2-8.3.5; the EISPACK tred2/tql2 route of
 * Bowdler, Martin, Reinsch & Wilkinson, Numer. Math. 11, 1968).
 *
 * 1. Tridiagonalisation Q^T A Q = T (alg. 8.3.1), A = (S + S^T) / 2 scaled by a power of two
 *    (exact) so that max |a_ij| is in [1, 2). For k = 0..n-2, with x = A(k+1.., k):
 *        v = x - beta e_1 scaled to v_0 = 1, beta = -sign(x_0) ||x||, tau = (beta - x_0) / beta,
 *        p = tau C v,  w = p - (tau / 2)(p^T v) v,  C <- C - v w^T - w v^T,   C = A(k+1.., k+1..),
 *    so d_k = a_kk, e_k = beta. Only the lower triangle of C is touched (column-major: every
 *    column segment A(j.., j) is contiguous), and the symmetric product p = C v is fused into
 *    the rank-2 update of the previous step: column j of C_k is updated, then immediately used
 *    for p_{k+1} (p_j += <A(j.., j), v'>, p(j+1..) += A(j+1.., j) v'_j), because v' comes from
 *    column k+1 alone, which is updated first. One pass over the trailing triangle per step,
 *    f64x2 SIMD, 4/3 n^3 flops.
 * 2. Q = H_0 H_1 ... H_{n-2} explicitly (only with vectors): the reflectors A(k+2.., k) are
 *    those of a QR factorisation of A(1.., 0..n-2), so Q(1.., 1..) is formed backwards in panels
 *    of NB with the compact WY form I - V T V^T (Schreiber & Van Loan 1989; dorgqr / dlarft),
 *    i.e. gemmTN / gemmNN of blas.ts (4/3 n^3 flops at level 3).
 * 3. Implicit QL with Wilkinson's shift (the eigenvalue of the leading 2 x 2 of the active block
 *    nearer to d_l), bulge chased upwards from the bottom m of the unreduced block to l by
 *    Givens rotations (G&VL 8.3.3 in QL form; tql2). Deflation: |e_i| <= 8 eps ||T|| (absolute,
 *    as tql2; the 8 saves sweeps and is far below the O(n eps ||S||) of step 1: eigenvalues are
 *    accurate to O(eps ||S||), backward stable). With vectors the eigenvalues are computed
 *    first (values-only QL on a copy of (d, e), cheap) and each sweep of the vector run uses the
 *    remaining eigenvalue nearest to the Wilkinson shift as a perfect shift (Parlett, "The
 *    Symmetric Eigenvalue Problem", sec. 8.6): it often deflates in one sweep (measured 1.3-1.5
 *    sweeps per eigenvalue instead of 2), and when forward instability spoils it, it is still a
 *    shift as good as Wilkinson's; the deflated d_l consumes its nearest remaining eigenvalue. The rotations of
 *    one sweep are stored (c_i, s_i) and applied to Z = Q afterwards in chunks of 12 rows: the
 *    sweep rotates columns (i, i+1) for i = m-1 down to l, so column i+1 of one rotation is the
 *    output of the previous one and stays in registers; each rotation costs one load and one
 *    store per element of Z (dlasr's idea, with the register carry; 12 rows = 6 independent
 *    carries per chunk, since each carry is a mul-sub latency chain across the sweep). More than 30 n QL
 *    iterations in total is reported as non-convergence (-1).
 *    (This QL-with-vectors path is kept behind eighDivideAndConquer(0); the default is step 3'.)
 * 3'. With vectors (default): Cuppen's divide and conquer on T (see dcSolve / dcMerge /
 *    secularRoot below; Cuppen, Numer. Math. 36, 1981; Gu & Eisenstat, SIAM J. Matrix Anal.
 *    Appl. 16, 1995; the structure of LAPACK's dstedc / dlaed0-3): T is torn at the middle
 *    coupling beta into diag(T1, T2) + |beta| u u^T, the halves solved recursively (blocks of
 *    <= 32 by the QL above with vectors, from the identity), and merged: with the halves'
 *    eigenvectors diag(Q1, Q2), T = diag(Q1, Q2)(D + rho z z^T) diag(Q1, Q2)^T; deflation of
 *    negligible z_j and of close pairs (d_i, d_j) by a Givens rotation; the K remaining roots of
 *    the secular equation 1 + rho sum z_j^2 / (d_j - l) = 0, each as an offset from its nearer
 *    pole; z-hat recomputed from the roots (Gu-Eisenstat / Loewner), so the vectors
 *    zhat_j / (d_j - l_i) are orthogonal to working precision; then the merged vectors are
 *    diag(Q1, Q2) U by two gemmNN calls on the nonzero row blocks (columns sorted by type: top
 *    half only, mixed by a deflation rotation, bottom half only). Finally V = Q Z by applying the
 *    reflectors of step 1 to Z in blocked WY form (applyQ, as dormtr: gemmTN + gemmNN; formQ is
 *    not needed). Eigenvalues from the roots (absolute accuracy O(eps ||T||), as QL).
 * 4. Eigenvalues sorted descending (selection sort: ties keep their QL order; divide and conquer
 *    leaves them ascending and they are reversed), vectors with them, then divided by the scale.
 * Accuracy: backward stable, ||S - V diag(w) V^T|| = O(n eps ||S||), ||V^T V - I|| = O(n eps).
 * Semidefinite inputs may get eigenvalues of size -O(eps ||S||) (absolute accuracy).
 * Deterministic throughout (fixed orders; no data-dependent parallelism).
 */
import { gemmNN, gemmTN, syrk } from "./blas";
import { explicitV, formT, NB, reflector } from "./householder";
import { maxAbs, pow2Scale } from "./linalg";
import { align16, at, madd } from "./simd";

const EPS: f64 = reinterpret<f64>(<u64>(1023 - 52) << 52); // 2^-52
/** Below this a sum of two squares may have lost accuracy to underflow (fall back to hypot). */
const HYPOT_TINY: f64 = reinterpret<f64>(<u64>(1023 - 900) << 52); // 2^-900

// workspace layout (bytes from `work`)
@inline function vecOff(n: i32): usize { return align16((<usize>n * <usize>n) << 3); }
@inline function vpOff(n: i32): usize { return vecOff(n) + 9 * align16(<usize>n << 3); }
@inline function wpOff(n: i32): usize { return vpOff(n) + align16((<usize>n * <usize>NB) << 3); }
@inline function gOff(n: i32): usize { return wpOff(n) + align16((<usize>n * <usize>NB) << 3); }
@inline function tOff(n: i32): usize { return gOff(n) + align16(<usize>(NB * NB) << 3); }
@inline function scratchOff(n: i32): usize { return tOff(n) + align16(<usize>(NB * NB) << 3); }
/**
 * f64 entries of the region that holds the divide-and-conquer scratch (dcSolve: 3 n^2 + 12 n f64,
 * each part 16-byte aligned) and then applyQ's second panel buffer (NB n f64).
 */
@inline function scratchCap(n: i32): i32 { return max(4096, 4 * n * n + 16 * n + 64); }
@inline function endOff(n: i32): usize { return scratchOff(n) + align16(<usize>scratchCap(n) << 3); }

/** Bytes of scratch eighTridiagonal needs for an n x n matrix (16-byte aligned scratch expected). */
export function eighTridiagonalWorkBytes(n: i32): usize {
  return qOff(max(n, 1)) + qBytes(max(n, 1));
}

// a second set of applyQ's panel buffers (Vp, W, W2: NB n each; G, T: NB^2), for the helper
// thread's columns (eighApplyQ(..., second = 1))
@inline function qOff(n: i32): usize { return endOff(n); }
@inline function qBytes(n: i32): usize { return 3 * align16((<usize>n * <usize>NB) << 3) + 2 * align16(<usize>(NB * NB) << 3); }

// the input's power-of-two scale (eighTridiagonalStart -> eighTridiagonalFinish)
let lastScale: f64 = 1;

@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

/** sqrt(a^2 + b^2), fast unless the squares underflow. */
@inline function pythag(a: f64, b: f64): f64 {
  let s = a * a + b * b;
  return s > HYPOT_TINY ? Math.sqrt(s) : Math.hypot(a, b);
}

/**
 * One column of the fused tridiagonalisation step, rows i = 0..len-1 of the segment a (below
 * the diagonal; v, w, v2, p2 point at the same rows): a <- a - v wj - w vj, p2 += a v2j, and
 * returns sum a v2 (the updated a).
 */
@inline function fusedColumn(a: usize, v: usize, w: usize, v2: usize, p2: usize, len: i32,
                             wj: f64, vj: f64, v2j: f64): f64 {
  let nwj = f64x2.splat(-wj), nvj = f64x2.splat(-vj), sv2 = f64x2.splat(v2j);
  let s0 = f64x2.splat(0), s1 = s0;
  let end4 = a + ((<usize>len >> 2) << 5);
  while (a < end4) {
    let a0 = madd(v128.load(w), nvj, madd(v128.load(v), nwj, v128.load(a)));
    let a1 = madd(v128.load(w, 16), nvj, madd(v128.load(v, 16), nwj, v128.load(a, 16)));
    v128.store(a, a0);
    v128.store(a, a1, 16);
    s0 = madd(a0, v128.load(v2), s0);
    s1 = madd(a1, v128.load(v2, 16), s1);
    v128.store(p2, madd(a0, sv2, v128.load(p2)));
    v128.store(p2, madd(a1, sv2, v128.load(p2, 16)), 16);
    a += 32; v += 32; w += 32; v2 += 32; p2 += 32;
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (let rem = len & 3; rem > 0; rem--) {
    let x = load<f64>(a) - load<f64>(v) * wj - load<f64>(w) * vj;
    store<f64>(a, x);
    s += x * load<f64>(v2);
    store<f64>(p2, load<f64>(p2) + x * v2j);
    a += 8; v += 8; w += 8; v2 += 8; p2 += 8;
  }
  return s;
}

/**
 * Fused pass over columns j0..n-1 of the lower triangle of A (n x n, ld n): rank-2 update with
 * (v, w), then p2 = A v2 on the updated triangle (p2 zeroed first, rows j0..).
 */
function fusedPass(A: usize, n: i32, j0: i32, v: usize, w: usize, v2: usize, p2: usize): void {
  memory.fill(p2 + (<usize>j0 << 3), 0, <usize>(n - j0) << 3);
  for (let j = j0; j < n; j++) {
    let wj = ld(w, j), vj = ld(v, j), v2j = ld(v2, j);
    let ajj = at(A, n, j, j);
    let djj = load<f64>(ajj) - vj * wj - wj * vj;
    store<f64>(ajj, djj);
    let off = <usize>(j + 1) << 3;
    let s = fusedColumn(ajj + 8, v + off, w + off, v2 + off, p2 + off, n - j - 1, wj, vj, v2j);
    st(p2, j, ld(p2, j) + djj * v2j + s);
  }
}

/**
 * Tridiagonalises the symmetric A (n x n, ld n, lower triangle read; n >= 1) in place:
 * d (n), e (n, e[n-1] = 0), tau (n); reflector k is (1, A(k+2.., k)) on rows k+1...
 * vb, wb, v2b, pb: n-vectors of scratch.
 */
function tridiagonalize(A: usize, n: i32, d: usize, e: usize, tau: usize, vb: usize, wb: usize, v2b: usize, pb: usize): void {
  st(e, n - 1, 0);
  if (n == 1) {
    st(d, 0, load<f64>(A));
    return;
  }
  let nb = <usize>n << 3;
  // reflector 0, and p = C v for C = A(1.., 1..): a fused pass with v = w = 0
  memory.fill(vb, 0, nb);
  memory.fill(wb, 0, nb);
  memory.fill(v2b, 0, nb);
  st(tau, 0, reflector(at(A, n, 1, 0), n - 1));
  st(e, 0, load<f64>(at(A, n, 1, 0)));
  st(v2b, 1, 1.0);
  if (n > 2) memory.copy(v2b + 16, at(A, n, 2, 0), <usize>(n - 2) << 3);
  fusedPass(A, n, 1, vb, wb, v2b, pb);
  let v = v2b, v2 = vb, w = wb, p = pb;
  for (let k = 0; k < n - 1; k++) {
    st(d, k, load<f64>(at(A, n, k, k)));
    let t = ld(tau, k);
    // w = t p - (t^2 / 2)(p^T v) v on rows k+1.. (p = C v unscaled)
    let pv: f64 = 0;
    for (let i = k + 1; i < n; i++) pv += ld(p, i) * ld(v, i);
    let alpha = -0.5 * t * t * pv;
    for (let i = k + 1; i < n; i++) st(w, i, t * ld(p, i) + alpha * ld(v, i));
    // column k+1 first (rows k+1..): the next reflector comes from it
    let j = k + 1;
    let wj = ld(w, j), vj = ld(v, j);
    for (let i = j; i < n; i++) {
      let a = at(A, n, i, j);
      store<f64>(a, load<f64>(a) - ld(v, i) * wj - ld(w, i) * vj);
    }
    if (k + 2 < n) {
      let len = n - k - 2; // rows k+2..n-1
      st(tau, k + 1, reflector(at(A, n, k + 2, k + 1), len));
      st(e, k + 1, load<f64>(at(A, n, k + 2, k + 1)));
      st(v2, k + 2, 1.0);
      if (len > 1) memory.copy(v2 + (<usize>(k + 3) << 3), at(A, n, k + 3, k + 1), <usize>(len - 1) << 3);
      // update of columns k+2.. fused with p <- C_{k+1} v2 (p is no longer needed: w is formed)
      fusedPass(A, n, k + 2, v, w, v2, p);
      let t2 = v;
      v = v2;
      v2 = t2;
    }
  }
  st(d, n - 1, load<f64>(at(A, n, n - 1, n - 1)));
}

/**
 * Z(0.., 0.., ld ldz, nz rows) <- Z G_{hi-1} ... G_lo with G_i the rotation of columns (i, i+1):
 *   z_{i+1} <- s_i z_i + c_i z_{i+1},   z_i <- c_i z_i - s_i z_{i+1},   i = hi-1 down to lo.
 * Column i+1 of rotation i is the output of rotation i+1, so it is carried in registers.
 */
function applyRotations(Z: usize, ldz: i32, nz: i32, lo: i32, hi: i32, cs: usize, ss: usize): void {
  let sz = <usize>ldz << 3;
  let r = 0;
  for (; r + 12 <= nz; r += 12) {
    let col = Z + <usize>hi * sz + (<usize>r << 3);
    let f0 = v128.load(col, 0); let f1 = v128.load(col, 16); let f2 = v128.load(col, 32); let f3 = v128.load(col, 48); let f4 = v128.load(col, 64); let f5 = v128.load(col, 80);
    for (let i = hi - 1; i >= lo; i--) {
      let c = f64x2.splat(ld(cs, i)), s = f64x2.splat(ld(ss, i));
      let next = col - sz;
      let x0 = v128.load(next, 0);
      v128.store(col, f64x2.add(f64x2.mul(s, x0), f64x2.mul(c, f0)), 0);
      f0 = f64x2.sub(f64x2.mul(c, x0), f64x2.mul(s, f0));
      let x1 = v128.load(next, 16);
      v128.store(col, f64x2.add(f64x2.mul(s, x1), f64x2.mul(c, f1)), 16);
      f1 = f64x2.sub(f64x2.mul(c, x1), f64x2.mul(s, f1));
      let x2 = v128.load(next, 32);
      v128.store(col, f64x2.add(f64x2.mul(s, x2), f64x2.mul(c, f2)), 32);
      f2 = f64x2.sub(f64x2.mul(c, x2), f64x2.mul(s, f2));
      let x3 = v128.load(next, 48);
      v128.store(col, f64x2.add(f64x2.mul(s, x3), f64x2.mul(c, f3)), 48);
      f3 = f64x2.sub(f64x2.mul(c, x3), f64x2.mul(s, f3));
      let x4 = v128.load(next, 64);
      v128.store(col, f64x2.add(f64x2.mul(s, x4), f64x2.mul(c, f4)), 64);
      f4 = f64x2.sub(f64x2.mul(c, x4), f64x2.mul(s, f4));
      let x5 = v128.load(next, 80);
      v128.store(col, f64x2.add(f64x2.mul(s, x5), f64x2.mul(c, f5)), 80);
      f5 = f64x2.sub(f64x2.mul(c, x5), f64x2.mul(s, f5));
      col = next;
    }
    v128.store(col, f0, 0);
    v128.store(col, f1, 16);
    v128.store(col, f2, 32);
    v128.store(col, f3, 48);
    v128.store(col, f4, 64);
    v128.store(col, f5, 80);
  }
  for (; r + 2 <= nz; r += 2) {
    let col = Z + <usize>hi * sz + (<usize>r << 3);
    let f0 = v128.load(col);
    for (let i = hi - 1; i >= lo; i--) {
      let c = f64x2.splat(ld(cs, i)), s = f64x2.splat(ld(ss, i));
      let next = col - sz;
      let x0 = v128.load(next);
      v128.store(col, f64x2.add(f64x2.mul(s, x0), f64x2.mul(c, f0)));
      f0 = f64x2.sub(f64x2.mul(c, x0), f64x2.mul(s, f0));
      col = next;
    }
    v128.store(col, f0);
  }
  if (r < nz) {
    let col = Z + <usize>hi * sz + (<usize>r << 3);
    let f = load<f64>(col);
    for (let i = hi - 1; i >= lo; i--) {
      let c = ld(cs, i), s = ld(ss, i);
      let next = col - sz;
      let x = load<f64>(next);
      store<f64>(col, s * x + c * f);
      f = c * x - s * f;
      col = next;
    }
    store<f64>(col, f);
  }
}

/**
 * Implicit QL with Wilkinson shifts on the symmetric tridiagonal (d, e) of order n (e[i] couples
 * i and i+1, e[n-1] ignored): d <- eigenvalues (unsorted), e destroyed. With Z != 0 the
 * rotations are applied to the columns of Z (nz rows, ld ldz). cs, ss: n-vectors of scratch.
 * Returns the number of QL iterations, or -1 after more than 30 n of them.
 */
export function tridiagonalQL(d: usize, e: usize, n: i32, Z: usize, ldz: i32, nz: i32, cs: usize, ss: usize, shifts: usize): i32 {
  if (n <= 1) return 0;
  st(e, n - 1, 0);
  let tnorm: f64 = 0;
  for (let i = 0; i < n; i++) tnorm = max(tnorm, Math.abs(ld(d, i)) + Math.abs(ld(e, i)) + (i > 0 ? Math.abs(ld(e, i - 1)) : 0.0));
  if (tnorm == 0) return 0;
  let tol = 8 * EPS * tnorm;
  let iters = 0;
  let cap = 30 * n;
  for (let l = 0; l < n; l++) {
    while (true) {
      let m = l;
      while (m < n - 1 && Math.abs(ld(e, m)) > tol) m++;
      if (m == l) break;
      if (++iters > cap) return -1;
      // Wilkinson shift mu from the leading 2 x 2 of the block l..m
      let dl = ld(d, l), el = ld(e, l);
      let g = (ld(d, l + 1) - dl) / (2 * el);
      let r = Math.hypot(g, 1.0);
      let mu = dl - el / (g + (g >= 0 ? r : -r));
      if (shifts != 0) mu = nearestShift(shifts, n, mu, false);
      g = ld(d, m) - mu;
      let s: f64 = 1, c: f64 = 1, p: f64 = 0;
      let i = m - 1;
      let early = false;
      for (; i >= l; i--) {
        let ei = ld(e, i);
        let f = s * ei, b = c * ei;
        r = pythag(f, g);
        st(e, i + 1, r);
        if (r == 0) {
          // the bulge vanished: the block splits at i + 1
          st(d, i + 1, ld(d, i + 1) - p);
          st(e, m, 0);
          early = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = ld(d, i + 1) - p;
        r = (ld(d, i) - g) * s + 2 * c * b;
        p = s * r;
        st(d, i + 1, g + p);
        g = c * r - b;
        st(cs, i, c);
        st(ss, i, s);
      }
      if (Z != 0 && i + 1 < m) applyRotations(Z, ldz, nz, i + 1, m, cs, ss);
      if (early) continue;
      st(d, l, ld(d, l) - p);
      st(e, l, g);
      st(e, m, 0);
    }
    if (shifts != 0) nearestShift(shifts, n, ld(d, l), true);
  }
  return iters;
}

/** The remaining (non-NaN) entry of shifts (n f64) nearest to x; remove: mark it used (NaN). */
function nearestShift(shifts: usize, n: i32, x: f64, remove: bool): f64 {
  let best = -1;
  let bd = Infinity;
  for (let i = 0; i < n; i++) {
    let dd = Math.abs(ld(shifts, i) - x);
    if (dd < bd) { bd = dd; best = i; } // NaN entries never compare below
  }
  if (best < 0) return x;
  let v = ld(shifts, best);
  if (remove) st(shifts, best, NaN);
  return v;
}

/** Sorts x (n f64) descending in place (shell sort; deterministic). */
export function sortDescending(x: usize, n: i32): void {
  let gap = 1;
  while (gap < n / 3) gap = 3 * gap + 1;
  for (; gap >= 1; gap = (gap - 1) / 3) {
    for (let i = gap; i < n; i++) {
      let v = ld(x, i);
      let j = i;
      while (j >= gap && ld(x, j - gap) < v) {
        st(x, j, ld(x, j - gap));
        j -= gap;
      }
      st(x, j, v);
    }
  }
}

/** Q (n x n, ld n) = H_0 ... H_{n-2} for the reflectors left in A by tridiagonalize. */
function formQ(A: usize, n: i32, tau: usize, Q: usize, Vp: usize, W: usize, G: usize, T: usize): void {
  for (let j = 0; j < n; j++) memory.fill(at(Q, n, 0, j), 0, <usize>n << 3);
  for (let j = 0; j < n; j++) store<f64>(at(Q, n, j, j), 1.0);
  let N1 = n - 1; // the reflectors are those of a QR of A(1.., 0..n-2): Q(1.., 1..) = dorgqr
  let K = n - 2; // reflector n-2 has length 1 (tau = 0)
  if (K <= 0) return;
  let Ar = A + 8;
  let last = ((K - 1) / NB) * NB;
  for (let j0 = last; j0 >= 0; j0 -= NB) {
    let b = min(NB, K - j0);
    let mr = N1 - j0;
    panelVT(Ar, n, tau, j0, b, mr, Vp, G, T);
    // C = Q(1 + j0.., 1 + j0..) <- (I - V T V^T) C; columns left of j0 are still e_i there
    let nc = N1 - j0;
    let C = at(Q, n, 1 + j0, 1 + j0);
    gemmTN(Vp, mr, C, n, mr, b, nc, W, NB, 0);
    for (let j = 0; j < nc; j++) {
      let w = W + ((<usize>j * <usize>NB) << 3);
      for (let i = 0; i < b; i++) {
        let s: f64 = 0;
        for (let l = i; l < b; l++) s += load<f64>(at(T, NB, i, l)) * ld(w, l);
        st(w, i, -s);
      }
    }
    gemmNN(Vp, mr, W, NB, mr, b, nc, C, n, 1);
  }
}

/**
 * eighTridiagonal: S (n x n, ld n, not modified) = V diag(W) V^T with W (n f64) descending and,
 * when vectors != 0, V (n x n, ld n) orthonormal (V is not touched otherwise).
 * Returns the number of QL iterations, or -1 on non-convergence (outputs then undefined).
 * work: eighTridiagonalWorkBytes(n) bytes, 16-byte aligned.
 */
export function eighTridiagonal(S: usize, n: i32, W: usize, V: usize, vectors: i32, work: usize): i32 {
  let iters = eighTridiagonalStart(S, n, V, vectors, work);
  if (iters < 0) return -1;
  eighTridiagonalFinish(n, W, V, vectors, work);
  return iters;
}

/**
 * The first part of eighTridiagonal for callers that finish the vectors themselves (on two
 * threads). With vectors == 2 and divide and conquer (the default), V holds the eigenvectors Z
 * of T and eighQPending() = 1: the caller applies V <- Q Z by eighApplyQ (any split of the
 * columns). On the QL path (eighDivideAndConquer(0), or a leaf that did not converge) V is
 * complete on return. Then eighTridiagonalFinish.
 */
export function eighTridiagonalStart(S: usize, n: i32, V: usize, vectors: i32, work: usize): i32 {
  qPending = false;
  if (n <= 0) return 0;
  let A = work;
  let vec = work + vecOff(n);
  let nv = align16(<usize>n << 3);
  let d = vec, e = vec + nv, tau = vec + 2 * nv, vb = vec + 3 * nv, wb = vec + 4 * nv;
  let v2b = vec + 5 * nv, pb = vec + 6 * nv, cs = vec + 7 * nv, ss = vec + 8 * nv;
  // A = (S + S^T) / 2 scaled by a power of two (lower triangle)
  let scale = pow2Scale(maxAbs(S, n, n, n));
  lastScale = scale;
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) {
      store<f64>(at(A, n, i, j), 0.5 * (scale * load<f64>(at(S, n, i, j))) + 0.5 * (scale * load<f64>(at(S, n, j, i))));
    }
  }
  tridiagonalize(A, n, d, e, tau, vb, wb, v2b, pb);
  if (vectors == 0) return tridiagonalQL(d, e, n, 0, 0, 0, cs, ss, 0);
  if (dcMode) {
    // divide and conquer on T (eigenvectors Z of T in V), then V <- Q Z (vectors == 2: left to
    // the caller, eighApplyQ by columns; eighQPending() = 1); if a leaf's QL fails (more than
    // 30 m iterations), the QL path below from the saved (d, e)
    memory.copy(vb, d, <usize>n << 3);
    memory.copy(wb, e, <usize>n << 3);
    if (dcSolve(d, e, n, V, work + scratchOff(n), cs, ss) >= 0) {
      if (vectors == 2) qPending = true;
      else eighApplyQ(n, work, V, n, 0);
      return 0;
    }
    memory.copy(d, vb, <usize>n << 3);
    memory.copy(e, wb, <usize>n << 3);
  }
  formQ(A, n, tau, V, work + vpOff(n), work + wpOff(n), work + gOff(n), work + tOff(n));
  // eigenvalues first (values-only QL on a copy), then the QL with vectors using them as
  // perfect shifts (fewer sweeps, each one costing 6 n flops per rotation)
  memory.copy(vb, d, <usize>n << 3);
  memory.copy(wb, e, <usize>n << 3);
  let iters = tridiagonalQL(vb, wb, n, 0, 0, 0, cs, ss, 0);
  if (iters < 0) return -1;
  let it2 = tridiagonalQL(d, e, n, V, n, n, cs, ss, vb);
  if (it2 < 0) return -1;
  return iters + it2;
}

let dcMode: bool = true;
let qPending: bool = false;

/** 1 when the last eighTridiagonalStart(..., vectors = 2) left V = Z for eighApplyQ (divide and conquer ran). */
export function eighQPending(): i32 {
  return qPending ? 1 : 0;
}

/**
 * Z <- Q Z on nc columns of Z (n rows, ld n) for the reflectors of the last eighTridiagonalStart
 * on `work` (columns are independent: any split gives each column the same bits). second != 0
 * uses the second set of panel buffers (a helper thread's, concurrently with second = 0).
 */
export function eighApplyQ(n: i32, work: usize, Z: usize, nc: i32, second: i32): void {
  if (n <= 0 || nc <= 0) return;
  let tau = work + vecOff(n) + 2 * align16(<usize>n << 3);
  if (second == 0) {
    applyQ(work, n, tau, Z, nc, work + vpOff(n), work + wpOff(n), work + gOff(n), work + tOff(n), work + scratchOff(n));
  } else {
    let q = work + qOff(n);
    let pn = align16((<usize>n * <usize>NB) << 3), pb = align16(<usize>(NB * NB) << 3);
    applyQ(work, n, tau, Z, nc, q, q + pn, q + 3 * pn, q + 3 * pn + pb, q + 2 * pn);
  }
}
/** Eigenvectors by divide and conquer (on != 0, the default) or by the QL run (the fallback). */
export function eighDivideAndConquer(on: i32): void {
  dcMode = on != 0;
}


/** Sorts the eigenvalues (and V's columns with them, with vectors) into W, undoing the scale. */
export function eighTridiagonalFinish(n: i32, W: usize, V: usize, vectors: i32, work: usize): void {
  if (n <= 0) return;
  let d = work + vecOff(n);
  let ascending = true;
  for (let i = 1; i < n; i++) if (ld(d, i) < ld(d, i - 1)) { ascending = false; break; }
  if (vectors != 0 && ascending) {
    // (divide and conquer) reverse the order
    for (let i = 0, k = n - 1; i < k; i++, k--) {
      let t = ld(d, i);
      st(d, i, ld(d, k));
      st(d, k, t);
      let a = at(V, n, 0, i), b = at(V, n, 0, k);
      for (let r = 0; r < n; r++) {
        let x = load<f64>(a + (<usize>r << 3));
        store<f64>(a + (<usize>r << 3), load<f64>(b + (<usize>r << 3)));
        store<f64>(b + (<usize>r << 3), x);
      }
    }
  } else if (vectors != 0) {
    // selection sort, descending, columns of V with the values
    for (let i = 0; i < n - 1; i++) {
      let k = i;
      for (let j = i + 1; j < n; j++) if (ld(d, j) > ld(d, k)) k = j;
      if (k != i) {
        let t = ld(d, i);
        st(d, i, ld(d, k));
        st(d, k, t);
        let a = at(V, n, 0, i), b = at(V, n, 0, k);
        for (let r = 0; r < n; r++) {
          let x = load<f64>(a + (<usize>r << 3));
          store<f64>(a + (<usize>r << 3), load<f64>(b + (<usize>r << 3)));
          store<f64>(b + (<usize>r << 3), x);
        }
      }
    }
  } else {
    sortDescending(d, n);
  }
  for (let i = 0; i < n; i++) st(W, i, ld(d, i) / lastScale);
}

// ---------------------------------------------------------------------------------------------
// Divide and conquer for the eigenvectors of the tridiagonal (Cuppen, Numer. Math. 36, 1981;
// Gu & Eisenstat, SIAM J. Matrix Anal. Appl. 16, 1995): see dcSolve.

/** Blocks of at most this order are solved by the QL iteration with vectors. */
const DC_LEAF: i32 = 32;

// D&C scratch: three n x n blocks and the n-vectors (set by dcSolve)
let dcG: usize = 0;
let dcX: usize = 0;
let dcY: usize = 0;
let dcVec: usize = 0;
let dcN: i32 = 0;
let dcCs: usize = 0;
let dcSs: usize = 0;

@inline function dcv(k: i32): usize { return dcVec + <usize>k * align16(<usize>dcN << 3); }
@inline function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline function sti(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

/**
 * Eigenvectors of the symmetric tridiagonal (d, e) of order n (e[i] couples i and i+1; d and e
 * destroyed): d <- eigenvalues ascending, Z (n x n, ld n) <- the eigenvectors of T in the same
 * order. scratch: 3 n^2 + 12 n f64 (parts 16-byte aligned). cs, ss: n-vectors of scratch for the leaf QL. Returns 0, or -1 if a
 * leaf QL did not converge.
 */
function dcSolve(d: usize, e: usize, n: i32, Z: usize, scratch: usize, cs: usize, ss: usize): i32 {
  let nn = align16((<usize>n * <usize>n) << 3);
  dcG = scratch;
  dcX = scratch + nn;
  dcY = scratch + 2 * nn;
  dcVec = scratch + 3 * nn;
  dcN = n;
  dcCs = cs;
  dcSs = ss;
  for (let j = 0; j < n; j++) memory.fill(at(Z, n, 0, j), 0, <usize>n << 3);
  return dcRecurse(d, e, Z, 0, n);
}

function dcRecurse(d: usize, e: usize, Z: usize, lo: i32, m: i32): i32 {
  let n = dcN;
  let Zb = at(Z, n, lo, lo);
  if (m <= DC_LEAF) {
    for (let j = 0; j < m; j++) store<f64>(at(Zb, n, j, j), 1.0);
    if (m > 1 && tridiagonalQL(d + (<usize>lo << 3), e + (<usize>lo << 3), m, Zb, n, m, dcCs, dcSs, 0) < 0) return -1;
    // ascending, columns with the values (selection sort)
    for (let i = 0; i < m - 1; i++) {
      let k = i;
      for (let j = i + 1; j < m; j++) if (ld(d, lo + j) < ld(d, lo + k)) k = j;
      if (k != i) {
        let t = ld(d, lo + i);
        st(d, lo + i, ld(d, lo + k));
        st(d, lo + k, t);
        let a = at(Zb, n, 0, i), b = at(Zb, n, 0, k);
        for (let r = 0; r < m; r++) {
          let x = ld(a, r);
          st(a, r, ld(b, r));
          st(b, r, x);
        }
      }
    }
    return 0;
  }
  // tear: T = diag(T1, T2) + |beta| u u^T, u = e_{k-1} + sign(beta) e_k
  let k = m >> 1;
  let beta = ld(e, lo + k - 1);
  let ab = Math.abs(beta);
  st(d, lo + k - 1, ld(d, lo + k - 1) - ab);
  st(d, lo + k, ld(d, lo + k) - ab);
  if (dcRecurse(d, e, Z, lo, k) < 0) return -1;
  if (dcRecurse(d, e, Z, lo + k, m - k) < 0) return -1;
  dcMerge(d + (<usize>lo << 3), Zb, m, k, beta);
  return 0;
}

/**
 * Merge: the block (ld dcN) Zb = diag(Q1, Q2) (m x m, Q1 n1 x n1) holds the eigenvectors of the
 * two halves, d (m) their eigenvalues (each half ascending). Then T = Zb (D + rho z z^T) Zb^T with
 * z = (last row of Q1, sign(beta) first row of Q2) / sqrt 2, rho = 2 |beta|. Deflation, the
 * secular equation, Gu-Eisenstat's z-hat, and Zb <- Zb U (two gemmNN on the nonzero blocks).
 * On return d ascending and Zb the eigenvectors in that order.
 */
function dcMerge(d: usize, Zb: usize, m: i32, n1: i32, beta: f64): void {
  let n = dcN;
  let z = dcv(0), dl = dcv(1), lam = dcv(2), dK = dcv(3), zK = dcv(4), zh = dcv(5);
  let perm = dcv(6), typ = dcv(7), nd = dcv(8), df = dcv(9), ord = dcv(10), ws = dcv(11);
  let rho = 2 * Math.abs(beta);
  let sg: f64 = beta >= 0 ? 1.0 : -1.0;
  let r2 = Math.SQRT1_2;
  for (let i = 0; i < n1; i++) st(z, i, r2 * load<f64>(at(Zb, n, n1 - 1, i)));
  for (let i = n1; i < m; i++) st(z, i, sg * r2 * load<f64>(at(Zb, n, n1, i)));
  let dmax: f64 = 0;
  for (let i = 0; i < m; i++) {
    st(dl, i, ld(d, i));
    dmax = max(dmax, Math.abs(ld(d, i)));
    sti(typ, i, i < n1 ? 1 : 3);
  }
  // merge the two ascending halves (stable)
  {
    let a = 0, b = n1;
    for (let p = 0; p < m; p++) {
      if (b >= m || (a < n1 && ld(dl, a) <= ld(dl, b))) sti(perm, p, a++);
      else sti(perm, p, b++);
    }
  }
  // deflation: negligible z_j, or a rotation of the pair (prev, j) making z_prev = 0 when the
  // coupling it leaves, |c s (d_j - d_prev)|, is negligible
  let tol = 8 * EPS * max(dmax, rho);
  let K = 0, nD = 0, prev = -1;
  for (let p = 0; p < m; p++) {
    let j = ldi(perm, p);
    let zj = ld(z, j);
    if (rho * Math.abs(zj) <= tol) {
      sti(df, nD++, j);
      continue;
    }
    if (prev < 0) { prev = j; continue; }
    let zp = ld(z, prev);
    let tau = Math.hypot(zp, zj);
    let c = zj / tau, s = zp / tau;
    let dp = ld(dl, prev), dj = ld(dl, j);
    if (Math.abs(c * s * (dj - dp)) <= tol) {
      // q'_prev = c q_prev - s q_j, q'_j = s q_prev + c q_j
      let a = at(Zb, n, 0, prev), b = at(Zb, n, 0, j);
      for (let r = 0; r < m; r++) {
        let x = ld(a, r), y = ld(b, r);
        st(a, r, c * x - s * y);
        st(b, r, s * x + c * y);
      }
      if (ldi(typ, prev) != ldi(typ, j)) { sti(typ, prev, 2); sti(typ, j, 2); }
      st(z, j, tau);
      st(z, prev, 0);
      st(dl, prev, c * c * dp + s * s * dj);
      st(dl, j, s * s * dp + c * c * dj);
      sti(df, nD++, prev);
      prev = j;
    } else {
      sti(nd, K++, prev);
      prev = j;
    }
  }
  if (prev >= 0) sti(nd, K++, prev);
  for (let i = 0; i < K; i++) {
    st(dK, i, ld(dl, ldi(nd, i)));
    st(zK, i, ld(z, ldi(nd, i)));
  }
  // the roots: column i of X = (dK_m - lambda_i)_m, accurate (offsets from the nearer pole)
  for (let i = 0; i < K; i++) secularRoot(dK, zK, K, rho, i, dcX + ((<usize>i * <usize>K) << 3), lam);
  // Gu-Eisenstat: zhat_i^2 = (lambda_i - d_i) / rho prod_{j != i} (lambda_j - d_i) / (d_j - d_i)
  // (by columns j of X: the ratio for row i is X(i, j) / (d_i - d_j))
  for (let i = 0; i < K; i++) st(zh, i, -load<f64>(dcX + ((<usize>i * <usize>K + <usize>i) << 3)) / rho);
  for (let j = 0; j < K; j++) {
    let xj = dcX + ((<usize>j * <usize>K) << 3);
    let keep = ld(zh, j);
    let dj = f64x2.splat(ld(dK, j));
    let i = 0;
    for (; i + 2 <= K; i += 2) {
      let off = <usize>i << 3;
      v128.store(zh + off, f64x2.mul(v128.load(zh + off), f64x2.div(v128.load(xj + off), f64x2.sub(v128.load(dK + off), dj))));
    }
    if (i < K) st(zh, i, ld(zh, i) * (ld(xj, i) / (ld(dK, i) - ld(dK, j))));
    st(zh, j, keep);
  }
  for (let i = 0; i < K; i++) {
    let h = Math.sqrt(max(ld(zh, i), 0.0));
    st(zh, i, ld(zK, i) >= 0 ? h : -h);
  }
  // gather order: type 1 (top rows only), 2 (dense), 3 (bottom rows only)
  let c1 = 0, c2 = 0;
  {
    let q = 0;
    for (let t = 1; t <= 3; t++) {
      for (let i = 0; i < K; i++) if (ldi(typ, ldi(nd, i)) == t) sti(ord, q++, i);
      if (t == 1) c1 = q;
      if (t == 2) c2 = q - c1;
    }
  }
  // Y (K x K): column j = zhat ./ (dK - lambda_j), normalised, rows in gather order
  for (let j = 0; j < K; j++) {
    let xj = dcX + ((<usize>j * <usize>K) << 3);
    let yj = dcY + ((<usize>j * <usize>K) << 3);
    let acc = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= K; i += 2) {
      let off = <usize>i << 3;
      let v = f64x2.div(v128.load(zh + off), v128.load(xj + off));
      v128.store(ws + off, v);
      acc = f64x2.add(acc, f64x2.mul(v, v));
    }
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    if (i < K) {
      let v = ld(zh, i) / ld(xj, i);
      st(ws, i, v);
      s += v * v;
    }
    let f = 1 / Math.sqrt(s);
    for (let q = 0; q < K; q++) st(yj, q, f * ld(ws, ldi(ord, q)));
  }
  // G (m x m, ld m): the non-deflated columns in gather order, then the deflated ones
  for (let q = 0; q < K; q++) memory.copy(dcG + ((<usize>q * <usize>m) << 3), at(Zb, n, 0, ldi(nd, ldi(ord, q))), <usize>m << 3);
  // deflated values ascending (insertion sort of the nearly sorted list)
  for (let r = 1; r < nD; r++) {
    let j = ldi(df, r);
    let v = ld(dl, j);
    let q = r;
    while (q > 0 && ld(dl, ldi(df, q - 1)) > v) { sti(df, q, ldi(df, q - 1)); q--; }
    sti(df, q, j);
  }
  for (let r = 0; r < nD; r++) memory.copy(dcG + ((<usize>(K + r) * <usize>m) << 3), at(Zb, n, 0, ldi(df, r)), <usize>m << 3);
  // O = X (m x K, ld m): top n1 rows from the types 1 and 2, bottom rows from types 2 and 3
  let O = dcX;
  if (K > 0) {
    gemmNN(dcG, m, dcY, K, n1, c1 + c2, K, O, m, 0);
    gemmNN(dcG + ((<usize>c1 * <usize>m + <usize>n1) << 3), m, dcY + (<usize>c1 << 3), K, m - n1, K - c1, K, O + (<usize>n1 << 3), m, 0);
  }
  // merge the roots (ascending) and the deflated values into d, the columns into Zb
  let a = 0, b = 0;
  for (let c = 0; c < m; c++) {
    let src: usize;
    if (b >= nD || (a < K && ld(lam, a) <= ld(dl, ldi(df, b)))) {
      st(d, c, ld(lam, a));
      src = O + ((<usize>a * <usize>m) << 3);
      a++;
    } else {
      st(d, c, ld(dl, ldi(df, b)));
      src = dcG + ((<usize>(K + b) * <usize>m) << 3);
      b++;
    }
    memory.copy(at(Zb, n, 0, c), src, <usize>m << 3);
  }
}

/**
 * Root i of the secular equation f(l) = 1 + rho sum_j z_j^2 / (d_j - l) (d ascending, rho > 0,
 * z_j != 0): in (d_i, d_{i+1}), or (d_{K-1}, d_{K-1} + rho |z|^2) for the last. The root is
 * found as tau = l - d_o from the nearer pole o (decided by the sign of f at the midpoint), so
 * delta_j = (d_j - d_o) - tau is accurate. Iteration: psi (poles <= i) and phi (poles > i) are
 * each replaced by a one-pole rational s + S / (d_pole - l) matching value and slope at the
 * current point (the poles i and i+1; Li's "middle way" interpolation), the resulting quadratic
 * solved for the step, bisection of the bracket when it leaves it. Writes delta (K) and lam[i].
 */
function secularRoot(dK: usize, zK: usize, K: i32, rho: f64, i: i32, delta: usize, lam: usize): void {
  if (K == 1) {
    let z0 = ld(zK, 0);
    let t = rho * z0 * z0;
    st(delta, 0, -t);
    st(lam, 0, ld(dK, 0) + t);
    return;
  }
  let last = i == K - 1;
  let o = i;
  let lo: f64 = 0, hi: f64 = 0, x: f64 = 0;
  if (!last) {
    let gap = ld(dK, i + 1) - ld(dK, i);
    let h = 0.5 * gap;
    let dI = ld(dK, i);
    for (let j = 0; j < K; j++) st(delta, j, ld(dK, j) - dI);
    let f = 1 + rho * f64x2.extract_lane(secularSums(zK, delta, 0, K, h), 0);
    let zi = ld(zK, i), zi1 = ld(zK, i + 1);
    let A = rho * zi * zi, B = rho * zi1 * zi1;
    // first guess: the two poles i, i+1 exact and the other terms frozen at the midpoint
    let c = f - A / -h - B / h;
    let a: f64, b: f64;
    if (f >= 0) { o = i; lo = 0; hi = h; a = 0; b = gap; }
    else { o = i + 1; lo = -h; hi = 0; a = -gap; b = 0; }
    x = 0.5 * (lo + hi);
    // c (a - x)(b - x) + A (b - x) + B (a - x) = 0
    let qb = c * (a + b) + A + B, qc = c * a * b + A * b + B * a;
    let r: f64 = NaN;
    if (c == 0) r = qc / qb;
    else {
      let sq = Math.sqrt(max(qb * qb - 4 * c * qc, 0.0));
      let r1 = (qb + (qb >= 0 ? sq : -sq)) / (2 * c);
      let r2 = r1 != 0 ? qc / (c * r1) : NaN;
      r = r1 > lo && r1 < hi ? r1 : r2;
    }
    if (r > lo && r < hi) x = r;
  } else {
    let s: f64 = 0;
    for (let j = 0; j < K; j++) s += ld(zK, j) * ld(zK, j);
    lo = 0; hi = rho * s; x = 0.5 * hi;
  }
  let dO = ld(dK, o);
  // delta: d_j - d_o
  if (last || o != i) for (let j = 0; j < K; j++) st(delta, j, ld(dK, j) - dO);
  let dA = ld(delta, i);
  let dB = last ? 0.0 : ld(delta, i + 1);
  for (let it = 0; it < 200; it++) {
    let sp = secularSums(zK, delta, 0, i + 1, x);
    let sq = secularSums(zK, delta, i + 1, K, x);
    let psi = rho * f64x2.extract_lane(sp, 0), dpsi = rho * f64x2.extract_lane(sp, 1);
    let phi = rho * f64x2.extract_lane(sq, 0), dphi = rho * f64x2.extract_lane(sq, 1);
    let f = 1 + psi + phi;
    if (Math.abs(f) <= 8 * EPS * (1 + Math.abs(psi) + Math.abs(phi))) break;
    if (f < 0) lo = x; else hi = x;
    let da = dA - x;
    let eta: f64 = NaN;
    if (last) {
      let c = f - dpsi * da;
      let S = dpsi * da * da;
      if (c > 0) eta = da + S / c;
    } else {
      let db = dB - x;
      let S = dpsi * da * da, T = dphi * db * db;
      let c = f - dpsi * da - dphi * db;
      let B = c * (da + db) + S + T;
      let C = da * db * f;
      if (c == 0) {
        eta = C / B;
      } else {
        let disc = B * B - 4 * c * C;
        let sq = Math.sqrt(max(disc, 0.0));
        let r1 = (B + (B >= 0 ? sq : -sq)) / (2 * c);
        let r2 = r1 != 0 ? C / (c * r1) : NaN;
        if (r1 > da && r1 < db) eta = r1;
        else if (r2 > da && r2 < db) eta = r2;
      }
    }
    let xn = x + eta;
    if (!(xn > lo && xn < hi)) {
      xn = 0.5 * (lo + hi);
      if (!(xn > lo && xn < hi)) break; // the bracket cannot be split further
    }
    if (xn == x || Math.abs(xn - x) <= EPS * Math.abs(xn)) { x = xn; break; }
    x = xn;
    if (hi - lo <= 2 * EPS * max(Math.abs(lo), Math.abs(hi))) break;
  }
  for (let j = 0; j < K; j++) st(delta, j, ld(delta, j) - x);
  st(lam, i, dO + x);
}

/** (sum z_j^2 / (delta_j - x), sum z_j^2 / (delta_j - x)^2) over j = j0..j1-1 (fixed order: pairs, then the tail). */
function secularSums(z: usize, delta: usize, j0: i32, j1: i32, x: f64): v128 {
  let vx = f64x2.splat(x);
  let a = f64x2.splat(0), b = a;
  let j = j0;
  for (; j + 2 <= j1; j += 2) {
    let off = <usize>j << 3;
    let zj = v128.load(z + off);
    let t = f64x2.div(zj, f64x2.sub(v128.load(delta + off), vx));
    a = f64x2.add(a, f64x2.mul(zj, t));
    b = f64x2.add(b, f64x2.mul(t, t));
  }
  let s0 = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  let s1 = f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
  if (j < j1) {
    let zj = ld(z, j);
    let t = zj / (ld(delta, j) - x);
    s0 += zj * t;
    s1 += t * t;
  }
  return f64x2.replace_lane(f64x2.splat(s0), 1, s1);
}

/**
 * The compact WY form of reflectors j0..j0+b-1 (those of a QR of A(1.., 0..n-2), stored below the
 * subdiagonal of A; Ar = A + one row): the explicit V panel (mr x b, ld mr: unit diagonal, zeros
 * above) and T (upper, b x b, ld NB: T(i, i) = tau_i, T(0:i, i) = -tau_i T(0:i, 0:i) (V^T v_i)), so
 * that H_j0 ... H_j0+b-1 = I - V T V^T (Schreiber & Van Loan 1989), by householder.ts's own
 * explicitV and formT. G: b x b scratch (ld NB).
 */
function panelVT(Ar: usize, n: i32, tau: usize, j0: i32, b: i32, mr: i32, Vp: usize, G: usize, T: usize): void {
  explicitV(Ar, n, mr + j0, j0, b, Vp);
  syrk(Vp, mr, mr, b, G, NB, 0);
  formT(tau + (<usize>j0 << 3), b, G, T);
}

/** Z (n x nc, ld n) <- Q Z for the reflectors left in A by tridiagonalize (blocked, as formQ). */
function applyQ(A: usize, n: i32, tau: usize, Z: usize, nc: i32, Vp: usize, W: usize, G: usize, T: usize, W2: usize): void {
  let N1 = n - 1;
  let K = n - 2;
  if (K <= 0) return;
  let Ar = A + 8;
  let last = ((K - 1) / NB) * NB;
  for (let j0 = last; j0 >= 0; j0 -= NB) {
    let b = min(NB, K - j0);
    let mr = N1 - j0;
    panelVT(Ar, n, tau, j0, b, mr, Vp, G, T);
    // T <- -T with zeros below the diagonal, W2 = -T (V^T C), C += V W2
    for (let i = 0; i < b; i++) {
      for (let r = 0; r <= i; r++) store<f64>(at(T, NB, r, i), -load<f64>(at(T, NB, r, i)));
      for (let r = i + 1; r < b; r++) store<f64>(at(T, NB, r, i), 0);
    }
    let C = at(Z, n, 1 + j0, 0);
    gemmTN(Vp, mr, C, n, mr, b, nc, W, NB, 0);
    gemmNN(T, NB, W, NB, b, b, nc, W2, NB, 0);
    gemmNN(Vp, mr, W2, NB, mr, b, nc, C, n, 1);
  }
}
