/**
 * `enterprise-activation/testing/jest`: one import registers the matchers with Jest's global
 * `expect`. Tested with Jest's own `expect` package (the one `@jest/globals` re-exports) put on
 * the global object as Jest does, without installing Jest.
 */
import { expect as jestExpect } from 'expect';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { activate } from '../../src/testing/activation-pair.js';
import type { ActivationMatchers } from '../../src/testing/matchers.js';

/** Jest's expect with the matchers' types, as @types/jest users get them from the augmentation. */
type WithMatchers = (actual: unknown) => ActivationMatchers<void> & { not: ActivationMatchers<void> };

afterEach(() => {
  delete (globalThis as { expect?: unknown }).expect;
  vi.resetModules();
});

describe('enterprise-activation/testing/jest', () => {
  it('registers the matchers with the global expect when imported', async () => {
    (globalThis as { expect?: unknown }).expect = jestExpect;
    await import('../../src/testing/jest/index.js');
    const run = await activate({ preset: 'no-cmime' });
    const expectRun = jestExpect as unknown as WithMatchers;
    expectRun(run).toActivate();
    expectRun(run).toShowStatuses(['services-received', 'email-not-enabled']);
    expectRun(run).toHaveSynced('messages', 0);
    expectRun(run).not.toFailWith('UNSUPPORTED');
    expect(() => expectRun(run).toShowStatuses(['email-enabled'])).toThrow(/Statuses seen:\n {2}activating/);
    expect(() => expectRun(run).not.toActivate()).toThrow(/^Expected the activation not to complete, but it completed/);
  });

  it('without a global expect, registers nothing on import; registerMatchers takes one', async () => {
    const { registerMatchers } = await import('../../src/testing/jest/index.js');
    const run = await activate({ preset: 'server-silent' });
    const expectRun = jestExpect as unknown as WithMatchers;
    registerMatchers(jestExpect);
    expectRun(run).toFailWith('TIMEOUT');
    expect(() => registerMatchers({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
