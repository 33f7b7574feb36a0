/**
 * The demo's three networks: A and B share an architecture and training recipe but start from
 * different random initialisations and see the training digits in different orders (seeds 1 and 2);
 * C (seed 3) is trained the same way on randomly permuted labels, the memorisation control that
 * learns nothing transferable (held-out accuracy near chance). Returns each network's activations on
 * the same held-out digits, ready for comparison, and for net A (by default) the checkpoints of its
 * training: every layer's activations on (a subset of) those digits at initialisation, a few times
 * inside the first epoch and after each epoch (the input of the convergence analysis of Morcos et
 * al. 2018). Deterministic; prints nothing.
 */
import { loadMnistDigits, PIXELS, splitDigits, type Digits } from "./mnist.js";
import { accuracy, activations, trainingLabels, trainMlp, type LayerActivations, type Mlp, type TrainOptions } from "./mlp.js";

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
  /**
   * when kept (DemoOptions.checkpoints): the same layers on the first `checkpointSamples` held-out
   * digits at initialisation (epoch 0), inside the first epoch (FIRST_EPOCH_CHECKPOINTS) and after
   * every epoch; the last one is the trained network
   */
  checkpoints?: DemoCheckpoint[];
}

export interface DemoCheckpoint {
  /** training progress in epochs: 0 = initialisation, fractional inside the first epoch, then 1 .. epochs */
  epoch: number;
  /** optimiser steps taken */
  step: number;
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
  /**
   * names of the nets whose training checkpoints are kept (default ["A"]; [] for none): every
   * layer's activations at initialisation, at FIRST_EPOCH_CHECKPOINTS and after every epoch
   */
  checkpoints?: readonly string[];
  /**
   * the checkpoints' activations are computed on the first this many held-out digits (a random
   * subset: the held-out digits are in seeded random order); default 1,000, i.e. 12 checkpoints x
   * 1,000 x 330 float64 values = 32 MB in full mode
   */
  checkpointSamples?: number;
}

const NETS = [
  { name: "A", seed: 1, shuffledLabels: false },
  { name: "B", seed: 2, shuffledLabels: false },
  { name: "C", seed: 3, shuffledLabels: true },
] as const;

/**
 * Where inside the first epoch checkpoints are kept besides the epoch ends (fractions of the
 * epoch's optimiser steps): the representations change most early in training, and per-epoch
 * checkpoints alone would see every layer converged by the end of epoch 1.
 */
export const FIRST_EPOCH_CHECKPOINTS: readonly number[] = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2];

/** The optimiser steps of FIRST_EPOCH_CHECKPOINTS for an epoch of `stepsPerEpoch` steps. */
export function firstEpochCheckpointSteps(stepsPerEpoch: number): number[] {
  const steps = FIRST_EPOCH_CHECKPOINTS.map((f) => Math.max(1, Math.round(f * stepsPerEpoch))).filter((s) => s < stepsPerEpoch);
  return [...new Set(steps)];
}

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

  const keep = new Set(options.checkpoints ?? ["A"]);
  const ckptSamples = Math.min(heldOut.count, options.checkpointSamples ?? 1000);
  if (!(Number.isInteger(ckptSamples) && ckptSamples >= 1)) throw new Error(`trainDemoNetworks: checkpointSamples must be a positive integer, got ${options.checkpointSamples}`);
  const ckptImages = heldOut.images.subarray(0, ckptSamples * PIXELS);
  const ckptSteps = firstEpochCheckpointSteps(Math.ceil(train.count / config.batch));
  const nets: DemoNet[] = [];
  for (const spec of NETS) {
    const what = `net ${spec.name} (seed ${spec.seed}${spec.shuffledLabels ? ", shuffled labels" : ""})`;
    const checkpoints: DemoCheckpoint[] | undefined = keep.has(spec.name) ? [] : undefined;
    const opts: TrainOptions = {
      seed: spec.seed,
      hidden: config.hidden,
      epochs: config.epochs,
      batch: config.batch,
      lr: config.lr,
      shuffleLabels: spec.shuffledLabels,
      onEpoch: (e) => say(`${what}: epoch ${e.epoch}/${e.epochs}, loss ${e.loss.toFixed(3)} (${elapsed()})`),
      ...(checkpoints
        ? { checkpointSteps: ckptSteps, onCheckpoint: (at: { epoch: number; step: number }, m: Mlp) => checkpoints.push({ ...at, layers: activations(m, ckptImages) }) }
        : {}),
    };
    const model = trainMlp(train, opts);
    const net: DemoNet = {
      name: spec.name,
      seed: spec.seed,
      shuffledLabels: spec.shuffledLabels,
      accuracy: accuracy(model, heldOut.images, heldOut.labels),
      trainAccuracy: accuracy(model, train.images, trainingLabels(train, opts)),
      // the last checkpoint is the trained model: on all held-out digits the same values, computed once
      layers: ckptSamples === heldOut.count && checkpoints?.length ? checkpoints.at(-1)!.layers : activations(model, heldOut.images),
      ...(checkpoints ? { checkpoints } : {}),
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
