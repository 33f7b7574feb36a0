import { readFileSync } from "node:fs";
import * as zlib from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { RepmatchError, type ErrorCode } from "../src/errors.js";
import { readNpzFile } from "../src/io/files.js";
import { readNpy, type NpyArray } from "../src/io/npy.js";
import { readNpz, readNpzSync, writeNpz, type NpzArrays } from "../src/io/npz.js";
import { crc32, inflateRaw, inflateRawSync, readZip, writeZip } from "../src/io/zip.js";

const FIXTURES = new URL("../../shared/fixtures/layout-variants/", import.meta.url);
const fixturePath = (file: string) => new URL(file, FIXTURES).pathname;
const fixture = (file: string) => new Uint8Array(readFileSync(new URL(file, FIXTURES)));
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

/**
 * Archives written once by numpy 2.4 / Python 3.11 zipfile (script kept out of the repo; tests
 * never call python):
 *   empty       np.savez(f)                                     (22 bytes: just the end record)
 *   comment     np.savez(f, a=A), then zipfile 'a' mode sets comment b'written by numpy and zipfile'
 *   dirpath     np.savez(f, **{'layers/fc1': A, 'layers/fc2': B})
 *   zip64       np.savez(f, a=A, b=B) with zipfile.ZIP64_LIMIT = 16 and ZIP_FILECOUNT_LIMIT = 1
 *               patched: zip64 extras in the central directory, zip64 end record and locator
 *   nonnpy      np.savez(f, a=A), then zipfile.writestr('notes.txt', 'hello')
 *   descriptor  np.savez_compressed to an unseekable stream: deflate, flag bit 3, data descriptors
 *   dtypes      np.savez_compressed(f, i4=..., u1=..., flags=..., big=..., half=..., scalar=...,
 *               empty=..., fortran=...) (see DTYPES below)
 * with A = [[1.5, -2, 3], [4, 5, 6.25]] ('<f8') and B = np.arange(6, dtype='<f4').reshape(3, 2).
 */
const NUMPY = {
  empty: "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==",
  comment: "UEsDBC0AAAAAAAAAIQAadmSy//////////8FABQAYS5ucHkBABAAsAAAAAAAAACwAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAA+D8AAAAAAAAAwAAAAAAAAAhAAAAAAAAAEEAAAAAAAAAUQAAAAAAAABlAUEsBAi0DLQAAAAAAAAAhABp2ZLKwAAAAsAAAAAUAAAAAAAAAAAAAAIABAAAAAGEubnB5UEsFBgAAAAABAAEAMwAAAOcAAAAcAHdyaXR0ZW4gYnkgbnVtcHkgYW5kIHppcGZpbGU=",
  dirpath: "UEsDBC0AAAAAAAAAIQAadmSy//////////8OABQAbGF5ZXJzL2ZjMS5ucHkBABAAsAAAAAAAAACwAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAA+D8AAAAAAAAAwAAAAAAAAAhAAAAAAAAAEEAAAAAAAAAUQAAAAAAAABlAUEsDBC0AAAAAAAAAIQDMypy9//////////8OABQAbGF5ZXJzL2ZjMi5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAgD8AAABAAABAQAAAgEAAAKBAUEsBAi0DLQAAAAAAAAAhABp2ZLKwAAAAsAAAAA4AAAAAAAAAAAAAAIABAAAAAGxheWVycy9mYzEubnB5UEsBAi0DLQAAAAAAAAAhAMzKnL2YAAAAmAAAAA4AAAAAAAAAAAAAAIAB8AAAAGxheWVycy9mYzIubnB5UEsFBgAAAAACAAIAeAAAAMgBAAAAAA==",
  zip64: "UEsDBC0AAAAAAAAAIQAadmSy//////////8FABQAYS5ucHkBABAAsAAAAAAAAACwAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAA+D8AAAAAAAAAwAAAAAAAAAhAAAAAAAAAEEAAAAAAAAAUQAAAAAAAABlAUEsDBC0AAAAAAAAAIQDMypy9//////////8FABQAYi5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAgD8AAABAAABAQAAAgEAAAKBAUEsBAi0DLQAAAAAAAAAhABp2ZLL//////////wUAFAAAAAAAAAAAAIABAAAAAGEubnB5AQAQALAAAAAAAAAAsAAAAAAAAABQSwECLQMtAAAAAAAAACEAzMqcvf//////////BQAcAAAAAAAAAAAAgAH/////Yi5ucHkBABgAmAAAAAAAAACYAAAAAAAAAOcAAAAAAAAAUEsGBiwAAAAAAAAALQAtAAAAAAAAAAAAAgAAAAAAAAACAAAAAAAAAJYAAAAAAAAAtgEAAAAAAABQSwYHAAAAAEwCAAAAAAAAAQAAAFBLBQYAAAAAAgACAJYAAAC2AQAAAAA=",
  nonnpy: "UEsDBC0AAAAAAAAAIQAadmSy//////////8FABQAYS5ucHkBABAAsAAAAAAAAACwAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAA+D8AAAAAAAAAwAAAAAAAAAhAAAAAAAAAEEAAAAAAAAAUQAAAAAAAABlAUEsDBBQAAAAAANh6d12GphA2BQAAAAUAAAAJAAAAbm90ZXMudHh0aGVsbG9QSwECLQMtAAAAAAAAACEAGnZksrAAAACwAAAABQAAAAAAAAAAAAAAgAEAAAAAYS5ucHlQSwECFAMUAAAAAADYenddhqYQNgUAAAAFAAAACQAAAAAAAAAAAAAAgAHnAAAAbm90ZXMudHh0UEsFBgAAAAACAAIAagAAABMBAAAAAA==",
  descriptor: "UEsDBC0ACAAIAAAAIQAAAAAA//////////8FABQAYS5ucHkBABAAAAAAAAAAAAAAAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgYw+GEPoRkOQCgOBwgtAKVFoLSkAwBQSwcIGnZkslsAAAAAAAAAsAAAAAAAAABQSwMELQAIAAgAAAAhAAAAAAD//////////wUAFABiLm5weQEAEAAAAAAAAAAAAAAAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoq6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjoKRpo6CrUKZAMuBjBosAcSDkAExA1AvMABAFBLBwjMypy9VQAAAAAAAACYAAAAAAAAAFBLAQItAy0ACAAIAAAAIQAadmSyWwAAALAAAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLAQItAy0ACAAIAAAAIQDMypy9VQAAAJgAAAAFAAAAAAAAAAAAAACAAaoAAABiLm5weVBLBQYAAAAAAgACAGYAAABOAQAAAAA=",
  dtypes: "UEsDBC0AAAAIAAAAIQCPF7Qz//////////8GABQAaTQubnB5AQAQAJAAAAAAAAAAVAAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2mirqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOgpGmjoKtQpkAy5GBgaGf////2cG0kCqHgBQSwMELQAAAAgAAAAhANJCP0f//////////wYAFAB1MS5ucHkBABAAhQAAAAAAAABJAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loF5Taqiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GqY6mjoKtQoUAC4GRiZmFgBQSwMELQAAAAgAAAAhABaTjLv//////////wkAFABmbGFncy5ucHkBABAAgwAAAAAAAABHAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loF6TZKiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6mjoKtQoUAC5GBkYAUEsDBC0AAAAIAAAAIQDHwMCd//////////8HABQAYmlnLm5weQEAEACQAAAAAAAAAE0AAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpdmoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaRjqaOgq1ChQALvsvDGBwgAdCAwBQSwMELQAAAAgAAAAhAHcqmMf//////////wgAFABoYWxmLm5weQEAEACEAAAAAAAAAEgAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmpK6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaRjqaOgq1ChQALgaL/9UAUEsDBC0AAAAIAAAAIQBsLCER//////////8KABQAc2NhbGFyLm5weQEAEACIAAAAAAAAAEcAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkamjoKtQoUAS4GMJBxAABQSwMELQAAAAgAAAAhAFj7YPj//////////wkAFABlbXB0eS5ucHkBABAAgAAAAAAAAABGAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GgY6CsaaOgq1CmQDLgBQSwMELQAAAAgAAAAhAM4s4NP//////////wsAFABmb3J0cmFuLm5weQEAEACYAAAAAAAAAFYAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoq6joJ6WX1RSlJgXn1+UkgoSDykqTQUKF2ckFqQCuRpGOgrGmjoKtQrkAy4GMHBwYGBosAdiBxCHgWGBAwBQSwECLQMtAAAACAAAACEAjxe0M1QAAACQAAAABgAAAAAAAAAAAAAAgAEAAAAAaTQubnB5UEsBAi0DLQAAAAgAAAAhANJCP0dJAAAAhQAAAAYAAAAAAAAAAAAAAIABjAAAAHUxLm5weVBLAQItAy0AAAAIAAAAIQAWk4y7RwAAAIMAAAAJAAAAAAAAAAAAAACAAQ0BAABmbGFncy5ucHlQSwECLQMtAAAACAAAACEAx8DAnU0AAACQAAAABwAAAAAAAAAAAAAAgAGPAQAAYmlnLm5weVBLAQItAy0AAAAIAAAAIQB3KpjHSAAAAIQAAAAIAAAAAAAAAAAAAACAARUCAABoYWxmLm5weVBLAQItAy0AAAAIAAAAIQBsLCERRwAAAIgAAAAKAAAAAAAAAAAAAACAAZcCAABzY2FsYXIubnB5UEsBAi0DLQAAAAgAAAAhAFj7YPhGAAAAgAAAAAkAAAAAAAAAAAAAAIABGgMAAGVtcHR5Lm5weVBLAQItAy0AAAAIAAAAIQDOLODTVgAAAJgAAAALAAAAAAAAAAAAAACAAZsDAABmb3J0cmFuLm5weVBLBQYAAAAACAAIALIBAAAuBAAAAAA=",
};

const A = { shape: [2, 3], dtype: "<f8", data: [1.5, -2, 3, 4, 5, 6.25] };
const B = { shape: [3, 2], dtype: "<f4", data: [0, 1, 2, 3, 4, 5] };
const DTYPES: Record<string, { shape: number[]; dtype: string; data: number[]; fortran?: boolean }> = {
  i4: { shape: [2, 2], dtype: "<i4", data: [1, -2, 3, 2 ** 31 - 1] },
  u1: { shape: [5], dtype: "|u1", data: [0, 1, 2, 3, 4] },
  flags: { shape: [3], dtype: "|b1", data: [1, 0, 1] },
  big: { shape: [2], dtype: ">f8", data: [1.25, -3.5] },
  half: { shape: [2], dtype: "<f2", data: [0.5, 65504] },
  scalar: { shape: [], dtype: "<f8", data: [7] },
  empty: { shape: [0, 3], dtype: "<f8", data: [] },
  fortran: { shape: [2, 3], dtype: "<f4", data: [0, 1, 2, 3, 4, 5], fortran: true },
};

/** Runs `fn`, which must throw a RepmatchError, and returns the error. */
function thrown(fn: () => unknown): RepmatchError {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof RepmatchError)) throw error;
    return error;
  }
  throw new Error("expected a RepmatchError, got no error");
}

async function thrownAsync(fn: () => Promise<unknown>): Promise<RepmatchError> {
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof RepmatchError)) throw error;
    return error;
  }
  throw new Error("expected a RepmatchError, got no error");
}

/** Both readers reject `bytes` with `code` and a message containing every fragment. */
async function expectRejected(bytes: Uint8Array, code: ErrorCode, ...fragments: string[]): Promise<RepmatchError> {
  const sync = thrown(() => readNpzSync(bytes, "x.npz"));
  const async = await thrownAsync(() => readNpz(bytes, "x.npz"));
  for (const error of [sync, async]) {
    expect(error.code, error.message).toBe(code);
    expect(error.message.startsWith("x.npz")).toBe(true);
    for (const fragment of fragments) expect(error.message).toContain(fragment);
  }
  return sync;
}

/** Reads with both readers, checks they agree exactly, returns the result. */
async function readBoth(bytes: Uint8Array, name = "x.npz"): Promise<NpzArrays> {
  const sync = readNpzSync(bytes, name);
  const async = await readNpz(bytes, name);
  expect(async.map((m) => m.name)).toEqual(sync.map((m) => m.name));
  sync.forEach((m, i) => expectSameArray(async[i]!.array, m.array));
  return sync;
}

function expectSameArray(got: NpyArray, want: NpyArray): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  expect(got.fileFortranOrder).toBe(want.fileFortranOrder);
  expect(got.data).toBeInstanceOf(Float64Array);
  expect(got.data.length).toBe(want.data.length);
  let differences = 0;
  for (let i = 0; i < want.data.length; i++) if (!Object.is(got.data[i], want.data[i])) differences++;
  expect(differences).toBe(0);
}

function expectArray(got: NpyArray, want: { shape: number[]; dtype: string; data: number[]; fortran?: boolean }): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  expect(got.fileFortranOrder).toBe(want.fortran ?? false);
  expect(Array.from(got.data)).toEqual(want.data);
}

// --- byte surgery on archives without a comment --------------------------------------------

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const eocdAt = (b: Uint8Array) => b.length - 22;
/** Offset of central-directory entry `index`. */
function centralAt(b: Uint8Array, index: number): number {
  const v = view(b);
  let at = v.getUint32(eocdAt(b) + 16, true);
  if (at === 0xffffffff) at = Number(v.getBigUint64(eocdAt(b) - 20 - 56 + 48, true)); // zip64
  for (let i = 0; i < index; i++) at += 46 + v.getUint16(at + 28, true) + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  return at;
}
/** A copy of `b` changed by `edit`. */
function patched(b: Uint8Array, edit: (v: DataView, bytes: Uint8Array) => void): Uint8Array {
  const copy = b.slice();
  edit(view(copy), copy);
  return copy;
}

const f8 = (values: number[]) => Float64Array.from(values);
const f4 = (values: number[]) => Float32Array.from(values);

/** A small archive of two stored members (a.npy, b.npy). */
const twoMembers = () =>
  writeNpz([
    { name: "a", data: f8(A.data), shape: A.shape },
    { name: "b", data: f4(B.data), shape: B.shape },
  ]);

// ---------------------------------------------------------------------------------------------

describe("readNpz: the numpy fixtures", () => {
  const a = readNpy(fixture("a.npy"), "a.npy");
  const b = readNpy(fixture("b.npy"), "b.npy");

  for (const file of ["ab.npz", "ab_compressed.npz"]) {
    it(`${file} reads (sync and async) to exactly a.npy and b.npy`, async () => {
      const members = await readBoth(fixture(file), file);
      expect(members.map((m) => m.name)).toEqual(["a", "b"]);
      expectSameArray(members[0]!.array, a);
      expectSameArray(members[1]!.array, b);
      expect(members[0]!.array.dtype).toBe("<f8");
      expect(members[0]!.array.fileFortranOrder).toBe(true);
      expect(members[1]!.array.dtype).toBe("<f4");
      expect(members[1]!.array.shape).toEqual([1000, 64]);
    });
  }

  it("ab.npz has numpy's zip64 local headers (sizes 0xFFFFFFFF) and stored members; the compressed one deflate", () => {
    const stored = fixture("ab.npz");
    expect(view(stored).getUint32(18, true)).toBe(0xffffffff);
    expect(readZip(stored).entries.map((e) => e.method)).toEqual([0, 0]);
    expect(readZip(fixture("ab_compressed.npz")).entries.map((e) => e.method)).toEqual([8, 8]);
  });

  it("readNpzFile names the archive and the member in `file` and in errors", () => {
    const path = fixturePath("ab_compressed.npz");
    const members = readNpzFile(path);
    expect(members.map((m) => [m.name, m.array.file])).toEqual([
      ["a", `${path}:a.npy`],
      ["b", `${path}:b.npy`],
    ]);
    expectSameArray(members[1]!.array, b);
    const missing = thrown(() => readNpzFile("/nonexistent/acts.npz"));
    expect(missing.code).toBe("fileNotFound");
    expect(missing.message).toBe("/nonexistent/acts.npz: expected a readable .npz file, got no such file");
    const npy = thrown(() => readNpzFile(fixturePath("b.npy")));
    expect(npy.code).toBe("badZip");
    expect(npy.message).toContain("the input is a .npy file, not an archive");
  });
});

describe("readNpz: archives written by numpy / zipfile", () => {
  it("an empty archive (np.savez with no arrays) has no members", async () => {
    expect(await readBoth(fromBase64(NUMPY.empty))).toEqual([]);
  });

  it("an archive comment", async () => {
    const bytes = fromBase64(NUMPY.comment);
    expect(new TextDecoder().decode(readZip(bytes).comment)).toBe("written by numpy and zipfile");
    const [a] = await readBoth(bytes);
    expect(a!.name).toBe("a");
    expectArray(a!.array, A);
  });

  it("member names with a directory path keep it", async () => {
    const members = await readBoth(fromBase64(NUMPY.dirpath));
    expect(members.map((m) => m.name)).toEqual(["layers/fc1", "layers/fc2"]);
    expectArray(members[0]!.array, A);
    expectArray(members[1]!.array, B);
  });

  it("zip64 central directory extras and the zip64 end record (whose values the classic record repeats)", async () => {
    const bytes = fromBase64(NUMPY.zip64);
    const zip = readZip(bytes);
    expect(zip.zip64).toBe(true);
    expect(view(bytes).getUint32(centralAt(bytes, 1) + 24, true)).toBe(0xffffffff);
    const members = await readBoth(bytes);
    expectArray(members[0]!.array, A);
    expectArray(members[1]!.array, B);
  });

  it("deflated members with data descriptors (flag bit 3)", async () => {
    const bytes = fromBase64(NUMPY.descriptor);
    expect(readZip(bytes).entries.map((e) => [e.method, e.flags & 8])).toEqual([
      [8, 8],
      [8, 8],
    ]);
    const members = await readBoth(bytes);
    expectArray(members[0]!.array, A);
    expectArray(members[1]!.array, B);
  });

  it("np.savez_compressed of several dtypes, a 0-d, an empty and a Fortran-order array", async () => {
    const members = await readBoth(fromBase64(NUMPY.dtypes));
    expect(members.map((m) => m.name)).toEqual(Object.keys(DTYPES));
    for (const m of members) expectArray(m.array, DTYPES[m.name]!);
  });

  it("rejects a member that is not .npy, naming it", async () => {
    await expectRejected(fromBase64(NUMPY.nonnpy), "badZip", "expected only .npy members", "'notes.txt'");
  });
});

describe("writeNpz", () => {
  it("round trips several members: f8 and f4, C and Fortran order, 0-d, empty, empty and non-ASCII names", async () => {
    const entries = [
      { name: "fc1", data: f8([1, 2, 3, 4, 5, 6]), shape: [2, 3] },
      { name: "fc2", data: f4([0.5, -1, 1e-3, 7, 8, 9]), shape: [3, 2], fortranOrder: true },
      { name: "conv", data: f8(Array.from({ length: 24 }, (_, i) => i * 1.5 - 3)), shape: [2, 3, 4], fortranOrder: true },
      { name: "", data: f8([42]), shape: [] },
      { name: "empty", data: new Float32Array(0), shape: [0, 4] },
      { name: "schicht/π", data: f8([Math.PI, -0]), shape: [2] },
    ];
    for (const options of [{}, { zip64: true }, { deflate: (d: Uint8Array) => zlib.deflateRawSync(d) }, { comment: "written by repmatch" }]) {
      const bytes = writeNpz(entries, options);
      const members = await readBoth(bytes);
      expect(members.map((m) => m.name)).toEqual(entries.map((e) => e.name));
      members.forEach((m, i) => {
        const e = entries[i]!;
        expect(m.array.shape).toEqual(e.shape);
        expect(m.array.dtype).toBe(e.data instanceof Float64Array ? "<f8" : "<f4");
        expect(m.array.fileFortranOrder).toBe(e.fortranOrder ?? false);
        expect(Array.from(m.array.data)).toEqual(Array.from(e.data));
      });
      const zip = readZip(bytes);
      expect(zip.zip64).toBe("zip64" in options);
      const methods = zip.entries.map((e) => e.method);
      if ("deflate" in options) expect(methods).toContain(8);
      else expect(methods.every((m) => m === 0)).toBe(true);
    }
  });

  it("refuses a comment that np.load would misread; the reader takes the record that ends the file", async () => {
    const error = thrown(() => writeNpz([], { comment: "a PK\x05\x06 b" }));
    expect(error.code).toBe("badOption");
    // Python's zipfile takes the last PK\5\6 and fails on this archive; the reader does not
    const bytes = writeNpz([{ name: "a", data: f8(A.data), shape: A.shape }], { comment: "a PK\x05\x07 b" });
    bytes[bytes.length - 3] = 6;
    const [a] = await readBoth(bytes);
    expectArray(a!.array, A);
    expect(new TextDecoder().decode(readZip(bytes).comment)).toBe("a PK\x05\x06 b");
  });

  it("writes an empty archive byte-identical to numpy's", () => {
    expect(writeNpz([])).toEqual(fromBase64(NUMPY.empty));
  });

  it("rejects duplicate names and bad shapes, naming the entry", () => {
    const dup = thrown(() => writeNpz([
      { name: "a", data: f8([1]), shape: [1] },
      { name: "a", data: f8([2]), shape: [1] },
    ]));
    expect(dup.code).toBe("badInput");
    expect(dup.message).toBe("writeNpz: expected unique names, got 'a' twice");
    const shape = thrown(() => writeNpz([{ name: "fc1", data: f8([1, 2, 3]), shape: [2, 2] }]));
    expect(shape.code).toBe("sizeMismatch");
    expect(shape.message).toBe("writeNpz: 'fc1': expected 4 elements for shape (2, 2), got 3");
  });

  // Checked once by hand: the archives of the round-trip test above (plain, zip64, deflated,
  // with comment) and a 70,000-member archive written by writeNpz load with numpy 2.4:
  //   python3 -c "import numpy as np; z = np.load('w.npz'); print({k: z[k] for k in z.files})"
  // (same values, names, dtypes, shapes and memory order).
  it("uses a zip64 end record only for 65535 members or more", async () => {
    const entries = Array.from({ length: 65_600 }, (_, i) => ({ name: `n${i}`, data: f8([i]), shape: [1] }));
    const bytes = writeNpz(entries);
    const zip = readZip(bytes);
    expect(zip.zip64).toBe(true);
    expect(zip.entries.length).toBe(65_600);
    expect(view(bytes).getUint16(eocdAt(bytes) + 10, true)).toBe(0xffff);
    const members = readNpzSync(bytes);
    expect(members[65_599]!.name).toBe("n65599");
    expect(members[65_599]!.array.data[0]).toBe(65_599);
    const empties = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `n${i}.npy`, data: new Uint8Array(0) }));
    expect(readZip(writeZip(empties(65_535))).zip64).toBe(true);
    expect(readZip(writeZip(empties(65_534))).zip64).toBe(false);
  });
});

describe("readNpz: malformed archives", () => {
  it("reports members' .npy errors as archive:member", async () => {
    const bytes = patched(twoMembers(), (v, b) => {
      // corrupt b.npy's header dict and fix the CRC, so that only the .npy reader objects
      const entry = readZip(b).entries[1]!;
      b[entry.dataOffset + 10] = "[".charCodeAt(0);
      v.setUint32(centralAt(b, 1) + 16, crc32(b.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize)), true);
    });
    const error = await expectRejected(bytes, "badHeader");
    expect(error.message.startsWith("x.npz:b.npy: ")).toBe(true);
  });

  it("CRC-32 mismatch (data corrupted)", async () => {
    const bytes = patched(twoMembers(), (_, b) => {
      const entry = readZip(b).entries[0]!;
      b[entry.dataOffset + entry.compressedSize - 1]! ^= 1;
    });
    await expectRejected(bytes, "badZip", "x.npz:a.npy: expected CRC-32");
  });

  it("not a zip, too short, truncated, trailing bytes", async () => {
    await expectRejected(new Uint8Array(10), "badZip", "expected at least 22 bytes");
    await expectRejected(new Uint8Array(100), "badZip", "expected an end-of-central-directory record");
    const good = twoMembers();
    await expectRejected(good.subarray(0, good.length - 30), "badZip", "its end is missing");
    const trailing = new Uint8Array(good.length + 3);
    trailing.set(good);
    await expectRejected(trailing, "badZip", "comment length of 0 for 3 remaining bytes");
  });

  it("encryption, unsupported methods and multi-disk archives, each named", async () => {
    const good = twoMembers();
    await expectRejected(patched(good, (v, b) => v.setUint16(centralAt(b, 0) + 8, 1, true)), "badZip", "unencrypted");
    const bzip2 = patched(good, (v, b) => {
      v.setUint16(centralAt(b, 1) + 10, 12, true);
      v.setUint16(readZip(good).entries[1]!.localHeaderOffset + 8, 12, true);
    });
    await expectRejected(bzip2, "badZip", "got 12 (bzip2), which is not supported", "member 'b.npy'");
    await expectRejected(patched(good, (v, b) => v.setUint16(eocdAt(b) + 4, 1, true)), "badZip", "multi-disk");
    await expectRejected(patched(good, (v, b) => v.setUint16(centralAt(b, 0) + 34, 2, true)), "badZip", "multi-disk");
    // the local header disagreeing with the central directory
    await expectRejected(patched(good, (v) => v.setUint16(8, 8, true)), "badZip", "local header to give method 0");
    await expectRejected(patched(good, (_, b) => (b[30] = "z".charCodeAt(0))), "badZip", "to name member 'a.npy', got 'z.npy'");
  });

  it("offsets and sizes past the end, overlapping members, counts that do not fit", async () => {
    const good = twoMembers();
    const cd = (i: number) => centralAt(good, i);
    await expectRejected(patched(good, (v, b) => v.setUint32(eocdAt(b) + 16, 1e6, true)), "badZip", "central directory");
    await expectRejected(patched(good, (v) => v.setUint32(cd(1) + 42, 1e6, true)), "badZip", "local header (30 bytes) at byte 1000000");
    const overlap = patched(good, (v) => {
      const size = v.getUint32(cd(0) + 20, true) + 10;
      v.setUint32(cd(0) + 20, size, true);
      v.setUint32(cd(0) + 24, size, true);
    });
    await expectRejected(overlap, "badZip", "overlap of 10 bytes");
    const sameOffset = patched(good, (v, b) => {
      v.setUint32(cd(1) + 42, 0, true); // b.npy's entry points at a.npy's local header
    });
    await expectRejected(sameOffset, "badZip", "to name member 'b.npy', got 'a.npy'");
    await expectRejected(patched(good, (v, b) => {
      v.setUint16(eocdAt(b) + 8, 60_000, true);
      v.setUint16(eocdAt(b) + 10, 60_000, true);
    }), "badZip", "expected at most 2 entries", "got 60000");
    await expectRejected(patched(good, (v) => v.setUint32(cd(0) + 20, 7, true)), "badZip", "compressed and uncompressed sizes to be equal");
    await expectRejected(patched(good, (v) => v.setUint16(cd(1) + 28, 500, true)), "badZip", "to end inside the central directory");
    await expectRejected(patched(good, (v) => v.setUint16(cd(0) + 30, 8, true)), "badZip", "extra block 0x4b50");
  });

  it("duplicate member names", async () => {
    const bytes = writeZip([
      { name: "a.npy", data: writeNpz([]) },
      { name: "b.npy", data: writeNpz([]) },
    ]);
    const dup = patched(bytes, (_, b) => {
      b[30 + 5 + 22 + 30] = "a".charCodeAt(0);
      b[centralAt(b, 1) + 46] = "a".charCodeAt(0);
    });
    await expectRejected(dup, "badZip", "expected unique member names, got 'a.npy' twice");
  });

  it("zip64 structures that are missing or inconsistent", async () => {
    const good = twoMembers();
    // without a locator, 0xFFFFFFFF is taken literally (as Python does), and does not fit
    await expectRejected(patched(good, (v, b) => v.setUint32(eocdAt(b) + 16, 0xffffffff, true)), "badZip", "expected the central directory");
    await expectRejected(patched(good, (v) => v.setUint32(centralAt(good, 0) + 24, 0xffffffff, true)), "badZip", "zip64 extra field of at least 8 bytes");
    const z = writeNpz([{ name: "a", data: f8(A.data), shape: A.shape }], { zip64: true });
    const z64 = z.length - 22 - 20 - 56; // the zip64 end record
    await expectRejected(patched(z, (v) => v.setBigUint64(z64 + 48, 12345n, true)), "badZip", "central directory");
    await expectRejected(patched(z, (v) => v.setBigUint64(z64 + 32, 2n ** 60n, true)), "badZip", "zip64 total entries");
    await expectRejected(patched(z, (v) => v.setBigUint64(z.length - 22 - 20 + 8, 1n, true)), "badZip", "zip64 end-of-central-directory signature");
    await expectRejected(patched(z, (v) => v.setUint32(z.length - 22 - 20 + 16, 2, true)), "badZip", "multi-disk");
    // a zip64 size that disagrees with the stored size
    await expectRejected(patched(z, (v) => v.setBigUint64(centralAt(z, 0) + 46 + 5 + 4, 999n, true)), "badZip", "sizes to be equal");
    // a zip64 offset past the end
    await expectRejected(patched(z, (v) => v.setBigUint64(centralAt(z, 0) + 46 + 5 + 20, 2n ** 40n, true)), "badZip", "past the end");
  });

  it("lying uncompressed sizes of deflated members are rejected before inflating", async () => {
    const deflated = writeNpz([{ name: "a", data: new Float64Array(10_000), shape: [10_000] }], { deflate: (d) => zlib.deflateRawSync(d) });
    const entry = readZip(deflated).entries[0]!;
    expect(entry.method).toBe(8);
    const cd = centralAt(deflated, 0);
    // more than deflate can produce from the compressed size: a lie
    await expectRejected(patched(deflated, (v) => v.setUint32(cd + 24, entry.compressedSize * 1032 + 2000, true)), "badZip", "at most 1032 x");
    // a zip bomb: the stream inflates to more than declared; inflation stops just past the size
    await expectRejected(patched(deflated, (v) => v.setUint32(cd + 24, 1000, true)), "badZip", "expected 1000 bytes after inflating", "got more");
    // fewer bytes than declared
    await expectRejected(patched(deflated, (v) => v.setUint32(cd + 24, entry.uncompressedSize + 8, true)), "badZip", `got ${entry.uncompressedSize}`);
    // a corrupted stream
    await expectRejected(patched(deflated, (_, b) => (b[entry.dataOffset]! ^= 0xff)), "badZip");
  });

  it("a member claiming more than 2^31 bytes is tooLarge before any allocation", async () => {
    // ~2.2 MB of compressed data may legitimately inflate to 2^31 + 1 bytes, so only the cap applies
    const data = new Uint8Array(4_500_000);
    let seed = 1;
    for (let i = 0; i < data.length; i++) data[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 28;
    const bytes = writeZip([{ name: "big.npy", data }], { deflate: (d) => zlib.deflateRawSync(d) });
    expect(readZip(bytes).entries[0]!.compressedSize).toBeGreaterThan(2 ** 31 / 1032);
    await expectRejected(patched(bytes, (v, b) => v.setUint32(centralAt(b, 0) + 24, 2 ** 31 + 1, true)), "tooLarge", "2147483649");
  });
});

describe("zip internals", () => {
  it("CRC-32 matches the check value and zlib", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const zcrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    for (const n of [1, 7, 8, 9, 15, 16, 17, 100, 1000]) {
      const part = bytes.subarray(0, n);
      if (zcrc) expect(crc32(part)).toBe(zcrc(part));
      expect(crc32(part.subarray(3), crc32(part.subarray(0, 3)))).toBe(crc32(part));
    }
  });

  it("both inflates stop a zip bomb just past the declared size", async () => {
    const bomb = zlib.deflateRawSync(new Uint8Array(64 << 20)); // 64 MiB of zeros, ~64 KiB compressed
    const started = performance.now();
    expect(thrown(() => inflateRawSync(bomb, 4096)).message).toContain("got more");
    expect((await thrownAsync(() => inflateRaw(bomb, 4096))).message).toContain("got more");
    expect(performance.now() - started).toBeLessThan(1000);
    expect(inflateRawSync(bomb, 64 << 20).length).toBe(64 << 20);
  });

  it("readNpzSync without a synchronous inflate rejects deflated members clearly; stored ones still read", async () => {
    const proc = process as unknown as Record<string, unknown>;
    const original = proc.getBuiltinModule;
    vi.resetModules();
    proc.getBuiltinModule = undefined;
    try {
      const fresh = await import("../src/io/npz.js");
      // a fresh module graph: its RepmatchError is another class, so match by name
      let error: RepmatchError | undefined;
      try {
        fresh.readNpzSync(fromBase64(NUMPY.descriptor), "x.npz");
      } catch (e) {
        error = e as RepmatchError;
      }
      expect(error?.name).toBe("RepmatchError");
      expect(error!.code).toBe("badZip");
      expect(error!.message).toBe(
        "x.npz:a.npy: expected a synchronous inflate (node:zlib) for this deflated member, got none in this environment (use the async reader)",
      );
      expect(fresh.readNpzSync(fromBase64(NUMPY.dirpath)).length).toBe(2);
      expect((await fresh.readNpz(fromBase64(NUMPY.descriptor))).length).toBe(2);
    } finally {
      proc.getBuiltinModule = original;
      vi.resetModules();
    }
  });
});
