/**
 * Token buckets by key (a PIN, a source IP), in a bounded map (docs/reliability.md, "Relay
 * limits"). When the map is full the least recently used bucket is forgotten; forgetting refills
 * it, so the map is kept large enough that an attacker must spread over that many keys first.
 */
interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param capacity burst size (tokens)
   * @param refillPerMs tokens added per millisecond
   * @param maxKeys most buckets kept; the least recently used is forgotten beyond it
   */
  constructor(
    private readonly capacity: number,
    private readonly refillPerMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Takes one token for `key` at time `now`; false when its bucket is empty. */
  take(key: string, now: number): boolean {
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
      bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.refillPerMs);
      bucket.at = now;
    } else {
      bucket = { tokens: this.capacity, at: now };
      // Full: the least recently used keys (the first in insertion order; a take re-inserts) make room.
      for (const oldest of this.buckets.keys()) {
        if (this.buckets.size < this.maxKeys) break;
        this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
