/**
 * A SubtleCrypto for the WebCrypto provider's tests: Node's own, seen through a Proxy that
 * records every method call (and what `importKey` was given and made), with some methods
 * replaced where a test needs a runtime that lacks a feature or answers it wrongly.
 */

type Method = (...args: unknown[]) => Promise<unknown>;

/** A replacement for one SubtleCrypto method; `real` is Node's method, bound. */
export type Replacement = (real: Method, ...args: unknown[]) => Promise<unknown>;

export interface ImportRecord {
  readonly format: unknown;
  /** The key data as handed over (the same object, so a later wipe shows). */
  readonly data: unknown;
  /** The key, once the import resolved. */
  key?: CryptoKey;
}

export interface RecordingSubtle {
  readonly subtle: SubtleCrypto;
  /** The methods called, in order; a test empties it after the provider's probe. */
  readonly calls: string[];
  readonly imports: ImportRecord[];
  /** Empties `calls` and `imports`. */
  clear(): void;
}

export function recordingSubtle(replace: Readonly<Partial<Record<keyof SubtleCrypto, Replacement>>> = {}): RecordingSubtle {
  const real = globalThis.crypto.subtle;
  const calls: string[] = [];
  const imports: ImportRecord[] = [];
  const subtle = new Proxy(real, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== 'function') return value;
      const method = (value as Method).bind(target);
      const replacement = replace[name as keyof SubtleCrypto];
      return (...args: unknown[]) => {
        calls.push(String(name));
        const result = replacement === undefined ? method(...args) : replacement(method, ...args);
        if (name === 'importKey') {
          const record: ImportRecord = { format: args[0], data: args[1] };
          imports.push(record);
          void result.then(
            (key) => (record.key = key as CryptoKey),
            () => undefined,
          );
        }
        return result;
      };
    },
  });
  return {
    subtle,
    calls,
    imports,
    clear() {
      calls.length = 0;
      imports.length = 0;
    },
  };
}

/** The algorithm name of a WebCrypto algorithm argument (a string or `{ name }`). */
export function algorithmName(algorithm: unknown): string | undefined {
  if (typeof algorithm === 'string') return algorithm;
  if (typeof algorithm === 'object' && algorithm !== null && 'name' in algorithm) return String(algorithm.name);
  return undefined;
}
