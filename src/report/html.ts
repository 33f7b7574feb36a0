/**
 * renderReport(report): one self-contained HTML document (inline CSS, inline SVG, no scripts, no
 * external resources) from a LayersReport. Pure and deterministic: the same report gives the same
 * string (nothing reads the clock or the locale). The markup is also well-formed XML (void elements
 * self-closed, attributes quoted, text escaped), which the tests check.
 *
 * Sections (ids): findings, warnings, layers, grids (exactly one <svg> per grid), curves (one
 * <svg> per curve), paths (one <svg> for all networks, plus per-layer tables), and a meta footer.
 */
import { heatmapSvg, lineChartSvg, pathPlotSvg } from "./svg.js";
import type { EpsCurve, Grid, LayerInfo, LayersReport, PathGeometry } from "./types.js";
import { escapeXml as esc, formatPrecise, isNum } from "./util.js";

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #ffffff; color: #1f1f1f; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 1160px; margin: 0 auto; padding: 28px 24px 48px; }
header.top h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 6px; }
.subtitle { margin: 0; color: #4a4a4a; }
.subtitle strong { color: #1f1f1f; }
nav.toc ul { list-style: none; margin: 14px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 0.92rem; }
nav.toc a, main a { color: #0a58a8; text-decoration: none; }
nav.toc a:hover, main a:hover { text-decoration: underline; }
h2 { font-size: 1.3rem; margin: 38px 0 12px; padding-bottom: 5px; border-bottom: 1px solid #e1e1e1; }
h3 { font-size: 1.02rem; margin: 0 0 4px; }
p { margin: 0 0 10px; }
.lead { color: #4a4a4a; max-width: 80ch; }
#findings p { max-width: 80ch; }
.warnings { background: #fff8e5; border: 1px solid #efcf85; border-left: 5px solid #c98a00; border-radius: 6px; padding: 4px 18px 8px; }
.warnings h2 { border: 0; margin: 10px 0 4px; font-size: 1.1rem; color: #6b4a00; }
.warnings ul { margin: 0 0 6px; padding-left: 20px; }
table { border-collapse: collapse; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
th, td { padding: 4px 12px 4px 0; border-bottom: 1px solid #e8e8e8; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #cfcfcf; font-weight: 600; }
.num { text-align: right; }
.tables { display: flex; flex-wrap: wrap; gap: 20px 48px; align-items: flex-start; }
.figs { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 20px; }
.figs.small { grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px; }
figure { margin: 0; padding: 14px; border: 1px solid #e3e3e3; border-radius: 8px; background: #ffffff; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; max-width: 100%; height: auto; margin: 6px auto 0; }
figcaption { font-size: 0.88rem; color: #444444; }
figcaption p { margin: 0 0 4px; }
.muted { color: #5c5c5c; }
footer.meta { margin-top: 44px; padding-top: 10px; border-top: 1px solid #e1e1e1; color: #4a4a4a; font-size: 0.86rem; }
footer.meta dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 8px 0; }
footer.meta dt { font-weight: 600; }
footer.meta dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 560px) { .figs, .figs.small { grid-template-columns: 1fr; } .page { padding: 16px 12px 32px; } }
@media print {
  body { font-size: 10.5pt; }
  .page { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure { border-color: #cccccc; }
  a { color: inherit; }
}
`;

/** Whole numbers with thin-space thousands separators (locale-independent, so deterministic). */
function formatInt(v: number | undefined | null): string {
  if (!isNum(v)) return "\u2014";
  if (!Number.isInteger(v)) return formatPrecise(v);
  const s = String(Math.abs(v)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009");
  return v < 0 ? "\u2212" + s : s;
}

function layerTable(caption: string, layers: readonly LayerInfo[]): string {
  const rows = layers
    .map((l, i) => `<tr><td class="num">${i}</td><th scope="row">${esc(l.name)}</th><td class="num">${formatInt(l.samples)}</td><td class="num">${formatInt(l.neurons)}</td><td class="num">${l.dead === undefined ? "\u2014" : formatInt(l.dead)}</td></tr>`)
    .join("");
  return (
    `<table><caption>${esc(caption)}</caption><thead><tr><th scope="col" class="num">#</th><th scope="col">layer</th><th scope="col" class="num">samples</th><th scope="col" class="num">neurons</th><th scope="col" class="num">dead</th></tr></thead>` +
    `<tbody>${rows || `<tr><td colspan="5" class="muted">no layers</td></tr>`}</tbody></table>`
  );
}

/** What a measure is, recognised from its key and label; "" when unknown. */
export function describeMeasure(grid: Pick<Grid, "measure" | "label">): string {
  const key = `${grid.measure ?? ""} ${grid.label ?? ""}`.toLowerCase();
  if (/match/.test(key))
    return "Maximum-match similarity (Wang et al. 2018): the share (|X*| + |Y*|) / (n_A + n_B) of the two layers' neurons in the maximum \u03b5-approximate match, the largest sets of neurons whose activation vectors each lie within relative distance \u03b5 of the span of the other set. Dead neurons count in the denominator; a larger \u03b5 tolerates more difference.";
  if (/pwcca/.test(key)) return "PWCCA (Morcos et al. 2018): canonical correlations between the two layers, weighted by how much of the layer's activity each canonical direction accounts for.";
  if (/svcca/.test(key)) return "SVCCA (Raghu et al. 2017): mean canonical correlation after reducing each layer to the top singular directions that explain 99% of its variance.";
  if (/cka/.test(key)) return "Linear centred kernel alignment (Kornblith et al. 2019): how alike the two layers' sample-by-sample similarity structures are; unchanged by rotations and uniform scaling of either layer.";
  if (/procrustes|shape/.test(key))
    return "Angular Procrustes distance (Williams et al. 2021): the angle, in radians from 0 to \u03c0/2, between the two centred and normalised activation matrices after the best rotation of one onto the other; 0 means identical up to rotation and scale.";
  if (/cca/.test(key)) return "Mean canonical correlation between the two layers' centred activations.";
  return "";
}

function gridSummary(grid: Grid): string {
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  let missing = 0;
  for (const row of Array.isArray(grid.values) ? grid.values : []) {
    for (const v of Array.isArray(row) ? row : []) {
      total++;
      if (isNum(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      } else missing++;
    }
  }
  const range = isNum(lo) ? `Values from ${formatPrecise(lo)} to ${formatPrecise(hi)}` : "No values";
  return `${range}${missing ? `; ${missing} of ${total} cells not computed (hatched, \u201c\u2014\u201d)` : ""}.`;
}

function gridFigure(grid: Grid, k: number, report: LayersReport, described: Set<string>): string {
  const id = `grid-${k}`;
  const direction =
    grid.kind === "distance"
      ? "Distance (\u2265 0): lower = more alike. Colour scale from 0 to the largest value in this grid, lighter = more alike."
      : "Similarity in [0, 1]: higher = more alike. Colour scale fixed from 0 to 1, brighter = more alike.";
  const svg = heatmapSvg(grid, report.layersA.map((l) => l.name), report.layersB.map((l) => l.name), {
    idPrefix: `rm-${id}`,
    showTitle: false,
    rowTitle: `A: ${report.networks[0]}`,
    colTitle: `B: ${report.networks[1]}`,
  });
  // the measure's description once per measure (one grid per eps repeats the same text otherwise)
  const about = describeMeasure(grid);
  const what = described.has(about) ? "" : about;
  described.add(about);
  return (
    `<figure class="grid-figure" id="${id}" aria-labelledby="${id}-title">` +
    `<figcaption><h3 id="${id}-title">${esc(grid.label || grid.measure)}</h3>` +
    (what ? `<p>${esc(what)}</p>` : "") +
    `<p><strong>${esc(direction)}</strong> Rows: layers of A; columns: layers of B. ${esc(gridSummary(grid))}</p>` +
    (grid.note ? `<p class="muted">${esc(grid.note)}</p>` : "") +
    `</figcaption>${svg}</figure>`
  );
}

function curveFigure(c: EpsCurve, k: number, xDomain: [number, number] | undefined): string {
  const id = `curve-${k}`;
  const title = `A: ${c.layerA} \u2194 B: ${c.layerB}`;
  const markers = isNum(c.maxEpsilon) ? [{ x: c.maxEpsilon, label: `max \u03b5 ${formatPrecise(c.maxEpsilon, 3)}` }] : [];
  const svg = lineChartSvg([{ name: `${c.layerA} vs ${c.layerB}`, x: c.eps ?? [], y: c.similarity ?? [] }], {
    idPrefix: `rm-${id}`,
    title,
    xLabel: "\u03b5",
    yLabel: "max-match similarity",
    xDomain,
    yDomain: [0, 1],
    markers,
    width: 340,
    height: 230,
  });
  const fin = (c.similarity ?? []).filter(isNum);
  const caption = isNum(c.maxEpsilon)
    ? `Every live neuron is matched from \u03b5 = ${formatPrecise(c.maxEpsilon)} on (dashed line).`
    : fin.length
      ? `Similarity from ${formatPrecise(Math.min(...fin))} to ${formatPrecise(Math.max(...fin))} over the \u03b5 values shown.`
      : "No finite values.";
  return `<figure class="curve-figure" id="${id}">${svg}<figcaption><p>${esc(caption)}</p></figcaption></figure>`;
}

function pathTable(p: PathGeometry): string {
  const layers = Array.isArray(p.layers) ? p.layers : [];
  const n = layers.length;
  const ang = (i: number): number | null => {
    const a = Array.isArray(p.angles) ? p.angles : [];
    const v = a.length === n ? a[i] : a.length === n - 2 && i >= 1 && i <= n - 2 ? a[i - 1] : null;
    return isNum(v) ? v : null;
  };
  const rows = layers
    .map((name, i) => {
      const step = i > 0 && Array.isArray(p.steps) ? p.steps[i - 1] : null;
      const a = ang(i);
      const prog = Array.isArray(p.progress) && p.progress.length === n ? p.progress[i] : null;
      return `<tr><td class="num">${i}</td><th scope="row">${esc(name)}</th><td class="num">${formatPrecise(step)}</td><td class="num">${a === null ? "\u2014" : formatPrecise((a * 180) / Math.PI, 3) + "\u00b0"}</td><td class="num">${formatPrecise(prog)}</td></tr>`;
    })
    .join("");
  const cap = p.space ? `${p.network} \u2014 ${p.space}` : p.network;
  return (
    `<table><caption>${esc(cap)}</caption><thead><tr><th scope="col" class="num">#</th><th scope="col">layer</th><th scope="col" class="num">step from previous</th><th scope="col" class="num">angle</th><th scope="col" class="num">progress</th></tr></thead>` +
    `<tbody>${rows}</tbody><tfoot><tr><td></td><th scope="row">whole path</th><td class="num" colspan="3">length ${formatPrecise(p.pathLength)} \u00b7 endpoint distance ${formatPrecise(p.endpointDistance)} \u00b7 straightness ${formatPrecise(p.straightness)}</td></tr></tfoot></table>`
  );
}

function sharedEpsDomain(curves: readonly EpsCurve[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of curves) {
    for (const e of [...(c.eps ?? []), c.maxEpsilon]) {
      if (isNum(e)) {
        lo = Math.min(lo, e);
        hi = Math.max(hi, e);
      }
    }
  }
  return isNum(lo) && hi > lo ? [lo, hi] : undefined;
}

/** The whole report as one HTML document (UTF-8, no external resources, readable without JS). */
export function renderReport(report: LayersReport): string {
  const [netA, netB] = Array.isArray(report.networks) ? report.networks : (["A", "B"] as [string, string]);
  const layersA = Array.isArray(report.layersA) ? report.layersA : [];
  const layersB = Array.isArray(report.layersB) ? report.layersB : [];
  const grids = Array.isArray(report.grids) ? report.grids : [];
  const curves = Array.isArray(report.curves) ? report.curves : [];
  const paths = Array.isArray(report.paths) ? report.paths : [];
  const findings = (report.findings ?? []).filter((s) => typeof s === "string" && s.trim() !== "");
  const warnings = (report.warnings ?? []).filter((s) => typeof s === "string" && s.trim() !== "");
  const r: LayersReport = { ...report, networks: [String(netA), String(netB)], layersA, layersB, grids, curves };

  const toc: [string, string][] = [];
  const described = new Set<string>();
  const body: string[] = [];
  if (findings.length) {
    toc.push(["findings", "Findings"]);
    body.push(`<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings</h2>${findings.map((f) => `<p>${esc(f)}</p>`).join("")}</section>`);
  }
  if (warnings.length) {
    toc.push(["warnings", "Warnings"]);
    body.push(`<section id="warnings" class="warnings" role="note" aria-labelledby="warnings-h"><h2 id="warnings-h">Warnings</h2><ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul></section>`);
  }
  toc.push(["layers", "Layers"]);
  body.push(
    `<section id="layers" aria-labelledby="layers-h"><h2 id="layers-h">Layers</h2><div class="tables">` +
      layerTable(`Network A: ${netA}`, layersA) +
      layerTable(`Network B: ${netB}`, layersB) +
      `</div></section>`,
  );
  toc.push(["grids", "Layer \u00d7 layer grids"]);
  body.push(
    `<section id="grids" aria-labelledby="grids-h"><h2 id="grids-h">Layer \u00d7 layer grids</h2>` +
      `<p class="lead">Each grid compares every layer of A (rows) with every layer of B (columns) under one measure. Hover a cell for its exact value.</p>` +
      (grids.length ? `<div class="figs">${grids.map((g, k) => gridFigure(g, k, r, described)).join("")}</div>` : `<p class="muted">No grids in this report.</p>`) +
      `</section>`,
  );
  toc.push(["curves", "Similarity vs \u03b5"]);
  const xDomain = sharedEpsDomain(curves);
  body.push(
    `<section id="curves" aria-labelledby="curves-h"><h2 id="curves-h">Similarity vs \u03b5</h2>` +
      `<p class="lead">Maximum-match similarity of a layer pair as the tolerance \u03b5 grows, on the same axes in every panel. The match often jumps from nearly empty to nearly complete within a narrow window of \u03b5.</p>` +
      (curves.length ? `<div class="figs small">${curves.map((c, k) => curveFigure(c, k, xDomain)).join("")}</div>` : `<p class="muted">No similarity-vs-\u03b5 curves in this report.</p>`) +
      `</section>`,
  );
  if (paths.length) {
    toc.push(["paths", "Paths"]);
    body.push(
      `<section id="paths" aria-labelledby="paths-h"><h2 id="paths-h">Paths through representation space</h2>` +
        `<p class="lead">Each network as a path through the space of representations (Lange et al. 2022): one point per layer, placed in 2-D by classical multidimensional scaling of the layer-to-layer distances (the same scale in every panel). Straightness = endpoint distance / path length (1 = a straight path); angles are the interior angles at each layer (180\u00b0 = locally straight). The exact numbers are in the tables; the plot is exact only when the 2-D share of variance is 100%.</p>` +
        `<figure class="path-figure" id="path-plot">${pathPlotSvg(paths, { idPrefix: "rm-paths" })}</figure>` +
        `<div class="tables">${paths.map(pathTable).join("")}</div>` +
        `</section>`,
    );
  }

  const metaEntries = Object.entries(report.meta ?? {});
  const meta =
    `<footer class="meta" id="meta">` +
    (metaEntries.length
      ? `<dl>${metaEntries.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(typeof v === "number" ? (Number.isInteger(v) ? String(v) : formatPrecise(v)) : v)}</dd>`).join("")}</dl>`
      : "") +
    `<p>Generated by repmatch. This file is self-contained: no scripts, fonts or images are loaded from anywhere.</p></footer>`;

  const subtitle =
    `Network A: <strong>${esc(netA)}</strong> (${layersA.length} layer${layersA.length === 1 ? "" : "s"}) \u00b7 ` +
    `Network B: <strong>${esc(netB)}</strong> (${layersB.length} layer${layersB.length === 1 ? "" : "s"})` +
    (report.createdAt ? ` \u00b7 created ${esc(report.createdAt)}` : "");
  const nav = `<nav class="toc" aria-label="Contents"><ul>${toc.map(([id, t]) => `<li><a href="#${id}">${esc(t)}</a></li>`).join("")}</ul></nav>`;
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>` +
    `<meta name="generator" content="repmatch"/><title>${esc(report.title)}</title><style>${CSS}</style></head>` +
    `<body><div class="page"><header class="top"><h1>${esc(report.title)}</h1><p class="subtitle">${subtitle}</p>${nav}</header>` +
    `<main>${body.join("\n")}</main>${meta}</div></body></html>\n`
  );
}

/** Building blocks for other pages in the report's style (src/report/dynamics.ts). */
export { CSS as REPORT_CSS, formatInt, layerTable, pathTable };
