/**
 * Issue 12, finding 2: a BES only sees mail in the mailboxes it monitors (the seed: "The
 * BlackBerry Enterprise Server, which monitors the BlackBerry device user's mailbox, picks up the
 * ETP.DAT message"), so an ETP.DAT sent to an address it does not serve is never picked up: the
 * handset hears nothing and times out. `replyToUnknownUsers` (opt-in, ours) makes the server answer
 * UNKNOWN_USER at once, for tests that want the error by name.
 *
 * On the Pair's virtual clock: the time each run ends is exact. A default handset waits 15 s for a
 * reply and sends the ETP.DAT again 4 times (src/handset/config.ts), so it gives up 75 s after
 * Activate. The UNKNOWN_USER answer travels in clear (nobody can authenticate it), so the handset
 * keeps it as a hint and reports it only when that wait ends (docs/protocol.md, "error"): the
 * server's answer is immediate, the handset's verdict is not faster.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/wire/frame.js';
import { decodeErrorMessage } from '../../src/wire/messages/error.js';
import { DISPLAY_NAME, EMAIL, PASSWORD, T0 } from '../support/fixtures.js';
import { Pair } from '../support/pair.js';

const STRANGER = 'mallory@example.com';
/** 15 s x (1 + 4 retries), the default handset's whole wait, written out (not imported) so that a change to it fails here. */
const DEFAULT_WAIT_MS = 75_000;

function run(replyToUnknownUsers?: boolean): Pair {
  const pair = new Pair({
    users: [{ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD }],
    serverOptions: replyToUnknownUsers === undefined ? {} : { replyToUnknownUsers },
  });
  pair.activate(STRANGER, PASSWORD);
  pair.drive();
  return pair;
}

describe('an ETP.DAT for an address the server does not serve', () => {
  it('by default gets no answer at all: the handset sends its 5 ETP.DATs, hears nothing and fails with TIMEOUT after 75 s', () => {
    const pair = run();
    expect(pair.sent('to-handset')).toEqual([]);
    expect(pair.sent('to-server', 'etp-dat')).toHaveLength(5);
    expect(pair.error?.code).toBe('TIMEOUT');
    expect(pair.clock.now - T0).toBe(DEFAULT_WAIT_MS);
    // The server logged the refusal for its administrator, and no account changed.
    expect(pair.serverEvents('ETP.DAT refused').map((e) => e.detail?.code)).toEqual(Array(5).fill('UNKNOWN_USER'));
    expect(pair.server.account(STRANGER)).toBeUndefined();
    expect(pair.server.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0 });
  });

  it('replyToUnknownUsers: false is the default, spelled out', () => {
    const pair = run(false);
    expect(pair.sent('to-handset')).toEqual([]);
    expect(pair.error?.code).toBe('TIMEOUT');
  });

  it('with replyToUnknownUsers the server answers UNKNOWN_USER at once, in clear; the handset reports it when its wait ends', () => {
    const pair = run(true);
    const answers = pair.frames.filter((f) => f.direction === 'to-handset');
    expect(answers.length).toBeGreaterThanOrEqual(1);
    // The first answer left the server at Activate's instant: no virtual time passed.
    expect(answers[0]!.at).toBe(T0);
    expect(decodeErrorMessage(decodeFrame(answers[0]!.sent).body)).toEqual({ code: 'UNKNOWN_USER' });
    expect(pair.error?.code).toBe('UNKNOWN_USER');
    expect(pair.error?.cause).toMatchObject({ hint: true, authenticated: false });
    expect(pair.clock.now - T0).toBe(DEFAULT_WAIT_MS);
  });
});
