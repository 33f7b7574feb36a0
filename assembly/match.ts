/**
 * Algorithm 1 of Wang et al. (NeurIPS 2018): the maximum epsilon-approximate match by iterative
 * pruning, in Gram space with exact QR verification. Twin of src/js/prune.ts (same schedule, same
 * decisions): each round removes every a-neuron with reldist(a, span B) > eps, then every b-neuron
 * with reldist(b, span A) > eps against the pruned A, until a round removes nothing. Distances come
 * from the cosine Gram (cholesky.ts); a side whose Gram answer is uncertain (rank-deficient or
 * ill-conditioned span, a distance within the error bound of eps, a near-zero distance) is decided
 * exactly, so the answer equals the exact one: by block Gram-Schmidt (gramschmidt.ts) when the
 * Cholesky showed the span full rank and well conditioned, else by Householder QR with column
 * pivoting and the reference's rank cut-off (qr.ts). (The pure-TS backend always takes the pivoted
 * QR for its exact route; both give the exact distances to rounding.)
 *
 * The pair context (setPair) and the thresholds (setTolerances) are globals; all memory is the
 * caller's: the workspace layout is given by workspaceBytes().
 */
import { cholMinPivot, cholRank, pivotedCholesky, schurDistances2 } from "./cholesky";
import { bcgs2, gsResiduals } from "./gramschmidt";
import { householderQrcp, householderResidual } from "./qr";

const MACHINE_EPS: f64 = 2.220446049250313e-16;

let tolCholStop: f64 = 1e-12;
let tolErrScale: f64 = 8;
let tolUntrusted: f64 = 1e-3;
let tolNearZero: f64 = 1e-10;

/** Thresholds of the Gram route (src/tolerances.ts is their single source). */
export function setTolerances(cholStop: f64, errScale: f64, untrusted: f64, nearZero: f64): void {
  tolCholStop = cholStop;
  tolErrScale = errScale;
  tolUntrusted = untrusted;
  tolNearZero = nearZero;
}

// the current pair
let gC: usize = 0;   // cosine Gram, n x n f64
let gZ: usize = 0;   // unit columns, d x n f64 column-major
let gLive: usize = 0; // n u8
let gD: i32 = 0;
let gNa: i32 = 0;
let gNb: i32 = 0;
// workspace regions
let wSx: usize = 0, wSy: usize = 0, wDist: usize = 0, wL: usize = 0, wPiv: usize = 0, wDiag: usize = 0;
let wW: usize = 0, wFlag: usize = 0, wQrA: usize = 0, wTau: usize = 0, wNorms: usize = 0, wX: usize = 0;
let wT: usize = 0, wS: usize = 0, wIdx: usize = 0, wRes: usize = 0;

/** Targets per block of the Gram-Schmidt residuals. */
const GS_BLOCK: i32 = 32;
/**
 * Smallest pivoted-Cholesky pivot (a squared relative distance) for which the exact route may use
 * block Gram-Schmidt (cond of the unit basis then <~ sqrt(m) 1e5, far inside BCGS2's range);
 * smaller pivots or a rank-deficient span take Householder QR with column pivoting.
 */
const GS_MIN_PIVOT: f64 = 1e-10;

// outputs of the last maxMatch
export let lastMargin: f64 = 0;
export let lastExactSides: i32 = 0;
/**
 * Distances of the last maxMatch that would have needed the exact route but had no data to take
 * it (a pair given only by its accumulated Gram matrix): decided by the Gram value.
 */
export let lastUncertain: i32 = 0;

function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

/** Bytes of workspace a pair of na + nb neurons over d samples needs. */
export function workspaceBytes(d: i32, na: i32, nb: i32): usize {
  return layout(0, d, na, nb);
}

function layout(base: usize, d: i32, na: i32, nb: i32): usize {
  const n = <usize>(na + nb);
  const m = <usize>max(na, nb);
  let p = align16(base);
  wSx = p; p = align16(p + (n << 2));
  wSy = p; p = align16(p + (n << 2));
  wDist = p; p = align16(p + (n << 3));
  wL = p; p = align16(p + ((m * m) << 3));
  wPiv = p; p = align16(p + (m << 2));
  wDiag = p; p = align16(p + (m << 3));
  wW = p; p = align16(p + ((m * 64) << 3));
  wFlag = p; p = align16(p + n);
  wTau = p; p = align16(p + (m << 3));
  wNorms = p; p = align16(p + (m << 4));
  wX = p; p = align16(p + (<usize>d << 3));
  wQrA = p; p = align16(p + ((<usize>d * m) << 3));
  wT = p; p = align16(p + ((<usize>d * <usize>GS_BLOCK) << 3));
  wS = p; p = align16(p + ((m * <usize>max(GS_BLOCK, 32)) << 3));
  wIdx = p; p = align16(p + (<usize>GS_BLOCK << 2));
  wRes = p; p = align16(p + (<usize>GS_BLOCK << 3));
  return p - base;
}

/**
 * Binds a pair: C its cosine Gram, Z its unit columns (0 for a pair known only by its Gram matrix,
 * e.g. accumulated over streamed batches: then there is no exact route, and the workspace needs
 * only workspaceBytes(0, na, nb)), d the number of samples.
 */
export function setPair(C: usize, Z: usize, live: usize, d: i32, na: i32, nb: i32, work: usize): void {
  gC = C; gZ = Z; gLive = live; gD = d; gNa = na; gNb = nb;
  layout(work, Z == 0 ? 0 : d, na, nb);
  liveA = 0; liveB = 0;
  for (let i = 0; i < na + nb; i++) if (load<u8>(live + <usize>i) != 0) { if (i < na) liveA++; else liveB++; }
  rankA = -1; rankB = -1;
}

// live neurons per side, and each side's rank once a factorisation of all of them has been seen
let liveA: i32 = 0, liveB: i32 = 0, rankA: i32 = -1, rankB: i32 = -1;

/**
 * Remembers cholRank when basis[0..m) is every live neuron of its side (ascending, as both maxMatch
 * and the rank query list them): the first pruning round factorises all of one side, which then
 * answers sideRank without a second factorisation.
 */
function noteRank(basis: usize, m: i32): void {
  if (m == 0) return;
  const inA = load<i32>(basis) < gNa;
  if (inA && m == liveA) rankA = cholRank;
  else if (!inA && m == liveB) rankB = cholRank;
}

/**
 * Relative distances of targets t[0..nt) (i32 combined indices) to span{basis[0..m)} into out.
 * eps only selects which distances need the exact route (NaN: none for that reason).
 */
export function distances(t: usize, nt: i32, basis: usize, m: i32, eps: f64, out: usize): void {
  if (m == 0) {
    for (let i = 0; i < nt; i++) store<f64>(out + (<usize>i << 3), 1.0);
    return;
  }
  const n = gNa + gNb;
  pivotedCholesky(gC, n, basis, m, wL, wPiv, wDiag, tolCholStop);
  noteRank(basis, m);
  const err = tolErrScale * MACHINE_EPS * <f64>m * (<f64>m + Math.sqrt(<f64>gD)) / cholMinPivot;
  const trusted = cholRank == m && err <= tolUntrusted;
  const eps2 = eps * eps;
  let exact = 0;
  if (gZ == 0) {
    // no data for the exact route: the Gram value over the numerical rank, flagged as uncertain
    schurDistances2(gC, n, t, nt, wL, m, cholRank, wPiv, wW, out);
    for (let i = 0; i < nt; i++) {
      const o = out + (<usize>i << 3);
      const d2 = max<f64>(load<f64>(o), 0);
      if (!trusted || Math.abs(d2 - eps2) <= err) lastUncertain++;
      store<f64>(o, Math.sqrt(d2));
    }
    return;
  }
  if (trusted) schurDistances2(gC, n, t, nt, wL, m, m, wPiv, wW, out);
  for (let i = 0; i < nt; i++) {
    const o = out + (<usize>i << 3);
    const d2 = load<f64>(o);
    if (!trusted || d2 < tolNearZero || Math.abs(d2 - eps2) <= err) {
      store<u8>(wFlag + <usize>i, 1);
      exact++;
    } else {
      store<u8>(wFlag + <usize>i, 0);
      store<f64>(o, Math.sqrt(d2));
    }
  }
  if (exact > 0) exactDistances(t, nt, basis, m, out);
}

/** Copies the basis columns into wQrA (d x m); returns true. */
function copyBasis(basis: usize, m: i32): bool {
  const ld = <usize>gD << 3;
  for (let k = 0; k < m; k++) {
    memory.copy(wQrA + <usize>k * ld, gZ + <usize>load<i32>(basis + (<usize>k << 2)) * ld, ld);
  }
  return true;
}

function exactDistances(t: usize, nt: i32, basis: usize, m: i32, out: usize): void {
  const d = gD;
  const ld = <usize>d << 3;
  lastExactSides++;
  // full-rank, reasonably conditioned span (known from the Cholesky): block Gram-Schmidt
  if (cholRank == m && cholMinPivot >= GS_MIN_PIVOT && copyBasis(basis, m) && bcgs2(wQrA, d, m, wS, 1e-8) == 0) {
    let k = 0;
    for (let i = 0; i <= nt; i++) {
      if (i < nt && load<u8>(wFlag + <usize>i) != 0) {
        store<i32>(wIdx + (<usize>k << 2), i);
        memory.copy(wT + <usize>k * ld, gZ + <usize>load<i32>(t + (<usize>i << 2)) * ld, ld);
        k++;
      }
      if (k == GS_BLOCK || (i == nt && k > 0)) {
        gsResiduals(wQrA, d, m, wT, k, wS, wRes);
        for (let c = 0; c < k; c++) {
          store<f64>(out + (<usize>load<i32>(wIdx + (<usize>c << 2)) << 3), load<f64>(wRes + (<usize>c << 3)));
        }
        k = 0;
      }
    }
    return;
  }
  // otherwise (rank-deficient or ill-conditioned): Householder QR with column pivoting
  copyBasis(basis, m);
  const cutoff = <f64>max(d, m) * MACHINE_EPS;
  const r = householderQrcp(wQrA, d, m, wTau, wNorms, cutoff);
  for (let i = 0; i < nt; i++) {
    if (load<u8>(wFlag + <usize>i) == 0) continue;
    memory.copy(wX, gZ + <usize>load<i32>(t + (<usize>i << 2)) * ld, ld);
    store<f64>(out + (<usize>i << 3), householderResidual(wQrA, d, r, wTau, wX));
  }
}

/**
 * Maximum match inside the candidate mask cand (n u8, combined numbering) into out (n u8).
 * Returns the number of rounds; lastMargin and lastExactSides are set.
 */
export function maxMatch(cand: usize, eps: f64, out: usize): i32 {
  const na = gNa;
  const n = gNa + gNb;
  let nx = 0, ny = 0;
  for (let i = 0; i < na; i++) {
    if (load<u8>(cand + <usize>i) != 0 && load<u8>(gLive + <usize>i) != 0) { store<i32>(wSx + (<usize>nx << 2), i); nx++; }
  }
  for (let j = na; j < n; j++) {
    if (load<u8>(cand + <usize>j) != 0 && load<u8>(gLive + <usize>j) != 0) { store<i32>(wSy + (<usize>ny << 2), j); ny++; }
  }
  let margin = Infinity;
  let rounds = 0;
  lastExactSides = 0;
  lastUncertain = 0;
  while (true) {
    rounds++;
    let changed = false;
    if (nx > 0) {
      distances(wSx, nx, wSy, ny, eps, wDist);
      const k = keep(wSx, nx, eps);
      margin = min(margin, lastMargin);
      if (k != nx) { changed = true; nx = k; }
    }
    if (ny > 0) {
      distances(wSy, ny, wSx, nx, eps, wDist);
      const k = keep(wSy, ny, eps);
      margin = min(margin, lastMargin);
      if (k != ny) { changed = true; ny = k; }
    }
    if (!changed) break;
  }
  memory.fill(out, 0, <usize>n);
  for (let i = 0; i < nx; i++) store<u8>(out + <usize>load<i32>(wSx + (<usize>i << 2)), 1);
  for (let i = 0; i < ny; i++) store<u8>(out + <usize>load<i32>(wSy + (<usize>i << 2)), 1);
  lastMargin = margin;
  return rounds;
}

/** Compacts s[0..ns) to the neurons with wDist <= eps; sets lastMargin to min |dist - eps|. */
function keep(s: usize, ns: i32, eps: f64): i32 {
  let k = 0;
  let margin = Infinity;
  for (let i = 0; i < ns; i++) {
    const di = load<f64>(wDist + (<usize>i << 3));
    margin = min(margin, Math.abs(di - eps));
    if (di <= eps) {
      store<i32>(s + (<usize>k << 2), load<i32>(s + (<usize>i << 2)));
      k++;
    }
  }
  lastMargin = margin;
  return k;
}

/** Numerical rank of span{basis[0..m)} (i32 combined indices): pivots above the Cholesky stop. */
export function sideRank(basis: usize, m: i32): i32 {
  if (m == 0) return 0;
  const inA = load<i32>(basis) < gNa;
  if (inA && m == liveA && rankA >= 0) return rankA;
  if (!inA && m == liveB && rankB >= 0) return rankB;
  const r = pivotedCholesky(gC, gNa + gNb, basis, m, wL, wPiv, wDiag, tolCholStop);
  noteRank(basis, m);
  return r;
}
