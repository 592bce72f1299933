/**
 * The simulator's sessions, keyed so that nobody can claim another handset's session (issue 8,
 * finding 17; docs/protocol.md, "Sessions"). The handset alone picks the session id, and the id
 * travels in clear, so an id is not a key: a session is keyed by (sid, PIN, email, the handset's
 * share), {@link sessionKey}. Later frames carry only sid and PIN; the simulator looks among the
 * sessions with both ({@link SessionTable.candidates}) for the one the frame authenticates under.
 *
 * Also here: the ETP.DAT replay cache ({@link ReplayCache}), which keeps, for the lifetime of the
 * password a request ran against, a digest of every ETP.DAT answered, so that a replay never starts
 * a second CPace run (nor counts a second attempt) against the same share.
 */
import { nobleProvider } from '../crypto/noble-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { sessionDigest } from '../protocol/session-digest.js';
import type { ServerSessionState } from './server-state.js';

/** hex(SHA-256(lv(sid) ‖ lv(PIN) ‖ lv(lower-case email) ‖ lv(share))). */
export function sessionKey(
  sid: Uint8Array,
  pin: string,
  email: string,
  share: Uint8Array,
  provider: Pick<CryptoProvider, 'sha256'> = nobleProvider,
): string {
  return flatHex(sessionDigest(sid, pin, email, share, provider));
}

/** The character codes of the 16 hex digits, lower case. */
const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * Hex as one flat string. (A string built by `+=` is a rope of as many pieces in V8, about 1 KB
 * for 32 bytes: too much for keys kept by the ten thousand.) `String.fromCharCode` over the
 * digits' codes makes the flat string at once, about ten times faster than joining an array of
 * two-digit strings (issue 14: several per frame, each a session id or a digest of 16 to 32
 * bytes, far below the engine's limit on arguments).
 */
export function flatHex(bytes: Uint8Array): string {
  const codes = new Array<number>(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    codes[2 * i] = HEX_DIGITS[b >> 4] ?? 0;
    codes[2 * i + 1] = HEX_DIGITS[b & 15] ?? 0;
  }
  return String.fromCharCode(...codes);
}

/**
 * Sessions by key, in least-recently-used order (a Map's insertion order: `set` after `delete`
 * moves one to the end), with an index by session id. Map-like, so that snapshots and restores
 * handle it as they handled the plain map. It holds each session's state as {@link serverStep}
 * returned it; the table itself is the driver's, and mutable (see {@link BesSimulator}).
 */
export class SessionTable {
  private readonly byKey = new Map<string, ServerSessionState>();
  private readonly bySid = new Map<string, Set<string>>();

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): ServerSessionState | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  set(key: string, session: ServerSessionState): this {
    this.delete(key);
    this.byKey.set(key, session);
    const sid = flatHex(session.sid);
    let keys = this.bySid.get(sid);
    if (!keys) this.bySid.set(sid, (keys = new Set()));
    keys.add(key);
    return this;
  }

  /**
   * Replaces the state of the session under `key` without moving it in the LRU order (the server
   * changed it by itself: a policy push, a tick). A key not in the table is added, as by `set`.
   */
  replace(key: string, session: ServerSessionState): this {
    if (!this.byKey.has(key)) return this.set(key, session);
    this.byKey.set(key, session);
    return this;
  }

  delete(key: string): boolean {
    const session = this.byKey.get(key);
    if (!session) return false;
    this.byKey.delete(key);
    const sid = flatHex(session.sid);
    const keys = this.bySid.get(sid);
    keys?.delete(key);
    if (keys?.size === 0) this.bySid.delete(sid);
    return true;
  }

  keys(): MapIterator<string> {
    return this.byKey.keys();
  }

  values(): MapIterator<ServerSessionState> {
    return this.byKey.values();
  }

  entries(): MapIterator<[string, ServerSessionState]> {
    return this.byKey.entries();
  }

  [Symbol.iterator](): MapIterator<[string, ServerSessionState]> {
    return this.byKey.entries();
  }

  /** True when some session has this id, whatever its PIN. */
  hasSid(sid: Uint8Array): boolean {
    return this.bySid.has(flatHex(sid));
  }

  /**
   * The sessions with this id and PIN, the most recently active last. Normally one; more when
   * someone sent an ETP.DAT with the same id and PIN (a copy of the handset's, or their own share).
   */
  candidates(sid: Uint8Array, pin: string): [string, ServerSessionState][] {
    const keys = this.bySid.get(flatHex(sid));
    if (!keys) return [];
    const out: [string, ServerSessionState][] = [];
    for (const key of keys) {
      const session = this.byKey.get(key);
      if (session?.pin === pin) out.push([key, session]);
    }
    // Set order is insertion order of the key into the index, which `set` refreshes.
    return out;
  }
}

/** ETP.DAT digests kept at most (about 230 bytes each on the V8 heap, measured: some 11 MB at the bound). */
export const MAX_REPLAY_ENTRIES = 50_000;

/**
 * Digests of the ETP.DATs answered, by session key, until the password they ran against expires.
 * At the bound the oldest entry goes first (an attacker who floods ETP.DATs can push one out; each
 * of theirs costs them a CPace run on the server and counts as an attempt on a real account).
 */
export class ReplayCache {
  /** Key -> `<until>:<hex digest>` (one short string per entry keeps the heap cost down). */
  private readonly entries = new Map<string, string>();

  constructor(private readonly max = MAX_REPLAY_ENTRIES) {}

  /** `'same'` for the same bytes again, `'other'` for other bytes under the same key, `undefined` if unknown or expired. */
  check(key: string, digest: Uint8Array, now: number): 'same' | 'other' | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const colon = entry.indexOf(':');
    if (now >= Number(entry.slice(0, colon))) {
      this.entries.delete(key);
      return undefined;
    }
    // The digest of a request anyone on the path has seen: no secret, a plain comparison will do.
    return entry.slice(colon + 1) === flatHex(digest) ? 'same' : 'other';
  }

  remember(key: string, digest: Uint8Array, until: number): void {
    this.entries.delete(key);
    this.entries.set(key, [until, flatHex(digest)].join(':'));
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entries, oldest first, for a snapshot. */
  toData(): [string, string][] {
    return [...this.entries];
  }

  /** Takes entries back from {@link ReplayCache.toData}; malformed ones are skipped. */
  loadData(entries: unknown): void {
    if (!Array.isArray(entries)) return;
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'string' || !/^\d+:[0-9a-f]+$/.test(entry[1]))
        continue;
      this.entries.set(entry[0], entry[1]);
    }
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
