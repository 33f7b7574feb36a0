/**
 * A pool of Node worker threads for a layers grid, one engine per worker. Layers are copied once
 * into SharedArrayBuffers that every worker reads without copying. Where worker_threads is missing
 * (browsers' main thread) `startPool` returns null and the grid runs in-process.
 */
import { RepmatchError, type ErrorCode } from "../errors.js";
import type { PairOptions, PairResult } from "./pair.js";
import { workerSource } from "./worker.generated.js";

export interface SharedLayer {
  buffer: SharedArrayBuffer | ArrayBuffer;
  shape: [number, number];
  name: string;
}

interface NodeWorker {
  postMessage(msg: unknown): void;
  on(event: "message", f: (m: Reply) => void): void;
  on(event: "error", f: (e: Error) => void): void;
  on(event: "exit", f: (code: number) => void): void;
  terminate(): Promise<number>;
}

type Reply = { id: number; result?: PairResult; error?: { code: ErrorCode; message: string } };
type WorkerCtor = new (src: string, opts: { eval: true }) => NodeWorker;

function workerCtor(): WorkerCtor | null {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== "function") return null;
  const wt = proc.getBuiltinModule("node:worker_threads") as { Worker?: WorkerCtor } | undefined;
  return wt?.Worker ?? null;
}

export interface Pool {
  readonly size: number;
  run(a: SharedLayer, b: SharedLayer, opts: PairOptions): Promise<PairResult>;
  close(): Promise<void>;
}

export function startPool(size: number): Pool | null {
  const Worker = workerCtor();
  if (!Worker || size < 2) return null;
  const workers: NodeWorker[] = [];
  const idle: NodeWorker[] = [];
  const queue: { task: unknown; resolve: (r: PairResult) => void; reject: (e: Error) => void; id: number }[] = [];
  const pending = new Map<number, { resolve: (r: PairResult) => void; reject: (e: Error) => void; worker: NodeWorker }>();
  let nextId = 0;
  let failure: Error | null = null;

  const pump = () => {
    while (idle.length > 0 && queue.length > 0) {
      const w = idle.pop()!;
      const job = queue.shift()!;
      pending.set(job.id, { resolve: job.resolve, reject: job.reject, worker: w });
      w.postMessage(job.task);
    }
  };
  const failAll = (e: Error) => {
    failure = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    for (const q of queue.splice(0)) q.reject(e);
  };

  for (let k = 0; k < size; k++) {
    const w = new Worker(workerSource, { eval: true });
    w.on("message", (m: Reply) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      idle.push(w);
      if (m.error) p.reject(new RepmatchError(m.error.code, m.error.message));
      else p.resolve(m.result!);
      pump();
    });
    w.on("error", (e: Error) => failAll(new RepmatchError("engineFailure", `expected a layers worker to finish, got an error: ${e.message}`)));
    w.on("exit", (code: number) => {
      if (code !== 0 && !failure) failAll(new RepmatchError("engineFailure", `expected a layers worker to keep running, got exit code ${code}`));
    });
    workers.push(w);
    idle.push(w);
  }

  return {
    size,
    run(a, b, opts) {
      if (failure) return Promise.reject(failure);
      return new Promise<PairResult>((resolve, reject) => {
        const id = nextId++;
        queue.push({ id, task: { id, a, b, opts }, resolve, reject });
        pump();
      });
    },
    async close() {
      failure ??= new RepmatchError("engineFailure", "expected an open pool, got a closed one");
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
