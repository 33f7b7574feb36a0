// `repmatch convergence`, `repmatch sequence`, `repmatch paths`: checkpoints from folders and .npz
// archives, JSON / CSV / HTML output, and bad input (one line naming the checkpoint, exit 2, no
// report left behind).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt } from "./cli-helpers.js";
import { beforeAll, describe, expect, it } from "vitest";
import { writeNpy } from "../src/io/npy.js";
import { writeNpz } from "../src/io/npz.js";
import { divergingNetworks, matmul, orthonormalRows, randn, scheduledCheckpoints, stackNtc, stackTnc, type Mat } from "./dynamics-data.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "dist", "cli.js");
const tmp = mkdtempSync(join(tmpdir(), "repmatch-dynamics-"));

function repmatch(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLineError(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^repmatch: /);
  expect(r.stderr).toMatch(pattern);
}

const K = 6;
const ck = (k: number) => join(tmp, "run", `epoch${k}`);
const npz = (k: number) => join(tmp, "npz", `epoch${k}.npz`);
const mat = (l: { data: unknown }) => l.data as Mat;

beforeAll(() => {
  ensureBuilt();
  // checkpoints: layer0 final from epoch 2, layer1 from 4, layer2 from 6 (bottom-up)
  const { checkpoints } = scheduledCheckpoints({ settle: [2, 4, 6], checkpoints: K, samples: 200 });
  mkdirSync(join(tmp, "npz"), { recursive: true });
  checkpoints.forEach((c, i) => {
    mkdirSync(ck(i + 1), { recursive: true });
    for (const l of c.layers) writeFileSync(join(ck(i + 1), `${l.name}.npy`), writeNpy(mat(l).data, mat(l).shape));
    writeFileSync(npz(i + 1), writeNpz(c.layers.map((l) => ({ name: l.name, data: mat(l).data, shape: mat(l).shape }))));
  });
  // bad checkpoints
  const bad = (name: string, edit: (dir: string) => void) => {
    const dir = join(tmp, name);
    mkdirSync(dir, { recursive: true });
    for (const l of checkpoints[2]!.layers) writeFileSync(join(dir, `${l.name}.npy`), writeNpy(mat(l).data, mat(l).shape));
    edit(dir);
  };
  bad("missing-layer", (dir) => rmSync(join(dir, "layer1.npy")));
  bad("fewer-samples", (dir) => writeFileSync(join(dir, "layer2.npy"), writeNpy(randn(150, 8, 3).data, [150, 8])));
  bad("truncated", (dir) => writeFileSync(join(dir, "layer0.npy"), writeNpy(randn(200, 12, 3).data, [200, 12]).subarray(0, 500)));
  // sequences: B's state is an orthogonal map of A's at every step
  const A: Mat[] = Array.from({ length: 4 }, (_, t) => randn(150, 6, 40 + t));
  const B = A.map((m, t) => matmul(m, orthonormalRows(6, 9, 60 + t)));
  const a = stackNtc(A), b = stackTnc(B);
  writeFileSync(join(tmp, "rnn_a.npy"), writeNpy(a.data, a.shape));
  writeFileSync(join(tmp, "rnn_b_tnc.npy"), writeNpy(b.data, b.shape));
  writeFileSync(join(tmp, "flat.npy"), writeNpy(A[0]!.data, A[0]!.shape));
  // two networks diverging at (a3, b5)
  const nets = divergingNetworks({ samples: 250 });
  for (const [dir, layers] of [["wide", nets.A], ["deep", nets.B]] as const) {
    mkdirSync(join(tmp, dir), { recursive: true });
    for (const l of layers) writeFileSync(join(tmp, dir, `${l.name}.npy`), writeNpy(mat(l).data, mat(l).shape));
  }
}, 120_000);

describe("repmatch convergence", () => {
  const all = () => Array.from({ length: K }, (_, i) => ck(i + 1));

  it("prints each layer's curve and the bottom-up order; writes CSV and a report", () => {
    const report = join(tmp, "conv.html"), csv = join(tmp, "conv.csv");
    const r = repmatch("convergence", ...all(), "--report", report, "--csv", csv);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^3 layers over 6 checkpoints \(epoch1 \.\.\. epoch6\), 200 samples: each layer against itself at epoch6/);
    expect(r.stdout).toContain("Linear CKA (higher = closer to final)");
    expect(r.stdout).toMatch(/Linear CKA: layer0 \(epoch2\), layer1 \(epoch\d\), layer2 \(epoch\d\): bottom-up/);
    expect(r.stdout.match(/: bottom-up\n/g)).toHaveLength(4);
    expect(r.stdout).not.toMatch(/e-1\d/); // round-off is printed as 0.000, not 2.2e-16
    const html = readFileSync(report, "utf8");
    expect(html.match(/<svg[\s>]/g)).toHaveLength(4);
    expect(html).toContain("Convergence over training");
    const lines = readFileSync(csv, "utf8").trim().split("\n");
    expect(lines[0]).toBe("layer,checkpoint,step,measure,value");
    expect(lines).toHaveLength(1 + 4 * 3 * K);
  });

  it("reads .npz checkpoints like folders; --json, --measures, --eps, --fraction", () => {
    const a = JSON.parse(repmatch("convergence", ...all(), "--json", "--measures", "cka,match", "--eps", "0.2,0.4", "--threads", "1").stdout);
    const b = JSON.parse(repmatch("convergence", ...Array.from({ length: K }, (_, i) => npz(i + 1)), "--json", "--measures", "cka,match", "--eps", "0.2,0.4").stdout);
    expect(a.series.map((s: { measure: string }) => s.measure)).toEqual(["cka", "maxMatch@0.2", "maxMatch@0.4"]);
    expect(b.series.map((s: { values: unknown }) => s.values)).toEqual(a.series.map((s: { values: unknown }) => s.values));
    expect(a.fraction).toBe(0.9);
    expect(a.layers).toEqual([
      { name: "layer0", samples: 200, neurons: 12 },
      { name: "layer1", samples: 200, neurons: 10 },
      { name: "layer2", samples: 200, neurons: 8 },
    ]);
    const exact = JSON.parse(repmatch("convergence", ...all(), "--json", "--measures", "cka", "--fraction", "1").stdout);
    expect(exact.series[0].layers.map((l: { reachedStep: number }) => l.reachedStep)).toEqual([2, 4, 6]);
    expect(exact.series[0].direction).toBe("bottom-up");
  });

  it("bad checkpoints stop everything with one line naming the checkpoint, exit 2, no report", () => {
    const report = join(tmp, "bad.html");
    const missing = join(tmp, "missing-layer");
    const r = repmatch("convergence", ck(1), missing, ck(6), "--report", report);
    oneLineError(r, new RegExp(`${missing}: expected the layers of .*epoch1 \\(layer0, layer1, layer2\\), got layer0, layer2 \\(missing layer1\\)`));
    expect(existsSync(report)).toBe(false);
    const fewer = join(tmp, "fewer-samples");
    oneLineError(repmatch("convergence", ck(1), ck(2), fewer, "--report", report), new RegExp(`${fewer}: expected every layer to have 200 samples .* got 150 in ${fewer}/layer2\\.npy`));
    oneLineError(repmatch("convergence", ck(1), join(tmp, "truncated")), /truncated\/layer0\.npy: .*truncated/);
    oneLineError(repmatch("convergence", ck(1), join(tmp, "nowhere")), /nowhere: expected a checkpoint \(a folder of \.npy files/);
    oneLineError(repmatch("convergence", ck(1)), /convergence: expected at least two checkpoints/);
    oneLineError(repmatch("convergence", ck(1), ck(2), "--fraction", "2"), /--fraction: expected a number in \(0, 1\]/);
    oneLineError(repmatch("convergence", ck(1), ck(2), "--measures", "svcca"), /--measures: expected names among pwcca,cka,match,procrustes/);
    expect(existsSync(report)).toBe(false);
  });
});

describe("repmatch sequence", () => {
  it("time x time grid: the diagonal is 1 under CKA when B is an orthogonal map of A", () => {
    const report = join(tmp, "seq.html");
    const r = repmatch("sequence", "rnn_a.npy", "rnn_b_tnc.npy", "--layout", "ntc", "--layout-b", "tnc", "--json", "--report", report);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.networks.map((n: { steps: number; units: number }) => [n.steps, n.units])).toEqual([[4, 6], [4, 9]]);
    const cka = out.grids.find((g: { measure: string }) => g.measure === "cka").values;
    for (let t = 0; t < 4; t++) expect(cka[t][t]).toBeCloseTo(1, 12);
    expect(readFileSync(report, "utf8").match(/<svg[\s>]/g)).toHaveLength(out.grids.length);
    const text = repmatch("sequence", "rnn_a.npy", "rnn_a.npy", "--layout", "ntc", "--measures", "cka");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/rnn_a\.npy \(4 steps, 6 units\) vs rnn_a\.npy \(4 steps, 6 units\), 150 sequences/);
    expect(text.stdout).toMatch(/t0\s+1\.000/);
  });

  it("one file: every step against the last", () => {
    const r = repmatch("sequence", "rnn_a.npy", "--layout", "ntc", "--measures", "cka,pwcca");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/every step against the last one/);
    expect(r.stdout).toMatch(/Linear CKA: reaches 90% of its final similarity at step t3/);
  });

  it("needs --layout for 3-D input, and 3-D input", () => {
    oneLineError(repmatch("sequence", "rnn_a.npy", "rnn_a.npy"), /rnn_a\.npy: expected --layout ntc \(samples x time x units\) or tnc \(time x samples x units\) for 3-D activations, got none/);
    oneLineError(repmatch("sequence", "rnn_a.npy", "--layout", "nct"), /--layout: expected ntc .* got "nct"/);
    oneLineError(repmatch("sequence", "flat.npy", "--layout", "ntc"), /flat\.npy: expected a 3-D array .* got shape \(150, 6\)/);
    oneLineError(repmatch("sequence", "nope.npy", "--layout", "ntc"), /nope\.npy: expected a readable \.npy file, got no such file/);
  });
});

describe("repmatch paths", () => {
  it("aligns a wide and a deep network and reports where they diverge", () => {
    const report = join(tmp, "paths.html");
    const r = repmatch("paths", "wide", "deep", "--report", report);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wide \(4 layers\) vs deep \(7 layers\), 250 samples/);
    expect(r.stdout).toContain("aligned by relative depth");
    expect(r.stdout).toContain("aligned by dynamic programming");
    expect(r.stdout).toMatch(/diverge at a3 <-> b5: distance \d\.\d{4} after \d\.\d{4} \(above 0\.6435, a jump of >= 0\.5000\)/);
    const html = readFileSync(report, "utf8");
    expect(html).toContain("the paths diverge at a3 \u2194 b5");
    expect(html.match(/<svg[\s>]/g)).toHaveLength(3);
    const j = JSON.parse(repmatch("paths", "wide", "deep", "--json", "--align", "dp", "--threshold", "1.6", "--jump", "0.3").stdout);
    expect(j.alignments.map((a: { method: string }) => a.method)).toEqual(["dp"]);
    expect(j.divergence.pair.layerB).toBe("b5");
    expect(j.divergence.reasons).toEqual(["jump"]);
    expect(j.cross).toHaveLength(4);
    expect(j.cross[0]).toHaveLength(7);
  });

  it("bad input", () => {
    oneLineError(repmatch("paths", "wide"), /paths: expected two networks/);
    oneLineError(repmatch("paths", "wide", "wide/a0.npy"), /^repmatch: a0: expected at least two layers for a path, got 1$/m);
    oneLineError(repmatch("paths", "wide", join(tmp, "fewer-samples")), /fewer-samples: expected every layer to have 250 samples \(rows\) as wide\/a0\.npy of wide has, got 200 in .*fewer-samples\/layer0\.npy/);
    oneLineError(repmatch("paths", "wide", "deep", "--align", "zigzag"), /--align: expected depth, dp or depth,dp/);
  });

  it("--help lists the dynamics commands", () => {
    const r = repmatch("--help");
    expect(r.code).toBe(0);
    for (const c of ["repmatch convergence CKPT_1 ... CKPT_K", "repmatch sequence A.npy [B.npy] --layout ntc|tnc", "repmatch paths NET_A NET_B", "--fraction F", "--layout-b L", "--align LIST"]) {
      expect(r.stdout).toContain(c);
    }
  });
});
