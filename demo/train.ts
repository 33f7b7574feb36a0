/**
 * The demo's three networks: A and B share an architecture and training recipe but start from
 * different random initialisations and see the training digits in different orders (seeds 1 and 2);
 * C (seed 3) is trained the same way on randomly permuted labels, the memorisation control that
 * learns nothing transferable (held-out accuracy near chance). Returns each network's activations on
 * the same held-out digits, ready for comparison. Deterministic; prints nothing.
 */
import { loadMnistDigits, splitDigits, type Digits } from "./mnist.js";
import { accuracy, activations, trainingLabels, trainMlp, type LayerActivations, type TrainOptions } from "./mlp.js";

export interface DemoConfig {
  /** training digits (stratified sample of the package's 10,000) */
  train: number;
  /** held-out digits, disjoint from the training ones; the activations are computed on these */
  heldOut: number;
  /** seed of the train / held-out split (shared by all networks) */
  splitSeed: number;
  hidden: number[];
  epochs: number;
  batch: number;
  lr: number;
}

/** `npm start`: ~96% held-out accuracy for A and B, ~12 s for all three networks on 2 cores. */
export const FULL_CONFIG: Readonly<DemoConfig> = Object.freeze({
  train: 8000,
  heldOut: 2000,
  splitSeed: 2018,
  hidden: [128, 128, 64],
  epochs: 6,
  batch: 32,
  lr: 2e-3,
});

/** CI: same architecture and recipe on fewer digits and epochs, ~92% for A and B in ~3 s. */
export const REDUCED_CONFIG: Readonly<DemoConfig> = Object.freeze({
  ...FULL_CONFIG,
  train: 2000,
  heldOut: 1000,
  epochs: 5,
});

export interface DemoNet {
  /** "A", "B" or "C" */
  name: string;
  seed: number;
  /** true for C (trained on permuted labels) */
  shuffledLabels: boolean;
  /** held-out accuracy against the true labels */
  accuracy: number;
  /** accuracy on the training digits against the labels the network was trained on */
  trainAccuracy: number;
  /** fc1, fc2, fc3 (post-ReLU) and logits (pre-softmax), each heldOut x units, row-major */
  layers: LayerActivations[];
}

export interface DemoResult {
  /** the held-out digits the activations were computed on (images: n x 784 row-major, in [0, 1]) */
  heldOut: { images: Float32Array; labels: Uint8Array };
  nets: DemoNet[];
  config: DemoConfig;
  /** wall-clock seconds for everything (loading, training, activations) */
  seconds: number;
}

export interface DemoOptions {
  /** the small CI configuration (REDUCED_CONFIG) instead of FULL_CONFIG */
  reduced?: boolean;
  /** fields replacing those of the chosen configuration */
  config?: Partial<DemoConfig>;
  /** progress messages (one line each, no trailing newline) */
  onProgress?: (message: string) => void;
}

const NETS = [
  { name: "A", seed: 1, shuffledLabels: false },
  { name: "B", seed: 2, shuffledLabels: false },
  { name: "C", seed: 3, shuffledLabels: true },
] as const;

/** Trains nets A, B and C and extracts their activations on the held-out digits. */
export function trainDemoNetworks(options: DemoOptions = {}): DemoResult {
  const t0 = performance.now();
  const config: DemoConfig = { ...(options.reduced ? REDUCED_CONFIG : FULL_CONFIG), ...options.config };
  config.hidden = [...config.hidden];
  const say = options.onProgress ?? (() => {});
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

  say(`loading the mnist package's digits`);
  const all = loadMnistDigits();
  const { train, heldOut } = splitDigits(all, { train: config.train, heldOut: config.heldOut, seed: config.splitSeed });
  say(`${train.count} training and ${heldOut.count} held-out digits (${elapsed()})`);

  const nets: DemoNet[] = [];
  for (const spec of NETS) {
    const what = `net ${spec.name} (seed ${spec.seed}${spec.shuffledLabels ? ", shuffled labels" : ""})`;
    const opts: TrainOptions = {
      seed: spec.seed,
      hidden: config.hidden,
      epochs: config.epochs,
      batch: config.batch,
      lr: config.lr,
      shuffleLabels: spec.shuffledLabels,
      onEpoch: (e) => say(`${what}: epoch ${e.epoch}/${e.epochs}, loss ${e.loss.toFixed(3)} (${elapsed()})`),
    };
    const model = trainMlp(train, opts);
    const net: DemoNet = {
      name: spec.name,
      seed: spec.seed,
      shuffledLabels: spec.shuffledLabels,
      accuracy: accuracy(model, heldOut.images, heldOut.labels),
      trainAccuracy: accuracy(model, train.images, trainingLabels(train, opts)),
      layers: activations(model, heldOut.images),
    };
    say(`${what}: held-out accuracy ${(100 * net.accuracy).toFixed(1)}% (${elapsed()})`);
    nets.push(net);
  }
  return {
    heldOut: { images: heldOut.images, labels: heldOut.labels },
    nets,
    config,
    seconds: (performance.now() - t0) / 1000,
  };
}

export type { Digits, LayerActivations };
