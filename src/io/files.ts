/**
 * Node-only file access for the CLI: read a .npy file into an activation matrix (or a 4-D conv
 * activation), or every array of an .npz archive, with errors that name the file.
 */
import { readFileSync } from "node:fs";
import { RepmatchError } from "../errors.js";
import { readNpy, type NpyArray } from "./npy.js";
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
