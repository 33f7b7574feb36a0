/**
 * Loading the WASM core: pick the build (relaxed SIMD with FMA where the runtime validates it, else
 * plain SIMD), compile once, instantiate through @assemblyscript/loader (whose abort handler decodes
 * AssemblyScript error messages), and manage linear memory as a bump arena above heapBase().
 */
import * as loader from "@assemblyscript/loader";
import { fail, RepmatchError } from "../errors.js";
import { CHOL_STOP, ERR_SCALE, NEAR_ZERO_D2, UNTRUSTED_ERR } from "../tolerances.js";
import { wasmBase64 as relaxedSharedBase64 } from "./core-relaxed-shared.generated.js";
import { wasmBase64 as relaxedBase64 } from "./core-relaxed.generated.js";
import { wasmBase64 as simdSharedBase64 } from "./core-simd-shared.generated.js";
import { wasmBase64 as simdBase64 } from "./core-simd.generated.js";
import { GramHelper, threadsAvailable } from "./threads.js";

/** The raw exports of assembly/index.ts (pointers are byte offsets into memory). */
export interface CoreExports extends Record<string, unknown> {
  memory: WebAssembly.Memory;
  heapBase(): number;
  relaxedSimd(): number;
  syrk(Z: number, ldz: number, d: number, n: number, G: number, ldg: number, accumulate: number): void;
  syrkPart(Z: number, ldz: number, d: number, n: number, G: number, ldg: number, s: number, part: number): void;
  symmetrize(G: number, ldg: number, n: number): void;
  setPackBuffer(ptr: number): void;
  PACK_BYTES: WebAssembly.Global | number;
  normalizeColumns(Z: number, ld: number, d: number, n: number, norms: number, deadNorm: number): void;
  transposeF64(src: number, rows: number, cols: number, dst: number, ld: number): void;
  setTolerances(cholStop: number, errScale: number, untrusted: number, nearZero: number): void;
  workspaceBytes(d: number, na: number, nb: number): number;
  setPair(C: number, Z: number, live: number, d: number, na: number, nb: number, work: number): void;
  distances(t: number, nt: number, basis: number, m: number, eps: number, out: number): void;
  maxMatch(cand: number, eps: number, out: number): number;
  lastMargin: WebAssembly.Global | number;
  lastExactSides: WebAssembly.Global | number;
  // dense linear algebra (assembly/linalg.ts, householder.ts, svd.ts, tridiagonal.ts, bidiagonal.ts; gemmNN in blas.ts)
  gemmTN(A: number, lda: number, B: number, ldb: number, d: number, m: number, n: number, C: number, ldc: number, accumulate: number): void;
  gemmNN(A: number, lda: number, B: number, ldb: number, m: number, k: number, n: number, C: number, ldc: number, accumulate: number): void;
  // CholeskyQR2's triangular kernels (assembly/cholqr.ts)
  choleskyUpper(G: number, ldg: number, n: number): number;
  invertUpper(R: number, ldr: number, n: number, X: number, ldx: number): void;
  multiplyUpper(X: number, ldx: number, m: number, n: number, U: number, ldu: number, C: number, ldc: number): void;
  multiplyUpperFrom(X: number, ldx: number, m: number, n: number, U: number, ldu: number, C: number, ldc: number, from: number): void;
  eighTridiagonalStart(S: number, n: number, V: number, vectors: number, work: number): number;
  eighTridiagonalFinish(n: number, W: number, V: number, vectors: number, work: number): void;
  eighDivideAndConquer(on: number): void;
  eighQPending(): number;
  eighApplyQ(n: number, work: number, Z: number, nc: number, second: number): void;
  centerColumns(A: number, lda: number, m: number, n: number, means: number): void;
  copyMatrix(A: number, lda: number, m: number, n: number, B: number, ldb: number): void;
  transpose(A: number, lda: number, m: number, n: number, B: number, ldb: number): void;
  scaleColumns(A: number, lda: number, m: number, n: number, s: number): void;
  scaleRows(A: number, lda: number, m: number, n: number, s: number): void;
  rowSumSquares(A: number, lda: number, m: number, n: number, out: number): void;
  frobenius(A: number, lda: number, m: number, n: number): number;
  rowDistWorkBytes(d: number, p: number): number;
  rowSquaredDistances(X: number, ldx: number, d: number, p: number, D: number, ldd: number, work: number): void;
  // CKA kernels (assembly/kernel.ts; symmetric n x n matrices in their upper triangle)
  medianWorkBytes(n: number): number;
  distanceMedian(D: number, ldd: number, n: number, work: number): number;
  expUpper(K: number, ldk: number, n: number, s: number): void;
  centreKernel(K: number, ldk: number, n: number, stats: number, work: number): number;
  symmetricDot(A: number, lda: number, B: number, ldb: number, n: number): number;
  uCentredDots(K: number, ldk: number, L: number, ldl: number, n: number, a: number, c: number, b: number, d: number, out: number): void;
  qrWorkBytes(m: number, n: number): number;
  qrThin(A: number, m: number, n: number, Q: number, R: number, work: number): void;
  svdWorkBytes(m: number, n: number): number;
  svdJacobi(A: number, m: number, n: number, S: number, U: number, V: number, vectors: number, work: number): number;
  eighTridiagonalWorkBytes(n: number): number;
  eighTridiagonal(S: number, n: number, W: number, V: number, vectors: number, work: number): number;
  singularValuesWorkBytes(m: number, n: number): number;
  singularValues(A: number, m: number, n: number, s: number, work: number): number;
  singularValuesDqds(on: number): void;
  lastSweeps: WebAssembly.Global | number;
  lastRotations: WebAssembly.Global | number;
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

/**
 * Which build this runtime can run, or null when WebAssembly SIMD is unavailable. `shared` asks
 * for the builds that import a shared memory (for the helper thread).
 */
export function detectWasm(preferRelaxed = true, shared = false): { flavour: WasmFlavour; bytes: Uint8Array<ArrayBuffer> } | null {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") return null;
  if (preferRelaxed) {
    const bytes = decodeBase64(shared ? relaxedSharedBase64 : relaxedBase64);
    if (WebAssembly.validate(bytes)) return { flavour: "relaxed-simd", bytes };
  }
  const bytes = decodeBase64(shared ? simdSharedBase64 : simdBase64);
  if (WebAssembly.validate(bytes)) return { flavour: "simd", bytes };
  return null;
}

/** Options of the core: the relaxed-SIMD build where valid, and how many threads the Gram uses. */
export interface CoreOptions {
  preferRelaxed?: boolean;
  /** 1 or 2 (default 2 where Node's worker_threads and shared memory exist) */
  threads?: number;
}

/** Gram products below this many multiply-adds (d n^2 / 2) stay on one thread. */
const THREAD_MIN_WORK = 2e7;
/** Weight of one element of an O(d n) pass (transpose, normalisation) in those units: about 1M elements go on two threads. */
const TRANSPOSE_WORK = 40;

function imports(memory: WebAssembly.Memory | null): Record<string, Record<string, unknown>> {
  return memory ? { env: { memory } } : {};
}

function sharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true } as WebAssembly.MemoryDescriptor);
}

function readGlobal(g: WebAssembly.Global | number): number {
  return typeof g === "number" ? g : (g.value as number);
}

const PAGE = 65536;

/**
 * x rounded up to a multiple of 16, exact for every offset of a 4 GiB memory (JavaScript's bitwise
 * operators would wrap above 2^31).
 */
export function align16(x: number): number {
  return Math.ceil(x / 16) * 16;
}
/** wasm32 ceiling: 65536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * One instance of the core with its arena. Allocation is a bump pointer; `reset(mark)` frees
 * everything allocated after `mark`, so every public call leaves memory as it found it.
 */
export class WasmCore {
  readonly flavour: WasmFlavour;
  /** 2 when the Gram product may use the helper thread */
  readonly threads: number;
  private readonly module: WebAssembly.Module;
  private readonly shared: WebAssembly.Memory | null;
  private ex!: CoreExports;
  private base = 0;
  private top = 0;
  private helper: GramHelper | null = null;
  private helperPack = 0;
  /** highest arena top since creation (bytes above heapBase) */
  peak = 0;
  /** Gram products computed on two threads */
  parallelGrams = 0;

  private constructor(module: WebAssembly.Module, flavour: WasmFlavour, shared: WebAssembly.Memory | null, ex: CoreExports) {
    this.module = module;
    this.flavour = flavour;
    this.shared = shared;
    this.threads = shared ? 2 : 1;
    this.bind(ex);
  }

  private static plan(o: CoreOptions): { found: NonNullable<ReturnType<typeof detectWasm>>; shared: WebAssembly.Memory | null } {
    const threads = o.threads ?? 2;
    if (threads !== 1 && threads !== 2) fail("badOption", `expected threads to be 1 or 2, got ${String(threads)}`);
    const wantShared = threads === 2 && threadsAvailable();
    const found = (wantShared && detectWasm(o.preferRelaxed ?? true, true)) || detectWasm(o.preferRelaxed ?? true, false);
    if (!found) fail("wasmUnavailable", "expected a runtime with WebAssembly SIMD, got none (use the 'js' backend)");
    const isShared = wantShared && found.bytes.length > 0 && WebAssembly.Module.imports(new WebAssembly.Module(found.bytes)).some((i) => i.kind === "memory");
    return { found, shared: isShared ? sharedMemory() : null };
  }

  static async create(o: CoreOptions = {}): Promise<WasmCore> {
    const { found, shared } = WasmCore.plan(o);
    const module = await WebAssembly.compile(found.bytes);
    const inst = await loader.instantiate<CoreExports>(module, imports(shared));
    return new WasmCore(module, found.flavour, shared, inst.exports as unknown as CoreExports);
  }

  static createSync(o: CoreOptions = {}): WasmCore {
    const { found, shared } = WasmCore.plan(o);
    const module = new WebAssembly.Module(found.bytes);
    const inst = loader.instantiateSync<CoreExports>(module, imports(shared));
    return new WasmCore(module, found.flavour, shared, inst.exports as unknown as CoreExports);
  }

  private bind(ex: CoreExports): void {
    this.ex = ex;
    this.base = align16(ex.heapBase());
    if (this.shared) {
      // a permanent packing scratch for the helper thread, below the arena
      this.helperPack = this.base;
      this.base += align16(readGlobal(ex.PACK_BYTES));
      const need = this.base + PAGE;
      if (need > this.shared.buffer.byteLength) this.shared.grow(Math.ceil((need - this.shared.buffer.byteLength) / PAGE));
    }
    this.top = this.base;
    ex.setTolerances(CHOL_STOP, ERR_SCALE, UNTRUSTED_ERR, NEAR_ZERO_D2);
  }

  /** Replaces a trapped instance by a fresh one (same compiled module and memory); the arena starts empty. */
  rebuild(): void {
    const inst = loader.instantiateSync<CoreExports>(this.module, imports(this.shared));
    this.bind(inst.exports as unknown as CoreExports);
  }

  /**
   * G = Z^T Z (or G += Z^T Z when accumulating; n x n, both triangles) for the column-major d x n matrix Z: on two threads when
   * the helper is available and the product is large enough, else on this one. Same bits either way.
   */
  gram(Z: number, d: number, n: number, G: number, accumulate = false): void {
    const helper = this.helperFor(d * n * n);
    // a failed split overwrites nothing it cannot redo, except when accumulating: then G may hold
    // half a batch, so the failure propagates instead of falling back to one thread
    const split = () => helper!.syrk(this.ex, Z, d, d, n, G, n, accumulate);
    if (helper && (accumulate ? split() : this.tryHelper(split))) {
      this.parallelGrams++;
      return;
    }
    this.ex.syrk(Z, d, d, n, G, n, accumulate ? 1 : 0);
  }

  /**
   * Row-major rows x cols at src to column-major at dst (leading dimension ld), split over the two
   * threads when the matrix is large (pure data movement: the same bits either way).
   */
  transposeF64(src: number, rows: number, cols: number, dst: number, ld: number): void {
    const helper = this.helperFor(TRANSPOSE_WORK * rows * cols);
    if (helper && this.tryHelper(() => helper.transpose(this.ex, src, rows, cols, dst, ld))) return;
    this.ex.transposeF64(src, rows, cols, dst, ld);
  }

  /** assembly/columns.ts normalizeColumns, split by columns over the two threads when large (same bits). */
  normalizeColumns(Z: number, ld: number, d: number, n: number, norms: number, deadNorm: number): void {
    const helper = this.helperFor(TRANSPOSE_WORK * d * n);
    if (helper && this.tryHelper(() => helper.normalize(this.ex, Z, ld, d, n, norms, deadNorm))) return;
    this.ex.normalizeColumns(Z, ld, d, n, norms, deadNorm);
  }

  /** C = A^T B (column-major, C m x n with ld ldc), split over the two threads when large (same bits). */
  gemmTN(A: number, lda: number, B: number, ldb: number, d: number, m: number, n: number, C: number, ldc: number): void {
    const helper = this.helperFor(d * m * n);
    if (helper && this.tryHelper(() => helper.gemmTN(this.ex, A, lda, B, ldb, d, m, n, C, ldc))) return;
    this.ex.gemmTN(A, lda, B, ldb, d, m, n, C, ldc, 0);
  }

  /** C = A B (column-major), split over the two threads when large (same bits). */
  gemmNN(A: number, lda: number, B: number, ldb: number, m: number, k: number, n: number, C: number, ldc: number): void {
    const helper = this.helperFor(m * k * n);
    if (helper && this.tryHelper(() => helper.gemmNN(this.ex, A, lda, B, ldb, m, k, n, C, ldc))) return;
    this.ex.gemmNN(A, lda, B, ldb, m, k, n, C, ldc, 0);
  }

  /** C = X U for upper triangular U (assembly/cholqr.ts), split over the two threads when large (same bits). */
  multiplyUpper(X: number, ldx: number, m: number, n: number, U: number, ldu: number, C: number, ldc: number): void {
    const helper = this.helperFor((m * n * n) / 2);
    if (helper && this.tryHelper(() => helper.multiplyUpper(this.ex, X, ldx, m, n, U, ldu, C, ldc))) return;
    this.ex.multiplyUpper(X, ldx, m, n, U, ldu, C, ldc);
  }

  /**
   * assembly/tridiagonal.ts eighTridiagonal with vectors. The eigenvectors of the tridiagonal come
   * from divide and conquer, and V = Q Z (eighApplyQ) is split by columns over the two threads
   * when n is large (columns are independent: same bits). The QL fallback (eighDivideAndConquer(0),
   * or a divide-and-conquer leaf that did not converge) completes V on one thread. Returns the
   * iteration count, or -1. A failed split throws: V would be half transformed.
   */
  eighVectors(S: number, n: number, W: number, V: number, work: number): number {
    const helper = this.helperFor(3 * n * n * n);
    if (!helper) return this.ex.eighTridiagonal(S, n, W, V, 1, work);
    const iters = this.ex.eighTridiagonalStart(S, n, V, 2, work);
    if (iters < 0) return -1;
    if (this.ex.eighQPending() && !helper.applyQ(this.ex, n, work, V)) this.ex.eighApplyQ(n, work, V, n, 0);
    this.ex.eighTridiagonalFinish(n, W, V, 1, work);
    return iters;
  }

  /** The helper thread when this core may use one for `work` (flop-like units), started on first use. */
  private helperFor(work: number): GramHelper | null {
    if (!this.shared || work < 2 * THREAD_MIN_WORK) return null;
    if (!this.helper) this.helper = GramHelper.start(this.module, this.shared, this.helperPack);
    return this.helper?.usable ? this.helper : null;
  }

  /** Runs a split job; false when the helper declined or failed (then marked unusable), so the caller runs alone. */
  private tryHelper(job: () => boolean): boolean {
    try {
      return job();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw e;
      return false;
    }
  }

  /** Stops the helper thread, if any. */
  close(): void {
    this.helper?.stop();
    this.helper = null;
  }

  get exports(): CoreExports {
    return this.ex;
  }

  get memoryBytes(): number {
    return (this.shared ?? this.ex.memory).buffer.byteLength;
  }

  private get buffer(): ArrayBufferLike {
    return (this.shared ?? this.ex.memory).buffer;
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
    const ptr = align16(this.top);
    const end = ptr + bytes;
    if (end > MAX_MEMORY_BYTES - PAGE) {
      throw new RepmatchError("tooLarge", `expected the data to fit in the 4 GiB of WebAssembly memory, got a request for ${end} bytes`);
    }
    const memory = this.shared ?? this.ex.memory;
    const have = memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        memory.grow(pages);
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
    return new Float64Array(this.buffer, ptr, len);
  }

  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.buffer, ptr, len);
  }

  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.buffer, ptr, len);
  }

  global(g: WebAssembly.Global | number): number {
    return readGlobal(g);
  }
}
