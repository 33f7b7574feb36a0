// Times the `cka` measure (linear, debiased, RBF, RBF debiased) on Gaussian data, WASM vs pure TS.
// usage: node bench/cka-time.mjs [--dist DIR] [--sizes 2000x512x384,10000x512x512] [--backends wasm,js] [--reps 3] [--all]
// (--all also times the all-measures call). Data: X n x p standard Gaussian, Y = X W / sqrt(p) + noise (n x q).
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i < 0 ? d : process.argv[i + 1];
};
const dist = resolve(arg("dist", "dist"));
const sizes = arg("sizes", "2000x512x384").split(",").map((s) => s.split("x").map(Number));
const backends = arg("backends", "wasm,js").split(",");
const reps = Number(arg("reps", "3"));
const all = process.argv.includes("--all");
const { createEngineSync } = await import(pathToFileURL(`${dist}/index.js`).href);
const engine = createEngineSync({ threads: 1 });

function gaussian(seed) {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

for (const [n, p, q0] of sizes) {
  const q = q0 ?? p;
  const g = gaussian(n * 31 + p);
  const X = Float64Array.from({ length: n * p }, g);
  const W = Float64Array.from({ length: p * q }, g);
  const Y = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < p; k++) {
      const x = X[i * p + k] / Math.sqrt(p);
      if (x === 0) continue;
      for (let j = 0; j < q; j++) Y[i * q + j] += x * W[k * q + j];
    }
    for (let j = 0; j < q; j++) Y[i * q + j] += 0.5 * g();
  }
  const a = { data: X, shape: [n, p] }, b = { data: Y, shape: [n, q] };
  for (const backend of backends) {
    for (const what of all ? ["cka", "all"] : ["cka"]) {
      const times = [];
      let r;
      for (let k = 0; k < reps; k++) {
        const t0 = performance.now();
        r = what === "cka" ? engine.cka(a, b, { backend }) : engine.measures(a, b, { backend });
        times.push(performance.now() - t0);
      }
      const c = what === "cka" ? r : r.cka;
      console.log(`${n}x${p}x${q} ${backend} ${what}: min ${Math.min(...times).toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(", ")}); linear ${c.linear} debiased ${c.linearDebiased} rbf ${c.rbf?.value} rbfDebiased ${c.rbfDebiased}`);
    }
  }
}
