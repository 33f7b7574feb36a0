/**
 * `npm run bench`: the maximum match (Wang et al. 2018, Algorithm 1) on the WASM core vs the
 * pure-TS backend vs the numpy reference (../shared/reference/subspace_match_ref.py, single
 * threaded), timed side by side in one run on a planted half-match:
 *   d samples, n neurons per side; on each side n/2 neurons are Gaussian mixtures of one shared
 *   n/2-dimensional Gaussian latent plus noise (sd 0.05 per entry), the rest unrelated Gaussian;
 *   the maximum match at eps 0.3 is exactly the planted neurons.
 * Every backend's answer is checked against the planted sets before anything is timed. Runs
 * alternate between backends; medians, spread and ratios are printed and written to
 * bench/results/bench.json.
 *
 * Options: --samples D (10000) --neurons N (512) --reps R (5) --js-reps R (3) --no-numpy
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createEngineSync } from "../src/engine.js";
import { writeNpy } from "../src/io/npy.js";
import { plantedPair } from "../src/synthetic.js";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "10000" },
    neurons: { type: "string", default: "512" },
    reps: { type: "string", default: "5" },
    "js-reps": { type: "string", default: "3" },
    "no-numpy": { type: "boolean", default: false },
  },
});
const d = Number(values.samples), n = Number(values.neurons);
const reps = Number(values.reps), jsReps = Number(values["js-reps"]);
const EPS = 0.3;

const here = dirname(fileURLToPath(import.meta.url));
const repo = existsSync(join(here, "..", "package.json")) ? resolve(here, "..") : resolve(here);
const shared = resolve(repo, "..", "shared");

function median(x: number[]): number {
  const s = [...x].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stats(x: number[]) {
  return { median: median(x), min: Math.min(...x), max: Math.max(...x), runs: x.length };
}

const same = (p: number[], q: number[]) => p.length === q.length && p.every((v, i) => v === q[i]);

console.log(`repmatch bench: maximum match at eps ${EPS}, planted half-match, d=${d}, ${n} + ${n} neurons`);
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
const t0 = performance.now();
const pair = plantedPair({ samples: d, neurons: n, shared: n / 2, noise: 0.05, seed: 1 });
console.log(`data generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const engine = createEngineSync();
console.log(`wasm build: ${engine.wasmFlavour ?? "unavailable"}`);

// 1. agreement before timing
for (const backend of ["wasm", "js"] as const) {
  const r = engine.maxMatch(pair.a, pair.b, { eps: EPS, backend });
  if (!same(r.a, pair.plantedA) || !same(r.b, pair.plantedB)) {
    throw new Error(`${backend}: maximum match is not the planted set (${r.a.length} + ${r.b.length})`);
  }
  console.log(`${backend}: maximum match = the ${r.a.length} + ${r.b.length} planted neurons, ${r.rounds} rounds, margin ${r.margin?.toExponential(3)}`);
}

// 2. numpy reference (optional)
let numpy: { seconds: number[]; ok: boolean; version: string } | null = null;
let numpyNote = "";
const refScript = join(shared, "reference", "subspace_match_ref.py");
if (values["no-numpy"]) numpyNote = "skipped (--no-numpy)";
else if (!existsSync(refScript)) numpyNote = `skipped: ${refScript} not found`;
else {
  try {
    execFileSync("python3", ["-c", "import numpy"], { stdio: "ignore" });
    const dir = mkdtempSync(join(tmpdir(), "repmatch-bench-"));
    try {
      writeFileSync(join(dir, "a.npy"), writeNpy(pair.a.data as Float64Array, [d, n]));
      writeFileSync(join(dir, "b.npy"), writeNpy(pair.b.data as Float64Array, [d, n]));
      writeFileSync(join(dir, "planted.json"), JSON.stringify([pair.plantedA, pair.plantedB]));
      const py = `
import json, sys, time
import numpy as np
sys.path.insert(0, ${JSON.stringify(dirname(refScript))})
import subspace_match_ref as sm
X = np.load(${JSON.stringify(join(dir, "a.npy"))}); Y = np.load(${JSON.stringify(join(dir, "b.npy"))})
pa, pb = json.load(open(${JSON.stringify(join(dir, "planted.json"))}))
times = []
ok = True
for _ in range(${Math.max(1, Math.min(reps, 3))}):
    t = time.perf_counter(); ix, iy = sm.max_match(X, Y, ${EPS}); times.append(time.perf_counter() - t)
    ok = ok and ix.tolist() == pa and iy.tolist() == pb
print(json.dumps({"seconds": times, "ok": ok, "version": np.__version__}))
`;
      const out = execFileSync("python3", ["-c", py], {
        env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      numpy = JSON.parse(out.trim().split("\n").pop()!);
      if (!numpy!.ok) throw new Error("numpy reference disagrees with the planted sets");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch (e) {
    numpyNote = `skipped: python3 with numpy unavailable or failed (${(e as Error).message.split("\n")[0]})`;
    numpy = null;
  }
}

// 3. timing, alternating backends
const wasmT: number[] = [], jsT: number[] = [];
for (let i = 0; i < Math.max(reps, jsReps); i++) {
  if (i < reps) {
    const t = performance.now();
    engine.maxMatch(pair.a, pair.b, { eps: EPS, backend: "wasm" });
    wasmT.push((performance.now() - t) / 1000);
  }
  if (i < jsReps) {
    const t = performance.now();
    engine.maxMatch(pair.a, pair.b, { eps: EPS, backend: "js" });
    jsT.push((performance.now() - t) / 1000);
  }
}
const w = stats(wasmT), j = stats(jsT);
const rows: [string, string, string, string][] = [
  ["wasm (" + (engine.wasmFlavour ?? "-") + ")", w.median.toFixed(3), `${w.min.toFixed(3)}-${w.max.toFixed(3)}`, "1.0"],
  ["pure TS", j.median.toFixed(3), `${j.min.toFixed(3)}-${j.max.toFixed(3)}`, (j.median / w.median).toFixed(1)],
];
if (numpy) {
  const s = stats(numpy.seconds);
  rows.push([`numpy ${numpy.version} reference, 1 thread`, s.median.toFixed(3), `${s.min.toFixed(3)}-${s.max.toFixed(3)}`, (s.median / w.median).toFixed(1)]);
}
console.log("\nend-to-end maximum match (validation, copy, Gram, pruning), seconds:");
console.log(["backend".padEnd(34), "median".padStart(8), "range".padStart(14), "x slower than wasm".padStart(20)].join(""));
for (const r of rows) console.log([r[0].padEnd(34), r[1].padStart(8), r[2].padStart(14), r[3].padStart(20)].join(""));
if (!numpy) console.log(`numpy reference: ${numpyNote}`);
console.log(`\nwasm vs pure TS: ${(j.median / w.median).toFixed(1)}x faster${numpy ? `; wasm vs numpy reference: ${(median(numpy.seconds) / w.median).toFixed(1)}x faster` : ""}`);

const resultsDir = join(repo, "bench", "results");
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, "bench.json"),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, d, n, eps: EPS, wasmFlavour: engine.wasmFlavour, wasm: w, js: j, numpy: numpy ? stats(numpy.seconds) : numpyNote }, null, 1),
);
console.log(`results written to ${join(resultsDir, "bench.json")}`);
