/**
 * The WASM backend: copies a validated pair once into linear memory (column-major), normalises the
 * columns and forms their cosine Gram there (the only O(d n^2) work, SIMD), then runs the pruning
 * loop of assembly/match.ts inside candidate sets. All of a pair's memory is one arena segment,
 * released by dispose().
 */
import type { Backend, PreparedPair, PruneResult } from "../backend.js";
import { RepmatchError } from "../errors.js";
import { crossDistances, gramBlock, liveMask, sideRanks } from "../js/backend.js";
import type { MatrixView } from "../matrix.js";
import { copyIn } from "./copy.js";
import { DEAD_NORM } from "../tolerances.js";
import type { WasmCore } from "./instance.js";

/** Bytes the WASM arena needs for a pair (checked before anything is allocated). */
export function pairBytes(core: WasmCore, d: number, na: number, nb: number): number {
  const n = na + nb;
  // Z, the staging copy of the larger side, C, norms, masks and index lists, the workspace
  return 8 * d * n + 8 * d * Math.max(na, nb) + 8 * n * n + 8 * n + 2 * n + 16 * n + core.exports.workspaceBytes(d, na, nb) + 256;
}

export function wasmBackend(core: WasmCore): Backend {
  return {
    name: "wasm",
    prepare(a: MatrixView, b: MatrixView): PreparedPair {
      const d = a.samples, na = a.neurons, nb = b.neurons, n = na + nb;
      const need = pairBytes(core, d, na, nb);
      if (!core.fits(need)) {
        throw new RepmatchError(
          "tooLarge",
          `expected a pair that fits in 4 GiB of WebAssembly memory, got ${d} samples x (${na} + ${nb}) neurons needing ${(need / 2 ** 30).toFixed(2)} GiB`,
          { bytes: need },
        );
      }
      const mark = core.mark();
      try {
        const ex = core.exports;
        const Z = core.alloc(8 * d * n);
        copyIn(core, a, Z, d);
        copyIn(core, b, Z + 8 * na * d, d);
        const normsPtr = core.alloc(8 * n);
        core.normalizeColumns(Z, d, d, n, normsPtr, DEAD_NORM);
        const live = liveMask(core.f64(normsPtr, n));
        const C = core.alloc(8 * n * n);
        core.gram(Z, d, n, C);
        return bindPair(core, mark, C, Z, live, d, na, nb);
      } catch (e) {
        core.reset(mark);
        throw e;
      }
    },
  };
}

/**
 * A PreparedPair over the cosine Gram C (and unit columns Z, or 0 when the pair is known only by
 * its accumulated Gram: then decisions the exact route would have checked are counted as
 * uncertain). Everything from `mark` on belongs to the pair and is freed by dispose().
 */
export function bindPair(core: WasmCore, mark: number, C: number, Z: number, live: Uint8Array, d: number, na: number, nb: number): PreparedPair {
  const ex = core.exports;
  const n = na + nb;
  const livePtr = core.alloc(n);
  core.u8(livePtr, n).set(live);
  const work = core.alloc(ex.workspaceBytes(Z === 0 ? 0 : d, na, nb));
  const cand = core.alloc(n);
  const out = core.alloc(n);
  const tPtr = core.alloc(4 * n);
  const bPtr = core.alloc(4 * n);
  const dPtr = core.alloc(8 * n);
  let disposed = false;
  const check = () => {
    if (disposed) throw new RepmatchError("engineFailure", "expected a live prepared pair, got one already disposed");
    ex.setPair(C, Z, livePtr, d, na, nb, work);
  };
  return {
    samples: d,
    na,
    nb,
    live,
    maxMatch(mask: Uint8Array, eps: number): PruneResult {
      check();
      core.u8(cand, n).set(mask);
      const rounds = ex.maxMatch(cand, eps, out);
      return {
        match: core.u8(out, n).slice(),
        margin: core.global(ex.lastMargin),
        rounds,
        exactSides: core.global(ex.lastExactSides),
        uncertain: core.global((ex as unknown as { lastUncertain: WebAssembly.Global }).lastUncertain),
      };
    },
    crossDistances(): Float64Array {
      check();
      return crossDistances(live, na, nb, (t, nt, basis, m, res) => {
        core.i32(tPtr, nt).set(t.subarray(0, nt));
        core.i32(bPtr, m).set(basis.subarray(0, m));
        ex.distances(tPtr, nt, bPtr, m, NaN, dPtr);
        res.set(core.f64(dPtr, nt));
      });
    },
    ranks(): [number, number] {
      check();
      return sideRanks(live, na, (idx, m) => {
        core.i32(bPtr, m).set(idx);
        return (ex as unknown as { sideRank(b: number, m: number): number }).sideRank(bPtr, m);
      });
    },
    gram(idx: readonly number[]): Float64Array {
      check();
      return gramBlock(core.f64(C, n * n), n, idx);
    },
    dispose(): void {
      if (!disposed) core.reset(mark);
      disposed = true;
    },
  };
}
