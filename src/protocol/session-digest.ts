/**
 * The session digest: what names one activation request. A server keys its session by it, and its
 * `server-share` names the request it answers with it (`ServerShare.etp`), because several
 * ETP.DATs may carry the same session id and PIN (anyone who saw one can send another); the
 * handset ignores a server share made for another request (docs/protocol.md, "Sessions").
 */
import { lvCat } from '../crypto/cpace/encoding.js';
import { nobleProvider } from '../crypto/noble-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { utf8ToBytes } from '../util/bytes.js';
import { normalizeEmail } from './key-schedule.js';

/**
 * SHA-256(lv_cat(sid, PIN, lower-case email, share)), the ETP.DAT's session id, PIN, email and
 * CPace share. The hash is `provider`'s ({@link nobleProvider}'s when none is given).
 */
export function sessionDigest(
  sid: Uint8Array,
  pin: string,
  email: string,
  share: Uint8Array,
  provider: Pick<CryptoProvider, 'sha256'> = nobleProvider,
): Uint8Array {
  return provider.sha256(lvCat(sid, utf8ToBytes(pin), utf8ToBytes(normalizeEmail(email)), share));
}
