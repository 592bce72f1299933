/**
 * A strictness pass over raw CBOR bytes, run before cbor-x builds any value (issue 8, finding 20;
 * issue 10, "Strict decoding"). cbor-x is lenient where the protocol must not be:
 *
 * - **Invalid UTF-8 in a text string** (RFC 8949 section 3.1, major type 3: "a string of Unicode
 *   characters that is encoded as UTF-8"; section 5.3.1 calls invalid UTF-8 invalid CBOR) decodes
 *   to U+FFFD there, so two different byte strings decode to the same text, and text that was
 *   signed or hashed as bytes is not the text shown. Here it is MALFORMED.
 * - **Duplicate map keys** (RFC 8949 section 5.6: a map with duplicate keys is not valid; section
 *   5.4 lets a decoder reject it) decode with the last one winning: two `email` keys in an ETP.DAT
 *   header, two `to` keys in a frame. Here they are MALFORMED. Keys are compared as the property
 *   names cbor-x would produce (it renames `__proto__` to `__proto_`, so those two collide too).
 * - **Map keys that are not text strings** never occur in this protocol; cbor-x would turn
 *   numbers, booleans and null into property names that collide with text keys (`1` and `"1"`).
 *   Here they are MALFORMED.
 *
 * The walk also bounds nesting depth and checks that every length fits in the input, so that
 * cbor-x is only ever given well-formed, bounded input. Every failure is ActivationError('MALFORMED').
 */
import { ActivationError } from '../errors/activation-error.js';

/** Fatal: throws on any invalid UTF-8 instead of substituting U+FFFD. No BOM stripping. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const BREAK = 0xff;

class Walk {
  pos = 0;
  /** Whether any tag (major type 6) occurred: only then can cbor-x's value differ in shape from the bytes. */
  tagged = false;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
    private readonly maxDepth: number,
  ) {}

  fail(reason: string, message = 'not valid CBOR'): never {
    throw new ActivationError('MALFORMED', `${this.what}: ${message}`, { operation: `decode ${this.what}`, reason });
  }

  /** The next byte; past the end of the input is 'invalid encoding' (a truncated item). */
  next(): number {
    const byte = this.bytes[this.pos];
    if (byte === undefined) this.fail('invalid encoding');
    this.pos += 1;
    return byte;
  }

  /** Reads the argument of an item head (RFC 8949 section 3); -1 for indefinite length. */
  argument(info: number): number {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) {
      if (info === 31) return -1;
      this.fail('invalid encoding'); // 28..30 are reserved
    }
    // next() refuses a truncated argument ('invalid encoding') at its first missing byte.
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.next();
    // Above 2^53 the value is inexact, but any length that large is refused below anyway.
    return value;
  }

  /** Skips `length` bytes, refusing lengths beyond the input. Returns the start offset. */
  take(length: number): number {
    if (length > this.bytes.length - this.pos) this.fail('invalid encoding');
    const start = this.pos;
    this.pos += length;
    return start;
  }

  /** Checks that bytes[start, end) are UTF-8; returns the text when `keep`. */
  text(start: number, end: number, keep: boolean): string | undefined {
    let ascii = true;
    // A hot loop: indexes, not a subarray per string. They are in range (take() checked them).
    for (let i = start; i < end; i++) {
      if ((this.bytes[i] ?? 0) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      if (!keep) return undefined;
      // A map key, nearly always short ASCII: built from its character codes, which costs a fifth
      // of a decoder call on a subarray (issue 14: a sync page has over a thousand keys). For
      // ASCII, both give the same string.
      let key = '';
      for (let i = start; i < end; i++) key += String.fromCharCode(this.bytes[i] ?? 0);
      return key;
    }
    try {
      return utf8.decode(this.bytes.subarray(start, end));
    } catch {
      return this.fail('invalid utf-8', 'invalid UTF-8 in a text string');
    }
  }

  /**
   * Walks one data item. Returns the map-key identity of a text string when `asKey`; a non-text
   * key is refused.
   */
  item(depth: number, asKey = false): string | undefined {
    if (depth > this.maxDepth) this.fail('too deeply nested', 'CBOR nesting too deep');
    const head = this.next();
    const major = head >> 5;
    const info = head & 0x1f;
    if (asKey && major !== 3) this.fail('non-text map key', 'map keys must be text strings');
    switch (major) {
      case 0:
      case 1:
        if (info === 31) this.fail('invalid encoding');
        this.argument(info);
        return undefined;
      case 2:
      case 3: {
        const length = this.argument(info);
        if (length >= 0) {
          const start = this.take(length);
          return major === 3 ? this.keyName(this.text(start, this.pos, asKey)) : undefined;
        }
        // Indefinite length: definite chunks of the same major type, each valid UTF-8 on its own
        // (RFC 8949 section 3.2.3), until a break.
        const parts: string[] = [];
        for (;;) {
          const chunkHead = this.next();
          if (chunkHead === BREAK) break;
          if (chunkHead >> 5 !== major || (chunkHead & 0x1f) === 31) this.fail('invalid encoding');
          const start = this.take(this.argument(chunkHead & 0x1f));
          if (major === 3) {
            const part = this.text(start, this.pos, asKey);
            // text() returns the text whenever asked to keep it, so a key's part is always there.
            if (asKey && part !== undefined) parts.push(part);
          }
        }
        return major === 3 ? this.keyName(asKey ? parts.join('') : undefined) : undefined;
      }
      case 4: {
        const count = this.argument(info);
        if (count < 0) {
          while (!this.atBreak()) this.item(depth + 1);
        } else {
          if (count > this.bytes.length - this.pos) this.fail('invalid encoding'); // each item is at least one byte
          for (let i = 0; i < count; i++) this.item(depth + 1);
        }
        return undefined;
      }
      case 5: {
        const count = this.argument(info);
        // item() names every key it accepts (it refuses the others); `undefined` is in the type only
        // because item() walks values too.
        const keys = new Set<string | undefined>();
        if (count < 0) {
          while (!this.atBreak()) this.entry(keys, depth);
        } else {
          if (count > (this.bytes.length - this.pos) / 2) this.fail('invalid encoding');
          for (let i = 0; i < count; i++) this.entry(keys, depth);
        }
        return undefined;
      }
      case 6:
        this.tagged = true;
        if (info === 31) this.fail('invalid encoding');
        this.argument(info);
        this.item(depth + 1);
        return undefined;
      default: // 7: simple values and floats
        if (info === 31) this.fail('invalid encoding'); // a break outside an indefinite item
        if (info >= 24) this.take(info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : this.fail('invalid encoding'));
        return undefined;
    }
  }

  /** Walks one key and value of a map at `depth` whose keys so far are `keys`; a repeated key is refused. */
  entry(keys: Set<string | undefined>, depth: number): void {
    const key = this.item(depth + 1, true);
    if (keys.has(key)) this.fail('duplicate map key', 'duplicate map key');
    keys.add(key);
    this.item(depth + 1);
  }

  /** Consumes a break byte if one is next. */
  atBreak(): boolean {
    if (this.pos >= this.bytes.length) this.fail('invalid encoding');
    if (this.bytes[this.pos] !== BREAK) return false;
    this.pos += 1;
    return true;
  }

  /** The property name cbor-x gives a text key (it renames `__proto__`, see its `safeKey`). */
  keyName(text: string | undefined): string | undefined {
    return text === '__proto__' ? '__proto_' : text;
  }
}

/**
 * Checks that `bytes` is exactly one well-formed CBOR item with valid UTF-8 in every text string,
 * text-only map keys, no duplicate keys and at most `maxDepth` levels of nesting. Throws
 * ActivationError('MALFORMED') with `cause.reason` one of 'invalid utf-8', 'duplicate map key',
 * 'non-text map key', 'too deeply nested', 'invalid encoding' (truncated, trailing bytes, reserved
 * values).
 *
 * Returns whether the item holds a tag anywhere. Without one, cbor-x builds exactly the arrays,
 * maps, strings and numbers the bytes spell, no deeper than the walk allowed; with one (a shared
 * reference, a typed array, a date, ...) the value may be shaped otherwise, even cyclic, and
 * `decodeCbor` walks it once more.
 */
export function checkCborStrict(bytes: Uint8Array, what: string, maxDepth: number): boolean {
  const walk = new Walk(bytes, what, maxDepth);
  walk.item(0);
  if (walk.pos !== bytes.length) walk.fail('invalid encoding');
  return walk.tagged;
}
