// The CKA kernels of the Linalg interface on their own (assembly/kernel.ts through src/wasm/linalg.ts,
// and the pure-TS twin src/js/kernel.ts), against naive float64 references on full matrices:
// the numpy median of the n^2 squared distances vs a sort (random, tied, near-tied and duplicate-row
// data, odd and even n, n = 1, 2, 3), the RBF exponential, double centring (Kc = HKH, its diagonal,
// row sums and <Kc, Kc>), the symmetric Frobenius product, the products of U-centred kernels formed
// on the fly (debiased CKA) and the O(n) U-centring identity, against explicit U-centred matrices.
// Also CKA end to end against naive full-matrix CKA. Sizes hit the two-lane SIMD tails. Every kernel
// reads and writes only the upper triangle: the strictly lower part must come back untouched.
import { describe, expect, it } from "vitest";
import { createEngineSync } from "../src/engine.js";
import { jsLinalg } from "../src/js/linalg.js";
import type { Dense, Linalg } from "../src/linalg/types.js";
import { gaussian } from "../src/random.js";
import { WasmCore } from "../src/wasm/instance.js";
import { wasmLinalg } from "../src/wasm/linalg.js";

const core = WasmCore.createSync({ threads: 1 });
const BACKENDS: [string, Linalg][] = [
  ["js", jsLinalg],
  ["wasm", wasmLinalg(core)],
];
const SIZES = [1, 2, 3, 4, 5, 8, 17, 33, 64];

// ---------------------------------------------------------------------------------------------
// naive references (full n x n, column-major)

/** Squared distances between the rows of the n x p row-major points P, computed directly. */
function distances(P: number[][]): Float64Array {
  const n = P.length;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < (P[i] as number[]).length; k++) s += ((P[i]![k] as number) - (P[j]![k] as number)) ** 2;
      D[j * n + i] = s;
    }
  }
  return D;
}

/** numpy.median of every entry, by a full sort. */
function sortMedian(D: Float64Array): number {
  const s = Array.from(D).sort((a, b) => a - b);
  const N = s.length;
  return N % 2 ? (s[(N - 1) / 2] as number) : ((s[N / 2 - 1] as number) + (s[N / 2] as number)) / 2;
}

function symmetric(n: number, f: (i: number, j: number) => number): Float64Array {
  const K = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) K[j * n + i] = K[i * n + j] = f(i, j);
  return K;
}

function doubleCentred(K: Float64Array, n: number): Float64Array {
  const r = new Float64Array(n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) r[j] = (r[j] as number) + (K[j * n + i] as number) / n;
  const t = r.reduce((a, b) => a + b, 0) / n;
  return K.map((v, k) => v - (r[k % n] as number) - (r[Math.floor(k / n)] as number) + t);
}

/** Szekely & Rizzo's U-centring: zero diagonal, K_ij - r_i/(n-2) - r_j/(n-2) + S/((n-1)(n-2)). */
function uCentred(K: Float64Array, n: number): Float64Array {
  const r = new Float64Array(n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) if (i !== j) r[j] = (r[j] as number) + (K[j * n + i] as number);
  const S = r.reduce((a, b) => a + b, 0);
  return K.map((v, k) => {
    const i = k % n, j = Math.floor(k / n);
    return i === j ? 0 : v - (r[i] as number) / (n - 2) - (r[j] as number) / (n - 2) + S / ((n - 1) * (n - 2));
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
};

/** Fills the strictly lower triangle with a marker, so untouched entries can be checked. */
function markLower(K: Float64Array, n: number): Float64Array {
  const M = K.slice();
  for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) M[j * n + i] = -12345.5;
  return M;
}
function lowerUntouched(K: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) if (K[j * n + i] !== -12345.5) return false;
  return true;
}

function points(n: number, p: number, seed: number, f?: (v: number) => number): number[][] {
  const g = gaussian(seed);
  return Array.from({ length: n }, () => Array.from({ length: p }, () => (f ? f(g()) : g())));
}

// ---------------------------------------------------------------------------------------------

for (const [name, la] of BACKENDS) {
  const withMark = <T>(fn: () => T): T => {
    const m = la.mark();
    try {
      return fn();
    } finally {
      la.release(m);
    }
  };
  const median = (D: Float64Array, n: number) => withMark(() => la.distanceMedian(la.fromArray(n, n, markLower(D, n))));

  describe(`CKA kernels [${name}]`, () => {
    it("distanceMedian: numpy's median of all n^2 entries (a sort), random points, odd and even n", () => {
      for (const n of [...SIZES, 100, 101]) {
        for (const p of [1, 3]) {
          const D = distances(points(n, p, 7 * n + p));
          expect(median(D, n), `n ${n} p ${p}`).toBe(sortMedian(D));
        }
      }
    });

    it("distanceMedian: n = 1, 2, 3 by hand", () => {
      expect(median(new Float64Array(1), 1)).toBe(0);
      expect(median(Float64Array.of(0, 5, 5, 0), 2)).toBe(2.5); // 0 0 5 5
      expect(median(symmetric(3, (i, j) => (i === j ? 0 : [4, 7, 2][i + j - 1] as number)), 3)).toBe(2); // 0 0 0 2 2 4 4 7 7
      expect(median(symmetric(3, (i, j) => (i === j ? 0 : [0, 7, 2][i + j - 1] as number)), 3)).toBe(0); // 0 0 0 0 0 2 2 7 7
    });

    it("distanceMedian: ties, duplicate rows, integer grids and near-ties (values differing in the last bits)", () => {
      for (const n of [4, 5, 6, 7, 20, 31, 64]) {
        const grid = points(n, 2, n, (v) => Math.round(v)); // many equal distances and duplicate rows
        const Dg = distances(grid);
        expect(median(Dg, n), `grid ${n}`).toBe(sortMedian(Dg));
        const dup = points(n, 3, n + 1).map((r, i) => (i % 3 === 0 ? r : (points(1, 3, 99)[0] as number[]))); // 2/3 of the rows coincide
        const Dd = distances(dup);
        expect(median(Dd, n), `duplicates ${n}`).toBe(sortMedian(Dd));
        const g = gaussian(n + 2);
        const near = symmetric(n, (i, j) => (i === j ? 0 : 1 + Math.floor(Math.abs(g()) * 4) * 2 ** -52)); // 1, 1 + eps, ... : differ in the last digit only
        expect(median(near, n), `near-ties ${n}`).toBe(sortMedian(near));
        const spread = symmetric(n, (i, j) => (i === j ? 0 : Math.abs(g()) * 2 ** Math.floor(g() * 40))); // exponents far apart
        expect(median(spread, n), `spread ${n}`).toBe(sortMedian(spread));
        const allEqual = symmetric(n, (i, j) => (i === j ? 0 : 3));
        expect(median(allEqual, n)).toBe(sortMedian(allEqual));
      }
      // more than half the pairs coincide: median 0
      const same = distances(Array.from({ length: 10 }, (_, i) => [i < 8 ? 1 : i]));
      expect(median(same, 10)).toBe(0);
      expect(sortMedian(same)).toBe(0);
    });

    it("distanceMedian above 65536 upper values (sampled bracket): random, ties, bracket overflow and bracket miss", () => {
      for (const n of [400, 401]) {
        const D = distances(points(n, 5, n));
        expect(median(D, n), `random ${n}`).toBe(sortMedian(D));
        const grid = distances(points(n, 2, n + 1, (v) => Math.round(2 * v)));
        expect(median(grid, n), `grid ${n}`).toBe(sortMedian(grid));
        const allEqual = symmetric(n, (i, j) => (i === j ? 0 : 2.5)); // every candidate ties: overflow, fallback
        expect(median(allEqual, n)).toBe(2.5);
        const g = gaussian(n);
        // the first 65536 values in column order (the whole sample) are small, the rest large: the bracket misses
        const skewed = symmetric(n, (i, j) => (i === j ? 0 : j < 362 ? Math.abs(g()) : 10 + Math.abs(g())));
        expect(median(skewed, n), `skewed ${n}`).toBe(sortMedian(skewed));
        const twoValues = symmetric(n, (i, j) => (i === j ? 0 : (i * 7 + j) % 3 === 0 ? 1 : 4)); // median between two tie blocks
        expect(median(twoValues, n), `two values ${n}`).toBe(sortMedian(twoValues));
      }
    });

    it("expUpper: exp(s K_ij) on the upper triangle (within an ulp of Math.exp), lower triangle untouched", () => {
      for (const n of SIZES) {
        const D = distances(points(n, 4, n + 3));
        const s = -1 / (2 * 0.25 * 7.5);
        const out = withMark(() => {
          const m = la.fromArray(n, n, markLower(D, n));
          la.expUpper(m, s);
          return la.toArray(m);
        });
        expect(lowerUntouched(out, n)).toBe(true);
        for (let j = 0; j < n; j++) {
          for (let i = 0; i <= j; i++) {
            const want = Math.exp((D[j * n + i] as number) * s);
            expect(Math.abs((out[j * n + i] as number) - want)).toBeLessThanOrEqual(2.3e-16 * want);
          }
          expect(out[j * n + j]).toBe(1);
        }
      }
    });

    it("centreKernel and symmetricDot: HKH, its diagonal, row sums and <Kc, Kc>; <A, B> against full sums", () => {
      for (const n of SIZES) {
        const g = gaussian(n + 11);
        const K = symmetric(n, () => g() + 0.7); // not centred, non-zero mean
        const L = symmetric(n, () => Math.exp(g()));
        const [kc, stats, sd, lc] = withMark(() => {
          const mk = la.fromArray(n, n, markLower(K, n)), ml = la.fromArray(n, n, markLower(L, n));
          const st = la.centreKernel(mk);
          la.centreKernel(ml);
          return [la.toArray(mk), st, la.symmetricDot(mk, ml), la.toArray(ml)] as const;
        });
        expect(lowerUntouched(kc, n)).toBe(true);
        const want = doubleCentred(K, n), wantL = doubleCentred(L, n);
        const tol = 1e-14 * Math.max(1, maxAbs(K));
        for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) expect(Math.abs((kc[j * n + i] as number) - (want[j * n + i] as number))).toBeLessThan(tol);
        for (let i = 0; i < n; i++) {
          expect(Math.abs((stats.diag[i] as number) - (want[i * n + i] as number))).toBeLessThan(tol);
          let r = 0;
          for (let j = 0; j < n; j++) r += want[j * n + i] as number;
          expect(Math.abs((stats.rowSums[i] as number) - r)).toBeLessThan(n * tol);
        }
        expect(Math.abs(stats.selfDot - dot(want, want))).toBeLessThan(1e-13 * dot(want, want) + 1e-300);
        expect(Math.abs(sd - dot(want, wantL))).toBeLessThan(1e-13 * Math.sqrt(dot(want, want) * dot(wantL, wantL)) + 1e-300);
        expect(lowerUntouched(lc, n)).toBe(true);
      }
      // symmetricDot on raw symmetric matrices
      for (const n of SIZES) {
        const g = gaussian(n);
        const A = symmetric(n, g), B = symmetric(n, g);
        const got = withMark(() => la.symmetricDot(la.fromArray(n, n, markLower(A, n)), la.fromArray(n, n, markLower(B, n))));
        expect(Math.abs(got - dot(A, B))).toBeLessThan(1e-13 * Math.sqrt(dot(A, A) * dot(B, B)));
      }
    });

    it("the U-centring identity: <U(K), U(L)> from <Kc, Lc>, diag(Kc) and Kc 1 equals the explicit U-centred product", () => {
      for (const n of [4, 5, 8, 17, 33]) {
        const g = gaussian(3 * n);
        const P = points(n, 3, n), Q = points(n, 2, n + 50);
        for (const [K, L] of [
          [symmetric(n, () => g()), symmetric(n, () => g() + 2)],
          [distances(P).map((d) => Math.exp(-d / 3)), distances(Q).map((d) => Math.exp(-d / 2))],
        ] as const) {
          const got = withMark(() => {
            const mk = la.fromArray(n, n, K), ml = la.fromArray(n, n, L);
            const a = la.centreKernel(mk), b = la.centreKernel(ml);
            const d = la.symmetricDot(mk, ml);
            const off = (s: typeof a) => s.rowSums.map((r, i) => r - (s.diag[i] as number));
            const oa = off(a), ob = off(b);
            const sa = oa.reduce((x, y) => x + y, 0), sb = ob.reduce((x, y) => x + y, 0);
            return d - dot(a.diag, b.diag) + (sa * sb) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * dot(oa, ob);
          });
          const uk = uCentred(K, n), ul = uCentred(L, n);
          const want = dot(uk, ul);
          expect(Math.abs(got - want), `n ${n}: ${got} vs ${want}`).toBeLessThan(1e-12 * Math.sqrt(dot(uk, uk) * dot(ul, ul)));
        }
      }
    });

    it("uCentredDots: U-centring Kc on the fly gives the products of the explicit U-centred K and L", () => {
      for (const n of [4, 5, 6, 8, 17, 33]) {
        const g = gaussian(5 * n);
        const K = symmetric(n, () => g() + 1), L = distances(points(n, 3, n)).map((d) => Math.exp(-d / 4));
        const got = withMark(() => {
          const mk = la.fromArray(n, n, markLower(K, n)), ml = la.fromArray(n, n, markLower(L, n));
          const shifts = (s: ReturnType<Linalg["centreKernel"]>) => {
            const off = s.rowSums.map((r, i) => r - (s.diag[i] as number));
            return [off.map((r) => r / (n - 2)), off.reduce((x, y) => x + y, 0) / ((n - 1) * (n - 2))] as const;
          };
          const [a, c] = shifts(la.centreKernel(mk)), [b, d] = shifts(la.centreKernel(ml));
          return la.uCentredDots(mk, ml, a, c, b, d);
        });
        const uk = uCentred(K, n), ul = uCentred(L, n);
        const want = [dot(uk, ul), dot(uk, uk), dot(ul, ul)];
        const scale = Math.sqrt(dot(uk, uk) * dot(ul, ul));
        expect(Math.abs(got[0] - (want[0] as number)), `n ${n}`).toBeLessThan(1e-12 * scale);
        expect(Math.abs(got[1] - (want[1] as number)) / (want[1] as number)).toBeLessThan(1e-12);
        expect(Math.abs(got[2] - (want[2] as number)) / (want[2] as number)).toBeLessThan(1e-12);
      }
      // a kernel whose U-centred form is exactly 0 (n = 4, three coincident points) gives self products >= 0
      const P = [[0.3, -1], [2, 2], [2, 2], [2, 2]];
      const K = distances(P).map((d) => Math.exp(-d));
      const [, kk] = withMark(() => {
        const mk = la.fromArray(4, 4, K);
        const s = la.centreKernel(mk);
        const off = s.rowSums.map((r, i) => r - (s.diag[i] as number));
        return la.uCentredDots(mk, mk, off.map((r) => r / 2), off.reduce((x, y) => x + y, 0) / 6, off.map((r) => r / 2), off.reduce((x, y) => x + y, 0) / 6);
      });
      expect(kk).toBeGreaterThanOrEqual(0);
      expect(kk).toBeLessThan(1e-28);
    });

    it("no scratch is left in the arena", () => {
      const m0 = la.mark();
      const D = la.fromArray(9, 9, distances(points(9, 2, 1)));
      la.distanceMedian(D);
      la.expUpper(D, -0.1);
      la.centreKernel(D);
      la.symmetricDot(D, D);
      const m1 = la.mark();
      la.distanceMedian(D);
      la.centreKernel(D);
      la.uCentredDots(D, D, new Float64Array(9), 0.5, new Float64Array(9), 0.25);
      expect(la.mark()).toBe(m1);
      la.release(m0);
    });
  });
}

describe("CKA end to end: every form against naive full-matrix CKA, both backends", () => {
  const engine = createEngineSync({ threads: 1 });
  /** Kornblith's CKA from full kernels: biased (double centring) and debiased (U-centring). */
  function naive(K: Float64Array, L: Float64Array, n: number): [number, number] {
    const kc = doubleCentred(K, n), lc = doubleCentred(L, n);
    const ku = uCentred(K, n), lu = uCentred(L, n);
    return [dot(kc, lc) / Math.sqrt(dot(kc, kc) * dot(lc, lc)), dot(ku, lu) / Math.sqrt(dot(ku, ku) * dot(lu, lu))];
  }
  function centredRows(P: number[][]): number[][] {
    const p = (P[0] as number[]).length, n = P.length;
    const mu = Array.from({ length: p }, (_, k) => P.reduce((s, r) => s + (r[k] as number), 0) / n);
    return P.map((r) => r.map((v, k) => v - (mu[k] as number)));
  }
  const gram = (P: number[][]) => {
    const n = P.length;
    const G = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G[j * n + i] = dot(P[i] as number[], P[j] as number[]);
    return G;
  };

  for (const [n, p, q] of [
    [5, 7, 6],
    [12, 20, 15],
    [33, 40, 8],
    [40, 6, 5],
  ] as const) {
    it(`${n} samples, ${p} and ${q} neurons`, () => {
      const X = points(n, p, n + p), Y = points(n, q, n + q).map((r, i) => r.map((v, k) => v + 0.5 * (X[i]![k % p] as number)));
      const Xc = centredRows(X), Yc = centredRows(Y);
      const [lin, linU] = naive(gram(Xc), gram(Yc), n);
      const Dx = distances(Xc), Dy = distances(Yc);
      const rbf = (D: Float64Array) => {
        const med = sortMedian(D);
        return D.map((d) => Math.exp(-d / (2 * 0.25 * med)));
      };
      const [r, rU] = naive(rbf(Dx), rbf(Dy), n);
      const input = (P: number[][]) => ({ data: Float64Array.from(P.flat()), shape: [n, P[0]!.length] });
      for (const backend of ["js", "wasm"] as const) {
        const c = engine.cka(input(X), input(Y), { backend });
        expect(c.form).toBe(n >= Math.max(p, q) ? "features" : "gram");
        for (const [got, want, what] of [
          [c.linear, lin, "linear"],
          [c.linearDebiased, linU, "linearDebiased"],
          [c.rbf!.value, r, "rbf"],
          [c.rbfDebiased!, rU, "rbfDebiased"],
        ] as const) {
          expect(Math.abs(got - want), `${backend} ${what}: ${got} vs ${want}`).toBeLessThan(1e-12 + 1e-11 * Math.abs(want));
        }
      }
    });
  }
});
