/**
 * A second thread for the Gram product (Node only): one worker_threads worker instantiates the
 * same shared-memory build of the core on the same WebAssembly.Memory and computes one part of
 * the upper triangle (blas.ts syrkPart) while the calling thread computes the other. The same
 * worker also takes one half of other stateless kernels on disjoint memory: the input's
 * transposition and column normalisation (before the Gram), the measures' gemmTN / gemmNN /
 * triangular products (block columns) and the eigensolver's V = Q Z (columns). Calls stay
 * synchronous: the caller hands over a task through a small SharedArrayBuffer and waits with
 * Atomics.wait (allowed on Node's main thread and in workers). Every split produces exactly the
 * bits of one thread, so results do not depend on the thread count.
 *
 * Where worker_threads or SharedArrayBuffer are missing (browsers' main threads, old runtimes),
 * nothing here is used and the engine runs single-threaded.
 */

// control words (Int32Array over a SharedArrayBuffer)
const SEQ = 0; // task sequence number, written by the caller
const DONE = 1; // last finished task, written by the worker
const ERR = 2; // non-zero when the worker failed (the message follows in MSG)
const READY = 3; // 1 once the worker has instantiated the core
const JOB = 4; // which kernel: one of the JOB_ codes below
const ARGS = 5; // up to 10 integer arguments (pointers as uint32)
const WORDS = 16;
const F64_ARG = 2; // index of the one f64 argument in a Float64Array over the same buffer (byte 16 * 4 + 8)
const JOB_SYRK = 0; // syrkPart(Z, ldz, d, n, G, ldg, s, part)
const JOB_TRANSPOSE = 1; // transposeF64(src, rows, cols, dst, ld)
const JOB_NORMALIZE = 2; // normalizeColumns(Z, ld, d, n, norms, deadNorm = the f64 argument)
const JOB_GEMM_TN = 3; // gemmTN(A, lda, B, ldb, d, m, n, C, ldc, accumulate)
const JOB_GEMM_NN = 4; // gemmNN(A, lda, B, ldb, m, k, n, C, ldc, accumulate)
const JOB_MULT_UPPER = 5; // multiplyUpperFrom(X, ldx, m, n, U, ldu, C, ldc, from)
const JOB_APPLY_Q = 6; // eighApplyQ(n, work, Z, nc, second = 1)
const BYTES = WORDS * 4 + 3 * 8;

/** The worker's code, run with `eval: true`. */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, ctrl: ctrlBuf, pack } = workerData;
const ctrl = new Int32Array(ctrlBuf, 0, ${WORDS});
const f64 = new Float64Array(ctrlBuf, ${WORDS * 4}, 3);
let ex;
try {
  const inst = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("abort in worker"); } } });
  ex = inst.exports;
  ex.setPackBuffer(pack);
  Atomics.store(ctrl, ${READY}, 1);
} catch (e) {
  Atomics.store(ctrl, ${ERR}, 1);
  Atomics.store(ctrl, ${READY}, 1);
}
Atomics.notify(ctrl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  const seq = Atomics.load(ctrl, ${SEQ});
  if (seq < 0) break;
  seen = seq;
  try {
    const a = (k) => Atomics.load(ctrl, ${ARGS} + k) >>> 0;
    const job = Atomics.load(ctrl, ${JOB});
    if (job === ${JOB_SYRK}) ex.syrkPart(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7));
    else if (job === ${JOB_TRANSPOSE}) ex.transposeF64(a(0), a(1), a(2), a(3), a(4));
    else if (job === ${JOB_NORMALIZE}) ex.normalizeColumns(a(0), a(1), a(2), a(3), a(4), f64[${F64_ARG}]);
    else if (job === ${JOB_GEMM_TN}) ex.gemmTN(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9));
    else if (job === ${JOB_GEMM_NN}) ex.gemmNN(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9));
    else if (job === ${JOB_MULT_UPPER}) ex.multiplyUpperFrom(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8));
    else if (job === ${JOB_APPLY_Q}) ex.eighApplyQ(a(0), a(1), a(2), a(3), 1);
    else throw new Error("unknown job " + job);
  } catch (e) {
    Atomics.store(ctrl, ${ERR}, 2);
  }
  Atomics.store(ctrl, ${DONE}, seq);
  Atomics.notify(ctrl, ${DONE});
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}

type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

function nodeWorkerCtor(): WorkerCtor | null {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== "function") return null;
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics?.wait !== "function") return null;
  const wt = proc.getBuiltinModule("node:worker_threads") as { Worker?: WorkerCtor } | undefined;
  return wt?.Worker ?? null;
}

/** Whether this runtime can run the helper thread (Node with worker_threads and shared memory). */
export function threadsAvailable(): boolean {
  return nodeWorkerCtor() !== null;
}

interface SyrkExports {
  syrkPart(Z: number, ldz: number, d: number, n: number, G: number, ldg: number, s: number, part: number): void;
  symmetrize(G: number, ldg: number, n: number): void;
}

interface SplitExports {
  transposeF64(src: number, rows: number, cols: number, dst: number, ld: number): void;
  normalizeColumns(Z: number, ld: number, d: number, n: number, norms: number, deadNorm: number): void;
  gemmTN(A: number, lda: number, B: number, ldb: number, d: number, m: number, n: number, C: number, ldc: number, accumulate: number): void;
  gemmNN(A: number, lda: number, B: number, ldb: number, m: number, k: number, n: number, C: number, ldc: number, accumulate: number): void;
  multiplyUpperFrom(X: number, ldx: number, m: number, n: number, U: number, ldu: number, C: number, ldc: number, from: number): void;
  eighApplyQ(n: number, work: number, Z: number, nc: number, second: number): void;
}

/** Column-block widths of blas.ts's crossTN (NC) and gemmNN (NN) and of cholqr.ts (UB): a split at a multiple keeps every tile, so the bits. */
const TN_BLOCK = 120;
const NN_BLOCK = 128;
const UPPER_BLOCK = 64;

export class GramHelper {
  private readonly worker: NodeWorker;
  private readonly ctrl: Int32Array;
  private seq = 0;
  private broken = false;

  private readonly f64: Float64Array;

  private constructor(worker: NodeWorker, ctrl: Int32Array) {
    this.worker = worker;
    this.ctrl = ctrl;
    this.f64 = new Float64Array(ctrl.buffer, WORDS * 4, 3);
  }

  /**
   * Starts the worker on `module` (a shared-memory build) and `memory`, with its packing scratch
   * at `pack`; waits until it is ready. Returns null when it cannot start.
   */
  static start(module: WebAssembly.Module, memory: WebAssembly.Memory, pack: number, timeoutMs = 10_000): GramHelper | null {
    const Worker = nodeWorkerCtor();
    if (!Worker) return null;
    const ctrlBuf = new SharedArrayBuffer(BYTES);
    const ctrl = new Int32Array(ctrlBuf, 0, WORDS);
    let worker: NodeWorker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctrl: ctrlBuf, pack } });
    } catch {
      return null;
    }
    worker.unref();
    Atomics.wait(ctrl, READY, 0, timeoutMs);
    if (Atomics.load(ctrl, READY) !== 1 || Atomics.load(ctrl, ERR) !== 0) {
      void worker.terminate();
      return null;
    }
    return new GramHelper(worker, ctrl);
  }

  get usable(): boolean {
    return !this.broken;
  }

  /**
   * G = Z^T Z (both triangles) with the work split between this thread and the worker. Returns
   * false (having computed nothing) when the helper is unusable; the caller then runs syrk alone.
   */
  syrk(ex: SyrkExports, Z: number, ldz: number, d: number, n: number, G: number, ldg: number, accumulate = false): boolean {
    if (this.broken || n < 2 || d < 1) return false;
    const s = Math.min(n - 1, Math.max(1, Math.round(n / Math.SQRT2)));
    const acc = accumulate ? 2 : 0;
    this.split(JOB_SYRK, [Z, ldz, d, n, G, ldg, s, 1 | acc], 0, () => ex.syrkPart(Z, ldz, d, n, G, ldg, s, acc));
    ex.symmetrize(G, ldg, n);
    return true;
  }

  /**
   * Transposes the row-major rows x cols matrix at src into the column-major one at dst (leading
   * dimension ld): the worker takes the second half of the rows. Returns false (having done
   * nothing) when the helper is unusable.
   */
  transpose(ex: SplitExports, src: number, rows: number, cols: number, dst: number, ld: number): boolean {
    if (this.broken || rows < 64) return false;
    const h = (rows >> 1) & ~31; // a whole number of the kernel's 32-row tiles
    this.split(JOB_TRANSPOSE, [src + 8 * h * cols, rows - h, cols, dst + 8 * h, ld], 0, () => ex.transposeF64(src, h, cols, dst, ld));
    return true;
  }

  /** normalizeColumns over the columns of Z, the worker taking the second half. */
  normalize(ex: SplitExports, Z: number, ld: number, d: number, n: number, norms: number, deadNorm: number): boolean {
    if (this.broken || n < 2) return false;
    const h = n >> 1;
    this.split(JOB_NORMALIZE, [Z + 8 * ld * h, ld, d, n - h, norms + 8 * h], deadNorm, () => ex.normalizeColumns(Z, ld, d, h, norms, deadNorm));
    return true;
  }

  /** C = A^T B (d x m, d x n -> m x n), the worker taking the trailing block columns of C. */
  gemmTN(ex: SplitExports, A: number, lda: number, B: number, ldb: number, d: number, m: number, n: number, C: number, ldc: number): boolean {
    const h = Math.round(n / 2 / TN_BLOCK) * TN_BLOCK;
    if (this.broken || h <= 0 || h >= n) return false;
    this.split(JOB_GEMM_TN, [A, lda, B + 8 * ldb * h, ldb, d, m, n - h, C + 8 * ldc * h, ldc, 0], 0, () => ex.gemmTN(A, lda, B, ldb, d, m, h, C, ldc, 0));
    return true;
  }

  /** C = A B (m x k, k x n -> m x n), the worker taking the trailing block columns of C. */
  gemmNN(ex: SplitExports, A: number, lda: number, B: number, ldb: number, m: number, k: number, n: number, C: number, ldc: number): boolean {
    const h = Math.round(n / 2 / NN_BLOCK) * NN_BLOCK;
    if (this.broken || h <= 0 || h >= n) return false;
    this.split(JOB_GEMM_NN, [A, lda, B + 8 * ldb * h, ldb, m, k, n - h, C + 8 * ldc * h, ldc, 0], 0, () => ex.gemmNN(A, lda, B, ldb, m, k, h, C, ldc, 0));
    return true;
  }

  /** C = X U for upper triangular U: column j costs ~j, so the split column is ~n / sqrt(2). */
  multiplyUpper(ex: SplitExports, X: number, ldx: number, m: number, n: number, U: number, ldu: number, C: number, ldc: number): boolean {
    const h = Math.round(n / Math.SQRT2 / UPPER_BLOCK) * UPPER_BLOCK;
    if (this.broken || h <= 0 || h >= n) return false;
    this.split(JOB_MULT_UPPER, [X, ldx, m, n, U, ldu, C, ldc, h], 0, () => ex.multiplyUpperFrom(X, ldx, m, h, U, ldu, C, ldc, 0));
    return true;
  }

  /**
   * The eigensolver's V = Q Z (assembly/tridiagonal.ts eighApplyQ) on the n columns of Z (n x n),
   * the worker taking the second half with its own panel buffers: columns are independent, so
   * the bits are one thread's. Z is modified in place: a failure throws.
   */
  applyQ(ex: SplitExports, n: number, work: number, Z: number): boolean {
    const h = Math.round(n / 4) * 2;
    if (this.broken || h <= 0 || h >= n) return false;
    this.split(JOB_APPLY_Q, [n, work, Z + 8 * n * h, n - h], 0, () => ex.eighApplyQ(n, work, Z, h, 0));
    return true;
  }

  /** Hands `job` to the worker, runs `mine` here, and waits for the worker; throws if it failed. */
  private split(job: number, args: number[], f: number, mine: () => void): void {
    Atomics.store(this.ctrl, JOB, job);
    for (let k = 0; k < args.length; k++) Atomics.store(this.ctrl, ARGS + k, args[k]! | 0);
    this.f64[F64_ARG] = f;
    const seq = ++this.seq;
    Atomics.store(this.ctrl, SEQ, seq);
    Atomics.notify(this.ctrl, SEQ);
    const t0 = Date.now();
    let failed: unknown = null;
    try {
      mine();
    } catch (e) {
      failed = e;
    }
    // the worker's part costs about as much as ours: allow it generously more before giving up
    const limit = Math.max(30_000, 20 * (Date.now() - t0));
    while (Atomics.load(this.ctrl, DONE) !== seq) {
      if (Atomics.wait(this.ctrl, DONE, seq - 1, limit) === "timed-out" && Atomics.load(this.ctrl, DONE) !== seq) {
        this.broken = true;
        void this.worker.terminate();
        throw new Error("the Gram helper thread did not answer");
      }
    }
    if (failed) throw failed;
    if (Atomics.load(this.ctrl, ERR) !== 0) {
      this.broken = true;
      void this.worker.terminate();
      throw new Error("the Gram helper thread failed");
    }
  }

  stop(): void {
    if (this.broken) return;
    this.broken = true;
    Atomics.store(this.ctrl, SEQ, -1);
    Atomics.notify(this.ctrl, SEQ);
  }
}
