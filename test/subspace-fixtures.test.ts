// Every subspace-match value of ../shared/fixtures, on both backends: identical index sets, numbers
// within the tolerance each fixture states.
import { beforeAll, describe, expect, it } from "vitest";
import { createEngineSync, type Engine } from "../src/engine.js";
import type { BackendName } from "../src/backend.js";
import { loadCase, PAIR_CASES, within } from "./helpers.js";

let engine: Engine;
beforeAll(() => {
  engine = createEngineSync();
  expect(engine.backend).toBe("wasm");
});

const BACKENDS: BackendName[] = ["wasm", "js"];

for (const name of PAIR_CASES) {
  const { a, b, expected: ex } = loadCase(name);
  const tol = ex.tolerance;
  for (const backend of BACKENDS) {
    describe(`${name} [${backend}]`, () => {
      it("maxMatch at every eps, and maxEpsilon", () => {
        const eps = ex.maxMatch.map((e: { eps: number }) => e.eps);
        const r = engine.compare(a, b, { eps, backend });
        expect(r.samples).toBe(ex.samples);
        expect(r.neurons).toEqual(ex.neurons);
        expect(within(r.maxEpsilon, ex.maxEpsilon, tol), `maxEpsilon ${r.maxEpsilon} vs ${ex.maxEpsilon}`).toBe(true);
        ex.maxMatch.forEach((want: any, i: number) => {
          const got = r.maxMatch[i]!;
          expect(got.eps).toBe(want.eps);
          expect(got.a, `a at eps ${want.eps}`).toEqual(want.a);
          expect(got.b, `b at eps ${want.eps}`).toEqual(want.b);
          expect(got.deadA).toBe(want.deadA);
          expect(got.deadB).toBe(want.deadB);
          expect(within(got.similarity, want.similarity, tol)).toBe(true);
          expect(within(got.margin, want.margin, tol), `margin at eps ${want.eps}: ${got.margin} vs ${want.margin}`).toBe(true);
        });
      });

      it("vMinimal entries", () => {
        expect(ex.vMinimal.length).toBeGreaterThan(0);
        for (const want of ex.vMinimal) {
          const got = engine.vMinimal(a, b, { eps: want.eps, v: want.v, backend });
          expect(got.v).toBe(want.v);
          expect(got.a, `${want.v} at eps ${want.eps}`).toEqual(want.a);
          expect(got.b, `${want.v} at eps ${want.eps}`).toEqual(want.b);
          expect(within(got.margin, want.margin, tol), `margin ${got.margin} vs ${want.margin}`).toBe(true);
        }
      });

      if (ex.simpleMatches) {
        it("simpleMatches: decomposition, seeds, uniqueness, certificates", () => {
          for (const want of ex.simpleMatches) {
            const got = engine.simpleMatches(a, b, { eps: want.eps, backend });
            expect(got.matches.map(({ a, b, seeds }) => ({ a, b, seeds })), `eps ${want.eps}`).toEqual(want.matches);
            expect(got.unique).toBe(want.unique);
            expect(got.matches.every((m) => m.simple)).toBe(true);
            expect(within(got.margin, want.margin, tol), `margin ${got.margin} vs ${want.margin}`).toBe(true);
          }
        });
      }
    });
  }
}
