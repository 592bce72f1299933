/**
 * The testing toolkit (docs/testing-toolkit.md) as a device emulator's test suite would use it:
 * the one-line `activate()`, presets, a pair driven step by step, and the vitest matchers. Run by
 * test/examples/testing-toolkit.test.ts; in a project of your own, import from
 * 'enterprise-activation/testing' and 'enterprise-activation/testing/vitest' instead.
 *
 *   npx vitest run test/examples/testing-toolkit.test.ts
 */
import { afterEach, describe, expect, test } from 'vitest';
import { activate, createActivationPair, type ActivationPair } from '../src/testing/index.js';
import '../src/testing/vitest/index.js';

describe('an emulator under test', () => {
  test('activates and shows the screens RIM documented, in order', async () => {
    const run = await activate();
    expect(run).toShowStatuses(['Activating', 'Verifying Encryption', 'Encryption Verified. Waiting for Services', 'Activation Complete']);
    expect(run).toHaveSynced('contacts', 30);
  });

  test('tells the user what went wrong', async () => {
    expect(await activate({ preset: 'password-expired' })).toFailWith('PASSWORD_EXPIRED');
    expect(await activate({ preset: 'policy-rejected' })).toFailWith('POLICY_REJECTED');
    // 75 s of retransmissions, in no real time.
    expect(await activate({ preset: 'server-silent' })).toFailWith('TIMEOUT');
  });

  test('copes with an old server over a bad link', async () => {
    const run = await activate({ preset: ['old-bes', 'lossy-link'] });
    expect(run).toUseTransportKey('TDES-EDE2-CBC');
  });
});

describe('a pair, step by step', () => {
  let pair: ActivationPair;
  afterEach(() => pair.close());

  test('the administrator sees the device and pushes a policy update', async () => {
    pair = createActivationPair({ preset: 'tdes-only' });
    expect(await pair.activate()).toUseTransportKey('TDES-EDE2-CBC');
    expect(pair.server.account(pair.user.email)?.devicePin).toBe('2100000A');
    const updates: string[] = [];
    pair.handset.on('policy', ({ ack, update }) => updates.push(`${ack.policyId} ${ack.status} update=${update}`));
    pair.server.updatePolicy('policy-2', { 'Password Required': true });
    await pair.clock.advance(1_000); // the update reaches the handset
    expect(updates).toEqual(['policy-2 applied update=true']);
  });
});
