// Block Gram-Schmidt with reorthogonalisation (assembly/gramschmidt.ts) and the two exact routes
// of the subspace match agreeing with each other.
import { describe, expect, it } from "vitest";
import { WasmCore } from "../src/wasm/instance.js";
import { gaussian } from "../src/random.js";

interface GsExports {
  bcgs2(A: number, d: number, m: number, S: number, tiny: number): number;
  gsResiduals(Q: number, d: number, m: number, X: number, k: number, S: number, out: number): void;
  householderQrcp(A: number, d: number, m: number, tau: number, norms: number, cutoff: number): number;
  householderResidual(A: number, d: number, r: number, tau: number, x: number): number;
}

const core = WasmCore.createSync({ threads: 1 });
const ex = core.exports as unknown as GsExports;

/** d x m column-major matrix with prescribed singular values (U diag(s) V^T from random factors). */
function conditioned(d: number, m: number, cond: number, seed: number): Float64Array {
  const g = gaussian(seed);
  const A = Float64Array.from({ length: d * m }, g);
  // scale column j by cond^(-j/(m-1)) after mixing: a simple graded matrix
  for (let j = 0; j < m; j++) {
    const s = m > 1 ? Math.pow(cond, -j / (m - 1)) : 1;
    for (let i = 0; i < d; i++) A[j * d + i]! *= s;
  }
  return A;
}

function orthonormalityError(Q: Float64Array, d: number, m: number): number {
  let worst = 0;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += Q[a * d + i]! * Q[b * d + i]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

describe("bcgs2", () => {
  for (const [d, m, cond] of [[7, 1, 1], [50, 3, 10], [301, 33, 1e3], [1000, 64, 1e6], [2049, 97, 1e4], [129, 129, 1e2]] as const) {
    it(`orthonormalises ${d} x ${m} (cond ~${cond}) and gives the Householder residuals`, () => {
      const mark = core.mark();
      try {
        const A = conditioned(d, m, cond, d + m);
        const pA = core.alloc(8 * d * m), pS = core.alloc(8 * m * 32);
        core.f64(pA, d * m).set(A);
        expect(ex.bcgs2(pA, d, m, pS, 1e-8)).toBe(0);
        expect(orthonormalityError(core.f64(pA, d * m), d, m)).toBeLessThan(1e-13);
        // residuals of k random vectors against span(A): compare with Householder QRCP
        const k = 5;
        const g = gaussian(99);
        const X = Float64Array.from({ length: d * k }, g);
        const pX = core.alloc(8 * d * k), pOut = core.alloc(8 * k);
        core.f64(pX, d * k).set(X);
        ex.gsResiduals(pA, d, m, pX, k, pS, pOut);
        const got = Array.from(core.f64(pOut, k));
        const pH = core.alloc(8 * d * m), pTau = core.alloc(8 * m), pN = core.alloc(16 * m), px = core.alloc(8 * d);
        core.f64(pH, d * m).set(A);
        const r = ex.householderQrcp(pH, d, m, pTau, pN, Math.max(d, m) * 2.220446049250313e-16);
        expect(r).toBe(Math.min(d, m));
        for (let c = 0; c < k; c++) {
          core.f64(px, d).set(X.subarray(c * d, (c + 1) * d));
          const want = ex.householderResidual(pH, d, r, pTau, px);
          expect(Math.abs(got[c]! - want)).toBeLessThan(1e-12 * Math.max(1, want));
        }
      } finally {
        core.reset(mark);
      }
    });
  }

  it("reports a dependent column instead of producing garbage", () => {
    const mark = core.mark();
    try {
      const d = 40, m = 6;
      const A = conditioned(d, m, 10, 5);
      for (let i = 0; i < d; i++) A[4 * d + i] = A[1 * d + i]! * 2 - A[2 * d + i]!; // column 4 = 2 c1 - c2
      const pA = core.alloc(8 * d * m), pS = core.alloc(8 * m * 32);
      core.f64(pA, d * m).set(A);
      expect(ex.bcgs2(pA, d, m, pS, 1e-8)).toBe(5);
    } finally {
      core.reset(mark);
    }
  });
});
