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

/** Tile edge of the blocked transposes: a 32 x 32 tile of f64 (8 KiB) stays in L1. */
const TT: i32 = 32;

/**
 * Transposes a row-major rows x cols f64 matrix at src into the column-major matrix at dst (leading
 * dimension ld >= rows): dst[i + j*ld] = src[i*cols + j]. Blocked in TT x TT tiles; inside a tile,
 * 2 x 2 blocks move as two f64x2 loads, two shuffles and two stores (pure data movement, so the
 * bits are those of the element-wise copy); an odd last row or column goes element by element.
 */
export function transposeF64(src: usize, rows: i32, cols: i32, dst: usize, ld: i32): void {
  const rs = <usize>cols << 3; // bytes per source row
  for (let i0 = 0; i0 < rows; i0 += TT) {
    const i1 = min(i0 + TT, rows);
    const i2 = i0 + ((i1 - i0) & ~1); // end of the row pairs
    for (let j0 = 0; j0 < cols; j0 += TT) {
      const j1 = min(j0 + TT, cols);
      const j2 = j0 + ((j1 - j0) & ~1);
      for (let j = j0; j < j2; j += 2) {
        const d0 = dst + ((<usize>j * <usize>ld) << 3);
        const d1 = d0 + (<usize>ld << 3);
        for (let i = i0; i < i2; i += 2) {
          const s0 = src + <usize>i * rs + (<usize>j << 3);
          const a = v128.load(s0); // row i:   (i, j), (i, j+1)
          const b = v128.load(s0 + rs); // row i+1: (i+1, j), (i+1, j+1)
          v128.store(d0 + (<usize>i << 3), v128.shuffle<f64>(a, b, 0, 2));
          v128.store(d1 + (<usize>i << 3), v128.shuffle<f64>(a, b, 1, 3));
        }
        for (let i = i2; i < i1; i++) {
          const s0 = src + <usize>i * rs + (<usize>j << 3);
          store<f64>(d0 + (<usize>i << 3), load<f64>(s0));
          store<f64>(d1 + (<usize>i << 3), load<f64>(s0, 8));
        }
      }
      for (let j = j2; j < j1; j++) {
        const d = dst + ((<usize>j * <usize>ld) << 3);
        for (let i = i0; i < i1; i++) store<f64>(d + (<usize>i << 3), load<f64>(src + <usize>i * rs + (<usize>j << 3)));
      }
    }
  }
}

/** As transposeF64 for float32 input, widening every value exactly to f64. */
export function transposeF32(src: usize, rows: i32, cols: i32, dst: usize, ld: i32): void {
  for (let i0 = 0; i0 < rows; i0 += TT) {
    const i1 = min(i0 + TT, rows);
    for (let j0 = 0; j0 < cols; j0 += TT) {
      const j1 = min(j0 + TT, cols);
      for (let j = j0; j < j1; j++) {
        const d = dst + ((<usize>j * <usize>ld) << 3);
        for (let i = i0; i < i1; i++) {
          store<f64>(d + (<usize>i << 3), <f64>load<f32>(src + ((<usize>i * <usize>cols + <usize>j) << 2)));
        }
      }
    }
  }
}

/** Widens n float32 values at src to f64 at dst (column-major float32 input). */
export function widenF32(src: usize, n: i32, dst: usize): void {
  for (let i = 0; i < n; i++) store<f64>(dst + (<usize>i << 3), <f64>load<f32>(src + (<usize>i << 2)));
}

/**
 * Turns an accumulated Gram matrix G = Z^T Z (n x n, ld n) into the cosine Gram of the unit
 * columns in place, C_ij = G_ij / (||z_i|| ||z_j||), with zero rows and columns for dead neurons
 * (||z|| <= deadNorm); the norms go to `norms`.
 */
export function cosineFromGram(G: usize, n: i32, norms: usize, deadNorm: f64): void {
  for (let j = 0; j < n; j++) {
    const g = load<f64>(G + ((<usize>j * <usize>n + <usize>j) << 3));
    const v = Math.sqrt(max<f64>(g, 0));
    store<f64>(norms + (<usize>j << 3), v);
  }
  for (let j = 0; j < n; j++) {
    const nj = load<f64>(norms + (<usize>j << 3));
    const sj = nj > deadNorm ? 1 / nj : 0;
    const col = G + ((<usize>j * <usize>n) << 3);
    for (let i = 0; i < n; i++) {
      const ni = load<f64>(norms + (<usize>i << 3));
      const si = ni > deadNorm ? 1 / ni : 0;
      store<f64>(col + (<usize>i << 3), load<f64>(col + (<usize>i << 3)) * si * sj);
    }
  }
}
