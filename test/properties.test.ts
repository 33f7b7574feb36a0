// Property tests over random shapes (a seeded generator): identities and invariances of every
// measure, on both backends, including 1-neuron layers, one more sample than neurons, and highly
// collinear columns. A value is NaN only with a reason in `notes`.
import { describe, expect, it } from "vitest";
import { createEngineSync } from "../src/engine.js";
import { gaussian, rng } from "../src/random.js";

const engine = createEngineSync({ threads: 1 });

interface Mat {
  data: Float64Array;
  shape: [number, number];
}

function randomMatrix(d: number, n: number, g: () => number, kind: "gauss" | "relu" | "collinear"): Mat {
  const data = new Float64Array(d * n);
  if (kind === "collinear") {
    // every column a small perturbation of a 2-dimensional span: highly collinear, full rank
    const base = [Float64Array.from({ length: d }, g), Float64Array.from({ length: d }, g)];
    for (let j = 0; j < n; j++) {
      const c0 = g(), c1 = g();
      for (let i = 0; i < d; i++) data[i * n + j] = c0 * base[0]![i]! + c1 * base[1]![i]! + 1e-4 * g();
    }
  } else {
    for (let k = 0; k < d * n; k++) data[k] = kind === "relu" ? Math.max(0, g() + 0.2) : g();
  }
  return { data, shape: [d, n] };
}

/** X Q for a random orthogonal Q (Gram-Schmidt of a Gaussian matrix), times s, plus a row shift. */
function transform(x: Mat, g: () => number, s = 1, shift = 0, linear = false): Mat {
  const [d, n] = x.shape;
  const Q = Float64Array.from({ length: n * n }, g);
  if (!linear) {
    for (let c = 0; c < n; c++) {
      for (let k = 0; k < c; k++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += Q[r * n + c]! * Q[r * n + k]!;
        for (let r = 0; r < n; r++) Q[r * n + c] = Q[r * n + c]! - dot * Q[r * n + k]!;
      }
      let nrm = 0;
      for (let r = 0; r < n; r++) nrm += Q[r * n + c]! ** 2;
      for (let r = 0; r < n; r++) Q[r * n + c] = Q[r * n + c]! / Math.sqrt(nrm);
    }
  } else {
    for (let c = 0; c < n; c++) Q[c * n + c] = Q[c * n + c]! + 3; // a well-conditioned invertible map
  }
  const out = new Float64Array(d * n);
  for (let i = 0; i < d; i++) {
    for (let c = 0; c < n; c++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += x.data[i * n + k]! * Q[k * n + c]!;
      out[i * n + c] = s * v + shift * (1 + c);
    }
  }
  return { data: out, shape: [d, n] };
}

function noSilentNaN(r: unknown, path = ""): string[] {
  const bad: string[] = [];
  const notes = (r as { notes?: Record<string, string> }).notes ?? {};
  const walk = (x: unknown, p: string) => {
    if (typeof x === "number" && Number.isNaN(x) && !Object.keys(notes).some((k) => p.endsWith(k) || k.endsWith(p.replace(/^\./, "")))) bad.push(p);
    else if (x && typeof x === "object") for (const [k, v] of Object.entries(x)) if (k !== "notes") walk(v, `${p}.${k}`);
  };
  walk(r, path);
  return bad;
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe("properties over random shapes", () => {
  const next = rng(20261123);
  const cases: { d: number; na: number; nb: number; kind: "gauss" | "relu" | "collinear" }[] = [
    { d: 7, na: 1, nb: 1, kind: "gauss" },
    { d: 30, na: 1, nb: 4, kind: "relu" },
    { d: 6, na: 5, nb: 5, kind: "gauss" }, // one more sample than neurons
    { d: 10, na: 9, nb: 3, kind: "gauss" },
    { d: 60, na: 8, nb: 11, kind: "collinear" },
  ];
  for (let k = 0; k < 7; k++) {
    const kinds = ["gauss", "relu", "collinear"] as const;
    cases.push({ d: 20 + Math.floor(next() * 200), na: 1 + Math.floor(next() * 24), nb: 1 + Math.floor(next() * 24), kind: kinds[k % 3]! });
  }

  for (const [ci, c] of cases.entries()) {
    it(`case ${ci}: ${c.d} samples, ${c.na} + ${c.nb} neurons, ${c.kind}`, () => {
      const g = gaussian(1000 + ci);
      const X = randomMatrix(c.d, c.na, g, c.kind);
      const Y = randomMatrix(c.d, c.nb, g, c.kind === "collinear" ? "gauss" : c.kind);
      for (const backend of ["wasm", "js"] as const) {
        // identities
        const self = engine.measures(X, X, { backend });
        expect(noSilentNaN(self)).toEqual([]);
        if (!Number.isNaN(self.cka!.linear)) {
          expect(self.cka!.linear).toBeCloseTo(1, 12);
          expect(self.procrustes!.angular).toBeLessThanOrEqual(1e-12);
          expect(self.cka!.angularLinear).toBeLessThanOrEqual(1e-12);
        }
        const selfMatch = engine.maxMatch(X, X, { eps: 1e-6, backend });
        expect(selfMatch.a.length).toBe(c.na - selfMatch.deadA);
        expect(selfMatch.b.length).toBe(c.na - selfMatch.deadB);

        // the pair, both ways: symmetric measures agree, the subspace match mirrors
        const xy = engine.measures(X, Y, { backend });
        const yx = engine.measures(Y, X, { backend });
        expect(noSilentNaN(xy)).toEqual([]);
        for (const get of [(m: typeof xy) => m.cka!.linear, (m: typeof xy) => m.cca!.mean, (m: typeof xy) => m.procrustes!.angular]) {
          const u = get(xy), v = get(yx);
          if (!Number.isNaN(u)) expect(close(u, v, 1e-10)).toBe(true);
        }
        const m1 = engine.maxMatch(X, Y, { eps: 0.5, backend });
        const m2 = engine.maxMatch(Y, X, { eps: 0.5, backend });
        expect(m2.a).toEqual(m1.b);
        expect(m2.b).toEqual(m1.a);

        // invariances: orthogonal map + isotropic scaling + translation (CKA, Procrustes),
        // invertible linear map (CCA), column scaling (subspace match)
        const Xo = transform(X, g, 3.7, 0.9);
        const t = engine.measures(Xo, Y, { backend });
        if (!Number.isNaN(xy.cka!.linear)) expect(close(t.cka!.linear, xy.cka!.linear, 1e-9)).toBe(true);
        if (!Number.isNaN(xy.procrustes!.angular)) expect(close(t.procrustes!.angular, xy.procrustes!.angular, 1e-9)).toBe(true);
        if (c.kind !== "collinear") {
          const Xl = transform(X, g, 1, 0.3, true);
          const l = engine.cca(Xl, Y, { backend });
          expect(close(l.mean, xy.cca!.mean, 1e-8)).toBe(true);
        }
        const scaled = { data: X.data.map((v, i) => v * (1 + (i % c.na))), shape: X.shape };
        const ms = engine.maxMatch(scaled, Y, { eps: 0.5, backend });
        expect(ms.a).toEqual(m1.a);
        expect(ms.b).toEqual(m1.b);
      }
      // the backends agree
      const w = engine.measures(X, Y, { backend: "wasm" });
      const j = engine.measures(X, Y, { backend: "js" });
      for (const [u, v] of [[w.cka!.linear, j.cka!.linear], [w.cca!.mean, j.cca!.mean], [w.procrustes!.angular, j.procrustes!.angular], [w.svcca!.value, j.svcca!.value]] as const) {
        if (Number.isNaN(u)) expect(Number.isNaN(v)).toBe(true);
        else expect(close(u, v, 1e-9)).toBe(true);
      }
      expect(engine.stats().arenaBytes).toBe(0);
    });
  }
});
