/**
 * Algorithm 1 of Wang et al. (NeurIPS 2018), the maximum epsilon-approximate match by iterative
 * pruning, in plain TypeScript (the pure-JS backend; assembly/match.ts is the WASM twin).
 *
 * Gauss-Seidel schedule as in the paper's code and the reference: each round removes every a-neuron
 * with reldist(a, span B) > eps, then every b-neuron with reldist(b, span A) > eps against the
 * already-pruned A, until a round removes nothing. Distances come from the cosine Gram matrix
 * (pivoted Cholesky, cholesky.ts); a side whose Gram answer is not certain (rank-deficient or
 * ill-conditioned span, a distance within the error bound of eps, or a near-zero distance) is
 * decided by Householder QR on the unit columns (qr.ts), so the result equals the exact answer.
 */
import type { PruneResult } from "../backend.js";
import { CHOL_STOP, ERR_SCALE, MACHINE_EPS, NEAR_ZERO_D2, rankCutoff, UNTRUSTED_ERR } from "../tolerances.js";
import { pivotedCholesky, schurDistance2 } from "./cholesky.js";
import { householderQrcp, householderResidual } from "./qr.js";

/** A prepared pair in Gram space: n = na + nb neurons, a first. */
export interface GramPair {
  d: number;
  na: number;
  nb: number;
  /** cosine Gram of the unit columns, n x n, row stride n (zero rows/columns for dead neurons) */
  C: Float64Array;
  /** unit columns, d x n column-major (zero for dead neurons); null for a pair known only by its Gram */
  Zu: Float64Array | null;
  /** 1 for live neurons */
  live: Uint8Array;
}

export class JsPruner {
  private readonly p: GramPair;
  private readonly n: number;
  private readonly L: Float64Array;
  private readonly piv: Int32Array;
  private readonly diag: Float64Array;
  private readonly w: Float64Array;
  private readonly flag: Uint8Array;
  private qrA: Float64Array | null = null;
  private qrTau: Float64Array | null = null;
  private qrNorms: Float64Array | null = null;
  private qrX: Float64Array | null = null;
  private exactSides = 0;
  private uncertain = 0;

  constructor(p: GramPair) {
    this.p = p;
    this.n = p.na + p.nb;
    const m = Math.max(p.na, p.nb);
    this.L = new Float64Array(m * m);
    this.piv = new Int32Array(m);
    this.diag = new Float64Array(m);
    this.w = new Float64Array(m);
    this.flag = new Uint8Array(this.n);
  }

  /**
   * Relative distances of targets t[0..nt) to span{basis[0..m)} (combined indices), into out.
   * eps is used only to choose which distances need the exact route (NaN: none for that reason).
   */
  distances(t: Int32Array, nt: number, basis: Int32Array, m: number, eps: number, out: Float64Array): void {
    if (m === 0) {
      out.fill(1, 0, nt);
      return;
    }
    const { C } = this.p;
    const n = this.n;
    const chol = pivotedCholesky(C, n, basis, m, this.L, this.piv, this.diag, CHOL_STOP);
    const err = ERR_SCALE * MACHINE_EPS * m * (m + Math.sqrt(this.p.d)) / chol.minPivot;
    const trusted = chol.rank === m && err <= UNTRUSTED_ERR;
    const eps2 = eps * eps;
    if (!this.p.Zu) {
      // no data for the exact route: the Gram value over the numerical rank, flagged as uncertain
      for (let i = 0; i < nt; i++) {
        const d2 = Math.max(0, schurDistance2(C, n, t[i] as number, this.L, m, chol.rank, this.piv, this.w));
        if (!trusted || Math.abs(d2 - eps2) <= err) this.uncertain++;
        out[i] = Math.sqrt(d2);
      }
      return;
    }
    let exact = 0;
    for (let i = 0; i < nt; i++) {
      if (!trusted) {
        this.flag[i] = 1;
        exact++;
        continue;
      }
      const d2 = schurDistance2(C, n, t[i] as number, this.L, m, m, this.piv, this.w);
      if (d2 < NEAR_ZERO_D2 || Math.abs(d2 - eps2) <= err) {
        this.flag[i] = 1;
        exact++;
      } else {
        this.flag[i] = 0;
        out[i] = Math.sqrt(d2);
      }
    }
    if (exact > 0) this.exactDistances(t, nt, basis, m, out);
  }

  /** Numerical rank of span{basis[0..m)}: pivots of the pivoted Cholesky above CHOL_STOP. */
  rank(basis: Int32Array, m: number): number {
    if (m === 0) return 0;
    return pivotedCholesky(this.p.C, this.n, basis, m, this.L, this.piv, this.diag, CHOL_STOP).rank;
  }

  /** The exact route for the flagged targets: QR with column pivoting of the basis columns. */
  private exactDistances(t: Int32Array, nt: number, basis: Int32Array, m: number, out: Float64Array): void {
    const { d } = this.p;
    const Zu = this.p.Zu!;
    const cap = Math.max(this.p.na, this.p.nb);
    if (!this.qrA) {
      this.qrA = new Float64Array(d * cap);
      this.qrTau = new Float64Array(cap);
      this.qrNorms = new Float64Array(2 * cap);
      this.qrX = new Float64Array(d);
    }
    const A = this.qrA, tau = this.qrTau!, x = this.qrX!;
    for (let k = 0; k < m; k++) A.set(Zu.subarray((basis[k] as number) * d, (basis[k] as number) * d + d), k * d);
    const r = householderQrcp(A, d, m, tau, this.qrNorms!, rankCutoff(d, m));
    for (let i = 0; i < nt; i++) {
      if (!this.flag[i]) continue;
      const c = (t[i] as number) * d;
      x.set(Zu.subarray(c, c + d));
      out[i] = householderResidual(A, d, r, tau, x);
    }
    this.exactSides++;
  }

  /** Maximum match inside the candidate mask (combined numbering), Gauss-Seidel schedule. */
  maxMatch(cand: Uint8Array, eps: number): PruneResult {
    const { na, live } = this.p;
    const n = this.n;
    const sx = new Int32Array(na), sy = new Int32Array(n - na);
    let nx = 0, ny = 0;
    for (let i = 0; i < na; i++) if (cand[i] && live[i]) sx[nx++] = i;
    for (let j = na; j < n; j++) if (cand[j] && live[j]) sy[ny++] = j;
    const dist = new Float64Array(Math.max(nx, ny, 1));
    let margin = Infinity;
    let rounds = 0;
    this.exactSides = 0;
    this.uncertain = 0;
    for (;;) {
      rounds++;
      let changed = false;
      if (nx > 0) {
        this.distances(sx, nx, sy, ny, eps, dist);
        const k = keep(sx, nx, dist, eps);
        margin = Math.min(margin, k.margin);
        if (k.kept !== nx) { changed = true; nx = k.kept; }
      }
      if (ny > 0) {
        this.distances(sy, ny, sx, nx, eps, dist);
        const k = keep(sy, ny, dist, eps);
        margin = Math.min(margin, k.margin);
        if (k.kept !== ny) { changed = true; ny = k.kept; }
      }
      if (!changed) break;
    }
    const match = new Uint8Array(n);
    for (let i = 0; i < nx; i++) match[sx[i] as number] = 1;
    for (let i = 0; i < ny; i++) match[sy[i] as number] = 1;
    return { match, margin, rounds, exactSides: this.exactSides, uncertain: this.uncertain };
  }
}

/** Compacts s[0..ns) to the neurons with dist <= eps; margin = min |dist - eps| over all of them. */
function keep(s: Int32Array, ns: number, dist: Float64Array, eps: number): { kept: number; margin: number } {
  let k = 0;
  let margin = Infinity;
  for (let i = 0; i < ns; i++) {
    const di = dist[i] as number;
    margin = Math.min(margin, Math.abs(di - eps));
    if (di <= eps) s[k++] = s[i] as number;
  }
  return { kept: k, margin };
}
