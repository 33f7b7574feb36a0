/**
 * Copying a validated matrix into WASM memory as column-major f64: the single copy of user data.
 * Typed arrays go in with one bulk `.set()` and are transposed / widened by the core (blocked,
 * assembly/columns.ts); plain number arrays are copied element by element.
 */
import { copyColumns, type MatrixView } from "../matrix.js";
import type { WasmCore } from "./instance.js";

interface CopyExports {
  transposeF32(src: number, rows: number, cols: number, dst: number, ld: number): void;
  widenF32(src: number, n: number, dst: number): void;
}

/** Copies `view` into the column-major matrix at byte offset `dst` (leading dimension `ld`). */
export function copyIn(core: WasmCore, view: MatrixView, dst: number, ld: number): void {
  const { data, samples: d, neurons: n } = view;
  const ex = core.exports as unknown as CopyExports;
  const f64 = data instanceof Float64Array;
  const f32 = data instanceof Float32Array;
  const columnMajor = view.rowStride === 1 && view.colStride === d;
  if (f64 && columnMajor && ld === d) {
    core.f64(dst, d * n).set(data);
    return;
  }
  if (!(f64 || f32)) {
    copyColumns(view, core.f64(dst, ld * n), 0, ld);
    return;
  }
  // stage the raw values above everything else, transform into place, free the staging area
  const mark = core.mark();
  try {
    const bytes = f64 ? 8 : 4;
    const stage = core.alloc(bytes * d * n);
    if (f64) core.f64(stage, d * n).set(data);
    else new Float32Array(core.u8(stage, 4 * d * n).buffer, stage, d * n).set(data);
    if (columnMajor && ld === d) ex.widenF32(stage, d * n, dst);
    else if (columnMajor) for (let j = 0; j < n; j++) ex.widenF32(stage + 4 * d * j, d, dst + 8 * ld * j);
    else if (f64) core.transposeF64(stage, d, n, dst, ld);
    else ex.transposeF32(stage, d, n, dst, ld);
  } finally {
    core.reset(mark);
  }
}
