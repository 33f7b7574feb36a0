/**
 * Node-only file access for the CLI: read a .npy file into an activation matrix (or a 4-D conv
 * activation), or every array of an .npz archive, with errors that name the file.
 */
import { readFileSync } from "node:fs";
import { RepmatchError } from "../errors.js";
import { npyChunkDecoder, readNpy, type NpyArray } from "./npy.js";
import { readNpzSync } from "./npz.js";

export interface LoadedArray extends NpyArray {
  file: string;
}

/** The file's bytes, or a fileNotFound error naming it ("expected a readable .npy file, got ..."). */
function readBytes(path: string, kind: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    const what = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : code;
    throw new RepmatchError("fileNotFound", `${path}: expected a readable ${kind} file, got ${what}`);
  }
}

export function readNpyFile(path: string): LoadedArray {
  return { ...readNpy(readBytes(path, ".npy"), path), file: path };
}

export interface LoadedNpzMember {
  /** The member's name without ".npy" (the np.savez keyword). */
  name: string;
  /** The array; its `file` is "archive.npz:member.npy". */
  array: LoadedArray;
}

/**
 * Reads an .npz archive (np.savez or np.savez_compressed) synchronously, every member validated;
 * errors name the archive and the member ("acts.npz:fc1.npy: expected ..., got ...").
 */
export function readNpzFile(path: string): LoadedNpzMember[] {
  return readNpzSync(readBytes(path, ".npz"), path).map(({ name, array }) => ({ name, array: { ...array, file: `${path}:${name}.npy` } }));
}

/** One block of consecutive rows (first-axis entries) of a C-order .npy file. */
export interface NpyRowBlock {
  /** the block's elements, C order, shape [rows, ...shape.slice(1)] */
  data: Float64Array;
  shape: number[];
  /** index of the block's first row in the file */
  start: number;
}

/** A .npy file opened for reading in blocks of rows: its header, and the blocks in order. */
export interface NpyRowReader {
  file: string;
  shape: number[];
  dtype: string;
  /** consecutive blocks of at most `rows` rows each (the last may be shorter) */
  blocks(rows: number): AsyncGenerator<NpyRowBlock>;
}

/**
 * Opens a .npy file for streaming: only the header is read now; `blocks` then reads the data
 * section in pieces, so files far larger than memory can be compared (engine.streamCurve,
 * engine.streamConvSimilarity). The file must be in C order (rows contiguous): a Fortran-order
 * file is refused with a badInput error saying how to rewrite it. A file whose size does not
 * match its header is refused before anything is streamed (truncated / sizeMismatch).
 */
export async function openNpyRows(path: string): Promise<NpyRowReader> {
  const { open } = await import("node:fs/promises");
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new RepmatchError("fileNotFound", `${path}: expected a readable .npy file, got ${code === "ENOENT" ? "no such file" : code}`);
  }
  try {
    const size = (await fh.stat()).size;
    // the preamble says how long the header is; read exactly that much
    const pre = new Uint8Array(Math.min(size, 12));
    await fh.read(pre, 0, pre.length, 0);
    const major = pre[6] ?? 1;
    const headerEnd = pre.length < 12 ? pre.length : major === 1 ? 10 + (pre[8]! | (pre[9]! << 8)) : 12 + new DataView(pre.buffer).getUint32(8, true);
    const head = new Uint8Array(Math.min(size, headerEnd));
    await fh.read(head, 0, head.length, 0);
    const dec = npyChunkDecoder(head, path);
    const { shape, fortranOrder, dataOffset } = dec.header;
    if (shape.length < 1) throw new RepmatchError("notTwoDimensional", `${path}: expected an array with rows (2-D or 4-D), got a 0-d array`);
    if (fortranOrder && shape.length > 1 && shape.slice(1).some((s) => s > 1)) {
      throw new RepmatchError("badInput", `${path}: expected a C-order .npy file to stream it by rows, got fortran_order True (save np.ascontiguousarray(x) instead)`);
    }
    const rowElems = shape.slice(1).reduce((a, b) => a * b, 1);
    const want = dataOffset + shape[0]! * rowElems * dec.elementBytes;
    if (size !== want) {
      const code = size < want ? "truncated" : "sizeMismatch";
      throw new RepmatchError(code, `${path}: expected ${want - dataOffset} data bytes for shape (${shape.join(", ")}) ${dec.header.dtype}, got ${size - dataOffset}`);
    }
    const rowBytes = rowElems * dec.elementBytes;
    await fh.close();
    return {
      file: path,
      shape,
      dtype: dec.header.dtype,
      async *blocks(rows: number) {
        if (!Number.isSafeInteger(rows) || rows < 1) throw new RepmatchError("badOption", `expected a positive number of rows per block, got ${String(rows)}`);
        const h = await open(path, "r");
        try {
          const buf = new Uint8Array(Math.max(1, Math.min(rows, shape[0]!) * rowBytes));
          for (let start = 0; start < shape[0]!; start += rows) {
            const r = Math.min(rows, shape[0]! - start);
            const bytes = r * rowBytes;
            let got = 0;
            while (got < bytes) {
              const { bytesRead } = await h.read(buf, got, bytes - got, dataOffset + start * rowBytes + got);
              if (bytesRead === 0) throw new RepmatchError("truncated", `${path}: expected ${bytes} more bytes at row ${start}, got end of file`);
              got += bytesRead;
            }
            yield { data: dec.decode(buf.subarray(0, bytes)), shape: [r, ...shape.slice(1)], start };
          }
        } finally {
          await h.close();
        }
      },
    };
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}
