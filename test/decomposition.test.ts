// The simple-match decomposition's two strategies: Algorithm 2 from the maximum match for every
// seed ("greedy", the reference's procedure) and group testing from the smallest known match
// ("grouped"). They must give the same matches: identical where v-minimal matches are unique, and
// the deterministic-order result where they are not.
import { describe, expect, it } from "vitest";
import { createEngineSync } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import { plantedBlocks } from "../src/synthetic.js";
import { loadCase } from "./helpers.js";

const engine = createEngineSync({ threads: 1 });
const strip = (r: ReturnType<typeof engine.simpleMatches>) => r.matches.map(({ a, b, seeds, simple }) => ({ a, b, seeds, simple }));

describe("simple-match decomposition strategies", () => {
  it("recover planted blocks identically, certified unique and simple", () => {
    const sizes = [4, 7, 12, 5, 9, 6];
    const pb = plantedBlocks({ samples: 1500, neurons: 70, blocks: sizes, noise: 0.01, seed: 11 });
    for (const backend of ["wasm", "js"] as const) {
      const greedy = engine.simpleMatches(pb.a, pb.b, { eps: 0.2, strategy: "greedy", backend });
      const grouped = engine.simpleMatches(pb.a, pb.b, { eps: 0.2, strategy: "grouped", backend });
      expect(grouped.unique).toBe(true);
      expect(greedy.unique).toBe(true);
      expect(strip(grouped)).toEqual(strip(greedy));
      expect(grouped.matches.every((m) => m.simple)).toBe(true);
      const got = grouped.matches.map(({ a, b }) => JSON.stringify({ a, b })).sort();
      expect(got).toEqual(pb.blocks.map((blk) => JSON.stringify(blk)).sort());
      expect(grouped.margin).not.toBeNull();
    }
  });

  it("fall back to the deterministic-order result where v-minimal matches are not unique", () => {
    const { a, b, expected } = loadCase("dead-and-duplicate");
    for (const want of expected.simpleMatches) {
      const grouped = engine.simpleMatches(a, b, { eps: want.eps, strategy: "grouped" });
      expect(grouped.unique).toBe(want.unique);
      expect(grouped.matches.map(({ a, b, seeds }) => ({ a, b, seeds }))).toEqual(want.matches);
    }
  });

  it("reject an unknown strategy", () => {
    const { a, b } = loadCase("planted-exact");
    expect(() => engine.simpleMatches(a, b, { eps: 0.1, strategy: "fastest" as "grouped" })).toThrow(RepmatchError);
  });
});
