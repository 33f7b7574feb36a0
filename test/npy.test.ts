import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RepmatchError, type ErrorCode } from "../src/errors.js";
import { npyHeader, readNpy, writeNpy } from "../src/io/npy.js";

const FIXTURES = new URL("../../shared/fixtures/", import.meta.url);

function fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(path, FIXTURES)));
}

interface BadInputCase {
  file?: string;
  outcome: "reject" | "accept" | "rejectPair";
  reason?: string;
  dtype?: string;
  fortranOrder?: boolean;
  shape?: number[];
  values?: unknown;
}

const badInputs = (
  JSON.parse(new TextDecoder().decode(fixture("bad-inputs/expected.json"))) as { cases: BadInputCase[] }
).cases;

/** Runs `fn`, which must throw a RepmatchError, and returns the error. */
function thrown(fn: () => unknown): RepmatchError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RepmatchError);
    return error as RepmatchError;
  }
  throw new Error("expected a RepmatchError, got no error");
}

function expectCode(fn: () => unknown, code: ErrorCode): RepmatchError {
  const error = thrown(fn);
  expect(error.code).toBe(code);
  return error;
}

/** The header dict exactly as numpy writes it (without padding). */
function numpyDict(descr: string, shape: readonly number[], fortranOrder = false): string {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  return `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? "True" : "False"}, 'shape': ${tuple}, }`;
}

/**
 * Builds a .npy file by hand: magic, version, header length (`headerLength` overrides the real
 * one), the header text (latin-1 in 1.0/2.0, UTF-8 in 3.0; no padding is added) and the data.
 */
function npyFile(
  header: string,
  data: Uint8Array = new Uint8Array(0),
  options: { version?: [number, number]; headerLength?: number } = {},
): Uint8Array {
  const version = options.version ?? [1, 0];
  const text =
    version[0] === 3 ? new TextEncoder().encode(header) : Uint8Array.from(header, (c) => c.charCodeAt(0));
  const lengthBytes = version[0] === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lengthBytes + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version[0], version[1]]);
  const view = new DataView(out.buffer);
  const headerLength = options.headerLength ?? text.length;
  if (lengthBytes === 2) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  out.set(text, 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + text.length);
  return out;
}

/** `count` elements of `size` bytes written by `write(view, byteOffset, index)`. */
function elementBytes(size: number, count: number, write: (view: DataView, at: number, i: number) => void): Uint8Array {
  const bytes = new Uint8Array(size * count);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) write(view, i * size, i);
  return bytes;
}

function float64Bytes(values: readonly number[], littleEndian = true): Uint8Array {
  return elementBytes(8, values.length, (v, at, i) => v.setFloat64(at, values[i]!, littleEndian));
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** Index of the first element where the arrays differ (Object.is), or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

// Reference files written once by numpy 2.4 (np.save / np.lib.format.write_array) and pasted here.
const NUMPY = {
  /** np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)): '<f8', fortran_order True. */
  fortran3d:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMywgNCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAChAAAAAAAAAEEAAAAAAAAAwQAAAAAAAACBAAAAAAAAANEAAAAAAAADwPwAAAAAAACpAAAAAAAAAFEAAAAAAAAAxQAAAAAAAACJAAAAAAAAANUAAAAAAAAAAQAAAAAAAACxAAAAAAAAAGEAAAAAAAAAyQAAAAAAAACRAAAAAAAAANkAAAAAAAAAIQAAAAAAAAC5AAAAAAAAAHEAAAAAAAAAzQAAAAAAAACZAAAAAAAAAN0A=",
  /** np.array([[1.5, -2, 3], [4, 5, 6.25]], '<f4'). */
  f4C: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAyEA=",
  /** The same array, np.asfortranarray. */
  f4F: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AACAQAAAAMAAAKBAAABAQAAAyEA=",
  /** np.array(3.25): 0-d. */
  f8scalar:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAKQA==",
  /** np.zeros((0, 5)). */
  f8empty:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDUpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=",
  /** np.array([1.0, -0.5, 1e300]). */
  f8oned:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwPwAAAAAAAOC/nHUAiDzkN34=",
  /** np.array([0, 2**53 + 1, 2**64 - 1], '>u8'). */
  u8big:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPnU4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAgAAAAAAAB//////////8=",
  /** np.array([-2**63, 2**53 + 1, -(2**53 + 3), 2**63 - 1], '<i8'). */
  i8big:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAgAEAAAAAACAA/f//////3///////////fw==",
  /** np.array([1, -2, 65504, 2**-24, 0.333, -0.0, inf], '>f2'). */
  f2be: "k05VTVBZAQB2AHsnZGVzY3InOiAnPmYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDcsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo8AMAAe/8AATVUgAB8AA==",
  /** write_array(np.array([[1.0, 2.0]]), version=(3, 0)). */
  v3: "k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwPwAAAAAAAABA",
  /** np.zeros(2, dtype=[('π', '<f8')]): numpy picks version 3.0 for the non-latin-1 field name. */
  structPi:
    "k05VTVBZAwB0AAAAeydkZXNjcic6IFsoJ8+AJywgJzxmOCcpXSwgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAA",
};

describe("readNpy: bad-inputs fixtures", () => {
  const rejected = badInputs.filter(
    (c) => c.outcome === "reject" && c.file !== undefined && !["nonFinite", "notTwoDimensional", "empty"].includes(c.reason!),
  );
  const accepted = badInputs.filter((c) => c.outcome === "accept");

  it("covers the reader-level cases of expected.json", () => {
    expect(rejected.map((c) => c.file).sort()).toEqual(
      ["bad-header.npy", "bad-magic.npy", "complex.npy", "object.npy", "shape-mismatch.npy", "truncated.npy"].sort(),
    );
    expect(accepted.map((c) => c.file).sort()).toEqual(["big-endian.npy", "version2.npy"]);
  });

  for (const c of rejected) {
    it(`rejects ${c.file} with ${c.reason}`, () => {
      const error = expectCode(() => readNpy(fixture(`bad-inputs/${c.file}`), c.file), c.reason as ErrorCode);
      expect(error.message.startsWith(`${c.file}: expected `)).toBe(true);
    });
  }

  for (const c of accepted) {
    it(`accepts ${c.file} with dtype ${c.dtype}, shape (${c.shape!.join(", ")}) and the exact values`, () => {
      const array = readNpy(fixture(`bad-inputs/${c.file}`), c.file);
      expect(array.dtype).toBe(c.dtype);
      expect(array.shape).toEqual(c.shape);
      expect(array.fileFortranOrder).toBe(c.fortranOrder);
      expect(Array.from(array.data)).toEqual((c.values as number[][]).flat());
    });
  }

  it("names the file and both sizes for truncated.npy", () => {
    const error = expectCode(() => readNpy(fixture("bad-inputs/truncated.npy"), "a.npy"), "truncated");
    expect(error.message).toBe("a.npy: expected 192 data bytes for shape (6, 4) <f8, got 100 (file truncated)");
    expect(error.detail).toMatchObject({ file: "a.npy", expectedBytes: 192, actualBytes: 100, shape: [6, 4], dtype: "<f8" });
  });

  it("reports the trailing bytes of shape-mismatch.npy", () => {
    const error = expectCode(() => readNpy(fixture("bad-inputs/shape-mismatch.npy")), "sizeMismatch");
    expect(error.message).toBe("input: expected 160 data bytes for shape (5, 4) <f8, got 192 (32 trailing bytes)");
  });

  it("names the unsupported dtypes of complex.npy and object.npy", () => {
    expect(expectCode(() => readNpy(fixture("bad-inputs/complex.npy")), "unsupportedDtype").detail).toMatchObject({
      dtype: "<c16",
    });
    expect(expectCode(() => readNpy(fixture("bad-inputs/object.npy")), "unsupportedDtype").message).toContain("'|O'");
  });

  // These are valid .npy files; rejecting them is the job of the matrix validation layer.
  it("reads nan.npy and inf.npy as they are", () => {
    const nan = readNpy(fixture("bad-inputs/nan.npy"));
    expect(nan.shape).toEqual([4, 3]);
    expect(Number.isNaN(nan.data[1 * 3 + 2])).toBe(true);
    expect(Array.from(nan.data).filter(Number.isNaN)).toHaveLength(1);
    const inf = readNpy(fixture("bad-inputs/inf.npy"));
    expect(inf.shape).toEqual([4, 3]);
    expect(inf.data[0 * 3 + 1]).toBe(Infinity);
    expect(inf.data[3 * 3 + 0]).toBe(-Infinity);
  });

  it.each([
    ["one-d.npy", [8]],
    ["three-d.npy", [2, 3, 4]],
    ["zero-rows.npy", [0, 5]],
    ["zero-columns.npy", [5, 0]],
    ["pair-mismatch-a.npy", [10, 3]],
    ["pair-mismatch-b.npy", [12, 3]],
  ])("reads %s with shape %j", (file, shape) => {
    const array = readNpy(fixture(`bad-inputs/${file}`));
    expect(array.shape).toEqual(shape);
    expect(array.dtype).toBe("<f8");
    expect(array.data).toHaveLength(shape.reduce((a, b) => a * b, 1));
  });
});

describe("readNpy: fixture matrices", () => {
  it("reads the Fortran-order float64 layout-variants/a.npy equal to relu-random-mlp/a.npy", () => {
    const fortran = readNpy(fixture("layout-variants/a.npy"));
    const c = readNpy(fixture("relu-random-mlp/a.npy"));
    expect(fortran).toMatchObject({ dtype: "<f8", fileFortranOrder: true, shape: [1000, 64] });
    expect(c).toMatchObject({ dtype: "<f8", fileFortranOrder: false, shape: [1000, 64] });
    expect(firstDifference(fortran.data, c.data)).toBe(-1);
    // The file really is column-major: its second stored element is row 1, column 0.
    const raw = fixture("layout-variants/a.npy");
    const second = new DataView(raw.buffer, raw.byteOffset + npyHeader(raw).dataOffset).getFloat64(8, true);
    expect(second).toBe(c.data[64]);
    expect(c.data[1]).not.toBe(c.data[64]);
  });

  it("reads the float32 layout-variants/b.npy equal to relu-random-mlp/b.npy", () => {
    const f4 = readNpy(fixture("layout-variants/b.npy"));
    const f8 = readNpy(fixture("relu-random-mlp/b.npy"));
    expect(f4).toMatchObject({ dtype: "<f4", fileFortranOrder: false, shape: [1000, 64] });
    expect(f8.shape).toEqual([1000, 64]);
    expect(firstDifference(f4.data, f8.data)).toBe(-1);
  });

  it("reads digits-real-fc1/a.npy ('<f4', 500 x 128) exactly widened", () => {
    const bytes = fixture("digits-real-fc1/a.npy");
    const array = readNpy(bytes, "a.npy");
    expect(array).toMatchObject({ dtype: "<f4", fileFortranOrder: false, shape: [500, 128] });
    const { dataOffset } = npyHeader(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset);
    const reference = Array.from({ length: 500 * 128 }, (_, i) => view.getFloat32(i * 4, true));
    expect(firstDifference(array.data, reference)).toBe(-1);
    expect(array.data.some((x) => x > 0)).toBe(true);
  });
});

describe("readNpy: numpy reference bytes", () => {
  it("reorders a Fortran-order 3-D array into C order", () => {
    const array = readNpy(fromBase64(NUMPY.fortran3d));
    expect(array).toMatchObject({ dtype: "<f8", fileFortranOrder: true, shape: [2, 3, 4] });
    expect(Array.from(array.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it("reads float32 in both orders, 0-d, empty and 1-d arrays", () => {
    const c = readNpy(fromBase64(NUMPY.f4C));
    const f = readNpy(fromBase64(NUMPY.f4F));
    expect(Array.from(c.data)).toEqual([1.5, -2, 3, 4, 5, 6.25]);
    expect(Array.from(f.data)).toEqual([1.5, -2, 3, 4, 5, 6.25]);
    expect([c.fileFortranOrder, f.fileFortranOrder]).toEqual([false, true]);
    expect(readNpy(fromBase64(NUMPY.f8scalar))).toMatchObject({ shape: [], data: new Float64Array([3.25]) });
    expect(readNpy(fromBase64(NUMPY.f8empty))).toMatchObject({ shape: [0, 5], data: new Float64Array(0) });
    expect(Array.from(readNpy(fromBase64(NUMPY.f8oned)).data)).toEqual([1, -0.5, 1e300]);
  });

  it("converts i8 and u8 beyond 2^53 with the rounding of Number(BigInt)", () => {
    const i8 = readNpy(fromBase64(NUMPY.i8big));
    expect(i8.dtype).toBe("<i8");
    expect(Array.from(i8.data)).toEqual([-(2 ** 63), 2 ** 53, -(2 ** 53 + 4), 2 ** 63]);
    const u8 = readNpy(fromBase64(NUMPY.u8big));
    expect(u8.dtype).toBe(">u8");
    expect(Array.from(u8.data)).toEqual([0, 2 ** 53, 2 ** 64]);
  });

  it("reads big-endian half floats", () => {
    const array = readNpy(fromBase64(NUMPY.f2be));
    expect(Array.from(array.data)).toEqual([1, -2, 65504, 2 ** -24, 0.3330078125, -0, Infinity]);
  });

  it("reads a version 3.0 file", () => {
    const bytes = fromBase64(NUMPY.v3);
    expect(npyHeader(bytes).version).toEqual([3, 0]);
    expect(readNpy(bytes)).toMatchObject({ shape: [1, 2], dtype: "<f8", data: new Float64Array([1, 2]) });
  });

  it("decodes a version 3.0 header as UTF-8 (structured dtype with field name π)", () => {
    const error = expectCode(() => readNpy(fromBase64(NUMPY.structPi)), "unsupportedDtype");
    expect(error.message).toContain("[('π', '<f8')]");
  });
});

describe("readNpy: hand-built dtypes", () => {
  interface DtypeCase {
    code: string;
    size: number;
    values: number[];
    write: (view: DataView, at: number, x: number, littleEndian: boolean) => void;
  }
  const cases: DtypeCase[] = [
    { code: "i1", size: 1, values: [-128, -1, 0, 1, 127], write: (v, at, x) => v.setInt8(at, x) },
    { code: "u1", size: 1, values: [0, 1, 128, 255], write: (v, at, x) => v.setUint8(at, x) },
    { code: "i2", size: 2, values: [-32768, -1, 0, 258, 32767], write: (v, at, x, le) => v.setInt16(at, x, le) },
    { code: "u2", size: 2, values: [0, 1, 258, 65535], write: (v, at, x, le) => v.setUint16(at, x, le) },
    {
      code: "i4",
      size: 4,
      values: [-(2 ** 31), -1, 0, 0x01020304, 2 ** 31 - 1],
      write: (v, at, x, le) => v.setInt32(at, x, le),
    },
    { code: "u4", size: 4, values: [0, 1, 0x01020304, 2 ** 32 - 1], write: (v, at, x, le) => v.setUint32(at, x, le) },
    {
      code: "i8",
      size: 8,
      values: [-(2 ** 53), -1, 0, 0x01020304 * 2 ** 32 + 5, 2 ** 53],
      write: (v, at, x, le) => v.setBigInt64(at, BigInt(x), le),
    },
    {
      code: "u8",
      size: 8,
      values: [0, 1, 0x01020304 * 2 ** 32 + 5, 2 ** 63],
      write: (v, at, x, le) => v.setBigUint64(at, BigInt(x), le),
    },
    { code: "f4", size: 4, values: [1.5, Math.fround(-0.1), Math.fround(3e38), -0], write: (v, at, x, le) => v.setFloat32(at, x, le) },
    { code: "f8", size: 8, values: [1.5, -0.1, 1e-310, -0], write: (v, at, x, le) => v.setFloat64(at, x, le) },
    { code: "b1", size: 1, values: [0, 1, 1, 0], write: (v, at, x) => v.setUint8(at, x) },
  ];

  for (const { code, size, values, write } of cases) {
    const orders = size === 1 ? ["<", ">", "|"] : ["<", ">"];
    for (const order of orders) {
      it(`reads '${order}${code}'`, () => {
        const le = order !== ">";
        const data = elementBytes(size, values.length, (v, at, i) => write(v, at, values[i]!, le));
        const array = readNpy(npyFile(numpyDict(`${order}${code}`, [values.length]), data));
        expect(array.dtype).toBe(`${order}${code}`);
        expect(array.shape).toEqual([values.length]);
        expect(Array.from(array.data)).toEqual(values);
      });
    }
  }

  // bit pattern -> value: normal, largest, smallest subnormal, largest subnormal, smallest normal,
  // an inexact decimal, signed zero, infinities and NaN.
  const halves: [number, number][] = [
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x3555, 0.333251953125],
    [0x8000, -0],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x7e00, NaN],
  ];
  for (const order of ["<", ">"]) {
    it(`reads '${order}f2' (IEEE half) exactly`, () => {
      const data = elementBytes(2, halves.length, (v, at, i) => v.setUint16(at, halves[i]![0], order === "<"));
      const array = readNpy(npyFile(numpyDict(`${order}f2`, [halves.length]), data));
      expect(Array.from(array.data)).toEqual(halves.map(([, value]) => value));
    });
  }

  it("reads bool given as '?' and treats any non-zero byte as True", () => {
    const array = readNpy(npyFile(numpyDict("?", [4]), Uint8Array.from([0, 1, 2, 255])));
    expect(array.dtype).toBe("?");
    expect(Array.from(array.data)).toEqual([0, 1, 1, 1]);
  });

  it("treats '=' (native) and a missing byte-order character as little-endian", () => {
    const data = float64Bytes([0.5, -7]);
    expect(Array.from(readNpy(npyFile(numpyDict("=f8", [2]), data)).data)).toEqual([0.5, -7]);
    expect(Array.from(readNpy(npyFile(numpyDict("f8", [2]), data)).data)).toEqual([0.5, -7]);
    const i2 = elementBytes(2, 2, (v, at, i) => v.setInt16(at, [-3, 300][i]!, true));
    expect(Array.from(readNpy(npyFile(numpyDict("=i2", [2]), i2)).data)).toEqual([-3, 300]);
  });

  it.each(["<f8", "<f4", "<i4", "<u2", ">f8"])("reads '%s' data at an unaligned offset", (descr) => {
    const values = [1, -2, 3, 250];
    const size = Number(descr.slice(2));
    const le = descr[0] === "<";
    const data = elementBytes(size, values.length, (v, at, i) => {
      if (descr.endsWith("f8")) v.setFloat64(at, values[i]!, le);
      else if (descr.endsWith("f4")) v.setFloat32(at, values[i]!, le);
      else if (descr.endsWith("i4")) v.setInt32(at, values[i]!, le);
      else v.setUint16(at, Math.abs(values[i]!), le);
    });
    const expected = descr.endsWith("u2") ? values.map(Math.abs) : values;
    // A header of odd length: the data starts at an odd offset within the file ...
    const dict = numpyDict(descr, [4]);
    const file = npyFile(dict.length % 2 === 1 ? dict : `${dict} `, data);
    expect(npyHeader(file).dataOffset % 2).toBe(1);
    expect(Array.from(readNpy(file).data)).toEqual(expected);
    // ... and the file itself starts at an odd offset within its buffer.
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(Array.from(readNpy(shifted.subarray(3)).data)).toEqual(expected);
  });

  it("reorders Fortran-order N-d data of any dtype (including unit axes) into C order", () => {
    const shape = [3, 1, 4, 2];
    const count = 24;
    // Element with C index c is stored at its Fortran offset; its value is c.
    const fortranOffset = (c: number): number => {
      let offset = 0;
      let stride = 1;
      let rest = c;
      const index = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
      for (let k = 0; k < shape.length; k++) {
        const i = Math.floor(rest / index[k]!);
        rest -= i * index[k]!;
        offset += i * stride;
        stride *= shape[k]!;
      }
      return offset;
    };
    const storage = new Array<number>(count);
    for (let c = 0; c < count; c++) storage[fortranOffset(c)] = c;
    const expected = Array.from({ length: count }, (_, c) => c);
    const be = elementBytes(2, count, (v, at, i) => v.setInt16(at, storage[i]!, false));
    const f8 = float64Bytes(storage);
    for (const [descr, data] of [[">i2", be], ["<f8", f8]] as const) {
      const array = readNpy(npyFile(numpyDict(descr, shape, true), data));
      expect(array.fileFortranOrder).toBe(true);
      expect(array.shape).toEqual(shape);
      expect(Array.from(array.data)).toEqual(expected);
    }
  });

  it("returns data that does not alias the input bytes", () => {
    const file = npyFile(numpyDict("<f8", [2]), float64Bytes([1, 2]));
    const array = readNpy(file);
    file.fill(0, file.length - 16);
    expect(Array.from(array.data)).toEqual([1, 2]);
  });
});

describe("readNpy: unsupported dtypes", () => {
  it.each(["<U10", "|S3", "<M8[ns]", "<m8[s]", "<c8", "<c16", "|O", "|V8", "<f16", "<i16", "|b2", "<f", "float64"])(
    "rejects '%s' with unsupportedDtype naming it",
    (descr) => {
      const error = expectCode(() => readNpy(npyFile(numpyDict(descr, [1]), new Uint8Array(16))), "unsupportedDtype");
      expect(error.message).toContain(`'${descr}'`);
      expect(error.detail).toMatchObject({ dtype: descr });
    },
  );

  it("rejects a structured dtype given as a list", () => {
    const header = "{'descr': [('x', '<f8'), ('y', '<i4', (2,))], 'fortran_order': False, 'shape': (1,), }";
    const error = expectCode(() => readNpy(npyFile(header, new Uint8Array(16))), "unsupportedDtype");
    expect(error.message).toContain("[('x', '<f8'), ('y', '<i4', (2,))]");
  });

  it("decodes a version 1.0 header as latin-1", () => {
    const header = "{'descr': [('caf\u00e9', '<f8')], 'fortran_order': False, 'shape': (1,), }";
    const error = expectCode(() => readNpy(npyFile(header, new Uint8Array(8))), "unsupportedDtype");
    expect(error.message).toContain("'caf\u00e9'");
  });
});

describe("readNpy: header dict syntax", () => {
  const data = float64Bytes([4, 5]);

  it.each([
    ["double quotes, other key order, no trailing comma", `{"shape": (2,), "fortran_order": False, "descr": "<f8"}`],
    ["spaces, tabs and newlines", "{ 'descr' :\t'<f8' ,\n 'fortran_order':False,'shape':( 2 , ) , }  \t \n"],
    ["a trailing comma inside the shape tuple", "{'shape': (1, 2,), 'descr': '<f8', 'fortran_order': False}"],
    ["a leading plus sign and no padding at all", "{'descr':'<f8','fortran_order':False,'shape':(+2,)}"],
  ])("accepts %s", (_, header) => {
    const array = readNpy(npyFile(header, data));
    expect(array.dtype).toBe("<f8");
    expect(array.fileFortranOrder).toBe(false);
    expect(array.shape.reduce((a, b) => a * b, 1)).toBe(2);
    expect(Array.from(array.data)).toEqual([4, 5]);
  });

  const valid = "'descr': '<f8', 'fortran_order': False";
  it.each([
    ["an unknown extra key", `{${valid}, 'shape': (2,), 'extra': 1}`],
    ["a missing key", `{${valid}}`],
    ["a duplicated key", `{${valid}, 'shape': (2,), 'descr': '<f8'}`],
    ["an empty dict", "{}"],
    ["an unclosed dict", `{${valid}, 'shape': (2,), `],
    ["garbage after the dict", `{${valid}, 'shape': (2,)} x`],
    ["two dicts", `{${valid}, 'shape': (2,)}{}`],
    ["a tuple instead of a dict", "('<f8', False, (2,))"],
    ["an empty header", ""],
    ["an unquoted key", "{descr: '<f8', 'fortran_order': False, 'shape': (2,)}"],
    ["a missing colon", "{'descr' '<f8', 'fortran_order': False, 'shape': (2,)}"],
    ["a missing comma", "{'descr': '<f8' 'fortran_order': False, 'shape': (2,)}"],
    ["an unterminated string", "{'descr': '<f8, 'fortran_order': False, 'shape': (2,)}"],
    ["an unsupported string escape", "{'descr': '<f8\\n', 'fortran_order': False, 'shape': (2,)}"],
    ["fortran_order 0", "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}"],
    ["fortran_order as a string", "{'descr': '<f8', 'fortran_order': 'False', 'shape': (2,)}"],
    ["fortran_order None", "{'descr': '<f8', 'fortran_order': None, 'shape': (2,)}"],
    ["lower-case false", "{'descr': '<f8', 'fortran_order': false, 'shape': (2,)}"],
    ["descr as an integer", "{'descr': 8, 'fortran_order': False, 'shape': (2,)}"],
    ["shape as a list", `{${valid}, 'shape': [2]}`],
    ["shape as a bare integer", `{${valid}, 'shape': 2}`],
    ["shape as a parenthesised integer", `{${valid}, 'shape': (2)}`],
    ["a negative dimension", `{${valid}, 'shape': (2, -1)}`],
    ["a float dimension", `{${valid}, 'shape': (2.0,)}`],
    ["a Python 2 long dimension", `{${valid}, 'shape': (2L,)}`],
    ["a hexadecimal dimension", `{${valid}, 'shape': (0x2,)}`],
    ["a boolean dimension", `{${valid}, 'shape': (True, 2)}`],
    ["a string dimension", `{${valid}, 'shape': ('2',)}`],
    ["a nested tuple dimension", `{${valid}, 'shape': ((2,),)}`],
    ["a lone comma in the shape", `{${valid}, 'shape': (,)}`],
    ["a stray character", `{${valid}, 'shape': (2,); }`],
    ["deep nesting", `{${valid}, 'shape': ${"(".repeat(5000)}`],
  ])("rejects %s with badHeader", (_, header) => {
    const error = expectCode(() => readNpy(npyFile(header, data), "h.npy"), "badHeader");
    expect(error.message.startsWith("h.npy: expected ")).toBe(true);
  });

  it("rejects invalid UTF-8 in a version 3.0 header with badHeader", () => {
    const file = npyFile(numpyDict("<f8", [2]), data, { version: [3, 0] });
    file[12 + 3] = 0xff; // inside the 'descr' key
    expectCode(() => readNpy(file), "badHeader");
  });

  it("reads hand-built version 2.0 and 3.0 files", () => {
    for (const version of [
      [2, 0],
      [3, 0],
    ] as [number, number][]) {
      const file = npyFile(numpyDict("<f8", [2]), data, { version });
      expect(npyHeader(file)).toEqual({ version, dtype: "<f8", fortranOrder: false, shape: [2], dataOffset: file.length - 16 });
      expect(Array.from(readNpy(file).data)).toEqual([4, 5]);
    }
  });
});

describe("readNpy: preamble, sizes and limits", () => {
  const valid = npyFile(numpyDict("<f8", [2]), float64Bytes([4, 5]));

  it.each([
    [4, 0],
    [1, 1],
    [0, 0],
    [2, 1],
    [255, 255],
  ])("rejects format version %i.%i with unsupportedVersion", (major, minor) => {
    const file = valid.slice();
    file[6] = major;
    file[7] = minor;
    const error = expectCode(() => readNpy(file), "unsupportedVersion");
    expect(error.message).toBe(`input: expected format version 1.0, 2.0 or 3.0, got ${major}.${minor}`);
  });

  it("rejects bytes that are not a .npy file with badMagic", () => {
    expectCode(() => readNpy(new TextEncoder().encode("PK\u0003\u0004 not npy at all")), "badMagic");
    expectCode(() => readNpy(Uint8Array.from([0x00, 0x01, 0x02])), "badMagic");
    expectCode(() => readNpy(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x58, 1, 0, 0, 0])), "badMagic");
  });

  // Convention: input that stops inside the magic string (or before the header length is complete)
  // but matches it so far is a cut-off .npy file -> truncated; a differing byte -> badMagic (above).
  it.each([0, 3, 6, 7, 9])("rejects a valid file cut to %i bytes with truncated", (length) => {
    expectCode(() => readNpy(valid.subarray(0, length)), "truncated");
  });

  it("rejects a header length pointing past the end of the file with truncated", () => {
    const header = numpyDict("<f8", [2]);
    const v1 = npyFile(header, new Uint8Array(0), { headerLength: header.length + 17 });
    expect(expectCode(() => readNpy(v1), "truncated").message).toBe(
      `input: expected a header of ${header.length + 17} bytes ending at byte ${header.length + 27}, got a file of ${header.length + 10} bytes`,
    );
    const v2 = npyFile(header, float64Bytes([4, 5]), { version: [2, 0], headerLength: 0xffffffff });
    expectCode(() => readNpy(v2), "truncated");
    expectCode(() => npyHeader(v2), "truncated");
  });

  it("rejects missing and surplus data bytes", () => {
    const header = numpyDict("<f4", [3]);
    expectCode(() => readNpy(npyFile(header, new Uint8Array(11))), "truncated");
    expectCode(() => readNpy(npyFile(header, new Uint8Array(13))), "sizeMismatch");
    expectCode(() => readNpy(npyFile(numpyDict("<f8", [0, 5]), new Uint8Array(1))), "sizeMismatch");
    expect(readNpy(npyFile(header, new Uint8Array(12))).data).toEqual(new Float64Array(3));
  });

  it(
    "rejects a huge lying shape with tooLarge before allocating anything",
    () => {
      const file = npyFile(numpyDict("<f8", [100000000000, 100000]), float64Bytes([1]));
      const error = expectCode(() => readNpy(file, "huge.npy"), "tooLarge");
      expect(error.message).toBe(
        "huge.npy: expected at most 2147483647 elements, got 10000000000000000 for shape (100000000000, 100000)",
      );
      expect(error.detail).toMatchObject({ elements: "10000000000000000", maxElements: 2147483647 });
    },
    1000,
  );

  it("applies the element limit at exactly 2^31 - 1", () => {
    // One element over the limit: tooLarge. At the limit: accepted, so the missing data is reported.
    expectCode(() => readNpy(npyFile(numpyDict("|u1", [2 ** 31]))), "tooLarge");
    expectCode(() => readNpy(npyFile(numpyDict("|u1", [2 ** 31 - 1]))), "truncated");
    expectCode(() => readNpy(npyFile(numpyDict("<f8", [65536, 32768]))), "tooLarge");
  });

  it("rejects dimensions beyond 2^53 with tooLarge, even with a zero dimension", () => {
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 123456789012345678901234567890), }";
    expectCode(() => npyHeader(npyFile(header)), "tooLarge");
    expectCode(() => readNpy(npyFile(header)), "tooLarge");
  });

  it("names the file in every message, 'input' by default", () => {
    expect(thrown(() => readNpy(Uint8Array.from([1, 2, 3]))).message.startsWith("input: expected ")).toBe(true);
    expect(thrown(() => readNpy(Uint8Array.from([1, 2, 3]), "m.npy")).message.startsWith("m.npy: expected ")).toBe(true);
  });
});

describe("npyHeader", () => {
  it("parses the header of a numpy file", () => {
    const bytes = fixture("layout-variants/a.npy");
    expect(npyHeader(bytes)).toEqual({
      version: [1, 0],
      dtype: "<f8",
      fortranOrder: true,
      shape: [1000, 64],
      dataOffset: 128,
    });
  });

  it("needs only the bytes up to the end of the header (for chunked reading)", () => {
    const bytes = fixture("bad-inputs/version2.npy");
    const header = npyHeader(bytes);
    expect(header).toMatchObject({ version: [2, 0], shape: [3, 2] });
    expect(npyHeader(bytes.subarray(0, header.dataOffset))).toEqual(header);
    expect(npyHeader(npyFile(numpyDict("<f8", [100000, 100000])))).toMatchObject({ shape: [100000, 100000] });
  });

  it("validates the header like readNpy", () => {
    expectCode(() => npyHeader(fixture("bad-inputs/complex.npy")), "unsupportedDtype");
    expectCode(() => npyHeader(fixture("bad-inputs/bad-header.npy")), "badHeader");
    expectCode(() => npyHeader(fixture("bad-inputs/bad-magic.npy")), "badMagic");
  });
});

describe("writeNpy", () => {
  /** C-order values 0.5, 1.5, ... for a shape. */
  const ramp = (shape: readonly number[]): number[] =>
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 0.5 * (i % 3 === 0 ? -1 : 1));

  const shapes: number[][] = [[], [5], [2, 3], [2, 3, 4], [3, 1, 2, 2], [0], [0, 5], [5, 0], [2, 0, 3]];
  for (const Type of [Float64Array, Float32Array]) {
    for (const fortranOrder of [false, true]) {
      for (const shape of shapes) {
        it(`round-trips ${Type.name} shape (${shape.join(", ")}) in ${fortranOrder ? "Fortran" : "C"} order`, () => {
          const values = new Type(ramp(shape));
          const bytes = writeNpy(values, shape, { fortranOrder });
          const header = npyHeader(bytes);
          expect(header).toEqual({
            version: [1, 0],
            dtype: Type === Float64Array ? "<f8" : "<f4",
            fortranOrder,
            shape,
            dataOffset: 128,
          });
          expect(bytes.length).toBe(128 + values.byteLength);
          const array = readNpy(bytes);
          expect(array.shape).toEqual(shape);
          expect(Array.from(array.data)).toEqual(Array.from(values));
        });
      }
    }
  }

  it("stores Fortran order column-major", () => {
    const bytes = writeNpy(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3], { fortranOrder: true });
    const view = new DataView(bytes.buffer, bytes.byteOffset + 128);
    expect(Array.from({ length: 6 }, (_, i) => view.getFloat64(i * 8, true))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it("writes byte-for-byte what numpy writes", () => {
    const f4 = new Float32Array([1.5, -2, 3, 4, 5, 6.25]);
    expect(writeNpy(f4, [2, 3])).toEqual(fromBase64(NUMPY.f4C));
    expect(writeNpy(f4, [2, 3], { fortranOrder: true })).toEqual(fromBase64(NUMPY.f4F));
    expect(writeNpy(new Float64Array([3.25]), [])).toEqual(fromBase64(NUMPY.f8scalar));
    expect(writeNpy(new Float64Array(0), [0, 5])).toEqual(fromBase64(NUMPY.f8empty));
    expect(writeNpy(new Float64Array([1, -0.5, 1e300]), [3])).toEqual(fromBase64(NUMPY.f8oned));
    const fortran = new Float64Array(Array.from({ length: 24 }, (_, i) => i));
    expect(writeNpy(fortran, [2, 3, 4], { fortranOrder: true })).toEqual(fromBase64(NUMPY.fortran3d));
  });

  it("writes a typed-array view at an offset, and NaN and infinities unchanged", () => {
    const buffer = new Float64Array([9, 1, NaN, -Infinity, 9]);
    const bytes = writeNpy(buffer.subarray(1, 4), [3]);
    expect(Array.from(readNpy(bytes).data)).toEqual([1, NaN, -Infinity]);
  });

  it("switches to format version 2.0 when the header exceeds 65535 bytes", () => {
    const shape = new Array<number>(23000).fill(1);
    const bytes = writeNpy(new Float32Array([7]), shape);
    const header = npyHeader(bytes);
    expect(header.version).toEqual([2, 0]);
    expect(header.dataOffset % 64).toBe(0);
    expect(header.dataOffset).toBeGreaterThan(65535);
    expect(bytes[header.dataOffset - 1]).toBe(0x0a);
    const array = readNpy(bytes);
    expect(array.shape).toEqual(shape);
    expect(Array.from(array.data)).toEqual([7]);
  });

  it("rejects a shape that does not match the data", () => {
    const error = expectCode(() => writeNpy(new Float64Array(5), [2, 3]), "sizeMismatch");
    expect(error.message).toBe("writeNpy: expected 6 elements for shape (2, 3), got 5");
    expectCode(() => writeNpy(new Float64Array(1), [-1, -1]), "badShape");
    expectCode(() => writeNpy(new Float64Array(3), [1.5, 2]), "badShape");
  });
});

describe("readNpy output as engine input", () => {
  it("passes straight to the engine, whatever the file's order", async () => {
    const { createEngineSync } = await import("../src/engine.js");
    const engine = createEngineSync({ threads: 1 });
    const fortranA = readNpy(fixture("layout-variants/a.npy"));
    const cA = readNpy(fixture("relu-random-mlp/a.npy"));
    const b = readNpy(fixture("relu-random-mlp/b.npy"));
    expect(fortranA.fileFortranOrder).toBe(true);
    const viaFortran = engine.compare(fortranA, b, { eps: [0.7, 0.9] });
    const viaC = engine.compare(cA, b, { eps: [0.7, 0.9] });
    expect(viaFortran).toEqual(viaC);
    expect(viaC.maxMatch[1]!.a.length + viaC.maxMatch[1]!.b.length).toBe(62 + 64);
  });
});
