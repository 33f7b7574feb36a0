// Every CCA / SVCCA / PWCCA / CKA / Procrustes value of every pair fixture in ../shared/fixtures, and
// both path fixtures, on both backends, within the tolerance each fixture states (nulls skipped:
// fixtures/README.md, "Conventions"). Also: the single-measure methods agree with `measures`, and the
// expected CCA warnings appear exactly where expectWarnings.cca says.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend.js";
import { createEngineSync, type Engine } from "../src/engine.js";
import { FIXTURES, loadCase, loadNpy, PAIR_CASES, within, type Tolerance } from "./helpers.js";

let engine: Engine;
beforeAll(() => {
  engine = createEngineSync();
  expect(engine.backend).toBe("wasm");
});

const BACKENDS: BackendName[] = ["js", "wasm"];

function close(got: number | null | undefined, want: number | null, tol: Tolerance, what: string): void {
  if (want === null) return; // not a function of the input alone (see the fixture's notes)
  expect(typeof got, what).toBe("number");
  expect(within(got, want, tol), `${what}: got ${got}, want ${want}`).toBe(true);
}

for (const name of PAIR_CASES) {
  const { a, b, expected: ex } = loadCase(name);
  const tol: Tolerance = ex.tolerance;
  for (const backend of BACKENDS) {
    describe(`${name} [${backend}] measures`, () => {
      it("cca, svcca, pwcca, cka, procrustes match expected.json", () => {
        const r = engine.measures(a, b, { backend });
        expect(r.samples).toBe(ex.samples);
        expect(r.neurons).toEqual(ex.neurons);
        expect(Object.keys(r).filter((k) => ["cca", "svcca", "pwcca", "cka", "procrustes"].includes(k))).toEqual(["cca", "svcca", "pwcca", "cka", "procrustes"]);

        const cca = r.cca!;
        expect(cca.coefficients).toHaveLength(ex.cca.coefficients.length);
        ex.cca.coefficients.forEach((w: number, i: number) => close(cca.coefficients[i], w, tol, `cca.coefficients[${i}]`));
        close(cca.mean, ex.cca.mean, tol, "cca.mean");
        close(cca.meanSquared, ex.cca.meanSquared, tol, "cca.meanSquared");

        expect(r.svcca!.keep).toBe(ex.svcca.keep);
        expect(r.svcca!.dims).toEqual(ex.svcca.dims);
        close(r.svcca!.value, ex.svcca.value, tol, "svcca.value");

        close(r.pwcca!.paper, ex.pwcca.paper, tol, "pwcca.paper");
        close(r.pwcca!.google, ex.pwcca.google, tol, "pwcca.google");

        close(r.cka!.linear, ex.cka.linear, tol, "cka.linear");
        close(r.cka!.linearDebiased, ex.cka.linearDebiased, tol, "cka.linearDebiased");
        expect(r.cka!.rbf!.threshold).toBe(ex.cka.rbf.threshold);
        close(r.cka!.rbf!.value, ex.cka.rbf.value, tol, "cka.rbf.value");

        close(r.procrustes!.angular, ex.procrustes.angular, tol, "procrustes.angular");
        close(r.procrustes!.euclidean, ex.procrustes.euclidean, tol, "procrustes.euclidean");
        close(r.procrustes!.shapeAlpha0_5, ex.procrustes.shapeAlpha0_5, tol, "procrustes.shapeAlpha0_5");

        // the CCA warning exactly where the fixture expects one; no NaN anywhere on these inputs
        expect(r.warnings.some((w) => w.code === "ccaDegenerate")).toBe(ex.expectWarnings.cca);
        expect(r.notes).toBeUndefined();
        expect(r.warnings.some((w) => w.code === "undefinedValue")).toBe(false);
      });

      it("the single-measure methods give the same values as measures()", () => {
        const all = engine.measures(a, b, { backend });
        const cca = engine.cca(a, b, { backend });
        expect(cca.coefficients).toEqual(all.cca!.coefficients);
        expect([cca.mean, cca.meanSquared]).toEqual([all.cca!.mean, all.cca!.meanSquared]);
        const sv = engine.svcca(a, b, { backend });
        expect([sv.dims, sv.value]).toEqual([all.svcca!.dims, all.svcca!.value]);
        expect(engine.pwcca(a, b, { backend }).value).toBe(all.pwcca!.paper);
        expect(engine.pwcca(a, b, { backend, variant: "google" }).value).toBe(all.pwcca!.google);
        const ck = engine.cka(a, b, { backend });
        expect([ck.linear, ck.linearDebiased, ck.rbf!.value]).toEqual([all.cka!.linear, all.cka!.linearDebiased, all.cka!.rbf!.value]);
        const pr = engine.procrustes(a, b, { backend });
        const { samples: _s, neurons: _n, warnings: _w, ...prValues } = pr;
        expect(prValues).toEqual(all.procrustes);
        expect(cca.warnings.some((w) => w.code === "ccaDegenerate")).toBe(ex.expectWarnings.cca);
      });
    });
  }
}

describe("PWCCA repeated canonical correlations are flagged where the fixture has pwcca.paper null", () => {
  for (const name of PAIR_CASES) {
    const { a, b, expected: ex } = loadCase(name);
    it(name, () => {
      const r = engine.pwcca(a, b, { backend: "js" });
      const flagged = r.warnings.some((w) => w.code === "pwccaNotUnique");
      expect(flagged).toBe(ex.pwcca.paper === null);
      expect(Number.isFinite(r.value)).toBe(true);
    });
  }
});

const PATH_CASES = ["path-synthetic", "path-mlp"] as const;

for (const name of PATH_CASES) {
  const dir = `${FIXTURES}${name}/`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ex: any = JSON.parse(readFileSync(`${dir}expected.json`, "utf8"));
  const layers = ex.inputs.map((inp: { file: string }) => loadNpy(dir + inp.file));
  const tol: Tolerance = ex.tolerance;

  for (const backend of BACKENDS) {
    describe(`${name} [${backend}] path geometry`, () => {
      it("every quantity of both spaces matches expected.json", () => {
        const r = engine.path(layers, { backend });
        expect(r.samples).toBe(ex.samples);
        expect(r.widths).toEqual(ex.widths);
        for (const space of ["angularCka", "angularShape"] as const) {
          const got = r.space[space]!;
          const want = ex.space[space];
          const k = want.pairwise.length;
          expect(got.pairwise).toHaveLength(k);
          for (let i = 0; i < k; i++) {
            expect(got.pairwise[i]).toHaveLength(k);
            expect(got.pairwise[i]![i]).toBe(0);
            for (let j = 0; j < k; j++) {
              close(got.pairwise[i]![j], want.pairwise[i][j], tol, `${space}.pairwise[${i}][${j}]`);
              expect(got.pairwise[i]![j]).toBe(got.pairwise[j]![i]);
            }
          }
          expect(got.steps).toHaveLength(want.steps.length);
          want.steps.forEach((w: number, i: number) => close(got.steps[i], w, tol, `${space}.steps[${i}]`));
          for (const key of ["pathLength", "endpointDistance", "straightness", "excessLength"] as const) close(got[key], want[key], tol, `${space}.${key}`);
          expect(got.angles).toHaveLength(want.angles.length);
          want.angles.forEach((w: number | null, i: number) => close(got.angles[i], w, tol, `${space}.angles[${i}]`));
          expect(got.progress).toHaveLength(want.progress.length);
          want.progress.forEach((w: number | null, i: number) => close(got.progress[i], w, tol, `${space}.progress[${i}]`));
        }
        const gp = r.space.angularCka!.geodesicProjection;
        const want = ex.space.angularCka.geodesicProjection;
        expect(gp).toHaveLength(want.length);
        want.forEach((w: { fraction: number | null; offGeodesic: number | null }, i: number) => {
          close(gp[i]!.fraction, w.fraction, tol, `geodesicProjection[${i}].fraction`);
          close(gp[i]!.offGeodesic, w.offGeodesic, tol, `geodesicProjection[${i}].offGeodesic`);
        });
        // the endpoints' offGeodesic is null, with the fixture's reason as a note
        expect(gp[0]!.offGeodesic).toBeNull();
        expect(gp[gp.length - 1]!.offGeodesic).toBeNull();
        expect(Object.keys(r.notes ?? {}).sort()).toEqual(Object.keys(ex.notes).sort());
        expect(r.warnings).toEqual([]);
      });

      it("one space at a time gives the same numbers", () => {
        const both = engine.path(layers, { backend });
        const cka = engine.path(layers, { backend, spaces: ["angularCka"] });
        const shape = engine.path(layers, { backend, spaces: ["angularShape"] });
        expect(Object.keys(cka.space)).toEqual(["angularCka"]);
        expect(Object.keys(shape.space)).toEqual(["angularShape"]);
        expect(cka.space.angularCka).toEqual(both.space.angularCka);
        expect(shape.space.angularShape).toEqual(both.space.angularShape);
      });
    });
  }
}

describe("the two backends agree far inside the tolerance", () => {
  for (const name of ["planted-noisy", "digits-real-fc1", "few-samples"] as const) {
    it(name, () => {
      const { a, b } = loadCase(name);
      const js = engine.measures(a, b, { backend: "js" });
      const wasm = engine.measures(a, b, { backend: "wasm" });
      const flat = (r: typeof js) => [
        r.cca!.mean, r.cca!.meanSquared, r.svcca!.value, r.pwcca!.paper, r.cka!.linear, r.cka!.linearDebiased, r.cka!.rbf!.value,
        r.procrustes!.angular, r.procrustes!.euclidean / 1e3, r.procrustes!.shapeAlpha0_5,
      ];
      const fj = flat(js), fw = flat(wasm);
      fj.forEach((v, i) => expect(Math.abs(v - (fw[i] as number)), `value ${i}`).toBeLessThan(1e-11));
      expect(wasm.svcca!.dims).toEqual(js.svcca!.dims);
      expect(engine.stats().arenaBytes).toBe(0);
    });
  }
});
