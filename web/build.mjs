// `npm run build:web`: the in-browser analysis page, into dist/web/ (static: any server or file://).
//
//   dist/web/index.html        the page (inline CSS)
//   dist/web/app.js            page bundle (classic script: module scripts do not load from file://)
//   dist/web/worker.js         analysis runtime bundle (engine + readers + comparePair), wrapped in
//                              `function repmatchWorkerMain(){...}`: a worker runs it; a <script>
//                              tag only publishes its source (for a Blob URL worker under file://)
//   dist/web/example/          the built-in example: A.npz, B.npz (demo nets A and B, reduced mode),
//                              meta.json, and example.js (the same bytes as base64, for file://)
//
// The example is trained here (demo/train.ts, ~5 s) and kept while its inputs are unchanged.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
const OUT = "dist/web";
/** held-out digits in the example (>= 5 x 128 neurons of the widest layer: no fewSamples warning) */
const EXAMPLE_ROWS = 800;
const t0 = performance.now();
const version = JSON.parse(readFileSync("package.json", "utf8")).version;

if (!existsSync("src/wasm/core-simd.generated.ts")) {
  console.log("build:web: the embedded WASM modules are missing; running scripts/build-wasm.mjs");
  execFileSync(process.execPath, ["scripts/build-wasm.mjs"], { stdio: "inherit" });
}
mkdirSync(join(OUT, "example"), { recursive: true });

const browser = {
  bundle: true,
  platform: "browser",
  format: "iife",
  target: ["es2022", "chrome100", "firefox100", "safari16"],
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  write: false,
};

// 1. the runtime: one classic script that works as a worker, from a Blob URL, or on the page.
// The shared-memory WASM builds serve only Node's helper thread (src/wasm/threads.ts: never in a
// browser, and the runtime asks for threads: 1): left out, they would be ~40% of the bundle.
const noSharedWasm = {
  name: "no-shared-wasm",
  setup(b) {
    b.onResolve({ filter: /core-(simd|relaxed)-shared\.generated\.js$/ }, (args) => ({ path: args.path, namespace: "no-shared-wasm" }));
    b.onLoad({ filter: /.*/, namespace: "no-shared-wasm" }, () => ({ contents: 'export const wasmBase64 = "";', loader: "js" }));
  },
};
// The convergence view (src/dynamics/) reaches compareLayers, whose Node thread pool embeds its
// worker's source (src/layers/worker.generated.ts, ~340 KB): the page runs it with threads: 1 and
// browsers have no worker_threads (startPool returns null), so that source is left out too.
const noNodePool = {
  name: "no-node-pool",
  setup(b) {
    b.onResolve({ filter: /\/worker\.generated\.js$/ }, (args) =>
      /[\\/]src[\\/]layers[\\/]pool\.ts$/.test(args.importer) ? { path: args.path, namespace: "no-node-pool" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "no-node-pool" }, () => ({ contents: 'export const workerSource = "";', loader: "js" }));
  },
};
const worker = await build({ ...browser, entryPoints: ["web/worker.ts"], plugins: [noSharedWasm, noNodePool] });
const workerJs = `/* repmatch ${version}: analysis runtime (see web/worker.ts) */\n(function repmatchWorkerMain(){\n${worker.outputFiles[0].text}\n})();\n`;
writeFileSync(join(OUT, "worker.js"), workerJs);

// 2. the page
const app = await build({ ...browser, entryPoints: ["web/app.ts"] });
writeFileSync(join(OUT, "app.js"), `/* repmatch ${version}: analysis page (see web/app.ts) */\n${app.outputFiles[0].text}`);
writeFileSync(join(OUT, "index.html"), readFileSync("web/index.html", "utf8").replaceAll("%VERSION%", version));

// 3. the example, regenerated when its inputs change
const exampleInputs = ["demo/train.ts", "demo/mlp.ts", "demo/mnist.ts", "web/example.ts", "src/io/npz.ts", "src/io/npy.ts", "src/io/zip.ts", "src/random.ts"];
const key = createHash("sha256")
  .update(JSON.stringify({ rows: EXAMPLE_ROWS, files: exampleInputs.map((f) => [f, readFileSync(f, "utf8")]) }))
  .digest("hex")
  .slice(0, 16);
const metaPath = join(OUT, "example", "meta.json");
const have = existsSync(metaPath) && ["A.npz", "B.npz", "example.js"].every((f) => existsSync(join(OUT, "example", f)));
let cached = false;
if (have) {
  try {
    cached = JSON.parse(readFileSync(metaPath, "utf8")).key === key;
  } catch {
    cached = false;
  }
}
if (!cached) {
  const tmp = "dist/.web-build";
  mkdirSync(tmp, { recursive: true });
  const entry = join(tmp, "example.mjs");
  await build({
    entryPoints: ["web/example.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: ["es2022", "node20"],
    outfile: entry,
    logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  try {
    const { makeExample } = await import(pathToFileURL(join(root, entry)).href);
    console.log(`build:web: training the demo networks for the example (reduced mode, ${EXAMPLE_ROWS} held-out digits)`);
    const ex = makeExample(EXAMPLE_ROWS);
    const meta = { ...ex.meta, key };
    writeFileSync(join(OUT, "example", "A.npz"), ex.A);
    writeFileSync(join(OUT, "example", "B.npz"), ex.B);
    writeFileSync(metaPath, JSON.stringify(meta, null, 1) + "\n");
    const b64 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("base64");
    writeFileSync(
      join(OUT, "example", "example.js"),
      `/* repmatch example (for file:// pages, where fetch is blocked): the bytes of A.npz and B.npz */\n` +
        `globalThis.__repmatchExample = ${JSON.stringify({ meta, A: b64(ex.A), B: b64(ex.B) })};\n`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const size = (f) => statSync(join(OUT, f)).size;
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const files = ["index.html", "app.js", "worker.js", "example/A.npz", "example/B.npz", "example/example.js"];
console.log(
  `dist/web/: ${files.map((f) => `${f} ${kb(size(f))}`).join(", ")}` +
    ` (example ${cached ? "cached" : "generated"}; ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
