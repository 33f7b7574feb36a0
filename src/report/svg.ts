/**
 * SVG plotting for the repmatch report and the browser page: pure functions, data in, SVG string out.
 * No DOM, no node: imports, no dependencies; the same input always gives the same string.
 *
 *  - heatmapSvg: a layer x layer grid of one measure (rows: network A, columns: network B)
 *  - lineChartSvg: line series (similarity vs eps), nice ticks, legend, dashed vertical markers
 *  - pathPlotSvg: each network's layers as a path in 2-D (classical MDS of its distance matrix)
 *
 * Every SVG is standalone XML (xmlns, viewBox, width/height), starts with <title> and <desc>, has
 * role="img" and aria-label, escapes every user string with escapeXml, and never writes a non-finite
 * number into an attribute (missing values are drawn as missing). Ids inside <defs> are prefixed
 * (opts.idPrefix, default a hash of the input) so several SVGs can be inlined in one HTML page.
 */
import { classicalMds } from "./mds.js";
import { distanceColor, paletteStops, seriesColor, similarityColor, textColorOn } from "./palette.js";
import type { Grid, PathGeometry } from "./types.js";
import { escapeXml, formatCell, formatPrecise, formatTick, hashString, isNum, niceDomain, niceTicks, num, safeId, textWidth, truncate } from "./util.js";

export { escapeXml } from "./util.js";

export interface SvgOptions {
  /** prefix of the ids in <defs> (patterns, gradients, clip paths); default: a hash of the input */
  idPrefix?: string;
  /** accessible name and visible heading (heatmap: default grid.label; line chart: none) */
  title?: string;
  /** text of <desc>; default: a generated summary of the data */
  description?: string;
}

const FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif";
const INK = "#1f1f1f";
const MUTED = "#555555";
const GRID_LINE = "#e3e3e3";

function svgOpen(width: number, height: number, label: string, desc: string, cls: string): string {
  const w = num(Math.ceil(width));
  const h = num(Math.ceil(height));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${cls}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeXml(label)}" font-family="${FONT}" font-size="12" fill="${INK}">` +
    `<title>${escapeXml(label)}</title><desc>${escapeXml(desc)}</desc>`
  );
}

function text(x: number, y: number, content: string, attrs = ""): string {
  return `<text x="${num(x)}" y="${num(y)}"${attrs ? " " + attrs : ""}>${escapeXml(content)}</text>`;
}

function idFor(opts: SvgOptions | undefined, seed: string): string {
  return safeId(opts?.idPrefix ?? "rm" + hashString(seed));
}

// ---------------------------------------------------------------------------------------------
// Heatmap
// ---------------------------------------------------------------------------------------------

export interface HeatmapOptions extends SvgOptions {
  /** side of a cell in px (default: from the grid size, 16..56) */
  cellSize?: number;
  /** print the value in each cell (default: when the grid is at most 12 x 12 and cells are >= 26 px) */
  showValues?: boolean;
  /** draw the title inside the SVG (default true; the HTML report shows it in its own heading) */
  showTitle?: boolean;
  /** axis title of the rows (default "network A") */
  rowTitle?: string;
  /** axis title of the columns (default "network B") */
  colTitle?: string;
  /** longer layer names are cut with "…" (the full name stays in the tooltip); default 24 */
  maxLabelChars?: number;
  /** colour scale [lo, hi] (default: [0, 1] for similarities, [0, max of the data] for distances) */
  domain?: [number, number];
}

/**
 * A heatmap of grid.values (rows = layers of network A, columns = layers of network B).
 * Similarity: viridis on [0, 1]; distance: reversed magma on [0, max] (so more alike is lighter in
 * both). Null and non-finite cells are hatched grey with "—". Every cell has a <title> tooltip.
 * Labels default to "#i" where rowLabels / colLabels are shorter than the grid.
 */
export function heatmapSvg(grid: Grid, rowLabels: readonly string[], colLabels: readonly string[], opts: HeatmapOptions = {}): string {
  const kind: "similarity" | "distance" = grid.kind === "distance" ? "distance" : "similarity";
  const values = Array.isArray(grid.values) ? grid.values : [];
  const nRows = Math.max(rowLabels.length, values.length);
  let nCols = colLabels.length;
  for (const r of values) if (Array.isArray(r)) nCols = Math.max(nCols, r.length);
  const cellValue = (i: number, j: number): number | null => {
    const row = values[i];
    const v = Array.isArray(row) ? row[j] : null;
    return isNum(v) ? v : null;
  };
  const rawCell = (i: number, j: number): unknown => (Array.isArray(values[i]) ? values[i]![j] : undefined);
  const rows = Array.from({ length: nRows }, (_, i) => String(rowLabels[i] ?? `#${i}`));
  const cols = Array.from({ length: nCols }, (_, j) => String(colLabels[j] ?? `#${j}`));
  const label = opts.title ?? grid.label ?? grid.measure ?? "";
  const idp = idFor(opts, JSON.stringify([grid.measure, grid.label, kind, values, rows, cols]));

  // colour scale
  let lo = 0;
  let hi = 1;
  let vmin = Infinity;
  let vmax = -Infinity;
  let missing = 0;
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nCols; j++) {
      const v = cellValue(i, j);
      if (v === null) missing++;
      else {
        vmin = Math.min(vmin, v);
        vmax = Math.max(vmax, v);
      }
    }
  }
  if (opts.domain && isNum(opts.domain[0]) && isNum(opts.domain[1]) && opts.domain[1] > opts.domain[0]) [lo, hi] = opts.domain;
  else if (kind === "distance") hi = isNum(vmax) && vmax > 0 ? vmax : 1;
  const colorOf = (v: number): string => {
    const t = (v - lo) / (hi - lo);
    return kind === "distance" ? distanceColor(t) : similarityColor(t);
  };

  // layout
  const maxChars = Math.max(4, opts.maxLabelChars ?? 24);
  const rowsT = rows.map((s) => truncate(s, maxChars));
  const colsT = cols.map((s) => truncate(s, maxChars));
  const longest = Math.max(nRows, nCols, 1);
  const cell = isNum(opts.cellSize) && opts.cellSize > 2 ? opts.cellSize : Math.max(16, Math.min(56, Math.floor(560 / longest)));
  const showValues = opts.showValues ?? (nRows <= 12 && nCols <= 12 && cell >= 26);
  const valueFont = Math.max(8, Math.min(12, Math.round(cell * 0.26)));
  const fs = 12;
  const rowLabelW = Math.max(0, ...rowsT.map((s) => textWidth(s, fs))) + 8;
  const colLabelMax = Math.max(0, ...colsT.map((s) => textWidth(s, fs)));
  const rotate = colLabelMax > cell - 4;
  const colLabelH = rotate ? colLabelMax * Math.SQRT1_2 + 12 : 18;
  const showTitle = opts.showTitle !== false && label !== "";
  const titleH = showTitle ? 26 : 0;
  const gridX = 8 + 20 + rowLabelW;
  const gridY = 8 + titleH + 20 + colLabelH;
  const gridW = nCols * cell;
  const gridH = nRows * cell;
  const cbX = gridX + gridW + 28;
  const cbW = 14;
  const cbH = Math.max(120, Math.min(Math.max(gridH, 1), 320));
  const ticks = niceTicks(lo, hi, 5);
  const tickW = Math.max(0, ...ticks.values.map((t) => textWidth(formatTick(t, ticks.decimals), 11)));
  const cbTitleX = cbX + cbW + 6 + tickW + 14;
  const rightmostColLabel = rotate ? gridX + gridW - cell / 2 + colLabelMax * Math.SQRT1_2 + 6 : 0;
  const width = Math.max(cbTitleX + 10, rightmostColLabel, showTitle ? 8 + textWidth(label, 14) + 8 : 0);
  const height = gridY + Math.max(gridH, cbH) + 12;

  const dirText = kind === "distance" ? "distance, lower = more alike" : "similarity, higher = more alike";
  const desc =
    opts.description ??
    `Heatmap of ${label} (${dirText}): ${nRows} layers of network A (rows) by ${nCols} layers of network B (columns)` +
      (isNum(vmin) ? `; values from ${formatPrecise(vmin)} to ${formatPrecise(vmax)}` : "; no values") +
      (missing > 0 ? `; ${missing} cell${missing === 1 ? "" : "s"} not computed` : "") +
      ".";

  const out: string[] = [];
  out.push(svgOpen(width, height, label || "heatmap", desc, "rm-heatmap"));
  out.push("<defs>");
  out.push(
    `<pattern id="${idp}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#eeeeee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c8c8c8" stroke-width="2"/></pattern>`,
  );
  out.push(`<linearGradient id="${idp}-scale" x1="0" y1="1" x2="0" y2="0">`);
  for (const s of paletteStops(kind)) out.push(`<stop offset="${num(s.offset)}" stop-color="${s.color}"/>`);
  out.push("</linearGradient></defs>");

  if (showTitle) out.push(text(8, 8 + 16, label, `font-size="14" font-weight="600"`));
  // axis titles
  out.push(text(gridX + gridW / 2, 8 + titleH + 14, opts.colTitle ?? "network B", `text-anchor="middle" font-weight="600" fill="${MUTED}"`));
  out.push(
    `<text x="0" y="0" transform="translate(${num(8 + 12)} ${num(gridY + gridH / 2)}) rotate(-90)" text-anchor="middle" font-weight="600" fill="${MUTED}">${escapeXml(opts.rowTitle ?? "network A")}</text>`,
  );
  // row labels
  out.push(`<g class="rm-row-labels" text-anchor="end">`);
  rowsT.forEach((s, i) => {
    const full = rows[i]!;
    out.push(`<text x="${num(gridX - 6)}" y="${num(gridY + i * cell + cell / 2)}" dy="0.35em">${full !== s ? `<title>${escapeXml(full)}</title>` : ""}${escapeXml(s)}</text>`);
  });
  out.push("</g>");
  // column labels
  out.push(`<g class="rm-col-labels">`);
  colsT.forEach((s, j) => {
    const full = cols[j]!;
    const cx = gridX + j * cell + cell / 2;
    const tip = full !== s ? `<title>${escapeXml(full)}</title>` : "";
    if (rotate) out.push(`<text x="0" y="0" transform="translate(${num(cx + 3)} ${num(gridY - 6)}) rotate(-45)">${tip}${escapeXml(s)}</text>`);
    else out.push(`<text x="${num(cx)}" y="${num(gridY - 6)}" text-anchor="middle">${tip}${escapeXml(s)}</text>`);
  });
  out.push("</g>");
  // cells
  out.push(`<g class="rm-cells">`);
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nCols; j++) {
      const v = cellValue(i, j);
      const x = gridX + j * cell;
      const y = gridY + i * cell;
      const raw = rawCell(i, j);
      const what = v !== null ? formatPrecise(v) : raw === null || raw === undefined ? "not computed" : "undefined";
      const tip = `A: ${rows[i]} \u00d7 B: ${cols[j]} \u2014 ${label}: ${what}`;
      const fill = v === null ? `url(#${idp}-hatch)` : colorOf(v);
      out.push(
        `<rect x="${num(x)}" y="${num(y)}" width="${num(cell)}" height="${num(cell)}" fill="${fill}" stroke="#ffffff" stroke-width="1"${v === null ? ` class="rm-missing"` : ""}><title>${escapeXml(tip)}</title></rect>`,
      );
      if (v === null) {
        if (cell >= 14) out.push(`<text x="${num(x + cell / 2)}" y="${num(y + cell / 2)}" dy="0.35em" text-anchor="middle" font-size="${valueFont}" fill="#666666" pointer-events="none">\u2014</text>`);
      } else if (showValues) {
        out.push(
          `<text x="${num(x + cell / 2)}" y="${num(y + cell / 2)}" dy="0.35em" text-anchor="middle" font-size="${valueFont}" fill="${textColorOn(colorOf(v))}" pointer-events="none">${escapeXml(formatCell(v))}</text>`,
        );
      }
    }
  }
  out.push("</g>");
  // colour bar
  out.push(`<g class="rm-colorbar">`);
  out.push(`<rect x="${num(cbX)}" y="${num(gridY)}" width="${cbW}" height="${num(cbH)}" fill="url(#${idp}-scale)" stroke="#999999" stroke-width="0.5"/>`);
  for (const t of ticks.values) {
    const ty = gridY + cbH - ((t - lo) / (hi - lo)) * cbH;
    out.push(`<line x1="${num(cbX + cbW)}" y1="${num(ty)}" x2="${num(cbX + cbW + 4)}" y2="${num(ty)}" stroke="${MUTED}"/>`);
    out.push(text(cbX + cbW + 6, ty, formatTick(t, ticks.decimals), `dy="0.35em" font-size="11" fill="${MUTED}"`));
  }
  out.push(
    `<text x="0" y="0" transform="translate(${num(cbTitleX)} ${num(gridY + cbH / 2)}) rotate(90)" text-anchor="middle" font-size="11" fill="${MUTED}">${escapeXml(dirText)}</text>`,
  );
  out.push("</g></svg>");
  return out.join("");
}

// ---------------------------------------------------------------------------------------------
// Line chart
// ---------------------------------------------------------------------------------------------

export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
}

export interface LineChartOptions extends SvgOptions {
  xLabel: string;
  yLabel: string;
  /** x range (default: the data and markers, exactly) */
  xDomain?: [number, number];
  /** y range (default: the data widened to nice ticks); points outside are clipped */
  yDomain?: [number, number];
  /** dashed vertical lines, e.g. maxEpsilon */
  markers?: { x: number; label: string }[];
  /** outer size in px (default 360 x 240) */
  width?: number;
  height?: number;
  /** draw the legend (default: when there is more than one series) */
  legend?: boolean;
  /** dots at the data points (default: when a series has <= 60 points) */
  points?: boolean;
}

function domainOf(values: number[], given: [number, number] | undefined, nice: boolean): [number, number] {
  if (given && isNum(given[0]) && isNum(given[1]) && given[1] > given[0]) return [given[0], given[1]];
  const fin = values.filter(isNum);
  if (fin.length === 0) return [0, 1];
  let lo = Math.min(...fin);
  let hi = Math.max(...fin);
  if (nice || lo === hi) [lo, hi] = niceDomain(lo, hi, 5);
  return [lo, hi];
}

/**
 * A line chart of one or more series (gaps at non-finite points), with nice ticks, light grid
 * lines, a legend and optional dashed vertical markers. Meant for similarity-vs-eps curves.
 */
export function lineChartSvg(series: readonly LineSeries[], opts: LineChartOptions): string {
  const W = isNum(opts.width) && opts.width >= 120 ? opts.width : 360;
  const H = isNum(opts.height) && opts.height >= 100 ? opts.height : 240;
  const markers = (opts.markers ?? []).filter((m) => isNum(m?.x));
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    const n = Math.min(s.x?.length ?? 0, s.y?.length ?? 0);
    for (let k = 0; k < n; k++) {
      if (isNum(s.x[k]) && isNum(s.y[k])) {
        xs.push(s.x[k]!);
        ys.push(s.y[k]!);
      }
    }
  }
  const [x0, x1] = domainOf([...xs, ...markers.map((m) => m.x)], opts.xDomain, false);
  const [y0, y1] = domainOf(ys, opts.yDomain, true);
  const xt = niceTicks(x0, x1, Math.max(2, Math.round(W / 80)));
  const yt = niceTicks(y0, y1, Math.max(2, Math.round(H / 50)));
  const label = opts.title ?? `${opts.yLabel} vs ${opts.xLabel}`;
  const idp = idFor(opts, JSON.stringify([series, opts]));
  const showLegend = opts.legend ?? series.length > 1;
  const legendW = showLegend ? Math.min(180, Math.max(0, ...series.map((s) => textWidth(truncate(String(s.name), 28), 11))) + 34) : 0;
  const yTickW = Math.max(0, ...yt.values.map((v) => textWidth(formatTick(v, yt.decimals), 11)));
  const markerRows = Math.min(3, markers.length);
  const top = (opts.title ? 30 : 12) + markerRows * 13;
  const left = 8 + 16 + yTickW + 8;
  const right = 14 + legendW;
  const bottom = 44;
  const px0 = left;
  const px1 = W - right;
  const py0 = top;
  const py1 = H - bottom;
  const sx = (x: number): number => px0 + ((x - x0) / (x1 - x0)) * (px1 - px0);
  const sy = (y: number): number => py1 - ((y - y0) / (y1 - y0)) * (py1 - py0);

  const desc =
    opts.description ??
    `Line chart of ${opts.yLabel} against ${opts.xLabel}: ${series.length} series (${series.map((s) => s.name).join(", ")}); ` +
      `x from ${formatPrecise(x0)} to ${formatPrecise(x1)}, y from ${formatPrecise(y0)} to ${formatPrecise(y1)}` +
      (markers.length ? `; markers: ${markers.map((m) => `${m.label} at ${formatPrecise(m.x)}`).join(", ")}` : "") +
      ".";
  const out: string[] = [];
  out.push(svgOpen(W, H, label, desc, "rm-linechart"));
  out.push(`<defs><clipPath id="${idp}-clip"><rect x="${num(px0 - 4)}" y="${num(py0 - 4)}" width="${num(px1 - px0 + 8)}" height="${num(py1 - py0 + 8)}"/></clipPath></defs>`);
  if (opts.title) {
    const shown = truncate(opts.title, Math.max(8, Math.floor((W - 16) / 7.2)));
    out.push(`<text x="8" y="20" font-size="13" font-weight="600">${shown !== opts.title ? `<title>${escapeXml(opts.title)}</title>` : ""}${escapeXml(shown)}</text>`);
  }
  // grid and ticks
  out.push(`<g class="rm-axes" font-size="11" fill="${MUTED}">`);
  for (const v of yt.values) {
    const y = sy(v);
    out.push(`<line x1="${num(px0)}" y1="${num(y)}" x2="${num(px1)}" y2="${num(y)}" stroke="${GRID_LINE}"/>`);
    out.push(text(px0 - 6, y, formatTick(v, yt.decimals), `dy="0.35em" text-anchor="end"`));
  }
  for (const v of xt.values) {
    const x = sx(v);
    out.push(`<line x1="${num(x)}" y1="${num(py0)}" x2="${num(x)}" y2="${num(py1)}" stroke="${GRID_LINE}"/>`);
    out.push(text(x, py1 + 15, formatTick(v, xt.decimals), `text-anchor="middle"`));
  }
  out.push(`<path d="M${num(px0)} ${num(py0)}V${num(py1)}H${num(px1)}" fill="none" stroke="#444444"/>`);
  out.push(text((px0 + px1) / 2, H - 8, opts.xLabel, `text-anchor="middle" font-size="12" fill="${INK}"`));
  out.push(
    `<text x="0" y="0" transform="translate(${num(8 + 10)} ${num((py0 + py1) / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="${INK}">${escapeXml(opts.yLabel)}</text>`,
  );
  out.push("</g>");
  // markers
  markers.forEach((m, k) => {
    if (m.x < x0 || m.x > x1) return;
    const x = sx(m.x);
    const nearRight = x > px0 + 0.65 * (px1 - px0);
    out.push(
      `<g class="rm-marker"><title>${escapeXml(`${m.label}: ${formatPrecise(m.x)}`)}</title>` +
        `<line x1="${num(x)}" y1="${num(py0 - 2 - 13 * (k % Math.max(1, markerRows)))}" x2="${num(x)}" y2="${num(py1)}" stroke="${MUTED}" stroke-width="1.2" stroke-dasharray="4 3"/>` +
        text(nearRight ? x - 4 : x + 4, py0 - 4 - 13 * (k % Math.max(1, markerRows)), m.label, `font-size="10.5" fill="${MUTED}" text-anchor="${nearRight ? "end" : "start"}"`) +
        `</g>`,
    );
  });
  // series
  if (xs.length === 0) out.push(text((px0 + px1) / 2, (py0 + py1) / 2, "no data", `text-anchor="middle" fill="${MUTED}"`));
  series.forEach((s, si) => {
    const color = seriesColor(si);
    const n = Math.min(s.x?.length ?? 0, s.y?.length ?? 0);
    const runs: [number, number][][] = [];
    let run: [number, number][] = [];
    for (let k = 0; k < n; k++) {
      if (isNum(s.x[k]) && isNum(s.y[k])) run.push([s.x[k]!, s.y[k]!]);
      else if (run.length) {
        runs.push(run);
        run = [];
      }
    }
    if (run.length) runs.push(run);
    const count = runs.reduce((a, r) => a + r.length, 0);
    const dots = opts.points ?? count <= 60;
    out.push(`<g class="rm-series" clip-path="url(#${idp}-clip)">`);
    for (const r of runs) {
      if (r.length > 1) out.push(`<polyline points="${r.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(" ")}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`);
      if (dots || r.length === 1) {
        for (const [x, y] of r) {
          out.push(
            `<circle cx="${num(sx(x))}" cy="${num(sy(y))}" r="2.8" fill="${color}" stroke="#ffffff" stroke-width="0.8"><title>${escapeXml(`${s.name}: ${opts.xLabel} ${formatPrecise(x)}, ${opts.yLabel} ${formatPrecise(y)}`)}</title></circle>`,
          );
        }
      }
    }
    out.push("</g>");
  });
  // legend
  if (showLegend) {
    const lx = px1 + 14;
    out.push(`<g class="rm-legend" font-size="11">`);
    series.forEach((s, si) => {
      const ly = py0 + 8 + si * 16;
      if (ly > H - 8) return;
      out.push(
        `<line x1="${num(lx)}" y1="${num(ly)}" x2="${num(lx + 18)}" y2="${num(ly)}" stroke="${seriesColor(si)}" stroke-width="2.5"/>` +
          `<text x="${num(lx + 24)}" y="${num(ly)}" dy="0.35em">${s.name.length > 28 ? `<title>${escapeXml(s.name)}</title>` : ""}${escapeXml(truncate(String(s.name), 28))}</text>`,
      );
    });
    out.push("</g>");
  }
  out.push("</svg>");
  return out.join("");
}

// ---------------------------------------------------------------------------------------------
// Path plot
// ---------------------------------------------------------------------------------------------

export interface PathPlotOptions extends SvgOptions {
  /** width of one network's panel in px (default 320) */
  panelSize?: number;
  /** panels per row (default: up to 3) */
  columns?: number;
  /** label every layer up to this many layers, else only some (default 12) */
  maxLabels?: number;
}

interface Embedded {
  path: PathGeometry;
  points: [number, number][];
  explained: number | null;
  error: string | null;
}

/** 2-D classical MDS of a path's distance matrix, turned so the first layer is on the left, the
 *  last on the right, and the path bulges upwards (pure rotation / reflection: distances unchanged). */
function embedPath(path: PathGeometry): Embedded {
  const d = Array.isArray(path.pairwise) ? path.pairwise : [];
  if (d.length === 0) return { path, points: [], explained: null, error: "no distance matrix" };
  let mds;
  try {
    mds = classicalMds(d, 2);
  } catch (e) {
    return { path, points: [], explained: null, error: e instanceof Error ? e.message : String(e) };
  }
  let pts = mds.points.map((p) => [p[0]!, p[1]!] as [number, number]);
  const n = pts.length;
  const ex = pts[n - 1]![0] - pts[0]![0];
  const ey = pts[n - 1]![1] - pts[0]![1];
  const chord = Math.hypot(ex, ey);
  let extent = 0;
  for (const p of pts) extent = Math.max(extent, Math.hypot(p[0], p[1]));
  if (chord > 1e-9 * extent && chord > 0) {
    const c = ex / chord;
    const s = ey / chord;
    pts = pts.map(([x, y]) => [c * x + s * y, -s * x + c * y]);
  }
  const y0 = pts[0]![1];
  const bulge = pts.reduce((a, p) => a + (p[1] - y0), 0);
  if (bulge < -1e-12 * Math.max(extent, 1e-300)) pts = pts.map(([x, y]) => [x, -y]);
  // every coordinate finite by construction; guard anyway
  if (pts.some((p) => !isNum(p[0]) || !isNum(p[1]))) return { path, points: [], explained: null, error: "the embedding is not finite" };
  return { path, points: pts, explained: mds.explained, error: null };
}

function niceLength(raw: number): number {
  if (!(raw > 0) || !isNum(raw)) return 0;
  const e = Math.floor(Math.log10(raw));
  const f = raw / 10 ** e;
  const m = f >= 5 ? 5 : f >= 2 ? 2 : 1;
  return Number((m * 10 ** e).toPrecision(3));
}

function angleAt(path: PathGeometry, i: number, n: number): number | null {
  const a = Array.isArray(path.angles) ? path.angles : [];
  const v = a.length === n ? a[i] : a.length === n - 2 ? (i >= 1 && i <= n - 2 ? a[i - 1] : null) : null;
  return isNum(v) ? v : null;
}

/**
 * Each network's layers as a path in the plane: classical MDS of its pairwise distance matrix, one
 * panel per network, all panels on the same scale (so lengths compare across networks), layers
 * joined in order with arrowheads, first layer ringed, last layer a square, labels beside the
 * points, and a box with path length, endpoint distance, straightness and the MDS fit.
 */
export function pathPlotSvg(paths: readonly PathGeometry[], opts: PathPlotOptions = {}): string {
  const PW = isNum(opts.panelSize) && opts.panelSize >= 200 ? opts.panelSize : 320;
  const cols = Math.max(1, Math.min(isNum(opts.columns) && opts.columns >= 1 ? Math.floor(opts.columns) : 3, Math.max(1, paths.length)));
  const rowsN = Math.max(1, Math.ceil(paths.length / cols));
  const maxLabels = opts.maxLabels ?? 12;
  const emb = paths.map(embedPath);
  // the drawing box of a panel, and room for labels around the points inside it
  const labelW = Math.max(0, ...paths.flatMap((p) => (Array.isArray(p.layers) ? p.layers : []).map((l) => textWidth(truncate(String(l), 18), 11))));
  const box: PanelBox = { x0: 10, y0: 32, w: PW - 28, h: PW - 64, padX: Math.max(28, Math.min(90, labelW + 18)), padY: 26 };
  let extent = 0;
  let extentY = 0;
  let scale = Infinity;
  for (const e of emb) {
    if (e.points.length === 0) continue;
    const xs = e.points.map((p) => p[0]);
    const ys = e.points.map((p) => p[1]);
    const ex = Math.max(...xs) - Math.min(...xs);
    const ey = Math.max(...ys) - Math.min(...ys);
    extent = Math.max(extent, ex, ey);
    extentY = Math.max(extentY, ey);
    if (ex > 0) scale = Math.min(scale, (box.w - 2 * box.padX) / ex);
    if (ey > 0) scale = Math.min(scale, (box.h - 2 * box.padY) / ey);
  }
  if (!isNum(scale) || !(scale > 0)) scale = 1;
  // flat paths need less height than the default square box
  box.h = Math.max(140, Math.min(box.h, extentY * scale + 2 * box.padY));
  const PH = box.y0 + box.h + 10 + 76;
  const legendH = 34;
  const W = cols * PW + 16;
  const H = rowsN * PH + legendH + 8;
  const label = opts.title ?? "Paths through representation space";
  const desc =
    opts.description ??
    `Each network's layers placed in 2-D by classical multidimensional scaling of the layer-to-layer distance matrix, all panels on one scale; ` +
      `the line follows the layers in order. ` +
      paths
        .map((p) => `${pathTitle(p)}: ${Array.isArray(p.layers) ? p.layers.length : 0} layers, path length ${formatPrecise(p.pathLength)}, endpoint distance ${formatPrecise(p.endpointDistance)}, straightness ${formatPrecise(p.straightness)}.`)
        .join(" ");
  const out: string[] = [];
  out.push(svgOpen(W, H, label, desc, "rm-pathplot"));
  if (paths.length === 0) out.push(text(W / 2, PH / 2, "no path data", `text-anchor="middle" fill="${MUTED}"`));
  emb.forEach((e, k) => {
    const ox = 8 + (k % cols) * PW;
    const oy = 4 + Math.floor(k / cols) * PH;
    out.push(panel(e, k, ox, oy, PW, box, scale, maxLabels));
  });
  // legend: first / last layer, direction, scale bar
  const ly = rowsN * PH + 4 + legendH / 2;
  const bar = niceLength(extent / 4);
  const barPx = bar * scale;
  const lg: string[] = [`<g class="rm-legend" font-size="11" fill="${MUTED}">`];
  lg.push(`<circle cx="20" cy="${num(ly)}" r="7" fill="none" stroke="${MUTED}" stroke-width="2"/>`, text(32, ly, "first layer", `dy="0.35em"`));
  lg.push(`<rect x="${num(105)}" y="${num(ly - 5)}" width="10" height="10" fill="${MUTED}"/>`, text(121, ly, "last layer", `dy="0.35em"`));
  lg.push(`<path d="${arrowPath(190, ly, 1, 0)}" fill="${MUTED}"/>`, text(200, ly, "layer order", `dy="0.35em"`));
  if (bar > 0 && barPx >= 8 && isNum(barPx)) {
    const bx = 290;
    lg.push(
      `<path d="M${num(bx)} ${num(ly - 4)}V${num(ly + 4)}M${num(bx)} ${num(ly)}H${num(bx + barPx)}M${num(bx + barPx)} ${num(ly - 4)}V${num(ly + 4)}" fill="none" stroke="${MUTED}" stroke-width="1.5"/>`,
      text(bx + barPx + 6, ly, `${formatPrecise(bar)} (distance units; same scale in every panel)`, `dy="0.35em"`),
    );
  }
  lg.push("</g>");
  out.push(lg.join(""));
  out.push("</svg>");
  return out.join("");
}

function pathTitle(p: PathGeometry): string {
  return p.space ? `${p.network} \u2014 ${p.space}` : String(p.network ?? "");
}

/** A filled arrowhead (triangle) centred at (x, y) pointing along the unit vector (ux, uy). */
function arrowPath(x: number, y: number, ux: number, uy: number): string {
  const L = 8;
  const Wd = 3.5;
  const tx = x + (ux * L) / 2;
  const ty = y + (uy * L) / 2;
  const bx = x - (ux * L) / 2;
  const by = y - (uy * L) / 2;
  return `M${num(tx)} ${num(ty)}L${num(bx - uy * Wd)} ${num(by + ux * Wd)}L${num(bx + uy * Wd)} ${num(by - ux * Wd)}Z`;
}

interface PanelBox {
  x0: number;
  y0: number;
  w: number;
  h: number;
  padX: number;
  padY: number;
}

function panel(e: Embedded, k: number, ox: number, oy: number, PW: number, box: PanelBox, scale: number, maxLabels: number): string {
  const p = e.path;
  const color = seriesColor(k);
  const layers = Array.isArray(p.layers) ? p.layers.map(String) : [];
  const out: string[] = [`<g class="rm-path-panel" transform="translate(${num(ox)} ${num(oy)})">`];
  out.push(text(8, 18, truncate(pathTitle(p), 44), `font-size="13" font-weight="600"`));
  const midX = box.x0 + box.w / 2;
  const midY = box.y0 + box.h / 2;
  out.push(`<rect x="${num(box.x0)}" y="${num(box.y0)}" width="${num(box.w)}" height="${num(box.h)}" fill="#fafafa" stroke="#dddddd" rx="4"/>`);
  const pts = e.points;
  const n = pts.length;
  if (e.error !== null || n === 0) {
    out.push(text(midX, midY, `embedding unavailable: ${truncate(e.error ?? "no layers", 40)}`, `text-anchor="middle" font-size="11" fill="${MUTED}"`));
  } else {
    const xs = pts.map((q) => q[0]);
    const ys = pts.map((q) => q[1]);
    const cxData = (Math.min(...xs) + Math.max(...xs)) / 2;
    const cyData = (Math.min(...ys) + Math.max(...ys)) / 2;
    const X = (x: number): number => midX + (x - cxData) * scale;
    const Y = (y: number): number => midY - (y - cyData) * scale;
    const P = pts.map(([x, y]) => [X(x), Y(y)] as [number, number]);
    const mx = P.reduce((a, q) => a + q[0], 0) / n;
    const my = P.reduce((a, q) => a + q[1], 0) / n;
    if (n > 1) out.push(`<polyline points="${P.map(([x, y]) => `${num(x)},${num(y)}`).join(" ")}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" opacity="0.85"/>`);
    for (let i = 0; i + 1 < n; i++) {
      const dx = P[i + 1]![0] - P[i]![0];
      const dy = P[i + 1]![1] - P[i]![1];
      const len = Math.hypot(dx, dy);
      if (len >= 22) out.push(`<path d="${arrowPath((P[i]![0] + P[i + 1]![0]) / 2, (P[i]![1] + P[i + 1]![1]) / 2, dx / len, dy / len)}" fill="${color}"/>`);
    }
    const every = n <= maxLabels ? 1 : Math.ceil(n / Math.max(2, maxLabels - 2));
    for (let i = 0; i < n; i++) {
      const [x, y] = P[i]!;
      const name = layers[i] ?? `#${i}`;
      const tipParts = [`${p.network}: layer ${i} (${name})`];
      if (i > 0) tipParts.push(`step from previous: ${formatPrecise(Array.isArray(p.steps) ? p.steps[i - 1] : null)}`);
      const ang = angleAt(p, i, n);
      if (ang !== null) tipParts.push(`angle: ${formatPrecise((ang * 180) / Math.PI, 3)}\u00b0`);
      if (Array.isArray(p.progress) && p.progress.length === n && isNum(p.progress[i])) tipParts.push(`progress: ${formatPrecise(p.progress[i])}`);
      const tip = `<title>${escapeXml(tipParts.join("; "))}</title>`;
      if (i === 0) out.push(`<circle cx="${num(x)}" cy="${num(y)}" r="8" fill="none" stroke="${color}" stroke-width="2"/>`);
      if (i === n - 1 && n > 1) out.push(`<rect x="${num(x - 5.5)}" y="${num(y - 5.5)}" width="11" height="11" fill="${color}" stroke="#ffffff" stroke-width="1">${tip}</rect>`);
      else out.push(`<circle cx="${num(x)}" cy="${num(y)}" r="4" fill="${color}" stroke="#ffffff" stroke-width="1">${tip}</circle>`);
      if (i === 0 || i === n - 1 || i % every === 0) {
        let ux = x - mx;
        let uy = y - my;
        const l = Math.hypot(ux, uy);
        if (l < 1e-6) {
          ux = 0;
          uy = -1;
        } else {
          ux /= l;
          uy /= l;
        }
        const anchor = ux > 0.35 ? "start" : ux < -0.35 ? "end" : "middle";
        const tx = x + ux * 12;
        const ty = y + uy * 12 + (uy > 0.35 ? 8 : uy < -0.35 ? -2 : 4);
        out.push(text(tx, ty, truncate(name, 18), `font-size="11" text-anchor="${anchor}" fill="${INK}" paint-order="stroke" stroke="#fafafa" stroke-width="3"`));
      }
    }
  }
  // stats box
  const by = box.y0 + box.h + 10;
  const lines = [
    `path length: ${formatPrecise(p.pathLength)}`,
    `endpoint distance: ${formatPrecise(p.endpointDistance)}`,
    `straightness: ${formatPrecise(p.straightness)}`,
    e.explained === null ? "2-D MDS: \u2014" : `2-D MDS keeps ${Math.round(e.explained * 100)}% of the variance`,
  ];
  out.push(`<rect x="10" y="${num(by)}" width="${num(box.w)}" height="${num(lines.length * 16 + 10)}" fill="#ffffff" stroke="${color}" stroke-width="1" rx="4"/>`);
  lines.forEach((s, i) => out.push(text(20, by + 18 + i * 16, s, `font-size="11.5"${i === 3 ? ` fill="${MUTED}"` : ""}`)));
  out.push("</g>");
  return out.join("");
}
