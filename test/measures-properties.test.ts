// Properties of the CCA / CKA / shape / path measures (identities, symmetry, PWCCA's asymmetry,
// invariances, degenerate inputs and their documented results, typed errors, memory) on both
// backends, and the dense kernels of the pure-TS linear algebra (SVD, eigh, QR, products) on their own.
import { beforeAll, describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend.js";
import { createEngineSync, type Engine } from "../src/engine.js";
import { RepmatchError } from "../src/errors.js";
import { multiply, multiplyTN, transpose } from "../src/js/dense.js";
import { eighTridiagonal } from "../src/js/tridiagonal.js";
import { jsLinalg } from "../src/js/linalg.js";
import { householderQ, householderQr, householderR } from "../src/js/qr.js";
import { svdJacobi } from "../src/js/svd.js";
import type { MatrixInput } from "../src/matrix.js";
import { viewMatrix } from "../src/matrix.js";
import { distanceMedian } from "../src/js/kernel.js";
import { gaussian } from "../src/random.js";
import { WasmCore } from "../src/wasm/instance.js";
import { wasmLinalg } from "../src/wasm/linalg.js";
import { randn } from "./helpers.js";

let engine: Engine;
beforeAll(() => {
  engine = createEngineSync();
});

const BACKENDS: BackendName[] = ["js", "wasm"];

// ---------------------------------------------------------------------------------------------
// data helpers (row-major MatrixInput, as users pass them)

function rm(n: number, p: number, f: (i: number, j: number) => number): MatrixInput {
  const data = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) data[i * p + j] = f(i, j);
  return { data, shape: [n, p] };
}
const at = (X: MatrixInput, i: number, j: number) => (X.data as Float64Array)[i * (X.shape[1] as number) + j] as number;
const dims = (X: MatrixInput) => X.shape as [number, number];

/** X M for a column-major p x r matrix M. */
function times(X: MatrixInput, M: Float64Array, r: number): MatrixInput {
  const [n, p] = dims(X);
  return rm(n, r, (i, j) => {
    let s = 0;
    for (let k = 0; k < p; k++) s += at(X, i, k) * (M[j * p + k] as number);
    return s;
  });
}
const map = (X: MatrixInput, f: (v: number, i: number, j: number) => number) => rm(...dims(X), (i, j) => f(at(X, i, j), i, j));
const columns = (X: MatrixInput, keep: number[]) => rm(dims(X)[0], keep.length, (i, j) => at(X, i, keep[j] as number));
const hcat = (X: MatrixInput, Y: MatrixInput) => rm(dims(X)[0], dims(X)[1] + dims(Y)[1], (i, j) => (j < dims(X)[1] ? at(X, i, j) : at(Y, i, j - dims(X)[1])));

/** A random orthogonal p x p matrix (column-major). */
function orthogonal(p: number, seed: number): Float64Array {
  const g = gaussian(seed);
  return svdJacobi(Float64Array.from({ length: p * p }, g), p, p, true).u as Float64Array;
}

/** Y = tanh(X W) + noise: correlated with X, nonlinear, another width. */
function related(X: MatrixInput, q: number, seed: number, noise = 0.3): MatrixInput {
  const [n, p] = dims(X);
  const g = gaussian(seed);
  const W = Float64Array.from({ length: p * q }, () => g() / Math.sqrt(p));
  const XW = times(X, W, q);
  return map(XW, (v) => Math.tanh(v) + noise * g());
}

const X = randn(300, 20, 11);
const Y = related(X, 30, 12);
const Y20 = related(X, 20, 13);

function expectClose(got: number, want: number, tol: number, what: string): void {
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(tol);
}

/** The scalar values of a measures() result (NaN-free inputs), in a fixed order. */
function values(r: ReturnType<Engine["measures"]>): number[] {
  return [
    ...r.cca!.coefficients, r.cca!.mean, r.cca!.meanSquared, r.svcca!.value, r.pwcca!.paper,
    r.cka!.linear, r.cka!.linearDebiased, r.cka!.rbf!.value, r.cka!.rbfDebiased!,
    r.procrustes!.angular, r.procrustes!.shapeAlpha0_5,
  ];
}

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a RepmatchError ${code}`).toBeInstanceOf(RepmatchError);
  expect((err as RepmatchError).code).toBe(code);
  if (message) expect((err as RepmatchError).message).toMatch(message);
}

// ---------------------------------------------------------------------------------------------

for (const backend of BACKENDS) {
  describe(`identities [${backend}]`, () => {
    it("CKA(X, X) = 1 and every distance d(X, X) = 0 (feature form)", () => {
      const copy = map(X, (v) => v); // a separate copy of the same values
      for (const other of [X, copy]) {
        const r = engine.measures(X, other, { backend });
        expectClose(r.cka!.linear, 1, 1e-15, "linear CKA");
        expectClose(r.cka!.linearDebiased, 1, 1e-15, "debiased CKA");
        expectClose(r.cka!.rbf!.value, 1, 1e-15, "RBF CKA");
        expectClose(r.cka!.rbfDebiased!, 1, 1e-15, "debiased RBF CKA");
        for (const [what, d] of [
          ["angular linear CKA", r.cka!.angularLinear],
          ["angular RBF CKA", r.cka!.angularRbf!],
          ["angular Procrustes", r.procrustes!.angular],
          ["euclidean Procrustes", r.procrustes!.euclidean],
          ["shape alpha 0.5", r.procrustes!.shapeAlpha0_5],
          ["shape alpha 0.5 euclidean", r.procrustes!.shape.euclidean],
        ] as const) {
          expect(d, what).toBeGreaterThanOrEqual(0);
          expect(d, what).toBeLessThanOrEqual(1e-12);
        }
        for (const c of r.cca!.coefficients) expectClose(c, 1, 1e-12, "CCA coefficient");
        expectClose(r.cca!.mean, 1, 1e-12, "mean CCA");
        expectClose(r.svcca!.value, 1, 1e-12, "SVCCA");
        expectClose(r.pwcca!.paper, 1, 1e-12, "PWCCA paper");
        expectClose(r.pwcca!.google, 1, 1e-12, "PWCCA google");
        expect(r.warnings).toEqual([]);
      }
    });

    it("CKA(X, X) = 1 and d(X, X) = 0 in the Gram form (samples < neurons)", () => {
      const W = randn(40, 60, 21);
      const r = engine.measures(W, map(W, (v) => v), { backend, measures: ["cka", "procrustes"] });
      expect(r.cka!.form).toBe("gram");
      expectClose(r.cka!.linear, 1, 1e-15, "linear CKA");
      expectClose(r.cka!.linearDebiased, 1, 1e-15, "debiased CKA");
      expect(r.cka!.angularLinear).toBeLessThanOrEqual(1e-12);
      expect(r.procrustes!.angular).toBeLessThanOrEqual(1e-12);
      expect(r.procrustes!.euclidean).toBeLessThanOrEqual(1e-12);
    });

    it("d(X, 2 X Q + 1) = 0 for the angular Procrustes distance; CKA is 1", () => {
      const Z = map(times(X, orthogonal(20, 5), 20), (v) => 2 * v + 1);
      const r = engine.measures(X, Z, { backend, measures: ["cka", "procrustes"] });
      expect(r.procrustes!.angular).toBeLessThanOrEqual(1e-12);
      expect(r.cka!.angularLinear).toBeLessThanOrEqual(1e-12);
      expectClose(r.cka!.linear, 1, 1e-13, "linear CKA");
      // euclidean is not scale invariant: min_R ||Xc R - 2 Xc Q||_F = ||Xc||_F
      const [n, p] = dims(X);
      let fro2 = 0;
      for (let j = 0; j < p; j++) {
        let mu = 0;
        for (let i = 0; i < n; i++) mu += at(X, i, j) / n;
        for (let i = 0; i < n; i++) fro2 += (at(X, i, j) - mu) ** 2;
      }
      expectClose(r.procrustes!.euclidean, Math.sqrt(fro2), 1e-6, "euclidean = ||Xc||_F");
    });

    it("SVCCA keeping everything equals mean CCA; alpha = 0 shape metric is arccos(mean CCA) for p = q", () => {
      const r = engine.measures(X, Y, { backend, keep: 1, measures: ["cca", "svcca"] });
      expectClose(r.svcca!.value, r.cca!.mean, 1e-12, "svcca(keep 1) vs mean CCA");
      expect(r.svcca!.dims).toEqual([20, 30]);
      const p = engine.procrustes(X, Y20, { backend, alpha: 0 });
      const cca = engine.cca(X, Y20, { backend });
      expectClose(Math.cos(p.shape.angular), cca.mean, 1e-9, "cos(shape alpha 0) vs mean CCA");
    });

    it("a regularisation epsilon of 1e-12 changes CCA, SVCCA and PWCCA by < 1e-8", () => {
      // centred inputs: google's PWCCA adds the means back, so otherwise it depends on the signs of
      // singular vectors, which differ between the two routes (the documented quirk)
      const centred = (M: MatrixInput) => {
        const [n, p] = dims(M);
        const mu = Array.from({ length: p }, (_, j) => Array.from({ length: n }, (_, i) => at(M, i, j)).reduce((a, b) => a + b, 0) / n);
        return map(M, (v, _i, j) => v - mu[j]!);
      };
      const Xc = centred(X), Yc = centred(Y);
      const exact = engine.measures(Xc, Yc, { backend, measures: ["cca", "svcca", "pwcca"] });
      const reg = engine.measures(Xc, Yc, { backend, measures: ["cca", "svcca", "pwcca"], epsilon: 1e-12 });
      expect(reg.cca!.epsilon).toBe(1e-12);
      expect(reg.cca!.coefficients).toHaveLength(20);
      reg.cca!.coefficients.forEach((c, i) => expectClose(c, exact.cca!.coefficients[i]!, 1e-8, `rho ${i}`));
      expectClose(reg.svcca!.value, exact.svcca!.value, 1e-8, "svcca");
      expectClose(reg.pwcca!.paper, exact.pwcca!.paper, 1e-8, "pwcca paper");
      expectClose(reg.pwcca!.google, exact.pwcca!.google, 1e-8, "pwcca google");
      // a large epsilon visibly regularises (shrinks) the coefficients
      const big = engine.cca(X, Y, { backend, epsilon: 0.1 });
      expect(big.mean).toBeLessThan(exact.cca!.mean - 1e-3);
    });
  });

  describe(`symmetry and PWCCA's asymmetry [${backend}]`, () => {
    it("CCA, SVCCA, CKA and Procrustes are symmetric", () => {
      const ab = engine.measures(X, Y, { backend });
      const ba = engine.measures(Y, X, { backend });
      ab.cca!.coefficients.forEach((c, i) => expectClose(c, ba.cca!.coefficients[i]!, 1e-12, `rho ${i}`));
      expectClose(ab.cca!.meanSquared, ba.cca!.meanSquared, 1e-12, "R2 CCA");
      expectClose(ab.svcca!.value, ba.svcca!.value, 1e-12, "svcca");
      expect(ba.svcca!.dims).toEqual([ab.svcca!.dims[1], ab.svcca!.dims[0]]);
      for (const k of ["linear", "linearDebiased", "rbfDebiased", "angularLinear"] as const) expectClose(ab.cka![k] as number, ba.cka![k] as number, 1e-13, k);
      expectClose(ab.cka!.rbf!.value, ba.cka!.rbf!.value, 1e-13, "rbf");
      for (const k of ["angular", "euclidean", "shapeAlpha0_5"] as const) expectClose(ab.procrustes![k], ba.procrustes![k], 1e-9 * Math.max(1, ab.procrustes![k]), k);
      // p != q: both orders weight the narrower side, so PWCCA agrees
      expectClose(ab.pwcca!.paper, ba.pwcca!.paper, 1e-12, "pwcca, p != q");
    });

    it("PWCCA is not symmetric: with p = q each order weights its first argument", () => {
      const ab = engine.pwcca(X, Y20, { backend });
      const ba = engine.pwcca(Y20, X, { backend });
      expect(ab.side).toBe("a");
      expect(ba.side).toBe("a");
      expect(Math.abs(ab.value - ba.value)).toBeGreaterThan(1e-4);
      // pwcca(b, a) is pwcca(a, b) weighting b's variates
      expectClose(engine.pwcca(X, Y20, { backend, side: "b" }).value, ba.value, 1e-12, "side b");
      expect(ab.coefficients).toHaveLength(20);
      expect(ab.weights).toHaveLength(20);
      expectClose(ab.weights.reduce((s, w) => s + w, 0), 1, 1e-12, "weights sum");
      // with p < q the narrower side is weighted whatever the order; forcing the other side differs
      const forced = engine.pwcca(X, Y, { backend, side: "b" });
      expect(forced.side).toBe("b");
      expect(Math.abs(forced.value - engine.pwcca(X, Y, { backend }).value)).toBeGreaterThan(1e-4);
    });
  });

  describe(`invariances [${backend}]`, () => {
    let base: ReturnType<Engine["measures"]>;
    beforeAll(() => {
      base = engine.measures(X, Y, { backend });
    });

    it("orthogonal transforms: CKA, Procrustes, shape metrics, CCA and SVCCA unchanged", () => {
      const r = engine.measures(times(X, orthogonal(20, 31), 20), times(Y, orthogonal(30, 32), 30), { backend });
      r.cca!.coefficients.forEach((c, i) => expectClose(c, base.cca!.coefficients[i]!, 1e-11, `rho ${i}`));
      expectClose(r.svcca!.value, base.svcca!.value, 1e-11, "svcca");
      for (const k of ["linear", "linearDebiased", "rbfDebiased"] as const) expectClose(r.cka![k] as number, base.cka![k] as number, 1e-12, k);
      expectClose(r.cka!.rbf!.value, base.cka!.rbf!.value, 1e-12, "rbf");
      expectClose(r.procrustes!.angular, base.procrustes!.angular, 1e-11, "angular");
      expectClose(r.procrustes!.euclidean, base.procrustes!.euclidean, 1e-11 * base.procrustes!.euclidean, "euclidean");
      expectClose(r.procrustes!.shapeAlpha0_5, base.procrustes!.shapeAlpha0_5, 1e-11, "shape 0.5");
    });

    it("isotropic scaling: CKA, angular Procrustes, CCA family unchanged; euclidean Procrustes scales", () => {
      const r = engine.measures(map(X, (v) => 2.5 * v), map(Y, (v) => 2.5 * v), { backend });
      const s = values(r), b = values(base);
      // every value but shape alpha 0.5 (last): its eigenvalue floor and mixing are scale dependent
      s.slice(0, -1).forEach((v, i) => expectClose(v, b[i]!, 1e-11, `value ${i}`));
      expectClose(r.procrustes!.euclidean, 2.5 * base.procrustes!.euclidean, 1e-11 * base.procrustes!.euclidean, "euclidean scales");
      expect(Math.abs(r.procrustes!.shapeAlpha0_5 - base.procrustes!.shapeAlpha0_5)).toBeGreaterThan(1e-6);
      // each side scaled differently: the angular forms do not care
      const r2 = engine.measures(map(X, (v) => 1e3 * v), map(Y, (v) => 1e-2 * v), { backend, measures: ["cka", "procrustes", "cca"] });
      expectClose(r2.cka!.linear, base.cka!.linear, 1e-12, "linear CKA");
      expectClose(r2.cka!.rbf!.value, base.cka!.rbf!.value, 1e-12, "rbf CKA");
      expectClose(r2.procrustes!.angular, base.procrustes!.angular, 1e-11, "angular Procrustes");
      expectClose(r2.cca!.mean, base.cca!.mean, 1e-11, "mean CCA");
    });

    it("invertible linear maps: CCA unchanged, CKA not", () => {
      const g = gaussian(41);
      const A = Float64Array.from({ length: 400 }, () => g()); // 20 x 20, invertible a.s.
      const r = engine.measures(times(X, A, 20), Y, { backend, measures: ["cca", "cka"] });
      r.cca!.coefficients.forEach((c, i) => expectClose(c, base.cca!.coefficients[i]!, 1e-9, `rho ${i}`));
      expectClose(r.cca!.mean, base.cca!.mean, 1e-10, "mean CCA");
      expect(Math.abs(r.cka!.linear - base.cka!.linear)).toBeGreaterThan(1e-3);
    });

    it("translation: every centred measure unchanged (and the path geometry)", () => {
      const g = gaussian(51);
      const cx = Array.from({ length: 20 }, () => 5 * g()), cy = Array.from({ length: 30 }, () => 5 * g());
      const r = engine.measures(map(X, (v, _i, j) => v + cx[j]!), map(Y, (v, _i, j) => v + cy[j]!), { backend });
      const s = values(r), b = values(base);
      s.forEach((v, i) => expectClose(v, b[i]!, 1e-10, `value ${i}`));
      expectClose(r.procrustes!.euclidean, base.procrustes!.euclidean, 1e-10 * base.procrustes!.euclidean, "euclidean");
      const p0 = engine.path([X, Y, Y20], { backend });
      const p1 = engine.path([map(X, (v) => v + 3), map(Y, (v) => v - 7), Y20], { backend });
      for (const sp of ["angularCka", "angularShape"] as const) {
        p0.space[sp]!.pairwise.flat().forEach((v, i) => expectClose(p1.space[sp]!.pairwise.flat()[i]!, v, 1e-10, `${sp} pairwise ${i}`));
      }
    });
  });

  describe(`degenerate inputs [${backend}]`, () => {
    it("samples <= neurons: CCA warns, coefficients are n - 1 ones padded with zeros", () => {
      const A = randn(20, 30, 61), B = randn(20, 25, 62);
      const r = engine.measures(A, B, { backend });
      expect(r.warnings.map((w) => w.code)).toContain("ccaDegenerate");
      const c = r.cca!.coefficients;
      expect(c).toHaveLength(25);
      c.slice(0, 19).forEach((v, i) => expectClose(v, 1, 1e-10, `rho ${i}`));
      expect(c.slice(19)).toEqual([0, 0, 0, 0, 0, 0]);
      expectClose(r.cca!.mean, 19 / 25, 1e-10, "mean");
      expect(r.cka!.form).toBe("gram");
      for (const v of values(r)) expect(Number.isFinite(v)).toBe(true);
      expect(engine.cca(A, B, { backend }).warnings.map((w) => w.code)).toEqual(["ccaDegenerate"]);
      expect(engine.cka(A, B, { backend }).warnings).toEqual([]);
    });

    it("constant columns change nothing but the zero padding of the CCA coefficients", () => {
      const Xc = map(X, (v, _i, j) => (j === 3 || j === 7 ? 5 : v));
      const without = columns(X, [...Array(20).keys()].filter((j) => j !== 3 && j !== 7));
      const a = engine.measures(Xc, Y, { backend });
      const b = engine.measures(without, Y, { backend });
      expect(a.cca!.coefficients).toHaveLength(20);
      expect(b.cca!.coefficients).toHaveLength(18);
      a.cca!.coefficients.slice(0, 18).forEach((v, i) => expectClose(v, b.cca!.coefficients[i]!, 1e-12, `rho ${i}`));
      expect(a.cca!.coefficients.slice(18)).toEqual([0, 0]);
      expectClose(a.cca!.mean * 20, b.cca!.mean * 18, 1e-11, "sum of coefficients");
      for (const k of ["linear", "linearDebiased", "rbfDebiased"] as const) expectClose(a.cka![k] as number, b.cka![k] as number, 1e-12, k);
      expectClose(a.cka!.rbf!.value, b.cka!.rbf!.value, 1e-12, "rbf");
      expectClose(a.procrustes!.angular, b.procrustes!.angular, 1e-12, "angular");
      expectClose(a.procrustes!.euclidean, b.procrustes!.euclidean, 1e-10, "euclidean");
      expectClose(a.procrustes!.shapeAlpha0_5, b.procrustes!.shapeAlpha0_5, 1e-12, "shape 0.5");
      expectClose(a.svcca!.value, b.svcca!.value, 1e-12, "svcca");
      expect(a.warnings).toEqual([]);
    });

    it("rank deficiency: CCA sees the column space only, zero-padded to min(p, q)", () => {
      const g = gaussian(71);
      const M = Float64Array.from({ length: 20 * 10 }, () => g());
      const deficient = hcat(X, times(X, M, 10)); // 30 columns, rank 20
      const r = engine.cca(deficient, Y, { backend });
      const ref = engine.cca(X, Y, { backend });
      expect(r.coefficients).toHaveLength(30);
      r.coefficients.slice(0, 20).forEach((v, i) => expectClose(v, ref.coefficients[i]!, 1e-10, `rho ${i}`));
      expect(r.coefficients.slice(20)).toEqual(new Array(10).fill(0));
      const all = engine.measures(deficient, Y, { backend });
      for (const v of values(all)) expect(Number.isFinite(v)).toBe(true);
      expect(all.pwcca!.paper).toBeGreaterThan(0);
    });

    it("a constant side: CCA 0, CKA and angles NaN with notes and warnings, euclidean = ||Yc||", () => {
      const C = rm(300, 6, () => 3);
      const r = engine.measures(C, Y, { backend });
      expect(r.cca!.coefficients).toEqual([0, 0, 0, 0, 0, 0]);
      expect(r.cca!.mean).toBe(0);
      for (const v of [r.cka!.linear, r.cka!.linearDebiased, r.cka!.rbf!.value, r.procrustes!.angular, r.procrustes!.shapeAlpha0_5, r.svcca!.value, r.pwcca!.paper, r.pwcca!.google]) {
        expect(v).toBeNaN();
      }
      expect(Object.keys(r.notes!).sort()).toEqual(
        ["cka.linear", "cka.linearDebiased", "cka.rbf.value", "cka.rbfDebiased", "cka.angularLinear", "cka.angularRbf", "procrustes.angular", "procrustes.shapeAlpha0_5", "pwcca.google", "pwcca.paper", "svcca.value"].sort(),
      );
      expect(r.warnings.map((w) => w.code)).toEqual(["constantInput", "undefinedValue"]); // one warning lists every NaN
      expect(r.warnings[1]!.message).toMatch(/^11 values are undefined \(NaN\): .*cka\.linear.*; see notes for why$/);
      const yc = engine.procrustes(Y, Y, { backend }); // sanity: the same Y
      expect(yc.euclidean).toBe(0);
      let fro = 0;
      const [n, q] = dims(Y);
      for (let j = 0; j < q; j++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += at(Y, i, j);
        m /= n;
        for (let i = 0; i < n; i++) fro += (at(Y, i, j) - m) ** 2;
      }
      expectClose(r.procrustes!.euclidean, Math.sqrt(fro), 1e-9, "euclidean to a constant");
    });

    it("debiased CKA needs 4 samples; RBF needs a positive median distance (NaN with reasons)", () => {
      const A = randn(3, 2, 81), B = randn(3, 2, 82);
      const r = engine.cka(A, B, { backend });
      expect(r.linearDebiased).toBeNaN();
      expect(r.rbfDebiased).toBeNaN();
      expect(r.notes!["cka.linearDebiased"]).toMatch(/at least 4 samples, got 3/);
      expect(Number.isFinite(r.linear)).toBe(true);
      // 8 of 10 rows identical: 66 of the 100 squared distances are 0, the median is 0
      const D = rm(10, 3, (i, j) => (i < 8 ? 1 + j : i * 0.37 + j));
      const d = engine.cka(D, randn(10, 3, 83), { backend });
      expect(d.rbf!.value).toBeNaN();
      expect(d.notes!["cka.rbf.value"]).toMatch(/median squared distance/);
      expect(Number.isFinite(d.linear)).toBe(true);
      expect(d.warnings.some((w) => w.code === "undefinedValue")).toBe(true);
    });
  });

  describe(`path geometry properties [${backend}]`, () => {
    it("pairwise distances equal the pair measures (both reductions: n >= p and n < p)", () => {
      for (const [n, widths] of [
        [120, [8, 30, 16]],
        [40, [60, 25, 80, 12]],
      ] as const) {
        const layers = widths.map((w, i) => (i === 0 ? randn(n, w, 90 + i) : related(randn(n, 10, 95), w, 96 + i, 0.5)));
        const r = engine.path(layers, { backend });
        for (let i = 0; i < layers.length; i++) {
          for (let j = i + 1; j < layers.length; j++) {
            const m = engine.measures(layers[i]!, layers[j]!, { backend, measures: ["cka", "procrustes"], rbf: false });
            expectClose(r.space.angularCka!.pairwise[i]![j]!, m.cka!.angularLinear, 1e-11, `cka ${i},${j}`);
            expectClose(r.space.angularShape!.pairwise[i]![j]!, m.procrustes!.angular, 1e-11, `shape ${i},${j}`);
          }
        }
        for (const sp of ["angularCka", "angularShape"] as const) {
          const g = r.space[sp]!;
          expect(g.endpointDistance).toBeLessThanOrEqual(g.pathLength + 1e-12); // triangle inequality
          expect(g.straightness!).toBeLessThanOrEqual(1 + 1e-12);
          expectClose(g.excessLength, g.pathLength - g.endpointDistance, 1e-15, "excess");
          expect(g.progress[0]).toBe(0);
          expect(g.progress[layers.length - 1]).toBe(1);
          for (const a of g.angles) expect(a! >= 0 && a! <= Math.PI).toBe(true);
        }
      }
    });

    it("a layer on the geodesic between its neighbours: angle pi, offGeodesic 0", () => {
      // A and B span orthogonal centred subspaces, so G_A and G_B are orthogonal points and any
      // positive mix of the two Gram matrices lies on the great circle between them
      const la = jsLinalg;
      const mark = la.mark();
      const Z = la.load(viewMatrix(randn(200, 10, 101)));
      la.center(Z);
      const Q = la.toArray(la.qr(Z).q); // 200 x 10 orthonormal, centred columns
      la.release(mark);
      const col = (j: number, f: number) => (i: number) => f * (Q[j * 200 + i] as number);
      const A = rm(200, 5, (i, j) => col(j, 1 + j)(i));
      const B = rm(200, 5, (i, j) => col(5 + j, 2 - 0.1 * j)(i));
      const fa = Math.sqrt([1, 2, 3, 4, 5].reduce((s, v) => s + v ** 4, 0)), fb = Math.sqrt([2, 1.9, 1.8, 1.7, 1.6].reduce((s, v) => s + v ** 4, 0));
      const t = 0.35;
      // K_mid = cos^2 t K_A / ||K_A|| + sin^2 t K_B / ||K_B||
      const mid = hcat(map(A, (v) => (v * Math.cos(t)) / Math.sqrt(fa)), map(B, (v) => (v * Math.sin(t)) / Math.sqrt(fb)));
      const r = engine.path([A, mid, B], { backend, spaces: ["angularCka"] });
      const g = r.space.angularCka!;
      expectClose(g.endpointDistance, Math.PI / 2, 1e-12, "orthogonal endpoints");
      expectClose(g.angles[0]!, Math.PI, 1e-6, "angle on the geodesic");
      expectClose(g.straightness!, 1, 1e-12, "straight path");
      expectClose(g.geodesicProjection[1]!.offGeodesic!, 0, 1e-7, "on the great circle");
      expectClose(g.geodesicProjection[1]!.fraction!, g.pairwise[0]![1]! / g.endpointDistance, 1e-12, "fraction");
      expectClose(g.geodesicProjection[2]!.fraction!, 1, 1e-12, "last fraction");
      expect(g.geodesicProjection[0]!.fraction).toBe(0);
    });

    it("coincident layers: exact zero distance, null angle with a note; two layers: no angles", () => {
      const r = engine.path([X, map(X, (v) => 3 * v - 1), Y], { backend });
      for (const sp of ["angularCka", "angularShape"] as const) {
        const g = r.space[sp]!;
        expect(g.steps[0]).toBe(0);
        expect(g.angles).toEqual([null]);
        expect(r.notes![`space.${sp}.angles[0]`]).toMatch(/coincides/);
        expect(g.progress[1]).toBe(0);
      }
      const two = engine.path([X, Y], { backend });
      expect(two.space.angularShape!.angles).toEqual([]);
      expect(two.space.angularCka!.progress).toEqual([0, 1]);
      expect(two.space.angularCka!.geodesicProjection.map((p) => p.offGeodesic)).toEqual([null, null]);
      expectClose(two.space.angularShape!.straightness!, 1, 1e-15, "two layers are straight");
      const rev = engine.path([Y20, Y, X], { backend });
      const fwd = engine.path([X, Y, Y20], { backend });
      expectClose(rev.space.angularShape!.pathLength, fwd.space.angularShape!.pathLength, 1e-12, "reversal");
      expectClose(rev.space.angularCka!.angles[0]!, fwd.space.angularCka!.angles[0]!, 1e-12, "reversal angle");
      expectClose(rev.space.angularShape!.angles[0]!, fwd.space.angularShape!.angles[0]!, 1e-10, "reversal shape angle");
    });
  });

  describe(`errors and memory [${backend}]`, () => {
    it("typed errors for bad inputs and options; the arena is empty afterwards", () => {
      const bad = randn(299, 20, 1);
      expectCode(() => engine.measures(X, bad, { backend }), "sampleCountMismatch", /same number of samples/);
      expectCode(() => engine.cca(X, { data: [1, NaN, 3, 4], shape: [2, 2] }, { backend }), "nonFinite");
      expectCode(() => engine.cca(X, Y, { backend, epsilon: 2 }), "badOption", /epsilon/);
      expectCode(() => engine.svcca(X, Y, { backend, keep: 0 }), "badOption", /keep/);
      expectCode(() => engine.svcca(X, Y, { backend, components: 1.5 }), "badOption", /components/);
      expectCode(() => engine.svcca(X, Y, { backend, criterion: "magic" as never }), "badOption", /criterion/);
      expectCode(() => engine.pwcca(X, Y, { backend, variant: "other" as never }), "badOption", /variant/);
      expectCode(() => engine.pwcca(X, Y, { backend, side: "c" as never }), "badOption", /side/);
      expectCode(() => engine.cka(X, Y, { backend, rbfThreshold: -1 }), "badOption", /rbfThreshold/);
      expectCode(() => engine.procrustes(X, Y, { backend, alpha: 1.5 }), "badOption", /alpha/);
      expectCode(() => engine.procrustes(X, Y, { backend, covariance: "median" as never }), "badOption", /covariance/);
      expectCode(() => engine.measures(X, Y, { backend, measures: ["cka", "nope" as never] }), "badOption", /measures/);
      expectCode(() => engine.path([X], { backend }), "badInput", /at least two layers/);
      expectCode(() => engine.path(X as never, { backend }), "badInput", /list of layers/);
      expectCode(() => engine.path([X, bad], { backend, names: ["in", "out"] }), "sampleCountMismatch", /300 in in and 299 in out/);
      expectCode(() => engine.path([X, rm(300, 4, () => 2)], { backend }), "badInput", /layer1: expected a layer with some variance/);
      expectCode(() => engine.path([X, Y], { backend, spaces: ["euclid" as never] }), "badOption", /spaces/);
      expectCode(() => engine.cka(X, Y, { backend: "gpu" as never }), "badOption", /backend/);
      expect(engine.stats().arenaBytes).toBe(0);
      engine.measures(X, Y, { backend });
      engine.path([X, Y, Y20], { backend });
      expect(engine.stats().arenaBytes).toBe(0);
    });
  });
}

describe("results are deterministic and independent of the input layout", () => {
  it("row-major, column-major and float32 copies give identical measures", () => {
    const [n, p] = dims(Y);
    const cm = new Float64Array(n * p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) cm[j * n + i] = at(Y, i, j);
    const f32 = Float32Array.from(Y.data as Float64Array);
    const y32 = Float64Array.from(f32);
    for (const backend of BACKENDS) {
      const a = engine.measures(X, Y, { backend });
      const b = engine.measures(X, { data: cm, shape: [n, p], fortranOrder: true }, { backend });
      expect(b).toEqual(a);
      expect(engine.measures(X, { data: f32, shape: [n, p] }, { backend })).toEqual(engine.measures(X, { data: y32, shape: [n, p] }, { backend }));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// kernels of the pure-TS linear algebra

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}
function gauss(len: number, seed: number): Float64Array {
  const g = gaussian(seed);
  return Float64Array.from({ length: len }, g);
}
/** max |Q^T Q - I| for a column-major m x k matrix */
function orthoError(Q: Float64Array, m: number, k: number): number {
  const G = multiplyTN(Q, m, k, Q, k);
  for (let i = 0; i < k; i++) G[i * k + i] = (G[i * k + i] as number) - 1;
  return maxAbs(G);
}
function reconstruct(u: Float64Array, s: Float64Array, v: Float64Array, m: number, n: number): Float64Array {
  const k = s.length;
  const us = u.slice();
  for (let j = 0; j < k; j++) for (let i = 0; i < m; i++) us[j * m + i] = (us[j * m + i] as number) * (s[j] as number);
  return multiply(us, m, k, transpose(v, n, k), n);
}
/** An exactly orthogonal 16 x 16 matrix: the Sylvester-Hadamard matrix / 4 (entries +-1/4). */
function hadamard16(): Float64Array {
  const H = new Float64Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let b = i & j, par = 0;
      while (b) {
        par ^= b & 1;
        b >>= 1;
      }
      H[j * 16 + i] = par ? -0.25 : 0.25;
    }
  }
  return H;
}

describe("kernel: one-sided Jacobi SVD (src/js/svd.ts)", () => {
  it("reconstructs, with orthonormal u and v and descending s, for tall, wide and square shapes", () => {
    for (const [m, n] of [[1, 1], [1, 9], [9, 1], [2, 2], [12, 12], [60, 17], [17, 60], [300, 64]] as const) {
      const A = gauss(m * n, m * 100 + n);
      const r = svdJacobi(A, m, n, true);
      const k = Math.min(m, n);
      expect(r.s).toHaveLength(k);
      for (let i = 1; i < k; i++) expect(r.s[i]!).toBeLessThanOrEqual(r.s[i - 1]!);
      expect(r.s[k - 1]!).toBeGreaterThanOrEqual(0);
      const scale = r.s[0]!;
      expect(maxAbs(reconstruct(r.u!, r.s, r.v!, m, n).map((v, i) => v - A[i]!)), `${m}x${n} reconstruction`).toBeLessThan(1e-13 * Math.max(1, scale) * Math.sqrt(m + n));
      expect(orthoError(r.u!, m, k), `${m}x${n} u`).toBeLessThan(1e-13);
      expect(orthoError(r.v!, n, k), `${m}x${n} v`).toBeLessThan(1e-13);
      // values alone: the same bits
      expect(Array.from(svdJacobi(A, m, n, false).s)).toEqual(Array.from(r.s));
      expect(Array.from(A)).toEqual(Array.from(gauss(m * n, m * 100 + n))); // input untouched
    }
  });

  it("1x1, 1xN and Nx1: |a|, the row norm, the column norm", () => {
    expect(Array.from(svdJacobi(Float64Array.of(-3), 1, 1, true).s)).toEqual([3]);
    const r = svdJacobi(Float64Array.of(3, 4), 1, 2, true);
    expectClose(r.s[0]!, 5, 1e-15, "1x2");
    expectClose(Math.abs(r.u![0]!), 1, 1e-15, "u");
    expectClose(Math.abs(r.v![0]! * 5 - 3) + Math.abs(r.v![1]! * 5 - 4), 0, 1e-14, "v = a / |a| up to sign");
    expectClose(svdJacobi(Float64Array.of(3, 4, 12), 3, 1, false).s[0]!, 13, 1e-14, "3x1");
    const z = svdJacobi(new Float64Array(1), 1, 1, true);
    expect(Array.from(z.s)).toEqual([0]);
    expect(Math.abs(z.u![0]!)).toBe(1);
  });

  it("known singular values, including exact zeros (rank deficiency) with completed orthonormal u", () => {
    // A = H diag(s) P for an exactly orthogonal H and a signed permutation P: exact values
    const H = hadamard16();
    const s = [7, 5, 5, 3, 2, 1, 0.5, 0.25, 0, 0, 0, 0];
    const k = s.length;
    const A = new Float64Array(16 * k);
    const perm = [3, 0, 11, 7, 1, 9, 2, 10, 5, 4, 8, 6];
    s.forEach((sv, c) => {
      const col = perm[c] as number;
      for (let i = 0; i < 16; i++) A[col * 16 + i] = (c % 2 ? -1 : 1) * sv * (H[c * 16 + i] as number);
    });
    const r = svdJacobi(A, 16, k, true);
    expect(Array.from(r.s).map((v) => +v.toPrecision(15))).toEqual(s);
    expect(orthoError(r.u!, 16, k)).toBeLessThan(1e-14);
    expect(orthoError(r.v!, k, k)).toBeLessThan(1e-14);
    expect(maxAbs(reconstruct(r.u!, r.s, r.v!, 16, k).map((v, i) => v - A[i]!))).toBeLessThan(1e-14);
  });

  it("rank-deficient products: the null singular values sit at rounding level", () => {
    const B = gauss(50 * 6, 3), C = gauss(6 * 10, 4);
    const A = multiply(B, 50, 6, C, 10); // rank 6
    const r = svdJacobi(A, 50, 10, true);
    for (let i = 6; i < 10; i++) expect(r.s[i]!).toBeLessThan(1e-14 * r.s[0]!);
    expect(r.s[5]!).toBeGreaterThan(1e-3 * r.s[0]!);
    expect(orthoError(r.u!, 50, 10)).toBeLessThan(1e-13);
  });

  it("ill-conditioned (1e-10): small singular values to high relative accuracy, where A^T A would lose them", () => {
    // A = H diag(s) H' (both exactly orthogonal): only the rounding of the product (~1e-17 absolute)
    // perturbs the values, so sigma = 1e-10 is determined to ~1e-7 relative; a Gram / eigenvalue
    // route squares it to 1e-20, below the 1e-16 rounding of A^T A, and loses it entirely.
    const H = hadamard16();
    const s = [1, 0.3, 1e-3, 1e-5, 1e-7, 1e-10, ...new Array(10).fill(0.5)].sort((a, b) => b - a);
    const D = H.slice();
    for (let j = 0; j < 16; j++) for (let i = 0; i < 16; i++) D[j * 16 + i] = (H[j * 16 + i] as number) * (s[j] as number);
    const Hp = multiply(H, 16, 16, Float64Array.from({ length: 256 }, (_, t) => ((t % 16) + 1 === ((t / 16) | 0) + 1 ? 1 : 0)), 16); // H itself
    const A = multiply(D, 16, 16, transpose(Hp, 16, 16), 16);
    const r = svdJacobi(A, 16, 16, false);
    s.forEach((want, i) => expect(Math.abs(r.s[i]! - want) / want, `sigma ${want}`).toBeLessThan(1e-5));
    // graded columns (scales 1 .. 1e-10): the values are those of the scaled columns, accurately
    const G = gauss(40 * 5, 9);
    const scales = [1, 1e-3, 1e-6, 1e-8, 1e-10];
    const Gs = G.slice();
    for (let j = 0; j < 5; j++) for (let i = 0; i < 40; i++) Gs[j * 40 + i] = (G[j * 40 + i] as number) * (scales[j] as number);
    const gs = svdJacobi(Gs, 40, 5, false).s;
    // permuting the columns must not change the values beyond rounding of each (relative accuracy)
    const Pg = new Float64Array(200);
    [4, 2, 0, 3, 1].forEach((src, dst) => Pg.set(Gs.subarray(src * 40, src * 40 + 40), dst * 40));
    const ps = svdJacobi(Pg, 40, 5, false).s;
    gs.forEach((v, i) => expect(Math.abs(v - ps[i]!) / v, `graded sigma ${i}`).toBeLessThan(1e-12));
    expect(gs[4]!).toBeGreaterThan(1e-11);
    expect(gs[4]!).toBeLessThan(1e-9);
  });
});

/** eighTridiagonal with vectors (the JS Linalg's eigh). */
function eig(S: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const r = eighTridiagonal(S, n, true);
  return { values: r.values, vectors: r.vectors as Float64Array };
}

describe("kernel: tridiagonal QL eigendecomposition (src/js/tridiagonal.ts)", () => {
  it("reconstructs a symmetric matrix with orthonormal vectors and descending values", () => {
    for (const n of [1, 2, 5, 40]) {
      const B = gauss(n * n, n);
      const S = multiplyTN(B, n, n, B, n);
      for (let i = 0; i < n; i++) S[i * n + i] = (S[i * n + i] as number) - 3; // indefinite
      const e = eig(S, n);
      for (let i = 1; i < n; i++) expect(e.values[i]!).toBeLessThanOrEqual(e.values[i - 1]!);
      expect(orthoError(e.vectors, n, n)).toBeLessThan(1e-13);
      const rec = reconstruct(e.vectors, e.values, e.vectors, n, n);
      expect(maxAbs(rec.map((v, i) => v - S[i]!))).toBeLessThan(1e-12 * Math.max(1, maxAbs(S)));
    }
  });

  it("known eigenvalues: [[2,1],[1,2]], a diagonal, the identity (repeated), a zero matrix", () => {
    const e = eig(Float64Array.of(2, 1, 1, 2), 2);
    expect(Array.from(e.values).map((v) => +v.toFixed(14))).toEqual([3, 1]);
    expectClose(Math.abs(e.vectors[0]!), Math.SQRT1_2, 1e-15, "eigenvector");
    const d = eig(Float64Array.of(1, 0, 0, 0, -4, 0, 0, 0, 9), 3);
    expect(Array.from(d.values)).toEqual([9, 1, -4]);
    const I = eig(Float64Array.of(1, 0, 0, 1), 2);
    expect(Array.from(I.values)).toEqual([1, 1]);
    expect(orthoError(I.vectors, 2, 2)).toBe(0);
    expect(Array.from(eig(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
  });
});

describe("kernel: Householder QR and the JS Linalg", () => {
  it("thin QR: orthonormal Q, upper-triangular R, Q R = A (tall and wide)", () => {
    for (const [m, n] of [[30, 7], [7, 30], [5, 5], [1, 4], [4, 1]] as const) {
      const A = gauss(m * n, m + 7 * n);
      const W = A.slice();
      const k = Math.min(m, n);
      const tau = new Float64Array(k);
      householderQr(W, m, n, tau);
      const Q = householderQ(W, m, n, tau), R = householderR(W, m, n);
      expect(orthoError(Q, m, k)).toBeLessThan(1e-14);
      for (let j = 0; j < n; j++) for (let i = j + 1; i < k; i++) expect(R[j * k + i]).toBe(0);
      expect(maxAbs(multiply(Q, m, k, R, n).map((v, i) => v - A[i]!))).toBeLessThan(1e-13);
    }
  });

  it("products, centring, squared distances and mark/release", () => {
    const la = jsLinalg;
    const mark = la.mark();
    const A = la.fromArray(3, 2, Float64Array.of(1, 2, 3, 4, 5, 7));
    const B = la.fromArray(3, 1, Float64Array.of(1, 0, -1));
    expect(Array.from(la.toArray(la.gemmTN(A, B)))).toEqual([-2, -3]);
    expect(Array.from(la.toArray(la.gemmNN(A, la.fromArray(2, 1, Float64Array.of(1, 1)))))).toEqual([5, 7, 10]);
    expect(la.frobenius(B)).toBe(Math.SQRT2);
    const D = la.toArray(la.rowSquaredDistances(A));
    expect(Array.from(D)).toEqual([0, 2, 13, 2, 0, 5, 13, 5, 0]);
    const means = la.center(A);
    expect(Array.from(means)).toEqual([2, 16 / 3]);
    expect(Array.from(la.toArray(la.leadingColumns(A, 1)))).toEqual([-1, 0, 1]);
    la.scaleColumns(B, Float64Array.of(2));
    expect(Array.from(la.toArray(B))).toEqual([2, 0, -2]);
    const { q, r } = la.qr(la.fromArray(2, 2, Float64Array.of(3, 4, 0, 5)));
    expect([q.rows, q.cols, r.rows, r.cols]).toEqual([2, 2, 2, 2]);
    expect(la.mark()).toBeGreaterThan(mark);
    la.release(mark);
    expect(la.mark()).toBe(mark);
  });

  it("numpy's median of a squared-distance matrix, by selection", () => {
    const wasmLa = wasmLinalg(WasmCore.createSync({ threads: 1 }));
    const g = gaussian(5);
    for (const n of [1, 2, 3, 6, 7, 40]) {
      const P = Array.from({ length: n }, () => [g(), g()]);
      const D = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) D[j * n + i] = (P[i]![0]! - P[j]![0]!) ** 2 + (P[i]![1]! - P[j]![1]!) ** 2;
      const sorted = Array.from(D).sort((a, b) => a - b);
      const N = n * n;
      const want = N % 2 ? sorted[(N - 1) / 2]! : (sorted[N / 2 - 1]! + sorted[N / 2]!) / 2;
      // the pure-TS kernel (src/js/kernel.ts) and the core's, through the Linalg of each backend
      expect(distanceMedian(D, n)).toBe(want);
      for (const la of [jsLinalg, wasmLa]) {
        const m = la.mark();
        expect(la.distanceMedian(la.fromArray(n, n, D))).toBe(want);
        la.release(m);
      }
    }
  });
});
