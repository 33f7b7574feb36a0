/**
 * Synthetic pair with known small simple matches, for the simple-match decomposition benchmark
 * (issue 5: "32 planted blocks of 4-12 neurons" for 512 neurons per side).
 *
 * Block t has k_t neurons on each side (k_t uniform in [minSize, maxSize]) spanning the same k_t
 * latent directions: a-side neuron i = Z_t P_t[:, i] + noise, b-side neuron j = Z_t Q_t[:, j] + noise,
 * Z_t (d x k_t) standard normal and independent across blocks, P_t and Q_t k_t x k_t with unit
 * columns (so every entry of a block neuron has variance ~1), noise N(0, noise^2) per entry. The
 * remaining neurons are unrelated standard normal; columns are shuffled on each side.
 *
 * What makes each block a *simple* match with a unique v-minimal match for every one of its
 * neurons is chosen, not hoped for: P_t and Q_t are random orthogonal matrices (seeded), rejected
 * until, in the noise-free latent model (neurons = columns of P_t, Q_t in R^k), the maximum match
 * of the block minus any one of its 2 k_t neurons is empty even at eps + margin (0.05); the block
 * itself is an exact match up to the noise. Blocks use independent latents, so (with
 * d >> n) the maximum match of the whole pair is the union of the blocks, and for every matched
 * neuron v the v-minimal match is its block, and it is unique: the decomposition is exactly the
 * list of blocks. The benchmark checks that every backend returns exactly that.
 */
import type { MatrixInput } from "../src/matrix.js";
import { gaussian, rng } from "../src/random.js";

export interface BlocksOptions {
  samples: number;
  /** neurons per side */
  neurons: number;
  blocks: number;
  minSize?: number;
  maxSize?: number;
  noise?: number;
  /** the eps the blocks are designed for */
  eps?: number;
  /** the latent maximum match of a block minus one neuron must be empty at eps + margin */
  margin?: number;
  seed?: number;
}

export interface PlantedBlocks {
  a: MatrixInput;
  b: MatrixInput;
  /** the planted blocks, each with ascending column indices per side, sorted by first a index */
  blocks: { a: number[]; b: number[] }[];
  /** design attempts rejected (all blocks together) */
  rejected: number;
}

// ---- small dense helpers (k <= 16), column-major k x k ----

/** Relative distance of x to span of the given columns of M (k rows), by modified Gram-Schmidt. */
function relDist(x: Float64Array, M: Float64Array, k: number, cols: number[]): number {
  const r = Float64Array.from(x);
  const nx = Math.hypot(...x);
  const basis: Float64Array[] = [];
  for (const c of cols) {
    const v = M.slice(c * k, c * k + k);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let s = 0;
        for (let i = 0; i < k; i++) s += q[i]! * v[i]!;
        for (let i = 0; i < k; i++) v[i] = v[i]! - s * q[i]!;
      }
    }
    const nv = Math.hypot(...v);
    if (nv > 1e-10) basis.push(v.map((t) => t / nv));
  }
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      let s = 0;
      for (let i = 0; i < k; i++) s += q[i]! * r[i]!;
      for (let i = 0; i < k; i++) r[i] = r[i]! - s * q[i]!;
    }
  }
  return Math.hypot(...r) / nx;
}

/**
 * Maximum eps-match of the latent model restricted to (sa, sb) by pruning; also the smallest
 * |distance - eps| seen. Deterministic (both sides pruned per round).
 */
function latentMaxMatch(P: Float64Array, Q: Float64Array, k: number, sa: number[], sb: number[], eps: number): { a: number[]; b: number[]; margin: number } {
  let A = sa.slice(), B = sb.slice();
  let margin = Infinity;
  for (;;) {
    const keepA = A.filter((i) => {
      const dist = B.length ? relDist(P.subarray(i * k, i * k + k), Q, k, B) : 1;
      margin = Math.min(margin, Math.abs(dist - eps));
      return dist <= eps;
    });
    const keepB = B.filter((j) => {
      const dist = keepA.length ? relDist(Q.subarray(j * k, j * k + k), P, k, keepA) : 1;
      margin = Math.min(margin, Math.abs(dist - eps));
      return dist <= eps;
    });
    if (keepA.length === A.length && keepB.length === B.length) return { a: A, b: B, margin };
    A = keepA;
    B = keepB;
  }
}

/** A random k x k orthogonal matrix (modified Gram-Schmidt, twice, on a Gaussian matrix), column-major. */
function orthogonal(k: number, g: () => number): Float64Array {
  const M = Float64Array.from({ length: k * k }, g);
  for (let c = 0; c < k; c++) {
    const v = M.subarray(c * k, c * k + k);
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < c; q++) {
        const w = M.subarray(q * k, q * k + k);
        let s = 0;
        for (let i = 0; i < k; i++) s += v[i]! * w[i]!;
        for (let i = 0; i < k; i++) v[i] = v[i]! - s * w[i]!;
      }
    }
    const nv = Math.hypot(...v);
    for (let i = 0; i < k; i++) v[i] = v[i]! / nv;
  }
  return M;
}

/**
 * A (P, Q) design for a block of k per side: random orthogonal P and Q (perfectly conditioned, so
 * the noise is not amplified), rejected until the latent maximum match of the block minus any one
 * of its 2k neurons is empty at eps + margin. If every realised relative distance is within
 * `margin` of the latent one, any eps-match inside a block minus one neuron would be an
 * (eps + margin)-match of the latent model, so there is none: the block is a simple match and
 * the v-minimal match of each of its neurons is the block, uniquely.
 */
function design(k: number, g: () => number, eps: number, margin: number): { P: Float64Array; Q: Float64Array; tries: number } {
  const all = Array.from({ length: k }, (_, i) => i);
  for (let tries = 1; tries < 10000; tries++) {
    const P = orthogonal(k, g), Q = orthogonal(k, g);
    let ok = true;
    for (let u = 0; u < 2 * k && ok; u++) {
      const sa = u < k ? all.filter((i) => i !== u) : all;
      const sb = u < k ? all : all.filter((j) => j !== u - k);
      const m = latentMaxMatch(P, Q, k, sa, sb, eps + margin);
      ok = m.a.length + m.b.length === 0;
    }
    if (ok) return { P, Q, tries };
  }
  throw new Error(`plantedBlocks: no design found for a block of ${k} (eps ${eps}, margin ${margin})`);
}

export function plantedBlocks(o: BlocksOptions): PlantedBlocks {
  const { samples: d, neurons: n, blocks: nb } = o;
  const minSize = o.minSize ?? 4, maxSize = o.maxSize ?? 12;
  const noise = o.noise ?? 0.05, eps = o.eps ?? 0.3, margin = o.margin ?? 0.05;
  const seed = o.seed ?? 1;
  const u = rng(seed * 104729 + 17);
  const sizes = Array.from({ length: nb }, () => minSize + Math.floor(u() * (maxSize - minSize + 1)));
  const total = sizes.reduce((s, k) => s + k, 0);
  if (total > n) throw new Error(`plantedBlocks: ${total} block neurons do not fit in ${n} per side`);
  const g = gaussian(seed * 7 + 3);
  let rejected = 0;
  const designs = sizes.map((k) => {
    const r = design(k, g, eps, margin);
    rejected += r.tries - 1;
    return r;
  });
  const side = (salt: number, pick: (t: number) => Float64Array) => {
    const r = rng(seed * 7919 + salt);
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    return { perm, pick };
  };
  const sa = side(1, (t) => designs[t]!.P), sb = side(2, (t) => designs[t]!.Q);
  const A = new Float64Array(d * n), B = new Float64Array(d * n); // row-major d x n
  // block neurons: column slot s (0..total-1) of each side goes to perm[s]
  const kmax = Math.max(...sizes);
  const z = new Float64Array(kmax);
  let slot = 0;
  const blocks: { a: number[]; b: number[] }[] = [];
  for (let t = 0; t < nb; t++) {
    const k = sizes[t]!;
    const P = designs[t]!.P, Q = designs[t]!.Q;
    for (let i = 0; i < d; i++) {
      for (let l = 0; l < k; l++) z[l] = g();
      for (let c = 0; c < k; c++) {
        let x = 0, y = 0;
        for (let l = 0; l < k; l++) {
          x += z[l]! * P[c * k + l]!;
          y += z[l]! * Q[c * k + l]!;
        }
        A[i * n + sa.perm[slot + c]!] = x + noise * g();
        B[i * n + sb.perm[slot + c]!] = y + noise * g();
      }
    }
    blocks.push({
      a: sa.perm.slice(slot, slot + k).sort((x, y) => x - y),
      b: sb.perm.slice(slot, slot + k).sort((x, y) => x - y),
    });
    slot += k;
  }
  for (let i = 0; i < d; i++) {
    for (let s = total; s < n; s++) {
      A[i * n + sa.perm[s]!] = g();
      B[i * n + sb.perm[s]!] = g();
    }
  }
  blocks.sort((x, y) => x.a[0]! - y.a[0]!);
  return { a: { data: A, shape: [d, n] }, b: { data: B, shape: [d, n] }, blocks, rejected };
}
