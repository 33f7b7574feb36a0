// Training dynamics (src/dynamics/): convergence over checkpoints with a known per-layer schedule,
// sequences related by known linear maps, two networks' paths with a planted divergence point, the
// bad inputs (errors naming the checkpoint), and the dynamics report pages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asSimilarity, convergencePoint, type SeriesInfo } from "../src/dynamics/common.js";
import { convergence, convergenceCsv, convergenceDirection, convergenceOrder, type Checkpoint, type ConvergenceResult } from "../src/dynamics/convergence.js";
import { comparePaths, depthAlignment, dpAlignment, findDivergence } from "../src/dynamics/paths.js";
import { sequenceGrid, sequenceSteps, sequenceToFinal } from "../src/dynamics/sequence.js";
import { createEngineSync, type Engine } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import { renderReport } from "../src/report/html.js";
import { convergenceSection, insertSections, renderConvergenceReport, renderPathsReport, renderSequenceReport } from "../src/report/dynamics.js";
import type { LayersReport } from "../src/report/types.js";
import { add, divergingNetworks, matmul, orthonormalRows, randn, scale, scheduledCheckpoints, stackNtc, stackTnc, toFortran3, type Mat } from "./dynamics-data.js";

let engine: Engine;
beforeAll(() => {
  engine = createEngineSync();
});
afterAll(() => engine.close());

const series = (r: ConvergenceResult, m: string) => r.series.find((s) => s.measure === m)!;
const reached = (r: ConvergenceResult, m: string) => series(r, m).layers.map((l) => l.reached);

async function rejects(p: Promise<unknown> | (() => unknown), code: string, message: RegExp): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RepmatchError);
  expect((err as RepmatchError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
  expect((err as Error).message).not.toContain("\n");
}

describe("convergence point and order", () => {
  const sim: SeriesInfo = { measure: "cka", label: "", kind: "similarity" };
  const dist: SeriesInfo = { measure: "pwccaDistance", label: "", kind: "distance", maxDistance: 1 };
  const angle: SeriesInfo = { measure: "procrustes", label: "", kind: "distance", maxDistance: Math.PI / 2 };

  it("a similarity reaches fraction x its final value; settled = stays there", () => {
    expect(convergencePoint(sim, [0.2, 0.95, 0.85, 1], 0.9)).toEqual({ final: 1, threshold: 0.9, reached: 1, settled: 3 });
    // relative to the final value, not to 1 (e.g. dead neurons keep a max match below 1)
    const p = convergencePoint(sim, [0.1, 0.7, 0.8], 0.9);
    expect(p.threshold).toBeCloseTo(0.72, 15);
    expect(p.reached).toBe(2);
    expect(convergencePoint(sim, [null, 0.5, null], 0.9)).toEqual({ final: null, threshold: null, reached: null, settled: null });
    expect(convergencePoint(sim, [0.4, 0, 0], 0.9).reached).toBeNull(); // final similarity 0: undefined
  });

  it("a distance d counts as the similarity 1 - d / maxDistance", () => {
    expect(asSimilarity(dist, 0.25)).toBe(0.75);
    expect(asSimilarity(angle, Math.PI / 4)).toBeCloseTo(0.5, 15);
    expect(convergencePoint(dist, [0.5, 0.05, 0.2, 0], 0.9)).toEqual({ final: 0, threshold: 0.09999999999999998, reached: 1, settled: 3 });
    // a final distance above 0: d <= 0.1 max + 0.9 final
    const p = convergencePoint(dist, [0.5, 0.27, 0.2], 0.9);
    expect(p.threshold).toBeCloseTo(0.28, 15);
    expect(p.reached).toBe(1);
    const q = convergencePoint(angle, [1.2, 0.2, 0.1, 0], 0.9);
    expect(q.threshold).toBeCloseTo(0.1 * (Math.PI / 2), 15);
    expect(q.reached).toBe(2);
  });

  it("directions and orders", () => {
    expect(convergenceDirection([1, 2, 2, 5])).toBe("bottom-up");
    expect(convergenceDirection([5, 2, 1])).toBe("top-down");
    expect(convergenceDirection([3, 3])).toBe("simultaneous");
    expect(convergenceDirection([1, 3, 2])).toBe("mixed");
    expect(convergenceDirection([1, null])).toBe("undetermined");
    expect(convergenceOrder(["a", "b", "c", "d"], [2, null, 1, 2])).toEqual(["c", "a", "d", "b"]);
  });
});

describe("convergence over synthetic checkpoints", () => {
  it("recovers a bottom-up schedule under every measure, with values equal to the engine's", async () => {
    const { checkpoints, finals, at } = scheduledCheckpoints({ settle: [2, 5, 8], checkpoints: 10 });
    let calls = 0;
    const r = await convergence(engine, checkpoints, { eps: [0.3], threads: 2, onProgress: () => calls++ });
    expect(calls).toBe(3 * 10);
    expect(r.checkpoints.map((c) => c.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.layers.map((l) => l.name)).toEqual(["layer0", "layer1", "layer2"]);
    expect(r.series.map((s) => s.measure)).toEqual(["pwccaDistance", "cka", "maxMatch@0.3", "procrustes"]);
    for (const s of r.series) {
      expect(s.direction).toBe("bottom-up");
      expect(s.order).toEqual(["layer0", "layer1", "layer2"]);
      const [p0, p1, p2] = s.layers.map((l) => l.reached!);
      // layer l equals its final activations from checkpoint settle[l] (index settle - 1) on
      expect(p0).toBeLessThanOrEqual(1);
      expect(p1).toBeGreaterThan(p0!);
      expect(p1).toBeLessThanOrEqual(4);
      expect(p2).toBeGreaterThan(p1!);
      expect(p2).toBeLessThanOrEqual(7);
      for (const l of s.layers) expect(l.settled).toBe(l.reached); // the schedules are monotone
      // from the settle checkpoint on, every value is the final one
      s.values.forEach((row, l) => {
        const T = [2, 5, 8][l]!;
        for (let k = T - 1; k < 10; k++) expect(row[k]).toBeCloseTo(s.kind === "similarity" ? 1 : 0, 7);
      });
    }
    // the values are the engine's own measures of (layer at checkpoint k, layer at the last one)
    for (const [l, k] of [[0, 1], [1, 3], [2, 2], [2, 6]] as const) {
      const x = at(l, k), f = finals[l]!;
      expect(series(r, "cka").values[l]![k - 1]).toBeCloseTo(engine.cka(x, f, { rbf: false }).linear, 12);
      expect(series(r, "pwccaDistance").values[l]![k - 1]).toBeCloseTo(1 - engine.pwcca(x, f).value, 12);
      expect(series(r, "procrustes").values[l]![k - 1]).toBeCloseTo(engine.procrustes(x, f).angular, 12);
      expect(series(r, "maxMatch@0.3").values[l]![k - 1]).toBe(engine.maxMatch(x, f, { eps: 0.3 }).similarity);
    }
    const csv = convergenceCsv(r).trim().split("\n");
    expect(csv[0]).toBe("layer,checkpoint,step,measure,value");
    expect(csv).toHaveLength(1 + 4 * 3 * 10);
  });

  it("with fraction 1 a layer converges exactly where it becomes its final self", async () => {
    const { checkpoints } = scheduledCheckpoints({ settle: [7, 3, 5], checkpoints: 8 });
    const r = await convergence(engine, checkpoints, { fraction: 1, threads: 1 });
    for (const s of r.series) {
      if (s.measure.startsWith("maxMatch")) {
        // the match saturates earlier: every neuron lies within eps of the final span before it is exact
        s.layers.forEach((l, i) => expect(l.reached!).toBeLessThanOrEqual([6, 2, 4][i]!));
        continue;
      }
      expect(s.layers.map((l) => l.reached)).toEqual([6, 2, 4]);
      expect(s.order).toEqual(["layer1", "layer2", "layer0"]);
      expect(s.direction).toBe("mixed");
    }
  });

  it("step schedules: top-down, simultaneous; the input's checkpoint order and steps are kept", async () => {
    const top = scheduledCheckpoints({ settle: [6, 4, 2], checkpoints: 7, shape: "step", seed: 2 });
    const steps = top.checkpoints.map((c, k) => ({ ...c, name: `epoch ${k * 10}`, step: k * 10 }));
    const r = await convergence(engine, steps, { measures: ["cka", "match"], eps: [0.2, 0.5], threads: 1 });
    expect(r.series.map((s) => s.measure)).toEqual(["cka", "maxMatch@0.2", "maxMatch@0.5"]);
    for (const s of r.series) {
      expect(s.layers.map((l) => l.reached)).toEqual([5, 3, 1]);
      expect(s.layers.map((l) => l.reachedStep)).toEqual([50, 30, 10]);
      expect(s.direction).toBe("top-down");
      expect(s.order).toEqual(["layer2", "layer1", "layer0"]);
    }
    const same = scheduledCheckpoints({ settle: [3, 3, 3], checkpoints: 5, shape: "step", seed: 3 });
    const q = await convergence(engine, same.checkpoints, { measures: ["pwcca", "procrustes"] });
    for (const s of q.series) {
      expect(s.layers.map((l) => l.reached)).toEqual([2, 2, 2]);
      expect(s.direction).toBe("simultaneous");
    }
  });

  it("dead neurons: the final max-match similarity is below 1 and the threshold follows it", async () => {
    const { checkpoints } = scheduledCheckpoints({ settle: [2, 3], checkpoints: 4, widths: [12, 8], deadInLayer0: 2 });
    const r = await convergence(engine, checkpoints, { measures: ["match"], eps: [0.3] });
    const l0 = series(r, "maxMatch@0.3").layers[0]!;
    expect(l0.final).toBeCloseTo(20 / 24, 12); // 2 of 12 neurons dead on both sides
    expect(l0.threshold).toBeCloseTo(0.9 * (20 / 24), 12);
    expect(l0.reached).toBe(1);
  });

  it("matches layers by name when checkpoints list them in another order", async () => {
    const { checkpoints } = scheduledCheckpoints({ settle: [2, 4], checkpoints: 5, widths: [10, 6] });
    const shuffled = checkpoints.map((c, k) => (k % 2 ? { ...c, layers: [...c.layers].reverse() } : c));
    const a = await convergence(engine, checkpoints, { measures: ["cka"] });
    const b = await convergence(engine, shuffled, { measures: ["cka"] });
    expect(b.series[0]!.values).toEqual(a.series[0]!.values);
  });
});

describe("convergence: bad input names the checkpoint, before any work", () => {
  const base = () => scheduledCheckpoints({ settle: [2, 3, 4], checkpoints: 4, samples: 120 }).checkpoints;
  let progress = 0;
  const run = (cks: Checkpoint[], opts = {}) => () => convergence(engine, cks, { ...opts, onProgress: () => progress++ });

  it("different layer sets", async () => {
    const c = base();
    c[2] = { ...c[2]!, layers: c[2]!.layers.filter((l) => l.name !== "layer1") };
    await rejects(run(c), "badInput", /^ckpt3: expected the layers of ckpt1 \(layer0, layer1, layer2\), got layer0, layer2 \(missing layer1\)$/);
    const d = base();
    d[1] = { ...d[1]!, layers: [...d[1]!.layers, { name: "extra", data: randn(120, 3, 9) }] };
    await rejects(run(d), "badInput", /^ckpt2: .*\(unexpected extra\)$/);
    const e = base();
    e[3] = { ...e[3]!, layers: [e[3]!.layers[0]!, e[3]!.layers[0]!, e[3]!.layers[2]!] };
    await rejects(run(e), "badInput", /^ckpt4: expected distinct layer names, got "layer0" twice$/);
  });

  it("different sample counts, widths, non-finite values", async () => {
    const c = base();
    c[3] = { ...c[3]!, layers: c[3]!.layers.map((l) => (l.name === "layer1" ? { ...l, data: randn(119, 10, 4) } : l)) };
    await rejects(run(c), "sampleCountMismatch", /^ckpt4: expected every layer to have 120 samples \(rows\) as ckpt1:layer0 has, got 119 in ckpt4:layer1$/);
    const w = base();
    w[1] = { ...w[1]!, layers: w[1]!.layers.map((l) => (l.name === "layer2" ? { ...l, data: randn(120, 5, 4) } : l)) };
    await rejects(run(w), "badShape", /^ckpt2: expected layer layer2 to have 8 neurons as in ckpt1, got 5$/);
    const nan = base();
    const bad = randn(120, 12, 4);
    bad.data[7 * 12 + 3] = NaN;
    nan[2] = { ...nan[2]!, layers: nan[2]!.layers.map((l) => (l.name === "layer0" ? { ...l, data: bad } : l)) };
    await rejects(run(nan), "nonFinite", /^ckpt3:layer0: expected finite values, got NaN at row 7, column 3$/);
    const flat = base();
    flat[1] = { ...flat[1]!, layers: flat[1]!.layers.map((l) => (l.name === "layer0" ? { ...l, data: { data: new Float64Array(120 * 12), shape: [120, 3, 4] } } : l)) };
    await rejects(run(flat), "notTwoDimensional", /^ckpt2:layer0: expected a 2-D array/);
    expect(progress).toBe(0);
  });

  it("too few checkpoints, bad options", async () => {
    await rejects(run(base().slice(0, 1)), "badInput", /expected at least two checkpoints \(the last is the final one\), got 1/);
    await rejects(run(base(), { fraction: 1.5 }), "badOption", /fraction/);
    await rejects(run(base(), { measures: ["svcca"] }), "badOption", /measures/);
    await rejects(run(base(), { eps: [1.2] }), "badEpsilon", /eps/);
    await rejects(run([{ name: "", layers: [] }, ...base()]), "badInput", /checkpoint 1 to have a non-empty name/);
    expect(progress).toBe(0);
  });
});

// -----------------------------------------------------------------------------------------------

describe("sequences", () => {
  const n = 240, T = 5, U = 8;
  const A: Mat[] = Array.from({ length: T }, (_, t) => randn(n, U, 70 + t));
  // B's state at time t: an orthogonal map (and scaling) of A's into 12 units, so linear CKA is 1
  const Bo: Mat[] = A.map((m, t) => scale(matmul(m, orthonormalRows(U, 12, 90 + t)), 3));
  // C's state: a general invertible linear map of A's (CCA and the subspace match are invariant, CKA is not)
  const M: Mat = { data: Float64Array.from({ length: U * U }, (_, k) => (Math.floor(k / U) <= k % U ? 1 + ((k * 7) % 5) : 0)), shape: [U, U] };
  const C: Mat[] = A.map((m) => matmul(m, M));

  it("orthogonal maps: the diagonal of the CKA grid is 1, and so are PWCCA and the match", async () => {
    const r = await sequenceGrid(engine, stackNtc(A), stackNtc(Bo), { layout: "ntc", names: ["A", "B"], threads: 2 });
    expect(r.networks.map((x) => [x.samples, x.steps, x.units])).toEqual([[n, T, U], [n, T, 12]]);
    const g = (m: string) => r.grids.find((x) => x.measure === m)!.values;
    for (let t = 0; t < T; t++) {
      expect(g("cka")[t]![t]).toBeCloseTo(1, 12);
      expect(g("pwccaDistance")[t]![t]).toBeCloseTo(0, 10);
      expect(g("maxMatch@0.3")[t]![t]).toBe(1);
      expect(g("procrustes")[t]![t]).toBeCloseTo(0, 6);
      for (let s = 0; s < T; s++) if (s !== t) expect(g("cka")[t]![s]!).toBeLessThan(0.2); // independent steps
    }
  });

  it("invertible linear maps: PWCCA distance 0 and full match on the diagonal, CKA below 1", async () => {
    const r = await sequenceGrid(engine, stackNtc(A), stackTnc(C), { layout: "ntc", layoutB: "tnc", measures: ["pwcca", "cka", "match"], threads: 1 });
    const g = (m: string) => r.grids.find((x) => x.measure === m)!.values;
    for (let t = 0; t < T; t++) {
      expect(g("pwccaDistance")[t]![t]).toBeCloseTo(0, 9);
      expect(g("maxMatch@0.3")[t]![t]).toBe(1);
      expect(g("cka")[t]![t]!).toBeLessThan(0.99);
    }
  });

  it("ntc, tnc and Fortran order give the same steps and the same grid", async () => {
    const ntc = stackNtc(A);
    const tnc = stackTnc(A);
    const s1 = sequenceSteps(ntc, "ntc").layers;
    const s2 = sequenceSteps(tnc, "tnc").layers;
    const s3 = sequenceSteps({ data: toFortran3(ntc), shape: ntc.shape, fortranOrder: true }, "ntc").layers;
    for (let t = 0; t < T; t++) {
      const a = (s1[t]!.data as Mat).data, b = (s2[t]!.data as Mat).data, c = (s3[t]!.data as Mat).data;
      expect(Array.from(b)).toEqual(Array.from(a));
      expect(Array.from(c)).toEqual(Array.from(a));
      expect(Array.from(a)).toEqual(Array.from(A[t]!.data));
    }
    const B3 = Bo.slice(0, 3);
    const r1 = await sequenceGrid(engine, ntc, stackNtc(B3), { layout: "ntc", measures: ["cka", "pwcca"] });
    const r2 = await sequenceGrid(engine, tnc, stackTnc(B3), { layout: "tnc", measures: ["cka", "pwcca"] });
    expect(r1.grids[0]!.values).toHaveLength(T);
    expect(r1.grids[0]!.values[0]).toHaveLength(3);
    expect(r2.grids).toEqual(r1.grids);
  });

  it("each step against the last: the step from which the state is final", async () => {
    const F = randn(n, U, 5);
    const steps = Array.from({ length: 6 }, (_, t) => (t >= 3 ? F : add(F, randn(n, U, 200 + t), 0, 1)));
    const r = await sequenceToFinal(engine, stackNtc(steps), { layout: "ntc" });
    expect(r.network).toEqual({ name: "A", samples: n, steps: 6, units: U });
    for (const s of r.series) {
      expect(s.values).toHaveLength(6);
      expect(s.reached).toBe(3);
      expect(s.settled).toBe(3);
    }
  });

  it("bad input: 3-D without a layout, not 3-D, different sample counts", async () => {
    await rejects(() => sequenceGrid(engine, stackNtc(A), stackNtc(A), {}), "badLayout", /^A: expected a layout for 3-D activations, "ntc" \(samples x time x units\) or "tnc" \(time x samples x units\), got none$/);
    await rejects(() => sequenceGrid(engine, stackNtc(A), stackNtc(A), { layout: "nct" as never }), "badLayout", /got "nct"/);
    await rejects(() => sequenceGrid(engine, A[0]!, stackNtc(A), { layout: "ntc" }), "badShape", /^A: expected a 3-D array .*got shape \(240, 8\)$/);
    const short = A.map((m) => ({ data: m.data.slice(0, 100 * U), shape: [100, U] as [number, number] }));
    await rejects(() => sequenceGrid(engine, stackNtc(A), stackNtc(short), { layout: "ntc", names: ["rnn1", "rnn2"] }), "sampleCountMismatch", /rnn1 and rnn2 .* got 240 and 100/);
    await rejects(() => sequenceGrid(engine, { data: new Float64Array(10), shape: [2, 3, 4] }, stackNtc(A), { layout: "ntc" }), "badShape", /expected 24 values/);
  });
});

// -----------------------------------------------------------------------------------------------

describe("two networks' paths", () => {
  it("aligns by relative depth and finds the planted divergence", () => {
    expect(depthAlignment(4, 7)).toEqual([[0, 0], [1, 1], [1, 2], [2, 3], [2, 4], [3, 5], [3, 6]]);
    expect(depthAlignment(7, 4)).toEqual([[0, 0], [1, 1], [2, 1], [3, 2], [4, 2], [5, 3], [6, 3]]);
    expect(depthAlignment(3, 3)).toEqual([[0, 0], [1, 1], [2, 2]]);
    const { A, B } = divergingNetworks();
    const r = comparePaths(engine, A, B, { networks: ["wide", "deep"], align: ["depth", "dp"] });
    expect(r.layersA.map((l) => l.neurons)).toEqual([16, 16, 16, 16]);
    expect(r.layersB.map((l) => l.neurons)).toEqual([24, 24, 24, 24, 24, 24, 24]);
    const depth = r.alignments[0]!;
    expect(depth.pairs.map((p) => [p.a, p.b])).toEqual(depthAlignment(4, 7));
    for (const p of depth.pairs.slice(0, 5)) expect(p.distance).toBeLessThan(0.2);
    expect(r.divergence).toEqual(depth.divergence);
    expect(r.divergence!.index).toBe(5);
    expect([r.divergence!.pair.layerA, r.divergence!.pair.layerB]).toEqual(["a3", "b5"]);
    expect(r.divergence!.reasons).toEqual(["threshold", "jump"]);
    // dynamic programming also walks along the shared layers and leaves them at b5
    const dp = r.alignments[1]!;
    expect(dp.method).toBe("dp");
    expect(dp.pairs[0]).toMatchObject({ a: 0, b: 0 });
    expect(dp.pairs.at(-1)).toMatchObject({ a: 3, b: 6 });
    expect(dp.divergence!.pair.layerB).toBe("b5");
    for (const p of dp.pairs.slice(0, dp.divergence!.index)) expect(p.distance).toBeLessThan(0.2);
  });

  it("paths and cross distances are the engine's angular CKA", () => {
    const { A, B } = divergingNetworks({ samples: 200 });
    const r = comparePaths(engine, A, B);
    const pa = engine.path(A.map((l) => l.data), { spaces: ["angularCka"] }).space.angularCka!;
    expect(r.paths[0].pathLength).toBeCloseTo(pa.pathLength, 12);
    expect(r.paths[0].layers).toEqual(["a0", "a1", "a2", "a3"]);
    expect(r.paths[1].network).toBe("B");
    for (const [i, j] of [[0, 0], [1, 4], [3, 6]] as const) {
      expect(r.cross[i]![j]).toBeCloseTo(Math.acos(Math.min(1, engine.cka(A[i]!.data, B[j]!.data, { rbf: false }).linear)), 9);
    }
    expect(r.alignments.map((a) => a.method)).toEqual(["depth"]);
  });

  it("no divergence when the networks stay together; a jump alone also counts", () => {
    const same = divergingNetworks({ divergeAt: 99 });
    expect(comparePaths(engine, same.A, same.B).divergence).toBeNull();
    const { A, B } = divergingNetworks();
    const r = comparePaths(engine, A, B, { threshold: 1.6, jump: 0.3 });
    expect(r.divergence!.index).toBe(5);
    expect(r.divergence!.reasons).toEqual(["jump"]);
    expect(comparePaths(engine, A, B, { threshold: 1.6, jump: Infinity }).divergence).toBeNull();
  });

  it("dynamic time warping and the divergence rule on small examples", () => {
    expect(dpAlignment([[0, 1, 1], [1, 0, 1], [1, 1, 0]])).toEqual([[0, 0], [1, 1], [2, 2]]);
    expect(dpAlignment([[0, 0, 1], [1, 1, 0]])).toEqual([[0, 0], [0, 1], [1, 2]]);
    const pairs = [0.1, 0.2, 0.3, 0.9].map((distance, k) => ({ a: k, b: k, layerA: `a${k}`, layerB: `b${k}`, depthA: 0, depthB: 0, distance }));
    expect(findDivergence(pairs, 0.5, 0.5)).toMatchObject({ index: 3, previous: 0.3, reasons: ["threshold", "jump"] });
    expect(findDivergence(pairs, 1, 10)).toBeNull();
    expect(findDivergence(pairs, 0.25, 10)).toMatchObject({ index: 2, reasons: ["threshold"] });
  });

  it("bad input", () => {
    const { A, B } = divergingNetworks({ samples: 100 });
    expect(() => comparePaths(engine, A.slice(0, 1), B)).toThrow(/^A: expected at least two layers for a path, got 1$/);
    const short = [...B.slice(0, 3), { name: "b3", data: randn(90, 24, 1) }];
    expect(() => comparePaths(engine, A, short, { networks: ["net1", "net2"] })).toThrow(/^net2: expected every layer to have 100 samples .* got 90 in b3$/);
    expect(() => comparePaths(engine, A, B, { align: ["zigzag" as never] })).toThrow(/align/);
    expect(() => comparePaths(engine, A, B, { threshold: -1 })).toThrow(/threshold/);
  });
});

// -----------------------------------------------------------------------------------------------

describe("dynamics reports", () => {
  const svgs = (html: string) => html.match(/<svg[\s>]/g)?.length ?? 0;

  it("convergence page: one chart per measure, the order, no NaN; insertable into a layers report", async () => {
    const { checkpoints } = scheduledCheckpoints({ settle: [2, 4, 6], checkpoints: 7, samples: 150 });
    const r = await convergence(engine, checkpoints, { eps: [0.3, 0.5] });
    const html = renderConvergenceReport(r, { title: "t <&>", findings: ["it converged"], meta: { seconds: 1.5 } });
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<title>t &lt;&amp;&gt;</title>");
    expect(svgs(html)).toBe(r.series.length);
    expect(html).toContain("layer0 \u2192 layer1 \u2192 layer2 (bottom-up)");
    expect(html).not.toMatch(/NaN|Infinity/);
    expect(renderConvergenceReport(r)).toBe(renderConvergenceReport(r)); // deterministic

    const base: LayersReport = { title: "x", networks: ["A", "B"], layersA: [], layersB: [], grids: [], curves: [] };
    const doc = insertSections(renderReport(base), [convergenceSection(r, { xLabel: "epoch" })]);
    expect(doc).toContain('<li><a href="#convergence">Convergence over training</a></li></ul></nav>');
    expect(doc.indexOf('id="convergence"')).toBeLessThan(doc.indexOf("</main>"));
    expect(doc.indexOf('id="convergence"')).toBeGreaterThan(doc.indexOf('id="curves"'));
    expect(svgs(doc)).toBe(r.series.length);
  });

  it("sequence and paths pages", async () => {
    const A = Array.from({ length: 3 }, (_, t) => randn(100, 6, 300 + t));
    const g = await sequenceGrid(engine, stackNtc(A), stackNtc(A), { layout: "ntc", measures: ["cka", "match"] });
    const gh = renderSequenceReport(g);
    expect(svgs(gh)).toBe(g.grids.length);
    expect(gh).not.toMatch(/NaN|Infinity/);
    const f = await sequenceToFinal(engine, stackNtc(A), { layout: "ntc", measures: ["cka"] });
    expect(svgs(renderSequenceReport(f))).toBe(1);
    const { A: na, B: nb } = divergingNetworks({ samples: 150 });
    const p = comparePaths(engine, na, nb, { align: ["depth", "dp"] });
    const ph = renderPathsReport(p);
    expect(svgs(ph)).toBe(3); // the path plot, the aligned distances, the cross-distance heatmap
    expect(ph).toContain("the paths diverge at a3 \u2194 b5");
    expect(ph).not.toMatch(/NaN|Infinity/);
  });
});
