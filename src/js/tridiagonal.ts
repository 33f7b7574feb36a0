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
 *  4. Values descending (selection sort, vectors with them), divided by the scale.
 */

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

/** Euclidean norm of x[o .. o+len), scaled against overflow and underflow. */
function norm(x: Float64Array, o: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += (x[o + k] as number) ** 2;
  if (s >= 2 ** -600 && s < Infinity) return Math.sqrt(s);
  let amax = 0;
  for (let k = 0; k < len; k++) amax = Math.max(amax, Math.abs(x[o + k] as number));
  if (amax === 0 || amax === Infinity) return amax;
  let t = 0;
  for (let k = 0; k < len; k++) t += ((x[o + k] as number) / amax) ** 2;
  return amax * Math.sqrt(t);
}

/** dlarfg on x[o .. o+len): x[o] <- beta, x(o+1..) <- v(1..) (v_0 = 1). Returns tau. */
export function reflector(x: Float64Array, o: number, len: number): number {
  if (len <= 1) return 0;
  const alpha = x[o] as number;
  const xnorm = norm(x, o + 1, len - 1);
  if (xnorm === 0) return 0;
  const beta = -(alpha < 0 ? -1 : 1) * Math.hypot(alpha, xnorm);
  const f = 1 / (alpha - beta);
  for (let i = o + 1; i < o + len; i++) x[i] = (x[i] as number) * f;
  x[o] = beta;
  return (beta - alpha) / beta;
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
  if (vectors) {
    Z = formQ(A, n, tau);
    const shifts = d.slice();
    iterations = tridiagonalQL(shifts, e.slice(), n);
    if (iterations < 0) return { values, iterations: -1 };
    const it2 = tridiagonalQL(d, e, n, Z, n, shifts);
    if (it2 < 0) return { values, iterations: -1 };
    iterations += it2;
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
