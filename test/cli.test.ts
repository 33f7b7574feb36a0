// The `repmatch` command as users run it: `node dist/cli.js ...` in a child process. Results on
// stdout only (one JSON object with --json), errors as one "repmatch: ..." line on stderr with
// exit code 2 and no stack trace.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, within } from "./helpers.js";
import { ensureBuilt, expectUsageError, oneJson, repmatch, ROOT } from "./cli-helpers.js";

beforeAll(ensureBuilt, 120_000);

const fx = (p: string) => `${FIXTURES}${p}`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const expected = (name: string): any => JSON.parse(readFileSync(fx(`${name}/expected.json`), "utf8"));

describe("repmatch compare --json on planted-noisy agrees with expected.json", () => {
  const ex = expected("planted-noisy");
  const tol = ex.tolerance;
  const eps = ex.maxMatch.map((m: { eps: number }) => m.eps).join(",");

  for (const backend of [null, "wasm", "js"]) {
    it(`backend ${backend ?? "default"}`, () => {
      const args = ["compare", fx("planted-noisy/a.npy"), fx("planted-noisy/b.npy"), "--eps", eps, "--json"];
      if (backend) args.push("--backend", backend);
      const r = repmatch(...args);
      const out = oneJson(r);
      expect(r.stderr).toBe(""); // 600 samples >> 5 x 28 neurons, nothing dead: no warnings
      expect(out.samples).toBe(ex.samples);
      expect(out.neurons).toEqual(ex.neurons);
      expect(out.warnings).toEqual([]);
      expect(out.inputs.a).toMatchObject({ dtype: "<f8", fortranOrder: false, shape: [600, 26] });
      expect(out.maxMatch).toHaveLength(ex.maxMatch.length);
      ex.maxMatch.forEach((want: Record<string, number & number[]>, i: number) => {
        const got = out.maxMatch[i];
        expect(Object.keys(got).sort()).toEqual(["a", "b", "deadA", "deadB", "eps", "margin", "similarity"]);
        expect(got.eps).toBe(want.eps);
        expect(got.a).toEqual(want.a);
        expect(got.b).toEqual(want.b);
        expect([got.deadA, got.deadB]).toEqual([want.deadA, want.deadB]);
        expect(within(got.similarity, want.similarity, tol), `similarity at ${want.eps}`).toBe(true);
        expect(within(got.margin, want.margin, tol), `margin at ${want.eps}: ${got.margin} vs ${want.margin}`).toBe(true);
      });
      expect(within(out.maxEpsilon, ex.maxEpsilon, tol), `maxEpsilon ${out.maxEpsilon}`).toBe(true);
    });
  }

  it("--simple and --v add the decomposition and v-minimal matches of the fixture", () => {
    const out = oneJson(repmatch("compare", fx("planted-noisy/a.npy"), fx("planted-noisy/b.npy"), "--eps", "0.1", "--simple", "--v", "a:0,a:1,b:27", "--json"));
    const wantSimple = ex.simpleMatches.find((s: { eps: number }) => s.eps === 0.1);
    expect(out.simpleMatches).toHaveLength(1);
    expect(out.simpleMatches[0].matches.map(({ a, b, seeds }: Record<string, unknown>) => ({ a, b, seeds }))).toEqual(wantSimple.matches);
    expect(out.simpleMatches[0].unique).toBe(wantSimple.unique);
    for (const v of ["a:0", "a:1", "b:27"]) {
      const want = ex.vMinimal.find((x: { eps: number; v: string }) => x.eps === 0.1 && x.v === v);
      const got = out.vMinimal.find((x: { v: string }) => x.v === v);
      expect([got.a, got.b], v).toEqual([want.a, want.b]);
    }
  });

  it("table mode prints a row for each eps and the maxEpsilon", () => {
    const r = repmatch("compare", fx("planted-noisy/a.npy"), fx("planted-noisy/b.npy"), "--eps", eps);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/600 samples, 26 \+ 28 neurons/);
    expect(r.stdout).toMatch(/^eps\s+matched a\s+matched b\s+similarity\s+margin$/m);
    for (const m of ex.maxMatch) {
      const row = new RegExp(`^${String(m.eps).replace(".", "\\.")}\\s+${m.a.length}/26\\s+${m.b.length}/28\\s+${m.similarity.toFixed(4)}\\s+\\S+$`, "m");
      expect(r.stdout, `row for eps ${m.eps}`).toMatch(row);
    }
    expect(r.stdout).toContain(`maxEpsilon: ${ex.maxEpsilon.toFixed(6)}`);
    expect(() => JSON.parse(r.stdout)).toThrow();
  });
});

describe("layout-variants (Fortran-order float64 a, float32 b)", () => {
  const ex = expected("relu-random-mlp");
  const eps = ex.maxMatch.map((m: { eps: number }) => m.eps).join(",");

  it("gives results identical to relu-random-mlp, and those of the fixture", () => {
    const lv = oneJson(repmatch("compare", fx("layout-variants/a.npy"), fx("layout-variants/b.npy"), "--eps", eps, "--json"));
    const rr = oneJson(repmatch("compare", fx("relu-random-mlp/a.npy"), fx("relu-random-mlp/b.npy"), "--eps", eps, "--json"));
    expect(lv.inputs.a).toMatchObject({ dtype: "<f8", fortranOrder: true, shape: [1000, 64] });
    expect(lv.inputs.b).toMatchObject({ dtype: "<f4", fortranOrder: false, shape: [1000, 64] });
    expect(lv.maxMatch).toEqual(rr.maxMatch);
    expect(lv.maxEpsilon).toBe(rr.maxEpsilon);
    expect([lv.samples, lv.neurons]).toEqual([rr.samples, rr.neurons]);
    ex.maxMatch.forEach((want: { eps: number; a: number[]; b: number[] }, i: number) => {
      expect([lv.maxMatch[i].a, lv.maxMatch[i].b], `eps ${want.eps}`).toEqual([want.a, want.b]);
    });
    expect(within(lv.maxEpsilon, ex.maxEpsilon, ex.tolerance)).toBe(true);
  });

  it("also on the js backend and with --simple/--v", () => {
    const args = ["--eps", "0.6", "--backend", "js", "--json", "--simple", "--v", "a:0,b:0"];
    const lv = oneJson(repmatch("compare", fx("layout-variants/a.npy"), fx("layout-variants/b.npy"), ...args));
    const rr = oneJson(repmatch("compare", fx("relu-random-mlp/a.npy"), fx("relu-random-mlp/b.npy"), ...args));
    const { inputs: _i, ...l } = lv;
    const { inputs: _j, ...r } = rr;
    expect(l).toEqual(r);
  });
});

describe("errors: exit 2, nothing on stdout, one line on stderr, no stack trace", () => {
  const A = fx("planted-noisy/a.npy"), B = fx("planted-noisy/b.npy");
  const cases: [string, string[], RegExp][] = [
    ["missing file", ["compare", fx("no-such-case/a.npy"), B], /no-such-case\/a\.npy: expected a readable \.npy file, got no such file/],
    ["a directory", ["compare", fx("planted-noisy"), B], /expected a readable \.npy file, got a directory/],
    ["malformed file", ["compare", fx("bad-inputs/truncated.npy"), B], /truncated\.npy: expected 192 data bytes .*got 100/],
    ["bad magic", ["compare", A, fx("bad-inputs/bad-magic.npy")], /bad-magic\.npy: expected/],
    ["non-finite values", ["compare", fx("bad-inputs/nan.npy"), fx("bad-inputs/nan.npy")], /nan\.npy: expected finite values, got NaN at row 1, column 2/],
    ["1-D array", ["compare", fx("bad-inputs/one-d.npy"), B], /one-d\.npy: expected a 2-D array/],
    ["pair mismatch", ["compare", fx("bad-inputs/pair-mismatch-a.npy"), fx("bad-inputs/pair-mismatch-b.npy")], /same number of samples \(rows\), got 10 and 12/],
    ["bad --eps (1.5)", ["compare", A, B, "--eps", "1.5"], /--eps: expected numbers in \[0, 1\), got "1\.5"/],
    ["bad --eps (abc)", ["compare", A, B, "--eps", "0.1,abc"], /got "abc"/],
    ["bad --eps (negative)", ["compare", A, B, "--eps=-0.1"], /got "-0\.1"/],
    ["empty --eps", ["compare", A, B, "--eps", ","], /--eps: expected a comma-separated list of numbers/],
    ["bad --backend", ["compare", A, B, "--backend", "gpu"], /--backend: expected wasm or js, got "gpu"/],
    ["bad --v", ["compare", A, B, "--v", "c:1"], /expected a neuron name like "a:3" or "b:0", got "c:1"/],
    ["--v out of range", ["compare", A, B, "--v", "a:26"], /expected a neuron index of a below 26, got a:26/],
    ["one file", ["compare", A], /compare: expected two \.npy files, got 1/],
    ["three files", ["compare", A, B, A], /got 3/],
    ["unknown command", ["frobnicate", A, B], /expected a command \(compare, demo\), got "frobnicate"/],
    ["unknown option", ["compare", A, B, "--frobnicate"], /--frobnicate/],
    ["unknown demo option", ["demo", "--fast"], /--fast/],
    ["option without its value", ["compare", A, B, "--eps"], /--eps/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => expectUsageError(repmatch(...args), message));
  }
});

describe("help, version, demo", () => {
  it("--help exits 0 with the usage on stdout", () => {
    for (const flag of ["--help", "-h", "help"]) {
      const r = repmatch(flag);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Usage:$/m);
      expect(r.stdout).toContain("repmatch compare A.npy B.npy");
      expect(r.stdout).toContain("--eps LIST");
    }
  });

  it("--version prints the version", () => {
    const r = repmatch("--version");
    expect(r.status).toBe(0);
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8"));
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("demo runs and finds the planted neurons", () => {
    const r = repmatch("demo");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("the maximum match is exactly the 96 + 96 planted neurons");
    expect(r.stdout).not.toContain("NOT the planted set");
  }, 30_000);

  it("demo --json reports recovered: true", () => {
    const out = oneJson(repmatch("demo", "--json", "--backend", "wasm"));
    expect(out.recovered).toBe(true);
    expect(out.backend).toBe("wasm");
    const at = out.curve.points.find((p: { eps: number }) => p.eps === 0.3);
    expect([at.a.length, at.b.length]).toEqual([96, 96]);
  }, 30_000);
});
