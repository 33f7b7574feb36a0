/**
 * Loading the WASM core: pick the build (relaxed SIMD with FMA where the runtime validates it, else
 * plain SIMD), compile once, instantiate through @assemblyscript/loader (whose abort handler decodes
 * AssemblyScript error messages), and manage linear memory as a bump arena above heapBase().
 */
import * as loader from "@assemblyscript/loader";
import { fail, RepmatchError } from "../errors.js";
import { CHOL_STOP, ERR_SCALE, NEAR_ZERO_D2, UNTRUSTED_ERR } from "../tolerances.js";
import { wasmBase64 as relaxedBase64 } from "./core-relaxed.generated.js";
import { wasmBase64 as simdBase64 } from "./core-simd.generated.js";

/** The raw exports of assembly/index.ts (pointers are byte offsets into memory). */
export interface CoreExports extends Record<string, unknown> {
  memory: WebAssembly.Memory;
  heapBase(): number;
  relaxedSimd(): number;
  syrk(Z: number, ldz: number, d: number, n: number, G: number, ldg: number, accumulate: number): void;
  normalizeColumns(Z: number, ld: number, d: number, n: number, norms: number, deadNorm: number): void;
  setTolerances(cholStop: number, errScale: number, untrusted: number, nearZero: number): void;
  workspaceBytes(d: number, na: number, nb: number): number;
  setPair(C: number, Z: number, live: number, d: number, na: number, nb: number, work: number): void;
  distances(t: number, nt: number, basis: number, m: number, eps: number, out: number): void;
  maxMatch(cand: number, eps: number, out: number): number;
  lastMargin: WebAssembly.Global | number;
  lastExactSides: WebAssembly.Global | number;
}

export type WasmFlavour = "relaxed-simd" | "simd";

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const g = globalThis as unknown as {
    Buffer?: { from(s: string, enc: string): Uint8Array };
    atob?: (s: string) => string;
  };
  if (g.Buffer) return Uint8Array.from(g.Buffer.from(b64, "base64"));
  const bin = g.atob!(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Which build this runtime can run, or null when WebAssembly SIMD is unavailable. */
export function detectWasm(preferRelaxed = true): { flavour: WasmFlavour; bytes: Uint8Array<ArrayBuffer> } | null {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") return null;
  if (preferRelaxed) {
    const bytes = decodeBase64(relaxedBase64);
    if (WebAssembly.validate(bytes)) return { flavour: "relaxed-simd", bytes };
  }
  const bytes = decodeBase64(simdBase64);
  if (WebAssembly.validate(bytes)) return { flavour: "simd", bytes };
  return null;
}

function imports(): Record<string, Record<string, unknown>> {
  return {};
}

function readGlobal(g: WebAssembly.Global | number): number {
  return typeof g === "number" ? g : (g.value as number);
}

const PAGE = 65536;
/** wasm32 ceiling: 65536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * One instance of the core with its arena. Allocation is a bump pointer; `reset(mark)` frees
 * everything allocated after `mark`, so every public call leaves memory as it found it.
 */
export class WasmCore {
  readonly flavour: WasmFlavour;
  private readonly module: WebAssembly.Module;
  private ex!: CoreExports;
  private base = 0;
  private top = 0;
  /** highest arena top since creation (bytes above heapBase) */
  peak = 0;

  private constructor(module: WebAssembly.Module, flavour: WasmFlavour, ex: CoreExports) {
    this.module = module;
    this.flavour = flavour;
    this.bind(ex);
  }

  static async create(preferRelaxed = true): Promise<WasmCore> {
    const found = detectWasm(preferRelaxed);
    if (!found) fail("wasmUnavailable", "expected a runtime with WebAssembly SIMD, got none (use the 'js' backend)");
    const module = await WebAssembly.compile(found.bytes);
    const inst = await loader.instantiate<CoreExports>(module, imports());
    return new WasmCore(module, found.flavour, inst.exports as unknown as CoreExports);
  }

  static createSync(preferRelaxed = true): WasmCore {
    const found = detectWasm(preferRelaxed);
    if (!found) fail("wasmUnavailable", "expected a runtime with WebAssembly SIMD, got none (use the 'js' backend)");
    const module = new WebAssembly.Module(found.bytes);
    const inst = loader.instantiateSync<CoreExports>(module, imports());
    return new WasmCore(module, found.flavour, inst.exports as unknown as CoreExports);
  }

  private bind(ex: CoreExports): void {
    this.ex = ex;
    this.base = (ex.heapBase() + 15) & ~15;
    this.top = this.base;
    ex.setTolerances(CHOL_STOP, ERR_SCALE, UNTRUSTED_ERR, NEAR_ZERO_D2);
  }

  /** Replaces a trapped instance by a fresh one (same compiled module); the arena starts empty. */
  rebuild(): void {
    const inst = loader.instantiateSync<CoreExports>(this.module, imports());
    this.bind(inst.exports as unknown as CoreExports);
  }

  get exports(): CoreExports {
    return this.ex;
  }

  get memoryBytes(): number {
    return this.ex.memory.buffer.byteLength;
  }

  /** Bytes currently allocated in the arena. */
  get used(): number {
    return this.top - this.base;
  }

  mark(): number {
    return this.top;
  }

  reset(mark: number): void {
    this.top = Math.min(this.top, Math.max(this.base, mark));
  }

  /** Checks that `bytes` more fit below the wasm32 ceiling (before any allocation). */
  fits(bytes: number): boolean {
    return this.top + bytes + 16 * PAGE <= MAX_MEMORY_BYTES;
  }

  alloc(bytes: number): number {
    const ptr = (this.top + 15) & ~15;
    const end = ptr + bytes;
    if (end > MAX_MEMORY_BYTES - PAGE) {
      throw new RepmatchError("tooLarge", `expected the data to fit in the 4 GiB of WebAssembly memory, got a request for ${end} bytes`);
    }
    const have = this.ex.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.ex.memory.grow(pages);
      } catch {
        throw new RepmatchError("tooLarge", `expected to grow WebAssembly memory to ${end} bytes, but the runtime refused`);
      }
    }
    this.top = end;
    if (end - this.base > this.peak) this.peak = end - this.base;
    return ptr;
  }

  /** A fresh Float64Array view (views die when memory grows: never keep one across alloc). */
  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.ex.memory.buffer, ptr, len);
  }

  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.ex.memory.buffer, ptr, len);
  }

  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.ex.memory.buffer, ptr, len);
  }

  global(g: WebAssembly.Global | number): number {
    return readGlobal(g);
  }
}
