/**
 * Small helpers shared by the SVG and HTML renderers: escaping, attribute-safe number formatting,
 * nice axis ticks, value formatting and deterministic ids. Pure functions, browser-safe.
 */

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Escapes text for XML/HTML text content and double- or single-quoted attribute values: & < > " '
 * become entities, and characters XML 1.0 forbids (C0 controls other than tab, LF and CR, lone
 * surrogates, U+FFFE and U+FFFF) become U+FFFD, so the result is always well-formed. Non-strings
 * are converted with String(); null and undefined give "".
 */
export function escapeXml(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  return s
    // surrogate pairs are kept; lone surrogates and forbidden controls become U+FFFD (no lookbehind,
    // which older Safari cannot parse)
    .replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (m) => (m.length === 2 ? m : "\uFFFD"))
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** True for finite numbers (not NaN, not +-Infinity, not null/undefined/strings). */
export function isNum(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/**
 * A number for an SVG attribute: rounded to 2 decimals, clamped to +-1e7, never "NaN", "Infinity",
 * "-0" or exponent notation. Non-finite input gives "0" (callers filter missing values first; this is
 * the last guard).
 */
export function num(x: number): string {
  if (!Number.isFinite(x)) return "0";
  let r = Math.round(Math.max(-1e7, Math.min(1e7, x)) * 100) / 100;
  if (Object.is(r, -0)) r = 0;
  return String(r);
}

/** Replaces a leading "-" with the typographic minus and turns "-0", "-0.00" into "0", "0.00". */
function tidySign(s: string): string {
  if (/^-0(\.0*)?$/.test(s)) return s.slice(1);
  return s.startsWith("-") ? "\u2212" + s.slice(1) : s;
}

/** A value printed inside a heatmap cell: 2 decimals below 10, 1 below 100, else none. */
export function formatCell(v: number): string {
  if (!isNum(v)) return "\u2014";
  const a = Math.abs(v);
  return tidySign(a < 10 ? v.toFixed(2) : a < 100 ? v.toFixed(1) : v.toFixed(0));
}

/** A value for tooltips and tables: 4 significant digits, no trailing zeros. */
export function formatPrecise(v: number | null | undefined, digits = 4): string {
  if (!isNum(v)) return "\u2014";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e6) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    return tidySign(String(Number(v.toFixed(Math.min(20, decimals)))));
  }
  return tidySign(v.toExponential(digits - 1).replace(/\.?0+e/, "e"));
}

export interface Ticks {
  /** tick values, ascending, rounded to `decimals` */
  values: number[];
  /** the spacing between ticks */
  step: number;
  /** decimals needed to print every tick exactly */
  decimals: number;
}

/** The "nice" step (1, 2, 2.5 or 5 times a power of ten) giving about `count` intervals over span. */
function niceStep(span: number, count: number): { step: number; decimals: number } {
  const raw = span / Math.max(1, count);
  const e = Math.floor(Math.log10(raw));
  const f = raw / 10 ** e;
  const m = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
  const mant = m === 10 ? 1 : m;
  const exp = m === 10 ? e + 1 : e;
  const step = mant * 10 ** exp;
  return { step, decimals: Math.max(0, -exp + (mant === 2.5 ? 1 : 0)) };
}

/**
 * Nice ticks inside [lo, hi] (both included when they fall on a tick), about `count` intervals.
 * Degenerate or non-finite ranges give a single tick (or none).
 */
export function niceTicks(lo: number, hi: number, count = 5): Ticks {
  if (!isNum(lo) || !isNum(hi)) return { values: [], step: 1, decimals: 0 };
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) return { values: [lo], step: 1, decimals: Math.max(0, Math.min(6, -Math.floor(Math.log10(Math.abs(lo) || 1)) + 2)) };
  const { step, decimals } = niceStep(hi - lo, count);
  const i0 = Math.ceil(lo / step - 1e-9);
  const i1 = Math.floor(hi / step + 1e-9);
  const values: number[] = [];
  for (let i = i0; i <= i1 && values.length < 1000; i++) {
    const v = Number((i * step).toFixed(Math.min(20, decimals)));
    values.push(Object.is(v, -0) ? 0 : v);
  }
  return { values, step, decimals };
}

/** [lo, hi] widened outwards to the nearest nice ticks (a degenerate range is widened around it). */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!isNum(lo) || !isNum(hi)) return [0, 1];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const { step, decimals } = niceStep(hi - lo, count);
  const a = Number((Math.floor(lo / step + 1e-9) * step).toFixed(Math.min(20, decimals)));
  const b = Number((Math.ceil(hi / step - 1e-9) * step).toFixed(Math.min(20, decimals)));
  return [a, b];
}

/** A tick label with the given number of decimals (typographic minus). */
export function formatTick(v: number, decimals: number): string {
  return isNum(v) ? tidySign(v.toFixed(Math.min(20, Math.max(0, decimals)))) : "";
}

/** FNV-1a 32-bit hash of a string, base 36: deterministic ids for SVG defs. */
export function hashString(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** Turns any string into a safe id fragment ([A-Za-z0-9_-], starting with a letter). */
export function safeId(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_-]/g, "-");
  return /^[A-Za-z]/.test(t) ? t : "r" + t;
}

/** Approximate rendered width of text in a sans-serif font (for layout only). */
export function textWidth(s: string, fontSize: number): number {
  let w = 0;
  for (const ch of s) {
    if (/[iljtf.,:;'|!()[\] ]/.test(ch)) w += 0.32;
    else if (/[mwMW@%]/.test(ch)) w += 0.9;
    else if (/[A-Z0-9#_&\u2014\u00d7]/.test(ch)) w += 0.66;
    else w += 0.55;
  }
  return w * fontSize;
}

/** Cuts a label to at most `max` characters (code points), ending in "…" when cut. */
export function truncate(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : cps.slice(0, Math.max(1, max - 1)).join("") + "\u2026";
}
