/**
 * The one error class of repmatch. Every public entry point, the CLI and the readers throw it for
 * bad input, with a stable machine-readable `code` and a message of the form "expected X, got Y".
 */
export type ErrorCode =
  // reading .npy / .npz
  | "badMagic"
  | "badHeader"
  | "truncated"
  | "sizeMismatch"
  | "unsupportedDtype"
  | "unsupportedVersion"
  | "badZip"
  // activation matrices
  | "notTwoDimensional"
  | "badShape"
  | "badLayout"
  | "empty"
  | "nonFinite"
  | "sampleCountMismatch"
  | "badInput"
  // options
  | "badOption"
  | "badEpsilon"
  | "badNeuron"
  // resources and the engine
  | "tooLarge"
  | "wasmUnavailable"
  | "engineFailure"
  // files (CLI)
  | "fileNotFound"
  | "usage";

export class RepmatchError extends Error {
  readonly code: ErrorCode;
  /** Optional structured detail (e.g. the offending row and column). */
  readonly detail?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = "RepmatchError";
    this.code = code;
    if (detail !== undefined) this.detail = detail;
  }
}

/** Throws a RepmatchError; handy in expressions. */
export function fail(code: ErrorCode, message: string, detail?: Record<string, unknown>): never {
  throw new RepmatchError(code, message, detail);
}
