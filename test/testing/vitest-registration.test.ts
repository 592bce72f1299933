/**
 * `enterprise-activation/testing/vitest`: one import registers the matchers with vitest's expect,
 * typed (this file compiles only with the `declare module 'vitest'` augmentation), `.not` included.
 */
import { describe, expect, it } from 'vitest';
import '../../src/testing/vitest/index.js';
import { activate } from '../../src/testing/activation-pair.js';

describe('enterprise-activation/testing/vitest', () => {
  it('adds the matchers to expect, typed', async () => {
    const run = await activate({ preset: 'tdes-only' });
    expect(run).toActivate();
    expect(run).toUseTransportKey('TDES-EDE2-CBC');
    expect(run).toShowStatuses(['activating', 'encryption-verified', 'activation-complete']);
    expect(run).toHaveSynced('calendar', 12);
    expect(run).not.toFailWith('TIMEOUT');
    await expect(activate({ preset: 'password-expired' })).resolves.toFailWith('PASSWORD_EXPIRED');
  });

  it('fails a test with the message that lists the statuses and frames seen', async () => {
    const run = await activate({ preset: 'wrong-password' });
    let thrown: unknown;
    try {
      expect(run).toActivate();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    const message = (thrown as Error).message;
    expect(message).toMatch(/^Expected the activation to complete, but it failed with WRONG_PASSWORD\./);
    expect(message).toContain('activation-failed      "Activation failed: the activation password is incorrect"');
    expect(message).toContain('handset -> server  etp-dat #0');
  });
});
