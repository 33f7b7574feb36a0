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

/** The (image, position) coordinates rows[lo, hi) of x (whose first image is coordinate `offset`) as a rows x channels matrix. */
function gather(x: ConvInput, dims: ConvDims, layout: ConvLayout, rows: Int32Array, name: string, lo = 0, hi = rows.length, offset = 0): MatrixView {
  const { c, h, w } = dims;
  const hw = h * w;
  const out = new Float64Array((hi - lo) * c);
  for (let r = 0; r < hi - lo; r++) {
    const coord = (rows[lo + r] as number) - offset;
    const img = Math.floor(coord / hw);
    const pos = coord - img * hw;
    for (let ch = 0; ch < c; ch++) {
      const src = layout === "nchw" ? (img * c + ch) * hw + pos : (img * hw + pos) * c + ch;
      out[r * c + ch] = x.data[src] as number;
    }
  }
  return viewMatrix({ data: out, shape: [hi - lo, c] }, name);
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

/**
 * The streamed form of the same protocol: the draws' coordinate sets are fixed up front (exactly
 * the sets sampleConvPair draws for the same seed, sorted), and each batch of consecutive images
 * contributes, for every draw, the rows of its sampled coordinates that fall inside the batch. So
 * 16 draws of 10,000 coordinates take one pass over activations of any size, never holding more
 * than one batch, and every draw's rows reach its Gram sink in the order of the coordinates.
 */
export interface ConvStreamPlan {
  coordinates: number;
  rows: number;
  /** per draw, its coordinates ascending */
  draws: Int32Array[];
  /** images seen so far */
  images: number;
  channels: [number, number] | null;
  /**
   * Validates a batch [a images, b images] (4-D, same images, spatial size and channels as before)
   * and returns, per draw, the rows of that draw inside the batch: [a rows, b rows] or null.
   */
  take(a: ConvInput, b: ConvInput, index: number): ([MatrixView, MatrixView] | null)[];
  /** throws unless exactly `images` images arrived */
  finish(): void;
}

export function planConvStream(images: number, height: number, width: number, layout: ConvLayout, rows: number, draws: number, seed: number): ConvStreamPlan {
  const total = images * height * width;
  const k = Math.min(rows, total);
  const next = rng(seed);
  const sets = Array.from({ length: draws }, () =>
    k === total ? Int32Array.from({ length: total }, (_, i) => i) : sampleWithoutReplacement(total, k, next).sort(),
  );
  const cursor = new Int32Array(draws);
  let seen = 0;
  let shape: ConvDims[] | null = null;
  const plan: ConvStreamPlan = {
    coordinates: total,
    rows: k,
    draws: sets,
    images: 0,
    channels: null,
    take(a, b, index) {
      const da = convDims(a, layout, `a (batch ${index})`);
      const db = convDims(b, layout, `b (batch ${index})`);
      if (da.n !== db.n) fail("sampleCountMismatch", `batch ${index}: expected the same images on both sides, got ${da.n} and ${db.n}`);
      for (const [d, side] of [[da, "a"], [db, "b"]] as const) {
        if (d.h !== height || d.w !== width) fail("badShape", `${side} (batch ${index}): expected ${height} x ${width} positions, got ${d.h} x ${d.w}`);
      }
      if (!shape) {
        shape = [da, db];
        plan.channels = [da.c, db.c];
      } else if (shape[0]!.c !== da.c || shape[1]!.c !== db.c) {
        fail("badShape", `batch ${index}: expected ${shape[0]!.c} + ${shape[1]!.c} channels as in batch 0, got ${da.c} + ${db.c}`);
      }
      if (seen + da.n > images) fail("badShape", `batch ${index}: expected ${images} images in all, got more`);
      const lo = seen * height * width, hi = (seen + da.n) * height * width;
      const out = sets.map((set, j) => {
        const from = cursor[j]!;
        let to = from;
        while (to < set.length && set[to]! < hi) to++;
        cursor[j] = to;
        if (to === from) return null;
        return [gather(a, da, layout, set, `a (batch ${index})`, from, to, lo), gather(b, db, layout, set, `b (batch ${index})`, from, to, lo)] as [MatrixView, MatrixView];
      });
      seen += da.n;
      plan.images = seen;
      return out;
    },
    finish() {
      if (seen !== images) fail("badShape", `expected ${images} images in all, got ${seen}`);
    },
  };
  return plan;
}
