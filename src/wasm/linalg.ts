/**
 * The measures' linear algebra (src/linalg/types.ts) on the SIMD WebAssembly core: every matrix
 * lives in the core's arena (a handle is {rows, cols, ptr}, column-major, leading dimension =
 * rows), so mark/release are the arena's mark/reset and a measure's whole working set is freed
 * in one step. load() is the one copy of user data (copyColumns straight into the arena, as in
 * src/wasm/backend.ts); every other method allocates its outputs from the arena, runs one
 * kernel of assembly/ (blas.ts, linalg.ts, householder.ts, svd.ts, eigh.ts), and frees its
 * scratch before returning.
 *
 * Behaviour notes:
 *  - qr: R has a non-negative diagonal (unique thin QR for full column rank).
 *  - svd: singular vector pairs carry whatever signs Jacobi produced (deterministic); vectors for
 *    numerically zero singular values are completed to an orthonormal set.
 *  - eigh: reads (S + S^T) / 2; eigenvalues descending, orthonormal eigenvectors.
 *  - eigh: a shift tau >= max(0, -lambda_min) makes S + tau I semidefinite (tau = 0 for
 *    semidefinite S, whose eigenvalues then come out >= 0); see assembly/eigh.ts.
 *  - Jacobi non-convergence (more than 60 sweeps), or no semidefinite shift found in eigh
 *    (neither is expected to happen for finite input), throws RepmatchError("engineFailure")
 *    and leaves the arena where it was before the call.
 *  - A handle of another Linalg, or one released by release(), is rejected ("engineFailure").
 */
import { fail, RepmatchError } from "../errors.js";
import type { Dense, Eigh, Linalg, Svd } from "../linalg/types.js";
import { copyColumns, type MatrixView } from "../matrix.js";
import type { WasmCore } from "./instance.js";

/** A matrix of the WASM Linalg: column-major f64 at byte offset ptr of the core's memory. */
export interface WasmDense extends Dense {
  readonly ptr: number;
}

const BRAND = Symbol("wasmDense");

interface Branded extends WasmDense {
  readonly [BRAND]: WasmCore;
}

export function wasmLinalg(core: WasmCore): Linalg {
  // core.exports is read at every call, never cached: WasmCore.rebuild() replaces the instance

  const make = (rows: number, cols: number): WasmDense => {
    const ptr = core.alloc(8 * rows * cols);
    return { rows, cols, ptr, [BRAND]: core } as Branded;
  };

  /** The pointer behind a live handle of this Linalg. */
  const ptrOf = (m: Dense, what: string): number => {
    const h = m as Partial<Branded>;
    if (h[BRAND] !== core || typeof h.ptr !== "number") {
      fail("engineFailure", `${what}: expected a matrix of this wasm linear algebra, got a handle of another backend or core`);
    }
    if (h.ptr + 8 * m.rows * m.cols > core.mark()) {
      fail("engineFailure", `${what}: expected a live matrix, got one freed by release()`);
    }
    return h.ptr;
  };

  /** Runs fn on `bytes` of arena scratch that is freed afterwards. */
  const withScratch = <T>(bytes: number, fn: (work: number) => T): T => {
    const mark = core.mark();
    try {
      return fn(core.alloc(bytes));
    } finally {
      core.reset(mark);
    }
  };

  /** Runs fn; on an exception the arena goes back to where it was (outputs made by fn included). */
  const atomic = <T>(fn: () => T): T => {
    const mark = core.mark();
    try {
      return fn();
    } catch (e) {
      core.reset(mark);
      throw e;
    }
  };

  const jacobiFailure = (what: string, rows: number, cols: number): never => {
    throw new RepmatchError(
      "engineFailure",
      `${what}: expected one-sided Jacobi to converge within 60 sweeps, got no convergence for a ${rows} x ${cols} matrix`,
      { rows, cols },
    );
  };

  return {
    name: "wasm",

    mark: () => core.mark(),
    release(mark: number): void {
      core.reset(mark);
    },

    load(view: MatrixView): Dense {
      const m = make(view.samples, view.neurons);
      copyColumns(view, core.f64(m.ptr, m.rows * m.cols), 0, m.rows);
      return m;
    },

    fromArray(rows: number, cols: number, data?: Float64Array): Dense {
      if (data && data.length !== rows * cols) fail("engineFailure", `fromArray: expected ${rows * cols} values for a ${rows} x ${cols} matrix, got ${data.length}`);
      const m = make(rows, cols);
      const v = core.f64(m.ptr, rows * cols);
      if (data) v.set(data);
      else v.fill(0);
      return m;
    },

    toArray(m: Dense): Float64Array {
      return core.f64(ptrOf(m, "toArray"), m.rows * m.cols).slice();
    },

    center(m: Dense): Float64Array {
      const p = ptrOf(m, "center");
      return withScratch(8 * m.cols, (means) => {
        core.exports.centerColumns(p, m.rows, m.rows, m.cols, means);
        return core.f64(means, m.cols).slice();
      });
    },

    gemmTN(a: Dense, b: Dense): Dense {
      if (a.rows !== b.rows) fail("engineFailure", `gemmTN: expected equal row counts, got ${a.rows} and ${b.rows}`);
      const pa = ptrOf(a, "gemmTN"), pb = ptrOf(b, "gemmTN");
      const c = make(a.cols, b.cols);
      core.exports.gemmTN(pa, a.rows, pb, b.rows, a.rows, a.cols, b.cols, c.ptr, a.cols, 0);
      return c;
    },

    gemmNN(a: Dense, b: Dense): Dense {
      if (a.cols !== b.rows) fail("engineFailure", `gemmNN: expected inner dimensions to agree, got ${a.cols} and ${b.rows}`);
      const pa = ptrOf(a, "gemmNN"), pb = ptrOf(b, "gemmNN");
      const c = make(a.rows, b.cols);
      core.exports.gemmNN(pa, a.rows, pb, b.rows, a.rows, a.cols, b.cols, c.ptr, a.rows, 0);
      return c;
    },

    leadingColumns(m: Dense, cols: number): Dense {
      if (!Number.isInteger(cols) || cols < 0 || cols > m.cols) fail("engineFailure", `leadingColumns: expected 0..${m.cols} columns, got ${cols}`);
      const p = ptrOf(m, "leadingColumns");
      const c = make(m.rows, cols);
      core.exports.copyMatrix(p, m.rows, m.rows, cols, c.ptr, m.rows);
      return c;
    },

    scaleColumns(m: Dense, s: Float64Array): void {
      if (s.length < m.cols) fail("engineFailure", `scaleColumns: expected ${m.cols} scales, got ${s.length}`);
      const p = ptrOf(m, "scaleColumns");
      withScratch(8 * m.cols, (sp) => {
        core.f64(sp, m.cols).set(s.subarray(0, m.cols));
        core.exports.scaleColumns(p, m.rows, m.rows, m.cols, sp);
      });
    },

    frobenius(m: Dense): number {
      return core.exports.frobenius(ptrOf(m, "frobenius"), m.rows, m.rows, m.cols);
    },

    qr(m: Dense): { q: Dense; r: Dense } {
      const p = ptrOf(m, "qr");
      const rows = m.rows, cols = m.cols, k = Math.min(rows, cols);
      return atomic(() => {
        const q = make(rows, k);
        const r = make(k, cols);
        withScratch(core.exports.qrWorkBytes(rows, cols), (w) => core.exports.qrThin(p, rows, cols, q.ptr, r.ptr, w));
        return { q, r };
      });
    },

    svd(m: Dense, vectors: boolean): Svd {
      const p = ptrOf(m, "svd");
      const rows = m.rows, cols = m.cols, k = Math.min(rows, cols);
      return atomic(() => {
        const u = vectors ? make(rows, k) : undefined;
        const v = vectors ? make(cols, k) : undefined;
        const s = withScratch(8 * k + core.exports.svdWorkBytes(rows, cols) + 16, (w) => {
          const sp = w, work = (w + 8 * k + 15) & ~15;
          const code = core.exports.svdJacobi(p, rows, cols, sp, u ? u.ptr : 0, v ? v.ptr : 0, vectors ? 1 : 0, work);
          if (code < 0) jacobiFailure("svd", rows, cols);
          return core.f64(sp, k).slice();
        });
        const out: Svd = { s };
        if (u && v) {
          out.u = u;
          out.v = v;
        }
        return out;
      });
    },

    eigh(m: Dense): Eigh {
      if (m.rows !== m.cols) fail("engineFailure", `eigh: expected a square matrix, got ${m.rows} x ${m.cols}`);
      const p = ptrOf(m, "eigh");
      const n = m.rows;
      return atomic(() => {
        const vectors = make(n, n);
        const values = withScratch(8 * n + core.exports.eighWorkBytes(n) + 16, (w) => {
          const wp = w, work = (w + 8 * n + 15) & ~15;
          const code = core.exports.eighJacobi(p, n, wp, vectors.ptr, work);
          if (code === -2) {
            throw new RepmatchError("engineFailure", `eigh: expected a positive semidefinite shift of the symmetric ${n} x ${n} matrix, got none`, { rows: n, cols: n });
          }
          if (code < 0) jacobiFailure("eigh", n, n);
          return core.f64(wp, n).slice();
        });
        return { values, vectors };
      });
    },

    rowSquaredDistances(m: Dense): Dense {
      const p = ptrOf(m, "rowSquaredDistances");
      const d = m.rows, cols = m.cols;
      return atomic(() => {
        const D = make(d, d);
        withScratch(core.exports.rowDistWorkBytes(d, cols), (w) => core.exports.rowSquaredDistances(p, d, d, cols, D.ptr, d, w));
        return D;
      });
    },
  };
}
