// The WASM SIMD core against the pure-TS backend at sizes that hit every SIMD and tiling tail
// (d and neuron counts of 1, 2, 3, 5, 7, 17, 33, 63, 129, 257; d < n included; dead columns):
// identical index sets, margins and maxEpsilon within 1e-9, identical simple matches at small
// sizes. Then the conv protocol (channel = neuron, sampled (image, position) rows).
import { beforeAll, describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend.js";
import type { ConvInput } from "../src/conv.js";
import { createEngineSync, type Engine } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import type { MatrixInput } from "../src/matrix.js";
import { gaussian } from "../src/random.js";
import { plantedPair } from "../src/synthetic.js";
import { randn } from "./helpers.js";

let engine: Engine;
beforeAll(() => {
  engine = createEngineSync();
  expect(engine.backend).toBe("wasm");
});

const DS = [1, 2, 3, 7, 33, 129, 257];
const NS = [1, 2, 3, 5, 17, 63];
const EPS = [0.05, 0.3, 0.6, 0.9, 0.97];
const TOL = 1e-9;

function withDead(m: MatrixInput, cols: number[]): MatrixInput {
  const [d, n] = m.shape as [number, number];
  const data = Float64Array.from(m.data as Float64Array);
  for (const j of cols) if (j < n) for (let i = 0; i < d; i++) data[i * n + j] = 0;
  return { data, shape: [d, n] };
}

/** Runs compare on both backends and checks parity; returns the wasm result. */
function expectParity(a: MatrixInput, b: MatrixInput, eps: number[], label: string) {
  const w = engine.compare(a, b, { eps, backend: "wasm" });
  const j = engine.compare(a, b, { eps, backend: "js" });
  expect(j.samples).toBe(w.samples);
  expect(j.neurons).toEqual(w.neurons);
  expect(Math.abs(w.maxEpsilon - j.maxEpsilon), `${label}: maxEpsilon ${w.maxEpsilon} vs ${j.maxEpsilon}`).toBeLessThanOrEqual(TOL);
  w.maxMatch.forEach((mw, k) => {
    const mj = j.maxMatch[k]!;
    const at = `${label} eps ${mw.eps}`;
    // a distance within rounding of eps could legitimately flip: make sure the data has none
    if (mw.margin !== null) expect(mw.margin, `${at}: margin`).toBeGreaterThan(1e-7);
    expect(mj.a, at).toEqual(mw.a);
    expect(mj.b, at).toEqual(mw.b);
    expect(mj.similarity, at).toBe(mw.similarity);
    expect([mj.deadA, mj.deadB], at).toEqual([mw.deadA, mw.deadB]);
    if (mw.margin === null) expect(mj.margin, at).toBeNull();
    else expect(Math.abs(mw.margin - mj.margin!), `${at}: margin ${mw.margin} vs ${mj.margin}`).toBeLessThanOrEqual(TOL);
  });
  expect(j.warnings).toEqual(w.warnings);
  return w;
}

describe("wasm vs js: random Gaussian inputs at every size combination", () => {
  for (const d of DS) {
    it(`d = ${d}: every (na, nb) in ${JSON.stringify(NS)}^2, with and without dead columns`, () => {
      let seed = d * 1000;
      for (const na of NS) {
        for (const nb of NS) {
          seed += 2;
          let a = randn(d, na, seed);
          let b = randn(d, nb, seed + 1);
          if ((na + nb) % 2 === 0) {
            a = withDead(a, [0, 4]);
            b = withDead(b, [nb - 1]);
          }
          const w = expectParity(a, b, EPS, `d ${d} na ${na} nb ${nb}`);
          if (d < Math.min(na, nb) && w.maxMatch[0]!.deadA === 0 && w.maxMatch[0]!.deadB === 0) {
            // each side spans R^d: everything matches at every eps
            expect(w.maxMatch.every((m) => m.similarity === 1)).toBe(true);
          }
        }
      }
    });
  }

  it("one side entirely dead; a single live neuron; d = 1", () => {
    const z = { data: new Float64Array(33 * 5), shape: [33, 5] };
    const w = expectParity(randn(33, 17, 1), z, EPS, "dead b");
    expect(w.maxEpsilon).toBe(0);
    expect(w.maxMatch.every((m) => m.a.length === 0 && m.b.length === 0 && m.deadB === 5)).toBe(true);
    const one = withDead(randn(7, 3, 2), [0, 2]);
    expectParity(one, randn(7, 2, 3), EPS, "single live a");
    const w1 = expectParity(randn(1, 5, 4), randn(1, 3, 5), EPS, "d 1");
    expect(w1.maxMatch.every((m) => m.similarity === 1)).toBe(true);
  });
});

describe("wasm vs js: structured inputs", () => {
  it("planted pairs at odd sizes (d >= n and d < n)", () => {
    const cases: [number, number, number][] = [
      [7, 5, 3],
      [33, 17, 5],
      [33, 63, 17],
      [129, 17, 7],
      [129, 63, 17],
      [257, 63, 33],
      [257, 5, 2],
    ];
    let planted = 0;
    for (const [samples, neurons, shared] of cases) {
      const p = plantedPair({ samples, neurons, shared, noise: 0.01, seed: samples + neurons });
      const w = expectParity(p.a, p.b, [0.1, 0.3, 0.6, 0.9], `planted ${samples}x${neurons}/${shared}`);
      if (samples > 4 * neurons) {
        const at = w.maxMatch[2]!;
        expect([at.a, at.b]).toEqual([p.plantedA, p.plantedB]);
        planted++;
      }
    }
    expect(planted).toBeGreaterThan(0);
  });

  it("rank-deficient sides: duplicates, scaled copies, combinations, tiny-scale columns", () => {
    for (const [d, n] of [[33, 5], [129, 17], [257, 63], [7, 17]] as [number, number][]) {
      const base = randn(d, n, d + n);
      const src = base.data as Float64Array;
      const g = gaussian(d * n);
      // b = [base columns 0..n/2 scaled, their sums, 1e-6 * base[:, n-1], fresh noise columns]
      const nb = n + 3;
      const data = new Float64Array(d * nb);
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < nb; j++) {
          const x = (c: number) => src[i * n + (c % n)]!;
          data[i * nb + j] =
            j < n / 2 ? -3 * x(j) : j < n ? x(j) + x(j + 1) + 0.05 * g() : j === n ? 1e-6 * x(n - 1) : g();
        }
      }
      // a: the base plus an exact duplicate of column 0
      const na = n + 1;
      const adata = new Float64Array(d * na);
      for (let i = 0; i < d; i++) for (let j = 0; j < na; j++) adata[i * na + j] = src[i * n + (j < n ? j : 0)]!;
      expectParity({ data: adata, shape: [d, na] }, { data, shape: [d, nb] }, [0.03, 0.1, 0.3, 0.6, 0.9], `rank-deficient ${d}x${n}`);
    }
  });

  it("simpleMatches and vMinimal identical at small sizes", () => {
    let nonEmpty = 0;
    for (const d of [3, 7, 33]) {
      for (const [na, nb] of [[2, 3], [5, 5], [3, 5], [5, 2]] as [number, number][]) {
        const a = randn(d, na, 7 * d + na);
        const b = randn(d, nb, 11 * d + nb);
        for (const eps of [0.3, 0.6, 0.9]) {
          const w = engine.simpleMatches(a, b, { eps, backend: "wasm" });
          const j = engine.simpleMatches(a, b, { eps, backend: "js" });
          const at = `d ${d} ${na}+${nb} eps ${eps}`;
          expect(j.matches, at).toEqual(w.matches);
          expect(j.unique, at).toBe(w.unique);
          if (w.margin !== null) {
            expect(w.margin, at).toBeGreaterThan(1e-7);
            expect(Math.abs(w.margin - j.margin!), at).toBeLessThanOrEqual(TOL);
          }
          if (w.matches.length > 0) nonEmpty++;
          for (const v of ["a:0", `b:${nb - 1}`]) {
            const vw = engine.vMinimal(a, b, { eps, v, backend: "wasm" });
            const vj = engine.vMinimal(a, b, { eps, v, backend: "js" });
            expect([vj.a, vj.b], `${at} ${v}`).toEqual([vw.a, vw.b]);
          }
        }
      }
    }
    expect(nonEmpty).toBeGreaterThan(10);
  });

  it("minEpsilon identical", () => {
    for (const [d, n] of [[33, 5], [129, 17], [7, 3]] as [number, number][]) {
      const a = randn(d, n, d), b = randn(d, n + 1, d + 1);
      for (const minSize of [1, 2, n]) {
        const w = engine.minEpsilon(a, b, { minSize, backend: "wasm" });
        const j = engine.minEpsilon(a, b, { minSize, backend: "js" });
        expect(j).toEqual(w);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Conv layers: channel = neuron over (image, position)

describe("convSimilarity (4-D, channel as neuron)", () => {
  const N = 5, H = 6, W = 7, CA = 4, CB = 6;
  const HW = H * W;

  /** a: NCHW Gaussian; b's channels are fixed linear combinations of a's at every (image, position), plus noise. */
  function convPair(noise: number, seed: number): { a: ConvInput; b: ConvInput } {
    const g = gaussian(seed);
    const a = Float64Array.from({ length: N * CA * HW }, g);
    const M = Array.from({ length: CB }, () => Array.from({ length: CA }, g));
    const b = new Float64Array(N * CB * HW);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < CB; c++)
        for (let p = 0; p < HW; p++) {
          let s = 0;
          for (let k = 0; k < CA; k++) s += M[c]![k]! * a[(n * CA + k) * HW + p]!;
          b[(n * CB + c) * HW + p] = s + noise * g();
        }
    return { a: { data: a, shape: [N, CA, H, W] }, b: { data: b, shape: [N, CB, H, W] } };
  }

  function toNhwc(x: ConvInput): ConvInput {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) out[((i * h + y) * w + z) * c + ch] = x.data[((i * c + ch) * h + y) * w + z] as number;
    return { data: out, shape: [n, h, w, c] };
  }

  /** (N*H*W) x C, rows in (image, y, x) order */
  function flatten(x: ConvInput): MatrixInput {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const out = new Float64Array(n * h * w * c);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let p = 0; p < h * w; p++) out[(i * h * w + p) * c + ch] = x.data[(i * c + ch) * h * w + p] as number;
    return { data: out, shape: [n * h * w, c] };
  }

  for (const backend of ["wasm", "js"] as BackendName[]) {
    it(`exactly related channels: mean 1, std 0 on every draw [${backend}]`, () => {
      const { a, b } = convPair(0, 1);
      const r = engine.convSimilarity(a, b, { eps: [0.01, 0.2], layout: "nchw", draws: 6, rows: 40, seed: 3, backend });
      expect(r.channels).toEqual([CA, CB]);
      expect(r.coordinates).toBe(N * HW);
      expect(r.rows).toBe(40);
      expect(r.draws).toBe(6);
      for (const p of r.points) {
        expect(p.perDraw).toEqual([1, 1, 1, 1, 1, 1]);
        expect(p.mean).toBe(1);
        expect(p.std).toBe(0);
      }
    });
  }

  it("NHWC layout of the same data gives the same result; wasm and js agree", () => {
    const { a, b } = convPair(0.8, 2);
    const o = { eps: [0.3, 0.6, 0.9], draws: 5, rows: 30, seed: 9 };
    const nchw = engine.convSimilarity(a, b, { ...o, layout: "nchw" });
    const nhwc = engine.convSimilarity(toNhwc(a), toNhwc(b), { ...o, layout: "nhwc" });
    expect(nhwc.layout).toBe("nhwc");
    expect({ ...nhwc, layout: "nchw" }).toEqual(nchw);
    const js = engine.convSimilarity(a, b, { ...o, layout: "nchw", backend: "js" });
    expect(js.points.map((p) => p.perDraw)).toEqual(nchw.points.map((p) => p.perDraw));
    // not a trivial result: the noisy channels give similarities strictly between 0 and 1 somewhere
    expect(nchw.points.some((p) => p.perDraw.some((s) => s > 0 && s < 1))).toBe(true);
  });

  it("the same seed repeats the draws exactly, another seed draws other coordinates", () => {
    const { a, b } = convPair(0.8, 2);
    const o = { eps: [0.45, 0.6], layout: "nchw" as const, draws: 8, rows: 25 };
    const r0 = engine.convSimilarity(a, b, { ...o, seed: 0 });
    const r0b = engine.convSimilarity(a, b, { ...o, seed: 0 });
    expect(r0b).toEqual(r0);
    expect(r0.seed).toBe(0);
    // the draws within one run differ from each other
    expect(new Set(r0.points[0]!.perDraw).size).toBeGreaterThan(1);
    expect(r0.points[0]!.std).toBeGreaterThan(0);
    // mean and sample standard deviation of the draws
    const pd = r0.points[0]!.perDraw;
    const mean = pd.reduce((s, x) => s + x, 0) / pd.length;
    expect(r0.points[0]!.mean).toBeCloseTo(mean, 14);
    expect(r0.points[0]!.std).toBeCloseTo(Math.sqrt(pd.reduce((s, x) => s + (x - mean) ** 2, 0) / (pd.length - 1)), 14);
    const others = [1, 2, 12345].map((seed) => engine.convSimilarity(a, b, { ...o, seed }).points.map((p) => p.perDraw));
    expect(others.some((x) => JSON.stringify(x) !== JSON.stringify(r0.points.map((p) => p.perDraw)))).toBe(true);
    // default options: 16 draws, seed 0
    const dflt = engine.convSimilarity(a, b, { eps: 0.6, layout: "nchw", rows: 25 });
    expect([dflt.draws, dflt.seed, dflt.points[0]!.perDraw.length]).toEqual([16, 0, 16]);
    expect(dflt.points[0]!.perDraw.slice(0, 8)).toEqual(r0.points[1]!.perDraw);
  });

  it("rows >= N*H*W uses every coordinate: every draw equals the full flattened maximum match", () => {
    const { a, b } = convPair(0.8, 4);
    const eps = [0.3, 0.6, 0.9];
    for (const rows of [N * HW, 10000]) {
      const r = engine.convSimilarity(a, b, { eps, layout: "nchw", draws: 3, rows, seed: 5 });
      expect(r.rows).toBe(N * HW);
      expect(r.coordinates).toBe(N * HW);
      const full = engine.similarityCurve(flatten(a), flatten(b), { eps });
      r.points.forEach((p, i) => {
        expect(p.perDraw).toEqual([full.points[i]!.similarity, full.points[i]!.similarity, full.points[i]!.similarity]);
        expect(p.std).toBe(0);
      });
    }
  });

  it("mismatched images or spatial size throws sampleCountMismatch", () => {
    const { a } = convPair(0, 1);
    for (const shape of [[N + 1, CB, H, W], [N, CB, H + 1, W], [N, CB, H, W - 1]]) {
      const b = { data: new Float64Array(shape.reduce((x, y) => x * y, 1)).fill(1), shape };
      let err: unknown = null;
      try {
        engine.convSimilarity(a, b, { eps: 0.3, layout: "nchw" });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RepmatchError);
      expect((err as RepmatchError).code).toBe("sampleCountMismatch");
      expect((err as RepmatchError).message).toMatch(/expected .+, got .+/);
    }
    expect(engine.stats().arenaBytes).toBe(0);
  });
});
