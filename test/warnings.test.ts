// Warnings: valid inputs whose results need care are flagged in `warnings`, never silently.
import { describe, expect, it } from "vitest";
import { createEngineSync } from "../src/engine.js";
import { readNpy } from "../src/io/npy.js";
import { FIXTURES, loadCase, randn } from "./helpers.js";
import { readFileSync } from "node:fs";

const engine = createEngineSync({ threads: 1 });
const codes = (r: { warnings: { code: string }[] }) => r.warnings.map((w) => w.code);

describe("subspace-match warnings", () => {
  it("flag rank-deficient sides (duplicated and dependent neurons), not full-rank ones", () => {
    const dup = loadCase("dead-and-duplicate");
    for (const backend of ["wasm", "js"] as const) {
      const r = engine.similarityCurve(dup.a, dup.b, { eps: [0.3], backend });
      expect(codes(r)).toContain("rankDeficient");
      expect(r.warnings.find((w) => w.code === "rankDeficient")!.message).toMatch(/the 7 live neurons of a span only 5 independent directions/);
      const ok = loadCase("planted-noisy");
      expect(codes(engine.similarityCurve(ok.a, ok.b, { eps: [0.3], backend }))).not.toContain("rankDeficient");
    }
  });

  it("flag float32 inputs whose decisions sit within 1e-5 of eps", () => {
    const a = readNpy(new Uint8Array(readFileSync(`${FIXTURES}digits-real-fc1/a.npy`)));
    const b = readNpy(new Uint8Array(readFileSync(`${FIXTURES}digits-real-fc1/b.npy`)));
    expect(a.dtype).toBe("<f4");
    const top = engine.maxEpsilon(a, b);
    const near = top - 2e-7; // the neuron at maxEpsilon is then 2e-7 beyond eps
    const r = engine.maxMatch(a, b, { eps: near });
    expect(r.margin!).toBeLessThan(1e-5);
    expect(codes(r)).toContain("float32Precision");
    // the same numbers given as float64 data carry no float32 warning
    const r64 = engine.maxMatch({ data: Float64Array.from(a.data), shape: a.shape }, { data: Float64Array.from(b.data), shape: b.shape }, { eps: near });
    expect(codes(r64)).not.toContain("float32Precision");
    // far from every decision: no warning
    expect(codes(engine.maxMatch(a, b, { eps: 0.3 }))).not.toContain("float32Precision");
  });

  it("flag few samples, samples <= neurons and dead neurons", () => {
    expect(codes(engine.maxMatch(randn(30, 10, 1), randn(30, 12, 2), { eps: 0.5 }))).toContain("fewSamples");
    expect(codes(engine.maxMatch(randn(10, 10, 1), randn(10, 12, 2), { eps: 0.5 }))).toContain("samplesBelowNeurons");
    const dead = randn(100, 5, 3);
    for (let i = 0; i < 100; i++) (dead.data as Float64Array)[i * 5 + 2] = 0;
    expect(codes(engine.maxMatch(dead, randn(100, 5, 4), { eps: 0.5 }))).toContain("deadNeurons");
  });
});
