/**
 * Input schema of the report module (src/report/): plain data, JSON-serialisable, produced by the
 * CLI (`repmatch layers`, `npm start`) and by the browser page, consumed by the pure renderers in
 * svg.ts (data in, SVG strings out) and html.ts (one self-contained HTML document).
 *
 * Renderers never trust these values: a non-finite number anywhere is drawn as "missing", never
 * written into an SVG attribute, and every string is XML-escaped.
 */

/** One layer of one network, as shown in the report's layer tables. */
export interface LayerInfo {
  /** layer name (file name, npz key or module path, e.g. "features.3") */
  name: string;
  /** number of samples (rows of the activation matrix) */
  samples: number;
  /** number of neurons (columns; channels for conv layers) */
  neurons: number;
  /** neurons whose activation vector is (numerically) zero; omitted when not counted */
  dead?: number;
}

/** One layer x layer grid of one measure. */
export interface Grid {
  /** machine key of the measure, e.g. "maxMatch@0.3", "cka", "svcca", "pwcca", "procrustes" */
  measure: string;
  /** human label, e.g. "Maximum match, eps = 0.3" */
  label: string;
  /** "similarity" in [0,1] (higher = more alike) or "distance" (>= 0, lower = more alike) */
  kind: "similarity" | "distance";
  /** values[i][j]: layer i of network A vs layer j of network B; null = not computed / undefined */
  values: (number | null)[][];
  /** optional remark shown in the caption (e.g. why some cells are missing) */
  note?: string;
}

/** Maximum-match similarity as a function of eps for one pair of layers. */
export interface EpsCurve {
  /** layer name in network A */
  layerA: string;
  /** layer name in network B */
  layerB: string;
  /** the eps values, ascending */
  eps: number[];
  /** similarity at each eps (same length as `eps`), in [0, 1] */
  similarity: number[];
  /** the smallest eps at which every live neuron is matched (max over neurons of the relative
   *  distance to the other side's span); drawn as a dashed marker when present */
  maxEpsilon?: number;
}

/** Path geometry of one network's layers (Lange et al. 2022) in one representation space. */
export interface PathGeometry {
  /** network name; may carry the space, e.g. "seed 1 (angular CKA)", or see `space` */
  network: string;
  /** optional name of the metric space (e.g. "angular CKA", "angular shape"); shown with `network` */
  space?: string;
  /** layer names, input side first */
  layers: string[];
  /** d(i, i+1), i = 0 .. K-1 (K + 1 layers) */
  steps: number[];
  /** d(i, j) for all layer pairs, symmetric, zero diagonal; the 2-D plot is its classical MDS */
  pairwise: number[][];
  /** sum of the steps */
  pathLength: number;
  /** d(0, K) */
  endpointDistance: number;
  /** endpointDistance / pathLength (1 = straight); NaN when undefined (rendered as missing) */
  straightness: number;
  /** interior angle (radians, pi = locally straight) at each layer; null where undefined (the
   *  endpoints). Either one entry per layer, or one per interior layer 1 .. K-1 */
  angles: (number | null)[];
  /** d(0, i) / (d(0, i) + d(i, K)) per layer (0 at the first layer, 1 at the last) */
  progress: number[];
}

/** Everything a report shows; renderReport(report) turns it into one HTML document. */
export interface LayersReport {
  /** document title */
  title: string;
  /** creation time as text (ISO 8601 suggested); shown verbatim, never computed by the renderer */
  createdAt?: string;
  /** names of network A and network B */
  networks: [string, string];
  /** layers of network A (the grids' rows) */
  layersA: LayerInfo[];
  /** layers of network B (the grids' columns) */
  layersB: LayerInfo[];
  /** e.g. max-match similarity at eps 0.3 (one grid per eps), CKA, SVCCA, PWCCA, angular Procrustes */
  grids: Grid[];
  /** similarity-vs-eps per layer pair (usually the diagonal pairs) */
  curves: EpsCurve[];
  /** per network, in the angular CKA or shape space (label the space in `network` or `space`) */
  paths?: PathGeometry[];
  /** paragraphs of plain text shown at the top */
  findings?: string[];
  /** plain-text warnings, shown prominently below the findings */
  warnings?: string[];
  /** backend, timing, versions...; shown in the footer in insertion order */
  meta?: Record<string, string | number>;
}
