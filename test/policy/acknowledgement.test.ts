import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import type { PolicyAck } from '../../src/policy/acknowledgement.js';
import { decodePolicyAck, encodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import { caught, expectCode } from './helpers.js';

const HASH = Uint8Array.from({ length: 32 }, (_, i) => i);

const APPLIED: PolicyAck = {
  policyId: 'policy-7',
  policyHash: HASH,
  status: 'applied',
  applied: ['Password Required', 'Minimum Password Length'],
  rejected: [],
  ignored: ['Future Rule'],
};

const REJECTED: PolicyAck = {
  policyId: 'policy-7',
  policyHash: HASH,
  status: 'rejected',
  applied: [],
  rejected: [{ rule: 'Disable Bluetooth', reason: 'not supported on this device' }],
  ignored: [],
};

const wire = (ack: object) => encodeCbor(ack);

describe('policy acknowledgement', () => {
  it.each([
    ['applied', APPLIED],
    ['rejected', REJECTED],
  ])('round-trips an %s ack', (_name, ack) => {
    expect(decodePolicyAck(encodePolicyAck(ack))).toEqual(ack);
  });

  it('encodes fields in a fixed order', () => {
    expect(encodePolicyAck({ ignored: [], rejected: [], applied: [], status: 'applied', policyHash: HASH, policyId: 'p' })).toEqual(
      wire({ policyId: 'p', policyHash: HASH, status: 'applied', applied: [], rejected: [], ignored: [] }),
    );
  });

  it.each([
    ['an extra field', { ...APPLIED, extra: 1 }],
    ['an extra field in a rejection', { ...REJECTED, rejected: [{ rule: 'Disable Bluetooth', reason: 'x', code: 3 }] }],
    ['a missing field', { policyId: 'p', policyHash: HASH, status: 'applied', applied: [], rejected: [] }],
    ['no policy hash (acknowledging a name, not content)', { policyId: 'p', status: 'applied', applied: [], rejected: [], ignored: [] }],
    ['a 31-byte policy hash', { ...APPLIED, policyHash: HASH.subarray(0, 31) }],
    ['a policy hash as text', { ...APPLIED, policyHash: 'policy-7' }],
    ['an unknown status', { ...APPLIED, status: 'partial' }],
    ['status applied with rejections', { ...REJECTED, status: 'applied' }],
    ['status rejected without rejections', { ...APPLIED, status: 'rejected' }],
    ['an empty policy id', { ...APPLIED, policyId: '' }],
    ['a 65-character policy id', { ...APPLIED, policyId: 'x'.repeat(65) }],
    ['an empty reason', { ...REJECTED, rejected: [{ rule: 'Disable Bluetooth', reason: '' }] }],
    ['a 257-character reason', { ...REJECTED, rejected: [{ rule: 'Disable Bluetooth', reason: 'x'.repeat(257) }] }],
    ['a non-string rule', { ...APPLIED, applied: [1] }],
    ['too many ignored names', { ...APPLIED, ignored: Array.from({ length: 257 }, (_, i) => `R${i}`) }],
    ['an array', [APPLIED.policyId, APPLIED.status]],
  ])('rejects %s as MALFORMED', (_name, value) => {
    expectCode(() => decodePolicyAck(wire(value)), 'MALFORMED');
  });

  it('refuses to encode an ack that breaks the schema', () => {
    expectCode(() => encodePolicyAck({ ...APPLIED, status: 'rejected' }), 'INVALID_ARGUMENT');
    expectCode(() => encodePolicyAck({ ...APPLIED, extra: 1 } as PolicyAck), 'INVALID_ARGUMENT');
    expectCode(() => encodePolicyAck(null as never), 'INVALID_ARGUMENT');
  });

  it('rejects truncations and trailing bytes as MALFORMED', () => {
    const bytes = encodePolicyAck(REJECTED);
    for (let n = 0; n < bytes.length; n++) expectCode(() => decodePolicyAck(bytes.subarray(0, n)), 'MALFORMED');
    expectCode(() => decodePolicyAck(new Uint8Array([...bytes, 0])), 'MALFORMED');
  });

  it('only ever throws MALFORMED on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const err = caught(() => decodePolicyAck(bytes));
        if (err !== undefined) {
          expect(err).toBeInstanceOf(ActivationError);
          expect((err as ActivationError).code).toBe('MALFORMED');
        }
      }),
      { numRuns: 500 },
    );
  });
});
