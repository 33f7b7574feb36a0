// Timing of the dense factorisations of the WASM core behind src/wasm/linalg.ts: thin Householder
// QR with explicit Q (assembly/householder.ts), one-sided Jacobi SVD (assembly/svd.ts) and the
// symmetric eigendecomposition (assembly/tridiagonal.ts) and singular values by bidiagonalisation
// (assembly/bidiagonal.ts), on a centred 2000 x 512 and on 512 x 512 / 512 x 384
// matrices, for the plain SIMD build and (when this runtime accepts it) the relaxed-SIMD build;
// compared with numpy / LAPACK on one thread (OPENBLAS_NUM_THREADS=1) when python3 with numpy is
// available. Prints a table; asserts nothing.
//
//   node scripts/build-wasm.mjs && node bench/linalg.mjs [--reps N] [--quick] [--no-numpy]
//   Node 20 only runs the relaxed build with: node --experimental-wasm-relaxed-simd bench/linalg.mjs
//
// Each figure is the median of N timed calls after one untimed warm-up call (N = 5, --quick 3).
// The kernels are driven through their raw exports with a bump allocator, exactly as
// src/wasm/linalg.ts drives them (the same workspace sizes), so no TypeScript build is needed.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const repsArg = args.indexOf("--reps");
const REPS = repsArg >= 0 ? Number(args[repsArg + 1]) : quick ? 3 : 5;
const NUMPY = !args.includes("--no-numpy");

// ------------------------------------------------------------------------------------------
// data (column-major), seeded

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

function gaussianMatrix(rows, cols, seed) {
  const u = mulberry32(seed);
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < a.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    a[i] = r * Math.cos(t);
    if (i + 1 < a.length) a[i + 1] = r * Math.sin(t);
  }
  return a;
}

function centred(rows, cols, seed) {
  const a = gaussianMatrix(rows, cols, seed);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += a[j * rows + i];
    const mu = s / rows;
    for (let i = 0; i < rows; i++) a[j * rows + i] -= mu;
  }
  return a;
}

function symmetric(n, seed) {
  const a = gaussianMatrix(n, n, seed);
  const s = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) s[j * n + i] = a[j * n + i] + a[i * n + j];
  return s;
}

/** X^T X / d for X d x n: a covariance (positive semidefinite: the shift-free eigh path). */
function covariance(x, d, n) {
  const c = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i <= j; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * x[j * d + k];
      c[j * n + i] = c[i * n + j] = s / d;
    }
  }
  return c;
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
// wasm: one instance per build, a bump arena above heapBase()

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
  let top = base;
  const alloc = (bytes) => {
    const p = (top + 15) & ~15;
    top = p + bytes;
    const need = top - ex.memory.buffer.byteLength;
    if (need > 0) ex.memory.grow(Math.ceil(need / 65536));
    return p;
  };
  const global = (g) => (typeof g === "number" ? g : g.value);
  return {
    name,
    ex,
    global,
    mark: () => top,
    reset: (m) => {
      top = m;
    },
    alloc,
    put(a) {
      const p = alloc(8 * a.length);
      new Float64Array(ex.memory.buffer, p, a.length).set(a);
      return p;
    },
  };
}

function wasmCases(b, data) {
  const { ex } = b;
  const A = b.put(data.A), B = b.put(data.B), S = b.put(data.S), C = b.put(data.C), S384 = b.put(data.S384);
  const [m, n] = [2000, 512];
  const N = 512;
  const scoped = (fn) => () => {
    const mk = b.mark();
    try {
      return fn();
    } finally {
      b.reset(mk);
    }
  };
  const qr = (ptr, rows, cols) =>
    scoped(() => {
      const k = Math.min(rows, cols);
      const q = b.alloc(8 * rows * k), r = b.alloc(8 * k * cols);
      ex.qrThin(ptr, rows, cols, q, r, b.alloc(ex.qrWorkBytes(rows, cols)));
    });
  let sweeps = 0;
  const svd = (ptr, rows, cols, vectors) =>
    scoped(() => {
      const k = Math.min(rows, cols);
      const s = b.alloc(8 * k);
      const u = vectors ? b.alloc(8 * rows * k) : 0, v = vectors ? b.alloc(8 * cols * k) : 0;
      const code = ex.svdJacobi(ptr, rows, cols, s, u, v, vectors ? 1 : 0, b.alloc(ex.svdWorkBytes(rows, cols)));
      if (code < 0) throw new Error("svd did not converge");
      sweeps = code;
    });
  // eigh: tridiagonalisation + divide and conquer for the vectors, QL for values only
  // (assembly/tridiagonal.ts); the "sweeps" column shows QL iterations (0 with divide and conquer)
  const eigh = (ptr, size, vectors = true) =>
    scoped(() => {
      const w = b.alloc(8 * size), v = vectors ? b.alloc(8 * size * size) : 0;
      const code = ex.eighTridiagonal(ptr, size, w, v, vectors ? 1 : 0, b.alloc(ex.eighTridiagonalWorkBytes(size)));
      if (code < 0) throw new Error("eigh did not converge");
      sweeps = code;
    });
  // the same with the eigenvectors by the QL run (eighDivideAndConquer(0)) instead of divide and conquer
  const eighQL = (ptr, size) => {
    const run = eigh(ptr, size);
    return () => {
      ex.eighDivideAndConquer(0);
      try {
        run();
      } finally {
        ex.eighDivideAndConquer(1);
      }
    };
  };
  // singular values by bidiagonalisation + QL on the Golub-Kahan form (assembly/bidiagonal.ts)
  const singular = (ptr, rows, cols) =>
    scoped(() => {
      const s = b.alloc(8 * Math.min(rows, cols));
      const code = ex.singularValues(ptr, rows, cols, s, b.alloc(ex.singularValuesWorkBytes(rows, cols)));
      if (code < 0) throw new Error("singularValues did not converge");
      sweeps = code;
    });
  const gemm = scoped(() => {
    ex.gemmNN(A, m, B, N, m, N, N, b.alloc(8 * m * N), m, 0);
  });
  const cases = [
    ["gemmNN 2000x512 * 512x512 (reference)", gemm, "gemm"],
    ["QR 2000x512 (Q and R)", qr(A, m, n), "qr_tall"],
    ["QR 512x512 (Q and R)", qr(B, N, N), "qr_sq"],
    ["SVD 2000x512, values", svd(A, m, n, false), "svd_tall_s"],
    ["SVD 2000x512, U S V", svd(A, m, n, true), "svd_tall"],
    ["SVD 512x512, values", svd(B, N, N, false), "svd_sq_s"],
    ["SVD 512x512, U S V", svd(B, N, N, true), "svd_sq"],
    ["eigh 512, indefinite", eigh(S, N), "eigh_sym"],
    ["eigh 512, covariance (PSD)", eigh(C, N), "eigh_psd"],
    ["eigh 512, indefinite, values", eigh(S, N, false), "eigh_sym_s"],
    ["eigh 384, indefinite", eigh(S384, 384), "eigh_384"],
    ["eigh 512, indefinite, QL vectors (previous path)", eighQL(S, N), "eigh_sym"],
    ["eigh 384, indefinite, QL vectors (previous path)", eighQL(S384, 384), "eigh_384"],
    ["singularValues 512x384 (bidiagonal)", singular(B, N, 384), "sv_mid_s"],
    ["singularValues 512x512 (bidiagonal)", singular(B, N, N), "svd_sq_s"],
    ["singularValues 2000x512 (bidiagonal)", singular(A, m, n), "svd_tall_s"],
  ];
  return cases.map(([label, fn, key]) => {
    const t = time(fn, REPS);
    const isJacobi = key.startsWith("svd") || key.startsWith("eigh") || key.startsWith("sv_");
    return { label, key, t, sweeps: isJacobi ? sweeps : null };
  });
}

// ------------------------------------------------------------------------------------------
// numpy, one thread

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
reps = int(sys.argv[1])
rng = np.random.default_rng(1)
A = rng.standard_normal((2000, 512)); A -= A.mean(axis=0)
B = rng.standard_normal((512, 512))
G = rng.standard_normal((512, 512)); S = G + G.T
G3 = rng.standard_normal((384, 384)); S384 = G3 + G3.T
X = rng.standard_normal((2000, 512)); C = X.T @ X / 2000
def t(f):
    f()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return float(np.median(ts))
out = {
  "gemm": t(lambda: A @ B),
  "qr_tall": t(lambda: np.linalg.qr(A, mode="reduced")),
  "qr_sq": t(lambda: np.linalg.qr(B, mode="reduced")),
  "svd_tall_s": t(lambda: np.linalg.svd(A, compute_uv=False)),
  "svd_tall": t(lambda: np.linalg.svd(A, full_matrices=False)),
  "svd_sq_s": t(lambda: np.linalg.svd(B, compute_uv=False)),
  "svd_sq": t(lambda: np.linalg.svd(B, full_matrices=False)),
  "eigh_sym": t(lambda: np.linalg.eigh(S)),
  "eigh_psd": t(lambda: np.linalg.eigh(C)),
  "eigh_sym_s": t(lambda: np.linalg.eigvalsh(S)),
  "eigh_384": t(lambda: np.linalg.eigh(S384)),
  "sv_mid_s": t(lambda: np.linalg.svd(B[:, :384], compute_uv=False)),
  "version": np.__version__,
}
print(json.dumps(out))
`;

function runNumpy() {
  if (!NUMPY) return { skipped: "--no-numpy" };
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  const r = spawnSync("python3", ["-c", NUMPY_SCRIPT, String(REPS)], { env, encoding: "utf8", timeout: 600_000 });
  if (r.error || r.status !== 0) return { skipped: (r.error?.message ?? r.stderr ?? "").trim().split("\n").pop() || "python3/numpy unavailable" };
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop());
  } catch {
    return { skipped: "could not parse numpy output" };
  }
}

// ------------------------------------------------------------------------------------------

const data = {
  A: centred(2000, 512, 1),
  B: gaussianMatrix(512, 512, 2),
  S: symmetric(512, 3),
  S384: symmetric(384, 5),
  C: covariance(gaussianMatrix(2000, 512, 4), 2000, 512),
};

const builds = [loadBuild("simd")];
const relaxed = loadBuild("relaxed");
if (relaxed) builds.push(relaxed);

console.log(`Node ${process.version}, median of ${REPS} timed calls after a warm-up`);
if (!relaxed) console.log("relaxed-SIMD build: not accepted by this runtime (Node 20: node --experimental-wasm-relaxed-simd bench/linalg.mjs)");
const results = builds.map((b) => ({ name: b.name, rows: wasmCases(b, data) }));
const np = runNumpy();
if (np.skipped) console.log(`numpy: skipped (${np.skipped})`);
else console.log(`numpy ${np.version}, OPENBLAS_NUM_THREADS=1`);

const header = ["operation", ...results.flatMap((r) => [`${r.name} s`, "sweeps"]), ...(np.skipped ? [] : ["numpy s", ...results.map((r) => `${r.name} / numpy`)])];
const table = results[0].rows.map((row, i) => {
  const cells = [row.label];
  for (const r of results) {
    const x = r.rows[i];
    cells.push(x.t.toFixed(4), x.sweeps === null ? "-" : String(x.sweeps));
  }
  if (!np.skipped) {
    const ref = np[row.key];
    cells.push(ref.toFixed(4));
    for (const r of results) cells.push((r.rows[i].t / ref).toFixed(1));
  }
  return cells;
});
const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
const line = (cells) => `| ${cells.map((x, c) => x.padEnd(widths[c])).join(" | ")} |`;
console.log();
console.log(line(header));
console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
for (const row of table) console.log(line(row));
