// Bad input to every public Engine method: the right RepmatchError code, a message of the form
// "expected X, got Y", and an engine that still works afterwards with its WASM arena released.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend.js";
import type { ConvInput } from "../src/conv.js";
import { createEngineSync, type Engine } from "../src/engine.js";
import { RepmatchError, type ErrorCode } from "../src/errors.js";
import { readNpy } from "../src/io/npy.js";
import type { MatrixInput } from "../src/matrix.js";
import { FIXTURES, randn } from "./helpers.js";

// The authors' toy example (match_utils.py unittest()), neurons x samples there: transposed below.
const TOY_X = [
  [1, 0.5, 0, 0, 0, 0],
  [0, 1, 0, 0, 0, 0],
  [0, 0, 0, 1, 0, 0],
  [0, 0, 0, 0, 1, 0],
];
const TOY_Y = [
  [0, 0, 1, 0, 0, 0],
  [1, 0, 0, 0, 0, 0],
  [0.5, 1, 0, 0, 0, 0],
  [0, 0, 0, 1, 0, 0],
  [0, 0, 0, 0, 1, 0],
];
const transpose = (m: number[][]): number[][] => m[0]!.map((_, j) => m.map((row) => row[j]!));
const toyA = transpose(TOY_X); // 6 samples x 4 neurons
const toyB = transpose(TOY_Y); // 6 samples x 5 neurons

let engine: Engine;
beforeAll(() => {
  engine = createEngineSync();
  expect(engine.backend).toBe("wasm");
});

/** The engine answers a valid call correctly and holds no arena memory. */
function expectHealthy(): void {
  expect(engine.stats().arenaBytes, "arena after the failed call").toBe(0);
  for (const backend of ["wasm", "js"] as BackendName[]) {
    const r = engine.maxMatch(toyA, toyB, { eps: 0.1, backend });
    expect(r.a).toEqual([0, 1, 2, 3]);
    expect(r.b).toEqual([1, 2, 3, 4]);
  }
  expect(engine.stats().arenaBytes, "arena after a valid call").toBe(0);
}

/** fn must throw a RepmatchError with this code and an "expected X, got Y" message. */
function expectError(fn: () => unknown, code: ErrorCode, message?: RegExp): RepmatchError {
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected a RepmatchError ${code}, got no error`).toBeInstanceOf(RepmatchError);
  const e = error as RepmatchError;
  expect(e.code, e.message).toBe(code);
  expect(e.name).toBe("RepmatchError");
  expect(e.message).toMatch(/expected .+, got .+/);
  if (message) expect(e.message).toMatch(message);
  expectHealthy();
  return e;
}

type Input = unknown;
type Method = (a: Input, b: Input, backend?: BackendName) => unknown;

/** Every 2-D pair method of the Engine, called with valid options. */
const PAIR_METHODS: Record<string, Method> = {
  maxMatch: (a, b, backend) => engine.maxMatch(a as MatrixInput, b as MatrixInput, { eps: 0.1, backend }),
  similarityCurve: (a, b, backend) => engine.similarityCurve(a as MatrixInput, b as MatrixInput, { eps: [0.1, 0.5], backend }),
  maxEpsilon: (a, b, backend) => engine.maxEpsilon(a as MatrixInput, b as MatrixInput, { backend }),
  minEpsilon: (a, b, backend) => engine.minEpsilon(a as MatrixInput, b as MatrixInput, { backend }),
  vMinimal: (a, b, backend) => engine.vMinimal(a as MatrixInput, b as MatrixInput, { eps: 0.1, v: "a:0", backend }),
  simpleMatches: (a, b, backend) => engine.simpleMatches(a as MatrixInput, b as MatrixInput, { eps: 0.1, backend }),
  compare: (a, b, backend) => engine.compare(a as MatrixInput, b as MatrixInput, { eps: [0.1, 0.5], backend }),
};

const d6 = (n: number): Float64Array => Float64Array.from({ length: 6 * n }, (_, k) => Math.sin(k + 1));
const good = (n = 3): MatrixInput => ({ data: d6(n), shape: [6, n] });

/** 6 x 4 matrix in the given form, with the given cells set to `value`. */
function withBad(form: "row" | "fortran" | "nested" | "float32", cells: [number, number][], value: number): Input {
  const d = 6, n = 4;
  const m = Array.from({ length: d }, (_, i) => Array.from({ length: n }, (_, j) => Math.cos(i * n + j)));
  for (const [i, j] of cells) m[i]![j] = value;
  if (form === "nested") return m;
  if (form === "fortran") return { data: Float64Array.from({ length: d * n }, (_, k) => m[k % d]![Math.floor(k / d)]!), shape: [d, n], fortranOrder: true };
  const flat = m.flat();
  return { data: form === "float32" ? Float32Array.from(flat) : Float64Array.from(flat), shape: [d, n] };
}

describe("every pair method rejects malformed matrices", () => {
  for (const [name, call] of Object.entries(PAIR_METHODS)) {
    describe(name, () => {
      it("wrong shape: 1-D, 3-D, length mismatch, negative and non-integer dimensions", () => {
        expectError(() => call({ data: d6(1), shape: [6] }, good()), "notTwoDimensional", /^a: .*got shape \(6,\)$/);
        expectError(() => call(good(), { data: new Float64Array(24), shape: [2, 3, 4] }), "notTwoDimensional", /^b: .*got shape \(2, 3, 4\)/);
        expectError(() => call({ data: d6(2).subarray(0, 10), shape: [6, 2] }, good()), "badShape", /expected 12 values for shape \(6, 2\), got 10/);
        expectError(() => call(good(), { data: d6(2), shape: [-6, -2] }), "badShape", /^b: expected non-negative integer dimensions, got shape \(-6, -2\)/);
        expectError(() => call({ data: d6(2), shape: [6, 2.5] }, good()), "badShape", /got shape \(6, 2\.5\)/);
        expectError(() => call({ data: d6(2), shape: null }, good()), "badShape", /got null/);
      });

      it("mismatched sample counts", () => {
        const e = expectError(() => call(good(3), { data: new Float64Array(14).fill(1), shape: [7, 2] }), "sampleCountMismatch", /got 6 and 7$/);
        expect(e.detail).toEqual({ samplesA: 6, samplesB: 7 });
        expectError(() => call(toyA, toyB.slice(1)), "sampleCountMismatch", /got 6 and 5$/);
      });

      it("NaN and +-Inf name the first offending row and column (row-major, Fortran, nested, float32)", () => {
        // (4, 1) comes first in memory for the Fortran layout, (2, 3) first in row-major order
        const cells: [number, number][] = [[4, 1], [2, 3]];
        const e1 = expectError(() => call(withBad("row", cells, NaN), good()), "nonFinite", /^a: expected finite values, got NaN at row 2, column 3$/);
        expect(e1.detail).toEqual({ row: 2, column: 3, value: "NaN" });
        expectError(() => call(withBad("fortran", cells, Infinity), good()), "nonFinite", /^a: expected finite values, got Infinity at row 2, column 3$/);
        expectError(() => call(good(), withBad("nested", cells, -Infinity)), "nonFinite", /^b: expected finite values, got -Infinity at row 2, column 3$/);
        expectError(() => call(good(), withBad("float32", [[5, 0]], NaN)), "nonFinite", /got NaN at row 5, column 0$/);
        const e2 = expectError(() => call(withBad("fortran", [[0, 3], [5, 0]], -Infinity), good()), "nonFinite", /got -Infinity at row 0, column 3$/);
        expect(e2.detail).toMatchObject({ row: 0, column: 3 });
      });

      it("empty: 0 rows, 0 columns, [] and [[]]", () => {
        expectError(() => call({ data: new Float64Array(0), shape: [0, 3] }, good()), "empty", /got shape \(0, 3\)/);
        expectError(() => call(good(), { data: [], shape: [6, 0] }), "empty", /^b: .*got shape \(6, 0\)/);
        expectError(() => call([], good()), "empty", /got an empty array/);
        expectError(() => call(good(), [[]]), "empty", /got rows of length 0/);
      });

      it("wrong data types: Int32Array, strings, null, ragged rows", () => {
        expectError(() => call({ data: new Int32Array(18), shape: [6, 3] }, good()), "badInput", /got Int32Array/);
        expectError(() => call(good(), [[1, 2], [3, "4"], [5, 6], [7, 8], [9, 10], [11, 12]]), "badInput", /^b: expected numbers, got string at row 1, column 1$/);
        expectError(() => call([[1, 2], [3, null], [5, 6], [7, 8], [9, 10], [11, 12]], good()), "badInput", /got null at row 1, column 1$/);
        expectError(() => call({ data: [1, 2, "3", 4, 5, 6], shape: [6, 1] }, good()), "badInput", /got string at row 2, column 0$/);
        expectError(() => call({ data: [1, 2, 3, null, 5, 6], shape: [3, 2], fortranOrder: true }, good()), "badInput", /got null at row 0, column 1$/);
        expectError(() => call(null, good()), "badInput", /^a: .*got null$/);
        expectError(() => call(good(), "abc"), "badInput", /got string$/);
        expectError(() => call({ data: null, shape: [6, 3] }, good()), "badInput", /got null$/);
        expectError(() => call([[1, 2], [3]], [[1], [2]]), "badShape", /expected every row to have 2 values, got 1 in row 1/);
        expectError(() => call([1, 2, 3], good()), "notTwoDimensional", /got rows of number/);
      });

      it("unknown backend", () => {
        expectError(() => call(toyA, toyB, "gpu" as BackendName), "badOption", /expected backend "wasm" or "js", got "gpu"/);
      });
    });
  }
});

describe("epsilon validation", () => {
  const BAD_EPS: unknown[] = [-0.1, -1e-300, NaN, 1, 1.5, Infinity, -Infinity, "0.1", null, undefined];

  for (const backend of ["wasm", "js"] as BackendName[]) {
    it(`maxMatch, vMinimal, simpleMatches reject each bad eps [${backend}]`, () => {
      for (const eps of BAD_EPS) {
        const o = { eps: eps as number, backend };
        const msg = /^expected eps to be a number in \[0, 1\), got /;
        expectError(() => engine.maxMatch(toyA, toyB, o), "badEpsilon", msg);
        expectError(() => engine.vMinimal(toyA, toyB, { ...o, v: "a:0" }), "badEpsilon", msg);
        expectError(() => engine.simpleMatches(toyA, toyB, o), "badEpsilon", msg);
      }
    });
  }

  it("similarityCurve and compare reject a bad eps anywhere in the list, and a non-list", () => {
    for (const eps of BAD_EPS) {
      const list = [0.1, eps as number, 0.3];
      expectError(() => engine.similarityCurve(toyA, toyB, { eps: list }), "badEpsilon", new RegExp(`got ${String(eps).replace(/[.+]/g, "\\$&")}$`));
      expectError(() => engine.compare(toyA, toyB, { eps: list }), "badEpsilon");
    }
    expectError(() => engine.similarityCurve(toyA, toyB, { eps: 0.1 as unknown as number[] }), "badEpsilon", /expected a list of eps values, got number/);
    expectError(() => engine.compare(toyA, toyB, { eps: "0.1" as unknown as number[] }), "badEpsilon", /got string/);
  });

  it("minEpsilon rejects bad lo, hi, tol, minSize and lo > hi", () => {
    expectError(() => engine.minEpsilon(toyA, toyB, { lo: -0.5 }), "badEpsilon", /expected lo to be a number in \[0, 1\), got -0.5/);
    expectError(() => engine.minEpsilon(toyA, toyB, { lo: NaN }), "badEpsilon", /got NaN/);
    expectError(() => engine.minEpsilon(toyA, toyB, { hi: 1 }), "badEpsilon", /expected hi to be a number in \[0, 1\), got 1/);
    expectError(() => engine.minEpsilon(toyA, toyB, { hi: "0.5" as unknown as number }), "badEpsilon", /got 0.5/);
    expectError(() => engine.minEpsilon(toyA, toyB, { lo: 0.5, hi: 0.2 }), "badOption", /expected lo <= hi, got lo 0.5 and hi 0.2/);
    for (const tol of [0, -1, 1, NaN, "0.1"]) {
      expectError(() => engine.minEpsilon(toyA, toyB, { tol: tol as number }), "badOption", /expected tol in \(0, 1\)/);
    }
    for (const minSize of [0, -1, 1.5, NaN, "2"]) {
      expectError(() => engine.minEpsilon(toyA, toyB, { minSize: minSize as number }), "badOption", /expected minSize to be a positive integer, got /);
    }
  });
});

describe("vMinimal neuron names", () => {
  for (const backend of ["wasm", "js"] as BackendName[]) {
    it(`rejects "c:1", "a:99", "a:-1", 5 and friends [${backend}]`, () => {
      const bad: [unknown, RegExp][] = [
        ["c:1", /expected a neuron name like "a:3" or "b:0", got "c:1"/],
        ["a:99", /expected a neuron index of a below 4, got a:99/],
        ["b:5", /expected a neuron index of b below 5, got b:5/],
        ["a:-1", /got "a:-1"/],
        [5, /got 5$/],
        ["a:1.5", /got "a:1.5"/],
        ["a", /got "a"/],
        ["", /got ""/],
        [" a:1", /got " a:1"/],
        [undefined, /got undefined/],
      ];
      for (const [v, msg] of bad) {
        expectError(() => engine.vMinimal(toyA, toyB, { eps: 0.1, v: v as string, backend }), "badNeuron", msg);
      }
      // the reference's names are accepted, and the answer is the authors' one
      const r = engine.vMinimal(toyA, toyB, { eps: 0.1, v: "x:0", backend });
      expect([r.v, r.a, r.b]).toEqual(["a:0", [0, 1], [1, 2]]);
    });
  }
});

describe("engine options", () => {
  it("createEngineSync rejects an unknown backend", () => {
    expectError(() => createEngineSync({ backend: "gpu" as "js" }), "badOption", /expected backend "auto", "wasm" or "js", got "gpu"/);
  });

  it("a matrix too large for the arena is rejected before any copy", () => {
    expectError(() => engine.maxMatch({ data: [], shape: [2 ** 15, 2 ** 14] }, toyB, { eps: 0.1 }), "tooLarge", /expected at most 268435456 values per matrix, got 32768 x 16384/);
  });

  it("names option appears in the messages", () => {
    expectError(() => engine.maxMatch(toyA, [[NaN]], { eps: 0.1, names: ["net1", "net2"] }), "nonFinite", /^net2: /);
    expectError(() => engine.maxMatch(toyA, toyB.slice(2), { eps: 0.1, names: ["net1", "net2"] }), "sampleCountMismatch", /expected net1 and net2 to have/);
  });
});

describe("convSimilarity", () => {
  // N=2 images, C=3 / 2 channels, H=3, W=4
  const conv = (c: number, shape?: number[], data?: ArrayLike<number>): ConvInput => {
    const s = shape ?? [2, c, 3, 4];
    return { data: data ?? Float64Array.from({ length: s.reduce((p, q) => p * q, 1) }, (_, k) => Math.sin(3 * k + c)), shape: s };
  };
  const ok = { eps: 0.1, layout: "nchw" as const, draws: 2, rows: 10 };
  const call = (a: unknown, b: unknown, o: object = {}) => engine.convSimilarity(a as ConvInput, b as ConvInput, { ...ok, ...o });

  it("valid call works (sanity for the cases below)", () => {
    const r = call(conv(3), conv(2));
    expect(r.channels).toEqual([3, 2]);
    expect(r.points[0]!.perDraw).toHaveLength(2);
    expect(engine.stats().arenaBytes).toBe(0);
  });

  it("wrong shape: 2-D, 3-D, 5-D, negative, non-integer, length mismatch", () => {
    expectError(() => call(conv(3, [24, 3]), conv(2)), "badShape", /^a: expected a 4-D conv activation \(NCHW\), got shape \(24, 3\)/);
    expectError(() => call(conv(3), conv(2, [2, 2, 12])), "badShape", /^b: .*got shape \(2, 2, 12\)/);
    expectError(() => call(conv(3, [1, 2, 3, 3, 4]), conv(2)), "badShape");
    expectError(() => call(conv(3, [2, -3, 3, 4], new Float64Array(72)), conv(2)), "badShape", /expected non-negative integer dimensions, got shape \(2, -3, 3, 4\)/);
    expectError(() => call(conv(3, [2, 3, 1.5, 4], new Float64Array(36)), conv(2)), "badShape", /got shape \(2, 3, 1.5, 4\)/);
    expectError(() => call(conv(3, [2, 3, 3, 4], new Float64Array(70)), conv(2)), "badShape", /expected 72 values for shape \(2, 3, 3, 4\), got 70/);
    expectError(() => call({ data: new Float64Array(72) }, conv(2)), "badShape", /got shape \(\)/);
  });

  it("empty: a zero dimension", () => {
    expectError(() => call(conv(3, [0, 3, 3, 4]), conv(2)), "empty", /got shape \(0, 3, 3, 4\)/);
    expectError(() => call(conv(3), conv(0, [2, 0, 3, 4])), "empty", /^b: /);
  });

  it("mismatched images or spatial size: sampleCountMismatch", () => {
    expectError(() => call(conv(3), conv(2, [3, 2, 3, 4])), "sampleCountMismatch", /got 2 x 3 x 4 and 3 x 3 x 4/);
    expectError(() => call(conv(3), conv(2, [2, 2, 4, 3])), "sampleCountMismatch", /got 2 x 3 x 4 and 2 x 4 x 3/);
    expectError(() => call(conv(3, [2, 3, 4, 3]), conv(2, [2, 4, 3, 2]), { layout: "nhwc" }), "sampleCountMismatch");
  });

  it("NaN / Inf anywhere are rejected, also where no draw samples, naming the position", () => {
    // nchw [2, 3, 3, 4]: flat index ((img*3 + ch)*3 + y)*4 + x
    const at = (img: number, ch: number, y: number, x: number) => ((img * 3 + ch) * 3 + y) * 4 + x;
    const a = Float64Array.from(conv(3).data);
    a[at(1, 2, 0, 3)] = NaN;
    a[at(1, 2, 2, 1)] = Infinity;
    const e = expectError(() => call({ data: a, shape: [2, 3, 3, 4] }, conv(2), { rows: 1, draws: 1 }), "nonFinite", /^a: expected finite values, got NaN at image 1, channel 2, position \(0, 3\)$/);
    expect(e.detail).toMatchObject({ image: 1, channel: 2, y: 0, x: 3 });
    // the same values in NHWC [2, 3, 4, 3]: flat index ((img*3 + y)*4 + x)*3 + ch
    const nhwc = new Float64Array(72).fill(0.5);
    nhwc[((1 * 3 + 2) * 4 + 1) * 3 + 0] = -Infinity;
    expectError(() => call(conv(3, [2, 3, 4, 3]), { data: nhwc, shape: [2, 3, 4, 3] }, { layout: "nhwc" }), "nonFinite", /^b: .*got -Infinity at image 1, channel 0, position \(2, 1\)$/);
    const f32 = new Float32Array(72).fill(1);
    f32[71] = NaN;
    expectError(() => call({ data: f32, shape: [2, 3, 3, 4] }, conv(2)), "nonFinite", /got NaN at image 1, channel 2, position \(2, 3\)/);
  });

  it("wrong data types: Int32Array, strings, null", () => {
    expectError(() => call({ data: new Int32Array(72), shape: [2, 3, 3, 4] }, conv(2)), "badInput", /got Int32Array/);
    const strs: unknown[] = Array.from(conv(3).data);
    strs[5] = "0.5";
    expectError(() => call({ data: strs, shape: [2, 3, 3, 4] }, conv(2)), "badInput", /expected numbers, got string at image 0, channel 0, position \(1, 1\)/);
    expectError(() => call({ data: null, shape: [2, 3, 3, 4] }, conv(2)), "badInput", /got null/);
    expectError(() => call(null, conv(2)), "badShape", /^a: /);
  });

  it("bad options: layout, eps, draws, rows, seed, backend", () => {
    expectError(() => call(conv(3), conv(2), { layout: undefined }), "badLayout", /expected layout "nchw" or "nhwc", got undefined/);
    expectError(() => call(conv(3), conv(2), { layout: "NCHW" }), "badLayout", /got "NCHW"/);
    expectError(() => call(conv(3), conv(2), { layout: "nwhc" }), "badLayout");
    for (const eps of [-0.1, NaN, 1, Infinity]) expectError(() => call(conv(3), conv(2), { eps }), "badEpsilon", /expected eps to be a number in \[0, 1\)/);
    expectError(() => call(conv(3), conv(2), { eps: "0.1" }), "badEpsilon", /got string/);
    expectError(() => call(conv(3), conv(2), { eps: [0.1, 1.2] }), "badEpsilon", /got 1.2/);
    expectError(() => call(conv(3), conv(2), { eps: [] }), "badEpsilon", /expected at least one eps, got none/);
    expectError(() => call(conv(3), conv(2), { eps: undefined }), "badEpsilon");
    for (const draws of [0, -1, 1.5, NaN]) expectError(() => call(conv(3), conv(2), { draws }), "badOption", /expected draws to be a positive integer/);
    for (const rows of [0, 2.5]) expectError(() => call(conv(3), conv(2), { rows }), "badOption", /expected rows to be a positive integer/);
    expectError(() => call(conv(3), conv(2), { seed: -1 }), "badOption", /expected seed to be a non-negative integer, got -1/);
    expectError(() => call(conv(3), conv(2), { backend: "gpu" }), "badOption", /got "gpu"/);
  });
});

describe("bad-inputs fixtures rejected at the activation level (readNpy -> engine.compare)", () => {
  const load = (file: string) => readNpy(new Uint8Array(readFileSync(`${FIXTURES}bad-inputs/${file}`)), file);
  const partner = (rows: number) => randn(rows, 3, 11);
  const cases: [string, ErrorCode, RegExp][] = [
    ["nan.npy", "nonFinite", /got NaN at row 1, column 2$/],
    ["inf.npy", "nonFinite", /got Infinity at row 0, column 1$/],
    ["one-d.npy", "notTwoDimensional", /got shape \(8,\)$/],
    ["three-d.npy", "notTwoDimensional", /got shape \(2, 3, 4\)$/],
    ["zero-rows.npy", "empty", /got shape \(0, 5\)$/],
    ["zero-columns.npy", "empty", /got shape \(5, 0\)$/],
  ];
  for (const [file, code, msg] of cases) {
    for (const backend of ["wasm", "js"] as BackendName[]) {
      it(`${file} -> ${code} [${backend}]`, () => {
        const x = load(file);
        const rows = x.shape.length === 2 ? x.shape[0]! || 5 : 8;
        const e1 = expectError(() => engine.compare(x, partner(rows), { backend, names: [file, "other"] }), code, msg);
        expect(e1.message.startsWith(`${file}: `)).toBe(true);
        const e2 = expectError(() => engine.compare(partner(rows), x, { backend }), code, msg);
        expect(e2.message.startsWith("b: ")).toBe(true);
      });
    }
  }

  it("pair-mismatch-a / pair-mismatch-b -> sampleCountMismatch", () => {
    const a = load("pair-mismatch-a.npy");
    const b = load("pair-mismatch-b.npy");
    expect(engine.compare(a, a, { eps: [0.5] }).samples).toBe(10);
    expectError(() => engine.compare(a, b), "sampleCountMismatch", /got 10 and 12$/);
    expectError(() => engine.compare(b, a, { backend: "js" }), "sampleCountMismatch", /got 12 and 10$/);
    expectError(() => engine.maxEpsilon(a, b), "sampleCountMismatch");
  });
});

describe("failures inside a call leave nothing behind", () => {
  it("many failed calls in a row, then the fixture-grade answer", () => {
    const a = randn(300, 40, 5);
    const b = randn(300, 30, 6);
    const before = engine.maxEpsilon(a, b);
    for (let k = 0; k < 20; k++) {
      expect(() => engine.vMinimal(a, b, { eps: 0.5, v: `b:${30 + k}` })).toThrow(RepmatchError);
      expect(() => engine.minEpsilon(a, b, { lo: 0.9, hi: 0.1 })).toThrow(RepmatchError);
      expect(engine.stats().arenaBytes).toBe(0);
    }
    expect(engine.maxEpsilon(a, b)).toBe(before);
    expectHealthy();
  });
});
