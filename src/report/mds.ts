/**
 * Classical (Torgerson) multidimensional scaling for the path plot: a small symmetric eigen-solver
 * (cyclic Jacobi) and the 2-D embedding of a distance matrix. Pure, deterministic, dependency-free.
 *
 * B = -1/2 J D^2 J with J = I - 11^T / n (double-centred squared distances); B = V diag(lambda) V^T;
 * coordinates X = V_k diag(sqrt(max(lambda_k, 0))) for the k largest eigenvalues. When D is exactly
 * Euclidean in k dimensions, the embedding reproduces D up to rotation, reflection and translation.
 * For a non-Euclidean D (e.g. angular distances on a sphere) B has negative eigenvalues and the
 * embedding is the best rank-k approximation of B; `explained` reports how much is captured.
 */

export interface EigenResult {
  /** eigenvalues, descending */
  values: number[];
  /** vectors[k] = unit eigenvector of values[k]; the largest-magnitude entry is made positive */
  vectors: number[][];
}

/**
 * All eigenpairs of a real symmetric matrix by cyclic Jacobi rotations (the input is symmetrised as
 * (A + A^T) / 2 and not modified). Converges quadratically; stops when the off-diagonal mass is
 * below 1e-30 of the total, or after 100 sweeps.
 */
export function symmetricEigen(input: readonly (readonly number[])[]): EigenResult {
  const n = input.length;
  const a: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push(0.5 * (input[i]![j]! + input[j]![i]!));
    a.push(row);
  }
  const v: number[][] = [];
  for (let i = 0; i < n; i++) v.push(Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) total += a[i]![j]! * a[i]![j]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! * a[p]![q]!;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        // rotation J (J_pp = J_qq = c, J_pq = s, J_qp = -s) with (J^T A J)_pq = 0:
        // cot(2 phi) = tau = (a_qq - a_pp) / (2 a_pq), t = tan(phi) the smaller root of t^2 + 2 tau t - 1
        const tau = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(tau * tau + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        a[p]![q] = 0;
        a[q]![p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j]![j]! - a[i]![i]! || i - j);
  const values = order.map((i) => a[i]![i]!);
  const vectors = order.map((col) => {
    const vec = v.map((row) => row[col]!);
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(vec[k]!) > Math.abs(vec[big]!) + 1e-12) big = k;
    return n > 0 && vec[big]! < 0 ? vec.map((x) => -x) : vec;
  });
  return { values, vectors };
}

export interface MdsResult {
  /** points[i] = coordinates of item i (length `dims`) */
  points: number[][];
  /** all eigenvalues of the double-centred matrix B, descending */
  eigenvalues: number[];
  /** sum of the kept positive eigenvalues / sum of all positive eigenvalues (1 when all are 0) */
  explained: number;
}

/**
 * Classical MDS of a square distance matrix (symmetrised; the diagonal is ignored and taken as 0).
 * Throws a RangeError for a non-square matrix or a non-finite or negative distance.
 */
export function classicalMds(distances: readonly (readonly number[])[], dims = 2): MdsResult {
  const n = distances.length;
  for (let i = 0; i < n; i++) {
    const row = distances[i];
    if (!Array.isArray(row) || row.length !== n) throw new RangeError(`expected a square ${n} x ${n} distance matrix, row ${i} has ${Array.isArray(row) ? row.length : "no"} entries`);
    for (let j = 0; j < n; j++) {
      const d = row[j];
      if (i !== j && (typeof d !== "number" || !Number.isFinite(d) || d < 0)) throw new RangeError(`expected finite non-negative distances, got ${String(d)} at (${i}, ${j})`);
    }
  }
  // squared, symmetrised distances
  const d2: number[][] = [];
  for (let i = 0; i < n; i++) {
    d2.push([]);
    for (let j = 0; j < n; j++) {
      const d = i === j ? 0 : 0.5 * (distances[i]![j]! + distances[j]![i]!);
      d2[i]!.push(d * d);
    }
  }
  const rowMean = d2.map((r) => r.reduce((s, x) => s + x, 0) / n);
  const grand = rowMean.reduce((s, x) => s + x, 0) / Math.max(1, n);
  const b = d2.map((r, i) => r.map((x, j) => -0.5 * (x - rowMean[i]! - rowMean[j]! + grand)));
  const { values, vectors } = symmetricEigen(b);
  const points = Array.from({ length: n }, () => new Array<number>(dims).fill(0));
  for (let k = 0; k < Math.min(dims, n); k++) {
    const scale = Math.sqrt(Math.max(0, values[k]!));
    for (let i = 0; i < n; i++) points[i]![k] = vectors[k]![i]! * scale;
  }
  const positive = values.reduce((s, x) => s + Math.max(0, x), 0);
  const kept = values.slice(0, dims).reduce((s, x) => s + Math.max(0, x), 0);
  return { points, eigenvalues: values, explained: positive > 0 ? kept / positive : 1 };
}
