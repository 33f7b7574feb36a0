// Bundles the TypeScript layer with esbuild (library, CLI, benchmark) and emits type declarations
// with tsc. Run after build-wasm.mjs, which generates the embedded WASM modules.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const common = { bundle: true, format: "esm", target: ["es2022", "node20"], sourcemap: false, logLevel: "warning" };
await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", platform: "neutral", mainFields: ["module", "main"] });
await build({
  ...common,
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.js",
  platform: "node",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
await build({ ...common, entryPoints: ["bench/bench.ts"], outfile: "dist/bench.js", platform: "node" });
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--emitDeclarationOnly", "--outDir", "dist"], { stdio: "inherit" });
console.log("dist/: index.js, cli.js, bench.js, *.d.ts");
