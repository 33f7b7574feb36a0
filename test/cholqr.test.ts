// CholeskyQR2 (assembly/cholqr.ts, src/js/cholqr.ts kernels; src/measures/basis.ts driver) on both
// backends: the triangular kernels against their definitions, the basis against orthonormality and
// span, the gate (null for constant columns, more neurons than samples, near-dependent columns),
// the canonical correlations of the fast route against the SVD route's; the eigen-route basis of
// SVCCA's reduced sides (eigenBasis) and its SVCCA against the SVD route's; google PWCCA's weights
// in the basis against the explicit n x k QR, on uncentred sides.
import { describe, expect, it } from "vitest";
import { jsLinalg } from "../src/js/linalg.js";
import type { Dense, Linalg } from "../src/linalg/types.js";
import { basisCross, choleskyQr2Basis, eigenBasis } from "../src/measures/basis.js";
import { leadingBlock, Report } from "../src/measures/common.js";
import { googleWeightsFrom, googleWeightsInBasis, pwccaOn } from "../src/measures/pwcca.js";
import { svccaOn } from "../src/measures/svcca.js";
import { Pair, Side } from "../src/measures/context.js";
import { gaussian } from "../src/random.js";
import { WasmCore } from "../src/wasm/instance.js";
import { wasmLinalg } from "../src/wasm/linalg.js";

const core = WasmCore.createSync({ threads: 1 });
const BACKENDS: [string, Linalg][] = [
  ["wasm", wasmLinalg(core)],
  ["js", jsLinalg],
];

function randMat(rows: number, cols: number, seed: number): Float64Array {
  return Float64Array.from({ length: rows * cols }, gaussian(seed));
}

/** max |a - b| over two column-major arrays */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** Q = q1 w as one array */
function basisMatrix(la: Linalg, b: { q1: Dense; w: Dense }): Dense {
  return la.multiplyUpper(b.q1, b.w);
}

/** A random well-conditioned upper triangular U (positive diagonal) and G = U^T U, column-major. */
function triangularGram(la: Linalg, n: number, seed: number): { U: Float64Array; G: Float64Array } {
  const U = randMat(n, n, seed);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) U[j * n + i] = i > j ? 0 : (U[j * n + i] as number) / Math.sqrt(n);
    U[j * n + j] = 1 + Math.abs(U[j * n + j] as number);
  }
  const u = la.fromArray(n, n, U);
  return { U, G: la.toArray(la.gemmTN(u, u)) };
}

/** The arena address behind a wasm Linalg handle (for calling the core's exports directly). */
function ptr(m: Dense): number {
  return (m as unknown as { ptr: number }).ptr;
}

function view(data: Float64Array, rows: number, cols: number) {
  // column-major data as a MatrixView
  return { name: "x", samples: rows, neurons: cols, data, rowStride: 1, colStride: rows, float32: false };
}

for (const [name, la] of BACKENDS) {
  describe(`CholeskyQR2 kernels [${name}]`, () => {
    it("cholesky: r^T r = g on random SPD matrices of odd sizes, null when not positive definite", () => {
      for (const n of [1, 2, 7, 33, 70]) {
        const m = la.mark();
        const x = la.fromArray(3 * n + 5, n, randMat(3 * n + 5, n, n));
        const g = la.gemmTN(x, x);
        const r = la.cholesky(g)!;
        const R = la.toArray(r);
        for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) expect(R[j * n + i]).toBe(0);
        const back = la.toArray(la.gemmTN(r, r));
        const G = la.toArray(g);
        expect(maxDiff(back, G) / Math.max(...G.map(Math.abs))).toBeLessThan(1e-14 * n);
        la.release(m);
      }
      const m = la.mark();
      expect(la.cholesky(la.fromArray(2, 2, Float64Array.of(1, 2, 2, 1)))).toBeNull(); // eigenvalues 3, -1
      expect(la.cholesky(la.fromArray(2, 2, Float64Array.of(1, 1, 1, 1)))).toBeNull(); // singular
      expect(la.cholesky(la.fromArray(1, 1, Float64Array.of(0)))).toBeNull();
      la.release(m);
    });

    it("invertUpper: r r^-1 = I; multiplyUpper equals the full product with the zero lower part", () => {
      for (const n of [1, 3, 64, 65, 130]) {
        const m = la.mark();
        const A = randMat(n, n, 10 + n);
        for (let j = 0; j < n; j++) {
          for (let i = j + 1; i < n; i++) A[j * n + i] = 0;
          A[j * n + j] = 2 + Math.abs(A[j * n + j] as number);
        }
        const r = la.fromArray(n, n, A);
        const ri = la.invertUpper(r);
        expect(maxDiff(la.toArray(la.gemmNN(r, ri)), identity(n))).toBeLessThan(1e-13 * n);
        const x = la.fromArray(37, n, randMat(37, n, 20 + n));
        expect(maxDiff(la.toArray(la.multiplyUpper(x, r)), la.toArray(la.gemmNN(x, r)))).toBeLessThan(1e-12 * n);
        la.release(m);
      }
    });

    it("blocked kernels: sizes across the block boundaries, ill-conditioned input, failure in a later block", () => {
      const SIZES = [1, 31, 32, 33, 63, 64, 65, 130, 300];
      for (const n of SIZES) {
        const m = la.mark();
        // columns scaled geometrically down to 1e-5: kappa(G) ~ 1e10, still numerically positive definite
        const d = n + 9;
        const X = randMat(d, n, 100 + n);
        for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) X[j * d + i] = (X[j * d + i] as number) * 10 ** (-5 * j / Math.max(n - 1, 1));
        const x = la.fromArray(d, n, X);
        const g = la.gemmTN(x, x);
        const G = la.toArray(g);
        const r = la.cholesky(g)!;
        expect(r).not.toBeNull();
        const R = la.toArray(r);
        for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) expect(R[j * n + i]).toBe(0);
        const back = la.toArray(la.gemmTN(r, r));
        expect(maxDiff(back, G) / Math.max(...G.map(Math.abs))).toBeLessThan(1e-15 * n + 1e-15);
        // the inverse: r w = I to O(kappa(r) eps), and w is upper triangular
        const w = la.invertUpper(r);
        const W = la.toArray(w);
        for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) expect(W[j * n + i]).toBe(0);
        const rw = la.toArray(la.gemmNN(r, w));
        let res = 0;
        for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) res = Math.max(res, Math.abs((rw[j * n + i] as number) - (i === j ? 1 : 0)));
        expect(res).toBeLessThan(1e-16 * 1e5 * n + 1e-14);
        // the triangular product against the full one, on an odd number of rows (strip edges)
        const y = la.fromArray(37, n, randMat(37, n, 200 + n));
        const yw = la.toArray(la.multiplyUpper(y, w));
        const full = la.toArray(la.gemmNN(y, w));
        expect(maxDiff(yw, full) / Math.max(...full.map(Math.abs))).toBeLessThan(1e-14 * n);
        la.release(m);
      }
      // indefinite with the bad pivot in a later block: G = R^T R with the (k, k) entry lowered by 2 r_kk^2
      for (const [n, k] of [[100, 70], [300, 257], [65, 64]] as const) {
        const m = la.mark();
        const { U, G } = triangularGram(la, n, 7 + k);
        const bad = Float64Array.from(G);
        bad[k * n + k] = (bad[k * n + k] as number) - 2 * (U[k * n + k] as number) ** 2;
        expect(la.cholesky(la.fromArray(n, n, bad))).toBeNull();
        const nan = Float64Array.from(G);
        nan[(n - 1) * n + k] = NaN; // upper entry (k, n - 1)
        nan[k * n + n - 1] = NaN;
        expect(la.cholesky(la.fromArray(n, n, nan))).toBeNull();
        expect(la.cholesky(la.fromArray(n, n, G))).not.toBeNull();
        la.release(m);
      }
    });

    it("the basis is orthonormal to O(eps) and spans the columns, also for correlated columns", () => {
      for (const [d, p, mix] of [[400, 30, 0], [1000, 64, 0.999], [97, 96, 0.5]] as const) {
        const m = la.mark();
        const X = randMat(d, p, d + p);
        // correlated columns: x_j <- x_j + mix * x_{j-1} (condition number grows with mix)
        for (let j = 1; j < p; j++) for (let i = 0; i < d; i++) X[j * d + i] = (X[j * d + i] as number) + mix * (X[(j - 1) * d + i] as number);
        const x = la.fromArray(d, p, X);
        const b = choleskyQr2Basis(la, x, la.gemmTN(x, x))!;
        expect(b).not.toBeNull();
        const q = basisMatrix(la, b);
        expect(maxDiff(la.toArray(la.gemmTN(q, q)), identity(p))).toBeLessThan(20 * p * 2.2e-16);
        // X = Q (Q^T X): the projection reproduces every column
        const proj = la.toArray(la.gemmNN(q, la.gemmTN(q, x)));
        expect(maxDiff(proj, X) / Math.max(...X.map(Math.abs))).toBeLessThan(1e-13);
        la.release(m);
      }
    });

    it("falls back (null) for a constant column, more neurons than samples, and near-dependent columns", () => {
      const m = la.mark();
      const d = 200, p = 10;
      const X = randMat(d, p, 3);
      const x0 = la.fromArray(d, p, X.map((v, k) => (k < d ? 0 : v)));
      expect(choleskyQr2Basis(la, x0, la.gemmTN(x0, x0))).toBeNull();
      const wide = la.fromArray(8, 9, randMat(8, 9, 4));
      expect(choleskyQr2Basis(la, wide, la.gemmTN(wide, wide))).toBeNull();
      const Y = X.slice();
      for (let i = 0; i < d; i++) Y[d * (p - 1) + i] = (Y[i] as number) * (1 + 1e-9) + 1e-9 * (Y[d + i] as number); // column 9 ~ column 0
      const near = la.fromArray(d, p, Y);
      expect(choleskyQr2Basis(la, near, la.gemmTN(near, near))).toBeNull();
      la.release(m);
    });

    it("canonical correlations of the fast route equal the SVD route's to 1e-13", () => {
      const d = 600, p = 40, q = 31;
      const X = randMat(d, p, 7);
      const Y = randMat(d, q, 8);
      // share 12 directions
      for (let j = 0; j < 12; j++) for (let i = 0; i < d; i++) Y[j * d + i] = (X[j * d + i] as number) + 0.3 * (Y[j * d + i] as number);
      const m = la.mark();
      const pair = new Pair(new Side(la, view(X, d, p)), new Side(la, view(Y, d, q)));
      const fast = pair.canonical(false).rho;
      expect(pair.x.basis()).not.toBeNull();
      const sx = pair.x.svd(), sy = pair.y.svd();
      const slow = la.svd(la.fromArray(sx.rank, sy.rank, leadingBlock(pair.basisCross(), sx.s.length, sx.rank, sy.rank)), false).s;
      expect(fast.length).toBe(slow.length);
      expect(maxDiff(fast, slow)).toBeLessThan(1e-13);
      expect(fast[0]).toBeGreaterThan(0.9);
      // and the explicit cross product of the bases is what singularValues saw
      const c = basisCross(la, pair.x.basis()!, pair.y.basis()!);
      expect([c.rows, c.cols]).toEqual([p, q]);
      la.release(m);
    });

    it("SVCCA and PWCCA (paper, google) of the fast route equal the SVD route's", () => {
      const d = 500, p = 36, q = 29;
      const X = randMat(d, p, 17);
      const Y = randMat(d, q, 18);
      for (let j = 0; j < 10; j++) for (let i = 0; i < d; i++) Y[j * d + i] = (X[j * d + i] as number) + 0.4 * (Y[j * d + i] as number);
      // uneven spectra, so that 99% of the variance keeps fewer directions than columns
      for (let j = 0; j < p; j++) for (let i = 0; i < d; i++) X[j * d + i] = (X[j * d + i] as number) * (1 + 3 * Math.exp(-j / 4));
      // centred: google's variant adds the column means back, which makes it depend on the signs of
      // singular vectors (documented); with zero means every route gives the same value
      for (const [M, c] of [[X, p], [Y, q]] as const) {
        for (let j = 0; j < c; j++) {
          let mu = 0;
          for (let i = 0; i < d; i++) mu += M[j * d + i] as number;
          for (let i = 0; i < d; i++) M[j * d + i] = (M[j * d + i] as number) - mu / d;
        }
      }
      const m = la.mark();
      const make = (slow: boolean) => {
        const pair = new Pair(new Side(la, view(X, d, p)), new Side(la, view(Y, d, q)));
        if (slow) for (const side of [pair.x, pair.y]) side.basis = () => null;
        expect(pair.fast).toBe(!slow);
        const r = new Report();
        return {
          svcca: svccaOn(pair, {}, r),
          svcca95: svccaOn(pair, { keep: 0.95, criterion: "singularValues" }, r),
          paper: pwccaOn(pair, {}, r),
          google: pwccaOn(pair, { variant: "google" }, r),
          paperA: pwccaOn(pair, { side: "a" }, r),
        };
      };
      const fast = make(false), slow = make(true);
      // SVCCA's eigen route does not need the bases: compare it with the SVD route proper
      const sp = new Pair(new Side(la, view(X, d, p)), new Side(la, view(Y, d, q)));
      const r = new Report();
      slow.svcca = svccaOn(sp, {}, r, "svd");
      slow.svcca95 = svccaOn(sp, { keep: 0.95, criterion: "singularValues" }, r, "svd");
      expect(fast.svcca.dims).toEqual(slow.svcca.dims);
      expect(fast.svcca.dims[0]).toBeLessThan(p);
      expect(fast.svcca95.dims).toEqual(slow.svcca95.dims);
      for (const k of ["svcca", "svcca95", "paper", "google", "paperA"] as const) expect(Math.abs(fast[k].value - slow[k].value), k).toBeLessThan(1e-12);
      expect(maxDiff(fast.paper.weights, slow.paper.weights)).toBeLessThan(1e-11);
      expect(maxDiff(fast.paperA.weights, slow.paperA.weights)).toBeLessThan(1e-11);
      la.release(m);
    });

    it("eigenBasis: an orthonormal basis of Xc V_k to 1e-14, null when the kth direction is too weak", () => {
      const m = la.mark();
      const d = 300, p = 24;
      const X = randMat(d, p, 21);
      // a decaying spectrum: condition number ~1e4
      for (let j = 0; j < p; j++) for (let i = 0; i < d; i++) X[j * d + i] = (X[j * d + i] as number) * Math.pow(10, -j / 6);
      const side = new Side(la, view(X, d, p));
      const e = side.gramEigen();
      for (const k of [1, 9, p]) {
        const b = eigenBasis(la, side.xc, e.values, e.vectors, k)!;
        expect(b).not.toBeNull();
        const q = basisMatrix(la, b);
        expect([q.rows, q.cols]).toEqual([d, k]);
        expect(maxDiff(la.toArray(la.gemmTN(q, q)), identity(k))).toBeLessThan(1e-14);
        // Q spans Xc V_k: the projection of Xc V_k onto Q reproduces it
        const z = la.gemmNN(side.xc, la.leadingColumns(e.vectors, k));
        const Z = la.toArray(z);
        const back = la.toArray(la.gemmNN(q, la.gemmTN(q, z)));
        expect(maxDiff(back, Z) / Math.max(...Z.map(Math.abs))).toBeLessThan(1e-13);
      }
      // a side of rank 5 in 12 columns: the 5th direction passes, the 6th (zero) does not
      const R = new Float64Array(d * 12);
      const B = randMat(d, 5, 22), C = randMat(5, 12, 23);
      for (let j = 0; j < 12; j++) for (let t = 0; t < 5; t++) for (let i = 0; i < d; i++) R[j * d + i] = (R[j * d + i] as number) + (B[t * d + i] as number) * (C[j * 5 + t] as number);
      const low = new Side(la, view(R, d, 12));
      const el = low.gramEigen();
      expect(eigenBasis(la, low.xc, el.values, el.vectors, 5)).not.toBeNull();
      expect(eigenBasis(la, low.xc, el.values, el.vectors, 6)).toBeNull();
      expect(eigenBasis(la, low.xc, el.values, el.vectors, 0)).toBeNull();
      la.release(m);
    });

    it("SVCCA's eigen route equals the SVD route on fewer samples than neurons, fixed k, and a rank-deficient side", () => {
      const cases: [number, number, number, (X: Float64Array, d: number, p: number) => void][] = [
        [40, 60, 50, () => {}],
        [300, 30, 20, (X, d) => { for (let i = 0; i < d; i++) X[3 * d + i] = 2 * (X[i] as number) - (X[d + i] as number); }],
      ];
      for (const [d, p, q, edit] of cases) {
        const X = randMat(d, p, d + p), Y = randMat(d, q, d + q + 1);
        edit(X, d, p);
        for (let j = 0; j < Math.min(p, q, 8); j++) for (let i = 0; i < d; i++) Y[j * d + i] = (X[j * d + i] as number) + 0.5 * (Y[j * d + i] as number);
        const m = la.mark();
        const pair = new Pair(new Side(la, view(X, d, p)), new Side(la, view(Y, d, q)));
        const r = new Report();
        for (const o of [{}, { components: 7 }, { keep: 0.9 }]) {
          const a = svccaOn(pair, o, r), b = svccaOn(pair, o, r, "svd");
          expect(a.dims).toEqual(b.dims);
          // the eigen route was taken
          for (const [side, k] of [[pair.x, a.dims[0]], [pair.y, a.dims[1]]] as const) {
            const e = side.gramEigen();
            expect(eigenBasis(la, side.xc, e.values, e.vectors, k)).not.toBeNull();
          }
          expect(a.coefficients.length).toBe(b.coefficients.length);
          expect(maxDiff(a.coefficients, b.coefficients)).toBeLessThan(1e-12);
          expect(Math.abs(a.value - b.value)).toBeLessThan(1e-13);
        }
        la.release(m);
      }
    });

    it("google PWCCA's weights in the basis equal the explicit n x k QR's on uncentred sides", () => {
      const d = 400, p = 30, k = 22;
      const X = randMat(d, p, 31);
      for (let j = 0; j < p; j++) for (let i = 0; i < d; i++) X[j * d + i] = (X[j * d + i] as number) * (1 + j / 5) + 3 * Math.sin(j + 1);
      const m = la.mark();
      const pair = new Pair(new Side(la, view(X, d, p)), new Side(la, view(randMat(d, p, 32), d, p)));
      const side = pair.x;
      expect(Math.max(...side.means.map(Math.abs))).toBeGreaterThan(1);
      const b = side.basis()!;
      expect(b).not.toBeNull();
      // any T: Xc U = Q T for U = R^-1 T
      const t = la.fromArray(p, k, randMat(p, k, 33));
      const want = googleWeightsFrom(pair, side, la.gemmNN(basisMatrix(la, b), t));
      const got = googleWeightsInBasis(pair, side, t);
      expect(got.length).toBe(k);
      expect(maxDiff(got, want) / Math.max(...want)).toBeLessThan(1e-12);
      la.release(m);
    });
  });
}

describe("CholeskyQR2 kernels [wasm, raw]", () => {
  const la = wasmLinalg(core);
  const ex = core.exports;

  it("choleskyUpper reports the first bad pivot, also in a later block; only the upper triangles are read", () => {
    for (const [n, k] of [[100, 70], [300, 257], [40, 33]] as const) {
      const m = la.mark();
      const { U, G } = triangularGram(la, n, 3 + k);
      G[k * n + k] = (G[k * n + k] as number) - 2 * (U[k * n + k] as number) ** 2;
      const g = la.fromArray(n, n, G);
      expect(ex.choleskyUpper(ptr(g), n, n)).toBe(k);
      la.release(m);
    }
    // garbage below the diagonal of the inputs changes nothing
    for (const n of [33, 130]) {
      const m = la.mark();
      const x = la.fromArray(n + 3, n, randMat(n + 3, n, n));
      const G = la.toArray(la.gemmTN(x, x));
      const r = la.toArray(la.cholesky(la.fromArray(n, n, G))!);
      const Gg = Float64Array.from(G);
      for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) Gg[j * n + i] = NaN;
      const g = la.fromArray(n, n, Gg);
      expect(ex.choleskyUpper(ptr(g), n, n)).toBe(-1);
      expect(la.toArray(g)).toEqual(r);
      const Rg = Float64Array.from(r);
      for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) Rg[j * n + i] = NaN;
      const w = la.toArray(la.invertUpper(la.fromArray(n, n, r)));
      expect(la.toArray(la.invertUpper(la.fromArray(n, n, Rg)))).toEqual(w);
      const y = la.fromArray(21, n, randMat(21, n, 5 * n));
      const Wg = Float64Array.from(w);
      for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) Wg[j * n + i] = NaN;
      expect(la.toArray(la.multiplyUpper(y, la.fromArray(n, n, Wg)))).toEqual(la.toArray(la.multiplyUpper(y, la.fromArray(n, n, w))));
      la.release(m);
    }
  });

  it("multiplyUpperFrom: any column split gives one call's bits", () => {
    for (const [rows, n] of [[37, 130], [2001, 300], [9, 520]] as const) {
      const m = la.mark();
      const U = randMat(n, n, n + 1);
      for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) U[j * n + i] = 0;
      const u = la.fromArray(n, n, U);
      const x = la.fromArray(rows, n, randMat(rows, n, n + 2));
      const whole = la.toArray(la.multiplyUpper(x, u));
      for (const h of [1, 37, 64, 128, 257, n - 1]) {
        if (h >= n) continue;
        const c = la.fromArray(rows, n);
        ex.multiplyUpperFrom(ptr(x), rows, rows, h, ptr(u), n, ptr(c), rows, 0);
        ex.multiplyUpperFrom(ptr(x), rows, rows, n, ptr(u), n, ptr(c), rows, h);
        expect(la.toArray(c)).toEqual(whole);
      }
      la.release(m);
    }
  });
});
