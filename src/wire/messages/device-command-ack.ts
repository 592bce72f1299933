/**
 * `device-command-ack`, handset -> server (sealed under the transport key): the device received
 * the command `id` and carries it out (docs/lifecycle.md: a wiped device acknowledges first, then
 * erases). The same command again is answered with the same acknowledgement. The format is ours.
 */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { bytes, type SchemaOf } from '../../codec/schema.js';
import { COMMAND_ID_LENGTH, DEVICE_COMMANDS, type DeviceCommandName } from './device-command.js';

/** What `device-command-ack` carries: the command acknowledged, by name and id. */
export interface DeviceCommandAck {
  /** The command carried out. */
  readonly command: DeviceCommandName;
  /** Its id, as the command gave it. */
  readonly id: Uint8Array;
}

const schema = v.strictObject({
  command: v.picklist(DEVICE_COMMANDS),
  id: bytes(COMMAND_ID_LENGTH),
}) satisfies SchemaOf<DeviceCommandAck>;

/** Encodes a `device-command-ack` plaintext (the CBOR map `{ command, id }`). */
export function encodeDeviceCommandAck(m: DeviceCommandAck): Uint8Array {
  return encodeCbor({ command: m.command, id: m.id });
}

/** Decodes an acknowledgement body; any defect (extra fields included) is ActivationError('MALFORMED'). */
export function decodeDeviceCommandAck(body: Uint8Array): DeviceCommandAck {
  return decodeGuarded(schema, body, 'device-command-ack', 256);
}
