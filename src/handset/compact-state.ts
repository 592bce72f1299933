/**
 * An idle handset's state, made small (issue 14: a fleet of emulated devices keeps thousands).
 * The machine builds its states for the step at hand: every key, id and hash a `Uint8Array` on an
 * `ArrayBuffer` of its own (about 180 bytes of heap beyond its bytes), every decoded text a
 * string of its own, every service book and list an object of its own. {@link compactState} gives
 * an equal state (the same fields, values and bytes, in the same order: a snapshot of it seals the
 * same bytes) that costs less:
 *
 * - the byte arrays become views on two `ArrayBuffer`s, one for the secret keys and one for the
 *   public values, so that a view handed out (a key id, a book's field) never carries a secret in
 *   its `buffer`; equal public values (the IT policy key is the server's public key) share a view;
 * - strings are interned: the server's name and version, its SRP id, a book's UID and domain are
 *   one string for every handset, not one copy each;
 * - parts that every handset of a fleet holds alike and that carry no bytes (the configuration's
 *   lists, the status, the IT policy, the synchronization progress, a book's configuration) are
 *   one frozen object for all of them, found through a table of weak references that keeps none
 *   of them alive.
 *
 * The machine never mutates a state (state.ts), so frozen and shared parts change nothing for it;
 * the driver compacts the states it keeps once the handset has settled (handset.ts).
 */
import type { HandsetState } from './state.js';

/**
 * Byte fields that hold public values: everything else with bytes goes with the secrets, so that
 * a field added later is kept apart from what is handed out until it is named here.
 */
const PUBLIC_BYTES: ReadonlySet<string> = new Set([
  'publicKey',
  'agreementKey',
  'keyId',
  'sid',
  'policyHash',
  'policyKey',
  'data',
  'bytes',
  'accept',
]);

/** Where the parts shared between handsets are, as paths from the state (`*`: any list index). */
const SHARED_PATHS: readonly (readonly string[])[] = [
  ['config', 'suites'],
  ['config', 'ciphers'],
  ['config', 'databases'],
  ['config', 'device'],
  ['config', 'retry'],
  ['status'],
  ['sync'],
  ['policy', 'policy'],
  ['policy', 'ack', 'applied'],
  ['policy', 'ack', 'rejected'],
  ['policy', 'ack', 'ignored'],
  ['serviceBooks', '*'],
  ['serviceBooks', '*', 'config'],
];

/**
 * The shared parts, by a hash of their canonical text ({@link keyOf}), held weakly: a part lives
 * as long as a state holds it, and its entry is removed when it is collected. A hash, not the
 * text: a part only one handset has (a book that names its user) would otherwise cost the table
 * a copy of its text.
 */
const shared = new Map<number, WeakRef<object>>();
const forget = new FinalizationRegistry<number>((hash) => {
  if (shared.get(hash)?.deref() === undefined) shared.delete(hash);
});

/** `state` with the same content in less heap (see the module comment). */
export function compactState<S extends HandsetState>(state: S): S {
  const packer = new BytePacker();
  collect(state, '', packer);
  packer.pack();
  return rebuild(state, [], packer) as S;
}

/** Gathers the byte arrays of `value`, by the name of the field that holds them. */
function collect(value: unknown, name: string, packer: BytePacker): void {
  if (value instanceof Uint8Array) packer.add(value, PUBLIC_BYTES.has(name));
  else if (Array.isArray(value)) for (const item of value) collect(item, name, packer);
  else if (isPlainObject(value)) for (const [key, item] of Object.entries(value)) collect(item, key, packer);
}

function rebuild(value: unknown, path: readonly string[], packer: BytePacker): unknown {
  if (typeof value === 'string') return intern(value);
  if (value instanceof Uint8Array) return packer.view(value);
  let built: unknown;
  if (Array.isArray(value)) {
    built = value.map((item, i) => rebuild(item, [...path, String(i)], packer));
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const object = withRoomFor(keys);
    for (const key of keys) object[key] = rebuild(value[key], [...path, key], packer);
    built = object;
  } else {
    return value;
  }
  return isSharedPath(path) ? share(built as object) : built;
}

/**
 * An empty object with these fields, in this order, in the object itself. An object given its
 * fields one by one (as a decoder or a spread builds it) keeps the first four in itself and the
 * rest in a second block that costs its own header (V8); an object literal, and an object
 * `JSON.parse` builds, has room for all of them.
 */
function withRoomFor(keys: readonly string[]): Record<string, unknown> {
  // `__proto__` would be set as the prototype by the assignments that follow: built the plain way.
  if (keys.length <= 4 || keys.includes('__proto__')) return {};
  return JSON.parse(`{${keys.map((key) => `${JSON.stringify(key)}:null`).join(',')}}`) as Record<string, unknown>;
}

/** An object literal's kind of object; anything else (a class instance, a null-prototype map) is kept as it is. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

function isSharedPath(path: readonly string[]): boolean {
  return SHARED_PATHS.some((shape) => shape.length === path.length && shape.every((part, i) => part === '*' || part === path[i]));
}

/**
 * The one frozen copy of `value` that handsets share, or `value` itself when it holds bytes (a
 * typed array cannot be frozen, and a shared one could be changed under another handset).
 */
function share(value: object): object {
  const key = keyOf(value);
  if (key === undefined) return value;
  const hash = fnv1a(key);
  const known = shared.get(hash)?.deref();
  if (known !== undefined) {
    // Two different parts with one hash: this one is kept as its own.
    return keyOf(known) === key ? known : value;
  }
  Object.freeze(value);
  shared.set(hash, new WeakRef(value));
  forget.register(value, hash);
  return value;
}

/** FNV-1a over the UTF-16 code units of `text`, 32 bits: the shared parts' table key (exported for its test). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * A text that two values have alike exactly when they are equal as plain data (type, fields in
 * order, `undefined` fields and -0 included); undefined for a value with bytes or anything else
 * that is not plain data.
 */
export function keyOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const items = value.map(keyOf);
        return items.includes(undefined) ? undefined : `[${items.join(',')}]`;
      }
      if (!isPlainObject(value)) return undefined;
      const fields: string[] = [];
      for (const [name, item] of Object.entries(value)) {
        const key = keyOf(item);
        if (key === undefined) return undefined;
        fields.push(`${JSON.stringify(name)}:${key}`);
      }
      return `{${fields.join(',')}}`;
    }
    default:
      return undefined;
  }
}

/**
 * The engine's own copy of `text`: a property name is interned (one copy per distinct text, held
 * weakly by the engine), and the name read back is that copy. Elsewhere than V8 it is at worst a
 * copy; the value is the same text either way.
 */
function intern(text: string): string {
  const holder: Record<string, number> = Object.create(null) as Record<string, number>;
  holder[text] = 0;
  for (const name in holder) return name;
  return text;
}

/** Lays the byte arrays of one state out on two buffers: the secrets and the public values. */
class BytePacker {
  private readonly secret: Uint8Array[] = [];
  private readonly open: Uint8Array[] = [];
  /** Each array given, to its view once packed. */
  private readonly views = new Map<Uint8Array, Uint8Array>();

  add(bytes: Uint8Array, isPublic: boolean): void {
    (isPublic ? this.open : this.secret).push(bytes);
  }

  pack(): void {
    this.layOut(this.secret, false);
    this.layOut(this.open, true);
  }

  view(bytes: Uint8Array): Uint8Array {
    return this.views.get(bytes) ?? bytes.slice();
  }

  private layOut(arrays: readonly Uint8Array[], dedupe: boolean): void {
    const byContent = new Map<string, Uint8Array>();
    const unique: Uint8Array[] = [];
    for (const bytes of arrays) {
      if (this.views.has(bytes)) continue;
      const content = dedupe ? bytesKey(bytes) : undefined;
      const same = content === undefined ? undefined : byContent.get(content);
      if (same !== undefined) {
        this.views.set(bytes, same);
        continue;
      }
      // A placeholder until the buffer exists: the view replaces it below.
      this.views.set(bytes, bytes);
      unique.push(bytes);
      if (content !== undefined) byContent.set(content, bytes);
    }
    const total = unique.reduce((n, bytes) => n + bytes.length, 0);
    if (total === 0) return;
    const buffer = new ArrayBuffer(total);
    const placed = new Map<Uint8Array, Uint8Array>();
    let offset = 0;
    for (const bytes of unique) {
      const view = new Uint8Array(buffer, offset, bytes.length);
      view.set(bytes);
      placed.set(bytes, view);
      offset += bytes.length;
    }
    for (const [bytes, target] of this.views) {
      const view = placed.get(target);
      if (view !== undefined) this.views.set(bytes, view);
    }
  }
}

function bytesKey(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}
