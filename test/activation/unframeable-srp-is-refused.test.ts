/**
 * A server identity the frames cannot carry is refused when the server is made
 * (INVALID_ARGUMENT), not found out later by every activation timing out.
 *
 * The comment above a test describes the bug it once caught, as it was (all fixed); should one
 * of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/wire/frame.js';
import { expectCode } from '../support/errors.js';
import { USERS } from '../support/fixtures.js';
import { createServer } from '../support/pair.js';
import { runActivation } from '../security/harness.js';

describe('an SRP identifier the frames cannot carry is refused', () => {
  // BesSimulator accepts any text as its SRP identifier, but the frame grammar needs `srp:\S+`:
  // with "S 0000001" the handset addresses every later frame to "srp:S 0000001", frames its own
  // decoder and the server's refuse (MALFORMED), and every activation times out.
  it('an SRP identifier the frames cannot carry is refused up front (INVALID_ARGUMENT)', () => {
    // was: accepted, then every activation timed out (TIMEOUT / MALFORMED frames)
    const err = expectCode(() => createServer({ users: USERS, serverOptions: { srp: 'S 0000001' } }), 'INVALID_ARGUMENT');
    expect(err.cause).toMatchObject({ field: 'srp' });
    // An identifier the frames can carry works, and every frame decodes.
    const h = runActivation({ users: USERS, serverOptions: { srp: 'S0000001' } });
    expect(h.state.phase).toBe('complete');
    for (const f of h.frames) expect(decodeFrame(f.sent).sid).toHaveLength(16);
  });
});
