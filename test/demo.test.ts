// The main job in its reduced mode: the demo's findings hold qualitatively, and the report is
// produced with one SVG heatmap per measure.
import { beforeAll, describe, expect, it } from "vitest";
import { compareDemoNetworks, DEMO_EPS, type DemoComparison } from "../demo/compare.js";
import { trainDemoNetworks, type DemoResult } from "../demo/train.js";
import { createEngineSync } from "../src/engine.js";
import { layersGrids, layersReport } from "../src/layers/report.js";
import { renderReport } from "../src/report/html.js";

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
