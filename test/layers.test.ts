// The layers grid: every layer of network A against every layer of network B, on worker threads or
// in-process with identical results.
import { describe, expect, it } from "vitest";
import { createEngineSync } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import { compareLayers, type NamedLayer } from "../src/layers/grid.js";
import { gaussian } from "../src/random.js";

/** A tiny random ReLU network: input (d x 12) -> 24 -> 16 -> 8, returning its post-ReLU layers. */
function network(input: Float64Array, d: number, seed: number, prefix: string): NamedLayer[] {
  const g = gaussian(seed);
  const widths = [12, 24, 16, 8];
  const layers: NamedLayer[] = [];
  let x = input;
  for (let l = 1; l < widths.length; l++) {
    const p = widths[l - 1]!, q = widths[l]!;
    const W = Float64Array.from({ length: p * q }, () => g() * Math.sqrt(2 / p));
    const y = new Float64Array(d * q);
    for (let i = 0; i < d; i++) {
      for (let c = 0; c < q; c++) {
        let s = 0.1;
        for (let k = 0; k < p; k++) s += x[i * p + k]! * W[k * q + c]!;
        y[i * q + c] = Math.max(0, s);
      }
    }
    layers.push({ name: `${prefix}${l}`, data: { data: y, shape: [d, q] } });
    x = y;
  }
  return layers;
}

const d = 400;
const input = Float64Array.from({ length: d * 12 }, gaussian(1));
const A = network(input, d, 2, "a.fc");
const B = network(input, d, 3, "b.fc");
const engine = createEngineSync({ threads: 1 });

describe("compareLayers", () => {
  it("computes the full grid on worker threads, identical to the in-process run", async () => {
    const progress: number[] = [];
    const par = await compareLayers(engine, A, B, { eps: [0.3, 0.6, 0.9], threads: 2, onProgress: (k) => progress.push(k) });
    const seq = await compareLayers(engine, A, B, { eps: [0.3, 0.6, 0.9], threads: 1 });
    expect(par.threads).toBe(2);
    expect(seq.threads).toBe(1);
    expect(par.pairs).toEqual(seq.pairs);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(par.layersA.map((l) => l.name)).toEqual(["a.fc1", "a.fc2", "a.fc3"]);
    expect(par.pairs.length).toBe(3);
    for (const row of par.pairs) {
      expect(row.length).toBe(3);
      for (const cell of row) {
        expect(cell.similarity.length).toBe(3);
        expect(cell.similarity[0]!).toBeLessThanOrEqual(cell.similarity[2]!);
        expect(cell.measures.cka!.linear).toBeGreaterThan(0);
        expect(cell.measures.cka!.linear).toBeLessThanOrEqual(1 + 1e-12);
      }
    }
    // a layer against itself would match completely; the same input layer widths agree with single calls
    const single = engine.similarityCurve(A[1]!.data, B[2]!.data, { eps: [0.3, 0.6, 0.9] });
    expect(par.pairs[1]![2]!.similarity).toEqual(single.points.map((p) => p.similarity));
    expect(par.pairs[1]![2]!.maxEpsilon).toBe(single.maxEpsilon);
  });

  it("can skip the CCA/CKA/shape measures", async () => {
    const r = await compareLayers(engine, A.slice(0, 1), B.slice(0, 2), { eps: [0.5], measures: [], threads: 1 });
    expect(r.pairs[0]![1]!.measures).toEqual({});
  });

  it("rejects layers over different samples, naming the layer, before any work", async () => {
    const short = { name: "b.short", data: { data: new Float64Array(10 * 3).fill(1), shape: [10, 3] } };
    await expect(compareLayers(engine, A, [...B, short], { threads: 2 })).rejects.toThrow(/b\.short/);
    await expect(compareLayers(engine, A, [...B, short], { threads: 2 })).rejects.toBeInstanceOf(RepmatchError);
  });

  it("reports a bad layer inside a worker as a typed error", async () => {
    const nan = new Float64Array(d * 3).fill(1);
    nan[5] = NaN;
    await expect(compareLayers(engine, A, [{ name: "b.nan", data: { data: nan, shape: [d, 3] } }], { threads: 2 })).rejects.toThrow(/b\.nan.*row 1, column 2/);
  });
});
