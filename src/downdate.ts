/**
 * Maximum matches inside a known match M minus a few neurons, by downdating instead of refactoring
 * (for the uniqueness certificate of the simple-match decomposition, which needs maxMatch(M \ {u})
 * for every u in M).
 *
 * For a basis S with cosine Gram C_S and a unit target t with g = C[S, t], the squared distance is
 * d2(t) = 1 - g^T C_S^{-1} g. Removing a subset R of the basis raises it by the Schur complement
 *     d2(t; S \ R) = d2(t; S) + x_R^T (C_S^{-1}[R, R])^{-1} x_R,    x = C_S^{-1} g
 * (the classical formula for deleting variables from a least-squares fit; e.g. Golub & Van Loan,
 * "Matrix Computations", 4th ed., sec. 6.5). With C_S^{-1} and x for every target computed once
 * for M, each round of Algorithm 1 on M minus small sets costs O(|R|^3 + |R|^2 |targets|) instead of
 * a new factorisation. Any distance within `band` of eps (or below the near-zero level, or a
 * removed set larger than `maxRemoved`) makes the caller fall back to the exact maximum match.
 */
import type { PreparedPair } from "./backend.js";
import { ERR_SCALE, MACHINE_EPS, NEAR_ZERO_D2 } from "./tolerances.js";

/** Cholesky of an SPD m x m row-major matrix in place (lower triangle); false if not positive. */
function cholesky(A: Float64Array, m: number): boolean {
  for (let k = 0; k < m; k++) {
    let s = A[k * m + k]!;
    for (let j = 0; j < k; j++) s -= A[k * m + j]! * A[k * m + j]!;
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    A[k * m + k] = l;
    for (let i = k + 1; i < m; i++) {
      let t = A[i * m + k]!;
      for (let j = 0; j < k; j++) t -= A[i * m + j]! * A[k * m + j]!;
      A[i * m + k] = t / l;
    }
  }
  return true;
}

/** Inverse of an SPD matrix from its Cholesky factor L (lower, row-major): (L L^T)^{-1}. */
function inverseFromCholesky(L: Float64Array, m: number): Float64Array {
  // Linv by forward substitution, then Linv^T Linv
  const Li = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    for (let i = c; i < m; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * m + k]! * Li[k * m + c]!;
      Li[i * m + c] = s / L[i * m + i]!;
    }
  }
  const inv = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c <= r; c++) {
      let s = 0;
      for (let k = r; k < m; k++) s += Li[k * m + r]! * Li[k * m + c]!;
      inv[r * m + c] = s;
      inv[c * m + r] = s;
    }
  }
  return inv;
}

/** One side's basis: the other side's targets' coefficients and base distances. */
interface Side {
  /** basis neurons (combined indices) and their positions */
  basis: number[];
  /** C_S^{-1}, row-major */
  inv: Float64Array;
  /** targets (the other side's neurons of M), combined indices */
  targets: number[];
  /** x = C_S^{-1} g for every target: row-major |basis| x |targets| */
  x: Float64Array;
  /** d2 of every target against the whole basis */
  d2: Float64Array;
}

export interface DowndateResult {
  match: Uint8Array;
  margin: number;
}

export class MatchDowndater {
  private readonly M: Uint8Array;
  private readonly sides: [Side, Side];
  private readonly posA: Map<number, number>;
  private readonly posB: Map<number, number>;
  /** error bound of the squared distances (as the Gram route's, src/tolerances.ts, doubled) */
  readonly band: number;

  private constructor(M: Uint8Array, sides: [Side, Side], band: number) {
    this.M = M;
    this.sides = sides;
    this.band = band;
    this.posA = new Map(sides[0].basis.map((k, i) => [k, i]));
    this.posB = new Map(sides[1].basis.map((k, i) => [k, i]));
  }

  /**
   * Prepares the downdates for the match M (combined mask). Returns null when a side's Gram block
   * is too ill-conditioned for the formula to be trusted (smallest Cholesky pivot below 1e-8).
   */
  static create(p: PreparedPair, M: Uint8Array): MatchDowndater | null {
    const sa: number[] = [], sb: number[] = [];
    for (let k = 0; k < M.length; k++) if (M[k]) (k < p.na ? sa : sb).push(k);
    if (sa.length === 0 || sb.length === 0) return null;
    const all = [...sa, ...sb];
    const G = p.gram(all);
    const n = all.length;
    let minPivot = Infinity;
    const build = (basisPos: number[], targetPos: number[]): Side | null => {
      const m = basisPos.length;
      const A = new Float64Array(m * m);
      for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) A[r * m + c] = G[basisPos[r]! * n + basisPos[c]!]!;
      if (!cholesky(A, m)) return null;
      for (let k = 0; k < m; k++) minPivot = Math.min(minPivot, A[k * m + k]! ** 2);
      if (minPivot < 1e-8) return null;
      const inv = inverseFromCholesky(A, m);
      const t = targetPos.length;
      const x = new Float64Array(m * t);
      const d2 = new Float64Array(t);
      for (let j = 0; j < t; j++) {
        let q = 0;
        for (let r = 0; r < m; r++) {
          let s = 0;
          for (let c = 0; c < m; c++) s += inv[r * m + c]! * G[basisPos[c]! * n + targetPos[j]!]!;
          x[r * t + j] = s;
          q += s * G[basisPos[r]! * n + targetPos[j]!]!;
        }
        d2[j] = 1 - q;
      }
      return { basis: basisPos.map((i) => all[i]!), inv, targets: targetPos.map((i) => all[i]!), x, d2 };
    };
    const posA = sa.map((_, i) => i), posB = sb.map((_, i) => sa.length + i);
    const basisA = build(posA, posB); // a-neurons as the basis of the b targets
    const basisB = build(posB, posA);
    if (!basisA || !basisB) return null;
    const m = Math.max(sa.length, sb.length);
    const band = 2 * ERR_SCALE * MACHINE_EPS * m * (m + Math.sqrt(p.samples)) / minPivot;
    return new MatchDowndater(M, [basisA, basisB], band);
  }

  /**
   * Squared distances of the side's targets not in `gone` to its basis minus `removed` (basis
   * positions), or null when the removed block is not positive definite (numerically).
   */
  private distances(side: Side, removed: number[], gone: Set<number>): Float64Array | null {
    const t = side.targets.length;
    const m = side.basis.length;
    const out = Float64Array.from(side.d2);
    const r = removed.length;
    if (r === 0) return out;
    const B = new Float64Array(r * r);
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) B[i * r + j] = side.inv[removed[i]! * m + removed[j]!]!;
    if (!cholesky(B, r)) return null;
    const y = new Float64Array(r);
    for (let j = 0; j < t; j++) {
      if (gone.has(side.targets[j]!)) continue;
      let q = 0;
      for (let i = 0; i < r; i++) {
        let s = side.x[removed[i]! * t + j]!;
        for (let k = 0; k < i; k++) s -= B[i * r + k]! * y[k]!;
        y[i] = s / B[i * r + i]!;
        q += y[i]! * y[i]!;
      }
      out[j] = out[j]! + q;
    }
    return out;
  }

  /**
   * maxMatch(M \ {u}) by downdating, or null when the caller must compute it exactly (a distance
   * within the error band of eps^2 or near zero, or more than `maxRemoved` neurons gone).
   */
  withoutNeuron(u: number, eps: number, maxRemoved = 96): DowndateResult | null {
    const band = this.band;
    const eps2 = eps * eps;
    const gone = new Set<number>([u]);
    const removedA: number[] = [], removedB: number[] = [];
    const note = (k: number) => {
      const pa = this.posA.get(k);
      if (pa !== undefined) removedA.push(pa);
      else removedB.push(this.posB.get(k)!);
    };
    note(u);
    let margin = Infinity;
    // Gauss-Seidel as in Algorithm 1: a-targets against b's basis, then b-targets against a's
    for (;;) {
      let changed = false;
      for (const [side, removed] of [[this.sides[1], removedB], [this.sides[0], removedA]] as const) {
        const d2 = this.distances(side, removed, gone);
        if (!d2) return null;
        const drop: number[] = [];
        for (let j = 0; j < side.targets.length; j++) {
          const k = side.targets[j]!;
          if (gone.has(k)) continue;
          const v = d2[j]!;
          if (v < NEAR_ZERO_D2 || Math.abs(v - eps2) <= band) return null; // not certain: exact route
          margin = Math.min(margin, Math.abs(Math.sqrt(v) - eps));
          if (v > eps2) drop.push(k);
        }
        for (const k of drop) {
          gone.add(k);
          note(k);
          changed = true;
        }
        if (removedA.length + removedB.length > maxRemoved) return null;
      }
      if (!changed) break;
    }
    const match = this.M.slice();
    for (const k of gone) match[k] = 0;
    // a side that empties empties the other (Algorithm 1)
    let na = 0, nb = 0;
    for (const k of this.sides[1].targets) if (match[k]) na++;
    for (const k of this.sides[0].targets) if (match[k]) nb++;
    if (na === 0 || nb === 0) match.fill(0);
    return { match, margin };
  }
}
