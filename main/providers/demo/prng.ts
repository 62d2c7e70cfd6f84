// Deterministic randomness for the Demo Bank. Every day of every account gets its own tiny
// generator seeded from a hash, so any date window can be produced on its own, identically
// on every machine and in every process, without replaying the days before it.

/** FNV-1a over the UTF-16 code units of `text`: a stable 32-bit hash for names and ids. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mixStep(h: number, part: number): number {
  h = Math.imul(h ^ (part | 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Folds up to five integers into one well-spread 32-bit value (murmur3's finaliser after each).
 * Fixed parameters rather than a rest array: this runs for every generated id.
 */
export function mixHash(a: number, b: number, c = 0, d = 0, e = 0): number {
  return mixStep(mixStep(mixStep(mixStep(mixStep(0x9e3779b9, a), b), c), d), e) >>> 0;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1));

/** 8 lowercase hex digits, for ids that must look opaque but stay stable (table: it is hot). */
export function hex8(n: number): string {
  return (HEX_BYTES[(n >>> 24) & 255] ?? '') + (HEX_BYTES[(n >>> 16) & 255] ?? '') + (HEX_BYTES[(n >>> 8) & 255] ?? '') + (HEX_BYTES[n & 255] ?? '');
}

/**
 * mulberry32: small, fast and good enough to make plausible bank data. Floats here only pick
 * among choices; amounts are integers drawn with `int`.
 */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Integer in [min, max] leaning towards min: most card payments are small, a few are big. */
  skewed(min: number, max: number): number {
    const r = this.next();
    return min + Math.floor(r * r * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }
}
