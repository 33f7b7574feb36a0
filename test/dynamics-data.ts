// Synthetic data with a known answer for the training-dynamics tests (dynamics.test.ts,
// cli-dynamics.test.ts): checkpoints with a per-layer convergence schedule, sequences related by
// known linear maps, and two networks' paths with a planted divergence point.
import type { Checkpoint } from "../src/dynamics/convergence.js";
import type { NamedLayer } from "../src/layers/grid.js";
import { gaussian } from "../src/random.js";

export interface Mat {
  data: Float64Array;
  shape: [number, number];
}

export function randn(rows: number, cols: number, seed: number): Mat {
  const g = gaussian(seed);
  return { data: Float64Array.from({ length: rows * cols }, g), shape: [rows, cols] };
}

/** a (r x k) times b (k x c), row-major */
export function matmul(a: Mat, b: Mat): Mat {
  const [r, k] = a.shape;
  const c = b.shape[1];
  if (b.shape[0] !== k) throw new Error("matmul: shapes");
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let p = 0; p < k; p++) {
    const x = a.data[i * k + p]!;
    if (x !== 0) for (let j = 0; j < c; j++) out[i * c + j] += x * b.data[p * c + j]!;
  }
  return { data: out, shape: [r, c] };
}

export function scale(a: Mat, s: number): Mat {
  return { data: a.data.map((x) => x * s), shape: a.shape };
}

export function add(a: Mat, b: Mat, sa = 1, sb = 1): Mat {
  return { data: a.data.map((x, i) => sa * x + sb * b.data[i]!), shape: a.shape };
}

export function relu(a: Mat): Mat {
  return { data: a.data.map((x) => (x > 0 ? x : 0)), shape: a.shape };
}

/**
 * A k x m matrix with orthonormal rows (k <= m): X Q keeps X X^T, so linear CKA(X, X Q) = 1.
 * Gram-Schmidt on Gaussian rows, twice for accuracy.
 */
export function orthonormalRows(k: number, m: number, seed: number): Mat {
  if (k > m) throw new Error("orthonormalRows: k > m");
  const q = randn(k, m, seed).data;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let t = 0; t < m; t++) d += q[i * m + t]! * q[j * m + t]!;
        for (let t = 0; t < m; t++) q[i * m + t] -= d * q[j * m + t]!;
      }
      let nrm = 0;
      for (let t = 0; t < m; t++) nrm += q[i * m + t]! ** 2;
      nrm = Math.sqrt(nrm);
      for (let t = 0; t < m; t++) q[i * m + t] /= nrm;
    }
  }
  return { data: q, shape: [k, m] };
}

export interface ScheduleOptions {
  /** per layer: the checkpoint (1-based) from which the layer equals its final activations */
  settle: number[];
  /** number of checkpoints */
  checkpoints: number;
  /** "linear": c = min(1, k / settle) between random and final; "step": random before settle, final from it */
  shape?: "linear" | "step";
  samples?: number;
  widths?: number[];
  seed?: number;
  /** dead (all-zero) neurons in the final activations of layer 0 */
  deadInLayer0?: number;
}

/**
 * Checkpoints "ckpt1" .. "ckptK" of a network whose layer l, at checkpoint k, is
 * c F_l + (1 - c) R_l (F_l: its final activations, R_l: a fixed random start), so layer l reaches
 * its final form exactly at checkpoint settle[l] (c = 1 gives F_l bit for bit).
 */
export function scheduledCheckpoints(o: ScheduleOptions): { checkpoints: Checkpoint[]; finals: Mat[]; at: (l: number, k: number) => Mat } {
  const n = o.samples ?? 300;
  const widths = o.widths ?? o.settle.map((_, l) => 12 - 2 * l);
  const seed = o.seed ?? 1;
  const finals = widths.map((w, l) => randn(n, w, seed * 100 + l));
  if (o.deadInLayer0) for (let i = 0; i < n; i++) for (let j = 0; j < o.deadInLayer0; j++) finals[0]!.data[i * widths[0]! + j] = 0;
  const starts = widths.map((w, l) => randn(n, w, seed * 100 + 50 + l));
  const at = (l: number, k: number): Mat => {
    const T = o.settle[l]!;
    const c = o.shape === "step" ? (k >= T ? 1 : 0) : Math.min(1, k / T);
    return add(finals[l]!, starts[l]!, c, 1 - c);
  };
  const checkpoints: Checkpoint[] = Array.from({ length: o.checkpoints }, (_, i) => ({
    name: `ckpt${i + 1}`,
    layers: widths.map((_, l): NamedLayer => ({ name: `layer${l}`, data: at(l, i + 1) })),
  }));
  return { checkpoints, finals, at };
}

/** samples x time x units, row-major ("ntc"), from per-step samples x units matrices */
export function stackNtc(steps: Mat[]): { data: Float64Array; shape: [number, number, number] } {
  const T = steps.length;
  const [n, u] = steps[0]!.shape;
  const out = new Float64Array(n * T * u);
  steps.forEach((m, t) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < u; j++) out[(i * T + t) * u + j] = m.data[i * u + j]!;
  });
  return { data: out, shape: [n, T, u] };
}

/** the same array as time x samples x units ("tnc"), row-major */
export function stackTnc(steps: Mat[]): { data: Float64Array; shape: [number, number, number] } {
  const T = steps.length;
  const [n, u] = steps[0]!.shape;
  const out = new Float64Array(n * T * u);
  steps.forEach((m, t) => out.set(m.data, t * n * u));
  return { data: out, shape: [T, n, u] };
}

/** a row-major 3-D array rewritten in Fortran (column-major) order */
export function toFortran3(x: { data: Float64Array; shape: [number, number, number] }): Float64Array {
  const [a, b, c] = x.shape;
  const out = new Float64Array(a * b * c);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) out[i + j * a + k * a * b] = x.data[(i * b + j) * c + k]!;
  return out;
}

/**
 * Two networks over the same inputs: A (4 layers, width 16: a random ReLU stack) and B (7
 * layers, width 24). B's layer j is A's layer at the same relative depth, rotated into 24
 * dimensions, plus 5% noise, up to layer `divergeAt` (default 5); from there B's layers are
 * unrelated random activations. Aligned by relative depth, the pairs are (A0,B0), (A1,B1), (A1,B2),
 * (A2,B3), (A2,B4), (A3,B5), (A3,B6), so the paths diverge at (A3, B5).
 */
export function divergingNetworks(o: { samples?: number; divergeAt?: number; seed?: number } = {}): { A: NamedLayer[]; B: NamedLayer[] } {
  const n = o.samples ?? 400;
  const seed = o.seed ?? 5;
  const divergeAt = o.divergeAt ?? 5;
  const wa = 16, wb = 24;
  const A: Mat[] = [randn(n, wa, seed)];
  for (let i = 1; i < 4; i++) A.push(relu(matmul(A[i - 1]!, scale(randn(wa, wa, seed + 10 * i), Math.sqrt(2 / wa)))));
  const depthOf = [0, 1, 1, 2, 2, 3, 3];
  const B: Mat[] = depthOf.map((i, j) => {
    if (j >= divergeAt) return randn(n, wb, seed + 500 + j);
    const rotated = matmul(A[i]!, orthonormalRows(wa, wb, seed + 300 + j));
    const rms = Math.sqrt(rotated.data.reduce((s, x) => s + x * x, 0) / rotated.data.length);
    return add(rotated, randn(n, wb, seed + 400 + j), 1, 0.05 * rms);
  });
  return {
    A: A.map((m, i) => ({ name: `a${i}`, data: m })),
    B: B.map((m, j) => ({ name: `b${j}`, data: m })),
  };
}
