/**
 * A routing or device value the ETP.DAT body cannot carry is refused when the handset is made
 * (INVALID_ARGUMENT), not found out by every activation failing.
 *
 * The comment above a test describes the bug it once caught, as it was (all fixed); should one
 * of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import type { HandsetConfig } from '../../src/handset/config.js';
import { expectCode } from '../support/errors.js';
import { HANDSET_CONFIG, USERS } from '../support/fixtures.js';
import { runActivation } from '../security/harness.js';

const LONGEST: HandsetConfig = {
  ...HANDSET_CONFIG,
  routing: { relay: 'r'.repeat(253), uid: 'u'.repeat(64), srp: 'S'.repeat(64) },
  device: { model: 'm'.repeat(64), os: '4'.repeat(64) },
};

describe('routing and device values the ETP.DAT cannot carry are refused up front', () => {
  it('the longest values the ETP.DAT carries activate', () => {
    expect(runActivation({ users: USERS, handsetConfig: LONGEST }).state.phase).toBe('complete');
  });

  // was: accepted, then every activation failed with PROTOCOL_ERROR ("the peer reported a
  // protocol error"): the server could not decode the ETP.DAT body.
  it.each([
    ['relay', { ...LONGEST, routing: { ...LONGEST.routing, relay: 'r'.repeat(254) } }],
    ['srp', { ...LONGEST, routing: { ...LONGEST.routing, srp: '' } }],
    ['device', { ...LONGEST, device: { ...LONGEST.device, model: 'm'.repeat(65) } }],
  ])('one character off (%s) is INVALID_ARGUMENT when the handset is made', (_, handsetConfig) => {
    expectCode(() => runActivation({ users: USERS, handsetConfig }), 'INVALID_ARGUMENT');
  });
});
