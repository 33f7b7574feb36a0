/**
 * Seeded mutation fuzzing of the .npy and .npz readers (issue 7, item 2).
 *
 * Valid files (written by numpy, by writeNpy / writeNpz, stored and deflated, zip64 or not) are
 * mutated: random byte and bit flips, truncations, insertions, deletions, duplicated chunks, and
 * mutations aimed at header fields (the .npy header length, version, shape digits, dtype
 * characters, fortran_order; every central-directory, local-header, end-record and zip64 field
 * of the archives; .npy headers inside archive members with the CRC-32 repaired so that the .npy
 * reader is reached). Every case must either read to structurally sound arrays or throw a
 * RepmatchError; any other exception, a disagreement between the sync and async readers, or a
 * case slower than 1 s fails the test with the seed and case index.
 *
 * Default: 20,000 cases from a fixed seed. More: FUZZ_CASES=200000 FUZZ_SEED=7 npx vitest run
 * test/fuzz.test.ts; one case: FUZZ_SEED=s FUZZ_FROM=i FUZZ_CASES=1.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { RepmatchError } from "../src/errors.js";
import { npyHeader, readNpy, writeNpy, type NpyArray } from "../src/io/npy.js";
import { readNpz, readNpzSync, writeNpz, type NpzArrays } from "../src/io/npz.js";
import { crc32, writeZip } from "../src/io/zip.js";
import { rng } from "../src/random.js";

const CASES = Number(process.env.FUZZ_CASES ?? 20_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_607);
const FROM = Number(process.env.FUZZ_FROM ?? 0);
/** Each case must finish within this many milliseconds. */
const CASE_LIMIT_MS = 1000;

const FIXTURES = new URL("../../shared/fixtures/", import.meta.url);
const fixture = (path: string) => new Uint8Array(readFileSync(new URL(path, FIXTURES)));
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));
const deflate = (data: Uint8Array) => zlib.deflateRawSync(data);

// ---------------------------------------------------------------------------------------------
// Seed corpus

/** A .npy file as numpy writes it (header padded so the data starts at a multiple of 64). */
function npyFile(descr: string, shape: number[], fortran: boolean, data: Uint8Array, version = 1): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${tuple}, }`;
  const lengthBytes = version === 1 ? 2 : 4;
  const text = new TextEncoder().encode(dict);
  const unpadded = 8 + lengthBytes + text.length + 1;
  const headerLength = text.length + 1 + ((64 - (unpadded % 64)) % 64);
  const out = new Uint8Array(8 + lengthBytes + headerLength + data.length).fill(0x20);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (lengthBytes === 2) v.setUint16(8, headerLength, true);
  else v.setUint32(8, headerLength, true);
  out.set(text, 8 + lengthBytes);
  out[8 + lengthBytes + headerLength - 1] = 0x0a;
  out.set(data, 8 + lengthBytes + headerLength);
  return out;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

const count = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const sizeOf = (descr: string) => Number(descr.slice(2));

/** Small .npy files: every supported dtype, both byte orders, all three versions, C and Fortran. */
function npySeeds(): Uint8Array[] {
  const seeds: Uint8Array[] = [
    writeNpy(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
    writeNpy(Float32Array.from({ length: 12 }, (_, i) => i / 3), [3, 4], { fortranOrder: true }),
    writeNpy(Float64Array.from({ length: 24 }, (_, i) => i - 7.5), [2, 3, 4], { fortranOrder: true }),
    writeNpy(Float64Array.from([3.25]), []),
    writeNpy(new Float64Array(0), [0, 5]),
    writeNpy(Float32Array.from([1, -1, 0.5]), [3]),
  ];
  const dtypes = ["<f2", ">f2", "<f4", ">f4", ">f8", "|i1", "<i2", ">i2", "<i4", ">i4", "<i8", ">i8", "|u1", "<u2", ">u4", "<u8", ">u8", "|b1", "<c16", "|O8"];
  dtypes.forEach((descr, k) => {
    const shape = k % 3 === 0 ? [4, 3] : k % 3 === 1 ? [5] : [2, 2, 2];
    const size = descr === "|O8" ? 8 : sizeOf(descr) || 8;
    seeds.push(npyFile(descr, shape, k % 2 === 0, randomBytes(count(shape) * size, k + 1), 1 + (k % 3)));
  });
  // numpy's own files from the fixtures (valid and invalid, each a good starting point)
  const badInputs = new URL("bad-inputs/", FIXTURES);
  for (const file of readdirSync(badInputs).filter((f) => f.endsWith(".npy")).sort()) {
    seeds.push(new Uint8Array(readFileSync(new URL(file, badInputs))));
  }
  // np.save(np.zeros(2, dtype=[('π', '<f8')])): version 3.0, UTF-8 header, structured dtype
  seeds.push(
    fromBase64(
      "k05VTVBZAwB0AAAAeydkZXNjcic6IFsoJ8+AJywgJzxmOCcpXSwgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAA",
    ),
  );
  return seeds;
}

// Archives written by numpy 2.4 (see test/npz.test.ts for how): np.savez_compressed to an
// unseekable stream (deflate + data descriptors), and np.savez with zip64 limits patched low.
const NUMPY_DESCRIPTOR =
  "UEsDBC0ACAAIAAAAIQAAAAAA//////////8FABQAYS5ucHkBABAAAAAAAAAAAAAAAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgYw+GEPoRkOQCgOBwgtAKVFoLSkAwBQSwcIGnZkslsAAAAAAAAAsAAAAAAAAABQSwMELQAIAAgAAAAhAAAAAAD//////////wUAFABiLm5weQEAEAAAAAAAAAAAAAAAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoq6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjoKRpo6CrUKZAMuBjBosAcSDkAExA1AvMABAFBLBwjMypy9VQAAAAAAAACYAAAAAAAAAFBLAQItAy0ACAAIAAAAIQAadmSyWwAAALAAAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLAQItAy0ACAAIAAAAIQDMypy9VQAAAJgAAAAFAAAAAAAAAAAAAACAAaoAAABiLm5weVBLBQYAAAAAAgACAGYAAABOAQAAAAA=";

function npzSeeds(npy: Uint8Array[]): Uint8Array[] {
  const entries = [
    { name: "fc1", data: Float64Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] },
    { name: "fc2", data: Float32Array.from({ length: 12 }, (_, i) => i * 0.25), shape: [4, 3], fortranOrder: true },
    { name: "", data: Float64Array.from([7]), shape: [] },
  ];
  const mixed = npy.slice(6, 14).map((data, i) => ({ name: `m${i}.npy`, data }));
  const seeds = [
    writeNpz(entries),
    writeNpz(entries, { zip64: true }),
    writeNpz(entries, { deflate }),
    writeNpz(entries, { deflate, zip64: true, comment: "fuzz" }),
    writeNpz([]),
    writeZip(mixed),
    writeZip(mixed, { deflate }),
    fromBase64(NUMPY_DESCRIPTOR),
  ];
  return seeds;
}

// ---------------------------------------------------------------------------------------------
// Mutations

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, items: readonly T[]): T => items[int(r, items.length)]!;

interface Field {
  at: number;
  size: 2 | 4 | 8;
  what: string;
}

/** Values that tend to break parsers, for a field of `size` bytes holding `original`. */
function interesting(r: Rand, size: number, original: bigint, fileLength: number): bigint {
  const max = (1n << BigInt(size * 8)) - 1n;
  const candidates: bigint[] = [
    0n,
    1n,
    2n,
    0x7fn,
    0x80n,
    0xffn,
    0xfffen,
    0xffffn,
    0x7fffffffn,
    0x80000000n,
    0xfffffffen,
    0xffffffffn,
    BigInt(fileLength),
    BigInt(fileLength) - 1n,
    BigInt(fileLength) + 1n,
    original + 1n,
    original - 1n,
    original + BigInt(int(r, 64)) - 32n,
    original * 2n,
    original * 1033n,
    2n ** 31n + 1n,
    2n ** 53n,
    2n ** 63n,
    max,
    BigInt(int(r, 2 ** 32)),
  ];
  return BigInt.asUintN(size * 8, pick(r, candidates)) & max;
}

function writeField(b: Uint8Array, field: Field, value: bigint): void {
  if (field.at + field.size > b.length) return;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (field.size === 2) v.setUint16(field.at, Number(value & 0xffffn), true);
  else if (field.size === 4) v.setUint32(field.at, Number(value & 0xffffffffn), true);
  else v.setBigUint64(field.at, value, true);
}

function readField(b: Uint8Array, field: Field): bigint {
  if (field.at + field.size > b.length) return 0n;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (field.size === 2) return BigInt(v.getUint16(field.at, true));
  if (field.size === 4) return BigInt(v.getUint32(field.at, true));
  return v.getBigUint64(field.at, true);
}

const splice = (b: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)) => {
  at = Math.max(0, Math.min(at, b.length));
  remove = Math.max(0, Math.min(remove, b.length - at));
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
};

/** Generic mutations, for any file; each returns a new array or mutates a copy. */
const GENERIC: Record<string, (b: Uint8Array, r: Rand) => Uint8Array> = {
  byteFlip(b, r) {
    if (b.length) b[int(r, b.length)] = int(r, 256);
    return b;
  },
  bitFlip(b, r) {
    if (b.length) b[int(r, b.length)]! ^= 1 << int(r, 8);
    return b;
  },
  truncate: (b, r) => b.slice(0, int(r, b.length + 1)),
  insert: (b, r) => splice(b, int(r, b.length + 1), 0, randomBytes(1 + int(r, 16), int(r, 2 ** 31))),
  remove(b, r) {
    const at = int(r, b.length + 1);
    return splice(b, at, Math.min(b.length - at, 1 + int(r, 16)));
  },
  duplicate(b, r) {
    const from = int(r, b.length + 1);
    const chunk = b.slice(from, from + 1 + int(r, 64));
    return splice(b, int(r, b.length + 1), 0, chunk);
  },
  integer(b, r) {
    const size = pick(r, [2, 4, 8] as const);
    const field = { at: int(r, Math.max(1, b.length - size + 1)), size, what: "random" };
    writeField(b, field, interesting(r, size, readField(b, field), b.length));
    return b;
  },
};

/** The header text region of a .npy file (offsets), or undefined if the preamble is broken. */
function npyHeaderRegion(b: Uint8Array): { start: number; end: number; lengthBytes: number } | undefined {
  if (b.length < 10 || b[0] !== 0x93) return undefined;
  const lengthBytes = b[6] === 1 ? 2 : 4;
  const start = 8 + lengthBytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < start) return undefined;
  const length = lengthBytes === 2 ? v.getUint16(8, true) : v.getUint32(8, true);
  return { start, end: Math.min(b.length, start + length), lengthBytes };
}

/** The bytes [start, end) as latin-1 text (at most 64 KiB of it). */
const latin1 = (b: Uint8Array, start: number, end: number) =>
  Buffer.from(b.buffer, b.byteOffset + start, Math.min(end, start + 65_536) - start).toString("latin1");

/** Replaces header text [from, to) by `text`, keeping the header's length by eating or adding padding when possible. */
function replaceHeaderText(b: Uint8Array, from: number, to: number, text: string, keepLength: boolean): Uint8Array {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  let out = splice(b, from, to - from, bytes);
  const delta = bytes.length - (to - from);
  const region = npyHeaderRegion(b);
  if (!keepLength || !region || delta === 0) return out;
  // compensate in the padding just before the final newline
  const newlineAt = region.end - 1 + delta;
  if (delta > 0) {
    let spaces = 0;
    while (spaces < delta && out[newlineAt - 1 - spaces] === 0x20) spaces++;
    if (spaces === delta) out = splice(out, newlineAt - delta, delta);
  } else {
    out = splice(out, newlineAt, 0, new Uint8Array(-delta).fill(0x20));
  }
  return out;
}

const SHAPE_TEXTS = ["()", "(0,)", "(1,)", "(3, 4)", "(-1, 2)", "(99999999999999999999,)", "(2147483648,)", "(4294967296, 4294967296)", "(1, 2, 3, 4, 5, 6, 7, 8)", "(3 4)", "(3,,)", "[3, 4]", "(True,)", "('3',)", "(0x10,)", "((3,),)", "(3, 4", "3"];
const DTYPE_CHARS = "<>|=!fiucbOSUVmMe?0123456789 '\"";

/** Mutations of a .npy header's fields. */
const NPY_TARGETED: Record<string, (b: Uint8Array, r: Rand) => Uint8Array> = {
  headerLength(b, r) {
    const region = npyHeaderRegion(b);
    const size = region?.lengthBytes ?? 2;
    writeField(b, { at: 8, size: size as 2 | 4, what: "" }, interesting(r, size, readField(b, { at: 8, size: size as 2 | 4, what: "" }), b.length));
    return b;
  },
  version(b, r) {
    if (b.length > 7) b[6 + int(r, 2)] = pick(r, [0, 1, 2, 3, 4, 255]);
    return b;
  },
  shapeDigits(b, r) {
    const region = npyHeaderRegion(b);
    if (!region) return b;
    const text = latin1(b, region.start, region.end);
    const open = text.indexOf("'shape': ");
    if (open < 0) return b;
    const from = region.start + open + 9;
    const close = text.indexOf(")", open);
    const to = close < 0 ? from : region.start + close + 1;
    const keep = r() < 0.8;
    if (r() < 0.5) return replaceHeaderText(b, from, to, pick(r, SHAPE_TEXTS), keep);
    // change, add or remove one digit
    const digits = [...text.slice(open + 9, close < 0 ? open + 9 : close + 1)].flatMap((c, i) => (c >= "0" && c <= "9" ? [i] : []));
    if (!digits.length) return b;
    const at = from + pick(r, digits);
    const op = int(r, 3);
    return replaceHeaderText(b, at, op === 2 ? at + 1 : at + (op === 0 ? 1 : 0), op === 2 ? "" : String(int(r, 10)), keep);
  },
  dtypeChars(b, r) {
    const region = npyHeaderRegion(b);
    if (!region) return b;
    const text = latin1(b, region.start, region.end);
    const open = text.indexOf("'descr': ");
    if (open < 0) return b;
    const from = region.start + open + 10;
    const n = 1 + int(r, 3);
    let replacement = "";
    for (let i = 0; i < n; i++) replacement += DTYPE_CHARS[int(r, DTYPE_CHARS.length)];
    const removed = int(r, 4);
    return replaceHeaderText(b, from + int(r, 3), from + int(r, 3) + removed, replacement, r() < 0.8);
  },
  dictSyntax(b, r) {
    const region = npyHeaderRegion(b);
    if (!region || region.end <= region.start) return b;
    const at = region.start + int(r, region.end - region.start);
    const junk = pick(r, ["{", "}", "(", ")", "[", "]", ",", ":", "'", '"', "\\", "True", "False", "None", "'shape': (1,), ", "\n", "\u00ff", "\u00cf\u0080", "((((((((((", "'descr': '<f8', "]);
    return replaceHeaderText(b, at, at + int(r, 3), junk, r() < 0.8);
  },
  fortranFlag(b, r) {
    const region = npyHeaderRegion(b);
    if (!region) return b;
    const text = latin1(b, region.start, region.end);
    const open = text.indexOf("'fortran_order': ");
    if (open < 0) return b;
    const from = region.start + open + 17;
    const word = text.startsWith("True", open + 17) ? 4 : 5;
    return replaceHeaderText(b, from, from + word, pick(r, ["True", "False", "1", "None", "true", "'True'"]), true);
  },
};

/** Every header field of an archive (parsed from the intact seed). */
function zipFields(b: Uint8Array): { fields: Field[]; members: { dataAt: number; size: number; crcAt: number; method: number }[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fields: Field[] = [];
  const members: { dataAt: number; size: number; crcAt: number; method: number }[] = [];
  const eocd = b.length - 22 - (b.length >= 22 ? findCommentLength(b) : 0);
  const add = (at: number, size: 2 | 4 | 8, what: string) => fields.push({ at, size, what });
  [4, 6, 8, 10].forEach((o) => add(eocd + o, 2, "eocd"));
  add(eocd + 12, 4, "eocd cdSize");
  add(eocd + 16, 4, "eocd cdOffset");
  add(eocd + 20, 2, "eocd comment length");
  let cd = v.getUint32(eocd + 16, true);
  if (eocd >= 20 && v.getUint32(eocd - 20, true) === 0x07064b50) {
    const loc = eocd - 20;
    add(loc + 4, 4, "locator disk");
    add(loc + 8, 8, "locator offset");
    add(loc + 16, 4, "locator disks");
    const rec = Number(v.getBigUint64(loc + 8, true));
    add(rec, 4, "zip64 signature");
    add(rec + 4, 8, "zip64 record size");
    add(rec + 16, 4, "zip64 disk");
    add(rec + 20, 4, "zip64 cd disk");
    add(rec + 24, 8, "zip64 disk entries");
    add(rec + 32, 8, "zip64 entries");
    add(rec + 40, 8, "zip64 cdSize");
    add(rec + 48, 8, "zip64 cdOffset");
    if (cd === 0xffffffff) cd = Number(v.getBigUint64(rec + 48, true));
  }
  let entries = v.getUint16(eocd + 10, true);
  if (entries === 0xffff) entries = Number(v.getBigUint64(Number(v.getBigUint64(eocd - 20 + 8, true)) + 32, true));
  for (let i = 0, at = cd; i < entries; i++) {
    add(at, 4, "cd signature");
    for (const [o, s, what] of [[8, 2, "flags"], [10, 2, "method"], [16, 4, "crc"], [20, 4, "csize"], [24, 4, "usize"], [28, 2, "name length"], [30, 2, "extra length"], [32, 2, "comment length"], [34, 2, "disk"], [42, 4, "local offset"]] as const) {
      add(at + o, s, `cd ${what}`);
    }
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    for (let e = 0; e + 4 <= extraLength; ) {
      const block = at + 46 + nameLength + e;
      const blockSize = v.getUint16(block + 2, true);
      add(block + 2, 2, "cd extra block size");
      for (let k = 4; k + 8 <= 4 + blockSize; k += 8) add(block + k, 8, "cd zip64 value");
      e += 4 + blockSize;
    }
    let local = v.getUint32(at + 42, true);
    if (local === 0xffffffff) local = Number(v.getBigUint64(at + 46 + nameLength + 4 + 16, true));
    add(local, 4, "local signature");
    for (const [o, s, what] of [[6, 2, "flags"], [8, 2, "method"], [14, 4, "crc"], [18, 4, "csize"], [22, 4, "usize"], [26, 2, "name length"], [28, 2, "extra length"]] as const) {
      add(local + o, s, `local ${what}`);
    }
    const localExtra = v.getUint16(local + 28, true);
    for (let k = 4; k + 8 <= localExtra; k += 8) add(local + 30 + v.getUint16(local + 26, true) + k, 8, "local zip64 value");
    let size = v.getUint32(at + 20, true);
    if (size === 0xffffffff) size = Number(v.getBigUint64(at + 46 + nameLength + 4 + 8, true));
    members.push({ dataAt: local + 30 + v.getUint16(local + 26, true) + localExtra, size, crcAt: at + 16, method: v.getUint16(at + 10, true) });
    at += 46 + nameLength + extraLength + v.getUint16(at + 32, true);
  }
  return { fields, members };
}

/** The comment length of a seed archive (its end record is the last PK\5\6 that ends the file). */
function findCommentLength(b: Uint8Array): number {
  for (let at = b.length - 22; at >= 0; at--) {
    if (b[at] === 0x50 && b[at + 1] === 0x4b && b[at + 2] === 5 && b[at + 3] === 6 && at + 22 + (b[at + 20]! | (b[at + 21]! << 8)) === b.length) {
      return b.length - 22 - at;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Checking one case

const DTYPE = /^[<>|=]?(f2|f4|f8|i1|i2|i4|i8|u1|u2|u4|u8|b1|\?)$/;

/** Why `a` is not a structurally sound array, or "" if it is. */
function unsound(a: NpyArray): string {
  if (!(a.data instanceof Float64Array)) return "data is not a Float64Array";
  if (!Array.isArray(a.shape) || !a.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `bad shape ${String(a.shape)}`;
  if (a.data.length !== count(a.shape)) return `data length ${a.data.length} != product of shape ${a.shape}`;
  if (!DTYPE.test(a.dtype)) return `bad dtype ${a.dtype}`;
  if (typeof a.fileFortranOrder !== "boolean") return "fileFortranOrder is not a boolean";
  return "";
}

type Outcome = { ok: true; arrays: { name: string; array: NpyArray }[] } | { ok: false; code: string; message: string };

function outcomeOf(run: () => NpzArrays | NpyArray): Outcome {
  try {
    const result = run();
    return { ok: true, arrays: Array.isArray(result) ? result : [{ name: "", array: result }] };
  } catch (error) {
    if (error instanceof RepmatchError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

async function outcomeOfAsync(run: () => Promise<NpzArrays>): Promise<Outcome> {
  try {
    return { ok: true, arrays: await run() };
  } catch (error) {
    if (error instanceof RepmatchError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

function sameOutcome(a: Outcome, b: Outcome): string {
  if (a.ok !== b.ok) return `sync ${a.ok ? "accepted" : `rejected (${(a as { message: string }).message})`}, async ${b.ok ? "accepted" : `rejected (${(b as { message: string }).message})`}`;
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.code !== b.code ? `sync code ${a.code}, async code ${b.code}` : "";
  if (a.arrays.length !== b.arrays.length) return "different member counts";
  for (let i = 0; i < a.arrays.length; i++) {
    const x = a.arrays[i]!;
    const y = b.arrays[i]!;
    if (x.name !== y.name || x.array.dtype !== y.array.dtype || String(x.array.shape) !== String(y.array.shape)) return `member ${i} differs`;
    for (let k = 0; k < x.array.data.length; k++) if (!Object.is(x.array.data[k], y.array.data[k])) return `member ${i} element ${k} differs`;
  }
  return "";
}

// ---------------------------------------------------------------------------------------------

describe("fuzzing the .npy and .npz readers", () => {
  it(`${CASES} seeded mutations (seed ${SEED}): arrays or RepmatchError, sync = async, no case over ${CASE_LIMIT_MS} ms`, async () => {
    const npy = npySeeds();
    const npz = npzSeeds(npy);
    const npzInfo = npz.map(zipFields);
    const bigNpy = [fixture("layout-variants/b.npy"), fixture("layout-variants/a.npy")];
    const bigNpz = [fixture("layout-variants/ab.npz"), fixture("layout-variants/ab_compressed.npz")];
    const bigNpzInfo = bigNpz.map(zipFields);
    for (const [i, seed] of [...npy, ...bigNpy].entries()) {
      // the corpus itself: what is valid reads, and the rest is a RepmatchError
      outcomeOf(() => readNpy(seed, `seed ${i}`));
    }
    for (const seed of [...npz, ...bigNpz]) expect(readNpzSync(seed).length).toBeGreaterThanOrEqual(0);

    const stats = new Map<string, { accepted: number; rejected: Map<string, number> }>();
    const tally = (kind: string, outcome: Outcome) => {
      let s = stats.get(kind);
      if (!s) stats.set(kind, (s = { accepted: 0, rejected: new Map() }));
      if (outcome.ok) s.accepted++;
      else s.rejected.set(outcome.code, (s.rejected.get(outcome.code) ?? 0) + 1);
    };
    const failures: string[] = [];
    let slowest = { ms: 0, index: -1, what: "" };
    const started = performance.now();

    for (let index = FROM; index < FROM + CASES && failures.length < 10; index++) {
      const r = rng((Math.imul(SEED, 0x9e3779b1) + index) >>> 0);
      const roll = r();
      const steps: string[] = [];
      const mutate = (b: Uint8Array, table: Record<string, (b: Uint8Array, r: Rand) => Uint8Array>, n: number) => {
        let out = b;
        for (let k = 0; k < n; k++) {
          const name = pick(r, Object.keys(table));
          steps.push(name);
          out = table[name]!(out.slice(), r);
        }
        return out;
      };
      const rounds = () => 1 + (r() < 0.3 ? int(r, 3) : 0);
      let kind: string;
      let input: Uint8Array;
      // kinds: .npy (generic / header-targeted), .npz (generic / field-targeted / member .npy
      // with repaired CRC / mutated .npy re-archived stored or deflated), big fixtures (1%)
      if (roll < 0.2) {
        kind = "npy generic";
        input = mutate(pick(r, npy), GENERIC, rounds());
      } else if (roll < 0.4) {
        kind = "npy header";
        input = mutate(pick(r, npy), r() < 0.7 ? NPY_TARGETED : { ...NPY_TARGETED, ...GENERIC }, rounds());
      } else if (roll < 0.55) {
        kind = "npz generic";
        input = mutate(pick(r, npz), GENERIC, rounds());
      } else if (roll < 0.75) {
        kind = "npz fields";
        const k = int(r, npz.length);
        input = npz[k]!.slice();
        const { fields } = npzInfo[k]!;
        for (let n = rounds(); n > 0 && fields.length; n--) {
          const field = pick(r, fields);
          steps.push(field.what);
          writeField(input, field, interesting(r, field.size, readField(input, field), input.length));
        }
      } else if (roll < 0.87) {
        kind = "npz member npy";
        const k = int(r, npz.length);
        input = npz[k]!.slice();
        const stored = npzInfo[k]!.members.filter((m) => m.method === 0 && m.size > 10);
        if (stored.length) {
          const m = pick(r, stored);
          const member = input.subarray(m.dataAt, m.dataAt + m.size);
          const mutated = mutate(member, r() < 0.5 ? NPY_TARGETED : GENERIC, rounds());
          // in place, same length (a length change would need every offset rewritten)
          member.set(mutated.subarray(0, member.length));
          if (r() < 0.9) new DataView(input.buffer).setUint32(m.crcAt, crc32(member), true);
        }
      } else if (roll < 0.99) {
        kind = "npz rebuilt";
        const members = [0, 1].slice(0, 1 + int(r, 2)).map((i) => ({ name: `m${i}.npy`, data: mutate(pick(r, npy), r() < 0.5 ? NPY_TARGETED : GENERIC, rounds()) }));
        const options = { deflate: r() < 0.5 ? deflate : undefined, zip64: r() < 0.3 };
        steps.push(options.deflate ? "deflated" : "stored");
        input = writeZip(members, options);
      } else if (roll < 0.995) {
        kind = "big npy";
        input = mutate(pick(r, bigNpy), r() < 0.5 ? NPY_TARGETED : GENERIC, rounds());
      } else {
        kind = "big npz";
        const k = int(r, bigNpz.length);
        input = bigNpz[k]!.slice();
        if (r() < 0.5) input = mutate(input, GENERIC, rounds());
        else {
          const field = pick(r, bigNpzInfo[k]!.fields);
          steps.push(field.what);
          writeField(input, field, interesting(r, field.size, readField(input, field), input.length));
        }
      }

      const what = `seed ${SEED} case ${index} (${kind}: ${steps.join(", ")})`;
      const t0 = performance.now();
      try {
        if (kind.includes("npy") && !kind.startsWith("npz")) {
          const outcome = outcomeOf(() => readNpy(input, "fuzz.npy"));
          tally(kind, outcome);
          if (outcome.ok) {
            const problem = unsound(outcome.arrays[0]!.array);
            if (problem) failures.push(`${what}: accepted an unsound array: ${problem}`);
            const header = npyHeader(input, "fuzz.npy");
            if (String(header.shape) !== String(outcome.arrays[0]!.array.shape)) failures.push(`${what}: npyHeader disagrees with readNpy`);
          } else {
            // the header-only reader must also fail or succeed cleanly
            outcomeOf(() => {
              npyHeader(input, "fuzz.npy");
              return [];
            });
          }
        } else {
          const sync = outcomeOf(() => readNpzSync(input, "fuzz.npz"));
          const async = await outcomeOfAsync(() => readNpz(input, "fuzz.npz"));
          tally(kind, sync);
          const mismatch = sameOutcome(sync, async);
          if (mismatch) failures.push(`${what}: ${mismatch}`);
          if (sync.ok) {
            for (const m of sync.arrays) {
              const problem = unsound(m.array);
              if (problem) failures.push(`${what}: accepted an unsound member '${m.name}': ${problem}`);
            }
          }
        }
      } catch (error) {
        failures.push(`${what}: threw ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`);
      }
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { ms, index, what };
      if (ms > CASE_LIMIT_MS) failures.push(`${what}: took ${ms.toFixed(0)} ms`);
    }

    const seconds = (performance.now() - started) / 1000;
    const lines = [...stats.entries()].map(([kind, s]) => {
      const rejected = [...s.rejected.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(", ");
      return `  ${kind.padEnd(15)} accepted ${String(s.accepted).padStart(5)}; rejected: ${rejected}`;
    });
    console.log(
      `fuzz: ${CASES} cases from seed ${SEED} in ${seconds.toFixed(1)} s; slowest ${slowest.ms.toFixed(1)} ms (case ${slowest.index})\n${lines.join("\n")}`,
    );
    expect(failures).toEqual([]);
  });
});
