/**
 * An encoder never writes text that is not valid UTF-8. A JavaScript string may hold a lone
 * surrogate, which has no UTF-8 form: cbor-x would write bytes every strict decoder refuses
 * (ours says MALFORMED "invalid UTF-8"), so the peer would drop the whole message. The schema's
 * `text()` refuses such a string on the way out, as INVALID_ARGUMENT naming the field.
 */
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { decodePolicyAck, encodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import type { PolicyAck } from '../../src/policy/acknowledgement.js';

function ackWithReason(reason: string): PolicyAck {
  return {
    policyId: 'p-1',
    policyHash: new Uint8Array(32),
    status: 'rejected',
    applied: [],
    rejected: [{ rule: 'Password Required', reason }],
    ignored: [],
  };
}

describe('encoders refuse lone surrogates', () => {
  it.each([
    ['a lone high surrogate', 'no \uD83D way'],
    ['a lone low surrogate', '\uDE00'],
    ['a reversed pair', '\uDE00\uD83D'],
  ])('%s in a text field is INVALID_ARGUMENT, not bytes the peer cannot read', (_name, reason) => {
    let caught: unknown;
    try {
      encodePolicyAck(ackWithReason(reason));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ActivationError);
    expect((caught as ActivationError).code).toBe('INVALID_ARGUMENT');
  });

  it('a surrogate pair (an emoji) is well-formed and round-trips', () => {
    const ack = ackWithReason('blocked \uD83D\uDE00');
    expect(decodePolicyAck(encodePolicyAck(ack))).toEqual(ack);
  });
});
