/**
 * Synthetic activation pairs with a known answer, for the demo, the benchmark and tests.
 *
 * Planted match: a shared latent block Z (d x k, standard normal). On each side, `shared` = k
 * neurons are random Gaussian mixtures of Z (weights N(0, 1), so entries have variance k) plus
 * independent noise of standard deviation `noise` per entry; the other neurons are unrelated
 * standard normal. With d >> n each planted neuron lies close to the other side's span (for
 * d = 10000, k = 256, noise 0.05: relative distances 0.015-0.075, the spread coming from the
 * conditioning of the random mixing) and every unrelated one ~sqrt(1 - n/d) away, so the maximum
 * match at eps = 0.3 is exactly the planted neurons. Columns are shuffled so planted indices mix.
 */
import type { MatrixInput } from "./matrix.js";
import { gaussian, rng } from "./random.js";

export interface PlantedOptions {
  samples: number;
  /** neurons per side */
  neurons: number;
  /** planted neurons per side (also the latent dimension) */
  shared: number;
  noise?: number;
  seed?: number;
}

export interface PlantedPair {
  a: MatrixInput;
  b: MatrixInput;
  /** planted column indices, ascending */
  plantedA: number[];
  plantedB: number[];
}

function shuffled(n: number, next: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

export function plantedPair(o: PlantedOptions): PlantedPair {
  const { samples: d, neurons: n, shared: k } = o;
  const noise = o.noise ?? 0.05;
  const g = gaussian(o.seed ?? 1);
  const Z = Float64Array.from({ length: d * k }, g); // row-major d x k
  const side = (salt: number) => {
    const perm = shuffled(n, rng((o.seed ?? 1) * 7919 + salt));
    const W = Float64Array.from({ length: k * k }, g); // k x k
    const X = new Float64Array(d * n);
    const row = new Float64Array(k);
    for (let i = 0; i < d; i++) {
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let l = 0; l < k; l++) s += (Z[i * k + l] as number) * (W[l * k + c] as number);
        row[c] = s;
      }
      for (let j = 0; j < n; j++) {
        const col = perm[j]!;
        X[i * n + col] = j < k ? (row[j] as number) + noise * g() : g();
      }
    }
    const planted = perm.slice(0, k).sort((x, y) => x - y);
    return { X, planted };
  };
  const A = side(1);
  const B = side(2);
  return { a: { data: A.X, shape: [d, n] }, b: { data: B.X, shape: [d, n] }, plantedA: A.planted, plantedB: B.planted };
}

export interface PlantedBlocksOptions {
  samples: number;
  /** neurons per side */
  neurons: number;
  /** size of each planted block (neurons per side); their sum must not exceed `neurons` */
  blocks: number[];
  noise?: number;
  seed?: number;
}

export interface PlantedBlocks {
  a: MatrixInput;
  b: MatrixInput;
  /** per block, its column indices on each side (ascending) */
  blocks: { a: number[]; b: number[] }[];
}

/**
 * Planted simple matches: block k has its own s_k-dimensional Gaussian latent; on each side, s_k
 * neurons are random orthogonal mixtures of it plus noise (sd `noise` relative to unit-variance
 * entries); the other neurons are unrelated. For small noise each block is one simple match (the
 * v-minimal match of each of its neurons), and the maximum match is the union of the blocks.
 */
export function plantedBlocks(o: PlantedBlocksOptions): PlantedBlocks {
  const { samples: d, neurons: n, blocks } = o;
  const total = blocks.reduce((s, k) => s + k, 0);
  if (total > n) throw new RangeError(`planted blocks need ${total} neurons per side, only ${n} given`);
  const noise = o.noise ?? 0.01;
  const g = gaussian(o.seed ?? 1);
  const latents = blocks.map((s) => Float64Array.from({ length: d * s }, g)); // row-major d x s
  const orth = (s: number) => {
    // Gram-Schmidt on a Gaussian s x s matrix: a random orthogonal mixing (well conditioned)
    const Q = Float64Array.from({ length: s * s }, g);
    for (let c = 0; c < s; c++) {
      for (let k = 0; k < c; k++) {
        let dot = 0;
        for (let r = 0; r < s; r++) dot += Q[r * s + c]! * Q[r * s + k]!;
        for (let r = 0; r < s; r++) Q[r * s + c] = Q[r * s + c]! - dot * Q[r * s + k]!;
      }
      let nrm = 0;
      for (let r = 0; r < s; r++) nrm += Q[r * s + c]! ** 2;
      nrm = Math.sqrt(nrm);
      for (let r = 0; r < s; r++) Q[r * s + c] = Q[r * s + c]! / nrm;
    }
    return Q;
  };
  const side = (salt: number) => {
    const perm = shuffled(n, rng((o.seed ?? 1) * 7919 + salt));
    const X = new Float64Array(d * n);
    const cols: number[][] = [];
    let next = 0;
    blocks.forEach((s, k) => {
      const W = orth(s);
      const Z = latents[k]!;
      const idx: number[] = [];
      for (let c = 0; c < s; c++) {
        const col = perm[next++]!;
        idx.push(col);
        for (let i = 0; i < d; i++) {
          let v = 0;
          for (let l = 0; l < s; l++) v += Z[i * s + l]! * W[l * s + c]!;
          X[i * n + col] = v + noise * g();
        }
      }
      cols.push(idx.sort((x, y) => x - y));
    });
    for (; next < n; next++) {
      const col = perm[next]!;
      for (let i = 0; i < d; i++) X[i * n + col] = g();
    }
    return { X, cols };
  };
  const A = side(1);
  const B = side(2);
  return {
    a: { data: A.X, shape: [d, n] },
    b: { data: B.X, shape: [d, n] },
    blocks: blocks.map((_, k) => ({ a: A.cols[k]!, b: B.cols[k]! })),
  };
}
