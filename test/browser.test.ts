// The analysis page (web/, built into dist/web by `npm run build:web`) in a real browser: Debian's
// chromium driven by playwright-core (never downloads a browser). Serves dist/web on 127.0.0.1,
// loads the built-in example, drops fixture files through the file inputs and checks the numbers
// on the page against the Node engine for the same files, checks readable errors for bad files,
// cancel, file:// (Blob URL worker) and the in-page fallback, that with ?simd=plain (the plain SIMD
// build, as in Node) every number is bit-identical to Node's, and saves screenshots under
// test-output/browser/. Needs /usr/bin/chromium (apt-get install -y chromium): fails without it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineSync, type Engine } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import { readNpy, writeNpy } from "../src/io/npy.js";
import { readNpz } from "../src/io/npz.js";
import { comparePair } from "../src/layers/pair.js";
import { formatPrecise } from "../src/report/util.js";
import { plantedPair } from "../src/synthetic.js";
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  FIXTURES,
  load,
  nodeNumbers,
  OUT,
  pageEps,
  prepareBrowserTest,
  runId,
  serve,
  settled,
  shownNumbers,
  WAIT,
  WEB,
  type Shown,
} from "./browser-helpers.js";

function expectSameNumbers(shown: Map<string, Shown>, node: Map<string, number>): void {
  expect([...shown.keys()].sort()).toEqual([...node.keys()].sort());
  for (const [key, want] of node) {
    const got = shown.get(key)!;
    // full precision (data-value) to 1e-12, and the printed text exactly as the page formats it
    expect(Math.abs(got.value - want), `${key}: page ${got.value}, node ${want}`).toBeLessThanOrEqual(1e-12);
    expect(got.text, key).toBe(want.toFixed(4));
  }
}

/** A .npy file that is only a header (float64, the given shape): declares more data than it has. */
function headerOnlyNpy(shape: number[]): Uint8Array {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(", ")}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - 11, " ") + "\n";
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  for (let k = 0; k < header.length; k++) out[10 + k] = header.charCodeAt(k);
  return out;
}

// ---------------------------------------------------------------------------------------------

describe("the analysis page in chromium", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  let engine: Engine;
  let tmp: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    prepareBrowserTest();
    mkdirSync(OUT, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), "repmatch-browser-"));
    server = await serve(WEB);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(`console: ${m.text()}`);
    });
    engine = createEngineSync({ threads: 1 });
  }, 120_000);

  afterAll(async () => {
    engine?.close();
    await browser?.close();
    await new Promise((r) => (server ? server.close(() => r(null)) : r(null)));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("loads the built-in example on first open and shows every view", async () => {
    await page.goto(base);
    expect(await settled(page, 0)).toBe("done");
    // engine: WebAssembly SIMD, in a worker started from worker.js (http)
    const label = page.locator("#engine");
    expect(await label.getAttribute("data-backend")).toBe("wasm");
    expect(await label.getAttribute("data-runner")).toBe("worker");
    expect(await label.textContent()).toMatch(/WebAssembly (relaxed )?SIMD · in a Web Worker/);
    // 4 x 4 layers: heatmap with 16 cells, pair numbers, curve, paths of both networks
    expect(await page.textContent("#summary-what")).toContain("4 × 4 layers over 800 samples");
    expect(await page.locator("#heatmap svg g.rm-cells > rect").count()).toBe(16);
    expect(await page.locator("#curve svg").count()).toBe(1);
    expect(await page.locator("#paths svg.rm-pathplot").count()).toBe(1);
    expect(await page.isVisible("#path-section")).toBe(true);
    const measures = await page.$$eval("#measure option", (o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(measures).toEqual(expect.arrayContaining(["maxMatch@0.5", "cka", "svcca", "pwcca", "procrustes"]));
    // the example's first pair (fc1 x fc1) against the Node engine on the same archive bytes
    const [A, B] = await Promise.all(["A.npz", "B.npz"].map(async (f) => readNpz(new Uint8Array(readFileSync(join(WEB, "example", f))), f)));
    const fc1 = (m: Awaited<ReturnType<typeof readNpz>>) => ({ data: m[0]!.array.data, shape: m[0]!.array.shape });
    const eps = await pageEps(page);
    const want = comparePair(engine, fc1(A), fc1(B), ["a", "b"], { eps });
    const shown = await shownNumbers(page);
    eps.forEach((e, k) => expect(Math.abs(shown.get(`maxMatch@${e}`)!.value - want.similarity[k]!)).toBeLessThanOrEqual(1e-12));
    expect(Math.abs(shown.get("cka.linear")!.value - want.measures.cka!.linear)).toBeLessThanOrEqual(1e-12);
    // clicking a heatmap cell selects that pair
    await page.locator("#heatmap svg g.rm-cells > rect[data-i='2'][data-j='1']").click();
    expect(await page.textContent("#pair-title")).toBe("A: fc3 × B: fc2");
    await page.locator("#heatmap svg g.rm-cells > rect[data-i='1'][data-j='1']").click();
    // downloads: JSON (the LayersResult) and an SVG
    const [json] = await Promise.all([page.waitForEvent("download"), page.click("#dl-json")]);
    const result = JSON.parse(readFileSync(await json.path(), "utf8"));
    expect(result.pairs.length).toBe(4);
    expect(result.layersA.map((l: { name: string }) => l.name)).toEqual(["fc1", "fc2", "fc3", "logits"]);
    const [svg] = await Promise.all([page.waitForEvent("download"), page.click("#dl-heatmap")]);
    expect(readFileSync(await svg.path(), "utf8")).toMatch(/^<\?xml[^]*<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<\/svg>\n$/);
    await page.screenshot({ path: join(OUT, "page.png"), fullPage: true });
  });

  it("10000 x 512 per side: time from drop to first result (printed)", async () => {
    const pair = plantedPair({ samples: 10000, neurons: 512, shared: 128, seed: 11 });
    const fa = join(tmp, "big-a.npy"), fb = join(tmp, "big-b.npy");
    writeFileSync(fa, writeNpy(Float64Array.from(pair.a.data as Float64Array), [10000, 512]));
    writeFileSync(fb, writeNpy(Float64Array.from(pair.b.data as Float64Array), [10000, 512]));
    const before = await runId(page);
    await page.setInputFiles("#file-A", fa); // after the example: waits for network B
    expect(await runId(page)).toBe(before);
    const t0 = performance.now();
    await page.setInputFiles("#file-B", fb);
    // the first result shown: the pair's maximum-match curve (the other measures follow)
    await page.waitForFunction(
      (prev) => {
        const st = document.getElementById("status");
        return Number(st?.dataset.run ?? 0) > prev && (st?.dataset.firstResult ?? "") !== "" && !!document.querySelector("#pair-numbers td.v[data-key='maxMatch@0.3']");
      },
      before,
      { timeout: WAIT },
    );
    const first = (performance.now() - t0) / 1000;
    // the worker computes the other measures now; the page answers at once
    const ping = performance.now();
    expect(await page.evaluate(() => document.getElementById("status")?.dataset.state)).toBe("running");
    expect(performance.now() - ping).toBeLessThan(1000);
    await page.waitForFunction((prev) => Number(document.getElementById("status")?.dataset.run ?? 0) > prev && (document.getElementById("status")?.dataset.firstPair ?? "") !== "", before, {
      timeout: WAIT,
    });
    const all = (performance.now() - t0) / 1000;
    const clock = async (k: string) => Number(await page.getAttribute("#status", k)).toFixed(2);
    console.log(
      `browser: 10000 x 512 per side (41 MB .npy each), drop to first result (max-match curve): ${first.toFixed(2)} s; ` +
        `to every measure of the pair: ${all.toFixed(2)} s (page's own clock from the run's start: ${await clock("data-first-result")} s / ${await clock("data-first-pair")} s)`,
    );
    expect(await settled(page, before)).toBe("done");
    // planted: at eps 0.3 exactly the 128 + 128 planted neurons match
    const shown = await shownNumbers(page);
    expect(shown.get("maxMatch@0.3")!.value).toBe(256 / 1024);
    expect(await page.textContent("#simple-status")).toContain("at most 256 neurons per side");
    expect(await page.isDisabled("#simple-run")).toBe(true);
    expect(await page.textContent("#warnings")).toContain("RBF CKA left out");
  });

  it("dropped fixture files: the numbers on the page equal the Node engine's", async () => {
    const dir = join(FIXTURES, "relu-random-mlp");
    let before = await runId(page);
    await page.setInputFiles("#file-A", join(dir, "a.npy"));
    await page.setInputFiles("#file-B", join(dir, "b.npy"));
    await page.waitForFunction(() => document.getElementById("summary-what")?.textContent?.startsWith("a vs b"), null, { timeout: WAIT });
    before = (await runId(page)) - 1;
    expect(await settled(page, before)).toBe("done");
    expect(await page.isVisible("#error")).toBe(false);
    const eps = await pageEps(page);
    expect(eps.length).toBeGreaterThanOrEqual(5);
    expectSameNumbers(await shownNumbers(page), nodeNumbers(engine, load(join(dir, "a.npy")), load(join(dir, "b.npy")), eps));
    // the heatmap cell carries the same value
    await page.selectOption("#measure", "cka");
    const cell = Number(await page.getAttribute("#heatmap svg g.rm-cells > rect[data-i='0'][data-j='0']", "data-value"));
    expect(Math.abs(cell - engine.cka(load(join(dir, "a.npy")), load(join(dir, "b.npy"))).linear)).toBeLessThanOrEqual(1e-12);
    // a single layer per side: no path plot
    expect(await page.isVisible("#path-section")).toBe(false);
  });

  it("simple matches of the dropped pair equal the Node engine's", async () => {
    const dir = join(FIXTURES, "relu-random-mlp");
    await page.selectOption("#simple-eps", "0.7");
    await page.click("#simple-run");
    await page.waitForSelector("#simple-table", { timeout: WAIT });
    const want = engine.simpleMatches(load(join(dir, "a.npy")), load(join(dir, "b.npy")), { eps: 0.7 });
    const rows = await page.$$eval("#simple-table tbody tr", (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent ?? "")));
    expect(rows.length).toBe(want.matches.length);
    rows.forEach((r, k) => {
      expect(r[2]).toBe(want.matches[k]!.a.join(", "));
      expect(r[3]).toBe(want.matches[k]!.b.join(", "));
    });
    await page.screenshot({ path: join(OUT, "page-fixture.png"), fullPage: true });
  });

  it("drag and drop: files dropped on the zones, or two files dropped anywhere on the page", async () => {
    const dir = join(FIXTURES, "planted-exact");
    const bytes = (f: string) => [...readFileSync(join(dir, f))];
    const transfer = (files: [string, number[]][]) =>
      page.evaluateHandle((list) => {
        const dt = new DataTransfer();
        for (const [name, data] of list) dt.items.add(new File([new Uint8Array(data)], name));
        return dt;
      }, files);
    let before = await runId(page);
    await page.dispatchEvent("#zone-A", "drop", { dataTransfer: await transfer([["left.npy", bytes("a.npy")]]) });
    await page.dispatchEvent("#zone-B", "drop", { dataTransfer: await transfer([["right.npy", bytes("b.npy")]]) });
    await page.waitForFunction(() => document.getElementById("summary-what")?.textContent?.startsWith("left vs right"), null, { timeout: WAIT });
    expect(await settled(page, before)).toBe("done");
    const want = engine.similarityCurve(load(join(dir, "a.npy")), load(join(dir, "b.npy")), { eps: [0.3] }).points[0]!.similarity;
    expect((await shownNumbers(page)).get("maxMatch@0.3")!.value).toBe(want);
    // two files on the page itself: A and B by name
    before = await runId(page);
    await page.dispatchEvent("body", "drop", { dataTransfer: await transfer([["2-second.npy", bytes("b.npy")], ["1-first.npy", bytes("a.npy")]]) });
    await page.waitForFunction(() => document.getElementById("summary-what")?.textContent?.startsWith("1-first vs 2-second"), null, { timeout: WAIT });
    expect(await settled(page, before)).toBe("done");
  });

  it("a malformed file shows the reader's message and the page keeps working", async () => {
    const bad = join(FIXTURES, "bad-inputs", "truncated.npy");
    let message = "";
    try {
      readNpy(new Uint8Array(readFileSync(bad)), "truncated.npy");
    } catch (e) {
      message = (e as RepmatchError).message;
    }
    expect(message).not.toBe("");
    const before = await runId(page);
    await page.setInputFiles("#file-A", bad);
    expect(await settled(page, before)).toBe("failed");
    expect(await page.isVisible("#error")).toBe(true);
    expect(await page.textContent("#error-text")).toBe(message);
    expect(await page.getAttribute("#error", "data-code")).toBe("truncated");
    // mismatched samples
    let b2 = await runId(page);
    await page.setInputFiles("#file-A", join(FIXTURES, "bad-inputs", "pair-mismatch-a.npy"));
    await page.setInputFiles("#file-B", join(FIXTURES, "bad-inputs", "pair-mismatch-b.npy"));
    await page.waitForFunction(() => document.getElementById("error")?.dataset.code === "sampleCountMismatch" && !document.getElementById("error")?.hidden, null, { timeout: WAIT });
    expect(await page.textContent("#error-text")).toMatch(/^expected every layer to have the same samples \(rows\), got \d+ in pair-mismatch-a\.npy and \d+ in pair-mismatch-b\.npy$/);
    // too large for memory: refused from the header, before the data is read
    const huge = join(tmp, "huge.npy");
    writeFileSync(huge, headerOnlyNpy([200000, 2000]));
    b2 = await runId(page);
    await page.setInputFiles("#file-A", huge);
    expect(await settled(page, b2)).toBe("failed");
    expect(await page.getAttribute("#error", "data-code")).toBe("tooLarge");
    expect(await page.textContent("#error-text")).toMatch(/^huge\.npy: expected the layers to fit in this browser tab's memory/);
    // still usable: a good pair computes and clears the message
    const dir = join(FIXTURES, "relu-random-mlp");
    await page.setInputFiles("#file-A", join(dir, "a.npy"));
    b2 = await runId(page);
    await page.setInputFiles("#file-B", join(dir, "b.npy"));
    expect(await settled(page, b2)).toBe("done");
    expect(await page.isVisible("#error")).toBe(false);
    expect((await shownNumbers(page)).get("maxMatch@0.9")!.value).toBeGreaterThan(0.9);
  });

  it("several .npy files per side: a layer x layer grid in natural order, and each network's path", async () => {
    const dir = join(FIXTURES, "path-synthetic");
    const files = (ks: number[]) => ks.map((k) => join(dir, `layer${k}.npy`));
    const before = await runId(page);
    await page.click("#example"); // start from the example, so that A alone waits for B
    await settled(page, before);
    const b2 = await runId(page);
    await page.setInputFiles("#file-A", files([3, 0, 5, 1, 4, 2]));
    await page.setInputFiles("#file-B", files([2, 1, 4]));
    expect(await settled(page, b2)).toBe("done");
    expect(await page.locator("#heatmap svg g.rm-cells > rect").count()).toBe(18);
    const rows = await page.$$eval("#heatmap svg g.rm-row-labels text", (t) => t.map((x) => x.textContent));
    expect(rows).toEqual(["layer0", "layer1", "layer2", "layer3", "layer4", "layer5"]);
    expect(await page.textContent("#summary-what")).toContain("network A vs network B: 6 × 3 layers over 300 samples");
    // the path plot: both networks, path lengths as the Node engine computes them
    expect(await page.isVisible("#path-section")).toBe(true);
    const texts = await page.$$eval("#paths svg text", (t) => t.map((x) => x.textContent ?? ""));
    const lengths = texts.filter((t) => t.startsWith("path length: "));
    const path = (ks: number[]) => engine.path(ks.map((k) => load(join(dir, `layer${k}.npy`))), { spaces: ["angularCka"] }).space.angularCka!.pathLength;
    expect(lengths).toEqual([`path length: ${formatPrecise(path([0, 1, 2, 3, 4, 5]))}`, `path length: ${formatPrecise(path([1, 2, 4]))}`]);
    // pair (layer2, layer2) is the same matrix on both sides: everything matches
    await page.locator("#heatmap svg g.rm-cells > rect[data-i='2'][data-j='1']").click();
    expect(await page.textContent("#pair-title")).toBe("A: layer2 × B: layer2");
    const shown = await shownNumbers(page);
    expect(shown.get("maxMatch@0.1")!.value).toBe(1);
    expect(Math.abs(shown.get("cka.linear")!.value - 1)).toBeLessThanOrEqual(1e-12);
  });

  it("Cancel stops a run, restarts the engine, and the next run works", async () => {
    const before = await runId(page);
    await page.setInputFiles("#file-A", join(tmp, "big-a.npy"));
    await page.setInputFiles("#file-B", join(tmp, "big-b.npy"));
    await page.waitForFunction((prev) => Number(document.getElementById("status")?.dataset.run ?? 0) > prev + 1, before, { timeout: WAIT });
    await page.click("#cancel");
    expect(await page.getAttribute("#status", "data-state")).toBe("cancelled");
    expect(await page.textContent("#status-text")).toContain("Cancelled");
    const b2 = await runId(page);
    await page.click("#example");
    expect(await settled(page, b2)).toBe("done");
    expect(await page.getAttribute("#engine", "data-backend")).toBe("wasm");
    expect(consoleErrors).toEqual([]);
  });

  it("works from file:// (worker from a Blob URL; example from example.js)", async () => {
    const p = await browser.newPage();
    try {
      await p.goto(pathToFileURL(join(WEB, "index.html")).href);
      expect(await settled(p, 0)).toBe("done");
      expect(await p.getAttribute("#engine", "data-runner")).toBe("blob-worker");
      expect(await p.getAttribute("#engine", "data-backend")).toBe("wasm");
      expect(await p.locator("#heatmap svg g.rm-cells > rect").count()).toBe(16);
    } finally {
      await p.close();
    }
  });

  it("the pure-TypeScript engine on request gives the same numbers", async () => {
    const dir = join(FIXTURES, "relu-random-mlp");
    let before = await runId(page);
    await page.setInputFiles("#file-A", join(dir, "a.npy")); // after the example: waits for B
    await page.setInputFiles("#file-B", join(dir, "b.npy"));
    expect(await settled(page, before)).toBe("done");
    const wasm = await shownNumbers(page);
    before = await runId(page);
    await page.selectOption("#backend", "js");
    expect(await settled(page, before)).toBe("done");
    expect(await page.getAttribute("#engine", "data-backend")).toBe("js");
    expect(await page.textContent("#engine-label")).toBe("Pure TypeScript (chosen) · in a Web Worker");
    const js = await shownNumbers(page);
    expect([...js.keys()]).toEqual([...wasm.keys()]);
    for (const [k, v] of wasm) expect(Math.abs(js.get(k)!.value - v.value), k).toBeLessThanOrEqual(1e-9);
    const b2 = await runId(page);
    await page.selectOption("#backend", "auto");
    expect(await settled(page, b2)).toBe("done");
    expect(await page.getAttribute("#engine", "data-backend")).toBe("wasm");
  });

  it("?simd=plain: the page's full-precision numbers are bit-identical to Node's plain SIMD build", async () => {
    // Node 20 validates only the plain SIMD build; Chromium also the relaxed one (FMA), whose last
    // bits may differ. With ?simd=plain the page's worker runs createEngine({ relaxedSimd: false }),
    // the same build as Node's, so every double it shows must be exactly the Node engine's.
    const node = createEngineSync({ relaxedSimd: false, threads: 1 });
    expect(node.wasmFlavour).toBe("simd");
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await p.goto(`${base}?simd=plain`);
      expect(await settled(p, 0)).toBe("done"); // the built-in example
      expect(await p.getAttribute("#engine", "data-backend")).toBe("wasm");
      expect(await p.getAttribute("#engine", "data-flavour")).toBe("simd");
      expect(await p.getAttribute("#engine", "data-runner")).toBe("worker");
      expect(await p.textContent("#engine-label")).toBe("WebAssembly SIMD · in a Web Worker");
      // two fixture files dropped on the page: the first by name is A, the second B
      const dir = join(FIXTURES, "planted-noisy");
      const files = ["b.npy", "a.npy"].map((f) => [f, [...readFileSync(join(dir, f))]] as [string, number[]]);
      const dt = await p.evaluateHandle((list) => {
        const t = new DataTransfer();
        for (const [name, data] of list) t.items.add(new File([new Uint8Array(data)], name));
        return t;
      }, files);
      const before = await runId(p);
      await p.dispatchEvent("body", "drop", { dataTransfer: dt });
      await p.waitForFunction(() => document.getElementById("summary-what")?.textContent?.startsWith("a vs b"), null, { timeout: WAIT });
      expect(await settled(p, before)).toBe("done");
      const eps = await pageEps(p);
      expect(eps.length).toBeGreaterThanOrEqual(5);
      const shown = await shownNumbers(p);
      const want = nodeNumbers(node, load(join(dir, "a.npy")), load(join(dir, "b.npy")), eps);
      // every value shown: max-match similarity per eps, maxEpsilon, every CCA / CKA / shape measure
      expect([...shown.keys()].sort()).toEqual([...want.keys()].sort());
      const differ: string[] = [];
      for (const [key, w] of want) {
        const got = shown.get(key)!;
        // String(double) is the shortest round trip: equal strings <=> equal bits (up to -0 / 0)
        if (got.raw !== String(w) || !Object.is(got.value, w)) differ.push(`${key}: page ${got.raw}, node ${String(w)}`);
      }
      expect(differ).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await p.close();
      node.close();
    }
  });

  it("without Web Workers nor WebAssembly SIMD: pure TypeScript on the page, with a visible note", async () => {
    const p = await browser.newPage();
    try {
      await p.addInitScript(() => {
        delete (window as { Worker?: unknown }).Worker;
        WebAssembly.validate = () => false; // feature detection finds no SIMD
      });
      await p.goto(base);
      // the example's first pair is enough here (all 16 pairs take ~10 s in pure TypeScript)
      await p.waitForFunction(() => (document.getElementById("status")?.dataset.firstPair ?? "") !== "", null, { timeout: WAIT });
      expect(await p.locator("#pair-numbers td.v[data-key='cka.linear']").getAttribute("data-value")).toMatch(/^0\.\d+/);
      expect(await p.getAttribute("#engine", "data-runner")).toBe("in-page");
      expect(await p.getAttribute("#engine", "data-backend")).toBe("js");
      expect(await p.textContent("#engine-label")).toBe("Pure TypeScript (no WebAssembly SIMD here) · on this page");
      expect(await p.isVisible("#runner-note")).toBe(true);
      expect(await p.textContent("#runner-note")).toContain("Web Workers are unavailable");
    } finally {
      await p.close();
    }
  });
});
