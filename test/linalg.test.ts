// The WASM Linalg (src/wasm/linalg.ts over assembly/householder.ts, svd.ts, tridiagonal.ts, linalg.ts and
// blas.ts's gemmNN) against naive float64 references: every method at sizes that hit the SIMD
// and tile tails (1x1, 1xN, Nx1, 3x2, 17x5, 129x33, 300x64, 64x300), on seeded Gaussian data and on
// structured inputs (rank-deficient, duplicate columns, d < p, zero matrices, singular values down
// to 1e-12, symmetric matrices with negative and +/- paired eigenvalues). Also: arena bookkeeping
// (mark/release, no scratch left behind), determinism, and rejected handles.
// Jacobi non-convergence (-> RepmatchError "engineFailure") is reachable only in principle and is
// not faked here.
import { describe, expect, it } from "vitest";
import { RepmatchError } from "../src/errors.js";
import type { Dense } from "../src/linalg/types.js";
import { viewMatrix } from "../src/matrix.js";
import { jsLinalg } from "../src/js/linalg.js";
import { gaussian } from "../src/random.js";
import { WasmCore } from "../src/wasm/instance.js";
import { wasmLinalg } from "../src/wasm/linalg.js";
import { randn } from "./helpers.js";

const core = WasmCore.createSync({ threads: 1 });
const la = wasmLinalg(core);
const EPS = 2.220446049250313e-16;

const SHAPES: [number, number][] = [
  [1, 1],
  [1, 9],
  [9, 1],
  [3, 2],
  [17, 5],
  [129, 33],
  [300, 64],
  [64, 300],
];

// ---------------------------------------------------------------------------------------------
// naive column-major references

function randMat(rows: number, cols: number, seed: number): Float64Array {
  const g = gaussian(seed);
  return Float64Array.from({ length: rows * cols }, g);
}

/** A (m x k) B (k x n), plain triple loop in float64. */
function mul(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    for (let l = 0; l < k; l++) {
      const b = B[j * k + l] as number;
      for (let i = 0; i < m; i++) C[j * m + i] = (C[j * m + i] as number) + (A[l * m + i] as number) * b;
    }
  }
  return C;
}

/** |A| |B|: the scale of the rounding error of each entry of A B. */
function mulAbs(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Float64Array {
  return mul(A.map(Math.abs), m, k, B.map(Math.abs), n);
}

function tr(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) T[i * n + j] = A[j * m + i] as number;
  return T;
}

function frob(A: Float64Array): number {
  let s = 0;
  for (const x of A) s += x * x;
  return Math.sqrt(s);
}

function diffFrob(A: Float64Array, B: Float64Array): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += ((A[i] as number) - (B[i] as number)) ** 2;
  return Math.sqrt(s);
}

/** max |Q^T Q - I| for Q m x k. */
function orthoErr(Q: Float64Array, m: number, k: number): number {
  const G = mul(tr(Q, m, k), k, m, Q, k);
  let e = 0;
  for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) e = Math.max(e, Math.abs((G[j * k + i] as number) - (i === j ? 1 : 0)));
  return e;
}

/** m x k with orthonormal columns: Gaussian, then modified Gram-Schmidt twice. */
function orthonormal(m: number, k: number, seed: number): Float64Array {
  const Q = randMat(m, k, seed);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < j; p++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += (Q[p * m + i] as number) * (Q[j * m + i] as number);
        for (let i = 0; i < m; i++) Q[j * m + i] = (Q[j * m + i] as number) - s * (Q[p * m + i] as number);
      }
      let nrm = 0;
      for (let i = 0; i < m; i++) nrm += (Q[j * m + i] as number) ** 2;
      nrm = Math.sqrt(nrm);
      for (let i = 0; i < m; i++) Q[j * m + i] = (Q[j * m + i] as number) / nrm;
    }
  }
  return Q;
}

/** U diag(s) V^T (m x n) with Haar-like U (m x k), V (n x k), k = s.length. */
function withSingularValues(m: number, n: number, s: number[], seed: number): Float64Array {
  const k = s.length;
  const U = orthonormal(m, k, seed);
  const V = orthonormal(n, k, seed + 1);
  for (let j = 0; j < k; j++) for (let i = 0; i < m; i++) U[j * m + i] = (U[j * m + i] as number) * (s[j] as number);
  return mul(U, m, k, tr(V, n, k), n);
}

/** V diag(w) V^T, exactly symmetric. */
function withEigenvalues(w: number[], seed: number): Float64Array {
  const n = w.length;
  const V = orthonormal(n, n, seed);
  const VW = V.slice();
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) VW[j * n + i] = (VW[j * n + i] as number) * (w[j] as number);
  const S = mul(VW, n, n, tr(V, n, n), n);
  for (let j = 0; j < n; j++) for (let i = 0; i < j; i++) S[i * n + j] = S[j * n + i] as number;
  return S;
}

function logspace(k: number, from: number, to: number): number[] {
  return Array.from({ length: k }, (_, i) => from * (to / from) ** (k === 1 ? 0 : i / (k - 1)));
}

function isDescending(x: Float64Array): boolean {
  for (let i = 1; i < x.length; i++) if ((x[i] as number) > (x[i - 1] as number)) return false;
  return true;
}

/** Runs fn between la.mark() and la.release(), checking the arena comes back to where it was. */
function scoped<T>(fn: () => T): T {
  const before = core.used;
  const m = la.mark();
  try {
    return fn();
  } finally {
    la.release(m);
    expect(core.used).toBe(before);
  }
}

// ---------------------------------------------------------------------------------------------
// checks of the factorisations

function checkQr(A: Float64Array, m: number, n: number): void {
  scoped(() => {
    const k = Math.min(m, n);
    const { q, r } = la.qr(la.fromArray(m, n, A));
    expect([q.rows, q.cols, r.rows, r.cols]).toEqual([m, k, k, n]);
    const Q = la.toArray(q), R = la.toArray(r);
    const scale = Math.max(frob(A), Number.MIN_VALUE);
    expect(diffFrob(mul(Q, m, k, R, n), A) / scale).toBeLessThan(1e-13);
    expect(orthoErr(Q, m, k)).toBeLessThan(1e-13);
    for (let j = 0; j < n; j++) for (let i = j + 1; i < k; i++) expect(R[j * k + i]).toBe(0);
    for (let i = 0; i < k; i++) expect(R[i * k + i]).toBeGreaterThanOrEqual(0);
  });
}

interface SvdCheck {
  /** known singular values (descending), if any */
  known?: number[];
  /** singular values above this fraction of s_max are compared relatively */
  relAbove?: number;
}

function checkSvd(A: Float64Array, m: number, n: number, opts: SvdCheck = {}): Float64Array {
  return scoped(() => {
    const k = Math.min(m, n);
    const a = la.fromArray(m, n, A);
    const r = la.svd(a, true);
    const plain = la.svd(a, false);
    expect(plain.u).toBeUndefined();
    expect(plain.v).toBeUndefined();
    // the same rotations with or without vectors: identical bits
    expect(Array.from(plain.s)).toEqual(Array.from(r.s));
    const { s } = r;
    expect(s.length).toBe(k);
    expect(isDescending(s)).toBe(true);
    for (const x of s) expect(x).toBeGreaterThanOrEqual(0);
    const u = r.u as Dense, v = r.v as Dense;
    expect([u.rows, u.cols, v.rows, v.cols]).toEqual([m, k, n, k]);
    const U = la.toArray(u), V = la.toArray(v);
    expect(orthoErr(U, m, k)).toBeLessThan(1e-13);
    expect(orthoErr(V, n, k)).toBeLessThan(1e-13);
    const US = U.slice();
    for (let j = 0; j < k; j++) for (let i = 0; i < m; i++) US[j * m + i] = (US[j * m + i] as number) * (s[j] as number);
    const scale = Math.max(frob(A), Number.MIN_VALUE);
    expect(diffFrob(mul(US, m, k, tr(V, n, k), n), A) / scale).toBeLessThan(1e-13);
    if (opts.known) {
      const smax = opts.known[0] as number;
      const relAbove = opts.relAbove ?? 1e-3;
      opts.known.forEach((want, i) => {
        const got = s[i] as number;
        if (want > relAbove * smax) expect(Math.abs(got - want) / want).toBeLessThan(1e-12);
        else expect(Math.abs(got - want)).toBeLessThan(1e-14 * smax);
      });
      for (let i = opts.known.length; i < k; i++) expect(s[i]).toBeLessThan(1e-14 * smax);
    }
    return s.slice();
  });
}

function checkEigh(S: Float64Array, n: number, known?: number[]): Float64Array {
  return scoped(() => {
    const { values, vectors } = la.eigh(la.fromArray(n, n, S));
    expect(values.length).toBe(n);
    expect([vectors.rows, vectors.cols]).toEqual([n, n]);
    expect(isDescending(values)).toBe(true);
    const V = la.toArray(vectors);
    expect(orthoErr(V, n, n)).toBeLessThan(1e-13);
    const VW = V.slice();
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) VW[j * n + i] = (VW[j * n + i] as number) * (values[j] as number);
    const scale = Math.max(frob(S), Number.MIN_VALUE);
    expect(diffFrob(mul(VW, n, n, tr(V, n, n), n), S) / scale).toBeLessThan(1e-13);
    if (known) {
      const sorted = [...known].sort((x, y) => y - x);
      const rho = Math.max(...known.map(Math.abs));
      sorted.forEach((want, i) => expect(Math.abs((values[i] as number) - want)).toBeLessThan(1e-13 * rho));
    }
    return values.slice();
  });
}

// ---------------------------------------------------------------------------------------------

describe("wasm Linalg: copies and small operations", () => {
  it("load copies a validated view once, in column-major order (row-major, Fortran, nested)", () => {
    scoped(() => {
      const X = randn(7, 5, 1);
      const a = la.load(viewMatrix(X));
      expect([a.rows, a.cols]).toEqual([7, 5]);
      const got = la.toArray(a);
      for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) expect(got[j * 7 + i]).toBe((X.data as Float64Array)[i * 5 + j]);
      const f = la.toArray(la.load(viewMatrix({ data: got, shape: [7, 5], fortranOrder: true })));
      expect(Array.from(f)).toEqual(Array.from(got));
      const nested = la.toArray(la.load(viewMatrix([[1, 2], [3, 4], [5, 6]])));
      expect(Array.from(nested)).toEqual([1, 3, 5, 2, 4, 6]);
    });
  });

  it("fromArray / toArray round-trip; zeros when data is omitted (even over used arena memory)", () => {
    scoped(() => {
      const m0 = la.mark();
      la.fromArray(4, 4, new Float64Array(16).fill(3));
      la.release(m0);
      const z = la.fromArray(4, 4);
      expect(Array.from(la.toArray(z))).toEqual(new Array(16).fill(0));
      const data = randMat(3, 5, 2);
      const a = la.fromArray(3, 5, data);
      const back = la.toArray(a);
      expect(Array.from(back)).toEqual(Array.from(data));
      back[0] = 99; // toArray copies
      expect(la.toArray(a)[0]).toBe(data[0]);
    });
  });

  it("center subtracts float64 column means in place: columns sum to ~0", () => {
    for (const [m, n] of [...SHAPES, [1000, 3] as [number, number]]) {
      scoped(() => {
        const A = randMat(m, n, 3 + m).map((x, i) => x + 1e3 * (1 + (i % 7))); // large offsets
        const a = la.fromArray(m, n, A);
        const means = la.center(a);
        expect(means.length).toBe(n);
        const C = la.toArray(a);
        for (let j = 0; j < n; j++) {
          let s = 0, sAbs = 0, naive = 0, amax = 0;
          for (let i = 0; i < m; i++) {
            s += C[j * m + i] as number;
            sAbs += Math.abs(C[j * m + i] as number);
            naive += A[j * m + i] as number;
            amax = Math.max(amax, Math.abs(A[j * m + i] as number));
          }
          naive /= m;
          expect(Math.abs((means[j] as number) - naive)).toBeLessThanOrEqual(2 * m * EPS * amax);
          expect(Math.abs(s)).toBeLessThanOrEqual(4 * m * EPS * sAbs + 1e-300);
          for (let i = 0; i < m; i++) expect(C[j * m + i]).toBe((A[j * m + i] as number) - (means[j] as number));
        }
      });
    }
  });

  it("gemmNN and gemmTN match the naive product at every tail", () => {
    let seed = 10;
    for (const m of [1, 3, 8, 9, 17, 129, 300]) {
      for (const k of [1, 2, 7, 33, 257, 300]) {
        for (const n of [1, 2, 3, 5, 9, 130]) {
          scoped(() => {
            const A = randMat(m, k, seed++), B = randMat(k, n, seed++);
            const want = mul(A, m, k, B, n), bound = mulAbs(A, m, k, B, n);
            const c = la.gemmNN(la.fromArray(m, k, A), la.fromArray(k, n, B));
            expect([c.rows, c.cols]).toEqual([m, n]);
            const got = la.toArray(c);
            for (let i = 0; i < got.length; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThanOrEqual(2 * k * EPS * (bound[i] as number));
            // gemmTN(A^T stored as k x m, B) is the same product
            const t = la.toArray(la.gemmTN(la.fromArray(k, m, tr(A, m, k)), la.fromArray(k, n, B)));
            for (let i = 0; i < t.length; i++) expect(Math.abs((t[i] as number) - (want[i] as number))).toBeLessThanOrEqual(2 * k * EPS * (bound[i] as number));
          });
        }
      }
    }
  });

  it("leadingColumns copies exactly; scaleColumns multiplies each column in place", () => {
    for (const [m, n] of SHAPES) {
      scoped(() => {
        const A = randMat(m, n, 20 + n);
        const a = la.fromArray(m, n, A);
        for (const c of [0, 1, Math.ceil(n / 2), n]) {
          const l = la.leadingColumns(a, c);
          expect([l.rows, l.cols]).toEqual([m, c]);
          expect(Array.from(la.toArray(l))).toEqual(Array.from(A.subarray(0, m * c)));
        }
        const s = Float64Array.from({ length: n }, (_, j) => (j % 3) - 0.75 * j);
        la.scaleColumns(a, s);
        const got = la.toArray(a);
        for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) expect(got[j * m + i]).toBe((A[j * m + i] as number) * (s[j] as number));
      });
    }
  });

  it("transpose, scaleRows, diagonal and rowSumSquares are exact on both backends", () => {
    for (const [m, n] of SHAPES) {
      scoped(() => {
        const A = randMat(m, n, 40 + m);
        const s = Float64Array.from({ length: m }, (_, i) => (i % 4) - 0.5 * i);
        for (const L of [la, jsLinalg]) {
          const a = L.fromArray(m, n, A);
          const t = L.transpose(a);
          expect([t.rows, t.cols]).toEqual([n, m]);
          const T = L.toArray(t);
          for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) expect(T[i * n + j]).toBe(A[j * m + i]);
          expect(Array.from(L.diagonal(a))).toEqual(Array.from({ length: Math.min(m, n) }, (_, i) => A[i * m + i]));
          const sq = new Float64Array(m);
          for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) sq[i] = (sq[i] as number) + (A[j * m + i] as number) ** 2;
          expect(Array.from(L.rowSumSquares(a))).toEqual(Array.from(sq));
          L.scaleRows(a, s);
          const got = L.toArray(a);
          for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) expect(got[j * m + i]).toBe((A[j * m + i] as number) * (s[i] as number));
        }
      });
    }
  });

  it("frobenius: naive value, and no overflow or underflow at extreme scales", () => {
    for (const [m, n] of SHAPES) {
      scoped(() => {
        const A = randMat(m, n, 30 + m);
        const want = frob(A);
        expect(Math.abs(la.frobenius(la.fromArray(m, n, A)) - want)).toBeLessThan(1e-14 * want);
        expect(Math.abs(la.frobenius(la.fromArray(m, n, A.map((x) => x * 1e300))) / 1e300 - want)).toBeLessThan(1e-13 * want);
        expect(Math.abs(la.frobenius(la.fromArray(m, n, A.map((x) => x * 1e-300))) / 1e-300 - want)).toBeLessThan(1e-13 * want);
      });
    }
    scoped(() => expect(la.frobenius(la.fromArray(5, 4))).toBe(0));
  });

  it("rowSquaredDistances: naive distances, exactly symmetric, exact zero diagonal, duplicate rows at 0", () => {
    for (const [d, p] of [...SHAPES, [40, 3] as [number, number], [5, 1000] as [number, number]]) {
      scoped(() => {
        const X = randMat(d, p, 40 + d + p);
        if (d >= 3) for (let j = 0; j < p; j++) X[j * d + 2] = X[j * d + 0] as number; // row 2 = row 0
        const D = la.rowSquaredDistances(la.fromArray(d, p, X));
        expect([D.rows, D.cols]).toEqual([d, d]);
        const got = la.toArray(D);
        const norm2 = (i: number) => {
          let s = 0;
          for (let j = 0; j < p; j++) s += (X[j * d + i] as number) ** 2;
          return s;
        };
        for (let i = 0; i < d; i++) {
          expect(Object.is(got[i * d + i], 0)).toBe(true);
          for (let j = 0; j < d; j++) {
            const g = got[j * d + i] as number;
            expect(g).toBe(got[i * d + j]);
            expect(g).toBeGreaterThanOrEqual(0);
            let want = 0;
            for (let c = 0; c < p; c++) want += ((X[c * d + i] as number) - (X[c * d + j] as number)) ** 2;
            expect(Math.abs(g - want)).toBeLessThanOrEqual(4 * p * EPS * (norm2(i) + norm2(j)) + 1e-300);
          }
        }
        if (d >= 3) expect(got[2 * d + 0]).toBe(0);
      });
    }
  });
});

describe("wasm Linalg: Householder QR", () => {
  it("Q R = A, orthonormal Q, upper triangular R with a non-negative diagonal, at every shape", () => {
    for (const [m, n] of SHAPES) checkQr(randMat(m, n, 50 + m * n), m, n);
  });

  it("rank-deficient, d < p, zero and ill-conditioned inputs", () => {
    // duplicate columns
    const A = randMat(129, 33, 51);
    for (let i = 0; i < 129; i++) {
      A[10 * 129 + i] = A[3 * 129 + i] as number;
      A[20 * 129 + i] = 2 * (A[3 * 129 + i] as number);
    }
    checkQr(A, 129, 33);
    // rank 4 with d < p
    checkQr(mul(randMat(17, 4, 52), 17, 4, randMat(4, 40, 53), 40), 17, 40);
    checkQr(new Float64Array(12 * 5), 12, 5);
    checkQr(withSingularValues(300, 64, logspace(64, 1, 1e-12), 54), 300, 64);
    // a zero column first, and a blocked case past one panel of reflectors
    const Z = randMat(70, 40, 55);
    Z.fill(0, 0, 70);
    checkQr(Z, 70, 40);
  });

  it("a 2000 x 512 centred matrix (several panels and gemm blocks)", () => {
    scoped(() => {
      const m = 2000, n = 512;
      const a = la.load(viewMatrix(randn(m, n, 56)));
      la.center(a);
      const A = la.toArray(a);
      const { q, r } = la.qr(a);
      const Q = la.toArray(q), R = la.toArray(r);
      const QR = la.toArray(la.gemmNN(q, r));
      expect(diffFrob(QR, A) / frob(A)).toBeLessThan(1e-13);
      const QtQ = la.toArray(la.gemmTN(q, q));
      let e = 0;
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) e = Math.max(e, Math.abs((QtQ[j * n + i] as number) - (i === j ? 1 : 0)));
      expect(e).toBeLessThan(1e-13);
      for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) expect(R[j * n + i]).toBe(0);
      expect(Q.length).toBe(m * n);
    });
  });
});

describe("wasm Linalg: one-sided Jacobi SVD", () => {
  it("random matrices at every shape: U S V^T = A, orthonormal U and V, descending values", () => {
    for (const [m, n] of SHAPES) checkSvd(randMat(m, n, 60 + m + 3 * n), m, n);
  });

  it("known singular values, down to 1e-12 (tall, wide, square)", () => {
    for (const [m, n] of [[129, 33], [300, 64], [64, 300], [40, 40], [17, 5], [3, 2]] as [number, number][]) {
      const k = Math.min(m, n);
      const s = logspace(k, 1, 1e-12);
      checkSvd(withSingularValues(m, n, s, 61 + m), m, n, { known: s });
      // and at a large scale (the power-of-two prescaling is exact)
      checkSvd(withSingularValues(m, n, s.map((x) => x * 1e150), 62 + m), m, n, { known: s.map((x) => x * 1e150) });
    }
  });

  it("clustered and repeated singular values", () => {
    const s = [3, 3, 3, 2, 2, 1e-3, 1e-3, 1e-9];
    checkSvd(withSingularValues(50, 8, s, 63), 50, 8, { known: s });
    checkSvd(withSingularValues(8, 50, s, 64), 8, 50, { known: s });
  });

  it("rank-deficient: duplicate columns, d < p, zero columns, the zero matrix", () => {
    const A = randMat(129, 33, 65);
    for (let i = 0; i < 129; i++) A[7 * 129 + i] = A[2 * 129 + i] as number;
    const s = checkSvd(A, 129, 33);
    expect(s[32]).toBeLessThan(1e-14 * (s[0] as number));
    // rank 5, 17 x 40
    const s2 = checkSvd(mul(randMat(17, 5, 66), 17, 5, randMat(5, 40, 67), 40), 17, 40);
    for (let i = 5; i < 17; i++) expect(s2[i]).toBeLessThan(1e-14 * (s2[0] as number));
    // exact rank 3 from known values (tall and wide)
    checkSvd(withSingularValues(30, 12, [5, 1, 0.25], 68), 30, 12, { known: [5, 1, 0.25] });
    checkSvd(withSingularValues(12, 30, [5, 1, 0.25], 69), 12, 30, { known: [5, 1, 0.25] });
    // zero columns and the zero matrix: vectors still orthonormal
    const Z = randMat(20, 6, 70);
    Z.fill(0, 20, 60);
    const sz = checkSvd(Z, 20, 6);
    expect(sz[4]).toBeLessThan(1e-14 * (sz[0] as number));
    expect(sz[5]).toBeLessThan(1e-14 * (sz[0] as number));
    expect(Array.from(checkSvd(new Float64Array(9 * 4), 9, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(checkSvd(new Float64Array(4 * 9), 4, 9))).toEqual([0, 0, 0, 0]);
  });

  it("structured: a scaled permutation matrix and a single row / column", () => {
    const n = 6;
    const P = new Float64Array(n * n);
    const vals = [0.5, 4, 1e-12, 2, 1, 3];
    vals.forEach((v, j) => (P[j * n + ((j * 5 + 1) % n)] = j % 2 ? -v : v));
    checkSvd(P, n, n, { known: [...vals].sort((x, y) => y - x) });
    const row = randMat(1, 33, 71);
    checkSvd(row, 1, 33, { known: [frob(row)] });
    checkSvd(row, 33, 1, { known: [frob(row)] });
  });

  it("is deterministic: the same input gives the same bits", () => {
    scoped(() => {
      const a = la.fromArray(129, 33, randMat(129, 33, 72));
      const r1 = la.svd(a, true), r2 = la.svd(a, true);
      expect(Array.from(r2.s)).toEqual(Array.from(r1.s));
      expect(Array.from(la.toArray(r2.u as Dense))).toEqual(Array.from(la.toArray(r1.u as Dense)));
      expect(Array.from(la.toArray(r2.v as Dense))).toEqual(Array.from(la.toArray(r1.v as Dense)));
    });
  });
});

describe("wasm Linalg: symmetric eigendecomposition", () => {
  it("known spectra with negative, zero and +/- paired eigenvalues", () => {
    checkEigh(withEigenvalues([3, -3, 1, -1, 0.5, -0.5, 0, 2], 80), 8, [3, -3, 1, -1, 0.5, -0.5, 0, 2]);
    const w33 = Array.from({ length: 33 }, (_, i) => (i % 2 ? -1 : 1) * (1 + (i >> 1)) * 0.1);
    checkEigh(withEigenvalues(w33, 81), 33, w33);
    const w64 = Array.from({ length: 64 }, (_, i) => Math.sin(i + 1) * 10);
    checkEigh(withEigenvalues(w64, 82), 64, w64);
    const wNeg = [-1, -2, -3, -4, -5];
    checkEigh(withEigenvalues(wNeg, 83), 5, wNeg);
    const wTiny = [1, 1e-6, 1e-12, -1e-12, -1];
    checkEigh(withEigenvalues(wTiny, 84), 5, wTiny);
  });

  it("random symmetric matrices, Gram matrices (rank-deficient), diagonal, 1x1, zero", () => {
    for (const n of [1, 2, 3, 17, 129]) {
      const A = randMat(n, n, 85 + n);
      const S = new Float64Array(n * n);
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) S[j * n + i] = (A[j * n + i] as number) + (A[i * n + j] as number);
      checkEigh(S, n);
    }
    // Gram of 5 x 12 data: rank 5, seven zero eigenvalues
    const X = randMat(5, 12, 86);
    const G = mul(tr(X, 5, 12), 12, 5, X, 12);
    for (let j = 0; j < 12; j++) for (let i = 0; i < j; i++) G[i * 12 + j] = G[j * 12 + i] as number;
    const w = checkEigh(G, 12);
    for (let i = 5; i < 12; i++) expect(Math.abs(w[i] as number)).toBeLessThan(1e-13 * (w[0] as number));
    // semidefinite input: eigenvalues accurate to O(eps ||G||) absolutely, so the zero ones may
    // come out as tiny negatives (callers threshold them)
    for (const x of w) expect(x).toBeGreaterThanOrEqual(-1e-14 * (w[0] as number));
    // a full-rank covariance with a wide spectrum
    const Y = mul(randMat(200, 40, 88), 200, 40, withSingularValues(40, 40, logspace(40, 1, 1e-6), 89), 40);
    const cov = mul(tr(Y, 200, 40), 40, 200, Y, 40);
    for (let j = 0; j < 40; j++) for (let i = 0; i < j; i++) cov[i * 40 + j] = cov[j * 40 + i] as number;
    const wc = checkEigh(cov, 40);
    for (const x of wc) expect(x).toBeGreaterThan(0);
    const D = new Float64Array(16);
    [2, -7, 0, 5].forEach((v, i) => (D[i * 4 + i] = v));
    checkEigh(D, 4, [2, -7, 0, 5]);
    checkEigh(Float64Array.of(-2.5), 1, [-2.5]);
    expect(Array.from(checkEigh(new Float64Array(9), 3))).toEqual([0, 0, 0]);
  });

  it("reads (S + S^T) / 2 and is deterministic", () => {
    scoped(() => {
      const n = 9;
      const S = withEigenvalues(Array.from({ length: n }, (_, i) => i - 4), 87);
      const skewed = S.slice();
      skewed[1] = (skewed[1] as number) + 1e-3; // S(1, 0) only
      const e1 = la.eigh(la.fromArray(n, n, skewed));
      const sym = skewed.slice();
      sym[1] = sym[n] = ((skewed[1] as number) + (skewed[n] as number)) / 2;
      const e2 = la.eigh(la.fromArray(n, n, sym));
      for (let i = 0; i < n; i++) expect(Math.abs((e1.values[i] as number) - (e2.values[i] as number))).toBeLessThan(1e-14 * 4);
      const e3 = la.eigh(la.fromArray(n, n, skewed));
      expect(Array.from(e3.values)).toEqual(Array.from(e1.values));
      expect(Array.from(la.toArray(e3.vectors))).toEqual(Array.from(la.toArray(e1.vectors)));
    });
  });
});

describe("wasm Linalg: arena and handles", () => {
  it("release(mark) returns the arena to where it was; methods leave no scratch behind", () => {
    const start = core.used;
    const m0 = la.mark();
    const a = la.fromArray(40, 12, randMat(40, 12, 90));
    const afterInput = la.mark();
    la.center(a);
    la.scaleColumns(a, new Float64Array(12).fill(2));
    la.frobenius(a);
    la.toArray(a);
    expect(la.mark()).toBe(afterInput);
    // each factorisation leaves exactly its outputs (16-byte aligned blocks)
    const size = (rows: number, cols: number) => (8 * rows * cols + 15) & ~15;
    let before = la.mark();
    la.qr(a);
    expect(la.mark() - before).toBeLessThanOrEqual(size(40, 12) + size(12, 12) + 16);
    before = la.mark();
    la.svd(a, false);
    expect(la.mark()).toBe(before);
    before = la.mark();
    la.svd(a, true);
    expect(la.mark() - before).toBeLessThanOrEqual(size(40, 12) + size(12, 12) + 16);
    const g = la.gemmTN(a, a);
    before = la.mark();
    la.eigh(g);
    expect(la.mark() - before).toBeLessThanOrEqual(size(12, 12) + 16);
    before = la.mark();
    la.rowSquaredDistances(a);
    expect(la.mark() - before).toBeLessThanOrEqual(size(40, 40) + 16);
    la.release(m0);
    expect(la.mark()).toBe(m0);
    expect(core.used).toBe(start);
  });

  it("rejects handles of another core and handles freed by release()", () => {
    const other = wasmLinalg(WasmCore.createSync({ threads: 1 }));
    const m0 = la.mark();
    const foreign = other.fromArray(2, 2, Float64Array.of(1, 2, 3, 4));
    expect(() => la.frobenius(foreign)).toThrow(RepmatchError);
    const a = la.fromArray(3, 3);
    la.release(m0);
    try {
      la.toArray(a);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RepmatchError);
      expect((e as RepmatchError).code).toBe("engineFailure");
    }
    expect(() => la.gemmNN(la.fromArray(2, 3), la.fromArray(2, 3))).toThrow(RepmatchError);
    expect(() => la.eigh(la.fromArray(2, 3))).toThrow(RepmatchError);
    la.release(m0);
  });
});
