/**
 * The crypto providers the benchmark runs each configuration on. Each must have every suite and
 * cipher of bench/configurations.ts. A native provider is compared with `noble` (bench/measure.ts);
 * adding one is one line here.
 */
import {
  aes256Cbc,
  createNobleProvider,
  createWebCryptoProvider,
  p521Suite,
  tdesEde2Cbc,
  x25519Suite,
  type AnyCryptoProvider,
  type CryptoProvider,
} from '../src/crypto/index.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS, createNodeCryptoProvider } from '../src/node/index.js';

export interface BenchProvider {
  /** As the table and the JSON name it. */
  readonly name: string;
  /** True for a provider on native primitives: its activations are compared with noble's. */
  readonly native: boolean;
  /** The handset's provider (and the simulator's, unless {@link server} says otherwise). */
  readonly create: () => AnyCryptoProvider | Promise<AnyCryptoProvider>;
  /**
   * The simulator's provider, for a provider it cannot take: `BesSimulator` is synchronous, so an
   * asynchronous provider (WebCrypto) runs the handset only, against a server on this one.
   */
  readonly server?: () => CryptoProvider;
  /** Whether issue 14's goals apply to it (its floor ratio, its speed-up); else it is reported only. */
  readonly goals: boolean;
}

/** The pure-JavaScript provider every native one is compared with. */
export const BASELINE_PROVIDER = 'noble';

export const PROVIDERS: readonly BenchProvider[] = [
  {
    name: BASELINE_PROVIDER,
    native: false,
    goals: true,
    create: () => createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] }),
  },
  { name: 'node', native: true, goals: true, create: nodeProvider },
  // What a browser's handset runs (here on Node's WebCrypto, which is OpenSSL too): reported, not
  // a goal of issue 14, whose native goals are the node:crypto provider's.
  {
    name: 'webcrypto',
    native: true,
    goals: false,
    create: () => createWebCryptoProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] }),
    server: nodeProvider,
  },
];

function nodeProvider(): CryptoProvider {
  return createNodeCryptoProvider({ suites: CPACE_SUITE_IDS, ciphers: TRANSPORT_KEY_ALGORITHMS });
}
