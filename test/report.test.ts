import { describe, expect, it } from "vitest";
import { renderReport } from "../src/report/html.js";
import { classicalMds, symmetricEigen } from "../src/report/mds.js";
import { escapeXml, heatmapSvg, lineChartSvg, pathPlotSvg } from "../src/report/svg.js";
import type { Grid, LayersReport, PathGeometry } from "../src/report/types.js";
import { niceTicks } from "../src/report/util.js";

// ------------------------------------------------------------------------------------------------
// A minimal XML well-formedness checker: balanced tags, one root, quoted attributes without '<',
// no duplicate attributes, and no unescaped '<' or '&' in text or attribute values.
// ------------------------------------------------------------------------------------------------

const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;
const TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_:][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const ATTR = /([A-Za-z_:][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/g;

function checkAmpersands(s: string, where: string, errors: string[]): void {
  for (let k = s.indexOf("&"); k >= 0; k = s.indexOf("&", k + 1)) {
    if (!ENTITY.test(s.slice(k, k + 12))) errors.push(`bare '&' in ${where}: ${JSON.stringify(s.slice(Math.max(0, k - 20), k + 20))}`);
  }
}

/** Returns the list of problems (empty = well-formed). A leading <!DOCTYPE ...> is allowed. */
function xmlErrors(doc: string): string[] {
  const errors: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  const s = doc.replace(/^<!DOCTYPE [^>]*>/i, "");
  while (i < s.length) {
    const lt = s.indexOf("<", i);
    const txt = s.slice(i, lt < 0 ? s.length : lt);
    checkAmpersands(txt, "text", errors);
    if (stack.length === 0 && txt.trim() !== "") errors.push(`text outside the root: ${JSON.stringify(txt.slice(0, 40))}`);
    if (lt < 0) break;
    if (s.startsWith("<!--", lt)) {
      const end = s.indexOf("-->", lt + 4);
      if (end < 0) return [...errors, "unterminated comment"];
      i = end + 3;
      continue;
    }
    if (s.startsWith("<?", lt)) {
      const end = s.indexOf("?>", lt);
      if (end < 0) return [...errors, "unterminated processing instruction"];
      i = end + 2;
      continue;
    }
    const close = /<\/([A-Za-z_][\w.:-]*)\s*>/y;
    close.lastIndex = lt;
    const c = close.exec(s);
    if (c) {
      const open = stack.pop();
      if (open !== c[1]) errors.push(`</${c[1]}> closes <${open ?? "nothing"}>`);
      i = close.lastIndex;
      continue;
    }
    TAG.lastIndex = lt;
    const m = TAG.exec(s);
    if (!m) {
      errors.push(`unescaped '<' or malformed tag at ${lt}: ${JSON.stringify(s.slice(lt, lt + 40))}`);
      i = lt + 1;
      continue;
    }
    const seen = new Set<string>();
    for (const a of m[2]!.matchAll(ATTR)) {
      if (seen.has(a[1]!)) errors.push(`duplicate attribute ${a[1]} on <${m[1]}>`);
      seen.add(a[1]!);
      checkAmpersands(a[2] ?? a[3] ?? "", `attribute ${a[1]}`, errors);
    }
    if (stack.length === 0) roots++;
    if (m[3] !== "/") stack.push(m[1]!);
    i = TAG.lastIndex;
  }
  if (stack.length) errors.push(`unclosed: ${stack.join(" > ")}`);
  if (roots !== 1) errors.push(`expected one root element, got ${roots}`);
  return errors;
}

function expectWellFormed(doc: string): void {
  expect(xmlErrors(doc)).toEqual([]);
}

/** Every attribute of every tag, as [name, value]. */
function attributes(doc: string): [string, string][] {
  const out: [string, string][] = [];
  for (const tag of doc.matchAll(/<[A-Za-z][^<>]*>/g)) for (const a of tag[0].matchAll(ATTR)) out.push([a[1]!, a[2] ?? a[3] ?? ""]);
  return out;
}

const NUMERIC_ATTRS = new Set(["x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "dy", "offset", "stroke-width", "font-size"]);

function expectCleanAttributes(doc: string): void {
  for (const [name, value] of attributes(doc)) {
    expect(value, `${name}="${value}"`).not.toMatch(/NaN|Infinity|undefined/);
    if (NUMERIC_ATTRS.has(name)) expect(value, `${name}="${value}"`).toMatch(/^-?\d+(\.\d+)?(em)?$/);
    if (name === "points") expect(value).toMatch(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?( -?\d+(\.\d+)?,-?\d+(\.\d+)?)*$/);
    if (name === "d") expect(value).toMatch(/^[MLHVZ0-9 .-]+$/);
    if (name === "viewBox") expect(value).toMatch(/^0 0 \d+ \d+$/);
  }
}

function svgsOf(doc: string): string[] {
  return [...doc.matchAll(/<svg[\s>][\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

function sectionOf(html: string, id: string): string {
  const m = new RegExp(`<section id="${id}"[\\s\\S]*?</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[0];
}

function count(hay: string, needle: RegExp): number {
  return [...hay.matchAll(needle)].length;
}

// ------------------------------------------------------------------------------------------------
// Hand-made data: 3 layers in A, 4 in B, hostile names, grids with nulls, curves, two paths.
// ------------------------------------------------------------------------------------------------

const HOSTILE = `<script>&"'`;

function euclid(points: number[][]): number[][] {
  return points.map((p) => points.map((q) => Math.hypot(...p.map((v, k) => v - q[k]!))));
}

function pathFrom(network: string, layers: string[], points: number[][], space?: string): PathGeometry {
  const pairwise = euclid(points);
  const n = points.length;
  const steps = Array.from({ length: n - 1 }, (_, i) => pairwise[i]![i + 1]!);
  const pathLength = steps.reduce((a, b) => a + b, 0);
  const endpointDistance = pairwise[0]![n - 1]!;
  const angles = points.map((_, i) => {
    if (i === 0 || i === n - 1) return null;
    const a = pairwise[i - 1]![i]!;
    const b = pairwise[i]![i + 1]!;
    const c = pairwise[i - 1]![i + 1]!;
    return Math.acos(Math.max(-1, Math.min(1, (a * a + b * b - c * c) / (2 * a * b))));
  });
  const progress = points.map((_, i) => pairwise[0]![i]! / (pairwise[0]![i]! + pairwise[i]![n - 1]!));
  return { network, ...(space ? { space } : {}), layers, steps, pairwise, pathLength, endpointDistance, straightness: endpointDistance / pathLength, angles, progress };
}

function makeReport(): LayersReport {
  const layersA = [
    { name: "conv1", samples: 10000, neurons: 32, dead: 0 },
    { name: HOSTILE, samples: 10000, neurons: 64, dead: 3 },
    { name: "fc", samples: 10000, neurons: 10 },
  ];
  const layersB = [
    { name: "conv1", samples: 10000, neurons: 32, dead: 1 },
    { name: "conv2", samples: 10000, neurons: 64 },
    { name: "fc1", samples: 10000, neurons: 128, dead: 12 },
    { name: "logits", samples: 10000, neurons: 10, dead: 0 },
  ];
  const grids: Grid[] = [
    {
      measure: "maxMatch@0.3",
      label: "Maximum match, eps = 0.3",
      kind: "similarity",
      values: [
        [0.873, 0.412, 0.101, 0.05],
        [0.3, 0.655, null, 0.2],
        [0.02, 0.1, 0.45, 0.912],
      ],
    },
    { measure: "cka", label: "Linear CKA", kind: "similarity", values: [[0.95, 0.7, 0.4, 0.3], [0.6, 0.88, 0.5, 0.35], [0.2, 0.4, 0.7, 0.97]] },
    {
      measure: "procrustes",
      label: `Angular Procrustes ${HOSTILE}`,
      kind: "distance",
      values: [
        [0.31, 0.92, 1.21, 1.4],
        [0.85, 0.42, Number.NaN, 1.1],
        [1.3, null, 0.64, 0.18],
      ],
      note: `NaN where a layer has no variance ${HOSTILE}`,
    },
    { measure: "svcca", label: "SVCCA", kind: "similarity", values: [[0.9, 0.6, 0.5, 0.4], [null, null, null, null], [0.3, 0.5, 0.6, 0.93]] },
  ];
  const eps = [0.1, 0.2, 0.3, 0.4, 0.5];
  return {
    title: `Seeds compared ${HOSTILE}`,
    createdAt: "2025-01-01T00:00:00Z",
    networks: [`seed 1 ${HOSTILE}`, "seed 2 & co"],
    layersA,
    layersB,
    grids,
    curves: [
      { layerA: "conv1", layerB: "conv1", eps, similarity: [0.05, 0.3, 0.873, 0.97, 1], maxEpsilon: 0.43 },
      { layerA: HOSTILE, layerB: "conv2", eps, similarity: [0, 0.1, Number.NaN, 0.8, 0.95] },
      { layerA: "fc", layerB: "logits", eps, similarity: [0.2, 0.6, 0.912, 1, 1], maxEpsilon: 0.37 },
    ],
    paths: [
      pathFrom(`seed 1 ${HOSTILE}`, ["conv1", HOSTILE, "fc"], [[0, 0], [0.3, 0.4], [1, 0]], "angular CKA"),
      pathFrom("seed 2 & co", ["conv1", "conv2", "fc1", "logits"], [[0, 0], [0.2, 0.3], [0.6, 0.35], [0.9, 0.1]], "angular CKA"),
    ],
    findings: [`The logits are more alike than the middle layers ${HOSTILE}.`, "Second paragraph."],
    warnings: ["d < 5 * max(n_x, n_y) for conv2: results mean little"],
    meta: { backend: "wasm-simd", "time (ms)": 1234.5678, [HOSTILE]: HOSTILE },
  };
}

const rowNames = (r: LayersReport) => r.layersA.map((l) => l.name);
const colNames = (r: LayersReport) => r.layersB.map((l) => l.name);

// ------------------------------------------------------------------------------------------------

describe("the well-formedness checker used below", () => {
  it("accepts good XML and rejects the usual mistakes", () => {
    expect(xmlErrors('<svg a="1"><g><text>a &amp; b &#60; &#x3c;</text></g><rect/></svg>')).toEqual([]);
    expect(xmlErrors("<svg><text>a < b</text></svg>")).not.toEqual([]);
    expect(xmlErrors("<svg><text>a & b</text></svg>")).not.toEqual([]);
    expect(xmlErrors('<svg a="x&y"></svg>')).not.toEqual([]);
    expect(xmlErrors('<svg a="1" a="2"></svg>')).not.toEqual([]);
    expect(xmlErrors("<svg><g></svg></g>")).not.toEqual([]);
    expect(xmlErrors("<svg><g></svg>")).not.toEqual([]);
    expect(xmlErrors("<svg></svg><svg></svg>")).not.toEqual([]);
    expect(xmlErrors("<svg a=1></svg>")).not.toEqual([]);
  });
});

describe("escapeXml", () => {
  it("escapes the five special characters and replaces characters XML forbids", () => {
    expect(escapeXml(HOSTILE)).toBe("&lt;script&gt;&amp;&quot;&#39;");
    expect(escapeXml("a\u0000b\u0007c\ud800d\uFFFF")).toBe("a\uFFFDb\uFFFDc\uFFFDd\uFFFD");
    expect(escapeXml("\ud83d\ude00\t\n")).toBe("\ud83d\ude00\t\n");
    expect(escapeXml(undefined)).toBe("");
    expect(escapeXml(1.5)).toBe("1.5");
  });
});

describe("niceTicks", () => {
  it("gives round steps", () => {
    expect(niceTicks(0, 1).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 1.37).values).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect(niceTicks(0.1, 0.5, 4).values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(3, 3).values).toEqual([3]);
    expect(niceTicks(Number.NaN, 1).values).toEqual([]);
  });
});

describe("heatmapSvg", () => {
  const report = makeReport();
  const grid = report.grids[0]!;
  const svg = heatmapSvg(grid, rowNames(report), colNames(report));

  it("is a well-formed, accessible standalone SVG", () => {
    expectWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"[^>]*role="img"[^>]*aria-label="Maximum match, eps = 0.3"[^>]*><title>Maximum match, eps = 0.3<\/title><desc>[^<]+<\/desc>/);
    expectCleanAttributes(svg);
  });

  it("draws one cell per entry with values, tooltips and hatched missing cells", () => {
    expect(count(svg, /<rect [^>]*><title>A: /g)).toBe(12);
    for (const v of ["0.87", "0.41", "0.10", "0.05", "0.30", "0.66", "0.20", "0.02", "0.45", "0.91"]) expect(svg).toContain(`>${v}</text>`);
    expect(svg).toContain("A: conv1 \u00d7 B: conv1 \u2014 Maximum match, eps = 0.3: 0.873</title>");
    expect(count(svg, /class="rm-missing"/g)).toBe(1);
    expect(svg).toMatch(/fill="url\(#[\w-]+-hatch\)"[^>]*class="rm-missing"><title>A: &lt;script&gt;&amp;&quot;&#39; \u00d7 B: fc1 [^<]*: not computed<\/title>/);
    expect(count(svg, />\u2014<\/text>/g)).toBe(1);
    // layer names as axis labels, network titles
    for (const n of ["conv1", "conv2", "fc1", "logits", "fc"]) expect(svg).toContain(`>${n}</text>`);
    expect(svg).toContain(">network A</text>");
    expect(svg).toContain(">network B</text>");
    // colour bar with ticks
    expect(svg).toContain("<linearGradient");
    for (const t of ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]) expect(svg).toContain(`>${t}</text>`);
    expect(svg).toContain("similarity, higher = more alike");
  });

  it("colours similarities with a light end for 1 and scales distances from the data", () => {
    const low = heatmapSvg({ measure: "x", label: "x", kind: "similarity", values: [[0, 1]] }, ["a"], ["b", "c"]);
    expect(low).toContain('fill="#440154"'); // viridis 0
    expect(low).toContain('fill="#fde725"'); // viridis 1
    const d = heatmapSvg({ measure: "d", label: "d", kind: "distance", values: [[0, 2, 4]] }, ["a"], ["b", "c", "d"]);
    expect(d).toContain('fill="#fcfdbf"'); // 0: palest
    expect(d).toContain('fill="#140e36"'); // max of the data: darkest
    expect(d).toContain("distance, lower = more alike");
    expect(d).toContain(">4</text>"); // colour bar ticks reach the data's maximum
  });

  it("treats NaN like null, hides values in large grids, and never writes NaN into attributes", () => {
    const rep = makeReport();
    const dist = heatmapSvg(rep.grids[2]!, rowNames(rep), colNames(rep));
    expectWellFormed(dist);
    expectCleanAttributes(dist);
    expect(count(dist, /class="rm-missing"/g)).toBe(2);
    expect(dist).toContain(": undefined</title>");
    expect(dist).not.toMatch(/>NaN</);
    const n = 20;
    const big: Grid = { measure: "cka", label: "big", kind: "similarity", values: Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? Number.POSITIVE_INFINITY : (i * n + j) / (n * n)))) };
    const svgBig = heatmapSvg(big, Array.from({ length: n }, (_, i) => `layer.${i}`), Array.from({ length: n }, (_, i) => `layer.${i}`));
    expectWellFormed(svgBig);
    expectCleanAttributes(svgBig);
    expect(count(svgBig, /<rect [^>]*><title>A: /g)).toBe(n * n);
    expect(svgBig).not.toContain(">0.50</text>"); // no values printed above 12 x 12
    expect(count(svgBig, /class="rm-missing"/g)).toBe(n); // +Infinity is not a value
    // ragged rows, missing labels, all-null grid, empty grid
    for (const g of [
      { measure: "r", label: "ragged", kind: "distance", values: [[1], [1, 2, 3], []] },
      { measure: "n", label: "", kind: "distance", values: [[null, null]] },
      { measure: "e", label: "empty", kind: "similarity", values: [] },
    ] as Grid[]) {
      const s = heatmapSvg(g, ["only"], []);
      expectWellFormed(s);
      expectCleanAttributes(s);
    }
  });

  it("escapes hostile names everywhere", () => {
    const rep = makeReport();
    const s = heatmapSvg(rep.grids[2]!, rowNames(rep), [HOSTILE, ...colNames(rep).slice(1)], { rowTitle: HOSTILE, colTitle: HOSTILE });
    expectWellFormed(s);
    expect(s).not.toContain("<script");
    expect(s).toContain("&lt;script&gt;&amp;&quot;&#39;");
  });

  it("is deterministic and uses the given id prefix", () => {
    const rep = makeReport();
    expect(heatmapSvg(rep.grids[1]!, rowNames(rep), colNames(rep))).toBe(heatmapSvg(makeReport().grids[1]!, rowNames(rep), colNames(rep)));
    const s = heatmapSvg(rep.grids[1]!, rowNames(rep), colNames(rep), { idPrefix: "g7" });
    expect(s).toContain('id="g7-hatch"');
    expect(s).toContain('fill="url(#g7-scale)"');
  });
});

describe("lineChartSvg", () => {
  const series = [
    { name: "conv1 vs conv1", x: [0.1, 0.2, 0.3, 0.4, 0.5], y: [0.05, 0.3, 0.87, 0.97, 1] },
    { name: HOSTILE, x: [0.1, 0.2, 0.3, 0.4, 0.5], y: [0, 0.1, Number.NaN, 0.8, Number.POSITIVE_INFINITY] },
  ];
  const opts = { xLabel: "eps", yLabel: "similarity", yDomain: [0, 1] as [number, number], markers: [{ x: 0.43, label: "max eps" }, { x: Number.NaN, label: "bad" }] };
  const svg = lineChartSvg(series, opts);

  it("is well-formed, accessible, deterministic and NaN-free", () => {
    expectWellFormed(svg);
    expectCleanAttributes(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*role="img"[^>]*aria-label="similarity vs eps"[^>]*><title>/);
    expect(lineChartSvg(series, opts)).toBe(svg);
    expect(svg).not.toContain("<script");
  });

  it("has nice ticks, a legend, gaps at non-finite points and dashed markers", () => {
    for (const t of ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "0.1", "0.3", "0.5"]) expect(svg).toContain(`>${t}</text>`);
    expect(svg).toContain('class="rm-legend"');
    expect(svg).toContain(">conv1 vs conv1</text>");
    expect(svg).toContain(">&lt;script&gt;&amp;&quot;&#39;</text>");
    // series 2 breaks at NaN: one polyline of 2 points, then a lone point
    expect(count(svg, /<polyline /g)).toBe(2);
    expect(count(svg, /<circle /g)).toBe(5 + 3);
    expect(count(svg, /stroke-dasharray="4 3"/g)).toBe(1);
    expect(svg).toContain(">max eps</text>");
    expect(svg).not.toContain(">bad</text>");
  });

  it("copes with no data", () => {
    const s = lineChartSvg([{ name: "none", x: [], y: [] }], { xLabel: "x", yLabel: "y" });
    expectWellFormed(s);
    expectCleanAttributes(s);
    expect(s).toContain(">no data</text>");
    expect(s).not.toContain('class="rm-legend"');
  });
});

describe("classical MDS", () => {
  function maxDistanceError(points: number[][]): number {
    const d = euclid(points);
    const emb = classicalMds(d, 2).points;
    const e = euclid(emb);
    let worst = 0;
    for (let i = 0; i < d.length; i++) for (let j = 0; j < d.length; j++) worst = Math.max(worst, Math.abs(d[i]![j]! - e[i]![j]!));
    return worst;
  }

  it("reproduces exactly Euclidean 2-D configurations up to rotation and reflection", () => {
    expect(maxDistanceError([[0, 0], [3, 0], [0, 4]])).toBeLessThan(1e-9); // triangle
    expect(maxDistanceError([[0, 0], [1, 1], [2.5, 2.5], [7, 7]])).toBeLessThan(1e-9); // on a line
    expect(maxDistanceError([[5, 5], [6, 5]])).toBeLessThan(1e-9);
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 10 - 5;
    const cloud = Array.from({ length: 9 }, () => [rand(), rand()]);
    expect(maxDistanceError(cloud)).toBeLessThan(1e-9);
    const r = classicalMds(euclid(cloud), 2);
    expect(r.explained).toBeCloseTo(1, 12);
    // a 3-D configuration is not captured exactly: explained < 1
    expect(classicalMds(euclid([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]), 2).explained).toBeLessThan(0.99);
  });

  it("handles tiny inputs and rejects bad matrices", () => {
    expect(classicalMds([], 2).points).toEqual([]);
    expect(classicalMds([[0]], 2).points).toEqual([[0, 0]]);
    expect(() => classicalMds([[0, 1]], 2)).toThrow(RangeError);
    expect(() => classicalMds([[0, Number.NaN], [Number.NaN, 0]], 2)).toThrow(RangeError);
  });

  it("symmetricEigen satisfies A v = lambda v", () => {
    const a = [[4, 1, -2, 2], [1, 2, 0, 1], [-2, 0, 3, -2], [2, 1, -2, -1]];
    const { values, vectors } = symmetricEigen(a);
    expect(values).toEqual([...values].sort((x, y) => y - x));
    vectors.forEach((v, k) => {
      expect(Math.hypot(...v)).toBeCloseTo(1, 12);
      for (let i = 0; i < 4; i++) expect(a[i]!.reduce((s, x, j) => s + x * v[j]!, 0)).toBeCloseTo(values[k]! * v[i]!, 10);
    });
  });
});

describe("pathPlotSvg", () => {
  const report = makeReport();
  const svg = pathPlotSvg(report.paths!);

  it("is well-formed, NaN-free, deterministic, with one panel per network", () => {
    expectWellFormed(svg);
    expectCleanAttributes(svg);
    expect(pathPlotSvg(makeReport().paths!)).toBe(svg);
    expect(count(svg, /class="rm-path-panel"/g)).toBe(2);
    expect(count(svg, /<polyline /g)).toBe(2);
    expect(svg).not.toContain("<script");
    expect(svg).toContain("seed 2 &amp; co \u2014 angular CKA");
  });

  it("labels the layers, marks start and end and prints the path numbers", () => {
    for (const n of ["conv1", "conv2", "fc1", "logits", "fc", "&lt;script&gt;&amp;&quot;&#39;"]) expect(svg).toContain(`>${n}</text>`);
    const p = report.paths![1]!;
    expect(svg).toContain(`>path length: ${Number(p.pathLength.toPrecision(4))}</text>`);
    expect(svg).toContain(`>straightness: ${Number(p.straightness.toPrecision(4))}</text>`);
    expect(svg).toContain(">endpoint distance: 0.9055</text>");
    expect(svg).toContain("2-D MDS keeps 100% of the variance");
    expect(count(svg, /r="8" fill="none"/g)).toBe(2); // start rings
    expect(count(svg, /<rect [^>]*width="11" height="11"/g)).toBe(2); // end squares
  });

  it("keeps the geometry: pixel distances are proportional to the input distances", () => {
    const p = report.paths![0]!;
    const panel = svg.split('class="rm-path-panel"')[1]!;
    const pts = [...panel.matchAll(/<(?:circle cx="([\d.]+)" cy="([\d.]+)" r="4"|rect x="([\d.]+)" y="([\d.]+)" width="11")/g)].map((m) =>
      m[1] ? [Number(m[1]), Number(m[2])] : [Number(m[3]) + 5.5, Number(m[4]) + 5.5],
    );
    expect(pts).toHaveLength(3);
    const e = euclid(pts);
    const ratio = e[0]![2]! / p.pairwise[0]![2]!;
    for (const [i, j] of [[0, 1], [1, 2]]) expect(e[i]![j]! / p.pairwise[i]![j]!).toBeCloseTo(ratio, 1);
    // first layer left of the last one
    expect(pts[0]![0]!).toBeLessThan(pts[2]![0]!);
  });

  it("survives broken paths", () => {
    const bad: PathGeometry = { network: "broken", layers: ["a", "b"], steps: [Number.NaN], pairwise: [[0, Number.NaN], [Number.NaN, 0]], pathLength: Number.NaN, endpointDistance: Number.POSITIVE_INFINITY, straightness: Number.NaN, angles: [null, null], progress: [0, 1] };
    const single: PathGeometry = { network: "one", layers: ["a"], steps: [], pairwise: [[0]], pathLength: 0, endpointDistance: 0, straightness: Number.NaN, angles: [null], progress: [0] };
    for (const s of [pathPlotSvg([bad, single]), pathPlotSvg([])]) {
      expectWellFormed(s);
      expectCleanAttributes(s);
    }
    expect(pathPlotSvg([bad])).toContain("embedding unavailable");
  });
});

describe("renderReport", () => {
  const report = makeReport();
  const html = renderReport(report);

  it("is a complete, well-formed, deterministic HTML document", () => {
    expect(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">")).toBe(true);
    expect(html).toContain('<meta charset="utf-8"/>');
    expect(html).toMatch(/<head>[\s\S]*<title>Seeds compared &lt;script&gt;&amp;&quot;&#39;<\/title>[\s\S]*<\/head><body>/);
    expect(html.trimEnd().endsWith("</body></html>")).toBe(true);
    expectWellFormed(html);
    expect(renderReport(makeReport())).toBe(html);
  });

  it("has one SVG per grid in the grid section, one per curve, one path plot", () => {
    const grids = sectionOf(html, "grids");
    expect(count(grids, /<svg[\s>]/g)).toBe(report.grids.length);
    expect(count(sectionOf(html, "curves"), /<svg[\s>]/g)).toBe(report.curves.length);
    expect(count(sectionOf(html, "paths"), /<svg[\s>]/g)).toBe(1);
    expect(count(html, /<svg[\s>]/g)).toBe(report.grids.length + report.curves.length + 1);
    for (const g of report.grids) expect(grids).toContain(`>${escapeXml(g.label)}</h3>`);
    expect(grids).toContain("higher = more alike");
    expect(grids).toContain("lower = more alike");
    expect(grids).toContain("Kornblith");
    expect(grids).toContain("Wang et al. 2018");
    expect(grids).toContain("NaN where a layer has no variance &lt;script&gt;");
  });

  it("every SVG is well-formed, NaN-free, with ids unique across the page", () => {
    for (const svg of svgsOf(html)) {
      expectWellFormed(svg);
      expectCleanAttributes(svg);
    }
    const ids = attributes(html).filter(([n]) => n === "id").map(([, v]) => v);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [n, v] of attributes(html)) {
      const ref = /^url\(#([^)]+)\)$/.exec(v);
      if (ref) expect(ids, `${n}=${v}`).toContain(ref[1]);
    }
  });

  it("shows the layers, findings, warnings and meta, all escaped", () => {
    expect(html).not.toMatch(/<script/i);
    expect(count(html, /&lt;script&gt;&amp;&quot;&#39;/g)).toBeGreaterThan(10);
    const layers = sectionOf(html, "layers");
    expect(count(layers, /<tr>/g)).toBe(2 + 3 + 4);
    expect(layers).toContain("<td class=\"num\">10\u2009000</td>");
    expect(layers).toContain("<td class=\"num\">12</td>");
    expect(sectionOf(html, "findings")).toContain("<p>Second paragraph.</p>");
    expect(sectionOf(html, "warnings")).toContain("<li>d &lt; 5 * max(n_x, n_y) for conv2: results mean little</li>");
    expect(html).toContain("<dt>backend</dt><dd>wasm-simd</dd>");
    expect(html).toContain("<dt>time (ms)</dt><dd>1235</dd>");
    expect(html).toContain("created 2025-01-01T00:00:00Z");
    expect(html).toContain("Network B: <strong>seed 2 &amp; co</strong>");
  });

  it("loads nothing from anywhere", () => {
    for (const [n, v] of attributes(html)) if (n === "src" || n === "href" || n === "xlink:href") expect(v, `${n}=${v}`).toMatch(/^#[\w-]+$/);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:|\/\/)/i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:|\/\/)/i);
    expect(html).not.toMatch(/@import|<link|<iframe|<img|<object|<embed/i);
    const withoutXmlns = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "");
    expect(withoutXmlns).not.toContain("http");
  });

  it("renders a minimal report without grids, curves or paths", () => {
    const min = renderReport({ title: "empty", networks: ["a", "b"], layersA: [], layersB: [], grids: [], curves: [] });
    expectWellFormed(min);
    expect(count(min, /<svg[\s>]/g)).toBe(0);
    expect(min).not.toContain('id="paths"');
    expect(min).toContain("No grids in this report.");
  });
});
