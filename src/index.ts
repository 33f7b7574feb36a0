/**
 * repmatch: compare what two neural networks have learned.
 *
 *   import { createEngine } from "repmatch";
 *   const engine = await createEngine();
 *   const r = engine.maxMatch({ data, shape: [samples, neurons] }, other, { eps: 0.3 });
 */
export { createEngine, createEngineSync, Engine, DEFAULT_EPSILONS } from "./engine.js";
export type { EngineOptions, CallOptions, CurveResult, CompareResult, ConvOptions, ConvResult, PairInfo } from "./engine.js";
export type { MaxMatchResult, VMinimalResult, SimpleMatch, SimpleMatchesResult, MinEpsilonResult } from "./subspace.js";
export type { ActivationsInput, MatrixInput, NumericArray } from "./matrix.js";
export type { ConvInput, ConvLayout } from "./conv.js";
export type { BackendName } from "./backend.js";
export type { Warning } from "./warnings.js";
export { RepmatchError } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { readNpy, writeNpy } from "./io/npy.js";
export type { NpyArray } from "./io/npy.js";
export { readNpz, readNpzSync, writeNpz } from "./io/npz.js";
export type { NpzArrays, NpzMember, NpzWriteEntry, NpzWriteOptions } from "./io/npz.js";
