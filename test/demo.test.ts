// The main job in its reduced mode: the demo's findings hold qualitatively, and the report is
// produced with one SVG heatmap per measure; net A's layers converge over training bottom-up.
import { beforeAll, describe, expect, it } from "vitest";
import { compareDemoNetworks, DEMO_EPS, type DemoComparison } from "../demo/compare.js";
import { trainDemoNetworks, type DemoResult } from "../demo/train.js";
import { createEngineSync } from "../src/engine.js";
import { layersGrids, layersReport } from "../src/layers/report.js";
import { renderReport } from "../src/report/html.js";
import { convergenceSection, insertSections } from "../src/report/dynamics.js";
import { convergenceDirection } from "../src/dynamics/convergence.js";

let trained: DemoResult;
let cmp: DemoComparison;

beforeAll(async () => {
  trained = trainDemoNetworks({ reduced: true });
  const engine = createEngineSync();
  cmp = await compareDemoNetworks(engine, trained, { threads: 2 });
  engine.close();
});

const mm = (layer: string, eps: number) => cmp.rows.find((r) => r.layer === layer)!.maxMatch[DEMO_EPS.indexOf(eps)]!;

describe("demo findings (reduced mode)", () => {
  it("the logits are more similar across seeds than the middle hidden layer under max match at eps 0.35-0.5", () => {
    for (const eps of [0.35, 0.4, 0.45, 0.5]) expect(mm("logits", eps)).toBeGreaterThan(mm("fc2", eps));
  });

  it("the similarity-vs-eps curves are monotone and the logits match completely past their maxEpsilon", () => {
    for (const r of cmp.rows) for (let k = 1; k < r.maxMatch.length; k++) expect(r.maxMatch[k]!).toBeGreaterThanOrEqual(r.maxMatch[k - 1]!);
    const logits = cmp.rows.find((r) => r.layer === "logits")!;
    DEMO_EPS.forEach((e, k) => {
      if (e > logits.maxEpsilon) expect(logits.maxMatch[k]).toBe(1);
    });
  });

  it("two seeds are far more alike than a network and the shuffled-label control, on every layer and measure", () => {
    for (const r of cmp.rows) {
      expect(r.cka).toBeGreaterThan(r.control.cka);
      expect(r.svcca).toBeGreaterThan(r.control.svcca);
      expect(r.maxMatch[DEMO_EPS.indexOf(0.4)]!).toBeGreaterThan(r.control.maxMatch[DEMO_EPS.indexOf(0.4)]!);
    }
  });

  it("paths start at the pixels and end at the logits, straightness in (0, 1]", () => {
    expect(cmp.paths.map((p) => p.network)).toEqual(["A", "B", "C"]);
    for (const p of cmp.paths) {
      expect(p.layers).toEqual(["input", "fc1", "fc2", "fc3", "logits"]);
      expect(p.straightness).toBeGreaterThan(0);
      expect(p.straightness).toBeLessThanOrEqual(1 + 1e-12);
      expect(p.pathLength).toBeCloseTo(p.steps.reduce((s, x) => s + x, 0), 12);
    }
  });

  it("writes the findings from the numbers and renders a report with one SVG per grid", () => {
    const text = cmp.findings.join(" ");
    expect(text).toMatch(/more similar across seeds than the hidden layers/);
    expect(text).toContain(`${Math.round(100 * mm("logits", 0.4))}% of their logit neurons`);
    const report = layersReport(cmp.seeds, { findings: cmp.findings, paths: cmp.paths.map((p) => ({ ...p, space: "angular CKA" })) });
    const html = renderReport(report);
    const grids = layersGrids(cmp.seeds);
    expect(grids.length).toBe(DEMO_EPS.length + 7);
    const gridSection = html.slice(html.indexOf('id="grids"'), html.indexOf('id="curves"'));
    expect(gridSection.match(/<svg[\s>]/g)?.length).toBe(grids.length);
    expect(html).toContain("Linear CKA");
    expect(html).not.toMatch(/NaN|Infinity/);
  });
});

// Convergence over training (Morcos et al. 2018) of net A's layers, from the checkpoints train.ts
// keeps. Measured before writing these assertions (reduced mode; full mode in parentheses), epochs
// until each layer first reaches 90% of its final similarity, fc1 / fc2 / fc3 / logits:
//   PWCCA 0.51 / 1 / 1 / 0.25 (1 / 2 / 2 / 0.25), linear CKA 0.25 / 0.51 / 0.51 / 1 (0.25 / 0.5 / 1 / 1),
//   max match at eps 0.3 2 / 3 / 3 / 1 (2 / 3 / 4 / 1), angular Procrustes 2 / 2 / 2 / 2 (3 / 3 / 3 / 3).
// So the hidden layers converge bottom-up under PWCCA, CKA and the max match, all together under
// Procrustes at this checkpoint resolution, and the 10 logits early under PWCCA and the max match.
describe("convergence over training (reduced mode)", () => {
  const conv = () => cmp.convergence!;
  const at = (measure: string, layer: string) => conv().series.find((s) => s.measure === measure)!.layers.find((l) => l.layer === layer)!;
  const MEASURES = ["pwccaDistance", "cka", "maxMatch@0.3", "procrustes"];

  it("net A keeps checkpoints at initialisation, five times in the first epoch and after every epoch", () => {
    const [A, B, C] = trained.nets;
    const ck = A!.checkpoints!;
    const spe = Math.ceil(trained.config.train / trained.config.batch); // 63 steps per epoch
    expect(ck.map((c) => c.step)).toEqual([0, 2, 4, 8, 16, 32, ...Array.from({ length: trained.config.epochs }, (_, e) => (e + 1) * spe)]);
    expect(ck.map((c) => c.epoch)).toEqual(ck.map((c) => c.step / spe));
    for (const c of ck) expect(c.layers.map((l) => l.shape)).toEqual([[1000, 128], [1000, 128], [1000, 64], [1000, 10]]);
    expect(ck.at(-1)!.layers).toBe(A!.layers); // the trained network, shared
    expect(B!.checkpoints).toBeUndefined();
    expect(C!.checkpoints).toBeUndefined();
    expect(conv().checkpoints.map((c) => c.step)).toEqual(ck.map((c) => c.epoch));
    expect(conv().series.map((s) => s.measure)).toEqual(MEASURES);
  });

  it("the first hidden layer reaches 90% of its final similarity no later than the last hidden layer (strictly earlier under PWCCA, CKA, max match)", () => {
    for (const m of MEASURES) expect(at(m, "fc1").reached!).toBeLessThanOrEqual(at(m, "fc3").reached!);
    for (const m of ["pwccaDistance", "cka", "maxMatch@0.3"]) expect(at(m, "fc1").reached!).toBeLessThan(at(m, "fc3").reached!);
    // linear CKA orders all hidden layers bottom-up
    expect(convergenceDirection(["fc1", "fc2", "fc3"].map((l) => at("cka", l).reached))).toBe("bottom-up");
  });

  it("at every checkpoint before the last, fc1 is closer to its final representation than fc3", () => {
    const names = conv().layers.map((l) => l.name);
    for (const m of ["pwccaDistance", "cka", "procrustes"]) {
      const s = conv().series.find((x) => x.measure === m)!;
      const f1 = s.values[names.indexOf("fc1")]!, f3 = s.values[names.indexOf("fc3")]!;
      for (let k = 0; k + 1 < f1.length; k++) {
        if (s.kind === "similarity") expect(f1[k]!).toBeGreaterThan(f3[k]!);
        else expect(f1[k]!).toBeLessThan(f3[k]!);
      }
    }
  });

  it("the documented exception: the 10 logits converge before the last hidden layer under PWCCA", () => {
    expect(at("pwccaDistance", "logits").reached!).toBeLessThan(at("pwccaDistance", "fc3").reached!);
    expect(conv().series.find((s) => s.measure === "pwccaDistance")!.direction).toBe("mixed");
  });

  it("the findings say so from the numbers, and the report gets a convergence section with one chart per measure", () => {
    const text = cmp.findings.join(" ");
    expect(text).toContain("as Morcos et al. found");
    expect(text).toMatch(/linear CKA [\d.]+ \/ [\d.]+ \/ [\d.]+ \(bottom-up\)/);
    expect(text).toContain("At every checkpoint before the last, fc1 is closer to its final representation than fc3 under PWCCA, linear CKA, angular Procrustes.");
    const html = insertSections(renderReport(layersReport(cmp.seeds, { findings: cmp.findings })), [convergenceSection(conv(), { xLabel: "epoch" })]);
    const section = html.slice(html.indexOf('<section id="convergence"'), html.indexOf("</main>"));
    expect(section.match(/<svg[\s>]/g)?.length).toBe(MEASURES.length);
    expect(html).toContain('<a href="#convergence">');
    expect(html).not.toMatch(/NaN|Infinity/);
  });
});
