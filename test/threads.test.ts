// The Gram product on two threads (a worker sharing the WASM memory) gives exactly the bits of the
// single-threaded product, so every result is identical whatever the thread count.
import { afterAll, describe, expect, it } from "vitest";
import { createEngineSync } from "../src/engine.js";
import { plantedPair } from "../src/synthetic.js";
import { WasmCore } from "../src/wasm/instance.js";
import { wasmLinalg } from "../src/wasm/linalg.js";
import { randn } from "./helpers.js";

const two = createEngineSync({ threads: 2 });
const one = createEngineSync({ threads: 1 });
afterAll(() => two.close());

describe("two-thread Gram product", () => {
  it("is used in Node and agrees bit for bit with one thread", () => {
    expect(two.threads).toBe(2);
    expect(one.threads).toBe(1);
    // d n^2 = 2000 * 330^2 is above the threading threshold; odd sizes hit every tile tail
    const pair = plantedPair({ samples: 2001, neurons: 165, shared: 60, noise: 0.05, seed: 3 });
    const eps = [0.05, 0.1, 0.2, 0.3, 0.6, 0.97];
    const r2 = two.similarityCurve(pair.a, pair.b, { eps });
    const r1 = one.similarityCurve(pair.a, pair.b, { eps });
    expect(r2).toEqual(r1); // toEqual on numbers is exact (Object.is)
    expect(two.stats().parallelGrams).toBeGreaterThan(0);
    expect(one.stats().parallelGrams).toBe(0);
    expect(r2.points.find((p) => p.eps === 0.3)!.a).toEqual(pair.plantedA);
  });

  it("gives identical results on random data of uneven width, and memory returns to empty", () => {
    const a = randn(1503, 211, 11);
    const b = randn(1503, 97, 12);
    const r2 = two.compare(a, b, { eps: [0.9, 0.95] });
    const r1 = one.compare(a, b, { eps: [0.9, 0.95] });
    expect(r2).toEqual(r1);
    expect(two.stats().arenaBytes).toBe(0);
  });

  it("splits the row-major input's transposition and the column normalisation too, with the same bits", () => {
    // 4003 x 263 = 1.05M values per side: above the split threshold; 4003 rows are not a whole
    // number of transposition tiles and 263 columns split unevenly
    const pair = plantedPair({ samples: 4003, neurons: 263, shared: 90, noise: 0.05, seed: 4 });
    const r2 = two.similarityCurve(pair.a, pair.b, { eps: [0.1, 0.3, 0.5] });
    const r1 = one.similarityCurve(pair.a, pair.b, { eps: [0.1, 0.3, 0.5] });
    expect(r2).toEqual(r1);
    expect(r2.points[1]!.a).toEqual(pair.plantedA);
    expect(two.stats().arenaBytes).toBe(0);
  });

  it("splits the measures' large products (gemm, triangular products, Gram) with the same bits", () => {
    // 2000 x 250 x 250 products are above the split threshold; 250 and 241 columns split unevenly
    const a = randn(2000, 250, 21);
    const b = randn(2000, 241, 22);
    const opts = { measures: ["cca", "svcca", "pwcca", "procrustes"] as ("cca" | "svcca" | "pwcca" | "procrustes")[] };
    expect(two.measures(a, b, opts)).toEqual(one.measures(a, b, opts));
    expect(two.stats().arenaBytes).toBe(0);
  });

  it("eigh: V = Q Z of divide and conquer split by columns, same bits (and the QL fallback agrees too)", () => {
    const n = 301; // 3 n^3 above the threshold; odd, so the halves differ
    const A = randn(n, n, 21).data as Float64Array;
    const S = new Float64Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) S[j * n + i] = A[i * n + j]! + A[j * n + i]!;
    const cores = [WasmCore.createSync({ threads: 2 }), WasmCore.createSync({ threads: 1 })];
    try {
      for (const dc of [1, 0]) {
        const [r2, r1] = cores.map((core) => {
          core.exports.eighDivideAndConquer(dc);
          const la = wasmLinalg(core);
          const e = la.eigh(la.fromArray(n, n, S));
          return [Array.from(e.values), Array.from(la.toArray(e.vectors))];
        });
        expect(r2).toEqual(r1);
      }
    } finally {
      for (const core of cores) core.exports.eighDivideAndConquer(1);
      cores[0]!.close();
    }
  });

  it("keeps working after close(), on one thread", () => {
    const e = createEngineSync({ threads: 2 });
    const pair = plantedPair({ samples: 1200, neurons: 200, shared: 50, noise: 0.05, seed: 5 });
    const before = e.maxMatch(pair.a, pair.b, { eps: 0.3 });
    e.close();
    const after = e.maxMatch(pair.a, pair.b, { eps: 0.3 });
    expect(after).toEqual(before);
  });

  it("rejects a thread count other than 1 or 2", () => {
    expect(() => createEngineSync({ threads: 3 as 2 })).toThrow(/threads/);
  });
});
