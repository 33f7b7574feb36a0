/**
 * numpy's `.npz` archives: a zip file of `.npy` members, one per array, written by `np.savez`
 * (stored; zip64 local headers) and `np.savez_compressed` (deflate). Bytes in, arrays out.
 *
 * `readNpz` works everywhere (deflate through DecompressionStream); `readNpzSync` needs a
 * synchronous inflate for deflated members (Node's zlib). Every member is validated as a zip member
 * (see zip.ts: sizes, CRC-32) and then as a .npy file (see npy.ts); errors name both, as in
 * "acts.npz:fc1.npy: expected ..., got ...".
 */
import { fail, RepmatchError } from "../errors.js";
import { readNpy, writeNpy, type NpyArray } from "./npy.js";
import { extract, extractSync, readZip, writeZip, type ZipEntry } from "./zip.js";

/** One array of an archive. */
export interface NpzMember {
  /** The member's name without the ".npy" suffix: the keyword given to np.savez ("arr_0", ...). */
  name: string;
  array: NpyArray;
}

/** The arrays of an archive, in archive order; names are unique. */
export type NpzArrays = NpzMember[];

export interface NpzWriteEntry {
  /** The key (written as member `${name}.npy`); "arr_0" style names are not added automatically. */
  name: string;
  /** Elements in C (row-major) order: '<f8' for Float64Array, '<f4' for Float32Array. */
  data: Float64Array | Float32Array;
  shape: readonly number[];
  /** Store the member in Fortran (column-major) order, with fortran_order True. */
  fortranOrder?: boolean;
}

export interface NpzWriteOptions {
  /** Archive comment. */
  comment?: string;
  /** Write zip64 structures even when nothing needs them (numpy reads both). */
  zip64?: boolean;
  /**
   * A raw-deflate compressor, e.g. node:zlib's `deflateRawSync`, for an archive like
   * np.savez_compressed writes; members are stored (like np.savez) without one.
   */
  deflate?: (data: Uint8Array) => Uint8Array;
}

const SUFFIX = ".npy";

/** Reads an .npz archive (stored or deflated members); works in browsers and Node. */
export async function readNpz(bytes: Uint8Array, name = "input"): Promise<NpzArrays> {
  const entries = npzEntries(bytes, name);
  const members: NpzArrays = [];
  for (const entry of entries) {
    const data = await extract(bytes, entry, name);
    members.push(parseMember(data, entry, name));
  }
  return members;
}

/**
 * Reads an .npz archive synchronously. Deflated members (np.savez_compressed) need Node's zlib;
 * without it (browsers) they are rejected with badZip: use readNpz there.
 */
export function readNpzSync(bytes: Uint8Array, name = "input"): NpzArrays {
  const entries = npzEntries(bytes, name);
  return entries.map((entry) => parseMember(extractSync(bytes, entry, name), entry, name));
}

/**
 * Writes arrays as an .npz archive that np.load reads: members `${name}.npy` in the given order,
 * stored (method 0, like np.savez) unless `options.deflate` is given, with correct CRC-32s; zip64
 * only when needed. Archives or members of 4 GiB or more are refused (tooLarge).
 */
export function writeNpz(entries: readonly NpzWriteEntry[], options: NpzWriteOptions = {}): Uint8Array<ArrayBuffer> {
  if (!Array.isArray(entries)) fail("badInput", `writeNpz: expected an array of {name, data, shape}, got ${typeof entries}`);
  const seen = new Set<string>();
  const members = entries.map((entry, index) => {
    if (typeof entry?.name !== "string") {
      fail("badInput", `writeNpz: expected entry ${index} to have a string name, got ${typeof entry?.name}`);
    }
    if (seen.has(entry.name)) fail("badInput", `writeNpz: expected unique names, got '${entry.name}' twice`);
    seen.add(entry.name);
    let data: Uint8Array;
    try {
      data = writeNpy(entry.data, entry.shape, { fortranOrder: entry.fortranOrder ?? false });
    } catch (error) {
      if (!(error instanceof RepmatchError)) throw error;
      const message = error.message.replace(/^writeNpy: /, "");
      throw new RepmatchError(error.code, `writeNpz: '${entry.name}': ${message}`, error.detail);
    }
    return { name: entry.name + SUFFIX, data };
  });
  return writeZip(members, options);
}

/** The archive's members after the zip checks and the .npz ones (only .npy members, unique names). */
function npzEntries(bytes: Uint8Array, name: string): ZipEntry[] {
  const { entries } = readZip(bytes, name);
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!entry.name.endsWith(SUFFIX)) {
      const what = entry.name.endsWith("/") ? "the directory entry" : "the member";
      fail(
        "badZip",
        `${name}: expected only .npy members (one per array, as np.savez writes them), got ${what} '${entry.name}'`,
        { file: name, member: entry.name },
      );
    }
    if (seen.has(entry.name)) {
      fail("badZip", `${name}: expected unique member names, got '${entry.name}' twice`, { file: name, member: entry.name });
    }
    seen.add(entry.name);
  }
  return entries;
}

function parseMember(data: Uint8Array, entry: ZipEntry, name: string): NpzMember {
  return { name: entry.name.slice(0, -SUFFIX.length), array: readNpy(data, `${name}:${entry.name}`) };
}
