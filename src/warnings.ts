/**
 * Warnings: inputs that are valid but make results risky to read. They travel in a `warnings`
 * array of every pair result (the CLI prints them on stderr).
 */
import type { MatrixView } from "./matrix.js";

/**
 * Subspace match: fewSamples, samplesBelowNeurons, deadNeurons, rankDeficient (pairWarnings
 * below), float32Precision (precisionWarning below).
 * CCA / CKA / shape / path measures (src/measures/):
 *  - ccaDegenerate: samples <= neurons of a side, so canonical correlations are trivially 1
 *  - pwccaNotUnique: canonical correlations repeat, so the canonical variates and the PWCCA weights
 *    inside a repeated block are arbitrary (the value depends on the factorisation)
 *  - constantInput: a side has no variance at all (every column constant)
 *  - undefinedValue: a value is NaN; the result's `notes` (keyed by field path) says why
 */
export type WarningCode =
  | "fewSamples"
  | "samplesBelowNeurons"
  | "deadNeurons"
  | "rankDeficient"
  | "float32Precision"
  | "streamUncertain"
  | "ccaDegenerate"
  | "pwccaNotUnique"
  | "constantInput"
  | "undefinedValue";

export interface Warning {
  code: WarningCode;
  message: string;
}

/**
 * Subspace match means little unless samples >> neurons (docs/subspace-match.md, pitfall 5.1):
 * below 5 x neurons random vectors are already close to a span; at or below the neuron count
 * every neuron lies in the other side's span. Dead neurons are never matched but count.
 */
export function pairWarnings(a: MatrixView, b: MatrixView, live: Uint8Array, ranks?: [number, number]): Warning[] {
  const out: Warning[] = [];
  const d = a.samples;
  const n = Math.max(a.neurons, b.neurons);
  if (d <= n) {
    out.push({
      code: "samplesBelowNeurons",
      message: `${d} samples <= ${n} neurons: each side can span all of R^${d}, so every neuron matches and similarity 1 means nothing`,
    });
  } else if (d < 5 * n) {
    out.push({
      code: "fewSamples",
      message: `${d} samples < 5 x ${n} neurons: random activation vectors are already close to the other side's span (expected relative distance ~ sqrt(1 - n/d)); use more samples`,
    });
  }
  let deadA = 0, deadB = 0;
  for (let k = 0; k < live.length; k++) if (!live[k]) k < a.neurons ? deadA++ : deadB++;
  if (deadA + deadB > 0) {
    out.push({
      code: "deadNeurons",
      message: `dead neurons (all-zero activations): ${deadA} in ${a.name}, ${deadB} in ${b.name}; never matched, but counted in the similarity`,
    });
  }
  if (ranks) {
    const liveA = a.neurons - deadA, liveB = b.neurons - deadB;
    const short = [
      [a.name, ranks[0], liveA],
      [b.name, ranks[1], liveB],
    ].filter(([, r, l]) => (r as number) < (l as number) && (r as number) < d);
    if (short.length > 0) {
      out.push({
        code: "rankDeficient",
        message:
          short.map(([name, r, l]) => `the ${l} live neurons of ${name} span only ${r} independent directions`).join("; ") +
          " (directions below 1e-6 of the largest count as dependent): some neurons are linear combinations of others, so v-minimal and simple matches containing them need not be unique",
      });
    }
  }
  return out;
}

/**
 * float32 inputs carry about 7 significant digits: a relative distance within ~1e-5 of eps may sit
 * on the other side of eps in the full-precision activations the network computed.
 */
export function precisionWarning(views: readonly MatrixView[], points: readonly { eps: number; margin: number | null }[]): Warning | null {
  const f32 = views.filter((v) => v.float32).map((v) => v.name);
  if (f32.length === 0) return null;
  const close = points.filter((p) => p.margin !== null && p.margin < 1e-5);
  if (close.length === 0) return null;
  const worst = close.reduce((x, y) => (y.margin! < x.margin! ? y : x));
  return {
    code: "float32Precision",
    message: `${f32.join(" and ")} hold float32 values (~7 significant digits) and at eps ${close.map((p) => p.eps).join(", ")} a relative distance lies within ${worst.margin!.toExponential(1)} of eps: rounding of the inputs may flip that neuron's decision`,
  };
}

/**
 * A streamed pair has no data for the exact route: the eps whose decisions included some within
 * the Gram route's error bound (uncertain > 0), or null when there are none.
 */
export function streamUncertainWarning(points: readonly { eps: number; uncertain?: number }[]): Warning | null {
  const unsure = points.filter((q) => (q.uncertain ?? 0) > 0);
  if (unsure.length === 0) return null;
  return {
    code: "streamUncertain",
    message: `at eps ${unsure.map((q) => q.eps).join(", ")} some decisions lie within the Gram route's error bound of eps and could not be re-checked exactly without the data (see each point's uncertain count)`,
  };
}
