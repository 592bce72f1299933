/**
 * Activation commits at one point, the same on both sides: when the handset registers the receipt
 * of its service books with the server (the seed, Phase 4 step 2: "The BlackBerry smartphone
 * registers the receipt of its service books to the BlackBerry Enterprise Server and the
 * activation process completes"). Before it, a failure leaves the handset with nothing and the
 * account activatable again with the same password; after it, both sides keep the activation and
 * an interrupted initial synchronization resumes (docs/protocol.md, "The commit point").
 *
 * The bug (issue 12, finding 1): the server activated the account and deleted the password when
 * the IT policy was acknowledged, and the handset, timing out while awaiting the service books or
 * during the sync, dropped its key but kept its books and showed `...is now enabled` then
 * `Activation failed`; a retry failed with NO_ACTIVATION_PASSWORD.
 */
import { describe, expect, it } from 'vitest';
import { EMAIL, PASSWORD } from '../support/fixtures.js';
import { type Link, Pair, activatePair, faults } from '../support/pair.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { openHandsetSnapshot, openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import { sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { HandsetState } from '../../src/handset/state.js';
import { allAlgorithms } from '../support/providers.js';

const STORAGE_KEY = new Uint8Array(32).fill(9);

/** Drops the first `count` frames of `type` going to `direction`. */
function dropFirst(type: 'service-books' | 'sync-page' | 'books-ack', direction: 'to-handset' | 'to-server', count: number): Link {
  let seen = 0;
  return (bytes, dir, ctx) => {
    if (dir !== direction || ctx.type !== type) return [bytes];
    seen += 1;
    return seen <= count ? [] : [bytes];
  };
}

/** Both sides hold the same activation: the handset's key is the one the server's account records. */
function expectAgreedActivated(pair: Pair): void {
  const account = pair.server.accounts.get(EMAIL)!;
  expect(account.status).toBe('Activated');
  expect(account.password).toBeUndefined();
  expect(pair.handset.transportKey).toBeDefined();
  expect(pair.handset.serviceBooks?.length).toBeGreaterThan(0);
  expect(bytesToHex(pair.handset.transportKey!.key)).toBe(bytesToHex(account.device!.transportKey));
}

describe('one commit point: the registration of the service books', () => {
  it('a timeout awaiting the service books leaves the handset with nothing and the account activatable with the same password', () => {
    const pair = activatePair({ link: faults.drop({ direction: 'to-handset', type: 'service-books' }) });
    expect(pair.error?.code).toBe('TIMEOUT');
    const texts = pair.outputsOf('status').map((o) => o.status.text);
    expect(texts.some((t) => t.includes('is now enabled'))).toBe(false);
    // The handset: no key, no policy, no books, no data.
    expect(pair.handset.phase).toBe('failed');
    expect(pair.handset.transportKey).toBeUndefined();
    expect(pair.handset.policy).toBeUndefined();
    expect(pair.handset.serviceBooks).toBeUndefined();
    expect(pair.handset.sync).toBeUndefined();
    // The server: not activated, the same password still set and usable.
    const account = pair.server.accounts.get(EMAIL)!;
    expect(account.status).not.toBe('Activated');
    expect(account.device).toBeUndefined();
    expect(pair.server.accounts.usablePassword(EMAIL)).toEqual({ password: PASSWORD });
  });

  it('after a timeout before the commit point, a retry with the same password activates', () => {
    const first = activatePair({ link: faults.drop({ direction: 'to-handset', type: 'service-books' }) });
    expect(first.error?.code).toBe('TIMEOUT');
    // The same device tries again at once (well within the claim timeout of the first attempt).
    const retry = new Pair({ server: first.server, clock: first.clock, serverLog: first.serverLog, state: first.handset });
    retry.activate();
    retry.drive();
    expect(retry.error).toBeUndefined();
    expect(retry.handset.phase).toBe('complete');
    expect(retry.handset.status?.text).toBe('Activation Complete');
    expectAgreedActivated(retry);
  });

  it('a sync interrupted after the commit point is pending, then resumes and reaches Activation Complete', () => {
    // The first page and every retransmission of its request are lost: the handset runs out of retries.
    const pair = activatePair({ link: dropFirst('sync-page', 'to-handset', 5) });
    expect(pair.error).toBeUndefined();
    const ids = pair.outputsOf('status').map((o) => o.status.id);
    expect(ids).toContain('sync-pending');
    expect(ids).not.toContain('activation-failed');
    // "Activation Complete" keeps its place: the last status, after the sync.
    expect(ids.at(-1)).toBe('activation-complete');
    expect(ids.indexOf('sync-pending')).toBeLessThan(ids.indexOf('activation-complete'));
    expect(pair.handset.phase).toBe('complete');
    expectAgreedActivated(pair);
  });

  it('a lost registration of the books is repeated until the server has it: the handset keeps everything meanwhile', () => {
    const pair = activatePair({
      link: dropFirst('books-ack', 'to-server', 5),
      until: (p) => p.handset.phase === 'sync-pending',
    });
    // The handset has committed (it registered the receipt); the server has not heard it yet.
    expect(pair.handset.transportKey).toBeDefined();
    expect(pair.handset.serviceBooks?.length).toBeGreaterThan(0);
    expect(pair.handset.status?.id).toBe('sync-pending');
    expect(pair.server.accounts.get(EMAIL)!.status).not.toBe('Activated');
    pair.drive();
    expect(pair.error).toBeUndefined();
    expect(pair.handset.phase).toBe('complete');
    expectAgreedActivated(pair);
  });

  it('a registration the server refuses (it lost its claim on the password meanwhile) leaves both sides with nothing', () => {
    const pair = activatePair({ link: dropFirst('books-ack', 'to-server', 5), until: (p) => p.handset.phase === 'sync-pending' });
    // Meanwhile the administrator gave the user a new password: the old one, and its claim, are gone.
    pair.server.setActivationPassword(EMAIL, 'Another-Password-2');
    pair.drive();
    expect(pair.error?.code).toBe('NO_ACTIVATION_PASSWORD');
    expect(pair.error?.cause).toMatchObject({ reportedBy: 'server', authenticated: true });
    expect(pair.handset.phase).toBe('failed');
    expect(pair.handset.transportKey).toBeUndefined();
    expect(pair.handset.serviceBooks).toBeUndefined();
    expect(pair.handset.policy).toBeUndefined();
    const account = pair.server.accounts.get(EMAIL)!;
    expect(account.status).not.toBe('Activated');
    expect(account.device).toBeUndefined();
    expect(pair.server.accounts.usablePassword(EMAIL)).toEqual({ password: 'Another-Password-2' });
  });

  it('a handset restarted in sync-pending keeps everything and resumes: its timer sends the last request again', () => {
    const pair = activatePair({ link: dropFirst('sync-page', 'to-handset', 5), until: (p) => p.handset.phase === 'sync-pending' });
    const sealed = sealHandsetState(pair.handset, STORAGE_KEY, allAlgorithms, seededRandom('commit-point snapshot'));
    const restored = openHandsetState(sealed, STORAGE_KEY, allAlgorithms);
    expect(restored.phase).toBe('sync-pending');
    expect(bytesToHex(restored.transportKey!.key)).toBe(bytesToHex(pair.handset.transportKey!.key));
    expect(restored.serviceBooks).toEqual(pair.handset.serviceBooks);
    expect(restored.policy?.policy.id).toBe(pair.handset.policy?.policy.id);
    const resumed = new Pair({
      server: pair.server,
      clock: pair.clock,
      serverLog: pair.serverLog,
      state: restored,
      timerAt: restored.session!.deadline,
    });
    resumed.drive();
    const ids = resumed.outputsOf('status').map((o) => o.status.id);
    expect(ids[0]).toBe('sync-resuming');
    expect(ids.at(-1)).toBe('activation-complete');
    expect(resumed.handset.phase).toBe('complete');
    expectAgreedActivated(resumed);
  });

  it("a snapshot of a failed activation sealed before the commit point loses the policy and books; its records become the device's own", () => {
    const pair = activatePair();
    expect(pair.handset.phase).toBe('complete');
    const { transportKey: _k, server: _s, session: _session, ...rest } = pair.handset;
    // The layout before issue 12: a failed state that kept what the later phases had stored.
    // (version 3: the records in the state, as before issue 14)
    const old = {
      ...rest,
      version: 3,
      sync: { ...rest.sync, store: pair.records },
      phase: 'failed',
      failure: { code: 'TIMEOUT', message: 'the server did not respond' },
    } as unknown as HandsetState;
    expect(old.serviceBooks?.length).toBeGreaterThan(0);
    const { state: restored, records } = openHandsetSnapshot(
      sealSnapshot('handset', old, STORAGE_KEY, allAlgorithms, { random: seededRandom('old failed') }),
      STORAGE_KEY,
      allAlgorithms,
    );
    expect(restored.phase).toBe('failed');
    expect(restored.email).toBe(EMAIL);
    expect(restored.policy).toBeUndefined();
    expect(restored.serviceBooks).toBeUndefined();
    expect(restored.sync).toBeUndefined();
    // The records are the device's own now: given back for the record store, for the next activation's slow sync.
    expect(old.sync?.store?.calendar?.length).toBeGreaterThan(0);
    expect(records.calendar).toEqual(old.sync?.store?.calendar);
  });
});
