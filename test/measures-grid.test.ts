// engine.measuresGrid (many-vs-one, one-vs-many, all pairs with each input factorised once): every
// cell equals engine.measures of that pair bit for bit, on both backends, for well-conditioned,
// rank-deficient, wider-than-tall and constant inputs; the arena holds the inputs' factorisations
// plus one pair's work (not every pair's); typed errors for bad grids.
import { describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend.js";
import { createEngineSync } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import type { MatrixInput } from "../src/matrix.js";
import { randn } from "./helpers.js";

const engine = createEngineSync({ threads: 1 });
const D = 90;

/** b = a's first k columns mixed with fresh noise (so that pairs share some directions) */
function related(a: MatrixInput, cols: number, seed: number): MatrixInput {
  const [d, p] = a.shape;
  const out = randn(d, cols, seed);
  const A = a.data as Float64Array, B = out.data as Float64Array;
  for (let i = 0; i < d; i++) for (let j = 0; j < Math.min(cols, p, 6); j++) B[i * cols + j] = (A[i * p + j] as number) + 0.3 * (B[i * cols + j] as number);
  return out;
}

/** a copy of m with column `to` replaced by 2 x column `from` minus column `other` (rank deficient) */
function dependent(m: MatrixInput, to: number, from: number, other: number): MatrixInput {
  const [d, p] = m.shape;
  const X = Float64Array.from(m.data as Float64Array);
  for (let i = 0; i < d; i++) X[i * p + to] = 2 * (X[i * p + from] as number) - (X[i * p + other] as number);
  return { data: X, shape: [d, p] };
}

const a0 = randn(D, 14, 1);
const inputsA: MatrixInput[] = [a0, dependent(randn(D, 10, 2), 4, 0, 1), randn(D, 100, 3)];
const inputsB: MatrixInput[] = [related(a0, 12, 4), { data: new Float64Array(D * 5).fill(2), shape: [D, 5] }, related(a0, 9, 5)];

for (const backend of ["wasm", "js"] as BackendName[]) {
  describe(`measuresGrid [${backend}]`, () => {
    it("every cell equals measures() of its pair (well-conditioned, rank-deficient, wider than tall, constant)", () => {
      const g = engine.measuresGrid(inputsA, inputsB, { backend });
      expect(g.samples).toBe(D);
      expect(g.a).toEqual([{ name: "a0", neurons: 14 }, { name: "a1", neurons: 10 }, { name: "a2", neurons: 100 }]);
      expect(g.b.map((x) => x.neurons)).toEqual([12, 5, 9]);
      inputsA.forEach((a, i) =>
        inputsB.forEach((b, j) => {
          const { samples: _s, neurons: _n, ...want } = engine.measures(a, b, { backend, names: [`a${i}`, `b${j}`] });
          expect(g.cells[i]![j], `cell ${i}, ${j}`).toEqual(want);
        }),
      );
      // the constant side's cells say so, the others carry real values
      expect(g.cells[0]![1]!.warnings.some((w) => w.code === "constantInput")).toBe(true);
      expect(g.cells[0]![0]!.cca!.mean).toBeGreaterThan(0.2);
    });

    it("without a second list: all pairs of the first, the diagonal included, with the same options", () => {
      const opts = { backend, measures: ["svcca", "cka", "procrustes"] as const, keep: 0.9, alpha: 0.25, rbf: false } as const;
      const list = [a0, inputsB[0]!, inputsA[1]!];
      const g = engine.measuresGrid(list, undefined, { ...opts, measures: [...opts.measures], namesA: ["x", "y", "z"] });
      expect(g.b).toEqual(g.a);
      list.forEach((a, i) =>
        list.forEach((b, j) => {
          const { samples: _s, neurons: _n, ...want } = engine.measures(a, b, { ...opts, measures: [...opts.measures], names: [g.a[i]!.name, g.a[j]!.name] });
          expect(g.cells[i]![j]).toEqual(want);
        }),
      );
      expect(g.cells[1]![1]!.cka!.linear).toBeCloseTo(1, 12);
      expect(Object.keys(g.cells[0]![2]!)).toEqual(["svcca", "cka", "procrustes", "warnings"]);
    });
  });
}

describe("measuresGrid: memory", () => {
  it("holds the inputs' factorisations plus one pair's work, and leaves the arena empty", () => {
    const d = 400;
    const list = Array.from({ length: 5 }, (_, k) => randn(d, 60, 10 + k));
    const peakOf = (run: (e: ReturnType<typeof createEngineSync>) => void) => {
      const e = createEngineSync({ threads: 1 });
      run(e);
      const s = e.stats();
      expect(s.arenaBytes).toBe(0);
      return s.peakArenaBytes;
    };
    const onePair = peakOf((e) => e.measures(list[0]!, list[1]!));
    const grid = peakOf((e) => e.measuresGrid(list));
    // 25 pairs: had each pair's work stayed until the end, the peak would be ~25 pairs' worth
    expect(grid).toBeLessThan(5 * onePair);
    expect(grid).toBeGreaterThan(onePair);
  });
});

describe("measuresGrid: bad grids", () => {
  it("typed errors for a sample-count mismatch, an empty list, a non-list and a bad input", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(RepmatchError);
        return (e as RepmatchError).code;
      }
      return "no error";
    };
    expect(code(() => engine.measuresGrid([a0], [randn(D + 1, 3, 9)]))).toBe("sampleCountMismatch");
    expect(code(() => engine.measuresGrid([]))).toBe("badInput");
    expect(code(() => engine.measuresGrid([a0], []))).toBe("badInput");
    expect(code(() => engine.measuresGrid(a0 as unknown as MatrixInput[]))).toBe("badInput");
    const nan = randn(D, 3, 11);
    (nan.data as Float64Array)[7] = NaN;
    expect(code(() => engine.measuresGrid([a0], [nan]))).toBe("nonFinite");
    expect(code(() => engine.measuresGrid([a0], undefined, { measures: ["nope" as "cca"] }))).toBe("badOption");
    expect(engine.stats().arenaBytes).toBe(0);
  });
});
