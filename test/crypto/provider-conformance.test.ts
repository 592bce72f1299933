/**
 * The provider conformance suite (test/support/provider-conformance.ts) for the providers of this
 * package that run in Node: the noble provider with every suite and cipher, and the node:crypto
 * provider (`enterprise-activation/node`) with every suite and cipher, and the WebCrypto provider
 * on Node's WebCrypto (asynchronous: the suite awaits every call). In Chromium, test/browser.
 */
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { createWebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';
import { createNodeCryptoProvider } from '../../src/node/crypto/node-crypto-provider.js';
import { describeProviderConformance } from '../support/provider-conformance.js';
import { allAlgorithms } from '../support/providers.js';

describeProviderConformance('noble (every suite and cipher)', () => allAlgorithms);

describeProviderConformance('node:crypto (every suite and cipher)', () =>
  createNodeCryptoProvider({
    suites: ['CPACE-X25519-SHA512', 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'],
    ciphers: ['AES-256-CBC', 'TDES-EDE2-CBC'],
  }),
);

describeProviderConformance('WebCrypto (every suite and cipher; asynchronous)', () =>
  createWebCryptoProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] }),
);
