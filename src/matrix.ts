/**
 * Activation matrices: what the public API accepts, and the one validation pass every entry point
 * runs before any numeric work.
 *
 * An activation matrix is samples x neurons (d x n): row i holds every neuron's response to input i,
 * column j is neuron j's activation vector in R^d. Accepted forms:
 *  - `{ data, shape: [d, n] }` with `data` a Float64Array, Float32Array or plain number array in
 *    row-major (C) order, or column-major with `fortranOrder: true` (what `np.save(X.T)` writes);
 *  - nested number arrays `number[][]` (rows of equal length).
 * Validation checks shape, emptiness and finiteness (naming the first bad row/column) without
 * copying; the backend then copies the data once, straight into its own column-major buffer.
 */
import { fail, RepmatchError } from "./errors.js";

export type NumericArray = Float64Array | Float32Array | ArrayLike<number>;

export interface MatrixInput {
  data: NumericArray;
  shape: readonly number[];
  /** true when `data` is column-major (Fortran order). Default false (row-major). */
  fortranOrder?: boolean;
}

export type ActivationsInput = MatrixInput | readonly (readonly number[])[];

/** A validated, not yet copied, d x n matrix. `at(i, j)` addressing is `data[i*rs + j*cs]`. */
export interface MatrixView {
  readonly name: string;
  readonly samples: number;
  readonly neurons: number;
  readonly data: NumericArray;
  /** stride between rows and between columns in `data` */
  readonly rowStride: number;
  readonly colStride: number;
  /** true when the source values are float32 (informational: precision warnings) */
  readonly float32: boolean;
}

/** Largest element count one side may have: the WASM arena must also hold Gram and work space. */
export const MAX_ELEMENTS = 2 ** 28; // 2 GiB of float64

/** An NpyArray's dtype ('<f4', '>f2', ...) tells that widened data came from float32 or float16. */
function isFloat32Dtype(dtype: unknown): boolean {
  return typeof dtype === "string" && /^[<>|=]?f[24]$/.test(dtype);
}

function isMatrixInput(x: unknown): x is MatrixInput {
  return typeof x === "object" && x !== null && "data" in x && "shape" in x;
}

/** A short description of a value for error messages ("null", "an array of length 3", "Int32Array"). */
export function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  return typeof x;
}

function formatShape(shape: readonly number[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

/** Validates one activation matrix (2-D) without copying it. */
export function viewMatrix(input: ActivationsInput, name = "input"): MatrixView {
  if (Array.isArray(input)) return viewNested(input as readonly (readonly number[])[], name);
  if (!isMatrixInput(input)) {
    fail("badInput", `${name}: expected {data, shape} or a nested number array (samples x neurons), got ${describe(input)}`);
  }
  const { data, shape } = input;
  if (!Array.isArray(shape) && !(shape as unknown as ArrayLike<number>)?.length) {
    fail("badShape", `${name}: expected shape [samples, neurons], got ${describe(shape)}`);
  }
  const dims = Array.from(shape);
  if (dims.length !== 2) {
    fail("notTwoDimensional", `${name}: expected a 2-D array (samples x neurons), got shape ${formatShape(dims)}`);
  }
  for (const s of dims) {
    if (!Number.isSafeInteger(s) || s < 0) fail("badShape", `${name}: expected non-negative integer dimensions, got shape ${formatShape(dims)}`);
  }
  const [d, n] = dims as [number, number];
  if (d === 0 || n === 0) {
    fail("empty", `${name}: expected at least one sample and one neuron, got shape ${formatShape(dims)}`);
  }
  if (!(ArrayBuffer.isView(data) || Array.isArray(data)) || typeof (data as ArrayLike<number>).length !== "number") {
    fail("badInput", `${name}: expected data to be a Float64Array, Float32Array or number array, got ${describe(data)}`);
  }
  if (ArrayBuffer.isView(data) && !(data instanceof Float64Array || data instanceof Float32Array)) {
    fail("badInput", `${name}: expected data to be a Float64Array or Float32Array, got ${describe(data)} (convert integer data to float first)`);
  }
  if (d * n > MAX_ELEMENTS) {
    fail("tooLarge", `${name}: expected at most ${MAX_ELEMENTS} values per matrix, got ${d} x ${n} = ${d * n}`);
  }
  if (data.length !== d * n) {
    fail("badShape", `${name}: expected ${d * n} values for shape (${d}, ${n}), got ${data.length}`);
  }
  const fortran = input.fortranOrder === true;
  const view: MatrixView = {
    name,
    samples: d,
    neurons: n,
    data,
    rowStride: fortran ? 1 : n,
    colStride: fortran ? d : 1,
    float32: data instanceof Float32Array || isFloat32Dtype((input as { dtype?: unknown }).dtype),
  };
  if (!ArrayBuffer.isView(data)) checkNumbers(view);
  checkFinite(view);
  return view;
}

function viewNested(rows: readonly (readonly number[])[], name: string): MatrixView {
  const d = rows.length;
  if (d === 0) fail("empty", `${name}: expected at least one sample, got an empty array`);
  const first = rows[0];
  if (!Array.isArray(first)) {
    fail("notTwoDimensional", `${name}: expected a nested array of rows (samples x neurons), got rows of ${describe(first)}`);
  }
  const n = first.length;
  if (n === 0) fail("empty", `${name}: expected at least one neuron, got rows of length 0`);
  if (d * n > MAX_ELEMENTS) fail("tooLarge", `${name}: expected at most ${MAX_ELEMENTS} values per matrix, got ${d} x ${n}`);
  const data = new Float64Array(d * n);
  for (let i = 0; i < d; i++) {
    const row = rows[i];
    if (!Array.isArray(row) || row.length !== n) {
      fail("badShape", `${name}: expected every row to have ${n} values, got ${Array.isArray(row) ? row.length : describe(row)} in row ${i}`);
    }
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (typeof v !== "number") fail("badInput", `${name}: expected numbers, got ${describe(v)} at row ${i}, column ${j}`);
      data[i * n + j] = v;
    }
  }
  const view: MatrixView = { name, samples: d, neurons: n, data, rowStride: n, colStride: 1, float32: false };
  checkFinite(view);
  return view;
}

/**
 * Plain arrays only: every element must be a number. Without this, strings, null or booleans would
 * pass the finiteness check ("1" * 0 === 0) and be coerced silently by the backend's copy.
 */
function checkNumbers(m: MatrixView): void {
  const data = m.data as ArrayLike<unknown>;
  const len = m.samples * m.neurons;
  let k = 0;
  while (k < len && typeof data[k] === "number") k++;
  if (k === len) return;
  for (let i = 0; i < m.samples; i++) {
    for (let j = 0; j < m.neurons; j++) {
      const v = data[i * m.rowStride + j * m.colStride];
      if (typeof v !== "number") fail("badInput", `${m.name}: expected numbers, got ${describe(v)} at row ${i}, column ${j}`);
    }
  }
}

// Four independent sums keep each loop from waiting on one addition chain.
function allFinite64(a: Float64Array, len: number): boolean {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  const len4 = len - (len % 4);
  for (let k = 0; k < len4; k += 4) {
    a0 += a[k]! * 0;
    a1 += a[k + 1]! * 0;
    a2 += a[k + 2]! * 0;
    a3 += a[k + 3]! * 0;
  }
  for (let k = len4; k < len; k++) a0 += a[k]! * 0;
  return a0 + a1 + a2 + a3 === 0;
}

function allFinite32(a: Float32Array, len: number): boolean {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  const len4 = len - (len % 4);
  for (let k = 0; k < len4; k += 4) {
    a0 += a[k]! * 0;
    a1 += a[k + 1]! * 0;
    a2 += a[k + 2]! * 0;
    a3 += a[k + 3]! * 0;
  }
  for (let k = len4; k < len; k++) a0 += a[k]! * 0;
  return a0 + a1 + a2 + a3 === 0;
}

function allFiniteArray(a: ArrayLike<number>, len: number): boolean {
  let acc = 0;
  for (let k = 0; k < len; k++) acc += (a[k] as number) * 0;
  return acc === 0;
}

/** Rejects NaN/Inf, naming the first offending row and column (row-major order of discovery). */
function checkFinite(m: MatrixView): void {
  const { data } = m;
  const len = m.samples * m.neurons;
  // Fast path: x * 0 is 0 for every finite x and NaN otherwise (one monomorphic loop per type)
  const ok = data instanceof Float64Array ? allFinite64(data, len) : data instanceof Float32Array ? allFinite32(data, len) : allFiniteArray(data, len);
  if (ok) return;
  for (let i = 0; i < m.samples; i++) {
    for (let j = 0; j < m.neurons; j++) {
      const v = data[i * m.rowStride + j * m.colStride] as number;
      if (!Number.isFinite(v)) {
        throw new RepmatchError("nonFinite", `${m.name}: expected finite values, got ${v} at row ${i}, column ${j}`, {
          row: i,
          column: j,
          value: String(v),
        });
      }
    }
  }
}

/** Validates a pair: same number of samples. */
export function viewPair(a: ActivationsInput, b: ActivationsInput, names: [string, string] = ["a", "b"]): [MatrixView, MatrixView] {
  const va = viewMatrix(a, names[0]);
  const vb = viewMatrix(b, names[1]);
  if (va.samples !== vb.samples) {
    fail(
      "sampleCountMismatch",
      `expected ${names[0]} and ${names[1]} to have the same number of samples (rows), got ${va.samples} and ${vb.samples}`,
      { samplesA: va.samples, samplesB: vb.samples },
    );
  }
  return [va, vb];
}

/**
 * Copies the matrix into `dest` (column-major, leading dimension `ld` >= samples) at `offset`.
 * This is the single copy of the input data; row-major sources are transposed in blocks of rows
 * so that reads and writes both stay in cache.
 */
export function copyColumns(m: MatrixView, dest: Float64Array, offset: number, ld: number): void {
  const { data, rowStride, colStride, samples: d, neurons: n } = m;
  const block = colStride === 1 ? 64 : d;
  for (let i0 = 0; i0 < d; i0 += block) {
    const i1 = Math.min(d, i0 + block);
    for (let j = 0; j < n; j++) {
      const base = offset + j * ld;
      const src = j * colStride;
      for (let i = i0; i < i1; i++) dest[base + i] = data[src + i * rowStride] as number;
    }
  }
}
