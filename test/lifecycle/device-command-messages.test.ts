/** The wire forms of `device-command` and `device-command-ack` (docs/lifecycle.md, "Administrator commands"). */
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { ACTIVATION_ERROR_CODES, isActivationError } from '../../src/errors/activation-error.js';
import { MESSAGE_TYPES } from '../../src/wire/frame.js';
import { decodeDeviceCommand, encodeDeviceCommand } from '../../src/wire/messages/device-command.js';
import { decodeDeviceCommandAck, encodeDeviceCommandAck } from '../../src/wire/messages/device-command-ack.js';
import { errorText } from '../../src/wire/messages/error.js';

const id = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('device commands on the wire', () => {
  it('both messages are message types', () => {
    expect(MESSAGE_TYPES).toContain('device-command');
    expect(MESSAGE_TYPES).toContain('device-command-ack');
  });

  it('a command and its acknowledgement decode to what was encoded', () => {
    expect(decodeDeviceCommand(encodeDeviceCommand({ command: 'wipe', id }))).toEqual({ command: 'wipe', id });
    expect(decodeDeviceCommandAck(encodeDeviceCommandAck({ command: 'deactivate', id }))).toEqual({ command: 'deactivate', id });
  });

  it('an unknown command, a short id or an extra field is MALFORMED, never a TypeError', () => {
    for (const body of [
      encodeCbor({ command: 'format-c', id }),
      encodeCbor({ command: 'wipe', id: id.subarray(0, 7) }),
      encodeCbor({ command: 'wipe', id, extra: 1 }),
      new Uint8Array([0xff]),
    ]) {
      expect(
        isActivationError(
          thrown(() => decodeDeviceCommand(body)),
          'MALFORMED',
        ),
      ).toBe(true);
      expect(
        isActivationError(
          thrown(() => decodeDeviceCommandAck(body)),
          'MALFORMED',
        ),
      ).toBe(true);
    }
  });

  it('DEACTIVATED is an error code with our own text', () => {
    expect(ACTIVATION_ERROR_CODES).toContain('DEACTIVATED');
    expect(errorText('DEACTIVATED')).toBe('the server deactivated this device');
  });
});
