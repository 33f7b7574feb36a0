/** The report module: types, pure SVG plots and the self-contained HTML report. Browser-safe. */
export type { EpsCurve, Grid, LayerInfo, LayersReport, PathGeometry } from "./types.js";
export { heatmapSvg, lineChartSvg, pathPlotSvg } from "./svg.js";
export type { HeatmapOptions, LineChartOptions, LineSeries, PathPlotOptions, SvgOptions } from "./svg.js";
export { renderReport, describeMeasure } from "./html.js";
export { classicalMds, symmetricEigen } from "./mds.js";
export type { EigenResult, MdsResult } from "./mds.js";
export { escapeXml, niceTicks, niceDomain } from "./util.js";
export { similarityColor, distanceColor, seriesColor } from "./palette.js";
