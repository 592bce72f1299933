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
 * {@link SHARED_PATHS} as a tree walked alongside the state, so that finding whether a part is
 * shared costs a step per level instead of a path array per node matched against every shape
 * (issue 14). `star` is the `*` step; no path in SHARED_PATHS has a name beside a `*`, so a name
 * takes its own step and `*` only stands for what has none.
 */
interface PathNode {
  readonly names: Map<string, PathNode>;
  star: PathNode | undefined;
  /** Whether the part at this path is shared. */
  shared: boolean;
}

const newPathNode = (): PathNode => ({ names: new Map(), star: undefined, shared: false });

const SHARED_TREE: PathNode = /* @__PURE__ */ (() => {
  const root = newPathNode();
  for (const shape of SHARED_PATHS) {
    let node = root;
    for (const part of shape) {
      if (part === '*') node = node.star ??= newPathNode();
      else {
        const next = node.names.get(part) ?? newPathNode();
        node.names.set(part, next);
        node = next;
      }
    }
    node.shared = true;
  }
  return root;
})();

/** The tree's node for the child `name` of `node`'s part, undefined when no shared part lies below it. */
function stepInto(node: PathNode | undefined, name: string): PathNode | undefined {
  return node === undefined ? undefined : (node.names.get(name) ?? node.star);
}

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
  return rebuild(state, SHARED_TREE, packer) as S;
}

/** Gathers the byte arrays of `value`, by the name of the field that holds them. */
function collect(value: unknown, name: string, packer: BytePacker): void {
  if (value instanceof Uint8Array) packer.add(value, PUBLIC_BYTES.has(name));
  else if (Array.isArray(value)) for (const item of value) collect(item, name, packer);
  else if (isPlainObject(value)) for (const [key, item] of Object.entries(value)) collect(item, key, packer);
}

/** `value` rebuilt compact; `node` is its path's place in {@link SHARED_TREE} (undefined: off the tree). */
function rebuild(value: unknown, node: PathNode | undefined, packer: BytePacker): unknown {
  if (typeof value === 'string') return intern(value);
  if (value instanceof Uint8Array) return packer.view(value);
  let built: unknown;
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) items[i] = rebuild(value[i], stepInto(node, String(i)), packer);
    built = items;
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const object = withRoomFor(keys);
    for (const key of keys) object[key] = rebuild(value[key], stepInto(node, key), packer);
    built = object;
  } else {
    return value;
  }
  return node?.shared === true ? share(built as object) : built;
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
  // The text to parse, kept per list of fields: a state has a few dozen kinds of object, and
  // building the text was most of this function's cost (issue 14). Bounded, since field lists
  // come from the machine's own types, and a kept text is only field names.
  const names = keys.join('\u0000');
  let text = objectTexts.get(names);
  if (text === undefined) {
    text = `{${keys.map((key) => `${JSON.stringify(key)}:null`).join(',')}}`;
    if (objectTexts.size < MAX_OBJECT_TEXTS) objectTexts.set(names, text);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

const objectTexts = new Map<string, string>();
const MAX_OBJECT_TEXTS = 256;

/** An object literal's kind of object; anything else (a class instance, a null-prototype map) is kept as it is. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
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
    return keyOfShared(known) === key ? known : value;
  }
  Object.freeze(value);
  shared.set(hash, new WeakRef(value));
  forget.register(value, hash);
  return value;
}

/**
 * Each shared part's {@link keyOf}, made when a second handset first found it (frozen, it cannot
 * change): comparing a part with the one of its hash then costs no second walk, and a shared part
 * inside another (a book's configuration in its book) is not walked again (issue 14). Weak: a key
 * goes with its part. Not made when a part is first met: a part that only one handset holds (a
 * book that names its user, such as [CICAL]) would keep a key text of a few hundred bytes for
 * nothing, outside the handset, for as long as the handset lives.
 */
const sharedKeys = new WeakMap<object, string>();

/** The key of a part in the shared table, made at its first comparison and kept from then on. */
function keyOfShared(part: object): string | undefined {
  let key = sharedKeys.get(part);
  if (key === undefined) {
    key = keyOf(part);
    if (key !== undefined) sharedKeys.set(part, key);
  }
  return key;
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
      const known = sharedKeys.get(value);
      if (known !== undefined) return known;
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
    const unique: Uint8Array[] = [];
    // Equal public values found by comparing bytes with those of the same length, not by a hex
    // key per array (issue 14): a state has a few of each length.
    const byLength = new Map<number, Uint8Array[]>();
    for (const bytes of arrays) {
      if (this.views.has(bytes)) continue;
      const sameLength = dedupe ? byLength.get(bytes.length) : undefined;
      const same = sameLength?.find((other) => sameBytes(other, bytes));
      if (same !== undefined) {
        this.views.set(bytes, same);
        continue;
      }
      // A placeholder until the buffer exists: the view replaces it below.
      this.views.set(bytes, bytes);
      unique.push(bytes);
      if (dedupe) {
        if (sameLength === undefined) byLength.set(bytes.length, [bytes]);
        else sameLength.push(bytes);
      }
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

/** Whether two byte arrays of the same length hold the same bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
