/**
 * The `repmatch` command line.
 *
 *   repmatch compare A.npy B.npy [--eps 0.15,0.2,0.25,0.3,0.5] [--json] [--backend wasm|js]
 *                                [--simple] [--v a:3,b:0] [--layout nchw|nhwc] [--draws 16] [--rows 10000] [--seed 0]
 *   repmatch demo [--json] [--backend wasm|js]
 *
 * stdout carries results only; errors go to stderr as one line, exit code 2 for bad input or
 * usage, 1 for anything unexpected; no stack traces (set REPMATCH_DEBUG=1 to see them).
 */
import { parseArgs } from "node:util";
import { createEngineSync, DEFAULT_EPSILONS, type Engine } from "../engine.js";
import { fail, RepmatchError } from "../errors.js";
import { readNpyFile, type LoadedArray } from "../io/files.js";
import { runDemo } from "./demo.js";
import { fmt, table } from "./format.js";
import type { BackendName } from "../backend.js";
import type { ConvLayout } from "../conv.js";

const USAGE = `repmatch: compare what two neural networks have learned

Usage:
  repmatch compare A.npy B.npy [options]   maximum match (Wang et al. 2018) at each eps
  repmatch demo [--json]                    a planted two-network comparison on generated data
  repmatch --help | --version

Inputs are samples x neurons .npy files (np.save of a PyTorch/NumPy activation matrix), the same
samples in the same order; 4-D conv activations need --layout.

Options of compare:
  --eps LIST        comma-separated epsilons in [0, 1) (default ${DEFAULT_EPSILONS.join(",")})
  --json            print one JSON object (the keys of the fixtures' expected.json)
  --backend NAME    wasm (default where available) or js
  --simple          also decompose each maximum match into simple matches
  --v LIST          also report the v-minimal match of these neurons, e.g. a:3,b:0
  --layout L        nchw or nhwc, for 4-D conv activations (channel = neuron)
  --draws K         conv: number of draws (default 16)
  --rows R          conv: sampled (image, position) coordinates per draw (default 10000)
  --seed S          conv: seed of the draws (default 0)
`;

const VERSION = "0.1.0";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function parseEps(s: string | undefined): number[] {
  if (s === undefined) return [...DEFAULT_EPSILONS];
  const parts = s.split(",").map((t) => t.trim()).filter((t) => t.length > 0);
  if (parts.length === 0) fail("usage", `--eps: expected a comma-separated list of numbers, got ${JSON.stringify(s)}`);
  return parts.map((t) => {
    const v = Number(t);
    if (!Number.isFinite(v) || v < 0 || v >= 1) fail("badEpsilon", `--eps: expected numbers in [0, 1), got ${JSON.stringify(t)}`);
    return v;
  });
}

function parseInt10(s: string | undefined, name: string, dflt: number): number {
  if (s === undefined) return dflt;
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v < 0) fail("usage", `--${name}: expected a non-negative integer, got ${JSON.stringify(s)}`);
  return v;
}

function backendOf(s: string | undefined): BackendName | undefined {
  if (s === undefined) return undefined;
  if (s !== "wasm" && s !== "js") fail("usage", `--backend: expected wasm or js, got ${JSON.stringify(s)}`);
  return s;
}

function inputInfo(x: LoadedArray) {
  return { file: x.file, dtype: x.dtype, fortranOrder: x.fileFortranOrder, shape: x.shape };
}

function compare(engine: Engine, argv: string[], io: Io): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      eps: { type: "string" },
      json: { type: "boolean", default: false },
      backend: { type: "string" },
      simple: { type: "boolean", default: false },
      v: { type: "string" },
      layout: { type: "string" },
      draws: { type: "string" },
      rows: { type: "string" },
      seed: { type: "string" },
    },
  });
  if (positionals.length !== 2) fail("usage", `compare: expected two .npy files, got ${positionals.length} (see repmatch --help)`);
  const eps = parseEps(values.eps);
  const backend = backendOf(values.backend);
  const [fa, fb] = positionals as [string, string];
  const A = readNpyFile(fa);
  const B = readNpyFile(fb);
  const names: [string, string] = [fa, fb];
  const inputs = { a: inputInfo(A), b: inputInfo(B) };

  if (A.shape.length === 4 || B.shape.length === 4) {
    const layout = values.layout;
    if (layout !== "nchw" && layout !== "nhwc") {
      fail("badLayout", `${A.shape.length === 4 ? fa : fb}: expected --layout nchw or nhwc for a 4-D conv activation, got ${layout === undefined ? "no --layout" : JSON.stringify(layout)}`);
    }
    const r = engine.convSimilarity(A, B, {
      eps,
      layout: layout as ConvLayout,
      draws: parseInt10(values.draws, "draws", 16),
      rows: parseInt10(values.rows, "rows", 10000),
      seed: parseInt10(values.seed, "seed", 0),
      backend,
    });
    if (values.json) io.out(JSON.stringify({ inputs, conv: r }));
    else {
      io.out(`${fa} vs ${fb}: conv layers (${layout}), ${r.channels[0]} + ${r.channels[1]} channels, ${r.draws} draws of ${r.rows} of ${r.coordinates} (image, position) coordinates\n`);
      io.out(table(["eps", "mean similarity", "std"], r.points.map((p) => [String(p.eps), fmt(p.mean), fmt(p.std)])) + "\n");
    }
    return;
  }

  const r = engine.compare(A, B, { eps, backend, names });
  const extra: Record<string, unknown> = {};
  if (values.simple) extra.simpleMatches = eps.map((e) => engine.simpleMatches(A, B, { eps: e, backend, names }));
  if (values.v) {
    const vs = values.v.split(",").map((t) => t.trim()).filter(Boolean);
    extra.vMinimal = eps.flatMap((e) => vs.map((v) => engine.vMinimal(A, B, { eps: e, v, backend, names })));
  }
  const { warnings, ...rest } = r;
  for (const w of warnings) io.err(`repmatch: warning: ${w.message}\n`);
  if (values.json) {
    io.out(JSON.stringify({ samples: rest.samples, neurons: rest.neurons, inputs, maxMatch: rest.maxMatch, maxEpsilon: rest.maxEpsilon, ...extra, warnings }) + "\n");
    return;
  }
  const [na, nb] = r.neurons;
  io.out(`${fa} vs ${fb}: ${r.samples} samples, ${na} + ${nb} neurons (backend ${backend ?? engine.backend})\n`);
  io.out("maximum match (Wang et al. 2018): neurons of each side within eps of the other side's span\n\n");
  io.out(
    table(
      ["eps", "matched a", "matched b", "similarity", "margin"],
      r.maxMatch.map((m) => [String(m.eps), `${m.a.length}/${na}`, `${m.b.length}/${nb}`, fmt(m.similarity), fmt(m.margin, 6)]),
    ) + "\n",
  );
  const dead = r.maxMatch[0];
  if (dead && dead.deadA + dead.deadB > 0) io.out(`dead neurons: ${dead.deadA} in a, ${dead.deadB} in b\n`);
  io.out(`maxEpsilon: ${fmt(r.maxEpsilon, 6)} (from this eps on, every live neuron is matched)\n`);
  if (extra.simpleMatches) {
    for (const s of extra.simpleMatches as ReturnType<Engine["simpleMatches"]>[]) {
      io.out(`\nsimple matches at eps ${s.eps}: ${s.matches.length}${s.unique ? " (unique: the complete list)" : " (v-minimal matches not unique: one per seed)"}\n`);
      for (const m of s.matches) io.out(`  a[${m.a.join(",")}] <-> b[${m.b.join(",")}]\n`);
    }
  }
  if (extra.vMinimal) {
    for (const v of extra.vMinimal as ReturnType<Engine["vMinimal"]>[]) {
      io.out(`\nv-minimal match of ${v.v} at eps ${v.eps}: ${v.a === null ? "none (in no match)" : `a[${v.a.join(",")}] <-> b[${v.b!.join(",")}]`}\n`);
    }
  }
}

export function main(argv: string[], io: Io): number {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
      io.out(USAGE);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === "--version" || cmd === "-v") {
      io.out(VERSION + "\n");
      return 0;
    }
    if (cmd === "compare") {
      compare(createEngineSync(), rest, io);
      return 0;
    }
    if (cmd === "demo") {
      const { values } = parseArgs({ args: rest, options: { json: { type: "boolean", default: false }, backend: { type: "string" } } });
      runDemo(createEngineSync(), { json: values.json ?? false, backend: backendOf(values.backend) }, io);
      return 0;
    }
    fail("usage", `expected a command (compare, demo), got ${JSON.stringify(cmd)} (see repmatch --help)`);
  } catch (e) {
    if (process.env.REPMATCH_DEBUG) io.err(String((e as Error).stack) + "\n");
    if (e instanceof RepmatchError) {
      io.err(`repmatch: ${e.message}\n`);
      return 2;
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`repmatch: ${e.message}\n`);
      return 2;
    }
    io.err(`repmatch: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}
