/**
 * Node-only file access for the CLI: read a .npy file into an activation matrix (or a 4-D conv
 * activation), with errors that name the file.
 */
import { readFileSync } from "node:fs";
import { RepmatchError } from "../errors.js";
import { readNpy, type NpyArray } from "./npy.js";

export interface LoadedArray extends NpyArray {
  file: string;
}

export function readNpyFile(path: string): LoadedArray {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    const what = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : code;
    throw new RepmatchError("fileNotFound", `${path}: expected a readable .npy file, got ${what}`);
  }
  return { ...readNpy(bytes, path), file: path };
}
