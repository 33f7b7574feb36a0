// Dense kernels of the WASM core (assembly/blas.ts) against naive JS references: every SIMD and
// tile tail, leading dimensions larger than the row count, 8-byte (not 16-byte) aligned operands,
// accumulate on/off, exact symmetry of syrk, guard cells around every output, bit-for-bit
// determinism, and nrm2 at extreme scales. Runs on the plain SIMD build, and also on the relaxed
// SIMD build when this runtime validates it (Node 20 needs --experimental-wasm-relaxed-simd).
import { describe, expect, it } from "vitest";
import { wasmBase64 as relaxedBase64 } from "../src/wasm/core-relaxed.generated.js";
import { wasmBase64 as simdBase64 } from "../src/wasm/core-simd.generated.js";

interface BlasExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  syrk(Z: number, ldz: number, d: number, n: number, G: number, ldg: number, accumulate: number): void;
  gemmTN(A: number, lda: number, B: number, ldb: number, d: number, m: number, n: number, C: number, ldc: number, accumulate: number): void;
  dot(x: number, y: number, n: number): number;
  axpy(alpha: number, x: number, y: number, n: number): void;
  scal(alpha: number, x: number, n: number): void;
  nrm2(x: number, n: number): number;
  sumsq(x: number, n: number): number;
  gemv_t(A: number, lda: number, m: number, n: number, x: number, y: number): void;
  ger(A: number, lda: number, m: number, n: number, alpha: number, x: number, y: number): void;
  transposeF64(src: number, rows: number, cols: number, dst: number, ld: number): void;
}

/** Guard value written around and between outputs; any change means an out-of-bounds write. */
const GUARD = -7.25e-77;
const GUARD_CELLS = 6;
const REL = 1e-13;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One instance with a bump allocator above heapBase (mirrors what the engine does). */
class Core {
  readonly ex: BlasExports;
  private top: number;
  private readonly base: number;
  constructor(bytes: Uint8Array<ArrayBuffer>) {
    const mod = new WebAssembly.Module(bytes);
    const inst = new WebAssembly.Instance(mod, { env: { abort() { throw new Error("abort"); } } });
    this.ex = inst.exports as unknown as BlasExports;
    this.base = (this.ex.heapBase() + 15) & ~15;
    this.top = this.base;
  }
  reset(): void {
    this.top = this.base;
  }
  /** Byte offset of `count` f64s; 16-byte aligned, or 16k + 8 when `odd`. */
  alloc(count: number, odd = false): number {
    const p = ((this.top + 15) & ~15) + (odd ? 8 : 0);
    this.top = p + count * 8;
    const need = this.top - this.ex.memory.buffer.byteLength;
    if (need > 0) this.ex.memory.grow(Math.ceil(need / 65536));
    return p;
  }
  /** A fresh view (views detach when memory grows). */
  get f(): Float64Array {
    return new Float64Array(this.ex.memory.buffer);
  }
  put(ptr: number, data: ArrayLike<number>): void {
    this.f.set(data, ptr / 8);
  }
  get(ptr: number, count: number): Float64Array {
    return this.f.slice(ptr / 8, ptr / 8 + count);
  }
  /** Allocates count cells plus GUARD_CELLS guards on each side, all set to GUARD. */
  guarded(count: number, odd = false): number {
    const p = this.alloc(count + 2 * GUARD_CELLS, odd) + GUARD_CELLS * 8;
    this.f.fill(GUARD, p / 8 - GUARD_CELLS, p / 8 + count + GUARD_CELLS);
    return p;
  }
}

function randomMatrix(rnd: () => number, rows: number, cols: number, ld: number): Float64Array {
  const a = new Float64Array(ld * cols).fill(GUARD);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) a[j * ld + i] = 2 * rnd() - 1;
  return a;
}

/** Reference A^T B with the magnitude scale sum |a b| per entry. */
function refTN(A: Float64Array, lda: number, B: Float64Array, ldb: number, d: number, m: number, n: number) {
  const val = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      let t = 0;
      for (let k = 0; k < d; k++) {
        const p = A[i * lda + k] * B[j * ldb + k];
        s += p;
        t += Math.abs(p);
      }
      val[j * m + i] = s;
      mag[j * m + i] = t;
    }
  }
  return { val, mag };
}

/** Checks the guard cells around [p, p + count) and, for a matrix, rows rows..ld-1 of each column. */
function expectGuards(core: Core, p: number, count: number, rows = count, ld = count): void {
  const f = core.f;
  const o = p / 8;
  const bad: number[] = [];
  for (let g = 1; g <= GUARD_CELLS; g++) {
    if (f[o - g] !== GUARD) bad.push(-g);
    if (f[o + count + g - 1] !== GUARD) bad.push(count + g - 1);
  }
  for (let c = 0; c * ld < count; c++) for (let i = rows; i < ld; i++) if (f[o + c * ld + i] !== GUARD) bad.push(c * ld + i);
  expect(bad, "guard cells overwritten").toEqual([]);
}

function expectClose(got: number, want: number, mag: number, what: string): void {
  // absolute slack of one subnormal step for results in the subnormal range
  if (!(Math.abs(got - want) <= REL * mag + Number.MIN_VALUE)) {
    throw new Error(`${what}: got ${got}, want ${want} (scale ${mag})`);
  }
}

/** Throws at the first position where a and b differ in bits (or length); one assertion per call. */
function expectSameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    if (!Object.is(a[k], b[k])) throw new Error(`${what}: differs at ${k}: ${a[k]} vs ${b[k]}`);
  }
}

/** Throws unless the n x n matrix (leading dimension ld) equals its transpose bit for bit. */
function expectSymmetric(G: Float64Array, n: number, ld: number, what: string): void {
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < j; i++) {
      if (!Object.is(G[j * ld + i], G[i * ld + j])) throw new Error(`${what}: G(${i},${j}) != G(${j},${i})`);
    }
  }
}

const DS = [1, 2, 3, 7, 64, 129, 1000, 2049];
const NS = [1, 2, 3, 5, 8, 13, 33, 130];

function decode(b64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(b64, "base64"));
}

const builds: Array<[string, Uint8Array<ArrayBuffer>]> = [["simd", decode(simdBase64)]];
const relaxedBytes = decode(relaxedBase64);
if (WebAssembly.validate(relaxedBytes)) builds.push(["relaxed-simd", relaxedBytes]);

describe("wasm builds", () => {
  it("the plain SIMD build validates", () => {
    expect(WebAssembly.validate(builds[0]![1])).toBe(true);
  });
});

for (const [name, bytes] of builds) {
  describe(`blas kernels (${name} build)`, () => {
    const core = new Core(bytes);
    const ex = core.ex;

    function runSyrk(Z: Float64Array, ldz: number, d: number, n: number, ldg: number, G0: Float64Array | null, oddZ: boolean, oddG: boolean) {
      core.reset();
      const zp = core.alloc(Z.length, oddZ);
      core.put(zp, Z);
      const gp = core.guarded(ldg * n, oddG);
      if (G0) core.put(gp, G0);
      else {
        // garbage in the whole output region (padding rows stay GUARD)
        const f = core.f;
        for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) f[gp / 8 + j * ldg + i] = 1e10 * (i - j + 0.5);
      }
      ex.syrk(zp, ldz, d, n, gp, ldg, G0 ? 1 : 0);
      expectSameBits(core.get(zp, Z.length), Z, "Z untouched");
      expectGuards(core, gp, ldg * n, n, ldg);
      return core.get(gp, ldg * n);
    }

    it("syrk: G = Z^T Z for every d x n tail combination, both triangles, exactly symmetric", () => {
      const rnd = mulberry32(1);
      let combos = 0;
      for (const d of DS) {
        for (const n of NS) {
          const ldz = d + 3;
          const ldg = n + 2;
          const Z = randomMatrix(rnd, d, n, ldz);
          const G = runSyrk(Z, ldz, d, n, ldg, null, combos % 2 === 1, combos % 3 === 1);
          const { val, mag } = refTN(Z, ldz, Z, ldz, d, n, n);
          for (let j = 0; j < n; j++) {
            for (let i = 0; i < n; i++) {
              expectClose(G[j * ldg + i]!, val[j * n + i]!, mag[j * n + i]!, `syrk d=${d} n=${n} (${i},${j})`);
            }
          }
          expectSymmetric(G, n, ldg, `syrk d=${d} n=${n}`);
          combos++;
        }
      }
      expect(combos).toBe(DS.length * NS.length);
    });

    it("syrk: accumulate adds Z^T Z to a symmetric G (several blocks of columns and panels of rows)", () => {
      const rnd = mulberry32(2);
      for (const [d, n] of [[1, 1], [2, 3], [7, 5], [129, 13], [1000, 33], [2049, 8], [600, 250], [513, 130]] as const) {
        const ldz = d + 1;
        const ldg = n + 3;
        const Z = randomMatrix(rnd, d, n, ldz);
        const G0 = new Float64Array(ldg * n).fill(GUARD);
        for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) G0[j * ldg + i] = G0[i * ldg + j] = 10 * rnd() - 5;
        const G = runSyrk(Z, ldz, d, n, ldg, G0, false, true);
        const { val, mag } = refTN(Z, ldz, Z, ldz, d, n, n);
        for (let j = 0; j < n; j++) {
          for (let i = 0; i < n; i++) {
            const g0 = G0[j * ldg + i]!;
            expectClose(G[j * ldg + i]!, g0 + val[j * n + i]!, Math.abs(g0) + mag[j * n + i]!, `syrk+= d=${d} n=${n} (${i},${j})`);
          }
        }
        expectSymmetric(G, n, ldg, `syrk+= d=${d} n=${n}`);
      }
    });

    it("syrk: streaming row batches with accumulate matches one call up to rounding", () => {
      const rnd = mulberry32(3);
      const d = 777;
      const n = 37;
      const Z = randomMatrix(rnd, d, n, d);
      const full = runSyrk(Z, d, d, n, n, null, false, false);
      core.reset();
      const zp = core.alloc(Z.length);
      core.put(zp, Z);
      const gp = core.guarded(n * n);
      let r0 = 0;
      for (const rows of [1, 100, 255, 2, 419]) {
        ex.syrk(zp + r0 * 8, d, rows, n, gp, n, r0 === 0 ? 0 : 1);
        r0 += rows;
      }
      expect(r0).toBe(d);
      expectGuards(core, gp, n * n);
      const G = core.get(gp, n * n);
      const { mag } = refTN(Z, d, Z, d, d, n, n);
      for (let k = 0; k < n * n; k++) expectClose(G[k]!, full[k]!, mag[k]!, `stream ${k}`);
    });

    it("syrk: d = 0 gives zeros (or leaves G) and n = 0 writes nothing", () => {
      core.reset();
      const zp = core.alloc(4);
      const gp = core.guarded(9);
      core.put(gp, [1, 2, 3, 2, 5, 6, 3, 6, 9]);
      ex.syrk(zp, 1, 0, 3, gp, 3, 1);
      expect(Array.from(core.get(gp, 9))).toEqual([1, 2, 3, 2, 5, 6, 3, 6, 9]);
      ex.syrk(zp, 1, 0, 3, gp, 3, 0);
      expect(Array.from(core.get(gp, 9))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
      expectGuards(core, gp, 9);
      const hp = core.guarded(0);
      ex.syrk(zp, 1, 4, 0, hp, 1, 0);
      expectGuards(core, hp, 0);
    });

    it("syrk is deterministic: same bits for the same data at any alignment and leading dimension", () => {
      const rnd = mulberry32(4);
      const d = 1537;
      const n = 71;
      const Z = randomMatrix(rnd, d, n, d);
      const a = runSyrk(Z, d, d, n, n, null, false, false);
      const ld2 = d + 5;
      const Z2 = new Float64Array(ld2 * n).fill(GUARD);
      for (let j = 0; j < n; j++) Z2.set(Z.subarray(j * d, j * d + d), j * ld2);
      const b = runSyrk(Z2, ld2, d, n, n + 1, null, true, true);
      const bPacked = new Float64Array(n * n);
      for (let j = 0; j < n; j++) bPacked.set(b.subarray(j * (n + 1), j * (n + 1) + n), j * n);
      expectSameBits(bPacked, a, "other layout");
      const c = runSyrk(Z, d, d, n, n, null, false, false);
      expectSameBits(c, a, "second call");
    });

    function runGemm(A: Float64Array, lda: number, B: Float64Array, ldb: number, d: number, m: number, n: number, ldc: number, C0: Float64Array | null, odd: boolean) {
      core.reset();
      const ap = core.alloc(A.length, odd);
      core.put(ap, A);
      const bp = core.alloc(B.length, !odd);
      core.put(bp, B);
      const cp = core.guarded(ldc * n, odd);
      if (C0) core.put(cp, C0);
      else {
        const f = core.f;
        for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) f[cp / 8 + j * ldc + i] = 3e9 * (j - i);
      }
      ex.gemmTN(ap, lda, bp, ldb, d, m, n, cp, ldc, C0 ? 1 : 0);
      expectSameBits(core.get(ap, A.length), A, "A untouched");
      expectSameBits(core.get(bp, B.length), B, "B untouched");
      expectGuards(core, cp, ldc * n, m, ldc);
      return core.get(cp, ldc * n);
    }

    it("gemmTN: C = A^T B and C += A^T B over tail combinations", () => {
      const rnd = mulberry32(5);
      let t = 0;
      for (const m of NS) {
        for (const n of NS) {
          const d = DS[t % DS.length]!;
          const acc = t % 2 === 1;
          const lda = d + 1;
          const ldb = d + 2;
          const ldc = m + 1;
          const A = randomMatrix(rnd, d, m, lda);
          const B = randomMatrix(rnd, d, n, ldb);
          const C0 = acc ? randomMatrix(rnd, m, n, ldc) : null;
          const C = runGemm(A, lda, B, ldb, d, m, n, ldc, C0, t % 3 === 0);
          const { val, mag } = refTN(A, lda, B, ldb, d, m, n);
          for (let j = 0; j < n; j++) {
            for (let i = 0; i < m; i++) {
              const c0 = C0 ? C0[j * ldc + i]! : 0;
              expectClose(C[j * ldc + i]!, c0 + val[j * m + i]!, Math.abs(c0) + mag[j * m + i]!, `gemmTN d=${d} m=${m} n=${n} (${i},${j})`);
            }
          }
          t++;
        }
      }
      // one larger case: several row panels and column blocks, odd sizes everywhere
      const [d, m, n] = [1100, 131, 253];
      const A = randomMatrix(rnd, d, m, d);
      const B = randomMatrix(rnd, d, n, d + 1);
      const C = runGemm(A, d, B, d + 1, d, m, n, m, null, true);
      const { val, mag } = refTN(A, d, B, d + 1, d, m, n);
      for (let k = 0; k < m * n; k++) expectClose(C[k]!, val[k]!, mag[k]!, `gemmTN big ${k}`);
    });

    it("gemmTN(Z, Z) reproduces syrk(Z) bit for bit; d = 0 zeroes C", () => {
      const rnd = mulberry32(6);
      for (const [d, n] of [[3, 5], [1001, 130], [2049, 33]] as const) {
        const Z = randomMatrix(rnd, d, n, d);
        const G = runSyrk(Z, d, d, n, n, null, false, false);
        const C = runGemm(Z, d, Z, d, d, n, n, n, null, false);
        expectSameBits(C, G, `gemmTN vs syrk d=${d} n=${n}`);
      }
      core.reset();
      const cp = core.guarded(6);
      core.put(cp, [1, 2, 3, 4, 5, 6]);
      ex.gemmTN(cp, 1, cp, 1, 0, 2, 3, cp, 2, 0);
      expect(Array.from(core.get(cp, 6))).toEqual([0, 0, 0, 0, 0, 0]);
      expectGuards(core, cp, 6);
    });

    const LENS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 64, 129, 1000, 2049];

    it("dot, sumsq, nrm2 against references at every tail length and alignment", () => {
      const rnd = mulberry32(7);
      for (const n of LENS) {
        for (const odd of [false, true]) {
          const x = Array.from({ length: n }, () => 2 * rnd() - 1);
          const y = Array.from({ length: n }, () => 2 * rnd() - 1);
          core.reset();
          const xp = core.alloc(n, odd);
          const yp = core.alloc(n, !odd);
          core.put(xp, x);
          core.put(yp, y);
          let s = 0, mag = 0, q = 0;
          for (let i = 0; i < n; i++) {
            s += x[i]! * y[i]!;
            mag += Math.abs(x[i]! * y[i]!);
            q += x[i]! * x[i]!;
          }
          expectClose(ex.dot(xp, yp, n), s, mag, `dot n=${n}`);
          expectClose(ex.sumsq(xp, n), q, q, `sumsq n=${n}`);
          expectClose(ex.nrm2(xp, n), Math.sqrt(q), Math.sqrt(q), `nrm2 n=${n}`);
          expect(core.get(xp, n)).toEqual(Float64Array.from(x));
        }
      }
      expect(ex.dot(0, 0, -3)).toBe(0);
      expect(ex.nrm2(0, -1)).toBe(0);
    });

    it("nrm2 neither overflows nor underflows (1e300, 1e-300, subnormal, mixed scales)", () => {
      const rnd = mulberry32(8);
      for (const scale of [1e300, 1e-300, 1e154, 1e-160, 5e-324 * 2 ** 20, 1.7e308]) {
        for (const n of [1, 2, 3, 17, 1000]) {
          const base = Array.from({ length: n }, () => 2 * rnd() - 1);
          base[n >> 1] = 1; // max |base| = 1 exactly
          let q = 0;
          for (const v of base) q += v * v;
          const want = scale * Math.sqrt(q);
          core.reset();
          const xp = core.alloc(n, n % 2 === 1);
          core.put(xp, base.map((v) => v * scale));
          // entries of a subnormal scale are themselves rounded; compare to the stored values
          const stored = core.get(xp, n);
          let q2 = 0;
          for (const v of stored) q2 += (v / scale) ** 2;
          const want2 = scale * Math.sqrt(q2);
          const got = ex.nrm2(xp, n);
          expect(Number.isFinite(got)).toBe(want < Infinity);
          if (Number.isFinite(want)) expectClose(got, want2, want2, `nrm2 scale=${scale} n=${n}`);
          else expect(got).toBe(Infinity);
          if (scale >= 1e-300 && scale <= 1e300) expectClose(got, want, want, `nrm2 scale=${scale} n=${n}`);
        }
      }
      core.reset();
      const xp = core.alloc(8);
      core.put(xp, [1e300, 1e-300, -1e300, 3, 0, 0, 0, 1e-300]);
      expectClose(ex.nrm2(xp, 8), Math.SQRT2 * 1e300, 1e300, "mixed");
      core.put(xp, [0, 0, 0, 0, 0, 0, 0, 0]);
      expect(ex.nrm2(xp, 8)).toBe(0);
      core.put(xp, [1, Infinity, 2, 0, 0, 0, 0, 0]);
      expect(ex.nrm2(xp, 8)).toBe(Infinity);
      core.put(xp, [1, Infinity, NaN, 0, 0, 0, 0, 0]);
      expect(ex.nrm2(xp, 8)).toBeNaN();
      core.put(xp, [5e-324, 0, 0, 0, 0, 0, 0, 5e-324]);
      expect(ex.nrm2(xp, 8)).toBe(Math.hypot(5e-324, 5e-324)); // sqrt(2) * 2^-1074 rounds to 2^-1074
      core.put(xp, [3e-310, 4e-310, 0, 0, 0, 0, 0, 0]);
      expectClose(ex.nrm2(xp, 8), Math.hypot(3e-310, 4e-310), 5e-310, "subnormal 3-4-5");
    });

    it("axpy and scal at every tail length, guards intact", () => {
      const rnd = mulberry32(9);
      for (const n of LENS) {
        const alpha = 2 * rnd() - 1;
        const x = Array.from({ length: n }, () => 2 * rnd() - 1);
        const y = Array.from({ length: n }, () => 2 * rnd() - 1);
        core.reset();
        const xp = core.alloc(n, n % 2 === 0);
        core.put(xp, x);
        const yp = core.guarded(n, n % 2 === 1);
        core.put(yp, y);
        ex.axpy(alpha, xp, yp, n);
        const got = core.get(yp, n);
        for (let i = 0; i < n; i++) expectClose(got[i]!, y[i]! + alpha * x[i]!, Math.abs(y[i]!) + Math.abs(alpha * x[i]!), `axpy n=${n} i=${i}`);
        expectGuards(core, yp, n);
        ex.scal(alpha, yp, n);
        const got2 = core.get(yp, n);
        for (let i = 0; i < n; i++) expect(got2[i]).toBe(got[i]! * alpha);
        expectGuards(core, yp, n);
        expect(core.get(xp, n)).toEqual(Float64Array.from(x));
      }
      core.reset();
      const p = core.guarded(0);
      ex.axpy(2, p, p, 0);
      ex.scal(2, p, -1);
      expectGuards(core, p, 0);
    });

    it("gemv_t: y = A^T x over tail combinations; ger: A += alpha x y^T", () => {
      const rnd = mulberry32(10);
      for (const m of [0, 1, 2, 3, 7, 64, 129, 1000]) {
        for (const n of [1, 2, 3, 4, 5, 8, 13, 33]) {
          const lda = m + 3;
          const A = randomMatrix(rnd, m, n, lda);
          const x = Array.from({ length: m }, () => 2 * rnd() - 1);
          core.reset();
          const ap = core.guarded(lda * n, (m + n) % 2 === 1);
          core.put(ap, A);
          const xp = core.alloc(m, n % 2 === 1);
          core.put(xp, x);
          const yp = core.guarded(n, m % 2 === 1);
          ex.gemv_t(ap, lda, m, n, xp, yp);
          const y = core.get(yp, n);
          for (let j = 0; j < n; j++) {
            let s = 0, mag = 0;
            for (let i = 0; i < m; i++) {
              s += A[j * lda + i]! * x[i]!;
              mag += Math.abs(A[j * lda + i]! * x[i]!);
            }
            expectClose(y[j]!, s, mag, `gemv_t m=${m} n=${n} j=${j}`);
          }
          expectGuards(core, yp, n);
          expectSameBits(core.get(ap, lda * n), A, "A untouched");

          const w = Array.from({ length: n }, () => 2 * rnd() - 1);
          const wp = core.alloc(n, m % 2 === 0);
          core.put(wp, w);
          const alpha = 2 * rnd() - 1;
          ex.ger(ap, lda, m, n, alpha, xp, wp);
          const A2 = core.get(ap, lda * n);
          for (let j = 0; j < n; j++) {
            for (let i = 0; i < m; i++) {
              const p = alpha * w[j]! * x[i]!;
              expectClose(A2[j * lda + i]!, A[j * lda + i]! + p, Math.abs(A[j * lda + i]!) + Math.abs(p), `ger m=${m} n=${n} (${i},${j})`);
            }
          }
          expectGuards(core, ap, lda * n, m, lda);
        }
      }
    });

    it("gemv_t: y[j] has the same bits whichever column group j falls in", () => {
      const rnd = mulberry32(11);
      const m = 301;
      const n = 11;
      const A = randomMatrix(rnd, m, n, m);
      const x = Array.from({ length: m }, () => 2 * rnd() - 1);
      core.reset();
      const ap = core.alloc(A.length);
      core.put(ap, A);
      const xp = core.alloc(m);
      core.put(xp, x);
      const yp = core.alloc(n);
      ex.gemv_t(ap, m, m, n, xp, yp);
      const all = core.get(yp, n);
      for (let j = 0; j < n; j++) {
        ex.gemv_t(ap + j * m * 8, m, m, 1, xp, yp);
        expect(Object.is(core.get(yp, 1)[0], all[j])).toBe(true);
      }
    });

    it("transposeF64: every tile and 2 x 2 tail, ld > rows, unaligned operands, guards intact", () => {
      const rnd = mulberry32(12);
      for (const [rows, cols] of [[1, 1], [1, 7], [7, 1], [2, 2], [3, 5], [31, 33], [33, 31], [64, 64], [65, 97], [130, 3]] as const) {
        for (const odd of [false, true]) {
          const ld = rows + (odd ? 3 : 0);
          const src = Array.from({ length: rows * cols }, () => 2 * rnd() - 1);
          core.reset();
          const sp = core.alloc(src.length, odd);
          core.put(sp, src);
          const dp = core.alloc(ld * cols + GUARD_CELLS, !odd);
          core.put(dp, new Array(ld * cols + GUARD_CELLS).fill(GUARD));
          ex.transposeF64(sp, rows, cols, dp, ld);
          const got = core.get(dp, ld * cols + GUARD_CELLS);
          for (let j = 0; j < cols; j++) {
            for (let i = 0; i < ld; i++) {
              const want = i < rows ? src[i * cols + j]! : GUARD;
              if (!Object.is(got[j * ld + i], want)) throw new Error(`transposeF64 ${rows}x${cols} ld ${ld}: (${i},${j}) = ${got[j * ld + i]}, expected ${want}`);
            }
          }
          for (let k = ld * cols; k < ld * cols + GUARD_CELLS; k++) expect(got[k]).toBe(GUARD);
        }
      }
    });
  });
}
