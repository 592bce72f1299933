/**
 * What a BES release can do, where RIM documented that it depends on the release. Each rule names
 * its source; where the stored pages say nothing, the simulator does not vary (docs/server.md,
 * "What the server version changes").
 */
import type { TransportKeyAlgorithm } from '../crypto/provider.js';
import type { ServerVersion } from './server-version.js';

/** What a {@link ServerVersion} can do, as far as RIM documented a difference between releases. */
export interface ServerCapabilities {
  /**
   * The transport key algorithms this release can issue, strongest first. Sources: BlackBerry
   * KB05429, "Recommendation on the use of Triple DES or AES for BlackBerry transport layer
   * encryption" (http://btsc.webapps.blackberry.com/btsc/search.do?cmd=displayKC&docType=kc&externalId=KB05429):
   * BES 4.0 to 5.0 for Exchange and Domino allow Triple DES, AES or both, and "all versions of
   * the BlackBerry Enterprise Server for Novell GroupWise support AES encryption only"; and
   * "All versions of the BlackBerry Enterprise Server ... support Triple DES"
   * (http://docs.blackberry.com/en/admin/deliverables/7335/How_BESolution_uses_TDES_to_encrypt_data_834425_11.jsp).
   * So: GroupWise, AES only; any other flavour (or none given) before 4.0, Triple DES only; 4.0
   * and later, both.
   */
  readonly transportKeyAlgorithms: readonly TransportKeyAlgorithm[];
}

/** The first release with AES transport keys (KB05429: "BlackBerry Enterprise Server 4.0 to 5.0"). */
const AES_SINCE = { major: 4, minor: 0 } as const;

/** What `version` can do (see {@link ServerCapabilities} for each rule's source). */
export function serverCapabilities(version: ServerVersion): ServerCapabilities {
  if (version.flavour === 'GroupWise') return { transportKeyAlgorithms: ['AES-256-CBC'] };
  const aes = version.major > AES_SINCE.major || (version.major === AES_SINCE.major && version.minor >= AES_SINCE.minor);
  return { transportKeyAlgorithms: aes ? ['AES-256-CBC', 'TDES-EDE2-CBC'] : ['TDES-EDE2-CBC'] };
}
