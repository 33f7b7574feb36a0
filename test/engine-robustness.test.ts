// The engine over many calls: memory returns to empty after every call, a trap inside WASM is
// contained (the instance is rebuilt and the next call succeeds), results are reproducible.
import { describe, expect, it } from "vitest";
import { createEngine, createEngineSync } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import { plantedPair } from "../src/synthetic.js";
import { randn } from "./helpers.js";

describe("engine robustness", () => {
  it("keeps the arena flat over 2,000 mixed calls and sizes", () => {
    const engine = createEngineSync({ threads: 1 });
    const pairs = [
      [randn(40, 3, 1), randn(40, 5, 2)],
      [randn(97, 17, 3), randn(97, 9, 4)],
      [randn(300, 31, 5), randn(300, 33, 6)],
    ] as const;
    let peak = 0;
    for (let i = 0; i < 2000; i++) {
      const [a, b] = pairs[i % pairs.length]!;
      switch (i % 5) {
        case 0: engine.maxMatch(a, b, { eps: 0.9 }); break;
        case 1: engine.maxEpsilon(a, b); break;
        case 2: engine.similarityCurve(a, b, { eps: [0.5, 0.95] }); break;
        case 3: engine.vMinimal(a, b, { eps: 0.97, v: "a:0" }); break;
        default:
          expect(() => engine.maxMatch(a, b, { eps: 1.5 })).toThrow(RepmatchError);
      }
      expect(engine.stats().arenaBytes).toBe(0);
      if (i === 99) peak = engine.stats().memoryBytes;
    }
    // linear memory stopped growing once the largest case had been seen
    expect(engine.stats().memoryBytes).toBe(peak);
  });

  it("contains a trap inside WASM: the engine is rebuilt and the next call succeeds", () => {
    const engine = createEngineSync({ threads: 1 });
    const a = randn(200, 12, 7), b = randn(200, 10, 8);
    const want = engine.maxMatch(a, b, { eps: 0.95 });
    // a real trap: an out-of-bounds access straight into the core is a WebAssembly.RuntimeError
    const core = (engine as unknown as { core: { exports: { dot(x: number, y: number, n: number): number } } }).core;
    expect(() => core.exports.dot(2 ** 31, 0, 1 << 20)).toThrow(WebAssembly.RuntimeError);
    // the same kind of trap in the middle of a call: the engine reports engineFailure and rebuilds
    const ex = (engine as unknown as { core: { exports: Record<string, unknown> } }).core.exports;
    const original = ex.maxMatch as (...args: number[]) => number;
    ex.maxMatch = () => core.exports.dot(2 ** 31, 0, 1 << 20);
    let caught: unknown = null;
    try {
      engine.maxMatch(a, b, { eps: 0.95 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RepmatchError);
    expect((caught as RepmatchError).code).toBe("engineFailure");
    expect(ex.maxMatch === original || (engine as unknown as { core: { exports: Record<string, unknown> } }).core.exports !== ex).toBe(true);
    const again = engine.maxMatch(a, b, { eps: 0.95 });
    expect(again).toEqual(want);
    expect(engine.stats().arenaBytes).toBe(0);
  });

  it("gives identical results from the async and the sync engine, and for concurrent async calls", async () => {
    const pair = plantedPair({ samples: 800, neurons: 40, shared: 16, noise: 0.05, seed: 9 });
    const sync = createEngineSync({ threads: 1 });
    const asyncEngine = await createEngine({ threads: 1 });
    const want = sync.similarityCurve(pair.a, pair.b, { eps: [0.1, 0.3, 0.9] });
    const got = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 3));
        return asyncEngine.similarityCurve(pair.a, pair.b, { eps: [0.1, 0.3, 0.9] });
      }),
    );
    for (const g of got) expect(g).toEqual(want);
    expect(asyncEngine.stats().arenaBytes).toBe(0);
  });

  it("is deterministic: repeated runs give bit-identical results on each backend", () => {
    const a = randn(500, 40, 21), b = randn(500, 44, 22);
    for (const backend of ["wasm", "js"] as const) {
      const e1 = createEngineSync({ threads: 1 });
      const e2 = createEngineSync({ threads: 1 });
      const r1 = e1.similarityCurve(a, b, { eps: [0.85, 0.9, 0.95], backend });
      const r2 = e2.similarityCurve(a, b, { eps: [0.85, 0.9, 0.95], backend });
      const r3 = e1.similarityCurve(a, b, { eps: [0.85, 0.9, 0.95], backend });
      expect(r2).toEqual(r1);
      expect(r3).toEqual(r1);
    }
  });

  it("rejects a pair too large for wasm32 memory before allocating anything", () => {
    const engine = createEngineSync({ threads: 1 });
    // 20000 x (6000 + 6000): each side passes validation (1.2e8 values), but the pair needs the
    // 1.9 GB column-major copy, a 1 GB staging copy and the 1.15 GB Gram matrix: over 4 GiB
    const d = 20000, n = 6000;
    const data = new Float32Array(d * n);
    const before = engine.stats().memoryBytes;
    let caught: unknown = null;
    try {
      engine.maxMatch({ data, shape: [d, n] }, { data, shape: [d, n] }, { eps: 0.3 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RepmatchError);
    expect((caught as RepmatchError).code).toBe("tooLarge");
    expect((caught as RepmatchError).message).toMatch(/4 GiB of WebAssembly memory/);
    expect(engine.stats().memoryBytes).toBe(before);
  });
});
