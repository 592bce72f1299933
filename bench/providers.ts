/**
 * The crypto providers the benchmark runs each configuration on. Each must have every suite and
 * cipher of bench/configurations.ts. A native provider is compared with `noble`
 * (bench/native-speedup.ts); adding one is one line here.
 */
import { aes256Cbc, createNobleProvider, p521Suite, tdesEde2Cbc, x25519Suite, type CryptoProvider } from '../src/crypto/index.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS, createNodeCryptoProvider } from '../src/node/index.js';

export interface BenchProvider {
  /** As the table and the JSON name it. */
  readonly name: string;
  /** True for a provider on native primitives: its activations are compared with noble's. */
  readonly native: boolean;
  readonly create: () => CryptoProvider | Promise<CryptoProvider>;
}

/** The pure-JavaScript provider every native one is compared with. */
export const BASELINE_PROVIDER = 'noble';

export const PROVIDERS: readonly BenchProvider[] = [
  {
    name: BASELINE_PROVIDER,
    native: false,
    create: () => createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] }),
  },
  { name: 'node', native: true, create: () => createNodeCryptoProvider({ suites: CPACE_SUITE_IDS, ciphers: TRANSPORT_KEY_ALGORITHMS }) },
];
