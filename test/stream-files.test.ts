// Streaming from files (issue 5 item 4): .npy files read in blocks of rows (src/io/files.ts
// openNpyRows), the conv protocol over a stream of image batches (engine.streamConvSimilarity:
// the same draws as convSimilarity, one pass), and `repmatch compare --stream` on both.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConvInput } from "../src/conv.js";
import { createEngineSync } from "../src/engine.js";
import { openNpyRows } from "../src/io/files.js";
import { readNpy, writeNpy } from "../src/io/npy.js";
import { gaussian } from "../src/random.js";
import { plantedPair } from "../src/synthetic.js";
import { ensureBuilt, expectUsageError, oneJson, repmatch } from "./cli-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "repmatch-stream-"));
const engine = createEngineSync();
afterAll(() => engine.close());

async function collect(path: string, rows: number): Promise<{ data: number[]; shapes: number[][]; starts: number[] }> {
  const r = await openNpyRows(path);
  const data: number[] = [], shapes: number[][] = [], starts: number[] = [];
  for await (const b of r.blocks(rows)) {
    data.push(...b.data);
    shapes.push(b.shape);
    starts.push(b.start);
  }
  return { data, shapes, starts };
}

describe("openNpyRows", () => {
  const g = gaussian(5);
  const x64 = Float64Array.from({ length: 37 * 5 }, g);
  const x32 = Float32Array.from({ length: 11 * 2 * 3 * 4 }, g);
  const p64 = join(dir, "x64.npy"), p32 = join(dir, "x32.npy");
  writeFileSync(p64, writeNpy(x64, [37, 5]));
  writeFileSync(p32, writeNpy(x32, [11, 2, 3, 4]));

  it("gives back every element in order, in blocks of the asked rows (the last one shorter)", async () => {
    for (const rows of [1, 4, 36, 37, 1000]) {
      const r = await collect(p64, rows);
      expect(r.data).toEqual(Array.from(x64));
      expect(r.shapes.every((s, i) => s[1] === 5 && s[0] === Math.min(rows, 37 - r.starts[i]!))).toBe(true);
    }
    const c = await collect(p32, 3);
    expect(c.data).toEqual(Array.from(readNpy(new Uint8Array(writeNpy(x32, [11, 2, 3, 4]))).data));
    expect(c.shapes).toEqual([[3, 2, 3, 4], [3, 2, 3, 4], [3, 2, 3, 4], [2, 2, 3, 4]]);
  });

  it("refuses Fortran-order, truncated and missing files with typed errors, and a bad block size", async () => {
    const pf = join(dir, "f.npy");
    writeFileSync(pf, writeNpy(x64, [37, 5], { fortranOrder: true }));
    await expect(openNpyRows(pf)).rejects.toMatchObject({ code: "badInput", message: expect.stringMatching(/C-order/) });
    const pt = join(dir, "t.npy");
    const whole = writeNpy(x64, [37, 5]);
    writeFileSync(pt, whole.subarray(0, whole.length - 8));
    await expect(openNpyRows(pt)).rejects.toMatchObject({ code: "truncated" });
    await expect(openNpyRows(join(dir, "nope.npy"))).rejects.toMatchObject({ code: "fileNotFound" });
    const r = await openNpyRows(p64);
    await expect(r.blocks(0).next()).rejects.toMatchObject({ code: "badOption" });
  });
});

// b's channels: fixed combinations of a's first 3 channels (plus a little noise) -> a planted match
const N = 12, H = 5, W = 6, CA = 7, CB = 5;
function convPair(seed: number): { a: ConvInput; b: ConvInput } {
  const g = gaussian(seed);
  const a = Float64Array.from({ length: N * CA * H * W }, g);
  const M = Array.from({ length: CB }, () => Array.from({ length: 3 }, g));
  const b = new Float64Array(N * CB * H * W);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < CB; c++)
      for (let p = 0; p < H * W; p++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += M[c]![k]! * a[(n * CA + k) * H * W + p]!;
        b[(n * CB + c) * H * W + p] = c < 3 ? s + 0.01 * g() : g();
      }
  return { a: { data: a, shape: [N, CA, H, W] }, b: { data: b, shape: [N, CB, H, W] } };
}

/** images [i0, i1) of an NCHW conv input */
function images(x: ConvInput, i0: number, i1: number): ConvInput {
  const per = x.data.length / x.shape[0]!;
  return { data: (x.data as Float64Array).slice(i0 * per, i1 * per), shape: [i1 - i0, ...x.shape.slice(1)] };
}

function* batches(a: ConvInput, b: ConvInput, size: number): Generator<[ConvInput, ConvInput]> {
  for (let i = 0; i < N; i += size) yield [images(a, i, Math.min(N, i + size)), images(b, i, Math.min(N, i + size))];
}

describe("streamConvSimilarity", () => {
  const { a, b } = convPair(3);
  const o = { eps: [0.05, 0.3, 0.9], layout: "nchw" as const, draws: 6, rows: 200, seed: 4 };
  const whole = engine.convSimilarity(a, b, o);

  for (const backend of ["wasm", "js"] as const) {
    it(`takes the same draws as convSimilarity and gives the same similarities, whatever the batch size [${backend}]`, async () => {
      for (const size of [1, 5, N]) {
        const r = await engine.streamConvSimilarity(batches(a, b, size), { ...o, images: N, height: H, width: W, backend });
        expect(r.points.map((p) => p.perDraw)).toEqual(whole.points.map((p) => p.perDraw));
        expect(r.points.every((p) => p.uncertain === undefined)).toBe(true);
        expect([r.coordinates, r.rows, r.draws, r.channels]).toEqual([whole.coordinates, whole.rows, whole.draws, whole.channels]);
        expect(r.warnings).toEqual([]);
      }
      // not trivial: the planted channels match at 0.3 and the noise channels do not at 0.05
      expect(whole.points[1]!.mean).toBeGreaterThan(0.3);
      expect(whole.points[1]!.mean).toBeLessThan(1);
      expect(engine.stats().arenaBytes).toBe(0);
    });
  }

  it("every coordinate (rows >= images x positions) equals the in-memory protocol too", async () => {
    const all = { ...o, rows: N * H * W + 5, draws: 2 };
    const r = await engine.streamConvSimilarity(batches(a, b, 4), { ...all, images: N, height: H, width: W });
    expect(r.points.map((p) => p.perDraw)).toEqual(engine.convSimilarity(a, b, all).points.map((p) => p.perDraw));
    expect(r.rows).toBe(N * H * W);
  });

  it("refuses a stream with the wrong number of images, changing channels or sizes, and frees its memory", async () => {
    const go = (bs: Iterable<readonly [ConvInput, ConvInput]>, images = N) => engine.streamConvSimilarity(bs, { ...o, images, height: H, width: W });
    await expect(go(batches(a, b, 5), N + 1)).rejects.toMatchObject({ code: "badShape", message: expect.stringMatching(/13 images in all, got 12/) });
    await expect(go(batches(a, b, 5), N - 1)).rejects.toMatchObject({ code: "badShape" });
    const narrow: ConvInput = { data: new Float64Array(2 * (CB - 1) * H * W), shape: [2, CB - 1, H, W] };
    await expect(go([[images(a, 0, 2), images(b, 0, 2)], [images(a, 2, 4), narrow]])).rejects.toMatchObject({ code: "badShape", message: expect.stringMatching(/channels/) });
    await expect(go([[images(a, 0, 2), images(b, 0, 3)]])).rejects.toMatchObject({ code: "sampleCountMismatch" });
    const bad = images(a, 0, 2);
    (bad.data as Float64Array)[7] = NaN;
    await expect(go([[bad, images(b, 0, 2)]])).rejects.toMatchObject({ code: "nonFinite" });
    await expect(engine.streamConvSimilarity(batches(a, b, 5), { ...o, images: N, height: 0, width: W })).rejects.toMatchObject({ code: "badOption" });
    expect(engine.stats().arenaBytes).toBe(0);
  });
});

describe("repmatch compare --stream", () => {
  beforeAll(() => ensureBuilt());

  it("2-D files: the same maximum match and maxEpsilon as the in-memory compare, with block rows", () => {
    const pair = plantedPair({ samples: 1500, neurons: 64, shared: 32, noise: 0.05, seed: 4 });
    const fa = join(dir, "a.npy"), fb = join(dir, "b.npy");
    writeFileSync(fa, writeNpy(pair.a.data as Float64Array, [1500, 64]));
    writeFileSync(fb, writeNpy(pair.b.data as Float64Array, [1500, 64]));
    const whole = oneJson(repmatch("compare", fa, fb, "--measures", "match", "--eps", "0.1,0.3", "--json"));
    const s = oneJson(repmatch("compare", fa, fb, "--stream", "--batch", "200", "--eps", "0.1,0.3", "--json"));
    expect(s.streamed).toEqual({ blockRows: 200 });
    expect(s.samples).toBe(1500);
    expect(s.maxMatch.map((m: { a: number[]; b: number[] }) => [m.a, m.b])).toEqual(whole.maxMatch.map((m: { a: number[]; b: number[] }) => [m.a, m.b]));
    expect(s.maxMatch[1].a).toEqual(pair.plantedA);
    expect(Math.abs(s.maxEpsilon - whole.maxEpsilon)).toBeLessThan(1e-9);
    const text = repmatch("compare", fa, fb, "--stream", "--eps", "0.3");
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/1500 samples streamed in blocks of 4096 rows/);
    expectUsageError(repmatch("compare", fa, fb, "--stream", "--measures", "cka"), /subspace match only/);
    expectUsageError(repmatch("compare", fa, fb, "--batch", "10"), /--batch belongs to --stream/);
  });

  it("4-D conv files: the streamed protocol equals the in-memory one draw for draw", () => {
    const { a, b } = convPair(3);
    const fa = join(dir, "ca.npy"), fb = join(dir, "cb.npy");
    writeFileSync(fa, writeNpy(a.data as Float64Array, a.shape));
    writeFileSync(fb, writeNpy(b.data as Float64Array, b.shape));
    const opts = ["--layout", "nchw", "--eps", "0.05,0.3", "--draws", "4", "--rows", "150", "--seed", "2", "--json"];
    const whole = oneJson(repmatch("compare", fa, fb, ...opts));
    const s = oneJson(repmatch("compare", fa, fb, ...opts, "--stream", "--batch", "5"));
    expect(s.conv.points.map((p: { perDraw: number[] }) => p.perDraw)).toEqual(whole.conv.points.map((p: { perDraw: number[] }) => p.perDraw));
    expect(s.streamed).toEqual({ blockImages: 5 });
    expectUsageError(repmatch("compare", fa, fb, "--stream"), /--layout nchw or nhwc/);
  });
});
