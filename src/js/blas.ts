/**
 * Dense kernels of the pure-TypeScript backend: plain loops over Float64Array, column-major with a
 * leading dimension (element (i, j) of A at A[off + j*ld + i]). Straightforward but not naive: the
 * Gram product works on 2 x 2 column tiles so each loaded value is used twice.
 */

/** G (n x n, both triangles, row stride n) = Z^T Z for the column-major d x n matrix Z. */
export function syrk(Z: Float64Array, ld: number, d: number, n: number, G: Float64Array): void {
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const b0 = j * ld;
    const b1 = b0 + ld;
    let i = 0;
    for (; i + 1 <= j; i += 2) {
      const a0 = i * ld;
      const a1 = a0 + ld;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let k = 0; k < d; k++) {
        const x0 = Z[a0 + k] as number, x1 = Z[a1 + k] as number;
        const y0 = Z[b0 + k] as number, y1 = Z[b1 + k] as number;
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      G[i * n + j] = s00; G[i * n + j + 1] = s01; G[(i + 1) * n + j] = s10; G[(i + 1) * n + j + 1] = s11;
    }
    // diagonal 2 x 2 block (i == j)
    let s00 = 0, s01 = 0, s11 = 0;
    for (let k = 0; k < d; k++) {
      const y0 = Z[b0 + k] as number, y1 = Z[b1 + k] as number;
      s00 += y0 * y0; s01 += y0 * y1; s11 += y1 * y1;
    }
    G[j * n + j] = s00; G[j * n + j + 1] = s01; G[(j + 1) * n + j + 1] = s11;
  }
  if (j < n) {
    const b0 = j * ld;
    for (let i = 0; i <= j; i++) G[i * n + j] = dot(Z, i * ld, Z, b0, d);
  }
  for (let r = 0; r < n; r++) for (let c = 0; c < r; c++) G[r * n + c] = G[c * n + r] as number;
}

export function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += (x[xo + k] as number) * (y[yo + k] as number);
  return s;
}

/** Euclidean norm of x[xo .. xo+len), scaled against overflow and underflow. */
export function nrm2(x: Float64Array, xo: number, len: number): number {
  let scale = 0;
  for (let k = 0; k < len; k++) {
    const v = Math.abs(x[xo + k] as number);
    if (v > scale) scale = v;
  }
  if (scale === 0) return 0;
  const inv = 1 / scale;
  let s = 0;
  for (let k = 0; k < len; k++) {
    const v = (x[xo + k] as number) * inv;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

/**
 * Scales every column of the column-major d x n matrix Z to unit norm in place (norms out); columns
 * with norm <= deadNorm are zeroed (twin of assembly/columns.ts).
 */
export function normalizeColumns(Z: Float64Array, ld: number, d: number, n: number, norms: Float64Array, deadNorm: number): void {
  for (let j = 0; j < n; j++) {
    const o = j * ld;
    const v = nrm2(Z, o, d);
    norms[j] = v;
    if (v > deadNorm) {
      const s = 1 / v;
      for (let i = o; i < o + d; i++) Z[i] = (Z[i] as number) * s;
    } else Z.fill(0, o, o + d);
  }
}
