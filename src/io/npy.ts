/**
 * Reader and writer for numpy's `.npy` format, versions 1.0, 2.0 and 3.0, as specified by NEP 1
 * ("A simple file format for NumPy arrays") and the `numpy.lib.format` documentation.
 *
 * Layout: the magic string "\x93NUMPY", two version bytes (major, minor), the header length as a
 * little-endian uint16 (1.0) or uint32 (2.0, 3.0), then the header: the repr of a Python dict with
 * exactly the keys 'descr', 'fortran_order' and 'shape' (latin-1 text in 1.0 / 2.0, UTF-8 in 3.0),
 * padded with spaces and a newline. The raw element bytes follow, in C or Fortran order.
 *
 * The reader validates everything and never interprets pickled data; it supports the numeric
 * dtypes f2 f4 f8, i1 i2 i4 i8, u1 u2 u4 u8 and bool, and widens every element to float64.
 * Browser-safe: bytes in, arrays out, no node: imports.
 */
import { fail } from "../errors.js";

export interface NpyArray {
  /** Every element widened exactly to float64, always in C (row-major) order. */
  data: Float64Array;
  /** As in the header; [] for a 0-d array. */
  shape: number[];
  /** The header's descr, e.g. '<f8', '>f8', '<f4', '|u1', '<i8', '|b1'. */
  dtype: string;
  /**
   * The file's fortran_order flag. `data` is already in C order either way, so an NpyArray can be
   * passed straight to the engine as `{data, shape}` (the name differs from MatrixInput's
   * `fortranOrder` on purpose: that one describes `data`).
   */
  fileFortranOrder: boolean;
}

export interface NpyHeader {
  version: [number, number];
  dtype: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the first data byte. */
  dataOffset: number;
}

/** Largest element count readNpy accepts (the result is one Float64Array). */
const MAX_ELEMENTS = 2 ** 31 - 1;
/** Header dicts nest at most this deep (a structured descr nests lists and tuples). */
const MAX_NESTING = 64;
/** numpy aligns the start of the data to this many bytes. */
const ARRAY_ALIGN = 64;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const REQUIRED_KEYS = ["descr", "fortran_order", "shape"] as const;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Public API

/** Parses and validates a complete .npy file. */
export function readNpy(bytes: Uint8Array, name = "input"): NpyArray {
  const header = parseNpyHeader(bytes, name);
  const { shape, dtype } = header;
  const count = checkElementCount(header, name);
  const expected = count * dtype.size;
  const got = bytes.length - header.dataOffset;
  if (got !== expected) {
    const code = got < expected ? "truncated" : "sizeMismatch";
    const why = got < expected ? "file truncated" : `${got - expected} trailing bytes`;
    fail(
      code,
      `${name}: expected ${expected} data bytes for shape ${formatShape(shape)} ${dtype.descr}, got ${got} (${why})`,
      { file: name, shape, dtype: dtype.descr, expectedBytes: expected, actualBytes: got },
    );
  }
  const fileOrder = decodeElements(bytes, header.dataOffset, count, dtype, name);
  const data = header.fortranOrder ? fortranToC(fileOrder, shape, name) : fileOrder;
  return { data, shape, dtype: dtype.descr, fileFortranOrder: header.fortranOrder };
}

/**
 * Parses and validates only the preamble and header (magic, version, header dict, dtype, shape);
 * `bytes` may stop anywhere after the header. Does not apply readNpy's element-count limit, but
 * throws tooLarge when the data size could not be addressed exactly (beyond 2^53 bytes).
 */
export function npyHeader(bytes: Uint8Array, name = "input"): NpyHeader {
  const header = parseNpyHeader(bytes, name);
  checkAddressable(header, name);
  const { version, dtype, fortranOrder, shape, dataOffset } = header;
  return { version, dtype: dtype.descr, fortranOrder, shape, dataOffset };
}

/** Decodes a .npy file's data section piece by piece (for files too large to read at once). */
export interface NpyChunkDecoder {
  header: NpyHeader;
  /** bytes per element */
  elementBytes: number;
  /** Every element of `chunk` (a whole number of elements of the data section) widened to float64. */
  decode(chunk: Uint8Array): Float64Array;
}

/**
 * A decoder for the file whose first bytes (at least through the header) are `head`. The caller
 * reads the data section from `header.dataOffset` on in pieces of whole elements, in file order.
 */
export function npyChunkDecoder(head: Uint8Array, name = "input"): NpyChunkDecoder {
  const parsed = parseNpyHeader(head, name);
  checkAddressable(parsed, name);
  const { version, dtype, fortranOrder, shape, dataOffset } = parsed;
  return {
    header: { version, dtype: dtype.descr, fortranOrder, shape, dataOffset },
    elementBytes: dtype.size,
    decode: (chunk) => decodeElements(chunk, 0, Math.floor(chunk.length / dtype.size), dtype, name),
  };
}

/**
 * Writes `data` (given in C order) as a .npy file of dtype '<f8' (Float64Array) or '<f4'
 * (Float32Array): format version 1.0, or 2.0 when the header does not fit a 16-bit length. With
 * `fortranOrder` the elements are stored column-major and the header says so. The header is
 * byte-for-byte what numpy writes (data aligned to 64 bytes).
 */
export function writeNpy(
  data: Float64Array | Float32Array,
  shape: readonly number[],
  options: { fortranOrder?: boolean } = {},
): Uint8Array<ArrayBuffer> {
  const fortranOrder = options.fortranOrder ?? false;
  checkWriteShape(data.length, shape);
  const descr = data instanceof Float64Array ? "<f8" : "<f4";
  const order = fortranOrder ? "True" : "False";
  const dict = `{'descr': '${descr}', 'fortran_order': ${order}, 'shape': ${formatShape(shape)}, }`;
  const preamble = encodePreamble(dict);
  const out = new Uint8Array(preamble.length + data.byteLength);
  out.set(preamble);
  let ordered = data;
  if (fortranOrder && needsReorder(shape)) {
    ordered = data instanceof Float64Array ? new Float64Array(data.length) : new Float32Array(data.length);
    reverseAxes(data, shape, ordered);
  }
  writeLittleEndian(ordered, out, preamble.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Preamble: magic, version, header length

interface ParsedHeader {
  version: [number, number];
  dtype: Dtype;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function parseNpyHeader(bytes: Uint8Array, name: string): ParsedHeader {
  checkMagic(bytes, name);
  const version = readVersion(bytes, name);
  const lengthBytes = version[0] === 1 ? 2 : 4;
  const prefix = MAGIC.length + 2 + lengthBytes;
  if (bytes.length < prefix) {
    fail(
      "truncated",
      `${name}: expected at least ${prefix} bytes (magic, version, header length), got ${bytes.length}`,
      { file: name, expectedBytes: prefix, actualBytes: bytes.length },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, prefix);
  const headerLength = lengthBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefix + headerLength;
  if (dataOffset > bytes.length) {
    fail(
      "truncated",
      `${name}: expected a header of ${headerLength} bytes ending at byte ${dataOffset}, ` +
        `got a file of ${bytes.length} bytes`,
      { file: name, headerLength, expectedBytes: dataOffset, actualBytes: bytes.length },
    );
  }
  const text = decodeHeaderText(bytes.subarray(prefix, dataOffset), version[0] === 3, name);
  const dict = parseHeaderDict(text, name);
  const fields = validateHeaderDict(dict, name);
  return { version, ...fields, dataOffset };
}

/**
 * Any byte that differs from the magic string means the input is not a .npy file (badMagic); a
 * file that stops inside the magic string but matches it so far is a truncated one (truncated).
 */
function checkMagic(bytes: Uint8Array, name: string): void {
  const n = Math.min(bytes.length, MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = Array.from(bytes.subarray(0, MAGIC.length), (b) => b.toString(16).padStart(2, "0")).join(" ");
      fail("badMagic", `${name}: expected the magic string \\x93NUMPY (93 4e 55 4d 50 59), got ${got}`, { file: name });
    }
  }
}

function readVersion(bytes: Uint8Array, name: string): [number, number] {
  if (bytes.length < MAGIC.length + 2) {
    fail("truncated", `${name}: expected at least ${MAGIC.length + 2} bytes (magic and version), got ${bytes.length}`, {
      file: name,
      expectedBytes: MAGIC.length + 2,
      actualBytes: bytes.length,
    });
  }
  const version: [number, number] = [bytes[6]!, bytes[7]!];
  if (version[0] < 1 || version[0] > 3 || version[1] !== 0) {
    fail("unsupportedVersion", `${name}: expected format version 1.0, 2.0 or 3.0, got ${version[0]}.${version[1]}`, {
      file: name,
      version,
    });
  }
  return version;
}

/** Versions 1.0 and 2.0 store the header as latin-1, 3.0 as UTF-8. */
function decodeHeaderText(raw: Uint8Array, utf8: boolean, name: string): string {
  if (!utf8) {
    let text = "";
    for (let i = 0; i < raw.length; i += 8192) text += String.fromCharCode(...raw.subarray(i, i + 8192));
    return text;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    const message = `${name}: expected a UTF-8 header (format version 3.0), got invalid UTF-8`;
    return fail("badHeader", message, { file: name });
  }
}

/** The preamble numpy writes: magic, version, length, header dict padded to ARRAY_ALIGN. */
function encodePreamble(dict: string): Uint8Array {
  const fits16 = paddedHeaderLength(dict.length, 2) <= 0xffff;
  const lengthBytes = fits16 ? 2 : 4;
  const headerLength = paddedHeaderLength(dict.length, lengthBytes);
  const prefix = MAGIC.length + 2 + lengthBytes;
  const out = new Uint8Array(prefix + headerLength).fill(0x20); // spaces
  out.set(MAGIC);
  out[6] = fits16 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (fits16) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  out[out.length - 1] = 0x0a; // "\n"
  return out;
}

/** Length of the header (dict, space padding, newline) so that the data starts aligned. */
function paddedHeaderLength(dictLength: number, lengthBytes: number): number {
  const unpadded = MAGIC.length + 2 + lengthBytes + dictLength + 1;
  return dictLength + 1 + ARRAY_ALIGN - (unpadded % ARRAY_ALIGN);
}

// ---------------------------------------------------------------------------------------------
// Header dict: tokenizer and parser for the Python-literal subset numpy writes

type Token =
  | { kind: "punct"; text: string; pos: number }
  | { kind: "string"; value: string; pos: number }
  | { kind: "int"; value: bigint; pos: number }
  | { kind: "name"; text: string; pos: number }
  | { kind: "end"; pos: number };

/** A parsed Python literal: str, bool, int, tuple or list. */
type PyValue = string | boolean | bigint | { kind: "tuple" | "list"; items: PyValue[] };

const PUNCTUATION = "{}()[]:,";
const WHITESPACE = " \t\n\r\f";

function tokenize(text: string, name: string): Token[] {
  const integer = /[-+]?[0-9]+(?![0-9A-Za-z_.])/y;
  const identifier = /[A-Za-z_][A-Za-z0-9_]*/y;
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (WHITESPACE.includes(c)) {
      i++;
    } else if (PUNCTUATION.includes(c)) {
      tokens.push({ kind: "punct", text: c, pos: i++ });
    } else if (c === "'" || c === '"') {
      const { value, end } = scanString(text, i, name);
      tokens.push({ kind: "string", value, pos: i });
      i = end;
    } else if (/[-+0-9]/.test(c)) {
      integer.lastIndex = i;
      const digits = integer.exec(text)?.[0];
      if (digits === undefined) headerSyntaxError(name, "an integer", `'${text.slice(i, i + 12)}'`, i);
      tokens.push({ kind: "int", value: BigInt(digits), pos: i });
      i += digits.length;
    } else if (/[A-Za-z_]/.test(c)) {
      identifier.lastIndex = i;
      const word = identifier.exec(text)![0];
      tokens.push({ kind: "name", text: word, pos: i });
      i += word.length;
    } else {
      headerSyntaxError(name, "a Python literal", `character ${JSON.stringify(c)}`, i);
    }
  }
  tokens.push({ kind: "end", pos: text.length });
  return tokens;
}

/** Scans a single- or double-quoted string starting at `start`; escapes \\ \' \" only. */
function scanString(text: string, start: number, name: string): { value: string; end: number } {
  const quote = text[start]!;
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c === "\n") break;
    if (c === "\\") {
      const next = text[++i];
      if (next !== "\\" && next !== "'" && next !== '"') {
        headerSyntaxError(name, "one of the escapes \\\\ \\' \\\"", `'\\${next ?? ""}'`, i - 1);
      }
      value += next;
    } else {
      value += c;
    }
  }
  return headerSyntaxError(name, `a closing ${quote} for the string`, "the end of the line", start);
}

class TokenStream {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    readonly name: string,
  ) {}

  peek(): Token {
    return this.tokens[this.index]!;
  }

  next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== "end") this.index++;
    return token;
  }

  /** Consumes the punctuation `text` if it comes next. */
  accept(text: string): boolean {
    const token = this.peek();
    if (token.kind === "punct" && token.text === text) {
      this.index++;
      return true;
    }
    return false;
  }

  expect(text: string): void {
    if (!this.accept(text)) headerSyntaxError(this.name, `'${text}'`, describeToken(this.peek()), this.peek().pos);
  }
}

/** Parses the whole header text as one dict literal; returns its entries in file order. */
function parseHeaderDict(text: string, name: string): [string, PyValue][] {
  const stream = new TokenStream(tokenize(text, name), name);
  stream.expect("{");
  const entries: [string, PyValue][] = [];
  while (!stream.accept("}")) {
    const key = stream.next();
    if (key.kind !== "string") headerSyntaxError(name, "a string key or '}'", describeToken(key), key.pos);
    stream.expect(":");
    entries.push([key.value, parseValue(stream, 1)]);
    if (!stream.accept(",")) {
      stream.expect("}");
      break;
    }
  }
  const rest = stream.peek();
  if (rest.kind !== "end") headerSyntaxError(name, "the end of the header after '}'", describeToken(rest), rest.pos);
  return entries;
}

function parseValue(stream: TokenStream, depth: number): PyValue {
  const token = stream.next();
  switch (token.kind) {
    case "string":
    case "int":
      return token.value;
    case "name":
      if (token.text === "True" || token.text === "False") return token.text === "True";
      break;
    case "punct":
      if (token.text === "(" || token.text === "[") {
        if (depth >= MAX_NESTING) {
          headerSyntaxError(stream.name, `at most ${MAX_NESTING} nesting levels`, "more", token.pos);
        }
        return parseSequence(stream, token.text === "(" ? "tuple" : "list", depth + 1);
      }
      break;
  }
  const expected = "a string, True, False, an integer, a tuple or a list";
  return headerSyntaxError(stream.name, expected, describeToken(token), token.pos);
}

/** Parses the items after an opening bracket; `(5)` is the integer 5, `(5,)` and `()` tuples. */
function parseSequence(stream: TokenStream, kind: "tuple" | "list", depth: number): PyValue {
  const close = kind === "tuple" ? ")" : "]";
  const items: PyValue[] = [];
  let trailingComma = false;
  while (!stream.accept(close)) {
    items.push(parseValue(stream, depth));
    trailingComma = stream.accept(",");
    if (!trailingComma) {
      stream.expect(close);
      break;
    }
  }
  if (kind === "tuple" && items.length === 1 && !trailingComma) return items[0]!;
  return { kind, items };
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case "punct":
      return `'${token.text}'`;
    case "string":
      return `the string ${reprValue(token.value)}`;
    case "int":
      return `the integer ${token.value}`;
    case "name":
      return `'${token.text}'`;
    case "end":
      return "the end of the header";
  }
}

/** Python-style repr, for error messages. */
function reprValue(value: PyValue): string {
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "bigint") return value.toString();
  const items = value.items.map(reprValue);
  if (value.kind === "list") return `[${items.join(", ")}]`;
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
}

function headerSyntaxError(name: string, expected: string, got: string, position: number): never {
  return fail("badHeader", `${name}: expected ${expected} in the header dict, got ${got} at offset ${position}`, {
    file: name,
    position,
  });
}

// ---------------------------------------------------------------------------------------------
// Header dict: keys and values

function validateHeaderDict(
  entries: [string, PyValue][],
  name: string,
): { dtype: Dtype; fortranOrder: boolean; shape: number[] } {
  const dict = new Map<string, PyValue>();
  for (const [key, value] of entries) {
    if (!(REQUIRED_KEYS as readonly string[]).includes(key)) {
      fail("badHeader", `${name}: expected only the keys 'descr', 'fortran_order' and 'shape', got ${reprValue(key)}`, {
        file: name,
        key,
      });
    }
    if (dict.has(key)) {
      fail("badHeader", `${name}: expected the key '${key}' once, got it twice`, { file: name, key });
    }
    dict.set(key, value);
  }
  for (const key of REQUIRED_KEYS) {
    if (!dict.has(key)) {
      const keys = [...dict.keys()].map((k) => `'${k}'`).join(", ") || "none";
      fail("badHeader", `${name}: expected the key '${key}' in the header, got only ${keys}`, { file: name, key });
    }
  }
  return {
    dtype: parseDescr(dict.get("descr")!, name),
    fortranOrder: parseFortranOrder(dict.get("fortran_order")!, name),
    shape: parseShape(dict.get("shape")!, name),
  };
}

function parseFortranOrder(value: PyValue, name: string): boolean {
  if (typeof value !== "boolean") {
    fail("badHeader", `${name}: expected fortran_order True or False, got ${reprValue(value)}`, { file: name });
  }
  return value;
}

function parseShape(value: PyValue, name: string): number[] {
  if (typeof value !== "object" || value.kind !== "tuple") {
    fail("badHeader", `${name}: expected shape to be a tuple of integers, got ${reprValue(value)}`, { file: name });
  }
  return value.items.map((dim, axis) => {
    if (typeof dim !== "bigint" || dim < 0n) {
      const message = `${name}: expected a non-negative integer for dimension ${axis} of the shape, got ${reprValue(dim)}`;
      fail("badHeader", message, { file: name, axis });
    }
    if (dim > BigInt(Number.MAX_SAFE_INTEGER)) {
      fail("tooLarge", `${name}: expected dimensions of at most 2^53 - 1, got ${dim} for dimension ${axis}`, {
        file: name,
        axis,
      });
    }
    return Number(dim);
  });
}

// ---------------------------------------------------------------------------------------------
// dtypes

interface Dtype {
  /** The header's descr, verbatim. */
  descr: string;
  /** Kind and size without byte order: "f8", "u1", "b1", ... */
  code: string;
  /** Bytes per element. */
  size: number;
  littleEndian: boolean;
}

type ElementReader = (view: DataView, at: number, littleEndian: boolean) => number;

/** How to read one element of each supported dtype (the keys are the supported dtype codes). */
const ELEMENT_READERS: Record<string, ElementReader> = {
  f2: (v, at, le) => halfToNumber(v.getUint16(at, le)),
  f4: (v, at, le) => v.getFloat32(at, le),
  f8: (v, at, le) => v.getFloat64(at, le),
  i1: (v, at) => v.getInt8(at),
  i2: (v, at, le) => v.getInt16(at, le),
  i4: (v, at, le) => v.getInt32(at, le),
  i8: (v, at, le) => Number(v.getBigInt64(at, le)), // rounds to nearest, ties to even
  u1: (v, at) => v.getUint8(at),
  u2: (v, at, le) => v.getUint16(at, le),
  u4: (v, at, le) => v.getUint32(at, le),
  u8: (v, at, le) => Number(v.getBigUint64(at, le)),
  b1: (v, at) => (v.getUint8(at) === 0 ? 0 : 1), // any non-zero byte is True
};
const SUPPORTED_DTYPES = Object.keys(ELEMENT_READERS).join(" ");

/** '<' little, '>' big, '|' not applicable, '=' native (treated as little-endian, as is no character). */
function parseDescr(value: PyValue, name: string): Dtype {
  if (typeof value === "object" && value.kind === "list") {
    const dtype = reprValue(value);
    const message = `${name}: expected a numeric dtype (${SUPPORTED_DTYPES}), got the structured dtype ${dtype}`;
    fail("unsupportedDtype", message, { file: name, dtype });
  }
  if (typeof value !== "string") {
    fail("badHeader", `${name}: expected descr to be a dtype string, got ${reprValue(value)}`, { file: name });
  }
  const match = /^([<>|=]?)([a-z?][0-9]*)$/.exec(value);
  const code = match?.[2] === "?" ? "b1" : match?.[2];
  if (!match || code === undefined || !Object.hasOwn(ELEMENT_READERS, code)) {
    fail("unsupportedDtype", `${name}: expected a numeric dtype (${SUPPORTED_DTYPES}), got '${value}'`, {
      file: name,
      dtype: value,
    });
  }
  return { descr: value, code, size: Number(code.slice(1)), littleEndian: match[1] !== ">" };
}

// ---------------------------------------------------------------------------------------------
// Sizes

/** The product of the dimensions, exactly. */
function elementCount(shape: readonly number[]): bigint {
  return shape.reduce((product, dim) => product * BigInt(dim), 1n);
}

/** Element count for readNpy, or tooLarge; checked before anything is allocated. */
function checkElementCount(header: ParsedHeader, name: string): number {
  const count = elementCount(header.shape);
  if (count > BigInt(MAX_ELEMENTS)) {
    fail(
      "tooLarge",
      `${name}: expected at most ${MAX_ELEMENTS} elements, got ${count} for shape ${formatShape(header.shape)}`,
      { file: name, shape: header.shape, elements: count.toString(), maxElements: MAX_ELEMENTS },
    );
  }
  return Number(count);
}

/** The end of the data must be an exact number (below 2^53), or no reader can address it. */
function checkAddressable(header: ParsedHeader, name: string): void {
  const end = BigInt(header.dataOffset) + elementCount(header.shape) * BigInt(header.dtype.size);
  if (end > BigInt(Number.MAX_SAFE_INTEGER)) {
    fail(
      "tooLarge",
      `${name}: expected at most 2^53 - 1 bytes, got ${end} ` +
        `for shape ${formatShape(header.shape)} ${header.dtype.descr}`,
      { file: name, shape: header.shape, bytes: end.toString() },
    );
  }
}

function checkWriteShape(length: number, shape: readonly number[]): void {
  for (const [axis, dim] of shape.entries()) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      const message = `writeNpy: expected a non-negative integer for dimension ${axis} of the shape, got ${dim}`;
      fail("badShape", message, { axis });
    }
  }
  const count = shape.reduce((product, dim) => product * dim, 1);
  if (count !== length) {
    fail("sizeMismatch", `writeNpy: expected ${count} elements for shape ${formatShape(shape)}, got ${length}`, {
      shape: [...shape],
      expectedElements: count,
      actualElements: length,
    });
  }
}

/** Python's repr of a shape tuple: (), (5,), (3, 4). */
function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

function allocateFloat64(count: number, name: string): Float64Array {
  try {
    return new Float64Array(count);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return fail("tooLarge", `${name}: expected memory for ${count} float64 values, got an allocation failure`, {
      file: name,
      elements: count,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Element data

type NumericArrayConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayLike<number>;

/** dtypes whose host-order bytes a typed array reads directly (f8 is copied as bytes instead). */
const TYPED_ARRAYS: Partial<Record<string, NumericArrayConstructor>> = {
  f4: Float32Array,
  i1: Int8Array,
  i2: Int16Array,
  i4: Int32Array,
  u1: Uint8Array,
  u2: Uint16Array,
  u4: Uint32Array,
};

/** Decodes `count` elements at `offset` into float64, in file order. */
function decodeElements(bytes: Uint8Array, offset: number, count: number, dtype: Dtype, name: string): Float64Array {
  const out = allocateFloat64(count, name);
  const hostOrder = dtype.size === 1 || dtype.littleEndian === HOST_LITTLE_ENDIAN;
  const arrayType = TYPED_ARRAYS[dtype.code];
  if (hostOrder && dtype.code === "f8") {
    // Same representation as the output: one byte copy, whatever the alignment.
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 8));
  } else if (hostOrder && arrayType) {
    out.set(typedView(bytes, offset, count * dtype.size, arrayType, dtype.size));
  } else {
    decodeWithDataView(bytes, offset, count, dtype, out);
  }
  return out;
}

/** A typed array over `byteLength` bytes at `offset`, copied to a fresh buffer if misaligned. */
function typedView(
  bytes: Uint8Array,
  offset: number,
  byteLength: number,
  ArrayType: NumericArrayConstructor,
  size: number,
): ArrayLike<number> {
  const start = bytes.byteOffset + offset;
  // A view must start at a multiple of the element size; otherwise copy the bytes first.
  if (start % size === 0) return new ArrayType(bytes.buffer, start, byteLength / size);
  return new ArrayType(bytes.slice(offset, offset + byteLength).buffer, 0, byteLength / size);
}

/** Any supported dtype in either byte order, one element at a time. */
function decodeWithDataView(bytes: Uint8Array, offset: number, count: number, dtype: Dtype, out: Float64Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * dtype.size);
  const { littleEndian, size } = dtype;
  const read = ELEMENT_READERS[dtype.code]!;
  for (let i = 0, at = 0; i < count; i++, at += size) out[i] = read(view, at, littleEndian);
}

/** IEEE 754 binary16 to number (exact). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (0x400 + fraction) * 2 ** (exponent - 25);
}

function writeLittleEndian(values: Float64Array | Float32Array, out: Uint8Array, offset: number): void {
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, values.byteLength);
  const size = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < values.length; i++) {
    if (size === 8) view.setFloat64(i * 8, values[i]!, true);
    else view.setFloat32(i * 4, values[i]!, true);
  }
}

// ---------------------------------------------------------------------------------------------
// Memory order

/** Fortran and C order differ only when at least two axes have more than one element. */
function needsReorder(shape: readonly number[]): boolean {
  return shape.filter((dim) => dim > 1).length >= 2;
}

function fortranToC(data: Float64Array, shape: readonly number[], name: string): Float64Array {
  if (!needsReorder(shape)) return data;
  const out = allocateFloat64(data.length, name);
  // Fortran order of `shape` is C order of the reversed shape; reversing its axes gives C order.
  reverseAxes(data, [...shape].reverse(), out);
  return out;
}

/**
 * Writes into `dst` the C-order array of shape reverse(shape) whose element (j_{n-1}, ..., j_0)
 * is `src`'s element (j_0, ..., j_{n-1}), `src` being C-order of shape `shape` (n >= 2).
 * C -> Fortran of `shape` is reverseAxes(shape); Fortran -> C is reverseAxes(reverse(shape)).
 */
function reverseAxes(src: ArrayLike<number>, shape: readonly number[], dst: { [i: number]: number }): void {
  const n = shape.length;
  const strides = new Array<number>(n);
  let total = 1;
  for (let k = n - 1; k >= 0; k--) {
    strides[k] = total;
    total *= shape[k]!;
  }
  if (total === 0) return;
  // dst is written sequentially: its fastest axis is src's axis 0, then src's axis 1, ...
  const inner = shape[0]!;
  const innerStride = strides[0]!;
  const index = new Array<number>(n).fill(0);
  let base = 0;
  let out = 0;
  for (;;) {
    for (let j = 0, at = base; j < inner; j++, at += innerStride) dst[out++] = src[at]!;
    let axis = 1;
    for (; axis < n; axis++) {
      base += strides[axis]!;
      if (++index[axis]! < shape[axis]!) break;
      base -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
    if (axis === n) return;
  }
}
