/** The configurations the benchmark measures: a CPace suite and a transport key algorithm, both sides the same. */
import type { CPaceSuiteId, TransportKeyAlgorithm } from '../src/index.js';

export interface Configuration {
  /** Stable id, used in the JSON and the goal ids. */
  readonly id: string;
  /** As the table prints it. */
  readonly label: string;
  readonly suite: CPaceSuiteId;
  readonly cipher: TransportKeyAlgorithm;
}

export const CONFIGURATIONS: readonly Configuration[] = [
  { id: 'x25519-aes256', label: 'X25519 + AES-256 (default)', suite: 'CPACE-X25519-SHA512', cipher: 'AES-256-CBC' },
  { id: 'x25519-tdes', label: 'X25519 + Triple DES', suite: 'CPACE-X25519-SHA512', cipher: 'TDES-EDE2-CBC' },
  { id: 'p521-aes256', label: 'P-521 + AES-256', suite: 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512', cipher: 'AES-256-CBC' },
];
