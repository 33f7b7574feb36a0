/**
 * Convolutional layers as Wang et al. (2018) treat them (authors' calc_max_match.py;
 * ../shared/docs/subspace-match.md sec. 3): one neuron per channel, its activation vector running
 * over every (image, spatial position) pair, i.e. [N, C, H, W] -> (N*H*W) x C. Each draw samples
 * `rows` of those coordinates without replacement, the same ones for both networks.
 */
import { fail } from "./errors.js";
import { describe, viewMatrix, type MatrixView, type NumericArray } from "./matrix.js";
import { rng } from "./random.js";

export type ConvLayout = "nchw" | "nhwc";

export interface ConvInput {
  data: NumericArray;
  shape: readonly number[];
}

interface ConvDims {
  n: number;
  c: number;
  h: number;
  w: number;
}

function convDims(x: ConvInput, layout: ConvLayout, name: string): ConvDims {
  if (layout !== "nchw" && layout !== "nhwc") fail("badLayout", `expected layout "nchw" or "nhwc", got ${JSON.stringify(layout)}`);
  const shape = Array.from(x?.shape ?? []);
  if (shape.length !== 4) fail("badShape", `${name}: expected a 4-D conv activation (${layout.toUpperCase()}), got shape (${shape.join(", ")})`);
  for (const s of shape) if (!Number.isSafeInteger(s) || s < 0) fail("badShape", `${name}: expected non-negative integer dimensions, got shape (${shape.join(", ")})`);
  if (shape.includes(0)) fail("empty", `${name}: expected positive dimensions, got shape (${shape.join(", ")})`);
  const [n, a, b, c] = shape as [number, number, number, number];
  const dims = layout === "nchw" ? { n, c: a, h: b, w: c } : { n, h: a, w: b, c };
  const data = x.data;
  if (!(data instanceof Float64Array || data instanceof Float32Array || Array.isArray(data))) {
    fail("badInput", `${name}: expected data to be a Float64Array, Float32Array or number array, got ${describe(data)}`);
  }
  if (data.length !== n * a * b * c) fail("badShape", `${name}: expected ${n * a * b * c} values for shape (${shape.join(", ")}), got ${data.length}`);
  checkValues(data, dims, layout, name);
  return dims;
}

/**
 * Every value must be a finite number, also those that no draw happens to sample (otherwise whether
 * bad data is noticed would depend on the seed). Names the first offending (image, channel, y, x).
 */
function checkValues(data: NumericArray, dims: ConvDims, layout: ConvLayout, name: string): void {
  let bad = -1;
  if (ArrayBuffer.isView(data)) {
    let acc = 0;
    for (let k = 0; k < data.length; k++) acc += (data[k] as number) * 0;
    if (acc === 0) return;
    bad = Array.prototype.findIndex.call(data, (v: number) => !Number.isFinite(v));
  } else {
    for (let k = 0; k < data.length && bad < 0; k++) {
      const v = (data as ArrayLike<unknown>)[k];
      if (typeof v !== "number" || !Number.isFinite(v)) bad = k;
    }
    if (bad < 0) return;
  }
  const { c, h, w } = dims;
  const [img, ch, y, xx] =
    layout === "nchw"
      ? [Math.floor(bad / (c * h * w)), Math.floor(bad / (h * w)) % c, Math.floor(bad / w) % h, bad % w]
      : [Math.floor(bad / (h * w * c)), bad % c, Math.floor(bad / (w * c)) % h, Math.floor(bad / c) % w];
  const v = (data as ArrayLike<unknown>)[bad];
  const where = `image ${img}, channel ${ch}, position (${y}, ${xx})`;
  if (typeof v !== "number") fail("badInput", `${name}: expected numbers, got ${describe(v)} at ${where}`);
  fail("nonFinite", `${name}: expected finite values, got ${v} at ${where}`, { image: img, channel: ch, y, x: xx, value: String(v) });
}

/** k distinct integers from [0, total), by a partial Fisher-Yates shuffle over a sparse array. */
function sampleWithoutReplacement(total: number, k: number, next: () => number): Int32Array {
  const swapped = new Map<number, number>();
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (total - i));
    const vj = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out[i] = vj;
  }
  return out;
}

function gather(x: ConvInput, dims: ConvDims, layout: ConvLayout, rows: Int32Array, name: string): MatrixView {
  const { c, h, w } = dims;
  const hw = h * w;
  const out = new Float64Array(rows.length * c);
  for (let r = 0; r < rows.length; r++) {
    const coord = rows[r] as number;
    const img = Math.floor(coord / hw);
    const pos = coord - img * hw;
    for (let ch = 0; ch < c; ch++) {
      const src = layout === "nchw" ? (img * c + ch) * hw + pos : (img * hw + pos) * c + ch;
      out[r * c + ch] = x.data[src] as number;
    }
  }
  return viewMatrix({ data: out, shape: [rows.length, c] }, name);
}

export interface ConvSampler {
  channels: [number, number];
  coordinates: number;
  rows: number;
  draw(): [MatrixView, MatrixView];
}

export function sampleConvPair(a: ConvInput, b: ConvInput, layout: ConvLayout, rows: number, seed: number): ConvSampler {
  const da = convDims(a, layout, "a");
  const db = convDims(b, layout, "b");
  if (da.n !== db.n || da.h !== db.h || da.w !== db.w) {
    fail(
      "sampleCountMismatch",
      `expected both conv activations to have the same images and spatial size, got ${da.n} x ${da.h} x ${da.w} and ${db.n} x ${db.h} x ${db.w}`,
    );
  }
  const total = da.n * da.h * da.w;
  const k = Math.min(rows, total);
  const next = rng(seed);
  return {
    channels: [da.c, db.c],
    coordinates: total,
    rows: k,
    draw() {
      const idx = k === total ? Int32Array.from({ length: total }, (_, i) => i) : sampleWithoutReplacement(total, k, next);
      return [gather(a, da, layout, idx, "a"), gather(b, db, layout, idx, "b")];
    },
  };
}
