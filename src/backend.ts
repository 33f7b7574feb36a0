/**
 * The seam between the algorithms (subspace.ts, shared by both backends) and the numeric kernels:
 * a backend turns a validated pair into a PreparedPair (unit columns and their cosine Gram, the
 * only O(d n^2) work), whose maxMatch runs Algorithm 1 inside a candidate set in n x n space.
 */
import type { MatrixView } from "./matrix.js";

export type BackendName = "wasm" | "js";

export interface PruneResult {
  /** 1 for the neurons of the maximum match; combined numbering (a's columns, then b's) */
  match: Uint8Array;
  /** smallest |reldist - eps| over every distance evaluated; Infinity if none was */
  margin: number;
  /** pruning rounds, the final unchanged one included */
  rounds: number;
  /** side-rounds that needed the exact QR route */
  exactSides: number;
  /**
   * distances the exact route would have re-checked but could not, for a pair known only by its
   * accumulated Gram matrix (streamed input): decided by the Gram value. 0 otherwise.
   */
  uncertain: number;
}

export interface PreparedPair {
  readonly samples: number;
  readonly na: number;
  readonly nb: number;
  /** 1 for live neurons (norm > 1e-16), combined numbering */
  readonly live: Uint8Array;
  /** Algorithm 1 inside the candidate mask (combined numbering). */
  maxMatch(cand: Uint8Array, eps: number): PruneResult;
  /**
   * reldist of every live neuron to the span of all live neurons of the other side
   * (combined numbering; NaN for dead neurons).
   */
  crossDistances(): Float64Array;
  /**
   * Numerical rank of each side's live neurons: pivots of the pivoted Cholesky of the cosine Gram
   * above CHOL_STOP (relative singular values above ~1e-6).
   */
  ranks(): [number, number];
  /** The cosine Gram block C[idx, idx] (row-major |idx| x |idx|) of live neurons. */
  gram(idx: readonly number[]): Float64Array;
  /** Releases the pair's memory (the WASM arena is reset). */
  dispose(): void;
}

export interface Backend {
  readonly name: BackendName;
  prepare(a: MatrixView, b: MatrixView): PreparedPair;
}
