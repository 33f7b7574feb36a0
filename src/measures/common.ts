/**
 * Shared pieces of the representational-similarity measures (src/measures/*.ts): the per-call
 * report (warnings and the reasons for NaN values), the arccos convention of every angular
 * distance, numpy's median, and small helpers on column-major arrays (sub-blocks, row and column
 * scalings, column selections) for the few O(size) reshuffles done outside the Linalg interface.
 */
import type { Warning, WarningCode } from "../warnings.js";

/** float64 machine epsilon, 2^-52 */
export const EPS = 2 ** -52;

/**
 * Cosines within this of 1 are treated as exactly 1 by every angular distance (so d(X, X) = 0).
 * arccos(1 - delta) ~ sqrt(2 delta): a cosine carrying a rounding error of a few hundred ulps (the
 * nuclear norm of a p x q matrix by Jacobi sums p rounded singular values) would otherwise report
 * a distance of ~1e-7 between identical inputs. Distances below sqrt(2 * 2^-38) ~ 2.4e-6 rad are
 * below what a float64 cosine resolves and are reported as 0.
 */
export const COSINE_SNAP = 2 ** -38;

/** Tangent vectors shorter than this make an angle undefined (fixtures/README.md, path case). */
export const TANGENT_FLOOR = 1e-12;

/**
 * Warnings and the reasons for NaN / null values of one call; notes are keyed by the result's field
 * path (as in the fixtures' `notes`). NaN values also get one `undefinedValue` warning that lists
 * them (finish()); nulls that are null by definition (path endpoints) get a note only.
 */
export class Report {
  readonly warnings: Warning[] = [];
  readonly notes: Record<string, string> = {};
  private readonly nan: string[] = [];

  warn(code: WarningCode, message: string): void {
    if (!this.warnings.some((w) => w.code === code && w.message === message)) this.warnings.push({ code, message });
  }

  /** Records why `path` is NaN and returns NaN. */
  undefinedValue(path: string, reason: string): number {
    this.notes[path] = reason;
    if (!this.nan.includes(path)) this.nan.push(path);
    return NaN;
  }

  /** Adds the one warning about NaN values (if any) and returns the warnings. */
  finish(): Warning[] {
    if (this.nan.length > 0) {
      const what = this.nan.length === 1 ? `${this.nan[0]} is undefined (NaN): ${this.notes[this.nan[0] as string]}` : `${this.nan.length} values are undefined (NaN): ${this.nan.join(", ")}; see notes for why`;
      this.warn("undefinedValue", what);
      this.nan.length = 0;
    }
    return this.warnings;
  }
}

/** The cosine used by every angular distance: clipped to [-1, 1], snapped to 1 within COSINE_SNAP. */
export function snapCosine(c: number): number {
  if (c >= 1 - COSINE_SNAP) return 1;
  return c < -1 ? -1 : c;
}

/** arccos of a cosine under the snapping convention above (0 exactly for identical inputs). */
export function angleOf(c: number): number {
  return Math.acos(snapCosine(c));
}

export function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Euclidean norm of a vector, scaled against overflow and underflow. */
export function norm2(x: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i] as number));
  if (scale === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = (x[i] as number) / scale;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

export function sum(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] as number;
  return s;
}

export function dotArrays(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** The leading rows x cols block of a column-major array with `ld` rows. */
export function leadingBlock(A: Float64Array, ld: number, rows: number, cols: number): Float64Array {
  const B = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) B.set(A.subarray(j * ld, j * ld + rows), j * rows);
  return B;
}

/** diag(r) A diag(c) for a column-major rows x cols array (new array). */
export function scaleRowsCols(A: Float64Array, rows: number, cols: number, r: ArrayLike<number>, c: ArrayLike<number>): Float64Array {
  const B = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const cj = c[j] as number;
    for (let i = 0; i < rows; i++) B[j * rows + i] = (r[i] as number) * (A[j * rows + i] as number) * cj;
  }
  return B;
}

/** The columns `keep` (ascending indices) of a column-major array with `ld` rows. */
export function selectColumns(A: Float64Array, ld: number, keep: readonly number[]): Float64Array {
  const B = new Float64Array(ld * keep.length);
  keep.forEach((j, c) => B.set(A.subarray(j * ld, j * ld + ld), c * ld));
  return B;
}

