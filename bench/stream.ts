/**
 * `npm run bench:stream`: the streamed comparison at scale (issue 5 item 4). Generates two layers
 * batch by batch (never the whole matrices: 50,000 x 4,096 float64 per side would be 1.6 GB each),
 * feeds them to engine.streamCurve and reports the time, the WASM arena's peak, the process's
 * maximum resident set and the match found. Layer b's first half of the neurons are a's first half,
 * permuted and mixed within pairs plus 5% noise (a planted match of n/2 per side); the rest of both
 * layers is independent Gaussian noise. Asserts nothing; prints one JSON line at the end.
 *
 *   node dist/stream-bench.js [--samples 50000] [--neurons 4096] [--batch 1000] [--threads 2] [--float32]
 */
import { parseArgs } from "node:util";
import { createEngineSync } from "../src/engine.js";
import { gaussian } from "../src/random.js";

const { values: opt } = parseArgs({
  options: {
    samples: { type: "string", default: "50000" },
    neurons: { type: "string", default: "4096" },
    batch: { type: "string", default: "1000" },
    threads: { type: "string", default: "2" },
    eps: { type: "string", default: "0.3" },
    float32: { type: "boolean", default: false },
  },
});
const d = Number(opt.samples), n = Number(opt.neurons), rows = Number(opt.batch);
const threads = Number(opt.threads) === 1 ? 1 : 2;
const eps = Number(opt.eps);
const half = n >> 1;
const g = gaussian(7);
const perm = Array.from({ length: half }, (_, j) => j);
for (let j = half - 1; j > 0; j--) {
  const k = Math.floor(((g() * 1e6) % 1 + 1) % 1 * (j + 1));
  [perm[j], perm[k]] = [perm[k]!, perm[j]!];
}
const Arr = opt.float32 ? Float32Array : Float64Array;

function* batches(): Generator<[{ data: Float32Array | Float64Array; shape: number[] }, { data: Float32Array | Float64Array; shape: number[] }]> {
  for (let r0 = 0; r0 < d; r0 += rows) {
    const r = Math.min(rows, d - r0);
    const a = new Arr(r * n), b = new Arr(r * n);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < n; j++) a[i * n + j] = g();
      for (let j = 0; j < half; j++) {
        // pairs of a's planted neurons mixed (a rotation by 30 degrees), then permuted
        const p = perm[j]!, q = perm[j ^ 1] ?? p;
        b[i * n + j] = 0.866 * (a[i * n + p] as number) + 0.5 * (a[i * n + q] as number) + 0.05 * g();
      }
      for (let j = half; j < n; j++) b[i * n + j] = g();
    }
    yield [{ data: a, shape: [r, n] }, { data: b, shape: [r, n] }];
  }
}

const engine = createEngineSync({ threads });
const t0 = performance.now();
const r = await engine.streamCurve(batches(), { eps: [eps] });
const seconds = (performance.now() - t0) / 1000;
const p = r.points[0]!;
const out = {
  samples: r.samples,
  neurons: r.neurons,
  batchRows: rows,
  dtype: opt.float32 ? "float32" : "float64",
  threads: engine.threads,
  wasm: engine.wasmFlavour,
  seconds: +seconds.toFixed(1),
  peakArenaGiB: +(engine.stats().peakArenaBytes / 2 ** 30).toFixed(3),
  wasmMemoryGiB: +(engine.stats().memoryBytes / 2 ** 30).toFixed(3),
  maxRssGiB: +(process.resourceUsage().maxRSS / 2 ** 20).toFixed(3),
  eps,
  matched: [p.a.length, p.b.length],
  uncertain: p.uncertain ?? 0,
  maxEpsilon: r.maxEpsilon,
};
engine.close();
console.log(`streamed ${d} x (${n} + ${n}) in batches of ${rows} rows on ${out.threads} thread(s): ${out.seconds} s, peak WASM arena ${out.peakArenaGiB} GiB, WASM memory ${out.wasmMemoryGiB} GiB, max RSS ${out.maxRssGiB} GiB; eps ${eps}: ${p.a.length} + ${p.b.length} matched (planted ${half} + ${half}), ${out.uncertain} uncertain`);
console.log(JSON.stringify(out));
