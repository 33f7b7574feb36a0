// The engine over many calls (10,000 consecutive mixed calls, sizes and failures): memory returns
// to empty after every call and stops growing once every size was seen, a trap inside WASM is
// contained (the instance is rebuilt and the next call succeeds), results are reproducible.
import { describe, expect, it } from "vitest";
import { createEngine, createEngineSync } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import type { MatrixInput } from "../src/matrix.js";
import { plantedPair } from "../src/synthetic.js";
import { randn } from "./helpers.js";

describe("engine robustness", () => {
  it("keeps the arena flat over 10,000 consecutive mixed calls, measures and sizes", async () => {
    const engine = createEngineSync({ threads: 1 });
    expect(engine.backend).toBe("wasm");
    // small sizes (the call count is the point), including fewer samples than neurons
    const pairs = [
      [randn(40, 3, 1), randn(40, 5, 2)],
      [randn(97, 17, 3), randn(97, 9, 4)],
      [randn(24, 30, 5), randn(24, 6, 6)],
      [randn(160, 26, 7), randn(160, 31, 8)],
    ] as const;
    const layers = [randn(60, 7, 9), randn(60, 4, 10), randn(60, 11, 11)];
    const nan = randn(40, 3, 12);
    (nan.data as Float64Array)[17] = Number.NaN;
    /** rows [from, to) of a row-major matrix */
    const rows = (m: MatrixInput, from: number, to: number): MatrixInput => {
      const n = m.shape[1]!;
      return { data: (m.data as Float64Array).subarray(from * n, to * n), shape: [to - from, n] };
    };
    async function* batches(a: MatrixInput, b: MatrixInput, step: number, breakAt = -1) {
      const d = a.shape[0]!;
      for (let r = 0, k = 0; r < d; r += step, k++) {
        const to = Math.min(d, r + step);
        // breakAt: a batch whose B side has one neuron too few, after the Gram sink was allocated
        yield [rows(a, r, to), k === breakAt ? rows(randn(d, b.shape[1]! - 1, 13), r, to) : rows(b, r, to)] as const;
      }
    }
    const throws = (code: string, f: () => unknown) => {
      let caught: unknown = null;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(RepmatchError);
      expect((caught as RepmatchError).code).toBe(code);
    };
    const ops: ((a: MatrixInput, b: MatrixInput) => unknown)[] = [
      (a, b) => engine.maxMatch(a, b, { eps: 0.9 }),
      (a, b) => engine.similarityCurve(a, b, { eps: [0.5, 0.95] }),
      (a, b) => engine.maxEpsilon(a, b),
      (a, b) => engine.vMinimal(a, b, { eps: 0.97, v: "a:0" }),
      (a, b) => engine.simpleMatches(a, b, { eps: 0.9 }),
      (a, b) => engine.measures(a, b),
      (a, b) => engine.cka(a, b),
      (a, b) => engine.cca(a, b),
      () => engine.path(layers),
      (a, b) => engine.streamCurve(batches(a, b, 16), { eps: [0.3, 0.9] }),
      (a, b) => throws("badEpsilon", () => engine.maxMatch(a, b, { eps: 1.5 })),
      (a) => throws("nonFinite", () => engine.cka(a, nan)),
      (a, b) => throws("sampleCountMismatch", () => engine.measures(a, rows(b, 0, b.shape[0]! - 1))),
      async (a, b) => {
        let caught: unknown = null;
        await engine.streamCurve(batches(a, b, 8, 2), { eps: [0.5] }).catch((e) => (caught = e));
        // thrown in the middle of the stream, after two batches went into the WASM Gram sink
        expect(caught).toBeInstanceOf(RepmatchError);
        expect((caught as RepmatchError).code).toBe("badShape");
        expect((caught as RepmatchError).message).toMatch(/^batch 2: /);
      },
    ];
    const CALLS = 10_000;
    // every (operation, size) combination is seen in the first ops x sizes calls
    const warm = ops.length * pairs.length;
    let memory = 0, peakArena = 0;
    for (let i = 0; i < CALLS; i++) {
      const [a, b] = pairs[Math.floor(i / ops.length) % pairs.length]!;
      const r = ops[i % ops.length]!(a, b);
      if (r instanceof Promise) await r;
      const s = engine.stats();
      expect(s.arenaBytes, `call ${i}`).toBe(0);
      if (i === warm - 1) ({ memoryBytes: memory, peakArenaBytes: peakArena } = s);
      // after every size was seen: linear memory and the arena's high-water mark stop growing
      if (i >= warm) {
        expect(s.memoryBytes, `call ${i}`).toBe(memory);
        expect(s.peakArenaBytes, `call ${i}`).toBe(peakArena);
      }
    }
    expect(peakArena).toBeGreaterThan(0);
  }, 60_000);

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
