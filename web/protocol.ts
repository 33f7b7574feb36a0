/**
 * Messages between the page (web/app.ts) and the analysis runtime (web/worker.ts), which runs in a
 * Web Worker or, where workers are unavailable, on the page itself behind the same interface.
 * Everything here is structured-clonable: files travel as Blob/File (read inside the worker) or as
 * transferred ArrayBuffers (the built-in example).
 */
import type { ConvergenceResult } from "../src/dynamics/convergence.js";
import type { LayersResult, LayerSummary } from "../src/layers/grid.js";
import type { PairResult } from "../src/layers/pair.js";
import type { PathGeometry } from "../src/report/types.js";
import type { SimpleMatchesResult } from "../src/subspace.js";

export type Side = "A" | "B";

export interface FileSpec {
  name: string;
  /** a File from the picker / a drop, or the bytes of the built-in example */
  data: Blob | ArrayBuffer;
}

export type PageMessage =
  /** relaxedSimd false: the plain SIMD build even where relaxed SIMD validates (page URL `?simd=plain`) */
  | { type: "init"; backend: "auto" | "js"; relaxedSimd?: boolean }
  | { type: "run"; id: number; A: FileSpec[]; B: FileSpec[]; eps: number[]; networks: [string, string] }
  | { type: "simple"; id: number; run: number; i: number; j: number; eps: number }
  /** stop the current run between pairs (the in-page runtime; a worker is simply terminated) */
  | { type: "cancel" }
  /** checkpoints of one network: every layer against itself at the last file (web/convergence-view.ts) */
  | ConvergenceRequest;

export interface ErrorInfo {
  /** RepmatchError code, or "internal" for anything else */
  code: string;
  message: string;
}

export interface EngineInfo {
  backend: "wasm" | "js";
  wasmFlavour: "relaxed-simd" | "simd" | null;
  /** the runtime validated the WebAssembly SIMD module (feature detection result) */
  simd: boolean;
  seconds: number;
}

export interface LayerEntry extends LayerSummary {
  /** file (and archive member) the layer came from */
  source: string;
}

export type WorkerMessage =
  | ({ type: "ready" } & EngineInfo)
  | { type: "initError"; error: ErrorInfo }
  | { type: "stage"; id: number; text: string }
  | { type: "layers"; id: number; layersA: LayerEntry[]; layersB: LayerEntry[]; eps: number[]; notes: string[]; readSeconds: number }
  | { type: "pairStart"; id: number; i: number; j: number }
  /** the maximum-match half of a pair (measures still {}), sent before the other measures */
  | { type: "pairMatch"; id: number; i: number; j: number; result: PairResult; seconds: number }
  | { type: "pair"; id: number; i: number; j: number; result: PairResult; seconds: number }
  | { type: "paths"; id: number; paths: PathGeometry[]; notes: string[] }
  | { type: "done"; id: number; result: LayersResult }
  | { type: "error"; id: number; error: ErrorInfo }
  | { type: "simple"; id: number; result: SimpleMatchesResult; neurons: [number, number]; seconds: number }
  | { type: "simpleError"; id: number; error: ErrorInfo }
  | ConvergenceMessage;

/** Largest pair (neurons per side) the page decomposes into simple matches. */
export const SIMPLE_MAX_NEURONS = 256;
/** Above this many samples the RBF CKA (two n x n kernel matrices) is skipped. */
export const RBF_MAX_SAMPLES = 4096;
/**
 * Most float64 bytes all layers of a run may take together once read (every dtype is widened to
 * float64); beyond it the run stops with tooLarge before reading, where the .npy header tells.
 * The WASM arena (4 GiB at most) must also hold a copy of each pair and its work space.
 */
export const MAX_DATA_BYTES = 2 ** 31;
/** Largest single file the page reads (browsers cap ArrayBuffers and tab memory). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// Convergence over training (the "Convergence" tab): src/dynamics/convergence.ts in the runtime

export interface ConvergenceRequest {
  type: "convergence";
  id: number;
  /** one file per checkpoint (.npz: one array per layer; .npy: one layer), in training order, the last the final one */
  files: FileSpec[];
  /** position of each checkpoint on the training axis (default 1 .. K) */
  steps?: number[];
  /** eps of the maximum match */
  eps: number[];
  /** fraction of the final similarity that counts as converged */
  fraction: number;
}

export type ConvergenceMessage =
  | { type: "convStage"; id: number; text: string }
  | { type: "convLayers"; id: number; layers: LayerEntry[]; checkpoints: string[]; total: number }
  | { type: "convProgress"; id: number; done: number; total: number }
  | { type: "convDone"; id: number; result: ConvergenceResult; csv: string }
  | { type: "convError"; id: number; error: ErrorInfo };
