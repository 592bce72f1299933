/**
 * A restored handset state is checked before it is used: a sealed state whose session is not an
 * object (written by another version, or a bug) is refused by openHandsetState as MALFORMED,
 * instead of making the next step fail somewhere inside.
 *
 * The comment above a test describes the bug it once caught, as it was (all fixed); should one
 * of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { HandsetState } from '../../src/handset/state.js';
import { openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import { expectCode } from '../support/errors.js';
import { USERS } from '../support/fixtures.js';
import { runActivation } from './harness.js';

const ENV = { provider: nobleProvider, random: seededRandom('snapshot-session') };

describe('a malformed restored state is refused', () => {
  // openHandsetState (src/handset/snapshot.ts) checks only version, phase and config, so a sealed
  // state whose session is not an object (e.g. written by another version, or a bug) is returned,
  // and the next frame makes handsetStep throw a TypeError from inside constantTimeEqual.
  it('a restored state whose session is not an object is refused by openHandsetState (MALFORMED)', () => {
    const base = runActivation({ users: USERS });
    const key = seededRandom('k')(32);
    const bogus = { ...base.states[3]!, session: 5 } as unknown as HandsetState;
    const sealed = sealHandsetState(bogus, key, nobleProvider, ENV.random);
    // was: returned, and the next frame threw a TypeError
    const err = expectCode(() => openHandsetState(sealed, key, nobleProvider), 'MALFORMED');
    expect(err.message).toMatch(/session/);
  });
});
