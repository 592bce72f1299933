/**
 * A provider with every suite and cipher. `nobleProvider` (the default) has X25519 and AES-256
 * only, so that bundles carry neither P-521 nor des.js; the protocol tests run both peers with
 * this one, so that they offer and accept everything, as before the provider became the registry.
 */
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { createNobleProvider } from '../../src/crypto/noble-provider.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';

export const allAlgorithms = createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
