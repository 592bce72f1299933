/**
 * `createNodeCryptoProvider`: a {@link CryptoProvider} on node:crypto (OpenSSL), per operation,
 * with JavaScript (noble) only where OpenSSL lacks the operation. docs/crypto-providers.md lists
 * which is which; in short, the CPace generators (Elligator 2, hash-to-curve), HChaCha20 and
 * P-521's scalar_mult stay JavaScript, everything else is OpenSSL, and every answer is the noble
 * provider's byte for byte (test/support/provider-conformance.ts holds both to it).
 *
 * Like the noble provider, it is the registry of the suites and ciphers it is built with: a
 * handset or a simulator given it offers and accepts those and no others.
 */
import { ActivationError } from '../../errors/activation-error.js';
import { unsupportedCipher, unsupportedSuite } from '../../crypto/provider-arguments.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../../crypto/ids.js';
import type {
  CPaceSuite,
  CPaceSuiteId,
  CryptoProvider,
  RandomSource,
  SealedMessage,
  TransportCipher,
  TransportKeyAlgorithm,
} from '../../crypto/provider.js';
import { openMessageWith, sealMessageWith } from '../../crypto/transport-key/sealed-core.js';
import { nativeAes256Cbc, nativeTdesEde2Cbc } from './native-cbc-ciphers.js';
import { nativeP521Suite, nativeX25519Suite } from './native-cpace-suites.js';
import { nativeEd25519Operations } from './native-ed25519.js';
import { nativeHashOperations, nativeSealPrimitives } from './native-hashes.js';
import { nativeX25519Operations } from './native-x25519.js';
import { nativeXChaChaOperations } from './native-xchacha.js';

/** What a node:crypto provider is built with: the suites and ciphers it offers, by id. */
export interface NodeCryptoProviderOptions {
  /** CPace suites by id. Default: `['CPACE-X25519-SHA512']`, as `nobleProvider`. */
  readonly suites?: readonly CPaceSuiteId[];
  /** Transport ciphers by id. Default: `['AES-256-CBC']`, as `nobleProvider`. */
  readonly ciphers?: readonly TransportKeyAlgorithm[];
}

const SUITES: Readonly<Record<CPaceSuiteId, CPaceSuite>> = {
  'CPACE-X25519-SHA512': nativeX25519Suite,
  'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512': nativeP521Suite,
};

const CIPHERS: Readonly<Record<TransportKeyAlgorithm, TransportCipher>> = {
  'AES-256-CBC': nativeAes256Cbc,
  'TDES-EDE2-CBC': nativeTdesEde2Cbc,
};

/** `ids` checked against `known` (an array of known ids, at least one), as a set. */
function checkedIds<T extends string>(field: string, ids: readonly T[], known: readonly T[]): ReadonlySet<T> {
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => known.includes(id))) {
    throw new ActivationError('INVALID_ARGUMENT', `${field} must list at least one of: ${known.join(', ')}`, {
      operation: 'create node:crypto provider',
      field,
    });
  }
  return new Set(ids);
}

/**
 * A {@link CryptoProvider} on node:crypto (OpenSSL), with the given suites and ciphers (by id).
 * Its bytes are the noble provider's, so either peer may run either provider. Node only (Deno
 * and Bun: see docs/crypto-providers.md).
 *
 * @example
 * ```ts
 * import { createNodeCryptoProvider } from 'enterprise-activation/node';
 * const provider = createNodeCryptoProvider({ ciphers: ['AES-256-CBC', 'TDES-EDE2-CBC'] });
 * const handset = new Handset({ config, transport, provider });
 * ```
 */
export function createNodeCryptoProvider(options: NodeCryptoProviderOptions = {}): CryptoProvider {
  const suites = checkedIds('suites', options.suites ?? ['CPACE-X25519-SHA512'], CPACE_SUITE_IDS);
  const ciphers = checkedIds('ciphers', options.ciphers ?? ['AES-256-CBC'], TRANSPORT_KEY_ALGORITHMS);
  // Own ids only: a lookup by `__proto__` or `toString` finds nothing.
  const cipherFor = (id: TransportKeyAlgorithm): TransportCipher | undefined => (ciphers.has(id) ? CIPHERS[id] : undefined);

  return Object.freeze({
    name: 'node:crypto',
    ...nativeHashOperations,
    ...nativeXChaChaOperations,
    ...nativeEd25519Operations,
    ...nativeX25519Operations,

    cpaceSuite(id: CPaceSuiteId): CPaceSuite {
      if (!suites.has(id)) throw unsupportedSuite();
      return SUITES[id];
    },

    transportCipher(id: TransportKeyAlgorithm): TransportCipher {
      const cipher = cipherFor(id);
      if (cipher === undefined) throw unsupportedCipher();
      return cipher;
    },

    sealMessage(
      algorithm: TransportKeyAlgorithm,
      transportKey: Uint8Array,
      plaintext: Uint8Array,
      associatedData: Uint8Array,
      random: RandomSource,
    ): SealedMessage {
      return sealMessageWith(cipherFor, algorithm, transportKey, plaintext, { associatedData, random, primitives: nativeSealPrimitives });
    },

    openMessage(transportKey: Uint8Array, sealed: SealedMessage, associatedData: Uint8Array): Uint8Array {
      return openMessageWith(cipherFor, transportKey, sealed, associatedData, nativeSealPrimitives);
    },
  });
}
