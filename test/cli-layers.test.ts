// `repmatch layers`: networks from folders, .npz archives (np.savez and np.savez_compressed) and
// .npy lists; grids, CSV and the HTML report; bad input stops everything with one line and leaves
// no report behind.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { writeNpy } from "../src/io/npy.js";
import { ensureBuilt } from "./cli-helpers.js";
import { FIXTURES } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "dist", "cli.js");
const tmp = mkdtempSync(join(tmpdir(), "repmatch-layers-"));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, "layers", ...args], { encoding: "utf8", cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  ensureBuilt();
}, 120_000);

const LV = `${FIXTURES}layout-variants/`;
const PATH = `${FIXTURES}path-synthetic/`;

describe("repmatch layers", () => {
  it("reads .npz archives (stored and deflated) exactly like the .npy files", () => {
    const viaNpy = JSON.parse(run(`${LV}a.npy,${LV}b.npy`, `${LV}a.npy,${LV}b.npy`, "--json", "--eps", "0.7,0.9", "--threads", "1").stdout);
    const viaNpz = JSON.parse(run(`${LV}ab.npz`, `${LV}ab.npz`, "--json", "--eps", "0.7,0.9").stdout);
    const viaZ = JSON.parse(run(`${LV}ab_compressed.npz`, `${LV}ab.npz`, "--json", "--eps", "0.7,0.9").stdout);
    expect(viaNpz.pairs).toEqual(viaNpy.pairs);
    expect(viaZ.pairs).toEqual(viaNpy.pairs);
    expect(viaNpz.layersA.map((l: { name: string }) => l.name)).toEqual(["a", "b"]);
    // a layer against itself: everything matches, CKA 1; a vs b is the relu-random-mlp fixture
    expect(viaNpz.pairs[0][0].similarity).toEqual([1, 1]);
    expect(viaNpz.pairs[0][0].measures.cka.linear).toBeCloseTo(1, 12);
    const fixture = JSON.parse(readFileSync(`${FIXTURES}relu-random-mlp/expected.json`, "utf8"));
    const at = (e: number) => fixture.maxMatch.find((m: { eps: number }) => m.eps === e).similarity;
    expect(viaNpz.pairs[0][1].similarity[0]).toBeCloseTo(at(0.7), 12);
    expect(viaNpz.pairs[0][1].similarity[1]).toBeCloseTo(at(0.9), 12);
    expect(viaNpz.pairs[0][1].measures.cka.linear).toBeCloseTo(fixture.cka.linear, 9);
  });

  it("compares a folder with a list, prints grids, writes CSV and a report with one SVG per grid", () => {
    const report = join(tmp, "r.html"), csv = join(tmp, "r.csv");
    const r = run(PATH, `${PATH}layer1.npy,${PATH}layer5.npy`, "--eps", "0.3,0.6", "--measures", "match,cka,procrustes", "--report", report, "--csv", csv);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/path-synthetic \(6 layers\) vs layer1,layer5 \(2 layers\), 300 samples/);
    expect(r.stdout).toContain("Maximum-match similarity, eps = 0.6");
    expect(r.stdout).toContain("Linear CKA");
    const html = readFileSync(report, "utf8");
    const grids = html.slice(html.indexOf('id="grids"'), html.indexOf('id="curves"'));
    // 2 eps + linear, debiased and RBF CKA + angular Procrustes
    expect(grids.match(/<svg[\s>]/g)?.length).toBe(6);
    const lines = readFileSync(csv, "utf8").trim().split("\n");
    expect(lines[0]).toBe("layerA,layerB,measure,value");
    expect(lines.length).toBe(1 + 6 * 2 * 6 + 6 * 2);
    expect(lines).toContain("layer1,layer1,cka,1");
  });

  it("stops on bad input with one line naming the file, exit 2, and no report left behind", () => {
    const report = join(tmp, "bad.html");
    const r = run(PATH, `${LV}ab.npz`, "--report", report);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/ab\.npz:a\.npy/);
    expect(existsSync(report)).toBe(false);
    const missing = run(PATH, join(tmp, "nope"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope/);
    const bad = run(PATH, `${FIXTURES}bad-inputs/truncated.npy`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/truncated\.npy.*truncated/);
  });

  it("needs --layout for 4-D conv layers and then pools them over positions", () => {
    const dir = join(tmp, "conv");
    mkdirSync(dir, { recursive: true });
    const n = 50, c = 4, h = 3, w = 2;
    const data = Float64Array.from({ length: n * c * h * w }, (_, i) => Math.sin(i * 0.37) + (i % 7));
    writeFileSync(join(dir, "conv1.npy"), writeNpy(data, [n, c, h, w]));
    const noLayout = run(dir, dir);
    expect(noLayout.code).toBe(2);
    expect(noLayout.stderr).toMatch(/conv1\.npy: expected --layout nchw or nhwc/);
    const ok = run(dir, dir, "--layout", "nchw", "--json", "--measures", "match,cka");
    expect(ok.code).toBe(0);
    const out = JSON.parse(ok.stdout);
    expect(out.layersA[0]).toEqual({ name: "conv1 (pooled)", samples: n, neurons: c });
    expect(out.pairs[0][0].measures.cka.linear).toBeCloseTo(1, 12);
  });
});
