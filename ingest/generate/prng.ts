/**
 * Seeded pseudo-random numbers for the estate generator: sfc32 seeded through splitmix32, so
 * the same seed and stream name give the same sequence on every machine (no clock, no
 * Math.random). Each account draws from its own stream, so accounts are independent.
 */

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream named `stream` derived from `seed`. */
  constructor(seed: number, stream = '') {
    const sm = splitmix32((seed >>> 0) ^ hashString(stream));
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Poisson-distributed count with the given mean (Knuth; fine for small means). */
  poisson(mean: number): number {
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }

  /** Index in [0, n) with a Zipf-like tail (exponent s): index 0 is the most popular. */
  zipf(n: number, s = 1.1): number {
    if (n <= 1) return 0;
    // Inverse-CDF of a continuous power law on [1, n+1), close enough for skewed picks.
    const u = this.next();
    if (s === 1) return Math.min(n - 1, Math.floor(Math.exp(u * Math.log(n + 1))) - 1);
    const a = 1 - s;
    const x = (1 + u * ((n + 1) ** a - 1)) ** (1 / a);
    return Math.min(n - 1, Math.max(0, Math.floor(x) - 1));
  }

  /** `k` distinct indices from [0, n), skewed by zipf when `skew` is set. */
  distinct(n: number, k: number, skew?: number): number[] {
    const want = Math.min(n, k);
    const out = new Set<number>();
    let guard = 0;
    while (out.size < want && guard < want * 20) {
      out.add(skew ? this.zipf(n, skew) : this.int(0, n - 1));
      guard++;
    }
    for (let i = 0; out.size < want; i++) out.add(i);
    return [...out];
  }

  /** Uppercase id like AWS's unique ids: `prefix` then base32 characters up to `total` characters. */
  awsId(prefix: string, total = 21): string {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let s = prefix;
    while (s.length < total) s += chars[this.nextU32() & 31];
    return s;
  }
}
