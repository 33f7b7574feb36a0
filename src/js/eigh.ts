/**
 * Symmetric eigendecomposition by the cyclic Jacobi method (Jacobi 1846; Rutishauser's
 * formulation, Golub & Van Loan, "Matrix Computations", 4th ed., sec. 8.5; Demmel & Veselic 1992
 * for the relative stopping test) for the pure-TypeScript backend.
 *
 * The math, for a symmetric n x n matrix A (column-major, both triangles stored):
 *
 *  for each pair p < q in row-cyclic order, when |a_pq| > tol sqrt(|a_pp a_qq|) (or a diagonal entry
 *  is 0 and a_pq != 0), apply the rotation J (c, s in the (p, q) plane) with A <- J^T A J that zeroes
 *  a_pq:
 *      theta = (a_qq - a_pp) / (2 a_pq),  t = sign(theta) / (|theta| + sqrt(1 + theta^2)),
 *      c = 1 / sqrt(1 + t^2),  s = c t,
 *      a_kp <- c a_kp - s a_kq,  a_kq <- s a_kp + c a_kq   (k != p, q; mirrored to the rows)
 *      a_pp <- a_pp - t a_pq,    a_qq <- a_qq + t a_pq,    a_pq <- 0,
 *  and accumulate V <- V J. Sweeps repeat until one rotates nothing (tol = n * 2^-52; quadratic
 *  convergence). Then A = V diag(a_11, ..., a_nn) V^T. Eigenvalues are returned descending (ties by
 *  index), column i of the vectors belonging to values[i].
 */

const EPS = 2 ** -52;
const MAX_SWEEPS = 100;

export interface EighArrays {
  /** eigenvalues, descending */
  values: Float64Array;
  /** n x n orthonormal eigenvectors, column-major, column i for values[i] */
  vectors: Float64Array;
}

/** Eigen-decomposition of the symmetric column-major n x n matrix S (not modified). */
export function eighJacobi(S: Float64Array, n: number): EighArrays {
  const A = S.slice();
  // symmetrise exactly (the caller's matrix may carry rounding asymmetry from a product)
  for (let j = 0; j < n; j++) {
    for (let i = j + 1; i < n; i++) {
      const v = 0.5 * ((A[j * n + i] as number) + (A[i * n + j] as number));
      A[j * n + i] = v;
      A[i * n + j] = v;
    }
  }
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  const tol = Math.max(n, 1) * EPS;

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[q * n + p] as number;
        if (apq === 0) continue;
        const app = A[p * n + p] as number, aqq = A[q * n + q] as number;
        if (!(Math.abs(apq) > tol * Math.sqrt(Math.abs(app)) * Math.sqrt(Math.abs(aqq)))) continue;
        rotated++;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 0.5 / theta : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        const cp = p * n, cq = q * n;
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = A[cp + k] as number, akq = A[cq + k] as number;
          const np = c * akp - s * akq;
          const nq = s * akp + c * akq;
          A[cp + k] = np;
          A[cq + k] = nq;
          A[k * n + p] = np;
          A[k * n + q] = nq;
        }
        A[cp + p] = app - t * apq;
        A[cq + q] = aqq + t * apq;
        A[cq + p] = 0;
        A[cp + q] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = V[cp + k] as number, vkq = V[cq + k] as number;
          V[cp + k] = c * vkp - s * vkq;
          V[cq + k] = s * vkp + c * vkq;
        }
      }
    }
    if (rotated === 0) break;
  }

  const diag = Float64Array.from({ length: n }, (_, i) => A[i * n + i] as number);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (diag[j] as number) - (diag[i] as number) || i - j);
  const values = Float64Array.from(order, (i) => diag[i] as number);
  const vectors = new Float64Array(n * n);
  order.forEach((i, c) => vectors.set(V.subarray(i * n, i * n + n), c * n));
  return { values, vectors };
}
