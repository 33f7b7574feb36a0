/**
 * The numerical thresholds of the subspace match, in one place. The JS backend reads them here and
 * the WASM engine passes them to the core as arguments, so both backends decide identically.
 */

/** float64 machine epsilon (2^-52) */
export const MACHINE_EPS = 2.220446049250313e-16;

/** A neuron is dead when its activation vector's Euclidean norm is <= this (authors' _ZERO). */
export const DEAD_NORM = 1e-16;

/**
 * Rank cut-off of a span, relative to its largest direction, for unit-norm columns: the default of
 * numpy's lstsq / the reference implementation, max(d, m) * eps (docs/subspace-match.md sec. 2.1).
 */
export function rankCutoff(d: number, m: number): number {
  return Math.max(d, m) * MACHINE_EPS;
}

/**
 * Gram route (docs/subspace-match.md sec. 6). A pivoted Cholesky pivot at or below CHOL_STOP ends
 * the factorisation; the side is then decided by the exact QR route (the Gram matrix cannot tell a
 * tiny direction from rounding noise).
 */
export const CHOL_STOP = 1e-12;

/**
 * Error bound of a Gram-route squared distance for a span of m unit columns in R^d whose pivoted
 * Cholesky has smallest pivot p:  ERR_SCALE * eps * m * (m + sqrt(d)) / p. It is the first-order
 * bound ||dC|| / lambda_min with ||dC|| <= m (m + sqrt d) eps (factorisation plus Gram rounding)
 * and lambda_min ~ p, times a safety factor. Neurons whose dist^2 lies within it of eps^2 are
 * re-verified by the exact QR route, so decisions equal the exact answer.
 */
export const ERR_SCALE = 8;

/** A side whose Gram error bound exceeds this is decided entirely by the exact QR route. */
export const UNTRUSTED_ERR = 1e-3;

/**
 * Gram-route squared distances below this (distances below 1e-5) are recomputed exactly: the Gram
 * route resolves distances only down to ~1e-8 (sqrt of eps), and exact relations (planted or
 * duplicated neurons) sit at ~1e-15, which matters for the reported margin and for tiny eps.
 */
export const NEAR_ZERO_D2 = 1e-10;
