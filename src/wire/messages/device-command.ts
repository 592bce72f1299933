/**
 * `device-command`, server -> handset (sealed under the transport key): an administrator's
 * command to an activated device (docs/lifecycle.md, "Administrator commands"): `deactivate` (the
 * device was retired: another device was activated for the user) or `wipe` (RIM's "Delete all
 * device data and disable device"). The format is ours. `id` names the command, so that the
 * device's acknowledgement ({@link ./device-command-ack.ts}) can say which one it carried out.
 */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { bytes, type SchemaOf } from '../../codec/schema.js';

/** The commands a server sends to a device, in the order docs/lifecycle.md lists them. */
export const DEVICE_COMMANDS = ['deactivate', 'wipe'] as const;
/** One of {@link DEVICE_COMMANDS}. */
export type DeviceCommandName = (typeof DEVICE_COMMANDS)[number];

/** Length of a command id: 8 random bytes, chosen by the server. */
export const COMMAND_ID_LENGTH = 8;

/** What `device-command` carries. */
export interface DeviceCommand {
  /** What the device must do. */
  readonly command: DeviceCommandName;
  /** The command's id (8 bytes): the acknowledgement names it. */
  readonly id: Uint8Array;
}

/** The schema of a command, shared with the simulator's snapshots. */
export const deviceCommandSchema = v.strictObject({
  command: v.picklist(DEVICE_COMMANDS),
  id: bytes(COMMAND_ID_LENGTH),
}) satisfies SchemaOf<DeviceCommand>;

/** Encodes a `device-command` plaintext (the CBOR map `{ command, id }`). */
export function encodeDeviceCommand(m: DeviceCommand): Uint8Array {
  return encodeCbor({ command: m.command, id: m.id });
}

/** Decodes a command body; any defect (extra fields included) is ActivationError('MALFORMED'). */
export function decodeDeviceCommand(body: Uint8Array): DeviceCommand {
  return decodeGuarded(deviceCommandSchema, body, 'device-command', 256);
}
