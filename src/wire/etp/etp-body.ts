/**
 * The sealed body of ETP.DAT: the device's long-term public keys, device info, capabilities and
 * its network routing (relay host, carrier UID, previous SRP id: metadata an observer of the
 * cleartext header must not learn, issue 8 finding 21).
 * It is encrypted under a random body key (XChaCha20-Poly1305, header and share as associated
 * data). The body key reaches the server only inside the handset's key-confirmation message,
 * under the CPace session key, so an ETP.DAT sitting in a mailbox reveals nothing and offers no
 * password test.
 */
import * as v from 'valibot';
import { ActivationError } from '../../errors/activation-error.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import { decodeWith, encodeCbor } from '../../codec/cbor.js';
import { bytes, list, text, uint, type SchemaOf } from '../../codec/schema.js';

/** What the device is: model and software version (`HandsetConfig.device`), sent in the sealed ETP.DAT body. */
export interface DeviceInfo {
  /** Handset model, e.g. "8800". */
  readonly model: string;
  /** Device software version, e.g. "4.5.0.110". */
  readonly os: string;
}

/** What the device can take during synchronization, sent in the sealed ETP.DAT body. */
export interface DeviceCapabilities {
  /** Organizer databases the device can synchronize, e.g. ["calendar", "contacts"]. */
  readonly databases: readonly string[];
  /** Largest number of records the device accepts in one sync page. */
  readonly maxPageRecords: number;
}

/** The handset's place in the network (sent sealed: nothing before the body key needs it). */
export interface HandsetRouting {
  /** The relay (BlackBerry Infrastructure) host the handset is registered with. */
  readonly relay: string;
  /** The network UID of the handset's carrier account. */
  readonly uid: string;
  /** SRP identifier of a server the handset was activated on before, if any. */
  readonly srp?: string;
}

/** The plaintext of the sealed ETP.DAT body: the device's public keys, what it is, what it takes, where it is. */
export interface EtpBody {
  /** The device's long-term Ed25519 public key. */
  readonly identityKey: Uint8Array;
  /** The device's long-term X25519 public key (for later key rollover). */
  readonly agreementKey: Uint8Array;
  /** Model and software version. */
  readonly device: DeviceInfo;
  /** Databases and page size for synchronization. */
  readonly capabilities: DeviceCapabilities;
  /** Where the server's replies reach the device. */
  readonly routing: HandsetRouting;
}

export const etpBodySchema = v.strictObject({
  identityKey: bytes(32),
  agreementKey: bytes(32),
  device: v.strictObject({ model: text(64, 1), os: text(64, 1) }),
  capabilities: v.strictObject({
    databases: list(text(32, 1), 16),
    maxPageRecords: v.pipe(uint(10_000), v.minValue(1)),
  }),
  routing: v.strictObject({
    relay: text(253, 1),
    uid: text(64, 1),
    srp: v.optional(text(64, 1)),
  }),
}) satisfies SchemaOf<EtpBody>;

/** An ETP.DAT body as sent: XChaCha20-Poly1305 under the random body key. */
export interface SealedBody {
  /** The 24-byte nonce. */
  readonly nonce: Uint8Array;
  /** The encrypted {@link EtpBody} with its tag. */
  readonly ciphertext: Uint8Array;
}

export const sealedBodySchema = v.strictObject({ nonce: bytes(24), ciphertext: bytes(16, 16_384) }) satisfies SchemaOf<SealedBody>;

/** Length of the random body key. */
export const BODY_KEY_LENGTH = 32;

function bodyAssociatedData(headerBytes: Uint8Array, share: Uint8Array): Uint8Array {
  return encodeCbor(['enterprise-activation/etp-body', headerBytes, share]);
}

/** What an ETP.DAT body is bound to (its associated data): the rest of the ETP.DAT. */
export interface EtpBodyBinding {
  /** The encoded ETP.DAT header. */
  readonly headerBytes: Uint8Array;
  /** The handset's CPace share. */
  readonly share: Uint8Array;
}

/**
 * Encrypts an ETP.DAT body under `bodyKey` (32 bytes) with a 24-byte `nonce`, binding the encoded
 * header and the CPace share as associated data; {@link openEtpBody} reverses it.
 */
export function sealEtpBody(
  provider: CryptoProvider,
  bodyKey: Uint8Array,
  nonce: Uint8Array,
  body: EtpBody,
  binding: EtpBodyBinding,
): SealedBody {
  const { headerBytes, share } = binding;
  const plaintext = encodeCbor({
    identityKey: body.identityKey,
    agreementKey: body.agreementKey,
    device: { model: body.device.model, os: body.device.os },
    capabilities: { databases: [...body.capabilities.databases], maxPageRecords: body.capabilities.maxPageRecords },
    routing:
      body.routing.srp === undefined
        ? { relay: body.routing.relay, uid: body.routing.uid }
        : { relay: body.routing.relay, uid: body.routing.uid, srp: body.routing.srp },
  });
  const ciphertext = provider.aeadSeal(bodyKey, nonce, plaintext, bodyAssociatedData(headerBytes, share));
  plaintext.fill(0);
  return { nonce, ciphertext };
}

/** Opens the body; a wrong key or any alteration gives ActivationError('DECRYPT_FAILED'). */
export function openEtpBody(
  provider: CryptoProvider,
  bodyKey: Uint8Array,
  sealed: SealedBody,
  headerBytes: Uint8Array,
  share: Uint8Array,
): EtpBody {
  const plaintext = provider.aeadOpen(bodyKey, sealed.nonce, sealed.ciphertext, bodyAssociatedData(headerBytes, share));
  if (plaintext === undefined) {
    throw new ActivationError('DECRYPT_FAILED', 'ETP.DAT body authentication failed', { operation: 'open ETP.DAT body' });
  }
  return decodeWith(etpBodySchema, plaintext, 'ETP.DAT body', 8192);
}
