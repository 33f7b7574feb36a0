// Streaming input: batches of rows accumulated into the Gram matrix give the same maximum matches,
// margins and maxEpsilon as the whole matrices, with O(n^2) memory.
import { describe, expect, it } from "vitest";
import { createEngineSync } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import type { MatrixInput } from "../src/matrix.js";
import { loadCase, within } from "./helpers.js";

const engine = createEngineSync({ threads: 1 });

function* rowBatches(a: MatrixInput, b: MatrixInput, size: number): Generator<[MatrixInput, MatrixInput]> {
  const [d, na] = a.shape as [number, number];
  const nb = b.shape[1]!;
  for (let r = 0; r < d; r += size) {
    const e = Math.min(d, r + size);
    yield [
      { data: (a.data as Float64Array).subarray(r * na, e * na), shape: [e - r, na] },
      { data: (b.data as Float64Array).subarray(r * nb, e * nb), shape: [e - r, nb] },
    ];
  }
}

async function* slowly<T>(it: Iterable<T>): AsyncGenerator<T> {
  for (const x of it) {
    await new Promise((r) => setTimeout(r, 0));
    yield x;
  }
}

describe("streamCurve", () => {
  for (const name of ["relu-random-mlp", "planted-noisy", "digits-real-fc2"]) {
    it(`${name}: batches give the fixture's maximum matches, margins and maxEpsilon`, async () => {
      const { a, b, expected } = loadCase(name);
      const eps = expected.maxMatch.map((m: { eps: number }) => m.eps);
      for (const backend of ["wasm", "js"] as const) {
        const r = await engine.streamCurve(slowly(rowBatches(a, b, 137)), { eps, backend });
        expect(r.samples).toBe(expected.samples);
        expect(within(r.maxEpsilon, expected.maxEpsilon, expected.tolerance)).toBe(true);
        expected.maxMatch.forEach((want: { a: number[]; b: number[]; margin: number; similarity: number }, k: number) => {
          const got = r.points[k]!;
          expect(got.a).toEqual(want.a);
          expect(got.b).toEqual(want.b);
          expect(got.uncertain).toBeUndefined();
          expect(within(got.margin, want.margin, expected.tolerance)).toBe(true);
        });
        expect(engine.stats().arenaBytes).toBe(0);
      }
    });
  }

  it("flags decisions it cannot re-check exactly (samples below neurons)", async () => {
    const { a, b } = loadCase("few-samples");
    const r = await engine.streamCurve(rowBatches(a, b, 7), { eps: [0.1] });
    expect(r.points[0]!.uncertain).toBeGreaterThan(0);
    expect(r.warnings.map((w) => w.code)).toContain("streamUncertain");
    expect(r.warnings.map((w) => w.code)).toContain("samplesBelowNeurons");
  });

  it("rejects bad batches with the batch named, and frees everything", async () => {
    const { a, b } = loadCase("planted-noisy");
    const batches = [...rowBatches(a, b, 100)];
    const bad = batches.map(([x, y]) => [x, y] as [MatrixInput, MatrixInput]);
    bad[2] = [{ data: new Float64Array(100 * 3), shape: [100, 3] }, bad[2]![1]];
    await expect(engine.streamCurve(bad)).rejects.toThrow(/batch 2: expected 26 \+ 28 neurons like the first batch, got 3 \+ 28/);
    const nan = batches.map(([x, y]) => [{ data: Float64Array.from(x.data as Float64Array), shape: x.shape }, y] as [MatrixInput, MatrixInput]);
    (nan[3]![0].data as Float64Array)[5] = NaN;
    await expect(engine.streamCurve(nan)).rejects.toThrow(/a \(batch 3\): expected finite values, got NaN at row 0, column 5/);
    await expect(engine.streamCurve([])).rejects.toBeInstanceOf(RepmatchError);
    const wide = { data: new Float64Array(8193), shape: [1, 8193] };
    await expect(engine.streamCurve([[wide, wide]])).rejects.toThrow(/at most 8192 neurons per side/);
    expect(engine.stats().arenaBytes).toBe(0);
  });
});
