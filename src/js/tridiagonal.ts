/**
 * Symmetric eigendecomposition by Householder tridiagonalisation and implicit QL with Wilkinson
 * shifts (Golub & Van Loan, "Matrix Computations", 4th ed., alg. 8.3.1 and secs. 8.3.2-8.3.5; the
 * EISPACK tred2/tql2 route) for the pure-TypeScript backend: the twin of assembly/tridiagonal.ts,
 * same steps in the same order (results agree to rounding):
 *
 *  1. A = (S + S^T) / 2 scaled by a power of two (max |a_ij| in [1, 2)); for k = 0..n-2 the
 *     reflector v (v_0 = 1) of x = A(k+1.., k), tau = (beta - x_0) / beta, beta = -sign(x_0) ||x||,
 *     p = tau C v, w = p - (tau / 2)(p^T v) v, C <- C - v w^T - w v^T on the lower triangle of
 *     C = A(k+1.., k+1..); d_k = a_kk, e_k = beta. The product p of the next step is accumulated
 *     while C is updated (one pass per step).
 *  2. With vectors: Q = H_0 ... H_{n-2} explicitly (backwards, each reflector on its trailing rows).
 *  3. Implicit QL (tql2 / tqli): for each l, sweeps with the shift mu (Wilkinson: the eigenvalue of
 *     the leading 2 x 2 of the unreduced block l..m nearer d_l) chase the bulge from m up to l by
 *     rotations (c, s) of the pairs (i, i+1); deflation |e_i| <= 8 eps ||T||; the rotations rotate
 *     columns (i, i+1) of Z = Q. With vectors the eigenvalues are computed first (values-only QL
 *     on a copy) and each sweep uses the remaining eigenvalue nearest to the Wilkinson shift as a
 *     perfect shift (fewer sweeps); the deflated d_l consumes its nearest remaining eigenvalue. More than 30 n iterations: non-convergence.
 *     (This QL-with-vectors path is kept behind setEighDivideAndConquer(false).)
 *  3'. With vectors (default): Cuppen's divide and conquer on T (Gu & Eisenstat's orthogonal
 *     vectors; see dcSolve below and assembly/tridiagonal.ts): tear at the middle coupling,
 *     leaves of <= 32 by the QL with vectors, merges by deflation, the secular equation (each root
 *     an offset from its nearer pole), z-hat from the roots, and the products with the halves'
 *     vectors on their nonzero row blocks; then V = Q Z by the reflectors of step 1.
 *  4. Values descending (selection sort, vectors with them), divided by the scale.
 */
import { reflector } from "./qr.js";

const EPS = 2 ** -52;
const HYPOT_TINY = 2 ** -900;

export interface EighArrays {
  /** eigenvalues, descending */
  values: Float64Array;
  /** n x n orthonormal eigenvectors, column-major, column i for values[i] (when asked for) */
  vectors?: Float64Array;
  /** QL iterations */
  iterations: number;
}

function pythag(a: number, b: number): number {
  const s = a * a + b * b;
  return s > HYPOT_TINY ? Math.sqrt(s) : Math.hypot(a, b);
}

/** The power of two bringing amax into [1, 2) (1 for 0 / non-finite), as assembly/linalg.ts. */
export function pow2Scale(amax: number): number {
  if (!(amax > 0) || !Number.isFinite(amax)) return 1;
  const e = Math.floor(Math.log2(amax));
  let k = -e;
  // log2 may be off by one near powers of two
  while (amax * 2 ** k >= 2) k--;
  while (amax * 2 ** k < 1) k++;
  return 2 ** Math.min(Math.max(k, -1022), 1022);
}

/** Fused pass over columns j0.. of the lower triangle: A -= v w^T + w v^T, then p2 = A v2. */
function fusedPass(A: Float64Array, n: number, j0: number, v: Float64Array, w: Float64Array, v2: Float64Array, p2: Float64Array): void {
  p2.fill(0, j0, n);
  for (let j = j0; j < n; j++) {
    const wj = w[j] as number, vj = v[j] as number, v2j = v2[j] as number;
    const c = j * n;
    const djj = (A[c + j] as number) - vj * wj - wj * vj;
    A[c + j] = djj;
    let s = 0;
    for (let i = j + 1; i < n; i++) {
      const a = (A[c + i] as number) - (v[i] as number) * wj - (w[i] as number) * vj;
      A[c + i] = a;
      s += a * (v2[i] as number);
      p2[i] = (p2[i] as number) + a * v2j;
    }
    p2[j] = (p2[j] as number) + djj * v2j + s;
  }
}

/** Tridiagonalises A (n x n, lower triangle) in place: d, e (e[n-1] = 0), tau. */
function tridiagonalize(A: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  e[n - 1] = 0;
  if (n === 1) {
    d[0] = A[0] as number;
    return;
  }
  let v = new Float64Array(n), v2 = new Float64Array(n);
  const w = new Float64Array(n), p = new Float64Array(n);
  tau[0] = reflector(A, 1, n - 1);
  e[0] = A[1] as number;
  v2[1] = 1;
  for (let i = 2; i < n; i++) v2[i] = A[i] as number;
  fusedPass(A, n, 1, v, w, v2, p);
  [v, v2] = [v2, v];
  for (let k = 0; k < n - 1; k++) {
    d[k] = A[k * n + k] as number;
    const t = tau[k] as number;
    let pv = 0;
    for (let i = k + 1; i < n; i++) pv += (p[i] as number) * (v[i] as number);
    const alpha = -0.5 * t * t * pv;
    for (let i = k + 1; i < n; i++) w[i] = t * (p[i] as number) + alpha * (v[i] as number);
    const j = k + 1, c = j * n;
    const wj = w[j] as number, vj = v[j] as number;
    for (let i = j; i < n; i++) A[c + i] = (A[c + i] as number) - (v[i] as number) * wj - (w[i] as number) * vj;
    if (k + 2 < n) {
      const len = n - k - 2;
      tau[k + 1] = reflector(A, c + k + 2, len);
      e[k + 1] = A[c + k + 2] as number;
      v2[k + 2] = 1;
      for (let i = k + 3; i < n; i++) v2[i] = A[c + i] as number;
      fusedPass(A, n, k + 2, v, w, v2, p);
      [v, v2] = [v2, v];
    }
  }
  d[n - 1] = A[n * n - 1] as number;
}

/** Q = H_0 ... H_{n-2} (n x n) for the reflectors left in A by tridiagonalize. */
function formQ(A: Float64Array, n: number, tau: Float64Array): Float64Array {
  const Q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) Q[j * n + j] = 1;
  // reflector k acts on rows k+1..: (1, A(k+2.., k)); backwards, columns k+1.. only
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k] as number;
    if (t === 0) continue;
    const vc = k * n;
    for (let c = k + 1; c < n; c++) {
      const qc = c * n;
      let s = Q[qc + k + 1] as number;
      for (let i = k + 2; i < n; i++) s += (A[vc + i] as number) * (Q[qc + i] as number);
      s *= t;
      if (s === 0) continue;
      Q[qc + k + 1] = (Q[qc + k + 1] as number) - s;
      for (let i = k + 2; i < n; i++) Q[qc + i] = (Q[qc + i] as number) - s * (A[vc + i] as number);
    }
  }
  return Q;
}

/** The remaining (non-NaN) entry of shifts nearest to x; remove: mark it used (NaN). */
function nearestShift(shifts: Float64Array, x: number, remove: boolean): number {
  let best = -1, bd = Infinity;
  for (let i = 0; i < shifts.length; i++) {
    const dd = Math.abs((shifts[i] as number) - x);
    if (dd < bd) {
      bd = dd;
      best = i;
    }
  }
  if (best < 0) return x;
  const v = shifts[best] as number;
  if (remove) shifts[best] = NaN;
  return v;
}

/**
 * Implicit QL on the symmetric tridiagonal (d, e) of order n (e[i] couples i and i+1): d <- the
 * eigenvalues (unsorted), e destroyed; rotations applied to the columns of Z (nz rows) when given;
 * shifts: eigenvalues to use as perfect shifts (consumed). Returns iterations, -1 beyond 30 n.
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, n: number, Z?: Float64Array, nz = 0, shifts?: Float64Array): number {
  if (n <= 1) return 0;
  e[n - 1] = 0;
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i] as number) + Math.abs(e[i] as number) + (i > 0 ? Math.abs(e[i - 1] as number) : 0));
  if (tnorm === 0) return 0;
  const tol = 8 * EPS * tnorm;
  const cs = new Float64Array(n), ss = new Float64Array(n);
  let iters = 0;
  const cap = 30 * n;
  for (let l = 0; l < n; l++) {
    for (;;) {
      let m = l;
      while (m < n - 1 && Math.abs(e[m] as number) > tol) m++;
      if (m === l) break;
      if (++iters > cap) return -1;
      const dl = d[l] as number, el = e[l] as number;
      let g = ((d[l + 1] as number) - dl) / (2 * el);
      let r = Math.hypot(g, 1);
      let mu = dl - el / (g + (g >= 0 ? r : -r));
      if (shifts) mu = nearestShift(shifts, mu, false);
      g = (d[m] as number) - mu;
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      let early = false;
      for (; i >= l; i--) {
        const ei = e[i] as number;
        const f = s * ei, b = c * ei;
        r = pythag(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = (d[i + 1] as number) - p;
          e[m] = 0;
          early = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = (d[i + 1] as number) - p;
        r = ((d[i] as number) - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        cs[i] = c;
        ss[i] = s;
      }
      if (Z) {
        for (let q = m - 1; q > i; q--) {
          const cq = cs[q] as number, sq = ss[q] as number;
          const a = q * nz, b = a + nz;
          for (let k = 0; k < nz; k++) {
            const x = Z[a + k] as number, y = Z[b + k] as number;
            Z[b + k] = sq * x + cq * y;
            Z[a + k] = cq * x - sq * y;
          }
        }
      }
      if (early) continue;
      d[l] = (d[l] as number) - p;
      e[l] = g;
      e[m] = 0;
    }
    if (shifts) nearestShift(shifts, d[l] as number, true);
  }
  return iters;
}

/**
 * Eigen-decomposition of the symmetric column-major n x n matrix S (not modified; read as
 * (S + S^T) / 2): values descending, vectors (when asked for) orthonormal.
 */
export function eighTridiagonal(S: Float64Array, n: number, vectors: boolean): EighArrays {
  const values = new Float64Array(n);
  if (n === 0) return { values, vectors: vectors ? new Float64Array(0) : undefined, iterations: 0 };
  let amax = 0;
  for (let i = 0; i < n * n; i++) amax = Math.max(amax, Math.abs(S[i] as number));
  const scale = pow2Scale(amax);
  const A = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) A[j * n + i] = 0.5 * (scale * (S[j * n + i] as number)) + 0.5 * (scale * (S[i * n + j] as number));
  }
  const d = new Float64Array(n), e = new Float64Array(n), tau = new Float64Array(n);
  tridiagonalize(A, n, d, e, tau);
  let iterations: number;
  let Z: Float64Array | undefined;
  const d0 = d.slice(), e0 = e.slice();
  if (vectors && divideAndConquer && dcSolve(d, e, n, (Z = new Float64Array(n * n))) >= 0) {
    applyQ(A, n, tau, Z);
    iterations = 0;
    sortPairsDescending(d, Z, n);
  } else if (vectors) {
    // the QL path (selected, or a leaf of divide and conquer did not converge)
    d.set(d0);
    e.set(e0);
    Z = formQ(A, n, tau);
    const shifts = d.slice();
    iterations = tridiagonalQL(shifts, e.slice(), n);
    if (iterations < 0) return { values, iterations: -1 };
    const it2 = tridiagonalQL(d, e, n, Z, n, shifts);
    if (it2 < 0) return { values, iterations: -1 };
    iterations += it2;
    sortPairsDescending(d, Z, n);
  } else {
    iterations = tridiagonalQL(d, e, n);
    if (iterations < 0) return { values, iterations: -1 };
    sortDescending(d);
  }
  for (let i = 0; i < n; i++) values[i] = (d[i] as number) / scale;
  return { values, vectors: Z, iterations };
}

/** Sorts x descending in place (shell sort, as assembly/tridiagonal.ts). */
export function sortDescending(x: Float64Array): void {
  const n = x.length;
  let gap = 1;
  while (gap < Math.floor(n / 3)) gap = 3 * gap + 1;
  for (; gap >= 1; gap = Math.floor((gap - 1) / 3)) {
    for (let i = gap; i < n; i++) {
      const v = x[i] as number;
      let j = i;
      while (j >= gap && (x[j - gap] as number) < v) {
        x[j] = x[j - gap] as number;
        j -= gap;
      }
      x[j] = v;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Divide and conquer for the eigenvectors of the tridiagonal (Cuppen 1981; Gu & Eisenstat 1995),
// the twin of assembly/tridiagonal.ts dcSolve / dcMerge / secularRoot / applyQ.

/** Blocks of at most this order are solved by the QL iteration with vectors. */
const DC_LEAF = 32;

/** Eigenvectors by divide and conquer (the default) or by the QL run with vectors. */
let divideAndConquer = true;
/** Selection sort of d descending, moving Z's columns with it (ties keep their order). */
function sortPairsDescending(d: Float64Array, Z: Float64Array, n: number): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if ((d[j] as number) > (d[k] as number)) k = j;
    if (k !== i) {
      const t = d[i] as number;
      d[i] = d[k] as number;
      d[k] = t;
      const col = Z.slice(i * n, i * n + n);
      Z.copyWithin(i * n, k * n, k * n + n);
      Z.set(col, k * n);
    }
  }
}

export function setEighDivideAndConquer(on: boolean): void {
  divideAndConquer = on;
}

/**
 * Eigen-decomposition of the tridiagonal (d, e) of order n (d, e destroyed): d <- eigenvalues
 * ascending, Z (n x n, column-major) <- eigenvectors in that order. Returns 0, or -1 if a leaf QL
 * did not converge.
 */
export function dcSolve(d: Float64Array, e: Float64Array, n: number, Z: Float64Array): number {
  Z.fill(0, 0, n * n);
  return dcRecurse(d, e, Z, n, 0, n);
}

function dcRecurse(d: Float64Array, e: Float64Array, Z: Float64Array, n: number, lo: number, m: number): number {
  if (m <= DC_LEAF) {
    const L = new Float64Array(m * m);
    for (let j = 0; j < m; j++) L[j * m + j] = 1;
    const dd = d.subarray(lo, lo + m), ee = e.subarray(lo, lo + m);
    if (m > 1 && tridiagonalQL(dd, ee, m, L, m) < 0) return -1;
    for (let i = 0; i < m - 1; i++) {
      let k = i;
      for (let j = i + 1; j < m; j++) if ((dd[j] as number) < (dd[k] as number)) k = j;
      if (k !== i) {
        const t = dd[i] as number;
        dd[i] = dd[k] as number;
        dd[k] = t;
        for (let r = 0; r < m; r++) {
          const x = L[i * m + r] as number;
          L[i * m + r] = L[k * m + r] as number;
          L[k * m + r] = x;
        }
      }
    }
    for (let j = 0; j < m; j++) Z.set(L.subarray(j * m, j * m + m), (lo + j) * n + lo);
    return 0;
  }
  const k = m >> 1;
  const beta = e[lo + k - 1] as number;
  const ab = Math.abs(beta);
  d[lo + k - 1] = (d[lo + k - 1] as number) - ab;
  d[lo + k] = (d[lo + k] as number) - ab;
  if (dcRecurse(d, e, Z, n, lo, k) < 0) return -1;
  if (dcRecurse(d, e, Z, n, lo + k, m - k) < 0) return -1;
  dcMerge(d, lo, Z, n, m, k, beta);
  return 0;
}

/**
 * Merge of the block lo..lo+m-1 (halves of n1 and m - n1, each solved: eigenvalues ascending in d,
 * eigenvectors in the diagonal blocks of Z): T = Zb (D + rho z z^T) Zb^T, z = (last row of Q1,
 * sign(beta) first row of Q2) / sqrt 2, rho = 2 |beta|; deflation, secular equation, z-hat, Zb U.
 */
function dcMerge(d: Float64Array, lo: number, Z: Float64Array, n: number, m: number, n1: number, beta: number): void {
  const zb = (i: number, j: number): number => (lo + j) * n + lo + i; // index of Zb(i, j)
  const rho = 2 * Math.abs(beta);
  const sg = beta >= 0 ? 1 : -1;
  const z = new Float64Array(m), dl = new Float64Array(m);
  const typ = new Int32Array(m), perm = new Int32Array(m);
  for (let i = 0; i < n1; i++) z[i] = Math.SQRT1_2 * (Z[zb(n1 - 1, i)] as number);
  for (let i = n1; i < m; i++) z[i] = sg * Math.SQRT1_2 * (Z[zb(n1, i)] as number);
  let dmax = 0;
  for (let i = 0; i < m; i++) {
    dl[i] = d[lo + i] as number;
    dmax = Math.max(dmax, Math.abs(dl[i] as number));
    typ[i] = i < n1 ? 1 : 3;
  }
  for (let p = 0, a = 0, b = n1; p < m; p++) {
    if (b >= m || (a < n1 && (dl[a] as number) <= (dl[b] as number))) perm[p] = a++;
    else perm[p] = b++;
  }
  const tol = 8 * EPS * Math.max(dmax, rho);
  const nd: number[] = [], df: number[] = [];
  let prev = -1;
  for (let p = 0; p < m; p++) {
    const j = perm[p] as number;
    const zj = z[j] as number;
    if (rho * Math.abs(zj) <= tol) {
      df.push(j);
      continue;
    }
    if (prev < 0) {
      prev = j;
      continue;
    }
    const zp = z[prev] as number;
    const tau = Math.hypot(zp, zj);
    const c = zj / tau, s = zp / tau;
    const dp = dl[prev] as number, dj = dl[j] as number;
    if (Math.abs(c * s * (dj - dp)) <= tol) {
      for (let r = 0; r < m; r++) {
        const x = Z[zb(r, prev)] as number, y = Z[zb(r, j)] as number;
        Z[zb(r, prev)] = c * x - s * y;
        Z[zb(r, j)] = s * x + c * y;
      }
      if (typ[prev] !== typ[j]) typ[prev] = typ[j] = 2;
      z[j] = tau;
      z[prev] = 0;
      dl[prev] = c * c * dp + s * s * dj;
      dl[j] = s * s * dp + c * c * dj;
      df.push(prev);
      prev = j;
    } else {
      nd.push(prev);
      prev = j;
    }
  }
  if (prev >= 0) nd.push(prev);
  const K = nd.length, nD = df.length;
  const dK = Float64Array.from(nd, (j) => dl[j] as number), zK = Float64Array.from(nd, (j) => z[j] as number);
  const X = new Float64Array(K * K), lam = new Float64Array(K);
  for (let i = 0; i < K; i++) secularRoot(dK, zK, K, rho, i, X.subarray(i * K, i * K + K), lam);
  // Gu-Eisenstat z-hat, by columns j of X: row i gets X(i, j) / (d_i - d_j)
  const zh = new Float64Array(K);
  for (let i = 0; i < K; i++) zh[i] = -(X[i * K + i] as number) / rho;
  for (let j = 0; j < K; j++) {
    const keep = zh[j] as number, dj = dK[j] as number;
    for (let i = 0; i < K; i++) zh[i] = (zh[i] as number) * ((X[j * K + i] as number) / ((dK[i] as number) - dj));
    zh[j] = keep;
  }
  for (let i = 0; i < K; i++) {
    const h = Math.sqrt(Math.max(zh[i] as number, 0));
    zh[i] = (zK[i] as number) >= 0 ? h : -h;
  }
  const ord: number[] = [];
  for (let t = 1; t <= 3; t++) for (let i = 0; i < K; i++) if (typ[nd[i] as number] === t) ord.push(i);
  let c1 = 0, c12 = 0;
  for (const i of ord) {
    const t = typ[nd[i] as number];
    if (t === 1) c1++;
    if (t !== 3) c12++;
  }
  // Y (K x K): column j = zhat ./ (dK - lambda_j), normalised, rows in gather order
  const Y = new Float64Array(K * K), ws = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    let s = 0;
    for (let i = 0; i < K; i++) {
      const v = (zh[i] as number) / (X[j * K + i] as number);
      ws[i] = v;
      s += v * v;
    }
    const f = 1 / Math.sqrt(s);
    for (let q = 0; q < K; q++) Y[j * K + q] = f * (ws[ord[q] as number] as number);
  }
  // G (m x m): gathered non-deflated columns, then the deflated ones (values ascending)
  const G = new Float64Array(m * m);
  for (let q = 0; q < K; q++) {
    const src = nd[ord[q] as number] as number;
    for (let r = 0; r < m; r++) G[q * m + r] = Z[zb(r, src)] as number;
  }
  for (let r = 1; r < nD; r++) {
    const j = df[r] as number, v = dl[j] as number;
    let q = r;
    while (q > 0 && (dl[df[q - 1] as number] as number) > v) {
      df[q] = df[q - 1] as number;
      q--;
    }
    df[q] = j;
  }
  for (let r = 0; r < nD; r++) {
    const src = df[r] as number;
    for (let i = 0; i < m; i++) G[(K + r) * m + i] = Z[zb(i, src)] as number;
  }
  // O (m x K): top rows from the columns of types 1-2, bottom rows from types 2-3
  const O = new Float64Array(m * K);
  for (let j = 0; j < K; j++) {
    productColumn(G, m, Y, j * K, 0, c12, O, j * m, 0, n1);
    productColumn(G, m, Y, j * K, c1, K, O, j * m, n1, m);
  }
  for (let c = 0, a = 0, b = 0; c < m; c++) {
    let src: Float64Array, off: number;
    if (b >= nD || (a < K && (lam[a] as number) <= (dl[df[b] as number] as number))) {
      d[lo + c] = lam[a] as number;
      src = O;
      off = a * m;
      a++;
    } else {
      d[lo + c] = dl[df[b] as number] as number;
      src = G;
      off = (K + b) * m;
      b++;
    }
    Z.set(src.subarray(off, off + m), zb(0, c));
  }
}

/** O[o + r] += sum_{q0 <= q < q1} G[q m + r] Y[y + q] for rows r0..r1-1 (columns of G four at a time). */
function productColumn(G: Float64Array, m: number, Y: Float64Array, y: number, q0: number, q1: number, O: Float64Array, o: number, r0: number, r1: number): void {
  let q = q0;
  for (; q + 4 <= q1; q += 4) {
    const y0 = Y[y + q] as number, y1 = Y[y + q + 1] as number, y2 = Y[y + q + 2] as number, y3 = Y[y + q + 3] as number;
    const g0 = q * m, g1 = g0 + m, g2 = g1 + m, g3 = g2 + m;
    for (let r = r0; r < r1; r++) {
      O[o + r] = (O[o + r] as number) + (G[g0 + r] as number) * y0 + (G[g1 + r] as number) * y1 + (G[g2 + r] as number) * y2 + (G[g3 + r] as number) * y3;
    }
  }
  for (; q < q1; q++) {
    const yq = Y[y + q] as number, g = q * m;
    for (let r = r0; r < r1; r++) O[o + r] = (O[o + r] as number) + (G[g + r] as number) * yq;
  }
}

/** (sum z_j^2 / (delta_j - x), sum z_j^2 / (delta_j - x)^2) over j0..j1-1, pairs then the tail (as the SIMD twin). */
function secularSums(z: Float64Array, delta: Float64Array, j0: number, j1: number, x: number): [number, number] {
  let a0 = 0, a1 = 0, b0 = 0, b1 = 0;
  let j = j0;
  for (; j + 2 <= j1; j += 2) {
    const z0 = z[j] as number, z1 = z[j + 1] as number;
    const t0 = z0 / ((delta[j] as number) - x), t1 = z1 / ((delta[j + 1] as number) - x);
    a0 += z0 * t0;
    a1 += z1 * t1;
    b0 += t0 * t0;
    b1 += t1 * t1;
  }
  let s0 = a0 + a1, s1 = b0 + b1;
  if (j < j1) {
    const zj = z[j] as number;
    const t = zj / ((delta[j] as number) - x);
    s0 += zj * t;
    s1 += t * t;
  }
  return [s0, s1];
}

/**
 * Root i of 1 + rho sum z_j^2 / (d_j - l) = 0 as an offset from the nearer pole (see the wasm
 * twin): delta (K) <- d_j - lambda_i, lam[i] <- lambda_i.
 */
function secularRoot(dK: Float64Array, zK: Float64Array, K: number, rho: number, i: number, delta: Float64Array, lam: Float64Array): void {
  if (K === 1) {
    const z0 = zK[0] as number;
    const t = rho * z0 * z0;
    delta[0] = -t;
    lam[0] = (dK[0] as number) + t;
    return;
  }
  const last = i === K - 1;
  let o = i, lo = 0, hi = 0, x = 0;
  if (!last) {
    const gap = (dK[i + 1] as number) - (dK[i] as number);
    const h = 0.5 * gap;
    const dI = dK[i] as number;
    for (let j = 0; j < K; j++) delta[j] = (dK[j] as number) - dI;
    const f = 1 + rho * (secularSums(zK, delta, 0, K, h)[0] as number);
    const zi = zK[i] as number, zi1 = zK[i + 1] as number;
    const A = rho * zi * zi, B = rho * zi1 * zi1;
    const c = f - A / -h - B / h;
    let a: number, b: number;
    if (f >= 0) {
      o = i; lo = 0; hi = h; a = 0; b = gap;
    } else {
      o = i + 1; lo = -h; hi = 0; a = -gap; b = 0;
    }
    x = 0.5 * (lo + hi);
    const qb = c * (a + b) + A + B, qc = c * a * b + A * b + B * a;
    let r = NaN;
    if (c === 0) r = qc / qb;
    else {
      const sq = Math.sqrt(Math.max(qb * qb - 4 * c * qc, 0));
      const r1 = (qb + (qb >= 0 ? sq : -sq)) / (2 * c);
      const r2 = r1 !== 0 ? qc / (c * r1) : NaN;
      r = r1 > lo && r1 < hi ? r1 : r2;
    }
    if (r > lo && r < hi) x = r;
  } else {
    let s = 0;
    for (let j = 0; j < K; j++) s += (zK[j] as number) * (zK[j] as number);
    lo = 0;
    hi = rho * s;
    x = 0.5 * hi;
  }
  const dO = dK[o] as number;
  if (last || o !== i) for (let j = 0; j < K; j++) delta[j] = (dK[j] as number) - dO;
  const dA = delta[i] as number;
  const dB = last ? 0 : (delta[i + 1] as number);
  for (let it = 0; it < 200; it++) {
    const [sp0, sp1] = secularSums(zK, delta, 0, i + 1, x);
    const [sq0, sq1] = secularSums(zK, delta, i + 1, K, x);
    const psi = rho * sp0, dpsi = rho * sp1, phi = rho * sq0, dphi = rho * sq1;
    const f = 1 + psi + phi;
    if (Math.abs(f) <= 8 * EPS * (1 + Math.abs(psi) + Math.abs(phi))) break;
    if (f < 0) lo = x;
    else hi = x;
    const da = dA - x;
    let eta = NaN;
    if (last) {
      const c = f - dpsi * da;
      const S = dpsi * da * da;
      if (c > 0) eta = da + S / c;
    } else {
      const db = dB - x;
      const S = dpsi * da * da, T = dphi * db * db;
      const c = f - dpsi * da - dphi * db;
      const B = c * (da + db) + S + T;
      const C = da * db * f;
      if (c === 0) eta = C / B;
      else {
        const sq = Math.sqrt(Math.max(B * B - 4 * c * C, 0));
        const r1 = (B + (B >= 0 ? sq : -sq)) / (2 * c);
        const r2 = r1 !== 0 ? C / (c * r1) : NaN;
        if (r1 > da && r1 < db) eta = r1;
        else if (r2 > da && r2 < db) eta = r2;
      }
    }
    let xn = x + eta;
    if (!(xn > lo && xn < hi)) {
      xn = 0.5 * (lo + hi);
      if (!(xn > lo && xn < hi)) break; // the bracket cannot be split further
    }
    if (xn === x || Math.abs(xn - x) <= EPS * Math.abs(xn)) {
      x = xn;
      break;
    }
    x = xn;
    if (hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) break;
  }
  for (let j = 0; j < K; j++) delta[j] = (delta[j] as number) - x;
  lam[i] = dO + x;
}

/**
 * Z (n x n) <- Q Z for the reflectors left in A by tridiagonalize, backwards two at a time:
 * H_{k-1} H_k z = z - a1 v_k - a0 v_{k-1} with a1 = tau_k (v_k . z),
 * a0 = tau_{k-1} (v_{k-1} . z - a1 (v_{k-1} . v_k)) (one pass for both dot products, one update).
 */
function applyQ(A: Float64Array, n: number, tau: Float64Array, Z: Float64Array): void {
  let k = n - 3;
  for (; k >= 1; k -= 2) {
    // v1 = v_k: 1 at row k+1, A(i, k) below; v0 = v_{k-1}: 1 at row k, A(i, k-1) below
    const t1 = tau[k] as number, t0 = tau[k - 1] as number;
    if (t1 === 0 && t0 === 0) continue;
    const c1 = k * n, c0 = (k - 1) * n;
    const v0k1 = A[c0 + k + 1] as number;
    let p = v0k1;
    for (let i = k + 2; i < n; i++) p += (A[c0 + i] as number) * (A[c1 + i] as number);
    for (let c = 0; c < n; c++) {
      const qc = c * n;
      const zk = Z[qc + k] as number, zk1 = Z[qc + k + 1] as number;
      let s1 = zk1, s0 = zk + v0k1 * zk1;
      for (let i = k + 2; i < n; i++) {
        const z = Z[qc + i] as number;
        s1 += (A[c1 + i] as number) * z;
        s0 += (A[c0 + i] as number) * z;
      }
      const a1 = t1 * s1;
      const a0 = t0 * (s0 - a1 * p);
      if (a1 === 0 && a0 === 0) continue;
      Z[qc + k] = zk - a0;
      Z[qc + k + 1] = zk1 - a1 - a0 * v0k1;
      for (let i = k + 2; i < n; i++) Z[qc + i] = (Z[qc + i] as number) - a1 * (A[c1 + i] as number) - a0 * (A[c0 + i] as number);
    }
  }
  if (k === 0) {
    const t = tau[0] as number;
    if (t === 0) return;
    for (let c = 0; c < n; c++) {
      const qc = c * n;
      let s = Z[qc + 1] as number;
      for (let i = 2; i < n; i++) s += (A[i] as number) * (Z[qc + i] as number);
      s *= t;
      if (s === 0) continue;
      Z[qc + 1] = (Z[qc + 1] as number) - s;
      for (let i = 2; i < n; i++) Z[qc + i] = (Z[qc + i] as number) - s * (A[i] as number);
    }
  }
}
