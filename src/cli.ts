#!/usr/bin/env node
// Entry point of the `repmatch` command (see cli/main.ts).
import { main } from "./cli/main.js";

process.exitCode = await main(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
