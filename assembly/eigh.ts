/**
 * Symmetric eigendecomposition S = V diag(w) V^T (w descending, V orthogonal) by one-sided
 * Jacobi on a Cholesky factor of a positive semidefinite shift of S (Veselic & Hari, "A note on
 * a one-sided Jacobi algorithm", Numer. Math. 56, 1989; Demmel & Veselic 1992 for its accuracy),
 * reusing svd.ts's Jacobi sweeps.
 *
 * The idea: for B = S + tau I positive semidefinite with B = L L^T, one-sided Jacobi on the
 * columns of L gives L J = W with orthogonal columns, so
 *     B = L L^T = W J^T J W^T = W W^T = U diag(sigma^2) U^T,   U = W diag(sigma)^-1,
 * i.e. the normalised columns of W are eigenvectors of S and lambda_i = sigma_i^2 - tau; neither J
 * nor any reflector needs to be accumulated, and sigma descending is w descending. This is
 * exactly an SVD (of L), made provably equivalent to the eigendecomposition by the
 * semidefiniteness of B; working on a shift (rather than taking signs of singular values of S)
 * is what makes +/- pairs of eigenvalues safe: |lambda| = s has a two-dimensional singular
 * subspace whose singular vectors need not be eigenvectors.
 *
 * Choosing tau: the error of the result is O(eps ||B||), so tau should be as small as allowed,
 * i.e. close to max(0, -lambda_min):
 *   1. 32 steps of Lanczos (full reorthogonalisation, deterministic start vector) give Ritz
 *      values theta_min >= lambda_min and theta_max (Sturm bisection on the tridiagonal);
 *   2. candidates in turn: 0 (when theta_min >= -delta0), max(0, -theta_min) + 0.05 span,
 *      max(0, -theta_min) + 0.5 span, the Gershgorin bound max_i (sum_{j != i} |s_ij| - s_ii)
 *      (+ delta0; B is then diagonally dominant), span = the Ritz spread;
 *   3. the first candidate whose B passes the Cholesky test below is used.
 * Positive semidefinite inputs (Gram and covariance matrices) therefore get tau = 0: their
 * eigenvalues come out as sigma_i^2 >= 0 (never negative) and small ones are not swamped by
 * the error of a shift.
 *
 * Cholesky with diagonal pivoting (Higham, "Accuracy and Stability of Numerical Algorithms",
 * sec. 10.3; the symmetric swaps of LAPACK dpstrf): P^T B P = L L^T + S22. The factorisation
 * stops when the largest remaining diagonal is <= delta = n eps max_i b_ii; B is accepted as
 * semidefinite when the remaining Schur complement S22 is then negligible (|entries| <= 2 delta)
 * and rejected as soon as a remaining diagonal is < -2 delta. L is n x r (r = numerical rank);
 * the n - r eigenvectors of the dropped part (eigenvalue -tau, i.e. 0 when tau = 0) are
 * completed to an orthonormal set as in svd.ts, after the r from Jacobi.
 *
 * Eigenvalues: with tau = 0, w_i = sigma_i^2 (never negative, no shift error).
 * With tau > 0, sigma_i^2 - tau would carry the O(sweeps n eps (lambda_i + tau)) error of the
 * rotated column norms, so w_i is the Rayleigh quotient v_i^T S v_i instead (one gemm, error
 * O(eps ||S||) plus residual^2 / gap), and the pairs are re-sorted (stable) by it.
 * Accuracy: backward stable, ||S - V diag(w) V^T|| = O(n eps ||B||) with ||B|| <= ~2 ||S||;
 * eigenvector orthogonality is set by the Jacobi threshold. The input is read as (S + S^T) / 2,
 * scaled by a power of two first (exact), so a matrix symmetric only up to rounding (e.g. a
 * product computed as A^T B) is handled consistently. Deterministic throughout.
 */
import { axpy, dot, gemmNN, gemv_t, nrm2, scal } from "./blas";
import { frobenius, maxAbs, pow2Scale } from "./linalg";
import { align16, at } from "./simd";
import { jacobiSweeps, jacobiTol, normalizedColumns, sortedNorms } from "./svd";

const LANCZOS_STEPS: i32 = 32;
const EPS: f64 = reinterpret<f64>(<u64>(1023 - 52) << 52); // 2^-52

/** The shift tau (in the units of S) and the Cholesky rank r of the last eighJacobi call. */
export let lastEighShift: f64 = 0;
export let lastEighRank: i32 = 0;

// workspace layout (bytes from `work`)
@inline function bOff(n: i32): usize { return align16((<usize>n * <usize>n) << 3); }
@inline function lzOff(n: i32): usize { return bOff(n) + align16((<usize>n * <usize>n) << 3); }
@inline function wOff(n: i32): usize { return lzOff(n) + align16((<usize>n * <usize>LANCZOS_STEPS) << 3); }
@inline function abOff(n: i32): usize { return wOff(n) + align16(<usize>n << 3); }
@inline function dOff(n: i32): usize { return abOff(n) + align16(<usize>LANCZOS_STEPS << 4); }
@inline function sigOff(n: i32): usize { return dOff(n) + align16(<usize>n << 3); }
@inline function permOff(n: i32): usize { return sigOff(n) + align16(<usize>n << 3); }
@inline function pivOff(n: i32): usize { return permOff(n) + align16(<usize>n << 2); }
@inline function flagOff(n: i32): usize { return pivOff(n) + align16(<usize>n << 2); }
@inline function rowsqOff(n: i32): usize { return flagOff(n) + align16(<usize>n << 2); }
@inline function candOff(n: i32): usize { return rowsqOff(n) + align16(<usize>n << 3); }
@inline function yOff(n: i32): usize { return candOff(n) + align16(<usize>n << 3); }
@inline function endOff(n: i32): usize { return yOff(n) + align16((<usize>n * <usize>n) << 3); }

/** Bytes of scratch eighJacobi needs for an n x n matrix (16-byte aligned scratch expected). */
export function eighWorkBytes(n: i32): usize {
  return endOff(max(n, 1));
}

// ---------------------------------------------------------------------------------------------
// Lanczos estimate of the extreme eigenvalues

let ritzMin: f64 = 0;
let ritzMax: f64 = 0;

/** Number of eigenvalues below x of the symmetric tridiagonal (alpha, beta) of order k (Sturm). */
function sturmCount(alpha: usize, beta: usize, k: i32, x: f64, pivmin: f64): i32 {
  let count = 0;
  let q: f64 = 1;
  for (let i = 0; i < k; i++) {
    let b2 = i > 0 ? load<f64>(beta + (<usize>(i - 1) << 3)) : 0.0;
    q = (load<f64>(alpha + (<usize>i << 3)) - x) - (i > 0 ? b2 * b2 / q : 0.0);
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) count++;
  }
  return count;
}

/** Sets ritzMin / ritzMax from LANCZOS_STEPS steps on B (n x n, symmetric). */
function lanczosExtremes(B: usize, n: i32, anorm: f64, Vk: usize, w: usize, alpha: usize, beta: usize): void {
  let K = min(n, LANCZOS_STEPS);
  let sv = <usize>n << 3;
  // deterministic start vector with no structure (the sin hash; AssemblyScript's Math.sin is
  // its own wasm code, so the bits are the same everywhere)
  for (let i = 0; i < n; i++) {
    let h = Math.sin(<f64>(i + 1) * 12.9898) * 43758.5453;
    store<f64>(Vk + (<usize>i << 3), 0.5 + (h - Math.floor(h)));
  }
  scal(1 / nrm2(Vk, n), Vk, n);
  let k = 0;
  for (let j = 0; j < K; j++) {
    let vj = Vk + <usize>j * sv;
    gemv_t(B, n, n, n, vj, w); // w = B^T v_j = B v_j
    store<f64>(alpha + (<usize>j << 3), dot(w, vj, n));
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i <= j; i++) {
        let vi = Vk + <usize>i * sv;
        axpy(-dot(vi, w, n), vi, w, n);
      }
    }
    k = j + 1;
    let b = nrm2(w, n);
    store<f64>(beta + (<usize>j << 3), b);
    if (j + 1 >= K || !(b > anorm * 1e-12)) break; // an invariant subspace
    let vn = vj + sv;
    memory.copy(vn, w, sv);
    scal(1 / b, vn, n);
  }
  // Gershgorin interval of the tridiagonal, then bisection for its extreme eigenvalues
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < k; i++) {
    let a = load<f64>(alpha + (<usize>i << 3));
    let r = (i > 0 ? Math.abs(load<f64>(beta + (<usize>(i - 1) << 3))) : 0.0)
          + (i + 1 < k ? Math.abs(load<f64>(beta + (<usize>i << 3))) : 0.0);
    lo = min(lo, a - r);
    hi = max(hi, a + r);
  }
  let pivmin = max<f64>(anorm, 1e-300) * 1e-300;
  let a = lo, b = hi; // count(a) = 0, count(b) >= 1 for the smallest
  for (let it = 0; it < 80; it++) {
    let m = 0.5 * (a + b);
    if (sturmCount(alpha, beta, k, m, pivmin) >= 1) b = m; else a = m;
  }
  ritzMin = b;
  a = lo; b = hi; // count(a) < k, count(b) = k for the largest
  for (let it = 0; it < 80; it++) {
    let m = 0.5 * (a + b);
    if (sturmCount(alpha, beta, k, m, pivmin) >= k) b = m; else a = m;
  }
  ritzMax = b;
}

// ---------------------------------------------------------------------------------------------
// Cholesky with diagonal pivoting, stopped at the numerical rank

@inline function swapF64(a: usize, b: usize): void {
  let t = load<f64>(a);
  store<f64>(a, load<f64>(b));
  store<f64>(b, t);
}

/** Symmetric swap of indices k < p in the lower triangle of B (n x n, ld n), L rows included (dsyswapr). */
function symSwapLower(B: usize, n: i32, k: i32, p: i32): void {
  for (let j = 0; j < k; j++) swapF64(at(B, n, k, j), at(B, n, p, j));
  swapF64(at(B, n, k, k), at(B, n, p, p));
  for (let i = k + 1; i < p; i++) swapF64(at(B, n, i, k), at(B, n, p, i));
  for (let i = p + 1; i < n; i++) swapF64(at(B, n, i, k), at(B, n, i, p));
}

/**
 * P^T B P = L L^T + S22 for B (n x n, ld n; lower triangle read, overwritten by L in pivoted
 * order), piv (n i32) the permutation. Returns the rank r (S22 negligible), or -1 when B is not
 * positive semidefinite to within delta.
 */
function choleskyPsd(B: usize, n: i32, piv: usize, delta: f64): i32 {
  for (let i = 0; i < n; i++) store<i32>(piv + (<usize>i << 2), i);
  for (let k = 0; k < n; k++) {
    let p = k;
    let dmax = load<f64>(at(B, n, k, k));
    let dmin = dmax;
    for (let i = k + 1; i < n; i++) {
      let v = load<f64>(at(B, n, i, i));
      if (v > dmax) { dmax = v; p = i; }
      if (v < dmin) dmin = v;
    }
    if (dmin < -2 * delta) return -1;
    if (!(dmax > delta)) {
      for (let j = k; j < n; j++) {
        for (let i = j; i < n; i++) if (Math.abs(load<f64>(at(B, n, i, j))) > 2 * delta) return -1;
      }
      return k;
    }
    if (p != k) {
      symSwapLower(B, n, k, p);
      let t = load<i32>(piv + (<usize>k << 2));
      store<i32>(piv + (<usize>k << 2), load<i32>(piv + (<usize>p << 2)));
      store<i32>(piv + (<usize>p << 2), t);
    }
    let lkk = Math.sqrt(dmax);
    store<f64>(at(B, n, k, k), lkk);
    let len = n - k - 1;
    if (len > 0) {
      let col = at(B, n, k + 1, k);
      scal(1 / lkk, col, len);
      for (let j = k + 1; j < n; j++) axpy(-load<f64>(at(B, n, j, k)), at(B, n, j, k), at(B, n, j, j), n - j);
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------

/**
 * eighJacobi: S (n x n, ld n, not modified) = V diag(W) V^T with W (n f64) descending and V
 * (n x n, ld n) orthogonal. Returns the number of Jacobi sweeps, -1 on non-convergence of
 * Jacobi, -2 when no shift made S numerically semidefinite (neither is expected to happen;
 * outputs are then undefined). work: eighWorkBytes(n) bytes.
 */
export function eighJacobi(S: usize, n: i32, W: usize, V: usize, work: usize): i32 {
  lastEighShift = 0;
  lastEighRank = 0;
  if (n <= 0) return 0;
  let B0 = work, B = work + bOff(n), Vk = work + lzOff(n), w = work + wOff(n);
  let alpha = work + abOff(n), beta = alpha + (<usize>LANCZOS_STEPS << 3);
  let d = work + dOff(n), sig = work + sigOff(n), perm = work + permOff(n), piv = work + pivOff(n);
  let flags = work + flagOff(n), rowsq = work + rowsqOff(n), cand = work + candOff(n);
  let Y = work + yOff(n);

  // B0 = (S + S^T) / 2, scaled by a power of two
  let scale = pow2Scale(maxAbs(S, n, n, n));
  let gersh: f64 = 0;
  for (let j = 0; j < n; j++) {
    let off: f64 = 0;
    for (let i = 0; i < n; i++) {
      let v = 0.5 * (scale * load<f64>(at(S, n, i, j))) + 0.5 * (scale * load<f64>(at(S, n, j, i)));
      store<f64>(at(B0, n, i, j), v);
      if (i != j) off += Math.abs(v);
    }
    gersh = max(gersh, off - load<f64>(at(B0, n, j, j)));
  }
  let anorm = frobenius(B0, n, n, n);
  let delta0 = <f64>n * EPS * anorm;
  lanczosExtremes(B0, n, anorm, Vk, w, alpha, beta);
  let span = max(max(ritzMax - ritzMin, Math.abs(ritzMin)), max(Math.abs(ritzMax), delta0));
  let base = max<f64>(0, -ritzMin);

  let tau: f64 = 0;
  let r = -1;
  for (let attempt = 0; attempt < 5 && r < 0; attempt++) {
    if (attempt == 0) {
      if (ritzMin < -delta0) continue;
      tau = 0;
    } else if (attempt == 1) {
      tau = base + 0.05 * span + delta0;
    } else if (attempt == 2) {
      tau = base + 0.5 * span + delta0;
    } else if (attempt == 3) {
      tau = gersh + delta0;
    } else {
      tau = 2 * gersh + anorm;
    }
    let dmax: f64 = 0;
    for (let j = 0; j < n; j++) {
      memory.copy(at(B, n, j, j), at(B0, n, j, j), <usize>(n - j) << 3);
      let b = at(B, n, j, j);
      store<f64>(b, load<f64>(b) + tau);
      dmax = max(dmax, load<f64>(b));
    }
    r = choleskyPsd(B, n, piv, <f64>n * EPS * dmax);
  }
  if (r < 0) return -2;
  lastEighShift = tau / scale;
  lastEighRank = r;

  // X = L (n x r, ld n): zero the stale upper triangle
  for (let j = 0; j < r; j++) memory.fill(at(B, n, 0, j), 0, <usize>j << 3);
  let sweeps = jacobiSweeps(B, n, n, r, 0, 0, d, jacobiTol(n));
  if (sweeps < 0) return -1;
  sortedNorms(B, n, n, r, sig, perm);
  // eigenvectors in pivoted coordinates (into Y), then rows back in place
  normalizedColumns(B, n, n, r, sig, perm, Y, n, n, flags, rowsq, cand);
  for (let q = 0; q < n; q++) {
    let src = at(Y, n, 0, q), dst = at(V, n, 0, q);
    for (let i = 0; i < n; i++) {
      store<f64>(dst + (<usize>load<i32>(piv + (<usize>i << 2)) << 3), load<f64>(src + (<usize>i << 3)));
    }
  }
  if (tau == 0) {
    // w_i = sigma_i^2: non-negative, and no shift error
    for (let q = 0; q < n; q++) {
      let s2: f64 = 0;
      if (q < r) {
        let s = load<f64>(sig + (<usize>load<i32>(perm + (<usize>q << 2)) << 3));
        s2 = s * s;
      }
      store<f64>(W + (<usize>q << 3), s2 / scale);
    }
  } else {
    // after a shift sigma_i^2 - tau carries an error O(eps (lambda_i + tau)) from the rotations:
    // the Rayleigh quotients v_i^T S v_i are accurate to O(eps ||S||) instead; re-sorted
    // (stable) since they may reorder nearly equal eigenvalues
    gemmNN(B0, n, V, n, n, n, n, Y, n, 0);
    for (let q = 0; q < n; q++) {
      store<f64>(sig + (<usize>q << 3), dot(at(V, n, 0, q), at(Y, n, 0, q), n));
      store<i32>(perm + (<usize>q << 2), q);
    }
    for (let q = 1; q < n; q++) {
      let p = load<i32>(perm + (<usize>q << 2));
      let s = load<f64>(sig + (<usize>p << 3));
      let j = q;
      while (j > 0 && load<f64>(sig + (<usize>load<i32>(perm + (<usize>(j - 1) << 2)) << 3)) < s) {
        store<i32>(perm + (<usize>j << 2), load<i32>(perm + (<usize>(j - 1) << 2)));
        j--;
      }
      store<i32>(perm + (<usize>j << 2), p);
    }
    for (let q = 0; q < n; q++) {
      let p = load<i32>(perm + (<usize>q << 2));
      store<f64>(W + (<usize>q << 3), load<f64>(sig + (<usize>p << 3)) / scale);
      memory.copy(at(Y, n, 0, q), at(V, n, 0, p), <usize>n << 3);
    }
    memory.copy(V, Y, (<usize>n * <usize>n) << 3);
  }
  return sweeps;
}
