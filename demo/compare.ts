/**
 * The demo's comparison: the question of Wang et al. (2018) and Kornblith et al. (2019) on real
 * networks — do two networks trained from different random initialisations learn the same
 * representation? A vs B (same recipe, other seed) layer by layer against every layer, and A vs C
 * (trained on shuffled labels) as the control; plus each network's path through representation
 * space (Lange et al. 2022), and the convergence of A's layers over training towards their final
 * representations (Morcos et al. 2018), from the checkpoints train.ts keeps. The findings are
 * written from the numbers, not in advance.
 */
import { convergence, convergenceDirection, type ConvergenceResult } from "../src/dynamics/convergence.js";
import { asSimilarity } from "../src/dynamics/common.js";
import type { Engine } from "../src/engine.js";
import type { PathGeometry } from "../src/report/types.js";
import { compareLayers, type LayersResult, type NamedLayer } from "../src/layers/grid.js";
import type { DemoNet, DemoResult } from "./train.js";

/** eps of the maximum match in the convergence view */
export const CONVERGENCE_EPS = [0.3];

/** eps of the maximum match: the authors' values and a finer scan where the curves rise. */
export const DEMO_EPS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6];

export interface LayerRow {
  layer: string;
  /** max-match similarity of A vs B at each DEMO_EPS */
  maxMatch: number[];
  maxEpsilon: number;
  cka: number;
  svcca: number;
  pwcca: number;
  /** angular Procrustes distance (radians; 0 = same shape) */
  procrustes: number;
  /** the same layer of A against the shuffled-label control C */
  control: { maxMatch: number[]; cka: number; svcca: number };
}

/** A network's path in the angular-CKA space, in the report's schema (src/report/types.ts). */
export type PathSummary = PathGeometry;

export interface DemoComparison {
  eps: number[];
  accuracy: Record<string, number>;
  seeds: LayersResult;
  control: LayersResult;
  rows: LayerRow[];
  /** each network's path over input, fc1..fc3, logits in the angular-CKA space */
  paths: PathSummary[];
  /** A's layers over training against their final form (when train.ts kept A's checkpoints) */
  convergence?: ConvergenceResult;
  findings: string[];
  seconds: number;
}

function named(net: DemoNet): NamedLayer[] {
  return net.layers.map((l) => ({ name: `${net.name}.${l.name}`, data: { data: l.data, shape: l.shape } }));
}

function at(eps: number[], values: number[], e: number): number {
  const k = eps.indexOf(e);
  if (k < 0) throw new Error(`eps ${e} is not in the scan`);
  return values[k]!;
}

const pct = (x: number) => `${Math.round(100 * x)}%`;
const f2 = (x: number) => x.toFixed(2);

export async function compareDemoNetworks(engine: Engine, trained: DemoResult, opts: { threads?: number; onProgress?: (s: string) => void } = {}): Promise<DemoComparison> {
  const t0 = performance.now();
  const [A, B, C] = trained.nets as [DemoNet, DemoNet, DemoNet];
  const say = opts.onProgress ?? (() => {});
  const common = { eps: DEMO_EPS, threads: opts.threads };
  const seeds = await compareLayers(engine, named(A), named(B), {
    ...common,
    networks: ["A", "B"],
    onProgress: (k, n) => say(`A vs B: ${k}/${n} layer pairs`),
  });
  const control = await compareLayers(engine, named(A), named(C), {
    ...common,
    networks: ["A", "C"],
    onProgress: (k, n) => say(`A vs C: ${k}/${n} layer pairs`),
  });
  const rows: LayerRow[] = A.layers.map((l, i) => {
    const s = seeds.pairs[i]![i]!;
    const c = control.pairs[i]![i]!;
    return {
      layer: l.name,
      maxMatch: s.similarity,
      maxEpsilon: s.maxEpsilon,
      cka: s.measures.cka!.linear,
      svcca: s.measures.svcca!.value,
      pwcca: s.measures.pwcca!.paper,
      procrustes: s.measures.procrustes!.angular,
      control: { maxMatch: c.similarity, cka: c.measures.cka!.linear, svcca: c.measures.svcca!.value },
    };
  });
  const input = { data: Float64Array.from(trained.heldOut.images), shape: [trained.heldOut.labels.length, 784] };
  const paths = [A, B, C].map((net) => {
    const layers = [input, ...net.layers.map((l) => ({ data: l.data, shape: l.shape }))];
    const names = ["input", ...net.layers.map((l) => l.name)];
    const p = engine.path(layers, { names, spaces: ["angularCka"] });
    const g = p.space.angularCka!;
    return {
      network: net.name,
      layers: names,
      steps: g.steps,
      pairwise: g.pairwise,
      pathLength: g.pathLength,
      endpointDistance: g.endpointDistance,
      straightness: g.straightness ?? 1,
      angles: g.angles,
      progress: g.progress,
    } as PathSummary;
  });
  let conv: ConvergenceResult | undefined;
  if (A.checkpoints && A.checkpoints.length >= 2) {
    conv = await convergence(
      engine,
      A.checkpoints.map((c) => ({ name: `epoch ${epochText(c.epoch)}`, step: c.epoch, layers: c.layers.map((l) => ({ name: l.name, data: { data: l.data, shape: l.shape } })) })),
      { eps: CONVERGENCE_EPS, threads: opts.threads, onProgress: (k, n) => say(`A over training: ${k}/${n} layer pairs`) },
    );
  }
  return {
    eps: DEMO_EPS,
    accuracy: Object.fromEntries(trained.nets.map((n) => [n.name, n.accuracy])),
    seeds,
    control,
    rows,
    paths,
    ...(conv ? { convergence: conv } : {}),
    findings: [...findings(trained, rows, paths), ...(conv ? convergenceFindings(conv) : [])],
    seconds: (performance.now() - t0) / 1000,
  };
}

/** An epoch count for text: "0.25", "1", "6". */
export function epochText(e: number | null): string {
  return e === null ? "never" : String(+e.toFixed(2));
}

const SHORT: Record<string, string> = { pwccaDistance: "PWCCA", cka: "linear CKA", procrustes: "angular Procrustes" };
export function shortLabel(measure: string): string {
  return SHORT[measure] ?? (measure.startsWith("maxMatch@") ? `max match (eps ${measure.slice(9)})` : measure);
}

/** What the convergence of A's layers over training shows, from the numbers. */
export function convergenceFindings(conv: ConvergenceResult): string[] {
  const f = pct(conv.fraction);
  const names = conv.layers.map((l) => l.name);
  const hidden = names.filter((n) => n !== "logits");
  const K = conv.checkpoints.length;
  const within = conv.checkpoints.filter((c) => c.step > 0 && c.step < 1).length;
  const at = (s: ConvergenceResult["series"][number], n: string) => s.layers.find((x) => x.layer === n)!;
  const dir = (s: ConvergenceResult["series"][number]) => convergenceDirection(hidden.map((n) => at(s, n).reachedStep));
  const out: string[] = [];
  out.push(
    `Over training, each layer of A was compared with its own final representation at ${K} checkpoints (initialisation, ${within} times during the first epoch, then after every epoch) on ${conv.layers[0]!.samples} held-out digits, as Morcos et al. (2018) did. ` +
      `Epochs until the hidden layers ${hidden.join(", ")} first reach ${f} of their final similarity: ` +
      conv.series.map((s) => `${shortLabel(s.measure)} ${hidden.map((n) => epochText(at(s, n).reachedStep)).join(" / ")} (${dir(s)})`).join("; ") +
      ".",
  );
  const bottomUp = conv.series.filter((s) => dir(s) === "bottom-up").map((s) => shortLabel(s.measure));
  const others = conv.series.filter((s) => dir(s) !== "bottom-up").map((s) => `${shortLabel(s.measure)} ${dir(s)}`);
  let verdict: string;
  if (bottomUp.length === conv.series.length) verdict = `Every measure sees the hidden layers converge bottom-up, as Morcos et al. found.`;
  else if (bottomUp.length > 0) verdict = `${bottomUp.join(", ")} see${bottomUp.length === 1 ? "s" : ""} the hidden layers converge bottom-up, as Morcos et al. found (${others.join(", ")}).`;
  else verdict = `No measure sees the hidden layers converge bottom-up at these checkpoints (${others.join(", ")}), unlike Morcos et al.`;
  const [first, last] = [hidden[0]!, hidden[hidden.length - 1]!];
  const closer = conv.series
    .filter((s) => s.values[names.indexOf(first)]!.slice(0, K - 1).every((v, k) => {
      const a = asSimilarity(s, v), b = asSimilarity(s, s.values[names.indexOf(last)]![k]!);
      return a !== null && b !== null && a > b;
    }))
    .map((s) => shortLabel(s.measure));
  if (closer.length && first !== last) verdict += ` At every checkpoint before the last, ${first} is closer to its final representation than ${last} under ${closer.join(", ")}.`;
  if (names.includes("logits")) {
    verdict += ` The logits reach ${f} after ` + conv.series.map((s) => `${epochText(at(s, "logits").reachedStep)} (${shortLabel(s.measure)})`).join(", ") + " epochs.";
  }
  out.push(verdict);
  return out;
}

/** One paragraph (as a few sentences) that says what the numbers show. */
export function findings(trained: DemoResult, rows: LayerRow[], paths: PathSummary[]): string[] {
  const [A, B, C] = trained.nets as [DemoNet, DemoNet, DemoNet];
  const hidden = rows.filter((r) => r.layer !== "logits");
  const logits = rows.find((r) => r.layer === "logits")!;
  const e = 0.4;
  const mm = (r: LayerRow) => at(DEMO_EPS, r.maxMatch, e);
  const lowest = hidden.reduce((p, q) => (mm(q) < mm(p) ? q : p));
  const highest = hidden.reduce((p, q) => (mm(q) > mm(p) ? q : p));
  const out: string[] = [];
  out.push(
    `Networks A and B share an architecture and training recipe and differ only in their random initialisation and data order; ` +
      `both learned the task (held-out accuracy ${pct(A.accuracy)} and ${pct(B.accuracy)}), while C, trained on shuffled labels, did not (${pct(C.accuracy)}).`,
  );
  const logitsVsHidden = mm(logits) > mm(lowest) ? "more" : "not more";
  const hiddenMaxEps = hidden.map((r) => r.maxEpsilon);
  out.push(
    `Under the maximum match at eps ${e}, A and B share ${pct(mm(logits))} of their logit neurons but only ${pct(mm(lowest))} of ${lowest.layer} ` +
      `(best hidden layer: ${highest.layer}, ${pct(mm(highest))}): the output layer is ${logitsVsHidden} similar across seeds than the hidden layers, as Wang et al. found. ` +
      `Every logit neuron lies within ${f2(logits.maxEpsilon)} of the other network's logit span, while the last live neurons of the hidden layers join the match only at eps ` +
      `${f2(Math.min(...hiddenMaxEps))}–${f2(Math.max(...hiddenMaxEps))}: hidden layers of independently trained networks span only partly the same subspaces.`,
  );
  const ckaMin = Math.min(...rows.map((r) => r.cka));
  const ckaMax = Math.max(...rows.map((r) => r.cka));
  const ctrl = Math.max(...rows.map((r) => r.control.cka));
  out.push(
    `Measures that allow any linear re-mixing of the neurons tell a gentler story: linear CKA between A and B is ${f2(ckaMin)}–${f2(ckaMax)} on every layer and SVCCA ` +
      `${f2(Math.min(...rows.map((r) => r.svcca)))}–${f2(Math.max(...rows.map((r) => r.svcca)))}, against at most ${f2(ctrl)} CKA for the control C, ` +
      `so the two seeds carry much the same information in differently mixed coordinates.`,
  );
  const [pa, pb] = paths;
  if (pa && pb) {
    out.push(
      `Through representation space (angular CKA), A and B take paths of length ${f2(pa.pathLength)} and ${f2(pb.pathLength)} rad from the pixels to the logits ` +
        `(straightness ${f2(pa.straightness)} and ${f2(pb.straightness)}).`,
    );
  }
  return out;
}
