/**
 * Seeded pseudo-random numbers for reproducible sampling (conv protocol) and synthetic data:
 * xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021),
 * seeded through splitmix32, and standard normals by the Box-Muller transform.
 */

/** xoshiro128** (Blackman & Vigna), seeded through splitmix32: a small, good, portable PRNG. */
export function rng(seed: number): () => number {
  let x = seed >>> 0;
  const split = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [split(), split(), split(), split()] as [number, number, number, number];
  return () => {
    const r = Math.imul(((Math.imul(s[1], 5) << 7) | (Math.imul(s[1], 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = ((s[3] << 11) | (s[3] >>> 21)) >>> 0;
    return r / 4294967296;
  };
}


/** Standard normal variates (Box-Muller, both values of each pair used). */
export function gaussian(seed: number): () => number {
  const u = rng(seed);
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = NaN;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}
