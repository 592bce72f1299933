/**
 * `enterprise-activation/crypto`: the provider interface, the noble provider (the lean default,
 * and `createNobleProvider` for more suites and ciphers) and its building blocks: CPace
 * (draft-irtf-cfrg-cpace-21) with its two suites, the key schedule's inputs, and the transport
 * ciphers with the message protection built on them. Each suite and cipher is its own export, so
 * a bundle carries only those it imports.
 *
 * Exported by name. The draft's string utilities (lvCat, oCat, prependLen, the generator string
 * and transcript helpers) stay internal: they are checked against the draft's vectors, but no
 * caller needs them to run CPace.
 *
 * @packageDocumentation
 */
export type {
  CPaceSuite,
  CPaceSuiteId,
  CryptoProvider,
  KeyPair,
  RandomSource,
  SealedMessage,
  TransportCipher,
  TransportKeyAlgorithm,
} from './provider.js';
// The id lists the unions above are derived from (also exported by `enterprise-activation/wire`).
export { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from './ids.js';
export { nobleProvider, createNobleProvider, type NobleProviderOptions } from './noble-provider.js';
export { seededRandom, systemRandom } from './seeded-random.js';
export { TRANSPORT_CIPHERS, isTransportKeyAlgorithm, strongestCommon } from './transport-key/select.js';
export { aes256Cbc } from './transport-key/aes256-cbc.js';
export { tdesEde2Cbc } from './transport-key/tdes-ede2-cbc.js';
// From their own module, not through tdes-ede2-cbc.js: the parity helpers do not need des.js.
export { setOddParity, hasOddParity } from './transport-key/des-parity.js';
export { sealMessage, openMessage } from './transport-key/sealed-message.js';
export {
  CPACE_SUITES,
  DEFAULT_CPACE_SUITE,
  x25519Suite,
  p521Suite,
  confirmationKey,
  confirmationTag,
  cpaceDeriveIsk,
  cpaceIskSymmetric,
  cpaceSidOutput,
  cpaceStart,
  verifyConfirmationTag,
  type CPaceIskInputs,
  type CPaceSessionInputs,
  type CPaceStartResult,
} from './cpace/index.js';
export { passwordToPrs, channelIdentifier } from '../protocol/key-schedule.js';
// Asynchronous providers (WebCrypto) and the bridge that runs the synchronous machines on them.
export {
  isAsyncProvider,
  type AnyCryptoProvider,
  type AsyncCryptoProvider,
  type AsyncCPaceSuite,
  type AsyncTransportCipher,
  type MaybePromise,
} from './async-provider.js';
export { runWithAsyncProvider, type ReplayStats } from './replay-bridge.js';
export {
  createWebCryptoProvider,
  type WebCryptoProvider,
  type WebCryptoProviderOptions,
  type WebCryptoFeature,
} from './webcrypto/webcrypto-provider.js';
export { WEBCRYPTO_FEATURES } from './webcrypto/probe.js';
