/**
 * A fast yes for what a valibot schema accepts: each schema compiled once into a predicate that
 * answers `true` only when `v.safeParse(schema, value)` would succeed with an output equal to
 * `value` itself, so a decoder can keep the value it decoded and skip valibot's run. Anything
 * else answers `false`, which means "not shown", never "invalid": the caller then runs the schema,
 * whose refusal names the field as before. A schema the compiler does not know (a transformation,
 * a default, a fallback, a map, an async schema) gets no guard at all.
 *
 * Why (issue 14): valibot builds a dataset object per field and a new output object per object on
 * every parse, and a sync page of 102 organizer records spent more on that than on decoding its
 * CBOR; the garbage also slowed fleets on two threads (issue 15). The predicates allocate nothing.
 *
 * Only for values that were just decoded (fresh objects nobody else holds): valibot's output is a
 * copy, the guard's the value itself, so a caller's object that is checked and then kept still
 * goes through the schema (`validate`). The guard accepts plain objects and arrays only (the
 * prototype of `{}` and `[]`), so an object whose fields come from another prototype is left to
 * the schema. test/codec/schema-guard.test.ts holds each construct, and every wire schema, to
 * "guard true implies valibot's success with the same output".
 */
import * as v from 'valibot';

/** A compiled check: `true` only when the schema would accept the value unchanged. @internal */
export type Guard = (value: unknown) => boolean;

/** Valibot's schema, action and pipe objects, as far as the compiler reads them. */
interface Node {
  readonly kind?: string;
  readonly type?: string;
  readonly async?: boolean;
  readonly pipe?: readonly Node[];
  readonly entries?: Readonly<Record<string, Node>>;
  readonly item?: Node;
  readonly options?: readonly unknown[];
  readonly literal?: unknown;
  readonly class?: abstract new (...args: never[]) => unknown;
  readonly wrapped?: Node;
  readonly default?: unknown;
  readonly fallback?: unknown;
  readonly requirement?: unknown;
  readonly key?: string;
  readonly action?: Node;
  readonly getter?: (input: unknown) => Node;
  readonly '~run'?: (
    dataset: { typed: boolean; value: unknown; issues?: unknown },
    config: v.Config<v.BaseIssue<unknown>>,
  ) => {
    issues?: unknown;
  };
}

const compiled = new WeakMap<object, Guard | null>();

/** The guard for `schema`, compiled on first use; `undefined` when the compiler does not know it. @internal */
export function guardOf(schema: v.GenericSchema): Guard | undefined {
  return compile(schema as Node);
}

/** Whether `value` passes `schema` unchanged, shown without running valibot (see the file's comment). @internal */
export function passesGuard(schema: v.GenericSchema, value: unknown): boolean {
  const guard = compile(schema as Node);
  return guard !== undefined && guard(value);
}

function compile(node: Node): Guard | undefined {
  const known = compiled.get(node);
  if (known !== undefined) return known ?? undefined;
  // Mark it first: a schema that reaches itself (only through `lazy`, compiled at run time) ends.
  compiled.set(node, null);
  const guard = build(node);
  compiled.set(node, guard ?? null);
  return guard;
}

const ALWAYS: Guard = () => true;

/** A plain object: the prototype of `{}` (cbor-x's maps), so every field read is the object's own. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function isPlainArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

function build(node: Node): Guard | undefined {
  // A fallback or an async run is not a plain check.
  if (node.async === true || node.fallback !== undefined) return undefined;
  // `v.pipe(schema, ...actions)` copies its first schema's fields and adds `pipe`: every item holds.
  if (node.pipe !== undefined) return scalarPipe(node.pipe) ?? every(node.pipe.map(item));
  return schema(node);
}

/** Bounds of a string's length or a number's value, as the common actions of a pipe set them. */
interface Bounds {
  min: number;
  max: number;
  integer: boolean;
  safe: boolean;
  finite: boolean;
}

/**
 * A pipe of a string or a number and its bounds (most wire fields: `text`, `uint`) as one
 * function, rather than one per action: the same checks, in one call per field.
 */
function scalarPipe(pipe: readonly Node[]): Guard | undefined {
  const [base, ...actions] = pipe;
  if (base === undefined || base.pipe !== undefined || (base.type !== 'string' && base.type !== 'number')) return undefined;
  const bounds: Bounds = { min: -Infinity, max: Infinity, integer: false, safe: false, finite: false };
  const rest: Node[] = [];
  for (const a of actions) if (!bound(base.type, a, bounds)) rest.push(a);
  const others = every(rest.map(item));
  if (others === undefined) return undefined;
  const { min, max, integer, safe, finite } = bounds;
  if (base.type === 'string') return (x) => typeof x === 'string' && x.length >= min && x.length <= max && others(x);
  const whole = safe ? Number.isSafeInteger : integer ? Number.isInteger : finite ? Number.isFinite : (n: number) => !Number.isNaN(n);
  return (x) => typeof x === 'number' && whole(x) && x >= min && x <= max && others(x);
}

/** Folds a length or value bound into `bounds`; false for any other action. */
function bound(type: 'string' | 'number', a: Node, bounds: Bounds): boolean {
  if (a.kind !== 'validation') return a.kind === 'metadata';
  const n = a.requirement as number;
  const on = type === 'string' ? 'length' : 'value';
  switch (a.type) {
    case `min_${on}`:
      bounds.min = Math.max(bounds.min, n);
      return true;
    case `max_${on}`:
      bounds.max = Math.min(bounds.max, n);
      return true;
    case 'length':
      if (type !== 'string') return false;
      bounds.min = Math.max(bounds.min, n);
      bounds.max = Math.min(bounds.max, n);
      return true;
    case 'integer':
      return type === 'number' && (bounds.integer = true);
    case 'safe_integer':
      return type === 'number' && (bounds.safe = true);
    case 'finite':
      return type === 'number' && (bounds.finite = true);
    default:
      return false;
  }
}

/** One item of a pipe: a schema, or an action. */
function item(node: Node): Guard | undefined {
  if (node.kind === 'schema') return compile(node);
  if (node.kind === 'metadata') return ALWAYS;
  if (node.kind === 'validation') return action(node);
  return undefined; // a transformation changes the output
}

function every(guards: readonly (Guard | undefined)[]): Guard | undefined {
  const all: Guard[] = [];
  for (const g of guards) {
    if (g === undefined) return undefined;
    all.push(g);
  }
  const list = all.filter((g) => g !== ALWAYS);
  if (list.length === 0) return ALWAYS;
  if (list.length === 1) return list[0];
  return (value) => {
    for (const g of list) if (!g(value)) return false;
    return true;
  };
}

function schema(node: Node): Guard | undefined {
  switch (node.type) {
    case 'string':
      return (x) => typeof x === 'string';
    case 'number':
      return (x) => typeof x === 'number' && !Number.isNaN(x);
    case 'boolean':
      return (x) => typeof x === 'boolean';
    case 'literal': {
      const literal = node.literal;
      return (x) => x === literal;
    }
    case 'picklist': {
      const options = new Set(node.options);
      return (x) => options.has(x);
    }
    case 'instance': {
      const type = node.class;
      return type === undefined ? undefined : (x) => x instanceof type;
    }
    case 'optional':
      return optional(node);
    case 'object':
    case 'strict_object':
      return object(node);
    case 'array':
      return array(node);
    case 'union':
      return union(node);
    case 'variant':
      return variant(node);
    case 'record':
      return record(node);
    case 'lazy': {
      const getter = node.getter;
      if (getter === undefined) return undefined;
      return (x) => {
        const guard = compile(getter(x));
        return guard !== undefined && guard(x);
      };
    }
    default:
      // A schema no wire message uses (tuple, map, nullable, ...) is left to valibot: every
      // construct here costs bytes in each browser bundle that decodes (docs/bundle-size.md).
      return undefined;
  }
}

/** `optional`: undefined passes, the rest goes to the wrapped schema. A default is a transformation. */
function optional(node: Node): Guard | undefined {
  if (node.default !== undefined) return undefined;
  const inner = node.wrapped === undefined ? undefined : compile(node.wrapped);
  return inner === undefined ? undefined : (x) => x === undefined || inner(x);
}

/**
 * `object` and `strict_object`. valibot reads each entry with `key in input` and builds a new
 * object of the entries; the guard passes only a plain object whose own keys are all entries (an
 * unknown key is an error for a strict object and dropped from a loose one's output: either way
 * not this value unchanged), so a missing entry is a missing own key.
 */
function object(node: Node): Guard | undefined {
  const entries = Object.entries(node.entries ?? {});
  // An entry named like a property of every object ("toString", "constructor") is `in` any input.
  if (entries.some(([key]) => key in Object.prototype)) return undefined;
  const fields: { readonly key: string; readonly guard: Guard; readonly optional: boolean }[] = [];
  for (const [key, entry] of entries) {
    const guard = compile(entry);
    if (guard === undefined) return undefined;
    fields.push({ key, guard, optional: entry.type === 'optional' });
  }
  return (x) => {
    if (!isPlainObject(x)) return false;
    let present = 0;
    for (const field of fields) {
      const value = x[field.key];
      // No entry is a property of Object.prototype, so `undefined` is an absent key or an own undefined.
      if (value !== undefined || Object.hasOwn(x, field.key)) {
        present++;
        if (!field.guard(value)) return false;
      } else if (!field.optional) return false;
    }
    // Every own key an entry: as many enumerable keys as entries present (no array made to count them).
    let own = 0;
    for (const _ in x) if (++own > present) return false;
    return own === present;
  };
}

/** Keys valibot's `record` skips (and so drops from its output). */
const SKIPPED_RECORD_KEYS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** `record`: every own key and its value; a key valibot would skip means its output is not this value. */
function record(node: Node): Guard | undefined {
  const { key, value } = node as unknown as { key: Node; value: Node };
  const keyGuard = compile(key);
  const valueGuard = compile(value);
  if (keyGuard === undefined || valueGuard === undefined) return undefined;
  return (x) => {
    if (!isPlainObject(x)) return false;
    for (const k of Object.keys(x)) {
      if (SKIPPED_RECORD_KEYS.has(k) || !keyGuard(k) || !valueGuard(x[k])) return false;
    }
    return true;
  };
}

function array(node: Node): Guard | undefined {
  const guard = node.item === undefined ? undefined : compile(node.item);
  if (guard === undefined) return undefined;
  return (x) => {
    if (!isPlainArray(x)) return false;
    for (let i = 0; i < x.length; i++) if (!guard(x[i])) return false;
    return true;
  };
}

/** valibot takes the first option that accepts; every option being a plain check, its output is the value. */
function union(node: Node): Guard | undefined {
  const guards = compileAll(node.options as Node[]);
  if (guards === undefined) return undefined;
  return (x) => guards.some((g) => g(x));
}

/** Every node's guard, or `undefined` when one has none. */
function compileAll(nodes: readonly Node[]): Guard[] | undefined {
  const guards: Guard[] = [];
  for (const node of nodes) {
    const guard = compile(node);
    if (guard === undefined) return undefined;
    guards.push(guard);
  }
  return guards;
}

/**
 * valibot runs the options whose discriminator accepts the value's, in order, and keeps the first
 * run; the guard passes when the first such option passes (a later one is left to valibot).
 */
function variant(node: Node): Guard | undefined {
  const key = node.key;
  if (key === undefined) return undefined;
  const options: { discriminator: Guard; guard: Guard }[] = [];
  for (const option of node.options as Node[]) {
    // A nested variant weighs several keys; left to valibot.
    if (option.type !== 'object' && option.type !== 'strict_object') return undefined;
    const entry = option.entries?.[key];
    const discriminator = entry === undefined ? undefined : compile(entry);
    const guard = compile(option);
    if (discriminator === undefined || guard === undefined) return undefined;
    options.push({ discriminator, guard });
  }
  return (x) => {
    if (!isPlainObject(x) || !Object.hasOwn(x, key)) return false;
    const value = x[key];
    for (const option of options) if (option.discriminator(value)) return option.guard(x);
    return false;
  };
}

function action(node: Node): Guard | undefined {
  const requirement = node.requirement;
  switch (node.type) {
    case 'min_length': {
      const min = requirement as number;
      return (x) => (x as { length: number }).length >= min;
    }
    case 'max_length': {
      const max = requirement as number;
      return (x) => (x as { length: number }).length <= max;
    }
    case 'length': {
      const length = requirement as number;
      return (x) => (x as { length: number }).length === length;
    }
    case 'min_value': {
      const min = requirement as number;
      return (x) => (x as number) >= min;
    }
    case 'max_value': {
      const max = requirement as number;
      return (x) => (x as number) <= max;
    }
    case 'integer':
      return (x) => Number.isInteger(x);
    case 'safe_integer':
      return (x) => Number.isSafeInteger(x);
    case 'finite':
      return (x) => Number.isFinite(x);
    case 'regex':
    case 'iso_date': {
      const pattern = requirement as RegExp;
      return (x) => pattern.test(x as string);
    }
    case 'check': {
      const check = requirement as (x: unknown) => boolean;
      return (x) => check(x);
    }
    case 'forward':
      // The wrapped check runs on the whole value; `forward` only moves its issue's path.
      return node.action === undefined ? undefined : action(node.action);
    default:
      return validation(node);
  }
}

const CONFIG: v.Config<v.BaseIssue<unknown>> = { abortEarly: true };

/** Any other validation action (`rawCheck`, ...): its own run, on a dataset of its own. */
function validation(node: Node): Guard | undefined {
  const run = node['~run'];
  if (run === undefined) return undefined;
  return (x) => run.call(node, { typed: true, value: x }, CONFIG).issues === undefined;
}
