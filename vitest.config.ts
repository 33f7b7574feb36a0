import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // the machine has 2 cores; the WASM tests are CPU-bound
    maxWorkers: 2,
  },
});
