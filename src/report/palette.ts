/**
 * Colour palettes (perceptually ordered, colour-blind safe) as pure functions of a number in [0, 1].
 *
 *  - similarity: viridis (dark blue-purple at 0 -> yellow at 1), so "more alike" is brighter;
 *  - distance: reversed magma (pale yellow at 0 -> dark purple at the maximum), so "more alike" is
 *    again lighter, but the hue family differs and a distance map is never mistaken for a similarity
 *    map;
 *  - series: Okabe-Ito categorical colours for lines and paths.
 * Stops are matplotlib's viridis / magma sampled at 0, 0.1, ..., 1; linear interpolation between them
 * in sRGB stays within a small fraction of a just-noticeable difference of the originals.
 */

export type Rgb = [number, number, number];

const VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"];
/** magma from 0.1 to 1 (pure black at 0 is dropped), reversed below by `distanceColor` */
const MAGMA = ["#140e36", "#3b0f70", "#641a80", "#8c2981", "#b73779", "#de4968", "#f7705c", "#fe9f6d", "#fecf92", "#fcfdbf"];

/** Okabe-Ito colours, yellow left out (too light on white) */
export const SERIES_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

function hexToRgb(h: string): Rgb {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

function rgbToHex(c: Rgb): string {
  return "#" + c.map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, "0")).join("");
}

function ramp(stops: string[], t: number): string {
  const x = Number.isFinite(t) ? Math.max(0, Math.min(1, t)) : 0;
  const pos = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = hexToRgb(stops[i]!);
  const b = hexToRgb(stops[i + 1]!);
  return rgbToHex([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
}

/** Colour of a similarity in [0, 1] (clamped): viridis. */
export function similarityColor(t: number): string {
  return ramp(VIRIDIS, t);
}

/** Colour of a normalised distance t = d / dmax in [0, 1] (clamped): reversed magma, 0 = pale. */
export function distanceColor(t: number): string {
  return ramp(MAGMA, 1 - (Number.isFinite(t) ? t : 0));
}

/** Stops of a palette for an SVG linearGradient from t = 0 (offset 0) to t = 1 (offset 1). */
export function paletteStops(kind: "similarity" | "distance", count = 11): { offset: number; color: string }[] {
  const out: { offset: number; color: string }[] = [];
  for (let i = 0; i < count; i++) {
    const t = i / (count - 1);
    out.push({ offset: t, color: kind === "distance" ? distanceColor(t) : similarityColor(t) });
  }
  return out;
}

/** WCAG relative luminance of a "#rrggbb" colour. */
export function luminance(hex: string): number {
  const lin = hexToRgb(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
}

/** Black or white text, whichever contrasts more with the background colour. */
export function textColorOn(hex: string): string {
  const l = luminance(hex);
  // contrast with black (l + 0.05) / 0.05 vs with white 1.05 / (l + 0.05)
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#111111" : "#ffffff";
}

/** The i-th categorical colour (cycles). */
export function seriesColor(i: number): string {
  return SERIES_COLORS[((i % SERIES_COLORS.length) + SERIES_COLORS.length) % SERIES_COLORS.length]!;
}
