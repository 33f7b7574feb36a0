/**
 * repmatch: compare what two neural networks have learned.
 *
 *   import { createEngine } from "repmatch";
 *   const engine = await createEngine();
 *   const r = engine.maxMatch({ data, shape: [samples, neurons] }, other, { eps: 0.3 });
 *   const m = engine.measures(a, b);          // cca, svcca, pwcca, cka, procrustes at once
 *   const p = engine.path([layer0, layer1, layer2]);   // Lange et al. 2022 path geometry
 */
export { createEngine, createEngineSync, Engine, DEFAULT_EPSILONS } from "./engine.js";
export type { EngineOptions, CallOptions, CurveResult, CompareResult, ConvOptions, ConvStreamOptions, ConvResult, PairInfo, MeasureInfo, PathCallOptions, PathInfo, GridOptions, GridCell, GridInfo } from "./engine.js";
export type { CcaOptions, CcaResult } from "./measures/cca.js";
export type { SvccaOptions, SvccaResult, SvccaCriterion } from "./measures/svcca.js";
export type { PwccaOptions, PwccaResult, PwccaVariant } from "./measures/pwcca.js";
export type { CkaOptions, CkaResult } from "./measures/cka.js";
export type { ProcrustesOptions, ProcrustesResult, ShapeCovariance } from "./measures/shape.js";
export type { MeasuresOptions, MeasuresValues, MeasureName } from "./measures/all.js";
export type { PathOptions, PathResult, PathGeometry, CkaPathGeometry, PathSpace } from "./measures/path.js";
export type { MaxMatchResult, VMinimalResult, SimpleMatch, SimpleMatchesResult, MinEpsilonResult } from "./subspace.js";
export type { ActivationsInput, MatrixInput, NumericArray } from "./matrix.js";
export type { ConvInput, ConvLayout } from "./conv.js";
export type { BackendName } from "./backend.js";
export type { Warning } from "./warnings.js";
export { RepmatchError } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { readNpy, writeNpy } from "./io/npy.js";
export type { NpyArray } from "./io/npy.js";
export { readNpz, readNpzSync, writeNpz } from "./io/npz.js";
export type { NpzArrays, NpzMember, NpzWriteEntry, NpzWriteOptions } from "./io/npz.js";
export { compareLayers } from "./layers/grid.js";
export type { NamedLayer, LayersOptions, LayersResult, LayerSummary } from "./layers/grid.js";
export type { PairResult } from "./layers/pair.js";
export { layersReport, layersCsv, layersGrids } from "./layers/report.js";
export { renderReport, heatmapSvg, lineChartSvg, pathPlotSvg } from "./report/index.js";
export type { LayersReport } from "./report/types.js";
export { convergence, convergenceCsv, convergenceDirection, convergenceOrder } from "./dynamics/convergence.js";
export type { Checkpoint, ConvergenceOptions, ConvergenceResult, ConvergenceSeries, ConvergenceDirection, LayerConvergence } from "./dynamics/convergence.js";
export { sequenceGrid, sequenceToFinal, sequenceSteps, sequenceCsv } from "./dynamics/sequence.js";
export type { SequenceInput, SequenceLayout, SequenceOptions, SequenceInfo, SequenceGridResult, SequenceToFinalResult } from "./dynamics/sequence.js";
export { comparePaths, depthAlignment, dpAlignment, findDivergence } from "./dynamics/paths.js";
export type { PathsOptions, PathsResult, AlignedPair, Alignment, AlignMethod, Divergence } from "./dynamics/paths.js";
export type { DynamicsMeasure, DynamicsOptions, SeriesInfo } from "./dynamics/common.js";
export { renderConvergenceReport, renderSequenceReport, renderPathsReport, convergenceSection, sequenceSection, pathsSection, insertSections, renderPage } from "./report/dynamics.js";
export type { ReportSection, PageOptions, ConvergenceSectionOptions } from "./report/dynamics.js";
