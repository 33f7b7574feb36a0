/**
 * The page's "Convergence" tab: checkpoints of one network (one file per checkpoint, taken in
 * natural name order, the last the final one) go to the analysis runtime (web/worker.ts), which
 * runs `convergence` (src/dynamics/convergence.ts, the computation behind `repmatch convergence`)
 * and answers with progress and the ConvergenceResult. The view shows the convergence order and
 * direction per measure as text, and the report's own convergence section (src/report/dynamics.ts
 * convergenceSection: one lineChartSvg curve per layer over the checkpoints, per measure) — the
 * same markup the CLI's --report page has; that page itself is offered as a download.
 *
 * The page (web/app.ts) owns the engine and the shared parts of the UI (the status line, Cancel,
 * the error box); it hands them in through ConvergenceDeps and routes the runtime's conv* messages
 * here.
 */
import type { ConvergenceResult } from "../src/dynamics/convergence.js";
import { convergenceSection, renderConvergenceReport } from "../src/report/dynamics.js";
import type { ConvergenceMessage, ErrorInfo, FileSpec, LayerEntry, PageMessage, WorkerMessage } from "./protocol.js";

export interface ConvergenceDeps {
  /** starts the engine if it is not running (rejects when it cannot start; the page shows why) */
  ensureEngine(): Promise<void>;
  /** the current connection to the runtime (null while none) */
  port(): { post(msg: PageMessage): void } | null;
  /** stops the runtime (a worker is terminated: how a running computation is cancelled) */
  dropEngine(): void;
  /** refreshes the engine badge */
  showEngine(): void;
  /** cancels a running two-network comparison (it shares the runtime) */
  cancelPairRun(): void;
  /** redraws the status line for the two-network comparison */
  renderPairStatus(): void;
  showError(err: ErrorInfo): void;
  clearError(): void;
  /** the next run id (shared with the page's other requests) */
  nextId(): number;
}

export interface ConvergenceView {
  onMessage(m: ConvergenceMessage): void;
  /** stops a running computation (restart: start the engine again afterwards) */
  cancel(restart: boolean): void;
  /** the runtime was stopped by the page (engine switch, crash, another run) */
  engineDropped(): void;
  active(): boolean;
}

export function isConvergenceMessage(m: WorkerMessage): m is ConvergenceMessage {
  return m.type.startsWith("conv");
}

type State = "reading" | "running" | "done" | "cancelled" | "failed";

interface ConvRun {
  id: number;
  files: FileSpec[];
  steps: number[] | undefined;
  xLabel: string;
  eps: number[];
  fraction: number;
  state: State;
  stage: string;
  layers: LayerEntry[];
  done: number;
  total: number;
  result: ConvergenceResult | null;
  csv: string;
  t0: number;
  elapsed: number | null;
}

const DEFAULT_CKPT_EPS = "0.3";
const DEFAULT_FRACTION = "0.9";

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: missing #${id}`);
  return el as T;
}

function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: (Node | string | null | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
const stem = (name: string) => name.replace(/^.*[\\/]/, "").replace(/\.(npy|npz)$/i, "");
const pct = (f: number) => `${+(100 * f).toFixed(2)}%`;

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function formatSeconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

/**
 * The training axis from the file names: the last integer in every name (epoch-05.npz -> 5) when
 * all names have one and they strictly increase in the files' order; else none (1 .. K).
 */
export function stepsFromNames(names: readonly string[]): number[] | undefined {
  const nums = names.map((n) => {
    const m = /(\d+)(?!.*\d)/.exec(stem(n));
    return m ? Number(m[1]) : Number.NaN;
  });
  if (nums.some((x) => !Number.isSafeInteger(x))) return undefined;
  if (!nums.every((x, k) => k === 0 || x > nums[k - 1]!)) return undefined;
  return nums;
}

function parseList(raw: string, what: string, ok: (v: number) => boolean, expected: string): number[] | ErrorInfo {
  const tokens = raw.trim().split(/[\s,;]+/).filter((t) => t !== "");
  const values = tokens.map(Number);
  const bad = tokens.find((_, k) => !ok(values[k]!));
  if (tokens.length === 0 || bad !== undefined) {
    return { code: what === "fraction" ? "badOption" : "badEpsilon", message: `${what}: expected ${expected}, got ${tokens.length === 0 ? "none" : `\u201c${bad}\u201d`}` };
  }
  return [...new Set(values)].sort((x, y) => x - y);
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._@-]+/g, "_").replace(/^_+|_+$/g, "") || "checkpoints";
}

export function setupConvergence(deps: ConvergenceDeps): ConvergenceView {
  let files: FileSpec[] = [];
  let sizes: number[] = [];
  let run: ConvRun | null = null;
  /** the run whose layers / result are on screen */
  let shown: ConvRun | null = null;
  let cancelling = false;

  const isActive = (r: ConvRun | null) => !!r && (r.state === "reading" || r.state === "running");
  const mode = () => (document.body.dataset.mode === "convergence" ? "convergence" : "pair");

  // -------------------------------------------------------------------------------------------
  // Tabs

  function setMode(m: "pair" | "convergence"): void {
    if (mode() === m) return;
    document.body.dataset.mode = m;
    $("tab-pair").setAttribute("aria-selected", String(m === "pair"));
    $("tab-convergence").setAttribute("aria-selected", String(m === "convergence"));
    deps.clearError();
    if (m === "pair") deps.renderPairStatus();
    else renderStatus();
  }

  // -------------------------------------------------------------------------------------------
  // Inputs

  function renderZone(): void {
    const zone = $("zone-ckpt");
    const body = $("files-ckpt");
    zone.classList.toggle("filled", files.length > 0);
    $("net-ckpt").textContent = files.length ? `${files.length} checkpoint${files.length === 1 ? "" : "s"}` : "";
    body.innerHTML = "";
    if (files.length === 0) {
      body.append(
        h(
          "div",
          { class: "empty" },
          "Drop one .npz file per checkpoint (one array per layer: the same layers and samples in every checkpoint), e.g. epoch01.npz … epoch20.npz. They are taken in natural name order; the last one is the final network.",
        ),
      );
      return;
    }
    const ul = h("ul", { id: "ckpt-list" });
    files.forEach((f, k) => {
      const last = k === files.length - 1 && files.length > 1;
      ul.append(h("li", { "data-name": f.name }, h("span", {}, `${k + 1}. ${f.name}`, last ? h("span", { class: "dim" }, " · final") : null), h("span", { class: "dim" }, formatBytes(sizes[k] ?? 0))));
    });
    body.append(ul);
    const r = shown;
    if (r && r.files === files && r.layers.length) {
      const shapes = r.layers.map((l) => `${l.name} (${l.neurons})`).join(" · ");
      body.append(h("div", { class: "dim", style: "margin-top:6px" }, `${r.layers.length} layer${r.layers.length === 1 ? "" : "s"}, ${r.layers[0]!.samples.toLocaleString("en-US")} samples: ${shapes}`));
    }
  }

  function setFiles(list: File[]): void {
    const picked = list.filter((f) => f && typeof f.name === "string");
    if (picked.length === 0) return;
    setMode("convergence");
    picked.sort((x, y) => collator.compare(x.name, y.name));
    files = picked.map((f) => ({ name: f.name, data: f }));
    sizes = picked.map((f) => f.size);
    deps.clearError();
    renderZone();
    if (files.length >= 2) void start();
    else idle("Now add the other checkpoints: at least two files, the last being the final network.");
  }

  // -------------------------------------------------------------------------------------------
  // Runs

  async function start(): Promise<void> {
    if (files.length < 2) {
      deps.showError({ code: "usage", message: `expected at least two checkpoint files (one .npz per checkpoint, the last is the final one), got ${files.length}` });
      return;
    }
    const eps = parseList($<HTMLInputElement>("ckpt-eps").value, "max-match \u03b5", (v) => Number.isFinite(v) && v > 0 && v < 1, "numbers between 0 and 1 (exclusive) separated by commas");
    if (!Array.isArray(eps)) return deps.showError(eps);
    const fr = parseList($<HTMLInputElement>("ckpt-fraction").value, "fraction", (v) => Number.isFinite(v) && v > 0 && v <= 1, "one number in (0, 1]");
    if (!Array.isArray(fr)) return deps.showError(fr);
    if (fr.length !== 1) return deps.showError({ code: "badOption", message: `fraction: expected one number in (0, 1], got ${fr.length}` });
    deps.clearError();
    deps.cancelPairRun();
    if (isActive(run)) cancel(false);
    const names = files.map((f) => f.name);
    const steps = stepsFromNames(names);
    const plain = !steps || steps.every((s, k) => s === k + 1);
    const r: ConvRun = {
      id: deps.nextId(),
      files,
      steps: plain ? undefined : steps,
      xLabel: plain ? "checkpoint" : "step (number in the file name)",
      eps,
      fraction: fr[0]!,
      state: "reading",
      stage: "starting the engine",
      layers: [],
      done: 0,
      total: 0,
      result: null,
      csv: "",
      t0: performance.now(),
      elapsed: null,
    };
    run = r;
    renderStatus();
    try {
      await deps.ensureEngine();
    } catch {
      r.state = "failed";
      renderStatus();
      return;
    }
    const port = deps.port();
    if (run !== r || !port) return;
    r.stage = "reading checkpoints";
    renderStatus();
    port.post({ type: "convergence", id: r.id, files: r.files, steps: r.steps, eps: r.eps, fraction: r.fraction });
    deps.showEngine();
  }

  function cancel(restart: boolean): void {
    const r = run;
    if (!r || !isActive(r)) return;
    r.state = "cancelled";
    r.elapsed = (performance.now() - r.t0) / 1000;
    cancelling = true;
    try {
      deps.dropEngine();
    } finally {
      cancelling = false;
    }
    renderStatus();
    render();
    if (restart) void deps.ensureEngine().then(deps.showEngine, () => {});
  }

  function engineDropped(): void {
    if (cancelling) return;
    const r = run;
    if (!r || !isActive(r)) return;
    r.state = "cancelled";
    r.stage = "the engine was restarted";
    r.elapsed = (performance.now() - r.t0) / 1000;
    renderStatus();
    render();
  }

  function onMessage(m: ConvergenceMessage): void {
    const r = run;
    if (!r || m.id !== r.id || !isActive(r)) return;
    switch (m.type) {
      case "convStage":
        r.stage = m.text;
        break;
      case "convLayers":
        r.layers = m.layers;
        r.total = m.total;
        r.state = "running";
        r.stage = "";
        shown = r;
        renderZone();
        break;
      case "convProgress":
        r.done = m.done;
        r.total = m.total;
        break;
      case "convDone":
        r.result = m.result;
        r.csv = m.csv;
        r.done = r.total;
        r.state = "done";
        r.elapsed = (performance.now() - r.t0) / 1000;
        shown = r;
        break;
      case "convError":
        r.state = "failed";
        r.elapsed = (performance.now() - r.t0) / 1000;
        deps.showError(m.error);
        $("error").scrollIntoView?.({ block: "nearest" });
        break;
    }
    renderStatus();
    deps.showEngine();
    render();
  }

  // -------------------------------------------------------------------------------------------
  // Status line (shared with the two-network comparison; drawn here while this tab is shown)

  function idle(text: string): void {
    if (mode() !== "convergence") return;
    $("status").hidden = false;
    $("progress").classList.remove("indeterminate");
    $("progress-bar").style.width = "0";
    $("status-text").textContent = text;
    $("cancel").hidden = true;
  }

  function renderStatus(): void {
    const root = $("ckpt-results");
    const r = run;
    root.dataset.state = r ? r.state : "idle";
    root.dataset.run = r ? String(r.id) : "0";
    root.dataset.done = r ? String(r.done) : "0";
    root.dataset.total = r ? String(r.total) : "0";
    if (mode() !== "convergence") return;
    if (!r) {
      idle(files.length ? "Add at least two checkpoints." : "Drop the checkpoints of one network: one .npz file per checkpoint.");
      return;
    }
    const status = $("status");
    const text = $("status-text");
    const bar = $("progress-bar");
    const prog = $("progress");
    status.hidden = false;
    $("cancel").hidden = !isActive(r);
    text.innerHTML = "";
    const elapsed = formatSeconds(r.elapsed ?? (performance.now() - r.t0) / 1000);
    if (r.state === "reading") {
      prog.classList.add("indeterminate");
      text.append(h("strong", {}, "Loading"), ` · ${r.stage}…`);
    } else if (r.state === "running") {
      prog.classList.toggle("indeterminate", r.done === 0);
      bar.style.width = `${(100 * r.done) / Math.max(1, r.total)}%`;
      const K = r.files.length;
      const layer = r.layers[Math.min(r.layers.length - 1, Math.floor(r.done / Math.max(1, K)))];
      text.append(h("strong", {}, `${r.done} of ${r.total} comparison${r.total === 1 ? "" : "s"}`), ` · every checkpoint of ${layer?.name ?? "a layer"} against the final one…`);
    } else if (r.state === "done") {
      prog.classList.remove("indeterminate");
      bar.style.width = "100%";
      text.append(h("strong", {}, `Done: ${r.layers.length} layer${r.layers.length === 1 ? "" : "s"} over ${r.files.length} checkpoints in ${elapsed}`));
    } else if (r.state === "cancelled") {
      prog.classList.remove("indeterminate");
      text.append(h("strong", {}, "Cancelled"), ` after ${r.done} of ${r.total || "?"} comparisons (${elapsed}); the engine was restarted.`);
    } else {
      prog.classList.remove("indeterminate");
      bar.style.width = "0";
      text.append(h("strong", {}, "Stopped"), " · see the message above; drop other checkpoints to continue.");
    }
  }

  // -------------------------------------------------------------------------------------------
  // The view

  let reportKey = "";
  function render(): void {
    const root = $("ckpt-results");
    const r = shown;
    root.hidden = !r;
    if (!r) return;
    const res = r.result;
    const K = r.files.length;
    const first = r.files[0]?.name ?? "", last = r.files[K - 1]?.name ?? "";
    const what = $("ckpt-what");
    what.innerHTML = "";
    what.append(
      h("strong", {}, `${r.layers.length} layer${r.layers.length === 1 ? "" : "s"}`),
      ` over ${K} checkpoints (${first} … ${last}), ${(r.layers[0]?.samples ?? 0).toLocaleString("en-US")} samples: each layer against itself at the final checkpoint, ${last}`,
    );
    $("ckpt-meta").textContent = res
      ? `Converged = the first checkpoint reaching ${pct(res.fraction)} of the final similarity. Computed in ${formatSeconds(r.elapsed ?? res.seconds)}.`
      : r.state === "running" || r.state === "reading"
        ? "Computing…"
        : "The computation did not finish: compute it again to see the curves.";
    // warnings
    const wbox = $("ckpt-warnings");
    const warnings = res?.warnings ?? [];
    wbox.hidden = warnings.length === 0;
    const wbody = $("ckpt-warnings-body");
    wbody.innerHTML = "";
    if (warnings.length) {
      const ul = h("ul");
      warnings.slice(0, 6).forEach((w) => ul.append(h("li", {}, w)));
      if (warnings.length > 6) ul.append(h("li", {}, `… and ${warnings.length - 6} more (in the JSON export)`));
      wbody.append(h("strong", {}, warnings.length === 1 ? "Warning" : `Warnings (${warnings.length})`), ul);
    }
    // the order, per measure, in text
    const table = $("ckpt-order");
    table.innerHTML = "";
    $("ckpt-order-section").hidden = !res;
    $("ckpt-report").hidden = !res;
    $("ckpt-export").hidden = !res;
    if (!res) {
      $("ckpt-report").innerHTML = "";
      reportKey = "";
      return;
    }
    const names = res.checkpoints.map((c) => c.name);
    $("ckpt-order-lead").textContent =
      `Layers sorted by the first checkpoint at which each reaches ${pct(res.fraction)} of its final similarity (a distance d counts as the similarity 1 \u2212 d / max). ` +
      `Bottom-up: layers nearer the input converge no later than those above them (Morcos et al. 2018 found this in CNNs and RNNs); top-down: the reverse; mixed: neither.`;
    const tbody = h("tbody");
    for (const s of res.series) {
      const by = s.order.map((n) => {
        const c = s.layers.find((x) => x.layer === n)!;
        return `${n} (${c.reached === null ? "never" : names[c.reached]})`;
      });
      tbody.append(
        h(
          "tr",
          { "data-measure": s.measure, "data-order": s.order.join(","), "data-direction": s.direction },
          h("th", { scope: "row" }, s.label),
          h("td", { class: "order" }, by.join(" \u2192 ")),
          h("td", { class: "v direction" }, s.direction),
        ),
      );
    }
    table.append(h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "measure"), h("th", { scope: "col" }, "order (checkpoint where converged)"), h("th", { scope: "col", class: "v" }, "direction"))), tbody);
    // the report's own section: curves per measure (lineChartSvg) and the table of points
    const key = String(r.id);
    if (reportKey !== key) {
      $("ckpt-report").innerHTML = convergenceSection(res, { xLabel: r.xLabel, note: `Checkpoints: ${names.join(", ")}; the last is the final one.` }).html;
      reportKey = key;
    }
  }

  function reportFile(): { name: string; type: string; text: string } | null {
    const r = shown;
    if (!r?.result) return null;
    const html = renderConvergenceReport(r.result, { xLabel: r.xLabel, meta: { checkpoints: r.files.map((f) => f.name).join(", "), threads: r.result.threads, seconds: Number(r.result.seconds.toFixed(2)) } });
    return { name: `repmatch-convergence-${safeName(stem(r.files.at(-1)?.name ?? ""))}.html`, type: "text/html", text: html };
  }

  function download(a: HTMLAnchorElement, make: () => { name: string; type: string; text: string } | null): void {
    a.addEventListener("click", (e) => {
      const file = make();
      if (!file) {
        e.preventDefault();
        return;
      }
      const old = a.dataset.url;
      if (old) URL.revokeObjectURL(old);
      const url = URL.createObjectURL(new Blob([file.text], { type: file.type }));
      a.dataset.url = url;
      a.href = url;
      a.download = file.name;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Wiring

  $<HTMLInputElement>("ckpt-eps").value = DEFAULT_CKPT_EPS;
  $<HTMLInputElement>("ckpt-fraction").value = DEFAULT_FRACTION;
  $("tab-pair").addEventListener("click", () => setMode("pair"));
  $("tab-convergence").addEventListener("click", () => setMode("convergence"));
  const input = $<HTMLInputElement>("file-ckpt");
  input.addEventListener("change", () => {
    setFiles(Array.from(input.files ?? []));
    input.value = "";
  });
  const zone = $("zone-ckpt");
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      input.click();
    }
  });
  // in this tab, files dropped anywhere (the zone included) are the checkpoints; before the page's
  // own drop handling, which expects two networks
  window.addEventListener(
    "drop",
    (e) => {
      if (mode() !== "convergence") return;
      e.preventDefault();
      e.stopImmediatePropagation();
      zone.classList.remove("over");
      setFiles(Array.from(e.dataTransfer?.files ?? []));
    },
    { capture: true },
  );
  $("ckpt-run").addEventListener("click", () => void start());
  for (const id of ["ckpt-eps", "ckpt-fraction"]) {
    $(id).addEventListener("keydown", (e) => {
      if (e.key === "Enter") void start();
    });
  }
  $("cancel").addEventListener("click", () => {
    if (mode() === "convergence" && isActive(run)) cancel(true);
  });
  download($<HTMLAnchorElement>("ckpt-dl-json"), () =>
    shown?.result ? { name: `repmatch-convergence-${safeName(stem(shown.files.at(-1)?.name ?? ""))}.json`, type: "application/json", text: JSON.stringify(shown.result, null, 2) + "\n" } : null,
  );
  download($<HTMLAnchorElement>("ckpt-dl-csv"), () => (shown?.result ? { name: `repmatch-convergence-${safeName(stem(shown.files.at(-1)?.name ?? ""))}.csv`, type: "text/csv", text: shown.csv } : null));
  download($<HTMLAnchorElement>("ckpt-dl-html"), reportFile);
  renderZone();
  renderStatus();

  return { onMessage, cancel, engineDropped, active: () => isActive(run) };
}
