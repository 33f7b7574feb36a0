// Invariances the subspace match must have by definition (Wang et al. 2018; docs/subspace-match.md
// sec. 1-2), checked on both backends: neuron permutations, per-neuron scalings, orthogonal mixing
// inside a matched block, swapping the networks, input layouts; monotonicity in eps, the meaning of
// maxEpsilon and minEpsilon, the simple-match decomposition, and the authors' toy example.
import { beforeAll, describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend.js";
import { createEngineSync, type Engine } from "../src/engine.js";
import type { MatrixInput } from "../src/matrix.js";
import { gaussian, rng } from "../src/random.js";
import { plantedPair } from "../src/synthetic.js";
import { randn } from "./helpers.js";

let engine: Engine;
beforeAll(() => {
  engine = createEngineSync();
  expect(engine.backend).toBe("wasm");
});

const BACKENDS: BackendName[] = ["wasm", "js"];

// ---------------------------------------------------------------------------------------------
// Matrix helpers (row-major d x n Float64Array)

interface Dense {
  data: Float64Array;
  shape: [number, number];
}

function dense(m: MatrixInput): Dense {
  return { data: Float64Array.from(m.data as ArrayLike<number>), shape: [m.shape[0]!, m.shape[1]!] };
}

/** column j of the result = column cols[j] of m */
function columns(m: Dense, cols: readonly number[]): Dense {
  const [d, n] = m.shape;
  const out = new Float64Array(d * cols.length);
  for (let i = 0; i < d; i++) for (let j = 0; j < cols.length; j++) out[i * cols.length + j] = m.data[i * n + cols[j]!]!;
  return { data: out, shape: [d, cols.length] };
}

function scaleColumns(m: Dense, s: readonly number[]): Dense {
  const [d, n] = m.shape;
  return { data: m.data.map((v, k) => v * s[k % n]!), shape: [d, n] };
}

/** Replaces columns `cols` of m by (m[:, cols]) Q. */
function mixColumns(m: Dense, cols: readonly number[], Q: number[][]): Dense {
  const [d, n] = m.shape;
  const out = Float64Array.from(m.data);
  for (let i = 0; i < d; i++) {
    for (let c = 0; c < cols.length; c++) {
      let s = 0;
      for (let l = 0; l < cols.length; l++) s += m.data[i * n + cols[l]!]! * Q[l]![c]!;
      out[i * n + cols[c]!] = s;
    }
  }
  return { data: out, shape: [d, n] };
}

/** Random k x k orthogonal matrix (Gram-Schmidt on Gaussian columns, twice for accuracy). */
function orthogonal(k: number, seed: number): number[][] {
  const g = gaussian(seed);
  const cols = Array.from({ length: k }, () => Array.from({ length: k }, g));
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let l = 0; l < j; l++) {
        const dot = cols[j]!.reduce((s, v, i) => s + v * cols[l]![i]!, 0);
        cols[j] = cols[j]!.map((v, i) => v - dot * cols[l]![i]!);
      }
    }
    const nrm = Math.hypot(...cols[j]!);
    cols[j] = cols[j]!.map((v) => v / nrm);
  }
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => cols[j]![i]!));
}

function shuffle(n: number, seed: number): number[] {
  const next = rng(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Where the neurons `set` of the original end up after `columns(m, perm)`. */
function mapped(set: readonly number[], perm: readonly number[]): number[] {
  const inv = new Map(perm.map((old, j) => [old, j]));
  return set.map((k) => inv.get(k)!).sort((x, y) => x - y);
}

/**
 * Block-structured pair like the planted-noisy fixture: each block has its own Gaussian latent
 * L (d x s); a's block is L A, b's block is L B + noise with A, B orthogonal x diag(U[0.7, 1.4]);
 * plus unrelated Gaussian and dead (zero) columns; columns shuffled. Block i's neurons are within
 * ~noise[i] of the other side's span, unrelated ones ~sqrt(1 - n/d) away.
 */
function blockPair(seed: number, d: number, blocks: { size: number; noise: number }[], extra: [number, number], dead: [number, number]) {
  const g = gaussian(seed);
  const colsA: Float64Array[] = [], colsB: Float64Array[] = [];
  const tagA: number[] = [], tagB: number[] = [];
  blocks.forEach(({ size, noise }, bi) => {
    const L = Array.from({ length: size }, () => Float64Array.from({ length: d }, g));
    for (const [side, cols, tag] of [["a", colsA, tagA], ["b", colsB, tagB]] as const) {
      const Q = orthogonal(size, seed * 100 + bi * 2 + (side === "a" ? 0 : 1));
      for (let c = 0; c < size; c++) {
        const scale = 0.7 + 0.7 * ((c * 0.618 + bi * 0.3) % 1);
        const col = new Float64Array(d);
        for (let l = 0; l < size; l++) for (let i = 0; i < d; i++) col[i] += L[l]![i]! * Q[l]![c]! * scale;
        if (side === "b") {
          const nz = Float64Array.from({ length: d }, g);
          const ratio = (noise * Math.hypot(...col)) / Math.hypot(...nz);
          for (let i = 0; i < d; i++) col[i] += ratio * nz[i]!;
        }
        cols.push(col);
        tag.push(bi);
      }
    }
  });
  for (let k = 0; k < extra[0]; k++) (colsA.push(Float64Array.from({ length: d }, g)), tagA.push(-1));
  for (let k = 0; k < extra[1]; k++) (colsB.push(Float64Array.from({ length: d }, g)), tagB.push(-1));
  for (let k = 0; k < dead[0]; k++) (colsA.push(new Float64Array(d)), tagA.push(-2));
  for (let k = 0; k < dead[1]; k++) (colsB.push(new Float64Array(d)), tagB.push(-2));
  const build = (cols: Float64Array[], tag: number[], s: number) => {
    const perm = shuffle(cols.length, s);
    const n = cols.length;
    const data = new Float64Array(d * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) data[i * n + j] = cols[perm[j]!]![i]!;
    const blockIdx = blocks.map((_, bi) => perm.map((p, j) => (tag[p] === bi ? j : -1)).filter((j) => j >= 0));
    const deadIdx = perm.map((p, j) => (tag[p] === -2 ? j : -1)).filter((j) => j >= 0);
    return { m: { data, shape: [d, n] as [number, number] }, blockIdx, deadIdx };
  };
  const A = build(colsA, tagA, seed * 31 + 1);
  const B = build(colsB, tagB, seed * 31 + 2);
  return { a: A.m, b: B.m, blocksA: A.blockIdx, blocksB: B.blockIdx, deadA: A.deadIdx, deadB: B.deadIdx };
}

const union = (...sets: number[][]) => [...new Set(sets.flat())].sort((x, y) => x - y);
const contains = (big: number[], small: number[]) => small.every((k) => big.includes(k));

// Block noise 0.02 / 0.06 / 0.15: staircase at eps 0.05 (block 0), 0.1 (blocks 0-1), 0.3 (all three).
const BP = blockPair(7, 400, [{ size: 2, noise: 0.02 }, { size: 3, noise: 0.06 }, { size: 4, noise: 0.15 }], [7, 6], [1, 2]);
const STAIRS: [number, number[]][] = [
  [0.04, [0]],
  [0.1, [0, 1]],
  [0.3, [0, 1, 2]],
  [0.6, [0, 1, 2]],
];

// ---------------------------------------------------------------------------------------------

describe("the block-structured test pair itself", () => {
  it("has the staircase it was built for (wide margins), so the invariance tests below are not vacuous", () => {
    for (const [eps, blocks] of STAIRS) {
      const r = engine.maxMatch(BP.a, BP.b, { eps });
      expect(r.a).toEqual(union(...blocks.map((i) => BP.blocksA[i]!)));
      expect(r.b).toEqual(union(...blocks.map((i) => BP.blocksB[i]!)));
      expect(r.deadA).toBe(1);
      expect(r.deadB).toBe(2);
      expect(r.margin!).toBeGreaterThan(1e-3);
    }
  });
});

for (const backend of BACKENDS) {
  describe(`invariances [${backend}]`, () => {
    it("permuting the columns of either side permutes the matched indices and keeps the similarity", () => {
      const a = dense(BP.a), b = dense(BP.b);
      const pa = shuffle(a.shape[1], 101), pb = shuffle(b.shape[1], 102);
      const A = columns(a, pa), B = columns(b, pb);
      for (const [eps] of STAIRS) {
        const r0 = engine.maxMatch(a, b, { eps, backend });
        for (const [x, y, permA, permB] of [[A, b, pa, null], [a, B, null, pb], [A, B, pa, pb]] as const) {
          const r = engine.maxMatch(x, y, { eps, backend });
          expect(r.a).toEqual(permA ? mapped(r0.a, permA) : r0.a);
          expect(r.b).toEqual(permB ? mapped(r0.b, permB) : r0.b);
          expect(r.similarity).toBe(r0.similarity);
          expect([r.deadA, r.deadB]).toEqual([r0.deadA, r0.deadB]);
          expect(Math.abs(r.margin! - r0.margin!)).toBeLessThan(1e-9);
        }
      }
      expect(Math.abs(engine.maxEpsilon(A, B, { backend }) - engine.maxEpsilon(a, b, { backend }))).toBeLessThan(1e-12);
      // v-minimal matches follow the neuron, not its position
      const v = BP.blocksA[1]![0]!;
      const w0 = engine.vMinimal(a, b, { eps: 0.1, v: `a:${v}`, backend });
      const w1 = engine.vMinimal(A, B, { eps: 0.1, v: `a:${pa.indexOf(v)}`, backend });
      expect(w1.a).toEqual(mapped(w0.a!, pa));
      expect(w1.b).toEqual(mapped(w0.b!, pb));
    });

    it("scaling any neuron by a positive or negative constant (1e-6 ... 1e6) keeps the match", () => {
      const a = dense(BP.a), b = dense(BP.b);
      const factors = [1e-6, -1e6, -1, 3.5, 1e6, -1e-6, 0.25, -7];
      const sa = Array.from({ length: a.shape[1] }, (_, j) => factors[j % factors.length]!);
      const sb = Array.from({ length: b.shape[1] }, (_, j) => factors[(j + 3) % factors.length]!);
      const A = scaleColumns(a, sa), B = scaleColumns(b, sb);
      for (const [eps] of STAIRS) {
        const r0 = engine.maxMatch(a, b, { eps, backend });
        const r = engine.maxMatch(A, B, { eps, backend });
        expect(r.a).toEqual(r0.a);
        expect(r.b).toEqual(r0.b);
        expect(r.similarity).toBe(r0.similarity);
        expect([r.deadA, r.deadB]).toEqual([1, 2]);
        expect(Math.abs(r.margin! - r0.margin!)).toBeLessThan(1e-9);
      }
      // every side scaled uniformly, too
      for (const c of [1e-6, -1e6]) {
        const r = engine.compare(scaleColumns(a, sa.map(() => c)), b, { eps: [0.1, 0.3], backend });
        const r0 = engine.compare(a, b, { eps: [0.1, 0.3], backend });
        expect(r.maxMatch.map((m) => [m.a, m.b])).toEqual(r0.maxMatch.map((m) => [m.a, m.b]));
        expect(Math.abs(r.maxEpsilon - r0.maxEpsilon)).toBeLessThan(1e-9);
      }
      expect(Math.abs(engine.maxEpsilon(A, B, { backend }) - engine.maxEpsilon(a, b, { backend }))).toBeLessThan(1e-9);
    });

    it("mixing the columns of a matched block by an orthogonal matrix keeps the similarity (plantedPair)", () => {
      const p = plantedPair({ samples: 240, neurons: 14, shared: 6, noise: 0.02, seed: 3 });
      const r0 = engine.maxMatch(p.a, p.b, { eps: 0.3, backend });
      expect(r0.a).toEqual(p.plantedA);
      expect(r0.b).toEqual(p.plantedB);
      for (const seed of [1, 2, 3]) {
        const Q = orthogonal(p.plantedA.length, seed);
        const A = mixColumns(dense(p.a), p.plantedA, Q);
        const r = engine.maxMatch(A, p.b, { eps: 0.3, backend });
        expect(r.similarity).toBe(r0.similarity);
        expect(r.a).toEqual(p.plantedA);
        expect(r.b).toEqual(p.plantedB);
        // b's distances depend only on span(a's block), which Q does not change
        const B = mixColumns(dense(p.b), p.plantedB, orthogonal(p.plantedB.length, seed + 10));
        expect(engine.maxMatch(p.a, B, { eps: 0.3, backend }).similarity).toBe(r0.similarity);
      }
      // and on the block pair: mix the 4-block of a at eps 0.3
      const a = mixColumns(dense(BP.a), BP.blocksA[2]!, orthogonal(4, 9));
      const r1 = engine.maxMatch(a, BP.b, { eps: 0.3, backend });
      const r2 = engine.maxMatch(BP.a, BP.b, { eps: 0.3, backend });
      expect([r1.a, r1.b, r1.similarity]).toEqual([r2.a, r2.b, r2.similarity]);
    });

    it("swapping a and b swaps the result", () => {
      for (const [eps] of STAIRS) {
        const r = engine.maxMatch(BP.a, BP.b, { eps, backend });
        const s = engine.maxMatch(BP.b, BP.a, { eps, backend });
        expect([s.a, s.b]).toEqual([r.b, r.a]);
        expect([s.deadA, s.deadB]).toEqual([r.deadB, r.deadA]);
        expect(s.similarity).toBe(r.similarity);
        // (margins are not compared: the pruning schedule prunes a first, so swapping changes
        // which distances get evaluated)
      }
      expect(Math.abs(engine.maxEpsilon(BP.b, BP.a, { backend }) - engine.maxEpsilon(BP.a, BP.b, { backend }))).toBeLessThan(1e-12);
      const v = BP.blocksB[1]![1]!;
      const r = engine.vMinimal(BP.a, BP.b, { eps: 0.1, v: `b:${v}`, backend });
      const s = engine.vMinimal(BP.b, BP.a, { eps: 0.1, v: `a:${v}`, backend });
      expect([s.a, s.b]).toEqual([r.b, r.a]);
      const sm = (x: MatrixInput, y: MatrixInput) =>
        engine.simpleMatches(x, y, { eps: 0.3, backend }).matches.map((m) => JSON.stringify([m.a, m.b])).sort();
      const swapped = engine.simpleMatches(BP.b, BP.a, { eps: 0.3, backend }).matches.map((m) => JSON.stringify([m.b, m.a])).sort();
      expect(swapped).toEqual(sm(BP.a, BP.b));
    });

    it("Fortran order, Float32Array and nested arrays give results identical to row-major Float64Array", () => {
      // float32-representable values, so the Float32Array holds exactly the same numbers
      const a = dense(BP.a), b = dense(BP.b);
      a.data = a.data.map(Math.fround);
      b.data = b.data.map(Math.fround);
      const fortran = (m: Dense): MatrixInput => {
        const [dd, n] = m.shape;
        return { data: Float64Array.from({ length: dd * n }, (_, k) => m.data[(k % dd) * n + Math.floor(k / dd)]!), shape: [dd, n], fortranOrder: true };
      };
      const nested = (m: Dense): number[][] => Array.from({ length: m.shape[0] }, (_, i) => Array.from(m.data.subarray(i * m.shape[1], (i + 1) * m.shape[1])));
      const f32 = (m: Dense): MatrixInput => ({ data: Float32Array.from(m.data), shape: m.shape });
      const plainArray = (m: Dense): MatrixInput => ({ data: Array.from(m.data), shape: m.shape });
      expect(a.data.some((v, k) => v !== BP.a.data[k])).toBe(true); // rounding did change values
      const eps = [0.04, 0.1, 0.3, 0.6];
      const ref = engine.compare(a, b, { eps, backend });
      const refSimple = engine.simpleMatches(a, b, { eps: 0.1, backend });
      const refV = engine.vMinimal(a, b, { eps: 0.3, v: `a:${BP.blocksA[2]![0]}`, backend });
      for (const [x, y] of [
        [fortran(a), fortran(b)],
        [f32(a), f32(b)],
        [nested(a), nested(b)],
        [fortran(a), f32(b)],
        [nested(a), plainArray(b)],
      ] as [MatrixInput, MatrixInput][]) {
        const r = engine.compare(x, y, { eps, backend });
        expect(r).toEqual(ref); // bit for bit, margins included
        expect(engine.simpleMatches(x, y, { eps: 0.1, backend })).toEqual(refSimple);
        expect(engine.vMinimal(x, y, { eps: 0.3, v: refV.v, backend })).toEqual(refV);
      }
    });

    it("the eps curve is monotone: each maximum match contains the one at a smaller eps", () => {
      const relu = (m: MatrixInput): MatrixInput => ({ data: (m.data as Float64Array).map(Math.abs), shape: m.shape });
      const grid = Array.from({ length: 50 }, (_, i) => i * 0.02);
      for (const [a, b] of [
        [BP.a, BP.b],
        [randn(60, 30, 1), randn(60, 30, 2)],
        [relu(randn(40, 25, 3)), relu(randn(40, 25, 4))],
      ] as [MatrixInput, MatrixInput][]) {
        const c = engine.similarityCurve(a, b, { eps: grid, backend });
        let grew = 0;
        for (let i = 1; i < c.points.length; i++) {
          const lo = c.points[i - 1]!, hi = c.points[i]!;
          expect(contains(hi.a, lo.a) && contains(hi.b, lo.b), `eps ${lo.eps} -> ${hi.eps}`).toBe(true);
          expect(hi.similarity).toBeGreaterThanOrEqual(lo.similarity);
          if (hi.similarity > lo.similarity) grew++;
        }
        expect(grew).toBeGreaterThan(0);
        expect(c.points[0]!.similarity).toBeLessThan(c.points[c.points.length - 1]!.similarity);
      }
    });

    it("maxEpsilon: at maxEpsilon + 1e-9 every live neuron matches, at maxEpsilon - 1e-6 not", () => {
      const withDead = (m: MatrixInput, at: number[]): MatrixInput => {
        const x = dense(m);
        for (const j of at) for (let i = 0; i < x.shape[0]; i++) x.data[i * x.shape[1] + j] = 0;
        return x;
      };
      for (const [a, b] of [
        [BP.a, BP.b],
        [randn(60, 30, 1), randn(60, 30, 2)],
        [withDead(randn(80, 12, 5), [0, 7]), withDead(randn(80, 9, 6), [8])],
        [randn(50, 4, 7), randn(50, 3, 8)],
      ] as [MatrixInput, MatrixInput][]) {
        const me = engine.maxEpsilon(a, b, { backend });
        expect(me).toBeGreaterThan(0);
        expect(me).toBeLessThan(1 - 1e-6);
        const all = engine.maxMatch(a, b, { eps: me + 1e-9, backend });
        expect(all.a.length).toBe(a.shape[1]! - all.deadA);
        expect(all.b.length).toBe(b.shape[1]! - all.deadB);
        const less = engine.maxMatch(a, b, { eps: me - 1e-6, backend });
        expect(less.a.length + less.b.length).toBeLessThan(all.a.length + all.b.length);
        expect(engine.similarityCurve(a, b, { eps: [0.5], backend }).maxEpsilon).toBe(me);
      }
      // no live neuron on one side: 0
      const z = { data: new Float64Array(60 * 3), shape: [60, 3] };
      expect(engine.maxEpsilon(randn(60, 5, 9), z, { backend })).toBe(0);
    });

    it("minEpsilon: >= minSize per side at eps, not at eps - tol (or eps - tol is below lo)", () => {
      const tol = 1e-4;
      for (const [a, b, sizes] of [
        [BP.a, BP.b, [1, 2, 3, 5, 9]],
        [randn(60, 30, 1), randn(60, 30, 2), [1, 10, 30]],
      ] as [MatrixInput, MatrixInput, number[]][]) {
        for (const minSize of sizes) {
          for (const lo of [0, 0.03]) {
            const r = engine.minEpsilon(a, b, { minSize, tol, lo, backend });
            expect(r.eps, `minSize ${minSize}`).not.toBeNull();
            const eps = r.eps!;
            expect(eps).toBeGreaterThanOrEqual(lo);
            expect(Math.min(r.a.length, r.b.length)).toBeGreaterThanOrEqual(minSize);
            const at = engine.maxMatch(a, b, { eps, backend });
            expect([at.a, at.b]).toEqual([r.a, r.b]);
            if (eps - tol >= lo) {
              const below = engine.maxMatch(a, b, { eps: eps - tol, backend });
              expect(Math.min(below.a.length, below.b.length), `minSize ${minSize}, eps ${eps}`).toBeLessThan(minSize);
            } else {
              expect(eps - lo).toBeLessThanOrEqual(tol);
            }
            expect(r.steps).toBeGreaterThanOrEqual(1);
          }
        }
      }
      // more neurons per side than a side has live: null
      const none = engine.minEpsilon(BP.a, BP.b, { minSize: 100, backend });
      expect(none).toMatchObject({ eps: null, a: [], b: [] });
    });

    it("simpleMatches: every match is certified simple, is a match on its own, and their union is the maximum match", () => {
      for (const [a, b, eps] of [
        [BP.a, BP.b, 0.04],
        [BP.a, BP.b, 0.1],
        [BP.a, BP.b, 0.3],
        [randn(30, 8, 21), randn(30, 8, 22), 0.9],
        [randn(6, 8, 1), randn(6, 7, 2), 0.2], // d < n: v-minimal matches not unique
      ] as [MatrixInput, MatrixInput, number][]) {
        const top = engine.maxMatch(a, b, { eps, backend });
        const s = engine.simpleMatches(a, b, { eps, backend });
        expect(s.matches.length).toBeGreaterThan(0);
        for (const m of s.matches) {
          expect(m.simple).toBe(true);
          expect(m.a.length + m.b.length).toBeGreaterThan(0);
          // restricted to its own neurons, the match is its own maximum match
          const own = engine.maxMatch(columns(dense(a), m.a), columns(dense(b), m.b), { eps, backend });
          expect(own.a.length).toBe(m.a.length);
          expect(own.b.length).toBe(m.b.length);
        }
        expect(union(...s.matches.map((m) => m.a))).toEqual(top.a);
        expect(union(...s.matches.map((m) => m.b))).toEqual(top.b);
        // every seed is in its own match, and every matched neuron is a seed exactly once
        const seeds = s.matches.flatMap((m) => m.seeds);
        expect(seeds.length).toBe(top.a.length + top.b.length);
        expect(new Set(seeds).size).toBe(seeds.length);
        for (const m of s.matches) for (const v of m.seeds) expect((v[0] === "a" ? m.a : m.b).includes(Number(v.slice(2)))).toBe(true);
      }
      // on the block pair at eps 0.1 the simple matches are exactly the two matched planted blocks
      const s = engine.simpleMatches(BP.a, BP.b, { eps: 0.1, backend });
      expect(s.unique).toBe(true);
      expect(s.matches.map((m) => [m.a, m.b]).sort()).toEqual([0, 1].map((i) => [BP.blocksA[i], BP.blocksB[i]]).sort());
    });
  });
}

describe("the authors' toy example (match_utils.py unittest(), docs sec. 7)", () => {
  // neurons x samples in the authors' code; the project's layout is samples x neurons
  const X = [
    [1, 0.5, 0, 0, 0, 0],
    [0, 1, 0, 0, 0, 0],
    [0, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 1, 0],
  ];
  const Y = [
    [0, 0, 1, 0, 0, 0],
    [1, 0, 0, 0, 0, 0],
    [0.5, 1, 0, 0, 0, 0],
    [0, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 1, 0],
  ];
  const T = (m: number[][]) => m[0]!.map((_, j) => m.map((row) => row[j]!));
  const a = T(X), b = T(Y);

  for (const backend of BACKENDS) {
    it(`maximum match, maxEpsilon, v-minimal and simple matches [${backend}]`, () => {
      expect([a.length, a[0]!.length, b[0]!.length]).toEqual([6, 4, 5]);
      const m = engine.maxMatch(a, b, { eps: 0.1, backend });
      expect(m.a).toEqual([0, 1, 2, 3]);
      expect(m.b).toEqual([1, 2, 3, 4]);
      expect(m.similarity).toBeCloseTo(8 / 9, 15);
      expect([m.deadA, m.deadB]).toEqual([0, 0]);
      expect(engine.maxEpsilon(a, b, { backend })).toBeCloseTo(1, 12);
      // orthogonal single neurons (X[0:1], Y[0:1]): maxEpsilon 1
      expect(engine.maxEpsilon(a.map((r) => [r[0]!]), b.map((r) => [r[0]!]), { backend })).toBeCloseTo(1, 12);
      const v = engine.vMinimal(a, b, { eps: 0.1, v: "a:0", backend });
      expect([v.v, v.a, v.b]).toEqual(["a:0", [0, 1], [1, 2]]);
      // b:0 (orthogonal to every neuron of a) is in no match
      expect(engine.vMinimal(a, b, { eps: 0.1, v: "b:0", backend })).toMatchObject({ a: null, b: null });
      // the reference README's simple_matches output, x/y -> a/b
      const s = engine.simpleMatches(a, b, { eps: 0.1, backend });
      expect(s.matches.map(({ a, b, seeds }) => ({ a, b, seeds }))).toEqual([
        { a: [0, 1], b: [1, 2], seeds: ["a:0", "a:1", "b:1", "b:2"] },
        { a: [2], b: [3], seeds: ["a:2", "b:3"] },
        { a: [3], b: [4], seeds: ["a:3", "b:4"] },
      ]);
      expect(s.matches.every((x) => x.simple)).toBe(true);
      expect(s.unique).toBe(true);
    });
  }
});
