/** Public crypto API: the provider interface, the default noble provider and its building blocks. */
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
export { nobleProvider } from './noble-provider.js';
export { seededRandom, systemRandom } from './seeded-random.js';
export { TRANSPORT_CIPHERS, isTransportKeyAlgorithm, strongestCommon } from './transport-key/select.js';
export { aes256Cbc } from './transport-key/aes256-cbc.js';
export { tdesEde2Cbc, setOddParity, hasOddParity } from './transport-key/tdes-ede2-cbc.js';
export { sealMessage, openMessage } from './transport-key/sealed-message.js';
export * from './cpace/index.js';
