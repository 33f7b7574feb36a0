// Shared by the browser tests (test/browser.test.ts): Debian's chromium through playwright-core,
// a fresh build of the page in dist/web served on 127.0.0.1, and the page's numbers against the
// Node engine's.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import type { Engine } from "../src/engine.js";
import { readNpy } from "../src/io/npy.js";
import type { MatrixInput } from "../src/matrix.js";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const WEB = join(ROOT, "dist", "web");
export const FIXTURES = fileURLToPath(new URL("../../shared/fixtures/", import.meta.url));
export const OUT = join(ROOT, "test-output", "browser");
export const WAIT = 45_000;

// ---------------------------------------------------------------------------------------------
// build (unless dist/web is newer than every source it is made from) and serve

function newest(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|mjs|html)$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function buildIsFresh(): boolean {
  const outputs = ["index.html", "app.js", "worker.js", "example/meta.json", "example/A.npz", "example/B.npz", "example/example.js"].map((f) => join(WEB, f));
  if (!outputs.every(existsSync)) return false;
  const built = Math.min(...outputs.slice(0, 3).map((f) => statSync(f).mtimeMs));
  const sources = Math.max(newest(join(ROOT, "web")), newest(join(ROOT, "src")), newest(join(ROOT, "demo")), statSync(join(ROOT, "package.json")).mtimeMs);
  return built > sources;
}

/** Fails with how to install chromium when it is missing; builds dist/web when it is stale. */
export function prepareBrowserTest(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the browser test drives Debian's chromium through playwright-core and never downloads a browser. Install it with \`apt-get install -y chromium\` (CI: .ci/run does this when it is missing).`,
    );
  }
  if (!buildIsFresh()) execFileSync("npm", ["run", "build:web"], { cwd: ROOT, stdio: "pipe", encoding: "utf8" });
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".npz": "application/octet-stream",
};

export function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(dir, path.endsWith("/") ? path + "index.html" : path));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ---------------------------------------------------------------------------------------------
// page helpers

export async function runId(page: Page): Promise<number> {
  return Number((await page.getAttribute("#status", "data-run")) ?? 0);
}

/** Waits for a run newer than `after` to finish (done or failed); returns its state. */
export async function settled(page: Page, after: number): Promise<string> {
  await page.waitForFunction(
    (prev) => {
      const s = document.getElementById("status");
      return !!s && Number(s.dataset.run ?? 0) > prev && (s.dataset.state === "done" || s.dataset.state === "failed");
    },
    after,
    { timeout: WAIT },
  );
  return (await page.getAttribute("#status", "data-state")) ?? "";
}

export interface Shown {
  key: string;
  /** the data-value attribute as written by the page: String(double), the shortest round trip */
  raw: string;
  value: number;
  text: string;
}

/** The pair's numbers on the page: full precision (data-value) and as printed, by data-key. */
export async function shownNumbers(page: Page): Promise<Map<string, Shown>> {
  const rows = await page.$$eval("#pair-numbers td.v", (tds) => tds.map((td) => [(td as HTMLElement).dataset.key ?? "", (td as HTMLElement).dataset.value ?? "", td.textContent ?? ""]));
  return new Map(rows.map(([key, value, text]) => [key!, { key: key!, raw: value!, value: value === "" ? Number.NaN : Number(value), text: text! }]));
}

/** The ε values of the shown pair's maximum-match rows. */
export async function pageEps(page: Page): Promise<number[]> {
  const keys = await page.$$eval("#pair-numbers td.v[data-key^='maxMatch@']", (tds) => tds.map((td) => (td as HTMLElement).dataset.key!));
  return keys.map((k) => Number(k.slice("maxMatch@".length)));
}

export function load(path: string): MatrixInput {
  const arr = readNpy(new Uint8Array(readFileSync(path)), path);
  return { data: arr.data, shape: arr.shape };
}

/** The values the page shows for a pair, computed by the Node engine (independent calls). */
export function nodeNumbers(engine: Engine, a: MatrixInput, b: MatrixInput, eps: number[]): Map<string, number> {
  const c = engine.similarityCurve(a, b, { eps });
  const m = engine.measures(a, b);
  const out = new Map<string, number>();
  eps.forEach((e, k) => out.set(`maxMatch@${e}`, c.points[k]!.similarity));
  out.set("maxEpsilon", c.maxEpsilon);
  out.set("cka.linear", m.cka!.linear);
  out.set("cka.linearDebiased", m.cka!.linearDebiased);
  out.set("cka.rbf", m.cka!.rbf!.value);
  out.set("svcca", m.svcca!.value);
  out.set("pwcca.paper", m.pwcca!.paper);
  out.set("cca.mean", m.cca!.mean);
  out.set("procrustes.angular", m.procrustes!.angular);
  return out;
}
