/**
 * The work the measures share, computed at most once per call and only when a measure asks for it.
 * A `Side` is one centred representation (n samples x p neurons) with its lazily computed feature
 * Gram matrix and its eigendecomposition, CholeskyQR2 basis (src/measures/basis.ts: only for
 * well-conditioned full-rank sides) with R and R R^T's eigendecomposition, thin SVD (the route for
 * every other side), row norms and transpose; a `Pair` adds the cross products of two sides.
 * `measures` (src/measures/all.ts) runs every measure on one Pair, so each side is centred and
 * factorised once and the cross products are formed once; grids (engine.measuresGrid: many-vs-one,
 * all pairs) warm each Side once (measures/all.ts warmSide), freeze it, and pair it with each other
 * Side in turn, freeing each pair's own work after it.
 *
 * Conventions (../shared/fixtures/README.md, "CCA family, CKA, shape metrics"):
 *  - centring subtracts each column's mean in float64 (Linalg.center);
 *  - the numerical rank of a side is #{s_i > s_max * max(n, p) * 2^-52} over the singular values of
 *    the centred matrix (numpy's matrix_rank rule); a side with s_max = 0 (every column constant)
 *    has rank 0.
 */
import type { Dense, Eigh, Linalg } from "../linalg/types.js";
import type { MatrixView } from "../matrix.js";
import { basisCross, basisR, choleskyQr2Basis, eigenBasis, type Basis, type Orthonormal } from "./basis.js";
import { EPS, leadingBlock } from "./common.js";

export interface SideSvd {
  /** singular values of the centred matrix, descending, length k = min(n, p) */
  s: Float64Array;
  /** n x k left singular vectors */
  u: Dense;
  /** p x k right singular vectors */
  v: Dense;
  /** numerical rank (see above) */
  rank: number;
}

export class Side {
  readonly n: number;
  readonly p: number;
  /** the centred matrix, n x p */
  readonly xc: Dense;
  /** the column means that were subtracted */
  readonly means: Float64Array;
  private cache: {
    frob?: number;
    svd?: SideSvd;
    gram?: Dense;
    gramEigen?: Eigh;
    basis?: Basis | null;
    rEigen?: Eigh;
    r?: Dense;
    gramNorm?: number;
    rowNorms?: Float64Array;
    values?: Float64Array;
    transposed?: Dense;
  } = {};
  /** eigenBasis(k) by k */
  private eigenBases = new Map<number, Orthonormal | null>();
  private frozen = false;

  constructor(
    readonly la: Linalg,
    view: MatrixView,
    readonly name: string = view.name,
  ) {
    this.n = view.samples;
    this.p = view.neurons;
    this.xc = la.load(view);
    this.means = la.center(this.xc);
  }

  /**
   * The cached value of `key`, computed on first use; once frozen (see freeze), a value that is
   * not cached yet is computed for the caller but not kept.
   */
  private memo<K extends keyof Side["cache"]>(key: K, compute: () => NonNullable<Side["cache"][K]> | null): NonNullable<Side["cache"][K]> {
    const have = this.cache[key];
    if (have !== undefined) return have as NonNullable<Side["cache"][K]>;
    const v = compute() as NonNullable<Side["cache"][K]>;
    if (!this.frozen) this.cache[key] = v;
    return v;
  }

  /**
   * Stops caching: what is cached stays, anything else is recomputed per use. A caller that pairs
   * one Side with many others warms it first (warm), freezes it, and then brackets each pair's work
   * in mark / release: everything allocated for one pair is freed, and no cached matrix of the
   * Side can lie in the freed part of the arena.
   */
  freeze(): void {
    this.frozen = true;
  }

  /** ||Xc||_F */
  frob(): number {
    return this.memo("frob", () => this.la.frobenius(this.xc));
  }

  /** true when every column is constant (the centred matrix is exactly 0) */
  get constant(): boolean {
    return this.frob() === 0;
  }

  /** Thin SVD of the centred matrix, with vectors, and its numerical rank. */
  svd(): SideSvd {
    return this.memo("svd", () => {
      const { s, u, v } = this.la.svd(this.xc, true);
      const cut = (s[0] ?? 0) * Math.max(this.n, this.p) * EPS;
      let rank = 0;
      while (rank < s.length && (s[rank] as number) > cut) rank++;
      return { s, u: u as Dense, v: v as Dense, rank };
    });
  }

  /** Xc^T Xc (p x p, the feature-space Gram matrix). */
  gram(): Dense {
    return this.memo("gram", () => this.la.gemmTN(this.xc, this.xc));
  }

  /** Eigendecomposition of Xc^T Xc (values descending; tiny negatives possible for zero ones). */
  gramEigen(): Eigh {
    return this.memo("gramEigen", () => this.la.eigh(this.gram()));
  }

  /**
   * An orthonormal basis of Xc V_k, the k leading principal directions (src/measures/basis.ts
   * eigenBasis: SVCCA's reduced side), or null when the kth direction is too weak to certify.
   */
  eigenBasis(k: number): Orthonormal | null {
    const have = this.eigenBases.get(k);
    if (have !== undefined) return have;
    const e = this.gramEigen();
    const b = eigenBasis(this.la, this.xc, e.values, e.vectors, k);
    if (!this.frozen) this.eigenBases.set(k, b);
    return b;
  }

  /** R = Q^T Xc (p x p) of the CholeskyQR2 basis (call only when basis() is not null). */
  basisR(): Dense {
    return this.memo("r", () => basisR(this.la, this.basis() as Basis));
  }

  /**
   * R R^T = Ur diag(s^2) Ur^T for R = basisR(): Ur = Q^T U are Xc's left singular vectors in the
   * basis' coordinates and the values its squared singular values (call only when basis() is not
   * null; the side is then well conditioned, so the squares lose nothing google PWCCA uses).
   */
  rEigen(): Eigh {
    return this.memo("rEigen", () => {
      const rt = this.la.transpose(this.basisR());
      return this.la.eigh(this.la.gemmTN(rt, rt));
    });
  }

  /** ||Xc^T Xc||_F */
  gramNorm(): number {
    return this.memo("gramNorm", () => this.la.frobenius(this.gram()));
  }

  /**
   * An orthonormal basis (n x p) of col(Xc) by CholeskyQR2 when the side is well conditioned and
   * certainly of full numerical rank (src/measures/basis.ts), else null: then svd() is the route.
   */
  basis(): Basis | null {
    if (this.cache.basis !== undefined) return this.cache.basis;
    const b = choleskyQr2Basis(this.la, this.xc, this.gram());
    if (!this.frozen) this.cache.basis = b;
    return b;
  }

  /** The centred values, column-major (one copy out of the backend, for O(n p) work in JS). */
  values(): Float64Array {
    return this.memo("values", () => this.la.toArray(this.xc));
  }

  /** Squared Euclidean norms of the centred rows (one per sample). */
  rowNorms(): Float64Array {
    return this.memo("rowNorms", () => this.la.rowSumSquares(this.xc));
  }

  /** Xc^T (p x n). */
  transposed(): Dense {
    return this.memo("transposed", () => this.la.transpose(this.xc));
  }

  /** The n x n linear Gram matrix Xc Xc^T (a new matrix of the backend). */
  sampleGram(): Dense {
    const t = this.transposed();
    return this.la.gemmTN(t, t);
  }
}

export class Pair {
  readonly n: number;
  private cache: {
    cross?: Dense;
    crossNorm?: number;
    basisCross?: Float64Array;
    canonical?: Canonical;
    values?: Canonical | null;
    fastCross?: Dense;
    fastDirections?: [Dense?, Dense?];
  } = {};

  constructor(
    readonly x: Side,
    readonly y: Side,
  ) {
    this.n = x.n;
  }

  get la(): Linalg {
    return this.x.la;
  }

  /** The cross Gram matrix Xc^T Yc (p x q). */
  cross(): Dense {
    return (this.cache.cross ??= this.la.gemmTN(this.x.xc, this.y.xc));
  }

  /** ||Xc^T Yc||_F */
  crossNorm(): number {
    return (this.cache.crossNorm ??= this.la.frobenius(this.cross()));
  }

  /** Qx^T Qy (px x py) of the two sides' CholeskyQR2 bases (call only when both exist). */
  fastCross(): Dense {
    return (this.cache.fastCross ??= basisCross(this.la, this.x.basis() as Basis, this.y.basis() as Basis));
  }

  /**
   * The canonical directions of one side in its basis' coordinates (the fast routes): with
   * C = Qx^T Qy, the eigenvectors of C C^T (x) or C^T C (y), descending, so that the canonical
   * variates are Qx A (x) or Qy B (y); all px (or py) columns, the leading ones pair with rho.
   */
  fastDirections(x: boolean): Dense {
    const cache = (this.cache.fastDirections ??= [undefined, undefined]);
    const i = x ? 0 : 1;
    if (!cache[i]) {
      const c = this.fastCross();
      const ct = x ? this.la.transpose(c) : c;
      cache[i] = this.la.eigh(this.la.gemmTN(ct, ct)).vectors;
    }
    return cache[i] as Dense;
  }

  /** true when both sides have CholeskyQR2 bases (full rank, well conditioned: the fast routes) */
  get fast(): boolean {
    return this.x.basis() !== null && this.y.basis() !== null;
  }

  /** Ux^T Uy (kx x ky, column-major) for the two sides' left singular vectors. */
  basisCross(): Float64Array {
    return (this.cache.basisCross ??= this.la.toArray(this.la.gemmTN(this.x.svd().u, this.y.svd().u)));
  }

  /**
   * Exact canonical correlation analysis (epsilon = 0): Qx = Ux[:, :rx], Qy = Uy[:, :ry] are
   * orthonormal bases of the two centred column spaces, and Qx^T Qy = A diag(rho) B^T (thin SVD).
   * rho (length min(rx, ry), descending, clipped to [0, 1]) are the canonical correlations; with
   * vectors, the canonical variates are Qx A and Qy B. Singular values are the same bits with or
   * without vectors (the Jacobi rotations do not depend on accumulating them).
   */
  canonical(vectors: boolean): Canonical {
    if (!vectors) {
      // values only: the CholeskyQR2 bases when both sides allow them (full rank, see basis.ts),
      // rho = singular values of Qx^T Qy by bidiagonalisation (absolute accuracy O(eps), as rho <= 1);
      // cached apart from the vectors route so a value never depends on which measure ran first
      if (this.cache.values === undefined) {
        const qx = this.x.basis(), qy = qx ? this.y.basis() : null;
        let v: Canonical | null = null;
        if (qx && qy) {
          const s = this.la.singularValues(this.fastCross());
          v = { rho: Float64Array.from(s, (t) => (t < 0 ? 0 : t > 1 ? 1 : t)), rx: qx.w.cols, ry: qy.w.cols };
        }
        this.cache.values = v;
      }
      if (this.cache.values) return this.cache.values;
    }
    const c = this.cache.canonical;
    if (c && (c.a || !vectors)) return c;
    const rx = this.x.svd().rank, ry = this.y.svd().rank;
    const m = Math.min(rx, ry);
    let out: Canonical;
    if (m === 0) out = { rho: new Float64Array(0), rx, ry };
    else {
      const kx = this.x.svd().s.length;
      const block = this.la.fromArray(rx, ry, leadingBlock(this.basisCross(), kx, rx, ry));
      const r = this.la.svd(block, vectors);
      const rho = Float64Array.from(r.s, (v) => (v < 0 ? 0 : v > 1 ? 1 : v));
      out = vectors ? { rho, rx, ry, a: r.u as Dense, b: r.v as Dense } : { rho, rx, ry };
    }
    this.cache.canonical = out;
    return out;
  }
}

export interface Canonical {
  /** canonical correlations, descending, length min(rx, ry) */
  rho: Float64Array;
  rx: number;
  ry: number;
  /** rx x m and ry x m singular vectors of Qx^T Qy (with vectors only) */
  a?: Dense;
  b?: Dense;
}
