/**
 * Pure-TypeScript twins of assembly/cholqr.ts, the triangular kernels of CholeskyQR2 (Fukaya et al.
 * 2014; the driver is src/measures/basis.ts). Column-major n x n arrays. The product X U with U
 * upper triangular is src/js/dense.ts multiply, which skips U's zero entries.
 */

/**
 * R with G = R^T R (upper, strict lower zero) from the symmetric n x n G (read from its upper
 * triangle), in the inner-product column order of the WASM kernel; null when a pivot is not
 * positive and finite (G not numerically positive definite).
 */
export function choleskyUpper(G: Float64Array, n: number): Float64Array | null {
  const R = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) R[j * n + i] = G[j * n + i] as number;
  for (let j = 0; j < n; j++) {
    const cj = j * n;
    let s = 0;
    for (let k = 0; k < j; k++) s += (R[cj + k] as number) ** 2;
    const piv = (R[cj + j] as number) - s;
    if (!(piv > 0) || !Number.isFinite(piv)) return null;
    const rjj = Math.sqrt(piv);
    R[cj + j] = rjj;
    const inv = 1 / rjj;
    for (let i = j + 1; i < n; i++) {
      const ci = i * n;
      let t = 0;
      for (let k = 0; k < j; k++) t += (R[cj + k] as number) * (R[ci + k] as number);
      R[ci + j] = ((R[ci + j] as number) - t) * inv;
    }
  }
  return R;
}

/** R^-1 of the upper triangular n x n R (non-zero diagonal), upper triangular. */
export function invertUpper(R: Float64Array, n: number): Float64Array {
  const X = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const x = j * n;
    X[x + j] = 1;
    for (let k = j; k >= 0; k--) {
      const ck = k * n;
      const xk = (X[x + k] as number) / (R[ck + k] as number);
      X[x + k] = xk;
      for (let i = 0; i < k; i++) X[x + i] = (X[x + i] as number) - xk * (R[ck + i] as number);
    }
  }
  return X;
}
