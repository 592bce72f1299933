/**
 * Seeded random draws for the simulator's user data: one {@link RandomStream} per database and one
 * for the shared profile, each from `seededRandom(seed + "\0" + name)`, so the count asked for one
 * database never changes another database's records. Test data only: never used for keys.
 */
import { ActivationError } from '../../errors/activation-error.js';
import type { RandomSource } from '../../crypto/provider.js';
import { seededRandom } from '../../crypto/seeded-random.js';

/** The stream named `name` ("profile", or a database such as "calendar") of a seed. */
export function openStream(seed: string, name: string): RandomStream {
  return new RandomStream(seededRandom(`${seed}\u0000${name}`));
}

/** Draws from one seeded random source: integers, picks, samples, weighted choices, patterns. */
export class RandomStream {
  readonly #random: RandomSource;
  #buffer: Uint8Array = new Uint8Array(0);
  #pos = 0;

  constructor(random: RandomSource) {
    this.#random = random;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    if (this.#pos + 4 > this.#buffer.length) {
      this.#buffer = this.#random(1024);
      this.#pos = 0;
    }
    const b = this.#buffer;
    const p = this.#pos;
    this.#pos += 4;
    return ((b[p] ?? 0) | ((b[p + 1] ?? 0) << 8) | ((b[p + 2] ?? 0) << 16) | ((b[p + 3] ?? 0) << 24)) >>> 0;
  }

  /** Uniform in [0, n), without modulo bias. */
  int(n: number): number {
    if (n <= 1) return 0;
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      const x = this.u32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() < p * 0x1_0000_0000;
  }

  /** One item, uniformly. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new ActivationError('INVALID_STATE', 'pick from an empty list', { operation: 'generateUserData' });
    return item;
  }

  /** `k` distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = [...items];
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + this.int(copy.length - i);
      const a = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = a;
    }
    return copy.slice(0, n);
  }

  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((s, [, w]) => s + w, 0);
    let x = this.int(total);
    for (const [value, w] of choices) {
      if (x < w) return value;
      x -= w;
    }
    return (choices[choices.length - 1] as readonly [T, number])[0];
  }

  /** Fills a pattern: `#` a digit, `A` an upper-case letter. */
  pattern(p: string): string {
    let out = '';
    for (const ch of p) {
      if (ch === '#') out += String(this.int(10));
      else if (ch === 'A') out += String.fromCharCode(65 + this.int(26));
      else out += ch;
    }
    return out;
  }

  /** `digits` upper-case hex digits. */
  hex(digits: number): string {
    let out = '';
    for (let i = 0; i < digits; i++) out += '0123456789ABCDEF'[this.int(16)];
    return out;
  }
}

/** Unique 8-hex-digit record ids (a BlackBerry record id is a 32-bit number). */
export function recordIdMaker(rng: RandomStream): () => string {
  const used = new Set<string>();
  return () => {
    for (;;) {
      const id = rng.hex(8);
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
}
