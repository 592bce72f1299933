/** How a simulated BES presents itself and what it allows. */
import type { CPaceSuiteId, KeyPair, TransportKeyAlgorithm } from '../crypto/provider.js';

/** Who a {@link BesSimulator} is: {@link BesSimulator.identity}, made from its options. */
export interface ServerIdentity {
  /** SRP identifier, e.g. "S0000001" (the UID of its Desktop [CMIME] service book). */
  readonly srp: string;
  /** The relay host the server is connected to. */
  readonly relay: string;
  /** Display name, e.g. "BES01". */
  readonly name: string;
  /** Server version text, e.g. "BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4". */
  readonly version: string;
  /** BES domain name for service books. */
  readonly besDomain: string;
  /** The server domain's long-term Ed25519 key: signs IT policies. */
  readonly domainKey: KeyPair;
  /**
   * `b`/`B`: the server's long-term X25519 agreement key, sent in the key grant, for key rollovers
   * (docs/lifecycle.md). Without it the server cannot roll keys over.
   */
  readonly agreementKey?: KeyPair;
}

/** What a {@link BesSimulator} accepts: {@link BesSimulator.policy}. It picks the strongest cipher the handset also offers. */
export interface ServerPolicy {
  /** CPace suites the server accepts. */
  readonly suites: readonly CPaceSuiteId[];
  /** Transport key algorithms the server may issue, e.g. ['TDES-EDE2-CBC'] for an old server. */
  readonly ciphers: readonly TransportKeyAlgorithm[];
}
