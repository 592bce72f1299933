/**
 * The simulator sends the records its generator made without checking them against their schema
 * a second time (issue 14): they are in their wire form already. Two things hold that up, pinned
 * here: the generator's records encode as the checked encoder would encode them, and no data set
 * a caller could have changed is ever taken for the generator's own.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { isGeneratedUserData, resolveServicesConfig } from '../../src/simulator/server-services.js';
import { generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import { SYNC_ORDER, type SyncData } from '../../src/sync/databases.js';
import { stripUndefined, syncRecordSchema } from '../../src/sync/records.js';
import { expectCode } from '../support/errors.js';
import { EMAIL, DISPLAY_NAME } from '../support/fixtures.js';
import { rigAt, rigIdentity } from '../support/server-core.js';
import { NOW, OWNER } from '../sync/helpers.js';

describe('generated records are in their wire form', () => {
  it('each encodes to the bytes of its checked form (no undefined field, fields in the schema order)', () => {
    // Enough contacts that the rare phones (pager 3%, fax 10%) come up.
    const data = generateUserData({
      seed: 'wire form',
      counts: { calendar: 100, contacts: 200, tasks: 60, memos: 30, emailSettings: 10, messages: 100, options: 40 },
      owner: OWNER,
      now: NOW,
    });
    for (const database of SYNC_ORDER) {
      for (const record of data[database]) {
        const checked = v.parse(syncRecordSchema, stripUndefined(record));
        expect(encodeCbor(record), `${database} ${record.id}`).toEqual(encodeCbor(checked));
      }
    }
  });
});

describe("only the generator's fresh output is taken for its own", () => {
  const account = () => {
    const sim = new BesSimulator({ now: () => NOW });
    sim.addUser({ email: EMAIL, displayName: DISPLAY_NAME });
    return { sim, account: sim.accounts.get(EMAIL)! };
  };

  it('the default userData marks what it generates; a userData option does not', () => {
    const { account: a } = account();
    expect(isGeneratedUserData(resolveServicesConfig(undefined, rigIdentity(), () => NOW).userData(a))).toBe(true);
    const mine = generateUserData({ seed: 'mine', counts: { memos: 1 }, owner: OWNER, now: NOW });
    expect(isGeneratedUserData(resolveServicesConfig({ userData: () => mine }, rigIdentity(), () => NOW).userData(a))).toBe(false);
  });

  it("what BesSimulator.services hands out is the caller's, not the generator's own", () => {
    const { sim, account: a } = account();
    expect(isGeneratedUserData(sim.services.userData(a))).toBe(false);
  });

  it('a generated data set handed out, changed and handed back in is checked: an invalid record is refused', () => {
    const { sim, account: a } = account();
    const data: SyncData = sim.services.userData(a);
    const [first, ...rest] = data.memos;
    const changed: SyncData = { ...data, memos: [{ ...first!, title: 'x'.repeat(300) }, ...rest] };
    Object.assign(data, changed);
    const rig = rigAt('awaiting-books-ack', { services: { userData: () => data } });
    const err = expectCode(() => rig.server(rig.toServer.shift()!), 'INVALID_ARGUMENT');
    expect(err.cause).toMatchObject({ field: 'title' });
  });
});
