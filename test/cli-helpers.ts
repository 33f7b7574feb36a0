// Running the `repmatch` CLI as users do (`node dist/cli.js ...` in a child process), shared by the
// CLI test files. `npm test` builds dist/ first (pretest); ensureBuilt() rebuilds only when dist/ is
// missing or older than the sources, so parallel test files never rewrite it under each other.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const CLI = join(ROOT, "dist", "cli.js");

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/ (scripts/build-ts.mjs) unless dist/cli.js is newer than every source file. */
export function ensureBuilt(): void {
  const fresh = existsSync(CLI) && statSync(CLI).mtimeMs >= Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "demo")));
  if (!fresh) execFileSync(process.execPath, [join(ROOT, "scripts", "build-ts.mjs")], { cwd: ROOT, stdio: "pipe" });
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `repmatch ...args` (stack traces off). */
export function repmatch(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, REPMATCH_DEBUG: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** stdout holds exactly one JSON object (one line); exit code 0. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function oneJson(r: Run): any {
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.split("\n").filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  const obj = JSON.parse(lines[0]!);
  expect(typeof obj).toBe("object");
  return obj;
}

/** exit 2, nothing on stdout, exactly one "repmatch: ..." line on stderr, no stack trace */
export function expectUsageError(r: Run, message?: RegExp): void {
  expect(r.status, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^repmatch: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/^\s*at /m);
  expect(r.stderr).not.toMatch(/internal error/);
  if (message) expect(r.stderr).toMatch(message);
}
