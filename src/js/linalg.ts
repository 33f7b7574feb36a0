/**
 * The pure-TypeScript implementation of the measures' linear algebra (src/linalg/types.ts): plain
 * Float64Arrays, column-major, handles are {rows, cols, data}. mark/release keep a stack of the
 * handles made, so release(mark) drops every reference made after mark (the garbage collector does
 * the rest). Kernels: src/js/dense.ts (products), src/js/qr.ts (Householder QR), src/js/svd.ts
 * (one-sided Jacobi SVD), src/js/tridiagonal.ts (eigh: tridiagonal QL), src/js/bidiagonal.ts
 * (singular values by bidiagonalisation), src/js/blas.ts (Gram product).
 */
import { fail } from "../errors.js";
import type { Dense, Eigh, KernelStats, Linalg, Svd } from "../linalg/types.js";
import { copyColumns, type MatrixView } from "../matrix.js";
import { nrm2, syrk } from "./blas.js";
import { multiply, multiplyTN, transpose } from "./dense.js";
import { centreKernel, distanceMedian, expUpper, symmetricDot, uCentredDots } from "./kernel.js";
import { householderQ, householderQr, householderR } from "./qr.js";
import { svdJacobi } from "./svd.js";
import { choleskyUpper, invertUpper } from "./cholqr.js";
import { singularValues } from "./bidiagonal.js";
import { eighTridiagonal } from "./tridiagonal.js";

/** A column-major rows x cols matrix of the JS Linalg. */
export class JsDense implements Dense {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: Float64Array,
  ) {}
}

/** The JS handle behind a Dense (a handle of another Linalg is a programming error). */
export function jsData(m: Dense): Float64Array {
  if (!(m instanceof JsDense)) fail("engineFailure", "expected a matrix of the js linear algebra, got a handle of another backend");
  return m.data;
}

/** m, checked to be square (the CKA kernels). */
function square(m: Dense, what: string): Dense {
  if (m.rows !== m.cols) fail("engineFailure", `${what}: expected a square matrix, got ${m.rows} x ${m.cols}`);
  return m;
}

const live: JsDense[] = [];

/** Non-convergence of the tridiagonal QL iteration (not expected for finite input). */
function qlFailure(what: string, n: number): never {
  fail("engineFailure", `${what}: expected the tridiagonal QL iteration to converge within ${30 * n} iterations, got no convergence (order ${n})`);
}

function make(rows: number, cols: number, data: Float64Array): JsDense {
  const m = new JsDense(rows, cols, data);
  live.push(m);
  return m;
}

export const jsLinalg: Linalg = {
  name: "js",

  mark: () => live.length,
  release(mark: number): void {
    if (mark < live.length) live.length = Math.max(0, mark);
  },

  load(view: MatrixView): Dense {
    const data = new Float64Array(view.samples * view.neurons);
    copyColumns(view, data, 0, view.samples);
    return make(view.samples, view.neurons, data);
  },

  fromArray(rows: number, cols: number, data?: Float64Array): Dense {
    if (data && data.length !== rows * cols) fail("engineFailure", `expected ${rows * cols} values for a ${rows} x ${cols} matrix, got ${data.length}`);
    return make(rows, cols, data ? data.slice() : new Float64Array(rows * cols));
  },

  toArray: (m: Dense) => jsData(m).slice(),

  center(m: Dense): Float64Array {
    const A = jsData(m);
    const d = m.rows;
    const means = new Float64Array(m.cols);
    for (let j = 0; j < m.cols; j++) {
      const o = j * d;
      let s = 0;
      for (let i = o; i < o + d; i++) s += A[i] as number;
      let mu = s / d;
      // one refinement pass: the mean of the residuals (removes most of the summation error)
      let r = 0;
      for (let i = o; i < o + d; i++) r += (A[i] as number) - mu;
      mu += r / d;
      for (let i = o; i < o + d; i++) A[i] = (A[i] as number) - mu;
      means[j] = mu;
    }
    return means;
  },

  gemmTN(a: Dense, b: Dense): Dense {
    if (a.rows !== b.rows) fail("engineFailure", `gemmTN: expected equal row counts, got ${a.rows} and ${b.rows}`);
    if (a === b && a.rows > 0 && a.cols > 0) {
      // a^T a: the symmetric Gram kernel, half the work
      const G = new Float64Array(a.cols * a.cols);
      syrk(jsData(a), a.rows, a.rows, a.cols, G);
      return make(a.cols, a.cols, G);
    }
    return make(a.cols, b.cols, multiplyTN(jsData(a), a.rows, a.cols, jsData(b), b.cols));
  },

  gemmNN(a: Dense, b: Dense): Dense {
    if (a.cols !== b.rows) fail("engineFailure", `gemmNN: expected inner dimensions to agree, got ${a.cols} and ${b.rows}`);
    return make(a.rows, b.cols, multiply(jsData(a), a.rows, a.cols, jsData(b), b.cols));
  },

  leadingColumns(m: Dense, cols: number): Dense {
    if (cols > m.cols || cols < 0) fail("engineFailure", `leadingColumns: expected at most ${m.cols} columns, got ${cols}`);
    return make(m.rows, cols, jsData(m).slice(0, m.rows * cols));
  },

  scaleColumns(m: Dense, s: Float64Array): void {
    const A = jsData(m);
    for (let j = 0; j < m.cols; j++) {
      const f = s[j] as number;
      const o = j * m.rows;
      for (let i = o; i < o + m.rows; i++) A[i] = (A[i] as number) * f;
    }
  },

  transpose(m: Dense): Dense {
    const A = jsData(m);
    const r = m.rows, c = m.cols;
    const T = new Float64Array(r * c);
    for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) T[i * c + j] = A[j * r + i] as number;
    return jsLinalg.fromArray(c, r, T);
  },

  scaleRows(m: Dense, s: Float64Array): void {
    const A = jsData(m);
    for (let j = 0; j < m.cols; j++) {
      const o = j * m.rows;
      for (let i = 0; i < m.rows; i++) A[o + i] = (A[o + i] as number) * (s[i] as number);
    }
  },

  rowSumSquares(m: Dense): Float64Array {
    const A = jsData(m);
    const out = new Float64Array(m.rows);
    for (let j = 0; j < m.cols; j++) {
      const o = j * m.rows;
      for (let i = 0; i < m.rows; i++) {
        const v = A[o + i] as number;
        out[i] = (out[i] as number) + v * v;
      }
    }
    return out;
  },

  diagonal(m: Dense): Float64Array {
    const A = jsData(m);
    return Float64Array.from({ length: Math.min(m.rows, m.cols) }, (_, i) => A[i * m.rows + i] as number);
  },

  frobenius: (m: Dense) => nrm2(jsData(m), 0, m.rows * m.cols),

  qr(m: Dense): { q: Dense; r: Dense } {
    const rows = m.rows, cols = m.cols, k = Math.min(rows, cols);
    const A = jsData(m).slice();
    const tau = new Float64Array(k);
    householderQr(A, rows, cols, tau);
    return { q: make(rows, k, householderQ(A, rows, cols, tau)), r: make(k, cols, householderR(A, rows, cols)) };
  },

  cholesky(m: Dense): Dense | null {
    const n = square(m, "cholesky").rows;
    const r = choleskyUpper(jsData(m), n);
    return r ? make(n, n, r) : null;
  },

  invertUpper(r: Dense): Dense {
    const n = square(r, "invertUpper").rows;
    return make(n, n, invertUpper(jsData(r), n));
  },

  multiplyUpper(x: Dense, u: Dense): Dense {
    if (x.cols !== u.rows || u.rows !== u.cols) fail("engineFailure", `multiplyUpper: expected x (m x n) and u (n x n), got ${x.rows} x ${x.cols} and ${u.rows} x ${u.cols}`);
    return make(x.rows, x.cols, multiply(jsData(x), x.rows, x.cols, jsData(u), u.cols));
  },

  svd(m: Dense, vectors: boolean): Svd {
    const r = svdJacobi(jsData(m), m.rows, m.cols, vectors);
    const k = r.s.length;
    const out: Svd = { s: r.s };
    if (vectors) {
      out.u = make(m.rows, k, r.u as Float64Array);
      out.v = make(m.cols, k, r.v as Float64Array);
    }
    return out;
  },

  eigh(m: Dense): Eigh {
    if (m.rows !== m.cols) fail("engineFailure", `eigh: expected a square matrix, got ${m.rows} x ${m.cols}`);
    const r = eighTridiagonal(jsData(m), m.rows, true);
    if (r.iterations < 0) qlFailure("eigh", m.rows);
    return { values: r.values, vectors: make(m.rows, m.rows, r.vectors as Float64Array) };
  },

  eighValues(m: Dense): Float64Array {
    if (m.rows !== m.cols) fail("engineFailure", `eighValues: expected a square matrix, got ${m.rows} x ${m.cols}`);
    const r = eighTridiagonal(jsData(m), m.rows, false);
    if (r.iterations < 0) qlFailure("eighValues", m.rows);
    return r.values;
  },

  singularValues(m: Dense): Float64Array {
    const s = singularValues(jsData(m), m.rows, m.cols);
    if (!s) qlFailure("singularValues", 2 * Math.min(m.rows, m.cols));
    return s as Float64Array;
  },

  rowSquaredDistances(m: Dense): Dense {
    // rows of m are the columns of its transpose: the Gram G = X X^T of the rows, then
    // D_ij = G_ii + G_jj - 2 G_ij, clamped at 0, exact zeros on the diagonal.
    const d = m.rows, p = m.cols;
    const Xt = transpose(jsData(m), d, p);
    const G = new Float64Array(d * d);
    syrk(Xt, p, p, d, G);
    const D = new Float64Array(d * d);
    for (let j = 0; j < d; j++) {
      const gjj = G[j * d + j] as number;
      for (let i = 0; i < d; i++) {
        if (i === j) continue;
        const v = (G[i * d + i] as number) + gjj - 2 * (G[j * d + i] as number);
        D[j * d + i] = v > 0 ? v : 0;
      }
    }
    return make(d, d, D);
  },

  distanceMedian: (m: Dense) => distanceMedian(jsData(square(m, "distanceMedian")), m.rows),

  expUpper(m: Dense, s: number): void {
    expUpper(jsData(square(m, "expUpper")), m.rows, s);
  },

  centreKernel(k: Dense): KernelStats {
    const n = square(k, "centreKernel").rows;
    const diag = new Float64Array(n), rowSums = new Float64Array(n);
    const selfDot = centreKernel(jsData(k), n, diag, rowSums);
    return { diag, rowSums, selfDot };
  },

  symmetricDot(a: Dense, b: Dense): number {
    if (square(a, "symmetricDot").rows !== square(b, "symmetricDot").rows) fail("engineFailure", `symmetricDot: expected equal sizes, got ${a.rows} and ${b.rows}`);
    return symmetricDot(jsData(a), jsData(b), a.rows);
  },

  uCentredDots(k: Dense, l: Dense, ka: Float64Array, kc: number, la: Float64Array, lc: number): [number, number, number] {
    const n = square(k, "uCentredDots").rows;
    if (square(l, "uCentredDots").rows !== n || ka.length < n || la.length < n) fail("engineFailure", `uCentredDots: expected two ${n} x ${n} kernels and ${n} shifts each`);
    return uCentredDots(jsData(k), jsData(l), n, ka, kc, la, lc);
  },
};
