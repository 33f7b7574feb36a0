// The demo's training and activation extraction (demo/), in the reduced CI configuration: it is
// deterministic, A and B learn the digits, C (shuffled labels) does not, and the activations have
// the documented shapes and values.
import { beforeAll, describe, expect, it } from "vitest";
import { loadMnistDigits, PIXELS, splitDigits, type Digits } from "../demo/mnist.js";
import { accuracy, activations, trainingLabels, trainMlp } from "../demo/mlp.js";
import { REDUCED_CONFIG, trainDemoNetworks, type DemoResult } from "../demo/train.js";

/** bit-for-bit equality of two typed arrays (much faster than toEqual on large arrays) */
function sameBytes(x: ArrayBufferView, y: ArrayBufferView): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

let all: Digits;
beforeAll(() => {
  all = loadMnistDigits();
});

describe("mnist digits", () => {
  it("loads the package's 10,000 digits and splits them stratified, disjoint and seeded", () => {
    expect(all.count).toBe(10000);
    expect(all.images.length).toBe(10000 * PIXELS);
    let min = Infinity;
    let max = -Infinity;
    for (const v of all.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);

    const s1 = splitDigits(all, { train: 2000, heldOut: 1000, seed: 7 });
    const s2 = splitDigits(all, { train: 2000, heldOut: 1000, seed: 7 });
    const s3 = splitDigits(all, { train: 2000, heldOut: 1000, seed: 8 });
    expect(s1.train.count).toBe(2000);
    expect(s1.heldOut.count).toBe(1000);
    expect(sameBytes(s2.heldOut.images, s1.heldOut.images)).toBe(true);
    expect(sameBytes(s2.train.images, s1.train.images)).toBe(true);
    expect(s2.train.labels).toEqual(s1.train.labels);
    expect(s3.heldOut.labels).not.toEqual(s1.heldOut.labels);
    // stratified: each class's share of the held-out set is its share of all digits (+-1 image)
    const counts = (labels: Uint8Array) => labels.reduce((c, y) => (c[y]++, c), new Array<number>(10).fill(0));
    const whole = counts(all.labels);
    counts(s1.heldOut.labels).forEach((c, y) => expect(Math.abs(c - whole[y]! / 10)).toBeLessThanOrEqual(1));
    // disjoint: no held-out image also in the training set (compared by a hash, then exactly)
    const hash = (img: Float32Array, i: number) => {
      let h = 0;
      for (let p = i * PIXELS; p < (i + 1) * PIXELS; p++) h = (Math.imul(h, 31) + Math.round(img[p]! * 1000)) | 0;
      return h;
    };
    const trainHashes = new Map<number, number[]>();
    for (let i = 0; i < s1.train.count; i++) {
      const h = hash(s1.train.images, i);
      trainHashes.set(h, [...(trainHashes.get(h) ?? []), i]);
    }
    const row = (img: Float32Array, i: number) => img.subarray(i * PIXELS, (i + 1) * PIXELS);
    let shared = 0;
    for (let i = 0; i < s1.heldOut.count; i++) {
      for (const j of trainHashes.get(hash(s1.heldOut.images, i)) ?? []) {
        if (row(s1.train.images, j).every((v, p) => v === s1.heldOut.images[i * PIXELS + p])) shared++;
      }
    }
    expect(shared).toBe(0);
  });
});

describe("mlp", () => {
  it("permutes the labels for the memorisation control, seeded", () => {
    const { train } = splitDigits(all, { train: 1000, heldOut: 100, seed: 1 });
    const a = trainingLabels(train, { seed: 3, shuffleLabels: true });
    expect(trainingLabels(train, { seed: 3, shuffleLabels: true })).toEqual(a);
    expect(trainingLabels(train, { seed: 3 })).toEqual(train.labels);
    expect([...a].sort()).toEqual([...train.labels].sort());
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === train.labels[i]) same++;
    expect(same / a.length).toBeLessThan(0.2);
  });

  it("a tiny network trains deterministically and its logits give its predictions", () => {
    const { train, heldOut } = splitDigits(all, { train: 500, heldOut: 200, seed: 3 });
    const opts = { seed: 5, hidden: [16, 8], epochs: 2, batch: 50, lr: 3e-3 };
    const epochs: number[] = [];
    const m1 = trainMlp(train, { ...opts, onEpoch: (e) => epochs.push(e.epoch) });
    const m2 = trainMlp(train, opts);
    const m3 = trainMlp(train, { ...opts, orderSeed: 99 });
    expect(epochs).toEqual([1, 2]);
    expect(m1.sizes).toEqual([784, 16, 8, 10]);
    m1.weights.forEach((w, l) => expect(sameBytes(m2.weights[l]!, w)).toBe(true));
    m1.biases.forEach((b, l) => expect(sameBytes(m2.biases[l]!, b)).toBe(true));
    expect(sameBytes(m3.weights[0]!, m1.weights[0]!)).toBe(false);
    const layers = activations(m1, heldOut.images);
    expect(layers.map((l) => l.name)).toEqual(["fc1", "fc2", "logits"]);
    const logits = layers[2]!;
    let ok = 0;
    for (let i = 0; i < heldOut.count; i++) {
      const row = Array.from(logits.data.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === heldOut.labels[i]) ok++;
    }
    expect(accuracy(m1, heldOut.images, heldOut.labels)).toBe(ok / heldOut.count);
  });
});

describe("trainDemoNetworks (reduced)", () => {
  let run1: DemoResult;
  let run2: DemoResult;
  const messages: string[] = [];
  beforeAll(() => {
    run1 = trainDemoNetworks({ reduced: true, onProgress: (m) => messages.push(m) });
    run2 = trainDemoNetworks({ reduced: true });
  });

  it("trains A, B and C with the reduced configuration and reports progress", () => {
    expect(run1.nets.map((n) => [n.name, n.seed, n.shuffledLabels])).toEqual([
      ["A", 1, false],
      ["B", 2, false],
      ["C", 3, true],
    ]);
    expect(run1.config).toEqual(REDUCED_CONFIG);
    expect(run1.heldOut.labels.length).toBe(REDUCED_CONFIG.heldOut);
    expect(run1.heldOut.images.length).toBe(REDUCED_CONFIG.heldOut * PIXELS);
    expect(run1.seconds).toBeGreaterThan(0);
    expect(messages.length).toBeGreaterThan(3 * REDUCED_CONFIG.epochs);
  });

  it("is deterministic: two runs give bit-identical activations", () => {
    expect(sameBytes(run2.heldOut.images, run1.heldOut.images)).toBe(true);
    for (let n = 0; n < 3; n++) {
      const a = run1.nets[n]!;
      const b = run2.nets[n]!;
      expect(b.accuracy).toBe(a.accuracy);
      for (let l = 0; l < a.layers.length; l++) {
        expect(sameBytes(b.layers[l]!.data, a.layers[l]!.data)).toBe(true);
      }
    }
  });

  it("A and B learn the digits; C, trained on shuffled labels, stays near chance", () => {
    const [A, B, C] = run1.nets;
    expect(A!.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(B!.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(C!.accuracy).toBeLessThan(0.3);
    // the two seeds really give different networks
    expect(sameBytes(A!.layers[1]!.data, B!.layers[1]!.data)).toBe(false);
  });

  it("returns fc1-fc3 post-ReLU (non-negative) and the logits, n x units, all finite", () => {
    const n = REDUCED_CONFIG.heldOut;
    for (const net of run1.nets) {
      expect(net.layers.map((l) => [l.name, ...l.shape])).toEqual([
        ["fc1", n, 128],
        ["fc2", n, 128],
        ["fc3", n, 64],
        ["logits", n, 10],
      ]);
      for (const layer of net.layers) {
        expect(layer.data).toBeInstanceOf(Float64Array);
        expect(layer.data.length).toBe(layer.shape[0] * layer.shape[1]);
        let finite = true;
        let negative = 0;
        let positive = 0;
        for (const v of layer.data) {
          if (!Number.isFinite(v)) finite = false;
          if (v < 0) negative++;
          else if (v > 0) positive++;
        }
        expect(finite).toBe(true);
        if (layer.name === "logits") expect(negative).toBeGreaterThan(0);
        else {
          expect(negative).toBe(0);
          expect(positive).toBeGreaterThan(0);
        }
      }
    }
  });
});
