/**
 * A small fully connected ReLU network (784 -> h1 -> ... -> hk -> 10 logits) trained with softmax
 * cross-entropy and mini-batch Adam, in plain typed-array loops. Deterministic: the same data and
 * options give bit-identical weights (all randomness comes from src/random.ts; no threads, no
 * Math.random).
 *
 * Layout: weights[l] is sizes[l] x sizes[l+1] row-major (row k holds input unit k's outgoing
 * weights), so the forward pass is a sum of rows of W scaled by the input's nonzero entries. The
 * inputs (~80% of pixels are 0) and the post-ReLU activations (~half are 0) are sparse, and every
 * product skips their zeros: forward (x W), weight gradient (x^T delta) and the back-propagated
 * delta (computed only where the ReLU was active).
 */
import { gaussian, rng } from "../src/random.js";
import { CLASSES, PIXELS, shuffleInPlace, type Digits } from "./mnist.js";

export interface Mlp {
  /** unit counts, input first: [784, h1, ..., hk, 10] */
  sizes: number[];
  /** weights[l]: sizes[l] x sizes[l+1], row-major */
  weights: Float64Array[];
  biases: Float64Array[];
}

/** One layer's activations on n inputs: n x units, row-major (samples x neurons). */
export interface LayerActivations {
  name: string;
  data: Float64Array;
  shape: [number, number];
}

export interface EpochInfo {
  /** 1-based */
  epoch: number;
  epochs: number;
  /** mean training cross-entropy over the epoch (measured during the epoch, before each step) */
  loss: number;
  /** fraction of training images classified correctly during the epoch (same caveat) */
  trainAccuracy: number;
  /** seconds since training started */
  seconds: number;
}

export interface TrainOptions {
  /** seeds the He-normal initialisation (and, unless given, the data order and label permutation) */
  seed: number;
  /** hidden layer widths, e.g. [128, 128, 64] */
  hidden: readonly number[];
  epochs: number;
  /** mini-batch size */
  batch: number;
  /** Adam step size at the start; it decays linearly to `lr * finalLrFraction` at the last step */
  lr: number;
  finalLrFraction?: number;
  /** seeds the per-epoch shuffles of the training images (default: derived from `seed`) */
  orderSeed?: number;
  /** train on a seeded random permutation of the training labels (memorisation control) */
  shuffleLabels?: boolean;
  /** seeds that permutation (default: derived from `seed`) */
  labelSeed?: number;
  onEpoch?: (info: EpochInfo) => void;
  /**
   * called with the model at its initialisation (step 0), after every epoch, and after each of the
   * optimiser steps listed in `checkpointSteps`, e.g. to record activations over training; `epoch`
   * is the training progress in epochs (step / steps per epoch: fractional inside an epoch). The
   * model keeps training afterwards, so copy what you keep
   */
  onCheckpoint?: (at: { epoch: number; step: number }, model: Mlp) => void;
  /** optimiser steps (1-based counts of mini-batches) after which onCheckpoint is called too */
  checkpointSteps?: readonly number[];
}

/** A seed derived from `seed` for a named purpose (so init, order and labels use distinct streams). */
export function deriveSeed(seed: number, stream: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d) >>> 0;
  return (z ^ (z >>> 13)) >>> 0;
}
const ORDER_STREAM = 1;
const LABEL_STREAM = 2;

/** He-normal weights (N(0, 2 / fan_in)) and zero biases, from `seed`. */
export function initMlp(sizes: readonly number[], seed: number): Mlp {
  const g = gaussian(seed);
  const weights: Float64Array[] = [];
  const biases: Float64Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nin = sizes[l]!;
    const nout = sizes[l + 1]!;
    const w = new Float64Array(nin * nout);
    const s = Math.sqrt(2 / nin);
    for (let i = 0; i < w.length; i++) w[i] = s * g();
    weights.push(w);
    biases.push(new Float64Array(nout));
  }
  return { sizes: [...sizes], weights, biases };
}

/**
 * out (rows x nout) = in (rows x nin) W + bias, then ReLU when `relu`. Per row, the nonzero inputs
 * are listed first (`nzIdx`/`nzVal`, length >= nin), then combined four rows of W at a time, so each
 * output entry is loaded and stored once per four multiply-adds.
 */
function forwardLayer(
  input: Float64Array,
  out: Float64Array,
  rows: number,
  nin: number,
  nout: number,
  w: Float64Array,
  bias: Float64Array,
  relu: boolean,
  nzIdx: Int32Array,
  nzVal: Float64Array,
): void {
  for (let b = 0; b < rows; b++) {
    const io = b * nin;
    const ho = b * nout;
    let nnz = 0;
    for (let k = 0; k < nin; k++) {
      const a = input[io + k]!;
      if (a !== 0) {
        nzIdx[nnz] = k * nout;
        nzVal[nnz++] = a;
      }
    }
    for (let j = 0; j < nout; j++) out[ho + j] = bias[j]!;
    let p = 0;
    for (; p + 4 <= nnz; p += 4) {
      const a0 = nzVal[p]!, a1 = nzVal[p + 1]!, a2 = nzVal[p + 2]!, a3 = nzVal[p + 3]!;
      const o0 = nzIdx[p]!, o1 = nzIdx[p + 1]!, o2 = nzIdx[p + 2]!, o3 = nzIdx[p + 3]!;
      for (let j = 0; j < nout; j++) {
        out[ho + j] += a0 * w[o0 + j]! + a1 * w[o1 + j]! + a2 * w[o2 + j]! + a3 * w[o3 + j]!;
      }
    }
    for (; p < nnz; p++) {
      const a = nzVal[p]!;
      const o = nzIdx[p]!;
      for (let j = 0; j < nout; j++) out[ho + j] += a * w[o + j]!;
    }
    if (relu) for (let j = 0; j < nout; j++) if (!(out[ho + j]! > 0)) out[ho + j] = 0;
  }
}

/** Copies images rows[start..end) (Float32, n x 784) into `dst` as float64. */
function gatherRows(images: Float32Array, order: Int32Array | null, start: number, end: number, dst: Float64Array): void {
  for (let i = start; i < end; i++) {
    const r = order === null ? i : order[i]!;
    const src = r * PIXELS;
    const d = (i - start) * PIXELS;
    for (let p = 0; p < PIXELS; p++) dst[d + p] = images[src + p]!;
  }
}

const CHUNK = 256;

/** Runs `model` on `images` in chunks, handing each layer's output chunk to `visit`. */
function forwardAll(
  model: Mlp,
  images: Float32Array,
  visit: (layer: number, chunk: Float64Array, start: number, rows: number) => void,
): number {
  const n = images.length / PIXELS;
  if (!Number.isInteger(n)) throw new Error(`images.length ${images.length} is not a multiple of ${PIXELS}`);
  const { sizes } = model;
  if (sizes[0] !== PIXELS) throw new Error(`model input size ${sizes[0]} != ${PIXELS}`);
  const L = sizes.length - 1;
  const bufs = sizes.map((s) => new Float64Array(CHUNK * s));
  const widest = Math.max(...sizes);
  const nzIdx = new Int32Array(widest);
  const nzVal = new Float64Array(widest);
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Math.min(CHUNK, n - start);
    gatherRows(images, null, start, start + rows, bufs[0]!);
    for (let l = 0; l < L; l++) {
      const relu = l + 1 < L;
      forwardLayer(bufs[l]!, bufs[l + 1]!, rows, sizes[l]!, sizes[l + 1]!, model.weights[l]!, model.biases[l]!, relu, nzIdx, nzVal);
      visit(l, bufs[l + 1]!, start, rows);
    }
  }
  return n;
}

/** Layer names: "fc1" ... "fck" for the hidden layers, "logits" for the output. */
export function layerNames(model: Mlp): string[] {
  const L = model.sizes.length - 1;
  return Array.from({ length: L }, (_, l) => (l + 1 < L ? `fc${l + 1}` : "logits"));
}

/**
 * Every hidden layer's post-ReLU activations and the logits (pre-softmax) on `images` (n x 784
 * row-major), each n x units row-major.
 */
export function activations(model: Mlp, images: Float32Array): LayerActivations[] {
  const n = images.length / PIXELS;
  const names = layerNames(model);
  const out = names.map((name, l): LayerActivations => {
    const units = model.sizes[l + 1]!;
    return { name, data: new Float64Array(n * units), shape: [n, units] };
  });
  forwardAll(model, images, (l, chunk, start, rows) => {
    const units = model.sizes[l + 1]!;
    out[l]!.data.set(chunk.subarray(0, rows * units), start * units);
  });
  return out;
}

/** Predicted class (argmax of the logits, lowest index on ties) for each image. */
export function predict(model: Mlp, images: Float32Array): Uint8Array {
  const L = model.sizes.length - 1;
  const pred = new Uint8Array(images.length / PIXELS);
  const k = model.sizes[L]!;
  forwardAll(model, images, (l, chunk, start, rows) => {
    if (l !== L - 1) return;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (chunk[r * k + c]! > chunk[r * k + best]!) best = c;
      pred[start + r] = best;
    }
  });
  return pred;
}

/** Fraction of `images` whose predicted class equals `labels`. */
export function accuracy(model: Mlp, images: Float32Array, labels: ArrayLike<number>): number {
  const pred = predict(model, images);
  if (pred.length !== labels.length) throw new Error(`${pred.length} images but ${labels.length} labels`);
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
  return pred.length === 0 ? NaN : ok / pred.length;
}

/**
 * The labels `trainMlp(data, opts)` trains on: `data.labels`, or their seeded permutation when
 * `opts.shuffleLabels`.
 */
export function trainingLabels(data: Digits, opts: Pick<TrainOptions, "seed" | "shuffleLabels" | "labelSeed">): Uint8Array {
  const labels = Uint8Array.from(data.labels);
  if (opts.shuffleLabels) shuffleInPlace(labels, rng(opts.labelSeed ?? deriveSeed(opts.seed, LABEL_STREAM)));
  return labels;
}

/**
 * Trains a fresh 784 -> hidden... -> 10 ReLU network on `data` (softmax cross-entropy, Adam with
 * beta1 0.9, beta2 0.999, eps 1e-8, step size decaying linearly from `lr`; a fresh shuffle of the
 * training images every epoch; the last mini-batch of an epoch may be smaller).
 */
export function trainMlp(data: Digits, opts: TrainOptions): Mlp {
  const { epochs, batch, lr } = opts;
  const n = data.count;
  if (data.images.length !== n * PIXELS || data.labels.length !== n) throw new Error("trainMlp: images/labels/count disagree");
  if (!(n > 0 && Number.isInteger(epochs) && epochs >= 0 && Number.isInteger(batch) && batch >= 1 && lr > 0)) {
    throw new Error("trainMlp: need images, an integer epochs >= 0, an integer batch >= 1 and lr > 0");
  }
  if (!opts.hidden.every((h) => Number.isInteger(h) && h >= 1)) throw new Error(`trainMlp: bad hidden widths [${opts.hidden.join(", ")}]`);
  const sizes = [PIXELS, ...opts.hidden, CLASSES];
  const L = sizes.length - 1;
  const model = initMlp(sizes, opts.seed);
  const labels = trainingLabels(data, opts);
  const nextOrder = rng(opts.orderSeed ?? deriveSeed(opts.seed, ORDER_STREAM));
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;

  // work space, allocated once
  const acts = sizes.map((s) => new Float64Array(batch * s)); // acts[0] = input batch
  const deltas = sizes.map((s) => new Float64Array(batch * s)); // deltas[l] = dLoss/d(pre-activation of layer l)
  const gW = model.weights.map((w) => new Float64Array(w.length));
  const gB = model.biases.map((b) => new Float64Array(b.length));
  const scratch = Math.max(batch, ...sizes);
  const nzIdx = new Int32Array(scratch);
  const nzVal = new Float64Array(scratch);
  const mW = model.weights.map((w) => new Float64Array(w.length));
  const vW = model.weights.map((w) => new Float64Array(w.length));
  const mB = model.biases.map((b) => new Float64Array(b.length));
  const vB = model.biases.map((b) => new Float64Array(b.length));
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  const finalFrac = opts.finalLrFraction ?? 0.05;
  const stepsPerEpoch = Math.ceil(n / batch);
  const totalSteps = Math.max(1, epochs * stepsPerEpoch);
  let step = 0;
  const extraCheckpoints = new Set(opts.checkpointSteps ?? []);
  opts.onCheckpoint?.({ epoch: 0, step: 0 }, model);
  const t0 = performance.now();

  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffleInPlace(order, nextOrder);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      gatherRows(data.images, order, start, start + rows, acts[0]!);
      for (let l = 0; l < L; l++) {
        const relu = l + 1 < L;
        forwardLayer(acts[l]!, acts[l + 1]!, rows, sizes[l]!, sizes[l + 1]!, model.weights[l]!, model.biases[l]!, relu, nzIdx, nzVal);
      }
      // softmax cross-entropy: delta = (softmax(z) - onehot(y)) / rows
      const z = acts[L]!;
      const dz = deltas[L]!;
      for (let b = 0; b < rows; b++) {
        const o = b * CLASSES;
        let max = z[o]!;
        let arg = 0;
        for (let c = 1; c < CLASSES; c++) if (z[o + c]! > max) { max = z[o + c]!; arg = c; }
        let sum = 0;
        for (let c = 0; c < CLASSES; c++) {
          const e = Math.exp(z[o + c]! - max);
          dz[o + c] = e;
          sum += e;
        }
        const y = labels[order[start + b]!]!;
        if (arg === y) correct++;
        lossSum += Math.log(sum) - (z[o + y]! - max);
        const inv = 1 / (sum * rows);
        for (let c = 0; c < CLASSES; c++) dz[o + c]! *= inv;
        dz[o + y]! -= 1 / rows;
      }
      // back-propagation
      for (let l = L - 1; l >= 0; l--) {
        const nin = sizes[l]!;
        const nout = sizes[l + 1]!;
        const input = acts[l]!;
        const dout = deltas[l + 1]!;
        const w = model.weights[l]!;
        weightGradient(input, dout, rows, nin, nout, gW[l]!, gB[l]!, nzIdx, nzVal);
        if (l > 0) backDelta(input, dout, rows, nin, nout, w, deltas[l]!, nzIdx);
      }
      // Adam
      step++;
      const rate = lr * (1 - ((1 - finalFrac) * (step - 1)) / Math.max(1, totalSteps - 1));
      const c1 = 1 - Math.pow(beta1, step);
      const c2 = 1 - Math.pow(beta2, step);
      const a = (rate * Math.sqrt(c2)) / c1;
      const e = eps * Math.sqrt(c2);
      for (let l = 0; l < L; l++) {
        adam(model.weights[l]!, gW[l]!, mW[l]!, vW[l]!, beta1, beta2, a, e);
        adam(model.biases[l]!, gB[l]!, mB[l]!, vB[l]!, beta1, beta2, a, e);
      }
      if (opts.onCheckpoint && extraCheckpoints.has(step) && step !== epoch * stepsPerEpoch) opts.onCheckpoint({ epoch: step / stepsPerEpoch, step }, model);
    }
    opts.onEpoch?.({
      epoch,
      epochs,
      loss: lossSum / n,
      trainAccuracy: correct / n,
      seconds: (performance.now() - t0) / 1000,
    });
    opts.onCheckpoint?.({ epoch, step }, model);
  }
  return model;
}

/**
 * gw (nin x nout) = input^T dout and gb = column sums of dout. Per input unit k, the rows where it is
 * nonzero are listed first, then combined four at a time into row k of gw.
 */
function weightGradient(
  input: Float64Array,
  dout: Float64Array,
  rows: number,
  nin: number,
  nout: number,
  gw: Float64Array,
  gb: Float64Array,
  nzIdx: Int32Array,
  nzVal: Float64Array,
): void {
  gb.fill(0);
  for (let b = 0; b < rows; b++) {
    const d = b * nout;
    for (let j = 0; j < nout; j++) gb[j] += dout[d + j]!;
  }
  for (let k = 0; k < nin; k++) {
    let cnt = 0;
    for (let b = 0; b < rows; b++) {
      const a = input[b * nin + k]!;
      if (a !== 0) {
        nzIdx[cnt] = b * nout;
        nzVal[cnt++] = a;
      }
    }
    const go = k * nout;
    if (cnt === 0) {
      gw.fill(0, go, go + nout);
      continue;
    }
    let p = 0;
    if (cnt >= 4) {
      const a0 = nzVal[0]!, a1 = nzVal[1]!, a2 = nzVal[2]!, a3 = nzVal[3]!;
      const o0 = nzIdx[0]!, o1 = nzIdx[1]!, o2 = nzIdx[2]!, o3 = nzIdx[3]!;
      for (let j = 0; j < nout; j++) {
        gw[go + j] = a0 * dout[o0 + j]! + a1 * dout[o1 + j]! + a2 * dout[o2 + j]! + a3 * dout[o3 + j]!;
      }
      p = 4;
    } else {
      const a = nzVal[0]!;
      const o = nzIdx[0]!;
      for (let j = 0; j < nout; j++) gw[go + j] = a * dout[o + j]!;
      p = 1;
    }
    for (; p + 4 <= cnt; p += 4) {
      const a0 = nzVal[p]!, a1 = nzVal[p + 1]!, a2 = nzVal[p + 2]!, a3 = nzVal[p + 3]!;
      const o0 = nzIdx[p]!, o1 = nzIdx[p + 1]!, o2 = nzIdx[p + 2]!, o3 = nzIdx[p + 3]!;
      for (let j = 0; j < nout; j++) {
        gw[go + j] += a0 * dout[o0 + j]! + a1 * dout[o1 + j]! + a2 * dout[o2 + j]! + a3 * dout[o3 + j]!;
      }
    }
    for (; p < cnt; p++) {
      const a = nzVal[p]!;
      const o = nzIdx[p]!;
      for (let j = 0; j < nout; j++) gw[go + j] += a * dout[o + j]!;
    }
  }
}

/**
 * din (rows x nin) = (dout W^T) masked by the ReLU of the layer below: computed only where its
 * post-ReLU output `input` is positive (0 elsewhere), four input units at a time so each dout entry
 * is loaded once per four multiply-adds.
 */
function backDelta(
  input: Float64Array,
  dout: Float64Array,
  rows: number,
  nin: number,
  nout: number,
  w: Float64Array,
  din: Float64Array,
  active: Int32Array,
): void {
  for (let b = 0; b < rows; b++) {
    const io = b * nin;
    const d = b * nout;
    let cnt = 0;
    for (let k = 0; k < nin; k++) {
      if (input[io + k]! > 0) active[cnt++] = k;
      else din[io + k] = 0;
    }
    let p = 0;
    for (; p + 4 <= cnt; p += 4) {
      const k0 = active[p]!, k1 = active[p + 1]!, k2 = active[p + 2]!, k3 = active[p + 3]!;
      const o0 = k0 * nout, o1 = k1 * nout, o2 = k2 * nout, o3 = k3 * nout;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < nout; j++) {
        const g = dout[d + j]!;
        s0 += g * w[o0 + j]!;
        s1 += g * w[o1 + j]!;
        s2 += g * w[o2 + j]!;
        s3 += g * w[o3 + j]!;
      }
      din[io + k0] = s0;
      din[io + k1] = s1;
      din[io + k2] = s2;
      din[io + k3] = s3;
    }
    for (; p < cnt; p++) {
      const k = active[p]!;
      const o = k * nout;
      let s = 0;
      for (let j = 0; j < nout; j++) s += dout[d + j]! * w[o + j]!;
      din[io + k] = s;
    }
  }
}

/**
 * One Adam step in the usual efficient form: p -= a * m / (sqrt(v) + e), with the bias corrections
 * folded into a = lr * sqrt(1 - beta2^t) / (1 - beta1^t) and e = eps * sqrt(1 - beta2^t).
 */
function adam(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, b1: number, b2: number, a: number, e: number): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= (a * mi) / (Math.sqrt(vi) + e);
  }
}
