/**
 * Dense products of the pure-TypeScript Linalg (src/js/linalg.ts) on column-major Float64Arrays:
 * transposes and the two matrix products the measures use. Plain loops, but tiled so that each value
 * loaded is used more than once (2 x 2 dot-product tiles for A^T B; two-column axpys for A B).
 */

/** Column-major rows x cols -> its transpose (cols x rows), in 32 x 32 tiles. */
export function transpose(A: Float64Array, rows: number, cols: number): Float64Array {
  const T = new Float64Array(rows * cols);
  const B = 32;
  for (let j0 = 0; j0 < cols; j0 += B) {
    const j1 = Math.min(cols, j0 + B);
    for (let i0 = 0; i0 < rows; i0 += B) {
      const i1 = Math.min(rows, i0 + B);
      for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) T[i * cols + j] = A[j * rows + i] as number;
    }
  }
  return T;
}

/** C (m x n) = A (m x k) B (k x n), all column-major: C_j = sum_l A_l B_lj (axpys on columns). */
export function multiply(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    let l = 0;
    for (; l + 1 < k; l += 2) {
      const b0 = B[j * k + l] as number, b1 = B[j * k + l + 1] as number;
      if (b0 === 0 && b1 === 0) continue;
      const a0 = l * m, a1 = a0 + m;
      for (let i = 0; i < m; i++) C[cj + i] = (C[cj + i] as number) + b0 * (A[a0 + i] as number) + b1 * (A[a1 + i] as number);
    }
    if (l < k) {
      const b0 = B[j * k + l] as number;
      if (b0 !== 0) {
        const a0 = l * m;
        for (let i = 0; i < m; i++) C[cj + i] = (C[cj + i] as number) + b0 * (A[a0 + i] as number);
      }
    }
  }
  return C;
}

/**
 * C (p x q) = A^T B for column-major A (d x p) and B (d x q): every entry a dot product of two
 * contiguous columns, computed in 2 x 2 tiles (four dot products share each pass over the data).
 */
export function multiplyTN(A: Float64Array, d: number, p: number, B: Float64Array, q: number): Float64Array {
  const C = new Float64Array(p * q);
  let j = 0;
  for (; j + 1 < q; j += 2) {
    const b0 = j * d, b1 = b0 + d;
    let i = 0;
    for (; i + 1 < p; i += 2) {
      const a0 = i * d, a1 = a0 + d;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let k = 0; k < d; k++) {
        const x0 = A[a0 + k] as number, x1 = A[a1 + k] as number;
        const y0 = B[b0 + k] as number, y1 = B[b1 + k] as number;
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      C[j * p + i] = s00; C[(j + 1) * p + i] = s01; C[j * p + i + 1] = s10; C[(j + 1) * p + i + 1] = s11;
    }
    if (i < p) {
      const a0 = i * d;
      let s0 = 0, s1 = 0;
      for (let k = 0; k < d; k++) {
        const x = A[a0 + k] as number;
        s0 += x * (B[b0 + k] as number); s1 += x * (B[b1 + k] as number);
      }
      C[j * p + i] = s0; C[(j + 1) * p + i] = s1;
    }
  }
  if (j < q) {
    const b0 = j * d;
    for (let i = 0; i < p; i++) {
      const a0 = i * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += (A[a0 + k] as number) * (B[b0 + k] as number);
      C[j * p + i] = s;
    }
  }
  return C;
}
