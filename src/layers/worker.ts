/**
 * Entry of a layers-grid worker thread (Node). Bundled by scripts/build-ts.mjs into a string
 * (worker.generated.ts) that pool.ts starts with `eval: true`, so the library needs no separate
 * worker file on disk. Each worker owns one engine (one thread: the parallelism is across pairs).
 */
import { parentPort } from "node:worker_threads";
import { createEngineSync } from "../engine.js";
import { RepmatchError } from "../errors.js";
import { comparePair, type PairOptions } from "./pair.js";

interface Shared {
  buffer: SharedArrayBuffer | ArrayBuffer;
  shape: [number, number];
  name: string;
}

interface Task {
  id: number;
  a: Shared;
  b: Shared;
  opts: PairOptions;
}

const engine = createEngineSync({ threads: 1 });

parentPort!.on("message", (task: Task) => {
  try {
    const a = { data: new Float64Array(task.a.buffer), shape: task.a.shape };
    const b = { data: new Float64Array(task.b.buffer), shape: task.b.shape };
    const result = comparePair(engine, a, b, [task.a.name, task.b.name], task.opts);
    parentPort!.postMessage({ id: task.id, result });
  } catch (e) {
    const code = e instanceof RepmatchError ? e.code : "engineFailure";
    parentPort!.postMessage({ id: task.id, error: { code, message: (e as Error)?.message ?? String(e) } });
  }
});
