/**
 * A session waiting for the handset's confirmation carries exactly its own data (docs/server.md,
 * "Each phase carries exactly its own data"): the reason a proven password will be refused is
 * there only when there is one, and the password's setting only when CPace ran against a password.
 */
import { describe, expect, it } from 'vitest';
import type { NewUser } from '../../src/simulator/accounts.js';
import { DISPLAY_NAME, EMAIL, HOUR, PASSWORD } from '../support/fixtures.js';
import { CoreRig } from '../support/server-core.js';

/** The fields of every awaiting-confirm session. */
const COMMON = [
  'confirmation',
  'email',
  'etp',
  'handsetToServer',
  'lastReply',
  'phase',
  'pin',
  'recvSeq',
  'sendSeq',
  'serverAd',
  'serverShare',
  'serverToHandset',
  'sid',
  'startedAt',
];

describe('the awaiting-confirm session holds a refusal only when there is one', () => {
  it.each<{ name: string; user: NewUser; later: number; extra: string[]; refusal?: string }>([
    {
      name: 'a usable password: no refusal',
      user: { email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD },
      later: 0,
      extra: ['passwordSetAt'],
    },
    {
      name: 'an expired password: PASSWORD_EXPIRED',
      user: { email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD, passwordLifetimeHours: 1 },
      later: HOUR,
      extra: ['passwordSetAt', 'refusal'],
      refusal: 'PASSWORD_EXPIRED',
    },
    {
      name: 'no password (CPace against a dummy): NO_ACTIVATION_PASSWORD',
      user: { email: EMAIL, displayName: DISPLAY_NAME },
      later: 0,
      extra: ['refusal'],
      refusal: 'NO_ACTIVATION_PASSWORD',
    },
  ])('$name', ({ user, later, extra, refusal }) => {
    const rig = new CoreRig({ users: [user] });
    rig.activate();
    const etp = rig.toServer.shift();
    if (etp === undefined) throw new Error('no ETP.DAT');
    rig.clock.now += later;
    const { state } = rig.server(etp);
    expect(state.phase).toBe('awaiting-confirm');
    expect(Object.keys(state).sort()).toEqual([...COMMON, ...extra].sort());
    expect(state.phase === 'awaiting-confirm' && state.refusal).toBe(refusal);
  });
});
