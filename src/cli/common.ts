/**
 * Helpers shared by the CLI's multi-layer commands (layers, convergence, paths): reading a network
 * from a folder / .npz / .npy list, writing output files atomically, the progress bar.
 */
import { readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { ConvLayout } from "../conv.js";
import { fail } from "../errors.js";
import { readNpyFile, readNpzFile, type LoadedArray } from "../io/files.js";
import type { NamedLayer } from "../layers/grid.js";

const natural = new Intl.Collator("en", { numeric: true });

/**
 * A network argument: a folder of .npy files (natural name order), one .npz file (archive order),
 * or a comma-separated list of .npy files. 2-D layers pass through; 4-D conv layers need `layout`
 * and are averaged over positions (one neuron per channel, one value per image).
 */
export function loadNetwork(arg: string, opts: { what?: string; layout?: string } = {}): { name: string; layers: NamedLayer[] } {
  const what = opts.what ?? "a network";
  let arrays: { name: string; array: LoadedArray }[];
  let name: string;
  if (arg.includes(",")) {
    const files = arg.split(",").map((s) => s.trim()).filter(Boolean);
    arrays = files.map((f) => ({ name: basename(f).replace(/\.npy$/i, ""), array: readNpyFile(f) }));
    name = arrays.map((a) => a.name).join(",");
  } else {
    let kind: "dir" | "file" | "missing" = "missing";
    try {
      kind = statSync(arg).isDirectory() ? "dir" : "file";
    } catch {
      /* reported below */
    }
    if (kind === "missing") fail("fileNotFound", `${arg}: expected ${what} (a folder of .npy files, one per layer, an .npz file or a comma-separated .npy list), got no such file or folder`);
    if (kind === "dir") {
      const files = readdirSync(arg).filter((f) => extname(f).toLowerCase() === ".npy").sort(natural.compare);
      if (files.length === 0) fail("fileNotFound", `${arg}: expected a folder with .npy files (one per layer), got none`);
      arrays = files.map((f) => ({ name: f.replace(/\.npy$/i, ""), array: readNpyFile(join(arg, f)) }));
      name = basename(arg);
    } else if (extname(arg).toLowerCase() === ".npz") {
      arrays = readNpzFile(arg);
      if (arrays.length === 0) fail("badInput", `${arg}: expected at least one array (one per layer), got an empty archive`);
      name = basename(arg).replace(/\.npz$/i, "");
    } else {
      arrays = [{ name: basename(arg).replace(/\.npy$/i, ""), array: readNpyFile(arg) }];
      name = arrays[0]!.name;
    }
  }
  return { name, layers: arrays.map(({ name: n, array }) => toLayer(n, array, opts.layout)) };
}

/** --layout for a 4-D conv activation in `file`: nchw or nhwc, else a badLayout error naming the file. */
export function convLayout(layout: string | undefined, file: string): ConvLayout {
  if (layout !== "nchw" && layout !== "nhwc") {
    fail("badLayout", `${file}: expected --layout nchw or nhwc for a 4-D conv activation, got ${layout === undefined ? "no --layout" : JSON.stringify(layout)}`);
  }
  return layout;
}

function toLayer(name: string, x: LoadedArray, layout: string | undefined): NamedLayer {
  if (x.shape.length === 2) return { name, source: x.file, data: { data: x.data, shape: x.shape } };
  if (x.shape.length !== 4) fail("notTwoDimensional", `${x.file}: expected a 2-D (samples x neurons) or 4-D conv activation, got shape (${x.shape.join(", ")})`);
  convLayout(layout, x.file);
  const [n, a, b, c] = x.shape as [number, number, number, number];
  const [ch, h, w] = layout === "nchw" ? [a, b, c] : [c, a, b];
  const out = new Float64Array(n * ch);
  const hw = h * w;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < ch; k++) {
      let s = 0;
      for (let p = 0; p < hw; p++) s += x.data[layout === "nchw" ? (i * ch + k) * hw + p : (i * hw + p) * ch + k]!;
      out[i * ch + k] = s / hw;
    }
  }
  return { name: `${name} (pooled)`, source: x.file, data: { data: out, shape: [n, ch] } };
}

/** Writes a file atomically: to a temporary name first, then renamed over the target. */
export function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** A progress bar on stderr, only when stderr is a terminal. */
export function progressBar(err: (s: string) => void, unit: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    const width = 30;
    const full = Math.round((width * done) / total);
    err(`\r[${"#".repeat(full)}${".".repeat(width - full)}] ${done}/${total} ${unit}${done === total ? "\n" : ""}`);
  };
}
