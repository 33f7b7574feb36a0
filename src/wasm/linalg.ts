/**
 * The measures' linear algebra (src/linalg/types.ts) on the SIMD WebAssembly core: every matrix
 * lives in the core's arena (a handle is {rows, cols, ptr}, column-major, leading dimension =
 * rows), so mark/release are the arena's mark/reset and a measure's whole working set is freed
 * in one step. load() is the one copy of user data (copyColumns straight into the arena, as in
 * src/wasm/backend.ts); every other method allocates its outputs from the arena, runs one
 * kernel of assembly/ (blas.ts, linalg.ts, householder.ts, svd.ts, tridiagonal.ts, bidiagonal.ts, kernel.ts), and frees its
 * scratch before returning.
 *
 * Behaviour notes:
 *  - qr: R has a non-negative diagonal (unique thin QR for full column rank).
 *  - svd: singular vector pairs carry whatever signs Jacobi produced (deterministic); vectors for
 *    numerically zero singular values are completed to an orthonormal set.
 *  - eigh / eighValues: read (S + S^T) / 2; eigenvalues descending (absolute accuracy
 *    O(eps ||S||): a semidefinite S may give tiny negative ones), orthonormal eigenvectors;
 *    Householder tridiagonalisation + implicit QL, see assembly/tridiagonal.ts.
 *  - singularValues: bidiagonalisation + dqds (QL on the Golub-Kahan form as the fallback; assembly/bidiagonal.ts),
 *    absolute accuracy O(eps ||m||); svd keeps one-sided Jacobi (relative accuracy, vectors).
 *  - Jacobi non-convergence (more than 60 sweeps), or QL non-convergence (more than 30 n
 *    iterations; neither is expected to happen for finite input), throws
 *    RepmatchError("engineFailure") and leaves the arena where it was before the call.
 *  - A handle of another Linalg, or one released by release(), is rejected ("engineFailure").
 */
import { fail, RepmatchError } from "../errors.js";
import type { Dense, Eigh, KernelStats, Linalg, Svd } from "../linalg/types.js";
import { copyColumns, type MatrixView } from "../matrix.js";
import { align16, type WasmCore } from "./instance.js";

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

  /** Scales m's columns (scaleColumns: s[j]) or rows (scaleRows: s[i]) in place. */
  const scaleBy = (m: Dense, s: Float64Array, kernel: "scaleColumns" | "scaleRows"): void => {
    const k = kernel === "scaleColumns" ? m.cols : m.rows;
    if (s.length < k) fail("engineFailure", `${kernel}: expected ${k} scales, got ${s.length}`);
    const p = ptrOf(m, kernel);
    withScratch(8 * k, (sp) => {
      core.f64(sp, k).set(s.subarray(0, k));
      core.exports[kernel](p, m.rows, m.rows, m.cols, sp);
    });
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

  /** m, checked to be square (the CKA kernels). */
  const square = (m: Dense, what: string): Dense => {
    if (m.rows !== m.cols) fail("engineFailure", `${what}: expected a square matrix, got ${m.rows} x ${m.cols}`);
    return m;
  };

  const qlFailure = (what: string, n: number): never => {
    throw new RepmatchError("engineFailure", `${what}: expected the tridiagonal QL iteration to converge within ${30 * n} iterations, got no convergence (order ${n})`, { rows: n, cols: n });
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
      // a^T a: the symmetric Gram kernel (half the work, and on two threads when the core has them)
      if (a === b && a.rows > 0 && a.cols > 0) core.gram(pa, a.rows, a.cols, c.ptr);
      else core.gemmTN(pa, a.rows, pb, b.rows, a.rows, a.cols, b.cols, c.ptr, a.cols);
      return c;
    },

    gemmNN(a: Dense, b: Dense): Dense {
      if (a.cols !== b.rows) fail("engineFailure", `gemmNN: expected inner dimensions to agree, got ${a.cols} and ${b.rows}`);
      const pa = ptrOf(a, "gemmNN"), pb = ptrOf(b, "gemmNN");
      const c = make(a.rows, b.cols);
      core.gemmNN(pa, a.rows, pb, b.rows, a.rows, a.cols, b.cols, c.ptr, a.rows);
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
      scaleBy(m, s, "scaleColumns");
    },

    transpose(m: Dense): Dense {
      const p = ptrOf(m, "transpose");
      const t = make(m.cols, m.rows);
      // column-major m is row-major m^T: the row-major-to-column-major kernel
      core.transposeF64(p, m.cols, m.rows, t.ptr, m.cols);
      return t;
    },

    scaleRows(m: Dense, s: Float64Array): void {
      scaleBy(m, s, "scaleRows");
    },

    rowSumSquares(m: Dense): Float64Array {
      const p = ptrOf(m, "rowSumSquares");
      return withScratch(8 * m.rows, (out) => {
        core.exports.rowSumSquares(p, m.rows, m.rows, m.cols, out);
        return core.f64(out, m.rows).slice();
      });
    },

    diagonal(m: Dense): Float64Array {
      const k = Math.min(m.rows, m.cols);
      const v = core.f64(ptrOf(m, "diagonal"), m.rows * m.cols);
      return Float64Array.from({ length: k }, (_, i) => v[i * m.rows + i] as number);
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

    cholesky(m: Dense): Dense | null {
      const p = ptrOf(square(m, "cholesky"), "cholesky");
      const n = m.rows;
      const mark = core.mark();
      const r = make(n, n);
      core.exports.copyMatrix(p, n, n, n, r.ptr, n);
      if (core.exports.choleskyUpper(r.ptr, n, n) >= 0) {
        core.reset(mark);
        return null;
      }
      return r;
    },

    invertUpper(r: Dense): Dense {
      const p = ptrOf(square(r, "invertUpper"), "invertUpper");
      const x = make(r.rows, r.rows);
      core.exports.invertUpper(p, r.rows, r.rows, x.ptr, r.rows);
      return x;
    },

    multiplyUpper(x: Dense, u: Dense): Dense {
      if (x.cols !== u.rows || u.rows !== u.cols) fail("engineFailure", `multiplyUpper: expected x (m x n) and u (n x n), got ${x.rows} x ${x.cols} and ${u.rows} x ${u.cols}`);
      const px = ptrOf(x, "multiplyUpper"), pu = ptrOf(u, "multiplyUpper");
      const c = make(x.rows, x.cols);
      core.multiplyUpper(px, x.rows, x.rows, x.cols, pu, u.rows, c.ptr, x.rows);
      return c;
    },

    svd(m: Dense, vectors: boolean): Svd {
      const p = ptrOf(m, "svd");
      const rows = m.rows, cols = m.cols, k = Math.min(rows, cols);
      return atomic(() => {
        const u = vectors ? make(rows, k) : undefined;
        const v = vectors ? make(cols, k) : undefined;
        const s = withScratch(8 * k + core.exports.svdWorkBytes(rows, cols) + 16, (w) => {
          const sp = w, work = align16(w + 8 * k);
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
        const values = withScratch(8 * n + core.exports.eighTridiagonalWorkBytes(n) + 16, (w) => {
          const wp = w, work = align16(w + 8 * n);
          if (core.eighVectors(p, n, wp, vectors.ptr, work) < 0) qlFailure("eigh", n);
          return core.f64(wp, n).slice();
        });
        return { values, vectors };
      });
    },

    eighValues(m: Dense): Float64Array {
      if (m.rows !== m.cols) fail("engineFailure", `eighValues: expected a square matrix, got ${m.rows} x ${m.cols}`);
      const p = ptrOf(m, "eighValues");
      const n = m.rows;
      return withScratch(8 * n + core.exports.eighTridiagonalWorkBytes(n) + 16, (w) => {
        const wp = w, work = align16(w + 8 * n);
        if (core.exports.eighTridiagonal(p, n, wp, 0, 0, work) < 0) qlFailure("eighValues", n);
        return core.f64(wp, n).slice();
      });
    },

    singularValues(m: Dense): Float64Array {
      const p = ptrOf(m, "singularValues");
      const rows = m.rows, cols = m.cols, k = Math.min(rows, cols);
      return withScratch(8 * k + core.exports.singularValuesWorkBytes(rows, cols) + 16, (w) => {
        const sp = w, work = align16(w + 8 * k);
        if (core.exports.singularValues(p, rows, cols, sp, work) < 0) qlFailure("singularValues", 2 * k);
        return core.f64(sp, k).slice();
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

    distanceMedian(m: Dense): number {
      const p = ptrOf(square(m, "distanceMedian"), "distanceMedian");
      return withScratch(core.exports.medianWorkBytes(m.rows), (w) => core.exports.distanceMedian(p, m.rows, m.rows, w));
    },

    expUpper(m: Dense, s: number): void {
      core.exports.expUpper(ptrOf(square(m, "expUpper"), "expUpper"), m.rows, m.rows, s);
    },

    centreKernel(k: Dense): KernelStats {
      const p = ptrOf(square(k, "centreKernel"), "centreKernel");
      const n = k.rows;
      return withScratch(24 * n, (w) => {
        const stats = w, work = w + 16 * n; // the arena hands out 16-byte aligned blocks
        const selfDot = core.exports.centreKernel(p, n, n, stats, work);
        return { diag: core.f64(stats, n).slice(), rowSums: core.f64(stats + 8 * n, n).slice(), selfDot };
      });
    },

    symmetricDot(a: Dense, b: Dense): number {
      const pa = ptrOf(square(a, "symmetricDot"), "symmetricDot"), pb = ptrOf(square(b, "symmetricDot"), "symmetricDot");
      if (a.rows !== b.rows) fail("engineFailure", `symmetricDot: expected equal sizes, got ${a.rows} and ${b.rows}`);
      return core.exports.symmetricDot(pa, a.rows, pb, b.rows, a.rows);
    },

    uCentredDots(k: Dense, l: Dense, ka: Float64Array, kc: number, la: Float64Array, lc: number): [number, number, number] {
      const pk = ptrOf(square(k, "uCentredDots"), "uCentredDots"), pl = ptrOf(square(l, "uCentredDots"), "uCentredDots");
      const n = k.rows;
      if (l.rows !== n || ka.length < n || la.length < n) fail("engineFailure", `uCentredDots: expected two ${n} x ${n} kernels and ${n} shifts each`);
      return withScratch(16 * n + 32, (w) => {
        const pa = w, pb = w + 8 * n, out = w + 16 * n;
        core.f64(pa, n).set(ka.subarray(0, n));
        core.f64(pb, n).set(la.subarray(0, n));
        core.exports.uCentredDots(pk, n, pl, n, n, pa, kc, pb, lc, out);
        const r = core.f64(out, 3);
        return [r[0] as number, r[1] as number, r[2] as number];
      });
    },
  };
}
