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

describe("maximum matches by downdating (the certificate's fast path)", () => {
  it("equal the exact maxMatch(M \\ {u}) for every u, and are taken for most u", async () => {
    const { MatchDowndater } = await import("../src/downdate.js");
    const { jsBackend } = await import("../src/js/backend.js");
    const { viewPair } = await import("../src/matrix.js");
    const pb = plantedBlocks({ samples: 1200, neurons: 60, blocks: [3, 8, 5, 11, 6], noise: 0.02, seed: 21 });
    const p = jsBackend.prepare(...viewPair(pb.a, pb.b));
    for (const eps of [0.15, 0.25]) {
      const M = p.maxMatch(new Uint8Array(120).fill(1), eps).match;
      const down = MatchDowndater.create(p, M)!;
      expect(down).not.toBeNull();
      let fast = 0, total = 0;
      for (let u = 0; u < 120; u++) {
        if (!M[u]) continue;
        total++;
        const cand = M.slice();
        cand[u] = 0;
        const exact = p.maxMatch(cand, eps);
        const got = down.withoutNeuron(u, eps);
        if (got) {
          fast++;
          expect(Array.from(got.match)).toEqual(Array.from(exact.match));
        }
      }
      expect(fast).toBeGreaterThan(0.9 * total);
    }
  });
});
