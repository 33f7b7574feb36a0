// Shared test helpers: locating ../shared/fixtures, loading a case, the fixtures' tolerance rule.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readNpy } from "../src/io/npy.js";
import type { MatrixInput } from "../src/matrix.js";
import { gaussian } from "../src/random.js";

export const FIXTURES = fileURLToPath(new URL("../../shared/fixtures/", import.meta.url));

export const PAIR_CASES = [
  "planted-exact",
  "planted-noisy",
  "dead-and-duplicate",
  "relu-random-mlp",
  "digits-real-fc1",
  "digits-real-fc2",
  "few-samples",
  "layout-variants",
] as const;

export interface Tolerance {
  abs: number;
  rel: number;
}

export function loadNpy(path: string): MatrixInput {
  const arr = readNpy(new Uint8Array(readFileSync(path)), path);
  return { data: arr.data, shape: arr.shape };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadCase(name: string): { a: MatrixInput; b: MatrixInput; expected: any } {
  const dir = `${FIXTURES}${name}/`;
  return {
    a: loadNpy(`${dir}a.npy`),
    b: loadNpy(`${dir}b.npy`),
    expected: JSON.parse(readFileSync(`${dir}expected.json`, "utf8")),
  };
}

/** The fixtures' rule: |got - want| <= abs + rel * |want|; a null `want` is never compared. */
export function within(got: number | null | undefined, want: number | null, tol: Tolerance): boolean {
  if (want === null) return true;
  if (typeof got !== "number") return false;
  return Math.abs(got - want) <= tol.abs + tol.rel * Math.abs(want);
}

/** d x n row-major Gaussian matrix. */
export function randn(d: number, n: number, seed: number): MatrixInput {
  const g = gaussian(seed);
  return { data: Float64Array.from({ length: d * n }, g), shape: [d, n] };
}
