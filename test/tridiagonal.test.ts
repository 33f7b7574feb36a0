// The tridiagonal-QL eigensolver (assembly/tridiagonal.ts, src/js/tridiagonal.ts) and the
// bidiagonalisation singular values (assembly/bidiagonal.ts, src/js/bidiagonal.ts) behind
// Linalg.eigh / eighValues / singularValues, on both backends, against numpy-independent truths:
// residual ||S V - V diag(w)|| / ||S||, orthogonality ||V^T V - I||, known spectra (diagonal,
// Wilkinson W21+/-, repeated, rank-1, zero, 1x1, 2x2, scaled far from 1), agreement of the two
// backends, and singular values against one-sided Jacobi svd(m, false) (random, graded,
// rank-deficient, tall, wide, edge shapes).
import { describe, expect, it } from "vitest";
import { jsLinalg } from "../src/js/linalg.js";
import type { Linalg } from "../src/linalg/types.js";
import { setSingularValuesDqds } from "../src/js/bidiagonal.js";
import { setEighDivideAndConquer } from "../src/js/tridiagonal.js";
import { gaussian } from "../src/random.js";
import { WasmCore } from "../src/wasm/instance.js";
import { wasmLinalg } from "../src/wasm/linalg.js";

const wasm = wasmLinalg(WasmCore.createSync({ threads: 1 }));
const BACKENDS: [string, Linalg][] = [
  ["wasm", wasm],
  ["js", jsLinalg],
];

function randMat(rows: number, cols: number, seed: number): Float64Array {
  const g = gaussian(seed);
  return Float64Array.from({ length: rows * cols }, g);
}

function symmetric(n: number, seed: number): Float64Array {
  const A = randMat(n, n, seed);
  const S = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) S[j * n + i] = (A[j * n + i] as number) + (A[i * n + j] as number);
  return S;
}

/** Q diag(w) Q^T for a random orthogonal Q (Householder reflections of Gaussian vectors). */
function withEigenvalues(w: number[], seed: number): Float64Array {
  const n = w.length;
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) S[i * n + i] = w[i] as number;
  for (let r = 0; r < 3; r++) {
    const v = randMat(n, 1, seed + r);
    const vv = v.reduce((s, x) => s + x * x, 0);
    // S <- H S H, H = I - 2 v v^T / v^T v
    const Sv = new Float64Array(n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) Sv[i] = (Sv[i] as number) + (S[j * n + i] as number) * (v[j] as number);
    const vSv = v.reduce((s, x, i) => s + x * (Sv[i] as number), 0);
    const c = 2 / vv;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        S[j * n + i] = (S[j * n + i] as number) - c * (v[i] as number) * (Sv[j] as number) - c * (Sv[i] as number) * (v[j] as number) + c * c * vSv * (v[i] as number) * (v[j] as number);
      }
    }
  }
  return S;
}

/** Frobenius norm, scaled against overflow and underflow. */
function frob(A: Float64Array): number {
  let amax = 0;
  for (const x of A) amax = Math.max(amax, Math.abs(x));
  if (amax === 0) return 0;
  let s = 0;
  for (const x of A) s += (x / amax) ** 2;
  return amax * Math.sqrt(s);
}

/** Checks the decomposition of S on la; returns the values. */
function checkEigh(la: Linalg, S: Float64Array, n: number, known?: number[]): Float64Array {
  const mark = la.mark();
  try {
    const { values, vectors } = la.eigh(la.fromArray(n, n, S));
    expect(values.length).toBe(n);
    expect([vectors.rows, vectors.cols]).toEqual([n, n]);
    for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    const V = la.toArray(vectors);
    const norm = Math.max(frob(S), Number.MIN_VALUE);
    // residual S V - V diag(w) and orthogonality V^T V - I, max entries
    let res = 0, orth = 0;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let sv = 0, g = 0;
        for (let k = 0; k < n; k++) {
          sv += (S[k * n + i] as number) * (V[j * n + k] as number);
          g += (V[i * n + k] as number) * (V[j * n + k] as number);
        }
        res = Math.max(res, Math.abs(sv - (values[j] as number) * (V[j * n + i] as number)));
        orth = Math.max(orth, Math.abs(g - (i === j ? 1 : 0)));
      }
    }
    const tol = 1e-14 * Math.max(n, 8);
    expect(res / norm).toBeLessThan(tol);
    expect(orth).toBeLessThan(tol);
    // values alone: the same values to rounding
    const w2 = la.eighValues(la.fromArray(n, n, S));
    for (let i = 0; i < n; i++) expect(Math.abs((w2[i] as number) - (values[i] as number))).toBeLessThanOrEqual(tol * norm);
    if (known) {
      const sorted = [...known].sort((x, y) => y - x);
      const rho = Math.max(...known.map(Math.abs), Number.MIN_VALUE);
      sorted.forEach((want, i) => expect(Math.abs((values[i] as number) - want)).toBeLessThanOrEqual(1e-14 * Math.max(n, 8) * rho));
    }
    return values.slice();
  } finally {
    la.release(mark);
  }
}

/** Wilkinson's W_{2k+1}^+ (diagonal |k - i|, off-diagonal 1) or W^- (diagonal k - i). */
function wilkinson(k: number, plus: boolean): Float64Array {
  const n = 2 * k + 1;
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    S[i * n + i] = plus ? Math.abs(k - i) : k - i;
    if (i + 1 < n) S[i * n + i + 1] = S[(i + 1) * n + i] = 1;
  }
  return S;
}

describe.each(BACKENDS)("eigh by tridiagonal QL (%s)", (_name, la) => {
  it("random symmetric matrices of sizes around the SIMD and panel tails", () => {
    for (const n of [1, 2, 3, 4, 5, 17, 33, 64, 65, 130]) checkEigh(la, symmetric(n, 10 + n), n);
  });

  it("known spectra: diagonal, repeated, rank-1, zero, 1x1, 2x2, indefinite", () => {
    const D = new Float64Array(16);
    [2, -7, 0, 5].forEach((v, i) => (D[i * 4 + i] = v));
    expect(Array.from(checkEigh(la, D, 4, [2, -7, 0, 5]))).toEqual([5, 2, 0, -7]);
    checkEigh(la, Float64Array.of(-2.5), 1, [-2.5]);
    checkEigh(la, Float64Array.of(2, 1, 1, 2), 2, [3, 1]);
    checkEigh(la, Float64Array.of(0, 1, 1, 0), 2, [1, -1]);
    expect(Array.from(checkEigh(la, new Float64Array(9), 3))).toEqual([0, 0, 0]);
    const rep = [3, 3, 3, 1, 1, -2, -2, -2, -2, 0];
    checkEigh(la, withEigenvalues(rep, 21), rep.length, rep);
    const I = new Float64Array(36);
    for (let i = 0; i < 6; i++) I[i * 6 + i] = 1;
    checkEigh(la, I, 6, [1, 1, 1, 1, 1, 1]);
    // rank 1: u u^T
    const u = randMat(12, 1, 22);
    const R1 = new Float64Array(144);
    for (let j = 0; j < 12; j++) for (let i = 0; i < 12; i++) R1[j * 12 + i] = (u[i] as number) * (u[j] as number);
    const uu = u.reduce((s, x) => s + x * x, 0);
    checkEigh(la, R1, 12, [uu, ...new Array(11).fill(0)]);
    const ind = [4, 1e-3, -1e-3, -4, 2, -2, 1e-9, 0];
    checkEigh(la, withEigenvalues(ind, 23), ind.length, ind);
  });

  it("Wilkinson matrices W21+ (close pairs) and W21-", () => {
    const wp = checkEigh(la, wilkinson(10, true), 21);
    expect(wp[0]!).toBeCloseTo(10.746194182903393, 12);
    expect(Math.abs(wp[0]! - wp[1]!)).toBeLessThan(1e-13); // the famous pair agreeing to ~1e-14
    const wm = checkEigh(la, wilkinson(10, false), 21);
    for (let i = 0; i < 21; i++) expect(Math.abs(wm[i]! + wm[20 - i]!)).toBeLessThan(1e-13); // symmetric spectrum
  });

  it("scale invariance (power-of-two pre-scaling) and (S + S^T) / 2", () => {
    const n = 20;
    const S = symmetric(n, 31);
    const w = checkEigh(la, S, n);
    for (const f of [2 ** -600, 1e-150, 1e150]) {
      const ws = checkEigh(la, S.map((x) => x * f), n);
      for (let i = 0; i < n; i++) expect(Math.abs((ws[i] as number) / f - (w[i] as number))).toBeLessThan(1e-13 * Math.abs(w[0] as number));
    }
    const skew = S.slice();
    skew[1] = (skew[1] as number) + 1e-3;
    const sym = skew.slice();
    sym[1] = sym[n] = ((skew[1] as number) + (skew[n] as number)) / 2;
    const a = la.eighValues(la.fromArray(n, n, skew));
    const b = la.eighValues(la.fromArray(n, n, sym));
    for (let i = 0; i < n; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(1e-13 * Math.abs(w[0] as number));
  });

  it("positive semidefinite Gram: zero eigenvalues come out tiny (absolute accuracy), n = 0", () => {
    const X = randMat(5, 30, 41);
    const G = new Float64Array(900);
    for (let j = 0; j < 30; j++) for (let i = 0; i < 30; i++) {
      let s = 0;
      for (let k = 0; k < 5; k++) s += (X[i * 5 + k] as number) * (X[j * 5 + k] as number);
      G[j * 30 + i] = s;
    }
    const w = checkEigh(la, G, 30);
    for (let i = 5; i < 30; i++) expect(Math.abs(w[i] as number)).toBeLessThan(1e-13 * (w[0] as number));
    expect(la.eighValues(la.fromArray(0, 0)).length).toBe(0);
    const e0 = la.eigh(la.fromArray(0, 0));
    expect(e0.values.length).toBe(0);
  });

  it("divide and conquer: random sizes in 1..200 (leaf, one and several merges) and 512", () => {
    const g = gaussian(97);
    const sizes = [31, 32, 33, 63, 64, 65, 96, 127, 128, 129, 200];
    for (let r = 0; r < 12; r++) sizes.push(1 + Math.floor(200 * Math.abs(Math.tanh(g()))) % 200);
    for (const n of sizes) checkEigh(la, symmetric(n, 300 + n), n);
    checkEigh(la, symmetric(512, 512), 512);
  });

  it("divide and conquer: clustered, repeated, graded, diagonal, zero and identity", () => {
    const clustered = Array.from({ length: 90 }, (_, i) => (i < 30 ? 1 + i * 1e-13 : i < 60 ? -1 - (i - 60) * 1e-10 : 2 + (i % 3) * 1e-15));
    checkEigh(la, withEigenvalues(clustered, 111), 90, clustered);
    const repeated = Array.from({ length: 100 }, (_, i) => [5, -3, 0, 1e-8][i % 4] as number);
    checkEigh(la, withEigenvalues(repeated, 112), 100, repeated);
    const graded = Array.from({ length: 80 }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (-i / 8));
    checkEigh(la, withEigenvalues(graded, 113), 80, graded);
    const n = 120;
    const D = new Float64Array(n * n);
    const dv = Array.from({ length: n }, (_, i) => (i * 7) % 13 - 6);
    dv.forEach((v, i) => (D[i * n + i] = v));
    checkEigh(la, D, n, dv);
    expect(Array.from(checkEigh(la, new Float64Array(70 * 70), 70))).toEqual(new Array(70).fill(0));
    const I = new Float64Array(75 * 75);
    for (let i = 0; i < 75; i++) I[i * 75 + i] = 1;
    checkEigh(la, I, 75, new Array(75).fill(1));
    // rank one u u^T of order 100: one eigenvalue |u|^2, 99 zeros (all but one z component deflate)
    const u = randMat(100, 1, 114);
    const R1 = new Float64Array(100 * 100);
    for (let j = 0; j < 100; j++) for (let i = 0; i < 100; i++) R1[j * 100 + i] = (u[i] as number) * (u[j] as number);
    checkEigh(la, R1, 100, [u.reduce((t, x) => t + x * x, 0), ...new Array(99).fill(0)]);
  });

  it("divide and conquer: glued Wilkinson matrices (W21+ blocks coupled by tiny entries)", () => {
    for (const glue of [1e-14, 1e-8, 1e-3]) {
      const w = wilkinson(10, true);
      const blocks = 10, n = 21 * blocks;
      const S = new Float64Array(n * n);
      for (let b = 0; b < blocks; b++) {
        for (let j = 0; j < 21; j++) for (let i = 0; i < 21; i++) S[(21 * b + j) * n + 21 * b + i] = w[j * 21 + i] as number;
        if (b > 0) S[(21 * b) * n + 21 * b - 1] = S[(21 * b - 1) * n + 21 * b] = glue;
      }
      checkEigh(la, S, n);
    }
  });

  it("deterministic", () => {
    const S = symmetric(40, 51);
    const a = la.eigh(la.fromArray(40, 40, S));
    const b = la.eigh(la.fromArray(40, 40, S));
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(Array.from(la.toArray(b.vectors))).toEqual(Array.from(la.toArray(a.vectors)));
  });
});

describe("eigh: divide and conquer against the QL path with vectors", () => {
  it("both eigenvector paths meet the contract and give the same values (both backends)", () => {
    const core = WasmCore.createSync({ threads: 1 });
    const la = wasmLinalg(core);
    for (const n of [40, 150]) {
      const S = symmetric(n, 400 + n);
      const glued = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        glued[i * n + i] = Math.abs((i % 21) - 10);
        if (i + 1 < n) glued[i * n + i + 1] = glued[(i + 1) * n + i] = (i + 1) % 21 === 0 ? 1e-12 : 1;
      }
      for (const M of [S, glued]) {
        core.exports.eighDivideAndConquer(0);
        setEighDivideAndConquer(false);
        let ql: Float64Array[];
        try {
          ql = [checkEigh(la, M, n), checkEigh(jsLinalg, M, n)];
        } finally {
          core.exports.eighDivideAndConquer(1);
          setEighDivideAndConquer(true);
        }
        const dc = [checkEigh(la, M, n), checkEigh(jsLinalg, M, n)];
        const rho = Math.abs(dc[0]![0]!) + Math.abs(dc[0]![n - 1]!);
        for (let b = 0; b < 2; b++) for (let i = 0; i < n; i++) expect(Math.abs(dc[b]![i]! - ql[b]![i]!)).toBeLessThan(1e-13 * rho);
      }
    }
  });
});

describe("eigh: the two backends agree", () => {
  it("values within 1e-12 relative, eigenvectors up to sign for simple eigenvalues", () => {
    for (const n of [7, 50, 129]) {
      const S = symmetric(n, 60 + n);
      const a = wasm.eigh(wasm.fromArray(n, n, S));
      const b = jsLinalg.eigh(jsLinalg.fromArray(n, n, S));
      const rho = Math.abs(a.values[0]!) + Math.abs(a.values[n - 1]!);
      for (let i = 0; i < n; i++) expect(Math.abs(a.values[i]! - b.values[i]!)).toBeLessThan(1e-12 * rho);
      const Va = wasm.toArray(a.vectors), Vb = jsLinalg.toArray(b.vectors);
      for (let j = 0; j < n; j++) {
        const gap = Math.min(j > 0 ? a.values[j - 1]! - a.values[j]! : Infinity, j + 1 < n ? a.values[j]! - a.values[j + 1]! : Infinity);
        if (gap < 1e-3 * rho) continue;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += Va[j * n + i]! * Vb[j * n + i]!;
        expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-10);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

function checkSingular(la: Linalg, A: Float64Array, m: number, n: number, tol = 1e-13): Float64Array {
  const mark = la.mark();
  try {
    const h = la.fromArray(m, n, A);
    const s = la.singularValues(h);
    const k = Math.min(m, n);
    expect(s.length).toBe(k);
    for (let i = 0; i < k; i++) expect(s[i]!).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < k; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
    const ref = la.svd(h, false).s;
    const smax = Math.max(ref[0] ?? 0, Number.MIN_VALUE);
    for (let i = 0; i < k; i++) expect(Math.abs(s[i]! - ref[i]!), `sigma ${i} of ${m} x ${n}`).toBeLessThanOrEqual(tol * smax);
    return s;
  } finally {
    la.release(mark);
  }
}

/** U diag(s) V^T with random orthogonal-ish factors (QR of Gaussians via the Linalg). */
function withSingularValues(la: Linalg, m: number, n: number, s: number[], seed: number): Float64Array {
  const mark = la.mark();
  try {
    const k = s.length;
    const u = la.qr(la.fromArray(m, k, randMat(m, k, seed))).q;
    const v = la.qr(la.fromArray(n, k, randMat(n, k, seed + 1))).q;
    la.scaleColumns(u, Float64Array.from(s));
    const vt = la.fromArray(k, n, (() => {
      const V = la.toArray(v);
      const T = new Float64Array(k * n);
      for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) T[i * k + j] = V[j * n + i] as number;
      return T;
    })());
    return la.toArray(la.gemmNN(u, vt));
  } finally {
    la.release(mark);
  }
}

describe.each(BACKENDS)("singularValues by bidiagonalisation (%s)", (_name, la) => {
  it("random matrices: square, tall (QR first), slightly tall, wide", () => {
    for (const [m, n] of [[1, 1], [2, 2], [5, 3], [3, 5], [17, 17], [40, 33], [300, 40], [45, 40], [33, 129], [129, 65]] as const) {
      checkSingular(la, randMat(m, n, 70 + m + 3 * n), m, n);
    }
  });

  it("edge shapes: 0 columns, 0 rows, 1 column, 1 row, zero matrix", () => {
    expect(la.singularValues(la.fromArray(5, 0)).length).toBe(0);
    expect(la.singularValues(la.fromArray(0, 4)).length).toBe(0);
    const col = randMat(9, 1, 81);
    const s1 = checkSingular(la, col, 9, 1);
    expect(s1[0]!).toBeCloseTo(Math.sqrt(col.reduce((s, x) => s + x * x, 0)), 13);
    const row = randMat(1, 9, 82);
    checkSingular(la, row, 1, 9);
    expect(Array.from(la.singularValues(la.fromArray(4, 3)))).toEqual([0, 0, 0]);
  });

  it("graded, rank-deficient and clustered spectra", () => {
    const graded = Array.from({ length: 30 }, (_, i) => 10 ** (-i / 3));
    const s = checkSingular(la, withSingularValues(la, 60, 30, graded, 91), 60, 30);
    graded.forEach((want, i) => expect(Math.abs(s[i]! - want)).toBeLessThan(1e-13));
    const rank = [5, 4, 3, 2, 1];
    const r = checkSingular(la, withSingularValues(la, 40, 25, rank, 92), 40, 25);
    for (let i = 5; i < 25; i++) expect(r[i]!).toBeLessThan(1e-13 * 5);
    const wide = checkSingular(la, withSingularValues(la, 12, 50, rank, 93), 12, 50);
    rank.forEach((want, i) => expect(Math.abs(wide[i]! - want)).toBeLessThan(1e-13 * 5));
    const cluster = [2, 2, 2, 1 + 1e-12, 1, 1, 1e-8];
    checkSingular(la, withSingularValues(la, 20, 7, cluster, 94), 20, 7);
    // scaled far from 1 (power-of-two pre-scaling)
    const A = randMat(30, 20, 95);
    const base = la.singularValues(la.fromArray(30, 20, A));
    for (const f of [1e-200, 1e200]) {
      const sf = la.singularValues(la.fromArray(30, 20, A.map((x) => x * f)));
      for (let i = 0; i < 20; i++) expect(Math.abs(sf[i]! / f - base[i]!)).toBeLessThan(1e-13 * base[0]!);
    }
  });
  it("known spectra: graded 1..1e-12, repeated, orthogonal, 1 x 1 and 2 x 2", () => {
    // graded over twelve decades (A = U diag(s) V^T, ||A|| = 1): absolute accuracy ~ eps
    const graded = Array.from({ length: 60 }, (_, i) => 10 ** (-12 * i / 59));
    const g = checkSingular(la, withSingularValues(la, 80, 60, graded, 201), 80, 60);
    graded.forEach((want, i) => expect(Math.abs(g[i]! - want), `graded ${i}`).toBeLessThan(1e-14));
    // repeated values (clusters of 3, 2, 4)
    const rep = [3, 3, 3, 2, 2, 1, 1, 1, 1, 0.5];
    const r = checkSingular(la, withSingularValues(la, 40, 10, rep, 202), 40, 10);
    rep.forEach((want, i) => expect(Math.abs(r[i]! - want), `repeated ${i}`).toBeLessThan(3e-14));
    const rw = checkSingular(la, withSingularValues(la, 10, 25, rep, 203), 10, 25);
    rep.forEach((want, i) => expect(Math.abs(rw[i]! - want), `repeated wide ${i}`).toBeLessThan(3e-14));
    // an orthogonal matrix: all singular values 1
    const mark = la.mark();
    const Q = la.toArray(la.qr(la.fromArray(50, 50, randMat(50, 50, 204))).q);
    la.release(mark);
    for (const x of checkSingular(la, Q, 50, 50)) expect(Math.abs(x - 1)).toBeLessThan(1e-14);
    // 1 x 1 and 2 x 2: [[3, 4], [0, 5]]^T [[3, 4], [0, 5]] has the eigenvalues 45 and 5
    expect(Math.abs(la.singularValues(la.fromArray(1, 1, Float64Array.of(-2.5)))[0]! - 2.5)).toBeLessThan(1e-15 * 2.5);
    const two = la.singularValues(la.fromArray(2, 2, Float64Array.of(3, 0, 4, 5)));
    expect(Math.abs(two[0]! - Math.sqrt(45))).toBeLessThan(1e-15 * 7);
    expect(Math.abs(two[1]! - Math.sqrt(5))).toBeLessThan(1e-15 * 7);
    const sing = la.singularValues(la.fromArray(2, 2, Float64Array.of(1, 2, 2, 4))); // rank 1: sqrt(25), 0
    expect(Math.abs(sing[0]! - 5)).toBeLessThan(1e-14);
    expect(sing[1]!).toBeLessThan(1e-15 * 5);
  });

  it("exact zeros: zero rows and columns, zero bidiagonal entries, rank deficiency", () => {
    // zero columns 3 and 7, zero rows 0 and 12 of a 30 x 20: rank 18
    const A = randMat(30, 20, 211);
    for (const j of [3, 7]) for (let i = 0; i < 30; i++) A[j * 30 + i] = 0;
    for (const i of [0, 12]) for (let j = 0; j < 20; j++) A[j * 30 + i] = 0;
    const s = checkSingular(la, A, 30, 20);
    expect(s[17]!).toBeGreaterThan(1e-3);
    expect(s[18]!).toBeLessThan(1e-14 * s[0]!);
    expect(s[19]!).toBeLessThan(1e-14 * s[0]!);
    // already upper bidiagonal with zeros on both diagonals (the reduction keeps the zeros)
    const n = 9;
    const d = [1, 0, 2, 3, 0, 0, 1e-8, 5, 4], f = [1, 1, 0, 2, 1, 0, 1, 1e-9];
    const Bd = new Float64Array(n * n);
    for (let i = 0; i < n; i++) Bd[i * n + i] = d[i]!;
    for (let i = 0; i < n - 1; i++) Bd[(i + 1) * n + i] = f[i]!;
    const b = checkSingular(la, Bd, n, n);
    // f_2 = f_5 = 0 split it into three 3 x 3 blocks; the first two are singular, the third's
    // smallest value is ~1e-8
    expect(b[n - 3]!).toBeGreaterThan(9e-9);
    for (let i = n - 2; i < n; i++) expect(b[i]!).toBeLessThan(1e-15 * b[0]!);
    // a single nonzero entry, and a rank-1 outer product
    const one = new Float64Array(12 * 7);
    one[5 * 12 + 4] = -3;
    const so = la.singularValues(la.fromArray(12, 7, one));
    expect(Math.abs(so[0]! - 3)).toBeLessThan(1e-15 * 3);
    expect(Array.from(so.subarray(1))).toEqual([0, 0, 0, 0, 0, 0]);
    const u = randMat(25, 1, 212), v = randMat(15, 1, 213);
    const R1 = new Float64Array(25 * 15);
    for (let j = 0; j < 15; j++) for (let i = 0; i < 25; i++) R1[j * 25 + i] = u[i]! * v[j]!;
    const r1 = checkSingular(la, R1, 25, 15);
    const want = Math.hypot(...u) * Math.hypot(...v);
    expect(Math.abs(r1[0]! - want)).toBeLessThan(1e-14 * want);
    for (let i = 1; i < 15; i++) expect(r1[i]!).toBeLessThan(1e-14 * want);
  });

  it("graded bidiagonal-like matrices and extreme scales", () => {
    // upper bidiagonal plus noise, diagonal graded over 1..1e-12 (small values at either end)
    for (const flip of [false, true]) {
      const n = 40;
      const B = new Float64Array(n * n);
      const g = gaussian(220 + Number(flip));
      for (let i = 0; i < n; i++) {
        const k = flip ? n - 1 - i : i;
        B[i * n + i] = 10 ** (-12 * k / (n - 1));
        if (i + 1 < n) B[(i + 1) * n + i] = 0.5 * 10 ** (-12 * k / (n - 1));
        for (let j = 0; j < n; j++) B[j * n + i] += 1e-14 * g();
      }
      checkSingular(la, B, n, n);
    }
    const A = randMat(37, 23, 221);
    const base = la.singularValues(la.fromArray(37, 23, A));
    for (const f of [1e-150, 1e150, 1e-300, 1e300]) {
      const sf = la.singularValues(la.fromArray(37, 23, A.map((x) => x * f)));
      for (let i = 0; i < 23; i++) expect(Math.abs(sf[i]! / f - base[i]!)).toBeLessThan(1e-13 * base[0]!);
    }
  });
});

describe("singularValues (wasm): dqds against the Golub-Kahan tridiagonal QL", () => {
  const core = WasmCore.createSync({ threads: 1 });
  const la = wasmLinalg(core);
  function both(m: number, n: number, A: Float64Array): [Float64Array, Float64Array] {
    const mark = la.mark();
    try {
      const h = la.fromArray(m, n, A);
      core.exports.singularValuesDqds(0);
      const ql = la.singularValues(h);
      core.exports.singularValuesDqds(1);
      return [la.singularValues(h), ql];
    } finally {
      core.exports.singularValuesDqds(1);
      la.release(mark);
    }
  }
  it("random matrices agree within 1e-13 ||A||", () => {
    for (const [m, n] of [[37, 23], [23, 37], [200, 150], [384, 384], [120, 40]] as const) {
      const [a, b] = both(m, n, randMat(m, n, 230 + m + n));
      expect(a.length).toBe(Math.min(m, n));
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `${m} x ${n} sigma ${i}`).toBeLessThan(1e-13 * b[0]!);
    }
  });
  it("graded and clustered spectra: dqds keeps the small values to high relative accuracy of B", () => {
    const s = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 1 : 10 ** (-i / 5)));
    s.sort((x, y) => y - x);
    const A = withSingularValues(la, 70, 50, s, 231);
    const [a, b] = both(70, 50, A);
    for (let i = 0; i < 50; i++) {
      expect(Math.abs(a[i]! - s[i]!)).toBeLessThan(1e-13);
      expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-13);
    }
  });
  it("is deterministic", () => {
    const A = randMat(90, 70, 232);
    const [a] = both(90, 70, A);
    const [c] = both(90, 70, A);
    expect(Array.from(c)).toEqual(Array.from(a));
  });
});

describe("singularValues (js): dqds against the Golub-Kahan tridiagonal QL", () => {
  function both(m: number, n: number, A: Float64Array): [Float64Array, Float64Array] {
    try {
      setSingularValuesDqds(false);
      const ql = jsLinalg.singularValues(jsLinalg.fromArray(m, n, A));
      setSingularValuesDqds(true);
      return [jsLinalg.singularValues(jsLinalg.fromArray(m, n, A)), ql];
    } finally {
      setSingularValuesDqds(true);
    }
  }
  it("random and graded matrices agree within 1e-13 ||A||", () => {
    const graded = Array.from({ length: 50 }, (_, i) => 10 ** (-12 * i / 49));
    const cases: [number, number, Float64Array][] = [
      ...([[37, 23], [23, 37], [200, 150], [120, 40]] as const).map(([m, n]): [number, number, Float64Array] => [m, n, randMat(m, n, 240 + m + n)]),
      [70, 50, withSingularValues(jsLinalg, 70, 50, graded, 241)],
    ];
    for (const [m, n, A] of cases) {
      const [a, b] = both(m, n, A);
      expect(a.length).toBe(Math.min(m, n));
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `${m} x ${n} sigma ${i}`).toBeLessThan(1e-13 * b[0]!);
    }
  });
});

describe("singularValues: the two backends agree", () => {
  it("within 1e-14 ||A|| (the same bidiagonalisation and dqds, rounding apart)", () => {
    const graded = Array.from({ length: 60 }, (_, i) => 10 ** (-12 * i / 59));
    const cases: [number, number, Float64Array][] = [
      ...([[37, 23], [200, 150], [384, 384], [200, 64], [64, 64], [30, 90]] as const).map(([m, n]): [number, number, Float64Array] => [m, n, randMat(m, n, 100 + m + n)]),
      [80, 60, withSingularValues(jsLinalg, 80, 60, graded, 250)],
    ];
    for (const [m, n, A] of cases) {
      const a = wasm.singularValues(wasm.fromArray(m, n, A));
      const b = jsLinalg.singularValues(jsLinalg.fromArray(m, n, A));
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `${m} x ${n} sigma ${i}`).toBeLessThan(1e-14 * a[0]!);
    }
  });
  it("bit for bit on an upper bidiagonal input (the reduction is exact there: the dqds twins alone)", () => {
    for (const [n, seed, decades] of [[9, 260, 0], [200, 261, 0], [60, 262, 12], [120, 263, 30]] as const) {
      const g = gaussian(seed);
      const B = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        const w = 10 ** (-decades * i / n);
        B[i * n + i] = w * g();
        if (i + 1 < n) B[(i + 1) * n + i] = w * g();
      }
      const a = wasm.singularValues(wasm.fromArray(n, n, B));
      const b = jsLinalg.singularValues(jsLinalg.fromArray(n, n, B));
      expect(Array.from(b), `bidiagonal ${n}`).toEqual(Array.from(a));
    }
  });
});
