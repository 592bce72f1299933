/**
 * The testing toolkit under Node's own test runner, node:test (docs/testing-toolkit.md, "Recipes"):
 * no `expect` there, so the matchers are called as functions and their result asserted, which
 * keeps their messages (the statuses and frames seen) on failure. Run by
 * test/examples/testing-node-test.test.ts; in a project of your own, import from
 * 'enterprise-activation/testing' and run `node --test`.
 *
 *   node --import tsx --test examples/testing-node-test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activate, activationMatchers as m } from '../src/testing/index.js';

test('an emulator activates', async () => {
  const run = await activate();
  const done = m.toActivate(run);
  assert.ok(done.pass, done.message());
  const synced = m.toHaveSynced(run, 'contacts', 30);
  assert.ok(synced.pass, synced.message());
});

test('an expired password is reported as such', async () => {
  const failed = m.toFailWith(await activate({ preset: 'password-expired' }), 'PASSWORD_EXPIRED');
  assert.ok(failed.pass, failed.message());
});
