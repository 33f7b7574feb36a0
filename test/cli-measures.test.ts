// `repmatch compare` with the CCA / CKA / shape measures and `repmatch path`, as users run them:
// `node dist/cli.js ...` in a child process, JSON with the fixtures' keys on stdout, errors as one
// "repmatch: ..." line on stderr with exit code 2.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, within, type Tolerance } from "./helpers.js";
import { ensureBuilt, expectUsageError, oneJson, repmatch } from "./cli-helpers.js";

beforeAll(ensureBuilt, 120_000);

const fx = (p: string) => `${FIXTURES}${p}`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const expected = (name: string): any => JSON.parse(readFileSync(fx(`${name}/expected.json`), "utf8"));

function close(got: unknown, want: number | null, tol: Tolerance, what: string): void {
  if (want === null) return;
  expect(typeof got, what).toBe("number");
  expect(within(got as number, want, tol), `${what}: ${String(got)} vs ${want}`).toBe(true);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectPairMeasures(out: any, ex: any): void {
  const tol: Tolerance = ex.tolerance;
  expect(out.cca.coefficients).toHaveLength(ex.cca.coefficients.length);
  ex.cca.coefficients.forEach((w: number, i: number) => close(out.cca.coefficients[i], w, tol, `cca.coefficients[${i}]`));
  close(out.cca.mean, ex.cca.mean, tol, "cca.mean");
  close(out.cca.meanSquared, ex.cca.meanSquared, tol, "cca.meanSquared");
  expect(out.svcca.keep).toBe(ex.svcca.keep);
  expect(out.svcca.dims).toEqual(ex.svcca.dims);
  close(out.svcca.value, ex.svcca.value, tol, "svcca.value");
  close(out.pwcca.paper, ex.pwcca.paper, tol, "pwcca.paper");
  close(out.pwcca.google, ex.pwcca.google, tol, "pwcca.google");
  close(out.cka.linear, ex.cka.linear, tol, "cka.linear");
  close(out.cka.linearDebiased, ex.cka.linearDebiased, tol, "cka.linearDebiased");
  expect(out.cka.rbf.threshold).toBe(ex.cka.rbf.threshold);
  close(out.cka.rbf.value, ex.cka.rbf.value, tol, "cka.rbf.value");
  for (const k of ["angular", "euclidean", "shapeAlpha0_5"]) close(out.procrustes[k], ex.procrustes[k], tol, `procrustes.${k}`);
}

describe("repmatch compare --json adds cca, svcca, pwcca, cka, procrustes (fixture schema)", () => {
  for (const backend of [null, "js"]) {
    it(`planted-noisy, backend ${backend ?? "default"}: every measure and the match agree with expected.json`, () => {
      const ex = expected("planted-noisy");
      const eps = ex.maxMatch.map((m: { eps: number }) => m.eps).join(",");
      const args = ["compare", fx("planted-noisy/a.npy"), fx("planted-noisy/b.npy"), "--eps", eps, "--json"];
      if (backend) args.push("--backend", backend);
      const r = repmatch(...args);
      const out = oneJson(r);
      expect(r.stderr).toBe("");
      expect(Object.keys(out)).toEqual(["samples", "neurons", "inputs", "maxMatch", "maxEpsilon", "cca", "svcca", "pwcca", "cka", "procrustes", "warnings"]);
      expect(out.maxMatch.map((m: { a: number[] }) => m.a)).toEqual(ex.maxMatch.map((m: { a: number[] }) => m.a));
      expectPairMeasures(out, ex);
      expect(out.warnings).toEqual([]);
    });
  }

  it("few-samples: the CCA warning goes to stderr and into warnings; values match", () => {
    const ex = expected("few-samples");
    const r = repmatch("compare", fx("few-samples/a.npy"), fx("few-samples/b.npy"), "--json", "--eps", "0.1");
    const out = oneJson(r);
    expectPairMeasures(out, ex);
    const codes = out.warnings.map((w: { code: string }) => w.code);
    expect(codes).toContain("ccaDegenerate");
    expect(codes).toContain("samplesBelowNeurons");
    expect(r.stderr).toMatch(/^repmatch: warning: CCA is degenerate with 30 samples <= 40 neurons/m);
  });

  it("--measures selects a subset (match = maxMatch and maxEpsilon)", () => {
    const A = fx("relu-random-mlp/a.npy"), B = fx("relu-random-mlp/b.npy");
    const ex = expected("relu-random-mlp");
    const only = oneJson(repmatch("compare", A, B, "--measures", "cka,match", "--eps", "0.7", "--json"));
    expect(Object.keys(only)).toEqual(["samples", "neurons", "inputs", "maxMatch", "maxEpsilon", "cka", "warnings"]);
    close(only.cka.linear, ex.cka.linear, ex.tolerance, "cka.linear");
    expect(only.maxMatch[0].a).toEqual(ex.maxMatch.find((m: { eps: number }) => m.eps === 0.7).a);
    const noMatch = oneJson(repmatch("compare", A, B, "--measures", "procrustes,cca", "--json"));
    expect(Object.keys(noMatch)).toEqual(["samples", "neurons", "inputs", "cca", "procrustes", "warnings"]);
    close(noMatch.procrustes.angular, ex.procrustes.angular, ex.tolerance, "procrustes.angular");
    close(noMatch.cca.mean, ex.cca.mean, ex.tolerance, "cca.mean");
  });

  it("measure options reach the engine (--svcca-keep, --rbf-threshold, --alpha, --epsilon)", () => {
    const A = fx("planted-noisy/a.npy"), B = fx("planted-noisy/b.npy");
    const out = oneJson(repmatch("compare", A, B, "--measures", "svcca,cka,procrustes,cca", "--svcca-keep", "0.5", "--rbf-threshold", "1", "--alpha", "0.25", "--epsilon", "1e-6", "--json"));
    expect(out.svcca.keep).toBe(0.5);
    expect(out.svcca.dims[0]).toBeLessThan(26);
    expect(out.cka.rbf.threshold).toBe(1);
    expect(out.procrustes.shape.alpha).toBe(0.25);
    expect(out.cca.epsilon).toBe(1e-6);
  });

  it("readable mode prints the measures table before the match table", () => {
    const r = repmatch("compare", fx("planted-noisy/a.npy"), fx("planted-noisy/b.npy"), "--eps", "0.2");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^measure\s+value\s+kind$/m);
    const ex = expected("planted-noisy");
    expect(r.stdout).toMatch(new RegExp(`^mean CCA\\s+${ex.cca.mean.toFixed(4)}\\s+similarity$`, "m"));
    expect(r.stdout).toMatch(new RegExp(`^linear CKA\\s+${ex.cka.linear.toFixed(4)}\\s+similarity$`, "m"));
    expect(r.stdout).toMatch(new RegExp(`^angular Procrustes \\(rad\\)\\s+${ex.procrustes.angular.toFixed(4)}\\s+distance$`, "m"));
    expect(r.stdout).toMatch(/^eps\s+matched a\s+matched b\s+similarity\s+margin$/m);
    expect(r.stdout.indexOf("measure")).toBeLessThan(r.stdout.indexOf("maximum match"));
  });
});

describe("repmatch path", () => {
  it("--json on path-synthetic agrees with expected.json, in its schema", () => {
    const ex = expected("path-synthetic");
    const files = ex.inputs.map((i: { file: string }) => fx(`path-synthetic/${i.file}`));
    const r = repmatch("path", ...files, "--json");
    const out = oneJson(r);
    expect(r.stderr).toBe("");
    expect(Object.keys(out)).toEqual(["samples", "layers", "widths", "inputs", "space", "notes", "warnings"]);
    expect(out.samples).toBe(ex.samples);
    expect(out.layers).toEqual(files);
    expect(out.widths).toEqual(ex.widths);
    expect(out.inputs.map((i: { shape: number[] }) => i.shape)).toEqual(ex.inputs.map((i: { shape: number[] }) => i.shape));
    expect(Object.keys(out.space)).toEqual(["angularCka", "angularShape"]);
    expect(Object.keys(out.notes).sort()).toEqual(Object.keys(ex.notes).sort());
    const tol: Tolerance = ex.tolerance;
    for (const sp of ["angularCka", "angularShape"]) {
      expect(Object.keys(out.space[sp]).sort()).toEqual(Object.keys(ex.space[sp]).sort());
      const got = out.space[sp], want = ex.space[sp];
      want.pairwise.forEach((row: number[], i: number) => row.forEach((w, j) => close(got.pairwise[i][j], w, tol, `${sp}.pairwise[${i}][${j}]`)));
      for (const k of ["steps", "angles", "progress"]) want[k].forEach((w: number | null, i: number) => close(got[k][i], w, tol, `${sp}.${k}[${i}]`));
      for (const k of ["pathLength", "endpointDistance", "straightness", "excessLength"]) close(got[k], want[k], tol, `${sp}.${k}`);
    }
    const gp = out.space.angularCka.geodesicProjection;
    ex.space.angularCka.geodesicProjection.forEach((w: { fraction: number; offGeodesic: number | null }, i: number) => {
      close(gp[i].fraction, w.fraction, tol, `fraction ${i}`);
      if (w.offGeodesic === null) expect(gp[i].offGeodesic).toBeNull();
      else close(gp[i].offGeodesic, w.offGeodesic, tol, `offGeodesic ${i}`);
    });
  });

  it("--spaces and --backend js; readable mode prints a table per space", () => {
    const files = [0, 1, 2, 3, 4].map((i) => fx(`path-mlp/layer${i}.npy`));
    const ex = expected("path-mlp");
    const out = oneJson(repmatch("path", ...files, "--json", "--spaces", "angularShape", "--backend", "js"));
    expect(Object.keys(out.space)).toEqual(["angularShape"]);
    close(out.space.angularShape.pathLength, ex.space.angularShape.pathLength, ex.tolerance, "pathLength");
    const r = repmatch("path", ...files);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^angular CKA space/m);
    expect(r.stdout).toMatch(/^angular shape space/m);
    expect(r.stdout).toContain(`path length ${ex.space.angularCka.pathLength.toFixed(4)}, endpoint distance ${ex.space.angularCka.endpointDistance.toFixed(4)}`);
    expect(r.stdout).toMatch(/^layer\s+width\s+step to next\s+angle\s+progress\s+along geodesic\s+off geodesic$/m);
  });
});

describe("errors: exit 2, nothing on stdout, one line on stderr", () => {
  const A = fx("planted-noisy/a.npy"), B = fx("planted-noisy/b.npy");
  const cases: [string, string[], RegExp][] = [
    ["unknown measure", ["compare", A, B, "--measures", "cka,nope"], /--measures: expected names among match,cca,svcca,pwcca,cka,procrustes, got "nope"/],
    ["empty --measures", ["compare", A, B, "--measures", ","], /--measures: expected a comma-separated list/],
    ["--simple without match", ["compare", A, B, "--measures", "cka", "--simple"], /--simple and --v belong to the subspace match/],
    ["bad --svcca-keep", ["compare", A, B, "--svcca-keep", "1.5"], /expected keep to be a fraction in \(0, 1\], got 1\.5/],
    ["non-numeric --rbf-threshold", ["compare", A, B, "--rbf-threshold", "wide"], /--rbf-threshold: expected a number, got "wide"/],
    ["bad --alpha", ["compare", A, B, "--alpha", "2"], /expected alpha in \[0, 1\], got 2/],
    ["bad --epsilon", ["compare", A, B, "--epsilon=-1"], /expected epsilon to be a number in \[0, 1\), got -1/],
    ["option value that looks like an option", ["compare", A, B, "--epsilon", "-1"], /Option '--epsilon' argument is ambiguous\. Did you forget/],
    ["path with one layer", ["path", A], /path: expected at least two \.npy files \(consecutive layers\), got 1/],
    ["path with mismatched samples", ["path", A, fx("few-samples/a.npy")], /expected every layer to have the same number of samples \(rows\), got 600 in .*planted-noisy\/a\.npy and 30 in .*few-samples\/a\.npy/],
    ["path with a missing file", ["path", A, fx("nope/layer.npy")], /nope\/layer\.npy: expected a readable \.npy file, got no such file/],
    ["path --spaces", ["path", A, B, "--spaces", "angularCka,euclid"], /--spaces: expected a comma-separated list of angularCka,angularShape/],
    ["path unknown option", ["path", A, B, "--eps", "0.1"], /--eps/],
    ["path bad --backend", ["path", A, B, "--backend", "gpu"], /--backend: expected wasm or js, got "gpu"/],
    ["path malformed file", ["path", A, fx("bad-inputs/truncated.npy")], /truncated\.npy: expected 192 data bytes/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => expectUsageError(repmatch(...args), message));
  }

  it("--help lists path and the measure options", () => {
    const r = repmatch("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("repmatch path L0.npy L1.npy ...");
    expect(r.stdout).toContain("--measures LIST");
    expect(r.stdout).toContain("--spaces LIST");
  });
});
