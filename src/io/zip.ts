/**
 * A validating reader and a minimal writer for ZIP archives (PKWARE APPNOTE 6.3), the container of
 * numpy's `.npz` files. Bytes in, bytes out; browser-safe (the optional synchronous inflate is
 * Node's zlib, found at run time through `process.getBuiltinModule`, never imported).
 *
 * Reading: the end-of-central-directory record (searched backwards over the last 64 KiB + 22
 * bytes, so a comment is allowed), the zip64 locator and record, every central-directory entry
 * (name, method, flags, CRC-32, sizes and local-header offset, zip64 extra fields included) and every
 * local header (name and method must agree with the directory; its sizes are ignored: numpy writes
 * 0xFFFFFFFF there, with the real sizes in the central directory). Methods 0 (stored) and 8 (deflate).
 * Every member's CRC-32 and size are verified after extraction.
 *
 * Nothing is allocated from an unchecked header field: counts and sizes are checked against the
 * length of the archive first, a deflated member may not claim more than deflate can produce from
 * its compressed size (1032:1), and inflation stops as soon as the output passes the declared size.
 */
import { fail, RepmatchError } from "../errors.js";

/** One member of an archive, as validated by readZip. */
export interface ZipEntry {
  /** The member's name (UTF-8 when flag bit 11 is set, else code page 437, as Python reads it). */
  name: string;
  /** 0 (stored) or 8 (deflate). */
  method: number;
  /** General-purpose bit flags from the central directory. */
  flags: number;
  /** CRC-32 of the uncompressed data, from the central directory. */
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the member's local header. */
  localHeaderOffset: number;
  /** Offset of the member's (compressed) data, after the local header's name and extra field. */
  dataOffset: number;
}

export interface ZipArchive {
  /** The members in central-directory order. */
  entries: ZipEntry[];
  /** The archive comment (raw bytes). */
  comment: Uint8Array;
  /** Whether the archive has a zip64 end-of-central-directory record. */
  zip64: boolean;
}

export interface ZipWriteMember {
  name: string;
  data: Uint8Array;
}

export interface ZipWriteOptions {
  /** Archive comment (at most 65535 bytes; a string is written as UTF-8). */
  comment?: string | Uint8Array;
  /**
   * Write zip64 structures (local and central zip64 extra fields, the zip64 end-of-central-directory
   * record and locator) even when nothing needs them, as numpy's local headers do. Default: only
   * when needed (65535 members or more).
   */
  zip64?: boolean;
  /**
   * A raw-deflate compressor (e.g. node:zlib's `deflateRawSync`). Members are deflated (method 8)
   * when given, stored (method 0) otherwise; a member that does not shrink is stored.
   */
  deflate?: (data: Uint8Array) => Uint8Array;
}

/** At most this many members per archive (the central directory is read eagerly). */
export const MAX_ZIP_MEMBERS = 100_000;
/** Largest uncompressed member read or written, in bytes. */
export const MAX_MEMBER_BYTES = 2 ** 31;
/** Deflate cannot expand data by more than this factor (two bits per 258-byte match). */
const MAX_DEFLATE_RATIO = 1032;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const LOCAL_SIZE = 30;
const CENTRAL_SIZE = 46;
const EOCD_SIZE = 22;
const ZIP64_EOCD_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EXTRA_ID = 0x0001;
const MAX_COMMENT = 0xffff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
const FLAG_MASKED_DIRECTORY = 0x2000;

const METHOD_NAMES: Record<number, string> = {
  1: "shrink",
  2: "reduce",
  3: "reduce",
  4: "reduce",
  5: "reduce",
  6: "implode",
  9: "deflate64",
  10: "PKWARE DCL implode",
  12: "bzip2",
  14: "LZMA",
  18: "IBM TERSE",
  19: "IBM LZ77",
  20: "zstd (deprecated id)",
  93: "zstd",
  94: "MP3",
  95: "xz",
  96: "JPEG",
  97: "WavPack",
  98: "PPMd",
  99: "AES encryption",
};

// ---------------------------------------------------------------------------------------------
// CRC-32 (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320), slicing by 8

const CRC_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!;
  }
  return t;
})();

/** CRC-32 of `bytes` as zip and zlib compute it; pass a previous result as `crc` to continue. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = CRC_TABLES;
  let c = ~crc >>> 0;
  const n = bytes.length;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const a = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Reading: directory

/**
 * Parses and validates the archive's structure: the end records, every central-directory entry
 * and every local header. Member data is not touched (see extractSync / extract).
 */
export function readZip(bytes: Uint8Array, name = "input"): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(bytes, view, name);
  const dir = readEndRecords(bytes, view, end, name);
  const entries = readCentralDirectory(bytes, view, dir, name);
  for (const entry of entries) readLocalHeader(bytes, view, entry, name);
  checkLayout(entries, dir.cdOffset, name);
  return { entries, comment: end.comment, zip64: dir.zip64 };
}

interface EndRecord {
  offset: number;
  disk: number;
  cdDisk: number;
  diskEntries: number;
  totalEntries: number;
  cdSize: number;
  cdOffset: number;
  comment: Uint8Array;
}

/** The last "PK\5\6" record whose comment length reaches exactly the end of the input. */
function findEndRecord(bytes: Uint8Array, view: DataView, name: string): EndRecord {
  const n = bytes.length;
  if (n < EOCD_SIZE) {
    zipError(name, `expected at least ${EOCD_SIZE} bytes (an end-of-central-directory record), got ${n}${whatIsIt(bytes)}`);
  }
  const lowest = Math.max(0, n - EOCD_SIZE - MAX_COMMENT);
  let mismatch = -1;
  for (let at = n - EOCD_SIZE; at >= lowest; at--) {
    if (bytes[at] !== 0x50 || view.getUint32(at, true) !== SIG_EOCD) continue;
    const commentLength = view.getUint16(at + 20, true);
    if (at + EOCD_SIZE + commentLength !== n) {
      if (mismatch < 0) mismatch = at;
      continue;
    }
    return {
      offset: at,
      disk: view.getUint16(at + 4, true),
      cdDisk: view.getUint16(at + 6, true),
      diskEntries: view.getUint16(at + 8, true),
      totalEntries: view.getUint16(at + 10, true),
      cdSize: view.getUint32(at + 12, true),
      cdOffset: view.getUint32(at + 16, true),
      comment: bytes.subarray(at + EOCD_SIZE, n),
    };
  }
  if (mismatch >= 0) {
    const commentLength = view.getUint16(mismatch + 20, true);
    zipError(
      name,
      `expected the end-of-central-directory record at byte ${mismatch} to end the file after its ` +
        `comment, got a comment length of ${commentLength} for ${n - mismatch - EOCD_SIZE} remaining bytes ` +
        `(truncated or trailing data?)`,
    );
  }
  return zipError(
    name,
    `expected an end-of-central-directory record (PK\\5\\6) in the last ${n - lowest} bytes, got none ` +
      `(not a zip archive, or truncated)${whatIsIt(bytes)}`,
  );
}

/** A hint for the usual mix-ups: a .npy file or a truncated zip passed as an archive. */
function whatIsIt(bytes: Uint8Array): string {
  const starts = (sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return "; the input is a .npy file, not an archive";
  if (starts([0x50, 0x4b, 0x03, 0x04])) return "; the input starts like a zip archive but its end is missing";
  return "";
}

interface Directory {
  entries: number;
  cdOffset: number;
  cdSize: number;
  /** Where the central directory must end: the zip64 record, else the end record. */
  cdEnd: number;
  zip64: boolean;
}

function readEndRecords(bytes: Uint8Array, view: DataView, end: EndRecord, name: string): Directory {
  const multiDisk = (what: string, got: number) =>
    zipError(name, `expected a single-disk archive (${what} 0), got ${got} (multi-disk archives are not supported)`);
  const locatorAt = end.offset - ZIP64_LOCATOR_SIZE;
  const hasLocator = locatorAt >= 0 && view.getUint32(locatorAt, true) === SIG_ZIP64_LOCATOR;
  if (!hasLocator) {
    // Without a locator, 0xFFFF and 0xFFFFFFFF are taken literally, as Python's zipfile does (it
    // writes exactly 65535 members without zip64); a lie then fails the checks that follow.
    if (end.disk !== 0) multiDisk("disk number", end.disk);
    if (end.cdDisk !== 0) multiDisk("central directory disk", end.cdDisk);
    if (end.diskEntries !== end.totalEntries) {
      zipError(name, `expected the entries on this disk (${end.diskEntries}) to equal the total entries, got ${end.totalEntries}`);
    }
    return {
      entries: end.totalEntries,
      cdOffset: end.cdOffset,
      cdSize: end.cdSize,
      cdEnd: end.offset,
      zip64: false,
    };
  }
  // zip64 locator: signature, disk with the zip64 record (u32), its offset (u64), total disks (u32).
  const recordDisk = view.getUint32(locatorAt + 4, true);
  const recordAt = readU64(view, locatorAt + 8, name, "zip64 end-of-central-directory offset");
  const disks = view.getUint32(locatorAt + 16, true);
  if (recordDisk !== 0) multiDisk("zip64 record disk", recordDisk);
  if (disks > 1) multiDisk("total disks - 1", disks - 1);
  if (recordAt + ZIP64_EOCD_SIZE > locatorAt) {
    zipError(
      name,
      `expected the zip64 end-of-central-directory record (${ZIP64_EOCD_SIZE} bytes) to start at most at byte ` +
        `${locatorAt - ZIP64_EOCD_SIZE}, before its locator, got offset ${recordAt}`,
    );
  }
  if (view.getUint32(recordAt, true) !== SIG_ZIP64_EOCD) {
    zipError(name, `expected the zip64 end-of-central-directory signature PK\\6\\6 at byte ${recordAt}, got ${hex32(view.getUint32(recordAt, true))}`);
  }
  const recordSize = readU64(view, recordAt + 4, name, "zip64 end-of-central-directory record size");
  if (recordAt + 12 + recordSize !== locatorAt) {
    zipError(
      name,
      `expected the zip64 end-of-central-directory record at byte ${recordAt} to end at its locator (byte ${locatorAt}), ` +
        `got a record size of ${recordSize}`,
    );
  }
  const disk = view.getUint32(recordAt + 16, true);
  const cdDisk = view.getUint32(recordAt + 20, true);
  const diskEntries = readU64(view, recordAt + 24, name, "zip64 entries on this disk");
  const totalEntries = readU64(view, recordAt + 32, name, "zip64 total entries");
  const cdSize = readU64(view, recordAt + 40, name, "zip64 central directory size");
  const cdOffset = readU64(view, recordAt + 48, name, "zip64 central directory offset");
  if (disk !== 0) multiDisk("disk number", disk);
  if (cdDisk !== 0) multiDisk("central directory disk", cdDisk);
  if (diskEntries !== totalEntries) {
    zipError(name, `expected the zip64 entries on this disk (${diskEntries}) to equal the total entries, got ${totalEntries}`);
  }
  // Fields of the classic record must be the 0xFFFF... marker or agree with the zip64 record.
  const agree = (what: string, classic: number, marker: number, zip64: number) => {
    if (classic !== marker && classic !== zip64) {
      zipError(name, `expected the end record's ${what} (${classic}) to match the zip64 record's, got ${zip64}`);
    }
  };
  agree("disk number", end.disk, U16_MAX, disk);
  agree("central directory disk", end.cdDisk, U16_MAX, cdDisk);
  agree("entry count", end.totalEntries, U16_MAX, totalEntries);
  agree("entries on this disk", end.diskEntries, U16_MAX, diskEntries);
  agree("central directory size", end.cdSize, U32_MAX, cdSize);
  agree("central directory offset", end.cdOffset, U32_MAX, cdOffset);
  return { entries: totalEntries, cdOffset, cdSize, cdEnd: recordAt, zip64: true };
}

function readCentralDirectory(bytes: Uint8Array, view: DataView, dir: Directory, name: string): ZipEntry[] {
  const { entries: count, cdOffset, cdSize, cdEnd } = dir;
  if (cdOffset + cdSize !== cdEnd) {
    zipError(
      name,
      `expected the central directory (offset ${cdOffset}, ${cdSize} bytes) to end at byte ${cdEnd}, ` +
        `where the end records start, got an end at byte ${cdOffset + cdSize}`,
    );
  }
  if (count * CENTRAL_SIZE > cdSize) {
    zipError(name, `expected at most ${Math.floor(cdSize / CENTRAL_SIZE)} entries in a central directory of ${cdSize} bytes, got ${count}`);
  }
  if (count > MAX_ZIP_MEMBERS) {
    fail("tooLarge", `${name}: expected at most ${MAX_ZIP_MEMBERS} archive members, got ${count}`, {
      file: name,
      members: count,
    });
  }
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let index = 0; index < count; index++) {
    const where = `central directory entry ${index} (byte ${at})`;
    if (at + CENTRAL_SIZE > cdEnd) {
      zipError(name, `expected ${CENTRAL_SIZE} bytes for ${where} inside the central directory, got ${cdEnd - at}`);
    }
    const signature = view.getUint32(at, true);
    if (signature !== SIG_CENTRAL) zipError(name, `expected the signature PK\\1\\2 at ${where}, got ${hex32(signature)}`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let diskStart = view.getUint16(at + 34, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > cdEnd) {
      zipError(
        name,
        `expected ${where}'s name, extra field and comment (${nameLength} + ${extraLength} + ${commentLength} bytes) ` +
          `to end inside the central directory (byte ${cdEnd}), got an end at byte ${next}`,
      );
    }
    const nameBytes = bytes.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength);
    const memberName = decodeName(nameBytes, flags, name, where);
    const member = `member '${memberName}'`;
    // zip64 extra field: the 8-byte values of the fields marked 0xFFFFFFFF, in this order.
    const extra = bytes.subarray(at + CENTRAL_SIZE + nameLength, at + CENTRAL_SIZE + nameLength + extraLength);
    const needed = [uncompressedSize === U32_MAX, compressedSize === U32_MAX, localHeaderOffset === U32_MAX];
    const needsDisk = diskStart === U16_MAX;
    if (needed.some(Boolean) || needsDisk) {
      const zip64 = findExtraField(extra, ZIP64_EXTRA_ID, name, member);
      const want = needed.filter(Boolean).length * 8 + (needsDisk ? 4 : 0);
      if (zip64 === undefined || zip64.length < want) {
        zipError(
          name,
          `expected a zip64 extra field of at least ${want} bytes for ${member} (its sizes or offset are 0xFFFFFFFF), ` +
            `got ${zip64 === undefined ? "none" : `${zip64.length} bytes`}`,
        );
      }
      const zview = new DataView(zip64.buffer, zip64.byteOffset, zip64.byteLength);
      let z = 0;
      const next64 = (what: string) => {
        const value = readU64(zview, z, name, `${member}'s zip64 ${what}`);
        z += 8;
        return value;
      };
      if (needed[0]) uncompressedSize = next64("uncompressed size");
      if (needed[1]) compressedSize = next64("compressed size");
      if (needed[2]) localHeaderOffset = next64("local header offset");
      if (needsDisk) diskStart = zview.getUint32(z, true);
    } else {
      findExtraField(extra, ZIP64_EXTRA_ID, name, member); // validates the extra field's structure
    }
    if (diskStart !== 0) {
      zipError(name, `expected ${member} on disk 0, got disk ${diskStart} (multi-disk archives are not supported)`);
    }
    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_DIRECTORY)) {
      zipError(name, `expected ${member} to be unencrypted, got encryption flags ${hex16(flags)} (encrypted archives are not supported)`);
    }
    checkMethod(method, name, member);
    checkSizes(method, compressedSize, uncompressedSize, bytes.length, name, member);
    entries.push({
      name: memberName,
      method,
      flags,
      crc32: crc,
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
      dataOffset: -1, // set by readLocalHeader
    });
    at = next;
  }
  if (at !== cdEnd) {
    zipError(name, `expected ${count} central directory entries to fill the directory's ${cdSize} bytes, got ${cdEnd - at} bytes left over`);
  }
  return entries;
}

function checkMethod(method: number, name: string, member: string): void {
  if (method === 0 || method === 8) return;
  const known = METHOD_NAMES[method];
  zipError(
    name,
    `expected compression method 0 (stored) or 8 (deflate) for ${member}, got ${method}` +
      `${known ? ` (${known})` : ""}, which is not supported`,
  );
}

/** Sizes against the archive's length and deflate's maximum ratio, before anything is allocated. */
function checkSizes(
  method: number,
  compressedSize: number,
  uncompressedSize: number,
  archiveLength: number,
  name: string,
  member: string,
): void {
  if (compressedSize > archiveLength) {
    zipError(name, `expected ${member}'s compressed size to fit in the archive (${archiveLength} bytes), got ${compressedSize}`);
  }
  if (method === 0 && compressedSize !== uncompressedSize) {
    zipError(
      name,
      `expected the stored ${member}'s compressed and uncompressed sizes to be equal, got ${compressedSize} and ${uncompressedSize}`,
    );
  }
  if (method === 8 && uncompressedSize > MAX_DEFLATE_RATIO * compressedSize + MAX_DEFLATE_RATIO) {
    zipError(
      name,
      `expected ${member}'s uncompressed size to be at most ${MAX_DEFLATE_RATIO} x its compressed size ` +
        `(${compressedSize} bytes; deflate cannot expand more), got ${uncompressedSize}`,
    );
  }
  if (uncompressedSize > MAX_MEMBER_BYTES) {
    fail("tooLarge", `${name}: expected members of at most ${MAX_MEMBER_BYTES} bytes, got ${uncompressedSize} for ${member}`, {
      file: name,
      member,
      bytes: uncompressedSize,
    });
  }
}

/**
 * Walks an extra field (blocks of id u16, size u16, data) and returns the data of block `id`.
 * A block running past the field's end is an error; fewer than 4 trailing bytes are padding.
 */
function findExtraField(extra: Uint8Array, id: number, name: string, member: string): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  let at = 0;
  while (at + 4 <= extra.length) {
    const blockId = extra[at]! | (extra[at + 1]! << 8);
    const size = extra[at + 2]! | (extra[at + 3]! << 8);
    if (at + 4 + size > extra.length) {
      zipError(
        name,
        `expected ${member}'s extra block ${hex16(blockId)} (${size} bytes at offset ${at}) to fit in its ` +
          `${extra.length}-byte extra field, got ${at + 4 + size - extra.length} bytes too many`,
      );
    }
    if (blockId === id && found === undefined) found = extra.subarray(at + 4, at + 4 + size);
    at += 4 + size;
  }
  return found;
}

/** Validates the member's local header and sets `entry.dataOffset`. */
function readLocalHeader(bytes: Uint8Array, view: DataView, entry: ZipEntry, name: string): void {
  const at = entry.localHeaderOffset;
  const member = `member '${entry.name}'`;
  if (at + LOCAL_SIZE > bytes.length) {
    zipError(name, `expected ${member}'s local header (${LOCAL_SIZE} bytes) at byte ${at} inside the archive (${bytes.length} bytes), got an offset past the end`);
  }
  const signature = view.getUint32(at, true);
  if (signature !== SIG_LOCAL) zipError(name, `expected the local header signature PK\\3\\4 for ${member} at byte ${at}, got ${hex32(signature)}`);
  const flags = view.getUint16(at + 6, true);
  const method = view.getUint16(at + 8, true);
  const nameLength = view.getUint16(at + 26, true);
  const extraLength = view.getUint16(at + 28, true);
  const dataOffset = at + LOCAL_SIZE + nameLength + extraLength;
  if (dataOffset + entry.compressedSize > bytes.length) {
    zipError(
      name,
      `expected ${member}'s data (${entry.compressedSize} bytes from byte ${dataOffset}) inside the archive ` +
        `(${bytes.length} bytes), got an end at byte ${dataOffset + entry.compressedSize}`,
    );
  }
  const localName = bytes.subarray(at + LOCAL_SIZE, at + LOCAL_SIZE + nameLength);
  // Decoded as the central directory says (as Python does); both decodings are one-to-one.
  const localText = decodeName(localName, entry.flags, name, `${member}'s local header`);
  if (localText !== entry.name) {
    zipError(name, `expected the local header at byte ${at} to name ${member}, got '${localText}'`);
  }
  if (method !== entry.method) {
    zipError(name, `expected ${member}'s local header to give method ${entry.method} like the central directory, got ${method}`);
  }
  if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
    zipError(name, `expected ${member} to be unencrypted, got local encryption flags ${hex16(flags)}`);
  }
  entry.dataOffset = dataOffset;
}

/** Members may be listed in any order but must not overlap each other or the central directory. */
function checkLayout(entries: ZipEntry[], cdOffset: number, name: string): void {
  const spans = entries
    .map((e) => ({ name: e.name, start: e.localHeaderOffset, end: e.dataOffset + e.compressedSize }))
    .sort((a, b) => a.start - b.start);
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const next = spans[i + 1];
    const limit = next ? next.start : cdOffset;
    if (span.end > limit) {
      const what = next ? `member '${next.name}' (local header at byte ${next.start})` : `the central directory (byte ${cdOffset})`;
      zipError(
        name,
        `expected member '${span.name}' (bytes ${span.start} to ${span.end}) to end before ${what}, got an overlap of ${span.end - limit} bytes`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading: member data

/** The member's uncompressed bytes, verified (size and CRC-32); synchronous inflate (Node). */
export function extractSync(bytes: Uint8Array, entry: ZipEntry, name = "input"): Uint8Array {
  const raw = memberData(bytes, entry);
  const data = entry.method === 0 ? raw : inflateRawSync(raw, entry.uncompressedSize, memberLabel(name, entry));
  return verify(data, entry, name);
}

/** The member's uncompressed bytes, verified; inflates with DecompressionStream (browsers, Node). */
export async function extract(bytes: Uint8Array, entry: ZipEntry, name = "input"): Promise<Uint8Array> {
  const raw = memberData(bytes, entry);
  const data = entry.method === 0 ? raw : await inflateRaw(raw, entry.uncompressedSize, memberLabel(name, entry));
  return verify(data, entry, name);
}

function memberData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  if (entry.dataOffset < 0) throw new Error("zip: entry did not come from readZip");
  return bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
}

function memberLabel(name: string, entry: ZipEntry): string {
  return `${name}:${entry.name}`;
}

function verify(data: Uint8Array, entry: ZipEntry, name: string): Uint8Array {
  const label = memberLabel(name, entry);
  if (data.length !== entry.uncompressedSize) {
    fail("badZip", `${label}: expected ${entry.uncompressedSize} bytes (the central directory's size), got ${data.length}`, {
      file: name,
      member: entry.name,
    });
  }
  const crc = crc32(data);
  if (crc !== entry.crc32) {
    fail("badZip", `${label}: expected CRC-32 ${hex32(entry.crc32)}, got ${hex32(crc)} (corrupted data)`, {
      file: name,
      member: entry.name,
    });
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Inflate

type NodeInflateRawSync = (data: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;
let nodeInflate: NodeInflateRawSync | null | undefined;

/** Node's zlib.inflateRawSync, if this environment has it. */
function nodeInflateRawSync(): NodeInflateRawSync | null {
  if (nodeInflate === undefined) {
    nodeInflate = null;
    try {
      const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
      const zlib = proc?.getBuiltinModule?.("node:zlib") as { inflateRawSync?: NodeInflateRawSync } | undefined;
      if (typeof zlib?.inflateRawSync === "function") nodeInflate = zlib.inflateRawSync;
    } catch {
      nodeInflate = null;
    }
  }
  return nodeInflate;
}

/** Whether inflateRawSync works here (Node >= 20.16 with zlib; not in browsers). */
export function hasInflateRawSync(): boolean {
  return nodeInflateRawSync() !== null;
}

/**
 * Inflates a raw deflate stream that must produce exactly `expectedSize` bytes, synchronously
 * (node:zlib). The output is capped just above `expectedSize` while inflating, so a stream that
 * expands further is stopped (badZip) before it can exhaust memory. Throws badZip without a
 * synchronous inflate (browsers).
 */
export function inflateRawSync(data: Uint8Array, expectedSize: number, name = "input"): Uint8Array {
  checkExpectedSize(data, expectedSize, name);
  const inflate = nodeInflateRawSync();
  if (!inflate) {
    fail("badZip", `${name}: expected a synchronous inflate (node:zlib) for this deflated member, got none in this environment (use the async reader)`, {
      file: name,
    });
  }
  let out: Uint8Array;
  try {
    out = inflate(data, { maxOutputLength: expectedSize + 1 });
  } catch (error) {
    return inflateFailure(error, expectedSize, name);
  }
  checkInflatedSize(out.length, expectedSize, name);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Inflates a raw deflate stream with `DecompressionStream("deflate-raw")` (browsers, Node >= 18),
 * reading the output as it is produced and cancelling as soon as it passes `expectedSize`.
 */
export async function inflateRaw(data: Uint8Array, expectedSize: number, name = "input"): Promise<Uint8Array> {
  checkExpectedSize(data, expectedSize, name);
  if (typeof DecompressionStream !== "function") {
    fail("badZip", `${name}: expected DecompressionStream for this deflated member, got none in this environment`, { file: name });
  }
  const stream = new DecompressionStream("deflate-raw");
  const writer = stream.writable.getWriter();
  // Errors of the writing side also surface on the reading side, which reports them.
  const writing = writer
    .write(data as Uint8Array<ArrayBuffer>)
    .then(() => writer.close())
    .catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > expectedSize) {
        await reader.cancel().catch(() => undefined);
        checkInflatedSize(total, expectedSize, name);
      }
      chunks.push(value);
    }
  } catch (error) {
    await writing;
    return inflateFailure(error, expectedSize, name);
  }
  await writing;
  checkInflatedSize(total, expectedSize, name);
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function checkExpectedSize(data: Uint8Array, expectedSize: number, name: string): void {
  if (!Number.isSafeInteger(expectedSize) || expectedSize < 0) {
    fail("badZip", `${name}: expected a non-negative integer uncompressed size, got ${expectedSize}`, { file: name });
  }
  if (expectedSize > MAX_MEMBER_BYTES) {
    fail("tooLarge", `${name}: expected at most ${MAX_MEMBER_BYTES} uncompressed bytes, got ${expectedSize}`, { file: name });
  }
  if (expectedSize > MAX_DEFLATE_RATIO * data.length + MAX_DEFLATE_RATIO) {
    fail("badZip", `${name}: expected at most ${MAX_DEFLATE_RATIO} x ${data.length} bytes from deflate, got a declared size of ${expectedSize}`, {
      file: name,
    });
  }
}

function checkInflatedSize(got: number, expectedSize: number, name: string): void {
  if (got > expectedSize) {
    fail("badZip", `${name}: expected ${expectedSize} bytes after inflating (the central directory's size), got more`, {
      file: name,
    });
  }
  if (got < expectedSize) {
    fail("badZip", `${name}: expected ${expectedSize} bytes after inflating (the central directory's size), got ${got}`, {
      file: name,
    });
  }
}

function inflateFailure(error: unknown, expectedSize: number, name: string): never {
  if (error instanceof RepmatchError) throw error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ERR_BUFFER_TOO_LARGE") checkInflatedSize(expectedSize + 1, expectedSize, name);
  const message = error instanceof Error ? error.message : String(error);
  return fail("badZip", `${name}: expected a valid deflate stream, got an inflate error: ${message}`, { file: name });
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Writes a zip archive of `members`, in order: stored (method 0) unless `options.deflate` is
 * given, DOS time 1980-01-01 00:00 (as numpy writes), UTF-8 names flagged (bit 11) when not ASCII.
 * zip64 structures only when needed (65535 members or more) or asked for; members or archives
 * of 4 GiB or more are refused (tooLarge).
 */
export function writeZip(members: readonly ZipWriteMember[], options: ZipWriteOptions = {}): Uint8Array<ArrayBuffer> {
  const forceZip64 = options.zip64 ?? false;
  if (members.length > MAX_ZIP_MEMBERS) {
    fail("tooLarge", `writeZip: expected at most ${MAX_ZIP_MEMBERS} members, got ${members.length}`, { members: members.length });
  }
  const encoder = new TextEncoder();
  const comment = typeof options.comment === "string" ? encoder.encode(options.comment) : (options.comment ?? new Uint8Array(0));
  if (comment.length > MAX_COMMENT) {
    fail("badOption", `writeZip: expected a comment of at most ${MAX_COMMENT} bytes, got ${comment.length}`);
  }
  for (let i = 0; i + 4 <= comment.length; i++) {
    // Python's zipfile (hence np.load) takes the last PK\5\6 for the end record: it must not see one.
    if (comment[i] === 0x50 && comment[i + 1] === 0x4b && comment[i + 2] === 5 && comment[i + 3] === 6) {
      fail("badOption", `writeZip: expected a comment without the end-record signature PK\\5\\6 (np.load would misread it), got one at byte ${i}`);
    }
  }
  const seen = new Set<string>();
  const prepared = members.map((member, index) => {
    if (typeof member.name !== "string") fail("badInput", `writeZip: expected member ${index}'s name to be a string, got ${typeof member.name}`);
    if (seen.has(member.name)) fail("badInput", `writeZip: expected unique member names, got '${member.name}' twice`);
    seen.add(member.name);
    const nameBytes = encoder.encode(member.name);
    if (nameBytes.length > U16_MAX) {
      fail("badInput", `writeZip: expected member names of at most ${U16_MAX} bytes, got ${nameBytes.length} for member ${index}`);
    }
    if (member.data.length >= U32_MAX) {
      fail("tooLarge", `writeZip: expected members smaller than 4 GiB, got ${member.data.length} bytes for '${member.name}'`);
    }
    let method = 0;
    let payload = member.data;
    if (options.deflate) {
      const deflated = options.deflate(member.data);
      if (deflated.length < member.data.length) {
        method = 8;
        payload = deflated;
      }
    }
    const utf8 = /[^\x20-\x7e]/.test(member.name);
    return { nameBytes, utf8, method, payload, size: member.data.length, crc: crc32(member.data) };
  });
  const zip64Extra = (values: number[]) => 4 + 8 * values.length;
  const localLength = (p: (typeof prepared)[number]) => LOCAL_SIZE + p.nameBytes.length + (forceZip64 ? zip64Extra([0, 0]) : 0);
  const centralLength = (p: (typeof prepared)[number]) =>
    CENTRAL_SIZE + p.nameBytes.length + (forceZip64 ? zip64Extra([0, 0, 0]) : 0);
  let cdOffset = 0;
  for (const p of prepared) cdOffset += localLength(p) + p.payload.length;
  let cdSize = 0;
  for (const p of prepared) cdSize += centralLength(p);
  const zip64 = forceZip64 || prepared.length >= U16_MAX;
  const total = cdOffset + cdSize + (zip64 ? ZIP64_EOCD_SIZE + ZIP64_LOCATOR_SIZE : 0) + EOCD_SIZE + comment.length;
  if (total >= U32_MAX) fail("tooLarge", `writeZip: expected an archive smaller than 4 GiB, got ${total} bytes`, { bytes: total });

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const versionNeeded = forceZip64 ? 45 : 20;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  let at = 0;
  const offsets: number[] = [];
  for (const p of prepared) {
    offsets.push(at);
    const flags = p.utf8 ? FLAG_UTF8 : 0;
    view.setUint32(at, SIG_LOCAL, true);
    view.setUint16(at + 4, versionNeeded, true);
    view.setUint16(at + 6, flags, true);
    view.setUint16(at + 8, p.method, true);
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, DOS_DATE, true);
    view.setUint32(at + 14, p.crc, true);
    view.setUint32(at + 18, forceZip64 ? U32_MAX : p.payload.length, true);
    view.setUint32(at + 22, forceZip64 ? U32_MAX : p.size, true);
    view.setUint16(at + 26, p.nameBytes.length, true);
    view.setUint16(at + 28, forceZip64 ? zip64Extra([0, 0]) : 0, true);
    out.set(p.nameBytes, at + LOCAL_SIZE);
    at += LOCAL_SIZE + p.nameBytes.length;
    if (forceZip64) {
      view.setUint16(at, ZIP64_EXTRA_ID, true);
      view.setUint16(at + 2, 16, true);
      view.setBigUint64(at + 4, BigInt(p.size), true);
      view.setBigUint64(at + 12, BigInt(p.payload.length), true);
      at += zip64Extra([0, 0]);
    }
    out.set(p.payload, at);
    at += p.payload.length;
  }
  for (const [i, p] of prepared.entries()) {
    const flags = p.utf8 ? FLAG_UTF8 : 0;
    view.setUint32(at, SIG_CENTRAL, true);
    view.setUint16(at + 4, (3 << 8) | versionNeeded, true); // made by: Unix
    view.setUint16(at + 6, versionNeeded, true);
    view.setUint16(at + 8, flags, true);
    view.setUint16(at + 10, p.method, true);
    view.setUint16(at + 12, 0, true);
    view.setUint16(at + 14, DOS_DATE, true);
    view.setUint32(at + 16, p.crc, true);
    view.setUint32(at + 20, forceZip64 ? U32_MAX : p.payload.length, true);
    view.setUint32(at + 24, forceZip64 ? U32_MAX : p.size, true);
    view.setUint16(at + 28, p.nameBytes.length, true);
    view.setUint16(at + 30, forceZip64 ? zip64Extra([0, 0, 0]) : 0, true);
    view.setUint16(at + 32, 0, true); // comment length
    view.setUint16(at + 34, 0, true); // disk
    view.setUint16(at + 36, 0, true); // internal attributes
    view.setUint32(at + 38, (0o100644 << 16) >>> 0, true); // regular file, rw-r--r--
    view.setUint32(at + 42, forceZip64 ? U32_MAX : offsets[i]!, true);
    out.set(p.nameBytes, at + CENTRAL_SIZE);
    at += CENTRAL_SIZE + p.nameBytes.length;
    if (forceZip64) {
      view.setUint16(at, ZIP64_EXTRA_ID, true);
      view.setUint16(at + 2, 24, true);
      view.setBigUint64(at + 4, BigInt(p.size), true);
      view.setBigUint64(at + 12, BigInt(p.payload.length), true);
      view.setBigUint64(at + 20, BigInt(offsets[i]!), true);
      at += zip64Extra([0, 0, 0]);
    }
  }
  const count = prepared.length;
  if (zip64) {
    const recordAt = at;
    view.setUint32(at, SIG_ZIP64_EOCD, true);
    view.setBigUint64(at + 4, BigInt(ZIP64_EOCD_SIZE - 12), true);
    view.setUint16(at + 12, (3 << 8) | 45, true);
    view.setUint16(at + 14, 45, true);
    view.setUint32(at + 16, 0, true);
    view.setUint32(at + 20, 0, true);
    view.setBigUint64(at + 24, BigInt(count), true);
    view.setBigUint64(at + 32, BigInt(count), true);
    view.setBigUint64(at + 40, BigInt(cdSize), true);
    view.setBigUint64(at + 48, BigInt(cdOffset), true);
    at += ZIP64_EOCD_SIZE;
    view.setUint32(at, SIG_ZIP64_LOCATOR, true);
    view.setUint32(at + 4, 0, true);
    view.setBigUint64(at + 8, BigInt(recordAt), true);
    view.setUint32(at + 16, 1, true);
    at += ZIP64_LOCATOR_SIZE;
  }
  view.setUint32(at, SIG_EOCD, true);
  view.setUint16(at + 4, 0, true);
  view.setUint16(at + 6, 0, true);
  view.setUint16(at + 8, zip64 ? U16_MAX : count, true);
  view.setUint16(at + 10, zip64 ? U16_MAX : count, true);
  view.setUint32(at + 12, forceZip64 ? U32_MAX : cdSize, true);
  view.setUint32(at + 16, forceZip64 ? U32_MAX : cdOffset, true);
  view.setUint16(at + 20, comment.length, true);
  out.set(comment, at + EOCD_SIZE);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Code page 437, bytes 0x80-0xFF (what Python's zipfile uses for names without the UTF-8 flag). */
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
  "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

function decodeName(raw: Uint8Array, flags: number, name: string, where: string): string {
  if (flags & FLAG_UTF8) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      return zipError(name, `expected a UTF-8 name for ${where} (flag bit 11 is set), got invalid UTF-8`);
    }
  }
  let text = "";
  for (const b of raw) text += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!;
  return text;
}

/** An unsigned 64-bit little-endian field that must be an exact number. */
function readU64(view: DataView, at: number, name: string, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) zipError(name, `expected the ${what} to be at most 2^53 - 1, got ${value}`);
  return Number(value);
}

function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, "0")}`;
}

function zipError(name: string, message: string): never {
  return fail("badZip", `${name}: ${message}`, { file: name });
}
