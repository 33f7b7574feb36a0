/**
 * Column preparation: scale every activation vector to unit Euclidean norm in place, as the
 * subspace match requires (the reference scales columns before its rank cut-off; dead columns,
 * norm <= deadNorm, are zeroed). Column-major d x n with leading dimension ld; norms out (n f64).
 */
import { nrm2, scal } from "./blas";

export function normalizeColumns(Z: usize, ld: i32, d: i32, n: i32, norms: usize, deadNorm: f64): void {
  for (let j = 0; j < n; j++) {
    const col = Z + ((<usize>j * <usize>ld) << 3);
    const v = nrm2(col, d);
    store<f64>(norms + (<usize>j << 3), v);
    if (v > deadNorm) scal(1 / v, col, d);
    else memory.fill(col, 0, <usize>d << 3);
  }
}
