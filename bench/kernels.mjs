// Micro-benchmark of the dense WASM kernels (assembly/blas.ts): syrk (Gram) and gemmTN (cross
// product) in the plain SIMD build, the relaxed SIMD build (FMA) when this runtime accepts it,
// and a plain-JS Float64Array syrk for comparison.
//
//   node scripts/build-wasm.mjs && node bench/kernels.mjs [--reps N] [--quick]
//   Node 20 only runs the relaxed build with: node --experimental-wasm-relaxed-simd bench/kernels.mjs
//
// FLOP counts (one multiply-add = 2 flops):
//   syrk  d x n  : d * n * (n + 1)   (the n(n+1)/2 distinct entries of the symmetric Z^T Z)
//   gemmTN d x m x n : 2 * d * m * n
// Each figure is the median over N timed repetitions after one untimed warm-up call.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const repsArg = args.indexOf("--reps");
const REPS = repsArg >= 0 ? Number(args[repsArg + 1]) : quick ? 3 : 5;
const JS_REPS = quick ? 1 : 3;

// ------------------------------------------------------------------------------------------
// data and helpers

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomColumns(rows, cols, ld, seed) {
  const rnd = mulberry32(seed);
  const a = new Float64Array(ld * cols);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) a[j * ld + i] = 2 * rnd() - 1;
  return a;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Median seconds of `reps` calls of fn after one warm-up call. */
function time(fn, reps) {
  fn();
  const ts = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

// ------------------------------------------------------------------------------------------
// plain JS reference implementation: upper triangle in 2 x 2 column tiles (four dot products
// sharing every load), inner loop over rows, rows in panels of 512 so the four columns of a
// tile stay in L1 while the panel's other columns stay in L2; then the mirror.

function jsSyrk(Z, ldz, d, n, G, ldg) {
  const KC = 512;
  for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) G[j * ldg + i] = 0;
  for (let k0 = 0; k0 < d; k0 += KC) {
    const k1 = Math.min(k0 + KC, d);
    for (let j = 0; j < n; j += 2) {
      const j2 = j + 1 < n;
      const b0 = j * ldz;
      const b1 = j2 ? b0 + ldz : b0;
      for (let i = 0; i <= j; i += 2) {
        const i2 = i + 1 < n;
        const a0 = i * ldz;
        const a1 = i2 ? a0 + ldz : a0;
        let s00 = 0, s10 = 0, s01 = 0, s11 = 0;
        for (let k = k0; k < k1; k++) {
          const x0 = Z[a0 + k], x1 = Z[a1 + k], y0 = Z[b0 + k], y1 = Z[b1 + k];
          s00 += x0 * y0;
          s10 += x1 * y0;
          s01 += x0 * y1;
          s11 += x1 * y1;
        }
        G[j * ldg + i] += s00;
        if (i2 && i + 1 <= j) G[j * ldg + i + 1] += s10;
        if (j2) {
          G[(j + 1) * ldg + i] += s01;
          if (i2) G[(j + 1) * ldg + i + 1] += s11;
        }
      }
    }
  }
  for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) G[j * ldg + i] = G[i * ldg + j];
}

// ------------------------------------------------------------------------------------------
// wasm

function loadBuild(name) {
  const bytes = readFileSync(join(root, "build", `core-${name}.wasm`));
  if (!WebAssembly.validate(bytes)) return null;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: {
      abort() {
        throw new Error("abort");
      },
    },
  });
  const ex = inst.exports;
  const base = (ex.heapBase() + 15) & ~15;
  return {
    name,
    ex,
    /** Places the given Float64Arrays one after another (16-byte aligned); returns their offsets. */
    place(...arrays) {
      let top = base;
      const ptrs = [];
      for (const a of arrays) {
        ptrs.push(top);
        top = (top + a.length * 8 + 15) & ~15;
      }
      const need = top - ex.memory.buffer.byteLength;
      if (need > 0) ex.memory.grow(Math.ceil(need / 65536));
      const f = new Float64Array(ex.memory.buffer);
      arrays.forEach((a, k) => f.set(a, ptrs[k] / 8));
      return ptrs;
    },
    view(ptr, count) {
      return new Float64Array(ex.memory.buffer, ptr, count);
    },
  };
}

const builds = [loadBuild("simd")];
const relaxed = loadBuild("relaxed");
if (relaxed) builds.push(relaxed);

const cases = [
  { kind: "syrk", d: 10000, n: 1024 },
  { kind: "syrk", d: 10000, n: 1024, ldz: 10001, note: "odd ldz (8-byte aligned columns)" },
  { kind: "syrk", d: 2000, n: 64 },
  { kind: "syrk", d: 5000, n: 256 },
  { kind: "gemmTN", d: 10000, m: 512, n: 512 },
];

console.log(`Node ${process.version}, ${REPS} timed repetitions (median), JS ${JS_REPS}`);
if (!relaxed) {
  console.log(
    "relaxed-SIMD build: not accepted by this runtime (Node 20: run `node --experimental-wasm-relaxed-simd bench/kernels.mjs`)",
  );
}
console.log("");

const header = ["kernel", "size", ...builds.map((b) => `${b.name} GFLOP/s`), "plain JS GFLOP/s", "best wasm / JS"];
const rows = [];
for (const c of cases) {
  const ldz = c.ldz ?? c.d;
  const label = c.kind === "syrk" ? `${c.d} x ${c.n}` : `${c.d} x ${c.m} x ${c.n}`;
  const flops = c.kind === "syrk" ? c.d * c.n * (c.n + 1) : 2 * c.d * c.m * c.n;
  const rates = [];
  let wasmG = null;
  if (c.kind === "syrk") {
    const Z = randomColumns(c.d, c.n, ldz, 1);
    for (const b of builds) {
      const [zp, gp] = b.place(Z, new Float64Array(c.n * c.n));
      const s = time(() => b.ex.syrk(zp, ldz, c.d, c.n, gp, c.n, 0), REPS);
      rates.push(flops / s / 1e9);
      if (!wasmG) wasmG = Float64Array.from(b.view(gp, c.n * c.n));
    }
    let js = "-";
    if (!c.ldz) {
      const G = new Float64Array(c.n * c.n);
      const s = time(() => jsSyrk(Z, ldz, c.d, c.n, G, c.n), JS_REPS);
      js = flops / s / 1e9;
      let err = 0;
      for (let k = 0; k < G.length; k++) err = Math.max(err, Math.abs(G[k] - wasmG[k]) / (1 + Math.abs(G[k])));
      if (err > 1e-10) throw new Error(`wasm and JS syrk disagree: ${err}`);
    }
    rows.push([c.kind + (c.note ? ` (${c.note})` : ""), label, ...rates, js, js === "-" ? "-" : Math.max(...rates) / js]);
  } else {
    const A = randomColumns(c.d, c.m, c.d, 2);
    const B = randomColumns(c.d, c.n, c.d, 3);
    for (const b of builds) {
      const [ap, bp, cp] = b.place(A, B, new Float64Array(c.m * c.n));
      const s = time(() => b.ex.gemmTN(ap, c.d, bp, c.d, c.d, c.m, c.n, cp, c.m, 0), REPS);
      rates.push(flops / s / 1e9);
    }
    rows.push([c.kind, label, ...rates, "-", "-"]);
  }
  const last = rows[rows.length - 1];
  console.log(last.map((v) => (typeof v === "number" ? v.toFixed(2) : v)).join("  |  "));
}

console.log("");
const fmt = (v) => (typeof v === "number" ? v.toFixed(2) : String(v));
const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => fmt(r[k]).length)));
const line = (cells) => "| " + cells.map((v, k) => fmt(v).padEnd(widths[k])).join(" | ") + " |";
console.log(line(header));
console.log("| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |");
for (const r of rows) console.log(line(r));
