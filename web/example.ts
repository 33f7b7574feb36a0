/**
 * The page's built-in example, made at build time (web/build.mjs bundles and runs this file in
 * Node): the demo networks A and B (demo/train.ts, reduced mode: same architecture and recipe as
 * `npm start`, seeds 1 and 2) and their activations fc1, fc2, fc3 and logits on the first
 * `rows` held-out digits, as float32 .npz archives (deflated, like np.savez_compressed).
 */
import { deflateRawSync } from "node:zlib";
import { writeNpz } from "../src/io/npz.js";
import { trainDemoNetworks } from "../demo/train.js";

export interface ExampleMeta {
  networks: [string, string];
  files: [string, string];
  rows: number;
  layers: { name: string; neurons: number }[];
  accuracy: [number, number];
  seeds: [number, number];
  hidden: number[];
  trainDigits: number;
  epochs: number;
  seconds: number;
}

export function makeExample(rows: number, say: (s: string) => void = () => {}): { A: Uint8Array; B: Uint8Array; meta: ExampleMeta } {
  const trained = trainDemoNetworks({ reduced: true, onProgress: say });
  const nets = trained.nets.filter((n) => n.name === "A" || n.name === "B");
  if (nets.length !== 2) throw new Error(`expected nets A and B from trainDemoNetworks, got ${trained.nets.map((n) => n.name).join(", ")}`);
  const heldOut = trained.heldOut.labels.length;
  if (rows > heldOut) throw new Error(`expected at most ${heldOut} example rows, got ${rows}`);
  const archive = (net: (typeof nets)[number]) =>
    writeNpz(
      net.layers.map((l) => {
        const cols = l.shape[1];
        return { name: l.name, data: Float32Array.from(l.data.subarray(0, rows * cols)), shape: [rows, cols] };
      }),
      { deflate: (d) => deflateRawSync(d, { level: 9 }) },
    );
  const [a, b] = nets as [(typeof nets)[number], (typeof nets)[number]];
  return {
    A: archive(a),
    B: archive(b),
    meta: {
      networks: [`net A (seed ${a.seed})`, `net B (seed ${b.seed})`],
      files: ["A.npz", "B.npz"],
      rows,
      layers: a.layers.map((l) => ({ name: l.name, neurons: l.shape[1] })),
      accuracy: [a.accuracy, b.accuracy],
      seeds: [a.seed, b.seed],
      hidden: trained.config.hidden,
      trainDigits: trained.config.train,
      epochs: trained.config.epochs,
      seconds: trained.seconds,
    },
  };
}
