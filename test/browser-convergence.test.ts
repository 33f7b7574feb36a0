// The analysis page's "Convergence" tab (web/convergence-view.ts) in chromium: synthetic checkpoints
// of one network with a known convergence order (layer l reaches its final activations on its own
// schedule; test/dynamics-data.ts), written as one .npz per checkpoint, are given to the page; the
// order, direction and curves it shows must equal `convergence` in Node on the same files. Bad
// checkpoints (a missing layer, fewer samples) show the library's message naming the checkpoint,
// Cancel stops a long run, and the page keeps working. Shares the server / build helpers with
// browser.test.ts (test/browser-helpers.ts); screenshot: test-output/browser/convergence.png.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCheckpoints, convergence, type Checkpoint, type ConvergenceResult } from "../src/dynamics/convergence.js";
import { createEngineSync, type Engine } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import { writeNpz } from "../src/io/npz.js";
import { CHROMIUM, CHROMIUM_ARGS, OUT, prepareBrowserTest, serve, settled, WAIT, WEB } from "./browser-helpers.js";
import { scheduledCheckpoints, type Mat } from "./dynamics-data.js";

interface CkptFile {
  file: string;
  layers: { name: string; data: Mat }[];
}

/** One .npz per checkpoint (float64, or float32 to keep big ones small); returns the paths. */
function writeCheckpoints(dir: string, files: CkptFile[], f32 = false): string[] {
  mkdirSync(dir, { recursive: true });
  return files.map((c) => {
    const path = join(dir, c.file);
    writeFileSync(path, writeNpz(c.layers.map((l) => ({ name: l.name, data: f32 ? Float32Array.from(l.data.data) : l.data.data, shape: l.data.shape }))));
    return path;
  });
}

/** The checkpoints as the page builds them from those files (name = file, source = member). */
function asCheckpoints(files: CkptFile[], steps?: number[]): Checkpoint[] {
  return files.map((c, k) => ({ name: c.file, step: steps?.[k], layers: c.layers.map((l) => ({ name: l.name, data: l.data, source: `${c.file}:${l.name}.npy` })) }));
}

function checkMessage(cks: Checkpoint[]): { code: string; message: string } {
  try {
    checkCheckpoints(cks);
  } catch (e) {
    return { code: (e as RepmatchError).code, message: (e as RepmatchError).message };
  }
  throw new Error("expected checkCheckpoints to fail");
}

async function convRun(page: Page): Promise<number> {
  return Number((await page.getAttribute("#ckpt-results", "data-run")) ?? 0);
}

/** Waits for a convergence run newer than `after` to end (done or failed); returns its state. */
async function convSettled(page: Page, after: number): Promise<string> {
  await page.waitForFunction(
    (prev) => {
      const s = document.getElementById("ckpt-results");
      return !!s && Number(s.dataset.run ?? 0) > prev && (s.dataset.state === "done" || s.dataset.state === "failed");
    },
    after,
    { timeout: WAIT },
  );
  return (await page.getAttribute("#ckpt-results", "data-state")) ?? "";
}

describe("the page's Convergence tab in chromium", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let engine: Engine;
  let tmp: string;
  const consoleErrors: string[] = [];

  // 4 checkpoints of a 3-layer network: layer l moves linearly from a random start to its final
  // activations, arriving at checkpoint settle[l] = 1, 2, 4 (bottom-up by construction). The file
  // names' natural order (epoch2 < epoch10) differs from their plain string order.
  const names = ["epoch2.npz", "epoch4.npz", "epoch6.npz", "epoch10.npz"];
  const steps = [2, 4, 6, 10];
  const sched = scheduledCheckpoints({ settle: [1, 2, 4], checkpoints: 4, samples: 300, widths: [12, 10, 8], seed: 3 });
  const good: CkptFile[] = sched.checkpoints.map((c, k) => ({ file: names[k]!, layers: c.layers.map((l) => ({ name: l.name, data: l.data as Mat })) }));

  beforeAll(async () => {
    prepareBrowserTest();
    mkdirSync(OUT, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), "repmatch-browser-conv-"));
    server = await serve(WEB);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(`console: ${m.text()}`);
    });
    engine = createEngineSync({ threads: 1 });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(await settled(page, 0)).toBe("done"); // the built-in example (two networks) first
  }, 120_000);

  afterAll(async () => {
    engine?.close();
    await browser?.close();
    await new Promise((r) => (server ? server.close(() => r(null)) : r(null)));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("checkpoint files: the order, direction and curves equal convergence() in Node", async () => {
    const paths = writeCheckpoints(join(tmp, "good"), good);
    const want: ConvergenceResult = await convergence(engine, asCheckpoints(good, steps), { eps: [0.3], fraction: 0.9, threads: 1 });
    // the construction's known answer, under every measure
    for (const s of want.series) {
      expect(s.order, s.measure).toEqual(["layer0", "layer1", "layer2"]);
      expect(s.direction, s.measure).toBe("bottom-up");
    }
    // the tab: its own drop zone, the two-network zones hidden
    await page.click("#tab-convergence");
    expect(await page.isVisible("#zone-ckpt")).toBe(true);
    expect(await page.isVisible("#zone-A")).toBe(false);
    const before = await convRun(page);
    await page.setInputFiles("#file-ckpt", [paths[3]!, paths[0]!, paths[2]!, paths[1]!]); // any order: sorted by name, naturally
    expect(await convSettled(page, before)).toBe("done");
    expect(await page.isVisible("#error")).toBe(false);
    expect(await page.$$eval("#ckpt-list li", (li) => li.map((x) => x.getAttribute("data-name")))).toEqual(names);
    expect(await page.textContent("#ckpt-what")).toContain("3 layers over 4 checkpoints (epoch2.npz … epoch10.npz), 300 samples");
    // the order per measure, as text and in data attributes
    const rows = await page.$$eval("#ckpt-order tbody tr", (trs) =>
      trs.map((tr) => ({ measure: tr.getAttribute("data-measure"), order: tr.getAttribute("data-order"), direction: tr.getAttribute("data-direction"), text: tr.textContent ?? "" })),
    );
    expect(rows.map((r) => r.measure)).toEqual(want.series.map((s) => s.measure));
    want.series.forEach((s, k) => {
      expect(rows[k]!.order, s.measure).toBe(s.order.join(","));
      expect(rows[k]!.direction, s.measure).toBe(s.direction);
      const by = s.order.map((n) => `${n} (${names[s.layers.find((x) => x.layer === n)!.reached!]})`).join(" \u2192 ");
      expect(rows[k]!.text).toBe(`${s.label}${by}${s.direction}`);
    });
    // the report's section: one chart per measure, one curve (legend entry) per layer, the steps from the file names
    expect(await page.locator("#ckpt-report figure.convergence-figure svg").count()).toBe(want.series.length);
    const legend = await page.$$eval("#ckpt-report figure.convergence-figure:first-of-type svg text", (t) => t.map((x) => x.textContent ?? ""));
    expect(legend).toEqual(expect.arrayContaining(["layer0", "layer1", "layer2", "step (number in the file name)"]));
    // the full result, downloaded as JSON: the same numbers as Node (WASM in both; FMA may differ in the last bits)
    const [json] = await Promise.all([page.waitForEvent("download"), page.click("#ckpt-dl-json")]);
    const got = JSON.parse(readFileSync(await json.path(), "utf8")) as ConvergenceResult;
    expect(got.checkpoints).toEqual(names.map((name, k) => ({ name, step: steps[k] })));
    got.series.forEach((s, i) => {
      const w = want.series[i]!;
      expect(s.measure).toBe(w.measure);
      expect(s.layers.map((c) => c.reached)).toEqual(w.layers.map((c) => c.reached));
      s.values.forEach((row, l) => row.forEach((v, k) => expect(Math.abs(v! - w.values[l]![k]!), `${s.measure} ${l} ${k}`).toBeLessThanOrEqual(1e-9)));
    });
    // the HTML report: the CLI's page
    const [html] = await Promise.all([page.waitForEvent("download"), page.click("#ckpt-dl-html")]);
    const report = readFileSync(await html.path(), "utf8");
    expect(report).toMatch(/^<!DOCTYPE html>/);
    expect(report).toContain("repmatch: convergence over training");
    await page.screenshot({ path: join(OUT, "convergence.png"), fullPage: true });
  });

  it("a checkpoint with other layers or other samples: the library's message naming it; the page keeps working", async () => {
    // epoch6 lacks layer2
    const missing = good.slice(0, 3).map((c, k) => (k === 2 ? { ...c, layers: c.layers.slice(0, 2) } : c));
    const want1 = checkMessage(asCheckpoints(missing));
    expect(want1.message).toMatch(/^epoch6\.npz: expected the layers of epoch2\.npz/);
    let before = await convRun(page);
    await page.setInputFiles("#file-ckpt", writeCheckpoints(join(tmp, "missing"), missing));
    expect(await convSettled(page, before)).toBe("failed");
    expect(await page.isVisible("#error")).toBe(true);
    expect(await page.textContent("#error-text")).toBe(want1.message);
    expect(await page.getAttribute("#error", "data-code")).toBe(want1.code);
    await page.screenshot({ path: join(OUT, "convergence-error.png") });
    // epoch4 over 200 samples instead of 300
    const fewer = good.slice(0, 3).map((c, k) =>
      k === 1 ? { ...c, layers: c.layers.map((l) => ({ name: l.name, data: { data: l.data.data.slice(0, 200 * l.data.shape[1]), shape: [200, l.data.shape[1]] as [number, number] } })) } : c,
    );
    const want2 = checkMessage(asCheckpoints(fewer));
    expect(want2.code).toBe("sampleCountMismatch");
    expect(want2.message).toMatch(/^epoch4\.npz: expected every layer to have 300 samples/);
    before = await convRun(page);
    await page.setInputFiles("#file-ckpt", writeCheckpoints(join(tmp, "fewer"), fewer));
    expect(await convSettled(page, before)).toBe("failed");
    expect(await page.textContent("#error-text")).toBe(want2.message);
    expect(await page.getAttribute("#error", "data-code")).toBe("sampleCountMismatch");
    // one file only: asks for more, runs nothing
    before = await convRun(page);
    await page.setInputFiles("#file-ckpt", join(tmp, "good", "epoch2.npz"));
    expect(await page.textContent("#status-text")).toContain("at least two files");
    expect(await convRun(page)).toBe(before);
    // still usable: the good checkpoints again, dropped on the zone this time
    const transfer = await page.evaluateHandle(
      (list) => {
        const dt = new DataTransfer();
        for (const [name, data] of list) dt.items.add(new File([new Uint8Array(data)], name));
        return dt;
      },
      names.map((n) => [n, [...readFileSync(join(tmp, "good", n))]] as [string, number[]]),
    );
    before = await convRun(page);
    await page.dispatchEvent("#zone-ckpt", "drop", { dataTransfer: transfer });
    expect(await convSettled(page, before)).toBe("done");
    expect(await page.isVisible("#error")).toBe(false);
    expect(await page.getAttribute("#ckpt-order tbody tr[data-measure='cka']", "data-direction")).toBe("bottom-up");
  });

  it("Cancel stops a long run; afterwards both tabs work", async () => {
    // 5 checkpoints x 5 layers of 3000 x 96 (float32): a few seconds of work
    const big = scheduledCheckpoints({ settle: [1, 2, 3, 4, 5], checkpoints: 5, samples: 3000, widths: [96, 96, 96, 96, 96], seed: 9 });
    const files = writeCheckpoints(
      join(tmp, "big"),
      big.checkpoints.map((c, k) => ({ file: `ckpt-${k + 1}.npz`, layers: c.layers.map((l) => ({ name: l.name, data: l.data as Mat })) })),
      true,
    );
    const before = await convRun(page);
    await page.setInputFiles("#file-ckpt", files);
    await page.waitForFunction((prev) => {
      const s = document.getElementById("ckpt-results");
      return Number(s?.dataset.run ?? 0) > prev && s?.dataset.state === "running" && Number(s.dataset.done) >= 1;
    }, before, { timeout: WAIT });
    await page.click("#cancel");
    expect(await page.getAttribute("#ckpt-results", "data-state")).toBe("cancelled");
    expect(await page.textContent("#status-text")).toContain("Cancelled");
    // the engine restarts: the small checkpoints compute again
    const b2 = await convRun(page);
    await page.setInputFiles("#file-ckpt", names.map((n) => join(tmp, "good", n)));
    expect(await convSettled(page, b2)).toBe("done");
    // the two-network tab: the example still runs
    await page.click("#tab-pair");
    expect(await page.isVisible("#zone-A")).toBe(true);
    expect(await page.isVisible("#ckpt-results")).toBe(false);
    const run = Number((await page.getAttribute("#status", "data-run")) ?? 0);
    await page.click("#example");
    expect(await settled(page, run)).toBe("done");
    expect(await page.locator("#heatmap svg g.rm-cells > rect").count()).toBe(16);
    expect(consoleErrors).toEqual([]);
  });
});
