// Exported entry points of the repmatch WASM core. Kernels live one algorithm per file; this file
// only re-exports them. Every kernel works on raw pointers into linear memory that the TypeScript
// engine (src/engine.ts) manages as an arena above heapBase(); no kernel allocates.
export function heapBase(): usize {
  return __heap_base;
}
export function relaxedSimd(): bool {
  return ASC_FEATURE_RELAXED_SIMD;
}
export * from "./blas";
export { pivotedCholesky, schurDistance2, schurDistances2, cholRank, cholMinPivot } from "./cholesky";
export { householderQrcp, householderResidual } from "./qr";
export { bcgs2, gsResiduals } from "./gramschmidt";
export { setTolerances, workspaceBytes, setPair, distances, maxMatch, lastMargin, lastExactSides, lastUncertain, sideRank } from "./match";
export { normalizeColumns, transposeF64, transposeF32, widenF32, cosineFromGram } from "./columns";
// dense linear algebra behind src/wasm/linalg.ts (gemmNN comes with ./blas above)
export { centerColumns, copyMatrix, transpose, scaleColumns, scaleRows, rowSumSquares, frobenius, rowSquaredDistances, rowDistWorkBytes } from "./linalg";
export { qrThin, qrWorkBytes } from "./householder";
export { svdJacobi, svdWorkBytes, lastSweeps, lastRotations } from "./svd";
// CKA kernels (squared-distance median, RBF, double centring, symmetric products) behind src/wasm/linalg.ts
export { medianWorkBytes, distanceMedian, expUpper, centreKernel, symmetricDot, uCentredDots } from "./kernel";
export { eighTridiagonal, eighTridiagonalWorkBytes, eighTridiagonalStart, eighTridiagonalFinish, eighDivideAndConquer, eighQPending, eighApplyQ } from "./tridiagonal";
export { singularValues, singularValuesDqds, singularValuesWorkBytes } from "./bidiagonal";
export { choleskyUpper, invertUpper, multiplyUpper, multiplyUpperFrom } from "./cholqr";
