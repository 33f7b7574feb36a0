/**
 * The `repmatch` command line.
 *
 *   repmatch compare A.npy B.npy [--eps 0.15,0.2,0.25,0.3,0.5] [--json] [--backend wasm|js]
 *                                [--measures match,cca,svcca,pwcca,cka,procrustes] [--rbf-threshold 0.5]
 *                                [--svcca-keep 0.99] [--epsilon 0] [--alpha 0.5]
 *                                [--simple] [--v a:3,b:0] [--layout nchw|nhwc] [--draws 16] [--rows 10000] [--seed 0]
 *   repmatch path L0.npy L1.npy ... [--json] [--backend wasm|js] [--spaces angularCka,angularShape]
 *   repmatch demo [--json] [--backend wasm|js]
 *   repmatch convergence CKPT_1 ... CKPT_K | sequence A.npy [B.npy] --layout ntc|tnc | paths NET_A NET_B
 *                                (training dynamics: src/cli/dynamics.ts)
 *
 * stdout carries results only; errors go to stderr as one line, exit code 2 for bad input or
 * usage, 1 for anything unexpected; no stack traces (set REPMATCH_DEBUG=1 to see them).
 */
import { parseArgs } from "node:util";
import { createEngineSync, DEFAULT_EPSILONS, type Engine, type MeasureInfo, type PathInfo } from "../engine.js";
import { MEASURE_NAMES, type MeasureName, type MeasuresValues } from "../measures/all.js";
import { checkSpaces, type PathGeometry, type PathSpace } from "../measures/path.js";
import type { Warning } from "../warnings.js";
import { fail, RepmatchError } from "../errors.js";
import { readNpyFile, type LoadedArray } from "../io/files.js";
import { convLayout } from "./common.js";
import { runDemo } from "./demo.js";
import { streamCompare } from "./stream.js";
import { layersCommand } from "./layers.js";
import { convergenceCommand, pathsCommand, sequenceCommand } from "./dynamics.js";
import { fmt, table } from "./format.js";
import type { BackendName } from "../backend.js";
import type { ConvLayout } from "../conv.js";

const USAGE = `repmatch: compare what two neural networks have learned

Usage:
  repmatch compare A.npy B.npy [options]   maximum match (Wang et al. 2018) at each eps, CCA, SVCCA,
                                            PWCCA, CKA and Procrustes / shape distances
  repmatch path L0.npy L1.npy ... [options] path geometry of consecutive layers (Lange et al. 2022)
  repmatch layers NET_A NET_B [options]     every layer of network A against every layer of B:
                                            grids per measure, CSV, HTML report
  repmatch convergence CKPT_1 ... CKPT_K    every layer against itself at the last checkpoint, over
                                            training, and the order in which the layers converge
  repmatch sequence A.npy [B.npy] --layout ntc|tnc
                                            3-D (sequence) activations: time step x time step grid
                                            of A vs B, or each step of A vs its last step
  repmatch paths NET_A NET_B [options]      two networks' paths (Lange et al. 2022) aligned by
                                            relative depth, and where they diverge
  repmatch demo [--json]                    a planted two-network comparison on generated data
  repmatch --help | --version

Inputs are samples x neurons .npy files (np.save of a PyTorch/NumPy activation matrix), the same
samples in the same order; 4-D conv activations need --layout (compare, subspace match only).

Options of compare:
  --measures LIST   comma-separated subset of match,cca,svcca,pwcca,cka,procrustes (default all;
                    match = the maximum match at each eps and maxEpsilon)
  --eps LIST        comma-separated epsilons in [0, 1) (default ${DEFAULT_EPSILONS.join(",")})
  --json            print one JSON object (the keys of the fixtures' expected.json)
  --backend NAME    wasm (default where available) or js
  --rbf-threshold T RBF CKA bandwidth, relative to sqrt(median squared distance) (default 0.5)
  --svcca-keep F    SVCCA: fraction of variance kept per side, in (0, 1] (default 0.99)
  --epsilon E       CCA, SVCCA, PWCCA: google/svcca's regularisation (default 0: exact)
  --alpha A         procrustes.shape: alpha of the shape metric, in [0, 1] (default 0.5)
  --simple          also decompose each maximum match into simple matches
  --v LIST          also report the v-minimal match of these neurons, e.g. a:3,b:0
  --layout L        nchw or nhwc, for 4-D conv activations (channel = neuron)
  --draws K         conv: number of draws (default 16)
  --rows R          conv: sampled (image, position) coordinates per draw (default 10000)
  --seed S          conv: seed of the draws (default 0)
  --stream          read both files in blocks of rows (any size; subspace match only, from the
                    accumulated Gram matrix; conv files: every draw in one pass)
  --batch N         --stream: rows per block (default 4096 samples, or 64 images for conv)

Options of layers (a network is a folder of .npy files, one .npz, or a comma-separated .npy list):
  --eps LIST        max-match epsilons (default ${DEFAULT_EPSILONS.join(",")})
  --measures LIST   subset of match,cca,svcca,pwcca,cka,procrustes (default all)
  --json            print the whole grid as one JSON object
  --csv FILE        write the grids as long-format CSV (layerA,layerB,measure,value)
  --report FILE     write a self-contained HTML report (heatmaps, eps curves)
  --title TEXT      title of the report
  --threads N       worker threads (default: all cores)
  --backend NAME    wasm (default where available) or js
  --layout L        nchw or nhwc: 4-D conv layers, averaged over positions

Options of path (at least two layers, the same samples in the same order):
  --json            print one JSON object (the keys of the path fixtures' expected.json)
  --backend NAME    wasm (default where available) or js
  --spaces LIST     angularCka,angularShape (default both)

Options of convergence (a checkpoint is a folder of .npy files, one .npz, or a comma-separated
.npy list, one array per layer, the same layers and samples in every checkpoint; the last is final):
  --measures LIST   subset of pwcca,cka,match,procrustes (default all: PWCCA distance, linear CKA,
                    max-match similarity at each eps, angular Procrustes distance)
  --eps LIST        max-match epsilons (default 0.3)
  --fraction F      converged = the first checkpoint reaching F of the final similarity (a distance
                    d counts as 1 - d / max: max 1 for PWCCA, pi/2 for Procrustes) (default 0.9)
  --json            print the whole result as one JSON object
  --csv FILE        write long-format CSV (layer,checkpoint,step,measure,value)
  --report FILE     write an HTML report (one curve per layer over training, per measure)
  --title TEXT, --threads N, --backend NAME   as for layers

Options of sequence (.npy files of 3-D activations; one file: each step against its last step):
  --layout L        ntc (samples x time x units) or tnc (time x samples x units); required
  --layout-b L      the layout of B when it differs
  --measures, --eps, --json, --csv FILE, --report FILE, --title, --threads, --backend   as above
  --fraction F      one file: as for convergence (default 0.9)

Options of paths (networks as for layers, the same samples; angular CKA distances in radians):
  --align LIST      depth, dp (dynamic programming on the cross distances) or depth,dp (default both;
                    the first decides the reported divergence)
  --threshold R     aligned distance counted as diverged (default 0.6435 = arccos 0.8)
  --jump R          increase over the previous aligned pair counted as diverged (default 0.5)
  --json, --report FILE, --title TEXT, --backend NAME

Measures in the readable output: similarities lie in [0, 1] (1 = same up to the measure's
invariances); distances are 0 for the same representation (angular ones in radians, <= pi/2).
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

function parseMeasures(s: string | undefined): ("match" | MeasureName)[] {
  const all = ["match", ...MEASURE_NAMES] as const;
  if (s === undefined) return [...all];
  const parts = s.split(",").map((t) => t.trim()).filter((t) => t.length > 0);
  if (parts.length === 0) fail("usage", `--measures: expected a comma-separated list of ${all.join(",")}, got ${JSON.stringify(s)}`);
  for (const t of parts) {
    if (!(all as readonly string[]).includes(t)) fail("usage", `--measures: expected names among ${all.join(",")}, got ${JSON.stringify(t)}`);
  }
  return all.filter((m) => parts.includes(m));
}

function parseNumber(s: string | undefined, name: string): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (s.trim() === "" || !Number.isFinite(v)) fail("usage", `--${name}: expected a number, got ${JSON.stringify(s)}`);
  return v;
}

/** Warnings of several results, each once, in order. */
function mergeWarnings(...lists: Warning[][]): Warning[] {
  const out: Warning[] = [];
  for (const w of lists.flat()) if (!out.some((o) => o.code === w.code && o.message === w.message)) out.push(w);
  return out;
}

function inputInfo(x: LoadedArray) {
  return { file: x.file, dtype: x.dtype, fortranOrder: x.fileFortranOrder, shape: x.shape };
}

async function compare(engine: Engine, argv: string[], io: Io): Promise<void> {
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
      measures: { type: "string" },
      "rbf-threshold": { type: "string" },
      "svcca-keep": { type: "string" },
      epsilon: { type: "string" },
      alpha: { type: "string" },
      stream: { type: "boolean", default: false },
      batch: { type: "string" },
    },
  });
  if (positionals.length !== 2) fail("usage", `compare: expected two .npy files, got ${positionals.length} (see repmatch --help)`);
  const eps = parseEps(values.eps);
  const backend = backendOf(values.backend);
  const wanted = parseMeasures(values.measures);
  const others = wanted.filter((m): m is MeasureName => m !== "match");
  const match = wanted.includes("match");
  if (!match && (values.simple || values.v)) fail("usage", "--simple and --v belong to the subspace match: expected match among --measures");
  const measureOpts = {
    rbfThreshold: parseNumber(values["rbf-threshold"], "rbf-threshold"),
    keep: parseNumber(values["svcca-keep"], "svcca-keep"),
    epsilon: parseNumber(values.epsilon, "epsilon"),
    alpha: parseNumber(values.alpha, "alpha"),
  };
  const [fa, fb] = positionals as [string, string];
  if (values.batch !== undefined && !values.stream) fail("usage", "--batch belongs to --stream");
  if (values.stream) {
    if (values.measures !== undefined && others.length > 0) fail("usage", `--stream: streamed files support the subspace match only, got --measures ${others.join(",")}`);
    if (values.simple || values.v) fail("usage", "--stream: --simple and --v need the data in memory (the exact route); drop --stream");
    return streamCompare(engine, fa, fb, {
      eps,
      backend,
      json: values.json ?? false,
      batch: values.batch === undefined ? undefined : parseInt10(values.batch, "batch", 1),
      layout: values.layout,
      draws: parseInt10(values.draws, "draws", 16),
      rows: parseInt10(values.rows, "rows", 10000),
      seed: parseInt10(values.seed, "seed", 0),
    }, io);
  }
  const A = readNpyFile(fa);
  const B = readNpyFile(fb);
  const names: [string, string] = [fa, fb];
  const inputs = { a: inputInfo(A), b: inputInfo(B) };

  if (A.shape.length === 4 || B.shape.length === 4) {
    if (values.measures !== undefined && others.length > 0) fail("usage", `--measures: conv layers support the subspace match only, got ${others.join(",")}`);
    const layout = convLayout(values.layout, A.shape.length === 4 ? fa : fb);
    const r = engine.convSimilarity(A, B, {
      eps,
      layout,
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

  // the measures first: a bad option fails before the (longer) subspace match runs
  const m = others.length > 0 ? engine.measures(A, B, { ...measureOpts, measures: others, backend, names }) : null;
  const r = match ? engine.compare(A, B, { eps, backend, names }) : null;
  const extra: Record<string, unknown> = {};
  if (values.simple) extra.simpleMatches = eps.map((e) => engine.simpleMatches(A, B, { eps: e, backend, names }));
  if (values.v) {
    const vs = values.v.split(",").map((t) => t.trim()).filter(Boolean);
    extra.vMinimal = eps.flatMap((e) => vs.map((v) => engine.vMinimal(A, B, { eps: e, v, backend, names })));
  }
  const warnings = mergeWarnings(r?.warnings ?? [], m?.warnings ?? []);
  for (const w of warnings) io.err(`repmatch: warning: ${w.message}\n`);
  const samples = (r ?? m)!.samples, neurons = (r ?? m)!.neurons;
  const measured: MeasuresValues = {};
  if (m) for (const k of MEASURE_NAMES) if (m[k] !== undefined) (measured as Record<string, unknown>)[k] = m[k];
  if (values.json) {
    const matchPart = r ? { maxMatch: r.maxMatch, maxEpsilon: r.maxEpsilon } : {};
    const notes = m?.notes ? { notes: m.notes } : {};
    io.out(JSON.stringify({ samples, neurons, inputs, ...matchPart, ...extra, ...measured, ...notes, warnings }) + "\n");
    return;
  }
  const [na, nb] = neurons;
  io.out(`${fa} vs ${fb}: ${samples} samples, ${na} + ${nb} neurons (backend ${backend ?? engine.backend})\n`);
  if (m) {
    io.out("\n" + measuresTable(m) + "\n");
    if (m.notes) for (const [k, why] of Object.entries(m.notes)) io.out(`${k}: ${why}\n`);
  }
  if (!r) return;
  if (m) io.out("\n");
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

/** The readable table of the CCA / CKA / shape measures. */
function measuresTable(m: MeasuresValues & MeasureInfo): string {
  const rows: string[][] = [];
  const sim = "similarity", dist = "distance";
  if (m.cca) {
    rows.push(["mean CCA", fmt(m.cca.mean), sim], ["mean squared CCA (R^2_CCA)", fmt(m.cca.meanSquared), sim]);
  }
  if (m.svcca) {
    const how = m.svcca.keep === null ? `${m.svcca.components} directions` : `${+(m.svcca.keep * 100).toFixed(4)}% of variance`;
    rows.push([`SVCCA (${how}: ${m.svcca.dims[0]} + ${m.svcca.dims[1]} dims)`, fmt(m.svcca.value), sim]);
  }
  if (m.pwcca) rows.push(["PWCCA (paper)", fmt(m.pwcca.paper), sim], ["PWCCA (google/svcca code)", fmt(m.pwcca.google), sim]);
  if (m.cka) {
    rows.push(["linear CKA", fmt(m.cka.linear), sim], ["debiased linear CKA", fmt(m.cka.linearDebiased), sim]);
    if (m.cka.rbf) rows.push([`RBF CKA (threshold ${m.cka.rbf.threshold})`, fmt(m.cka.rbf.value), sim]);
    rows.push(["angular linear CKA, arccos (rad)", fmt(m.cka.angularLinear), dist]);
  }
  if (m.procrustes) {
    const p = m.procrustes;
    rows.push(["angular Procrustes (rad)", fmt(p.angular), dist], ["euclidean Procrustes", fmt(p.euclidean), dist], ["shape metric alpha 0.5, angular (rad)", fmt(p.shapeAlpha0_5), dist]);
    if (p.shape.alpha !== 0.5 && p.shape.alpha !== 1) rows.push([`shape metric alpha ${p.shape.alpha}, angular (rad)`, fmt(p.shape.angular), dist]);
  }
  return table(["measure", "value", "kind"], rows);
}

function path(engine: Engine, argv: string[], io: Io): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      backend: { type: "string" },
      spaces: { type: "string" },
    },
  });
  if (positionals.length < 2) fail("usage", `path: expected at least two .npy files (consecutive layers), got ${positionals.length} (see repmatch --help)`);
  const backend = backendOf(values.backend);
  let spaces: PathSpace[] | undefined;
  if (values.spaces !== undefined) {
    const parts = values.spaces.split(",").map((t) => t.trim()).filter((t) => t.length > 0);
    try {
      spaces = checkSpaces(parts);
    } catch {
      fail("usage", `--spaces: expected a comma-separated list of angularCka,angularShape, got ${JSON.stringify(values.spaces)}`);
    }
  }
  const files = positionals.map((f) => readNpyFile(f));
  const r: PathInfo = engine.path(files, { backend, names: positionals, ...(spaces ? { spaces } : {}) });
  for (const w of r.warnings) io.err(`repmatch: warning: ${w.message}\n`);
  if (values.json) {
    const notes = r.notes ? { notes: r.notes } : {};
    io.out(JSON.stringify({ samples: r.samples, layers: positionals, widths: r.widths, inputs: files.map(inputInfo), space: r.space, ...notes, warnings: r.warnings }) + "\n");
    return;
  }
  io.out(`path through ${positionals.length} layers, ${r.samples} samples (backend ${backend ?? engine.backend}); widths ${r.widths.join(", ")}\n`);
  const describe = (name: string, g: PathGeometry, proj?: { fraction: number | null; offGeodesic: number | null }[]) => {
    io.out(`\n${name}\n`);
    const header = ["layer", "width", "step to next", "angle", "progress", ...(proj ? ["along geodesic", "off geodesic"] : [])];
    const rows = positionals.map((f, i) => [
      `${i}: ${f}`,
      String(r.widths[i]),
      i < g.steps.length ? fmt(g.steps[i]) : "",
      i > 0 && i < positionals.length - 1 ? fmt(g.angles[i - 1]) : "",
      fmt(g.progress[i]),
      ...(proj ? [fmt(proj[i]?.fraction), fmt(proj[i]?.offGeodesic)] : []),
    ]);
    io.out(table(header, rows) + "\n");
    io.out(`path length ${fmt(g.pathLength)}, endpoint distance ${fmt(g.endpointDistance)}, straightness ${fmt(g.straightness)}, excess length ${fmt(g.excessLength)} (radians; angle pi = locally straight)\n`);
  };
  if (r.space.angularCka) describe("angular CKA space (arccos of linear CKA)", r.space.angularCka, r.space.angularCka.geodesicProjection);
  if (r.space.angularShape) describe("angular shape space (angular Procrustes)", r.space.angularShape);
}

export async function main(argv: string[], io: Io): Promise<number> {
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
      await compare(createEngineSync(), rest, io);
      return 0;
    }
    if (cmd === "path") {
      path(createEngineSync(), rest, io);
      return 0;
    }
    if (cmd === "layers") {
      const engine = createEngineSync();
      try {
        await layersCommand(engine, rest, io, { parseEps, parseMeasures, backendOf, parseInt10 });
      } finally {
        engine.close();
      }
      return 0;
    }
    if (cmd === "convergence" || cmd === "sequence" || cmd === "paths") {
      const engine = createEngineSync();
      try {
        const run = cmd === "convergence" ? convergenceCommand : cmd === "sequence" ? sequenceCommand : pathsCommand;
        await run(engine, rest, io, { parseEps, backendOf, parseInt10 });
      } finally {
        engine.close();
      }
      return 0;
    }
    if (cmd === "demo") {
      const { values } = parseArgs({ args: rest, options: { json: { type: "boolean", default: false }, backend: { type: "string" } } });
      runDemo(createEngineSync(), { json: values.json ?? false, backend: backendOf(values.backend) }, io);
      return 0;
    }
    fail("usage", `expected a command (compare, demo), got ${JSON.stringify(cmd)} (or path, layers, convergence, sequence, paths; see repmatch --help)`);
  } catch (e) {
    if (process.env.REPMATCH_DEBUG) io.err(String((e as Error).stack) + "\n");
    if (e instanceof RepmatchError) {
      io.err(`repmatch: ${e.message}\n`);
      return 2;
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`repmatch: ${e.message.replace(/\s*\n\s*/g, " ")}\n`); // one line (parseArgs writes several)
      return 2;
    }
    io.err(`repmatch: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}
