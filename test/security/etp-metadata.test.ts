/**
 * Issue 8, finding 21: the ETP.DAT header is cleartext (the relay and anyone reading the mailbox
 * see it). It used to carry the handset's carrier UID and the SRP id of the server the device was
 * activated on before: who the subscriber is with, and which company the device came from. The
 * attack is simply reading an ETP.DAT; these tests read one the way such an observer would (raw
 * bytes, the public decoder, the `inspect` view) and show that those values are not there, while
 * the server still receives them once the body is opened.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { resolveHandsetConfig, type HandsetConfig } from '../../src/handset/config.js';
import { handsetStep } from '../../src/handset/machine.js';
import { initialHandsetState } from '../../src/handset/state.js';
import { bytesToHex, utf8ToBytes } from '../../src/util/bytes.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { openEtpBody } from '../../src/wire/etp/etp-body.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { decodeCbor } from '../../src/codec/cbor.js';

const CARRIER_UID = 'carrier-uid-SUBSCRIBER-4711';
const PREVIOUS_SRP = 'S0PREVCO';
const RELAY = 'relay.eu.blackberry.test';

const CONFIG: HandsetConfig = {
  pin: '2100000A',
  routing: { relay: RELAY, uid: CARRIER_UID, srp: PREVIOUS_SRP },
  device: { model: '8800', os: '4.5.0.110' },
};

/** The first frame a handset sends (its ETP.DAT), and the body key it keeps for the server. */
function firstEtpDat(): { frameBytes: Uint8Array; bodyKey: Uint8Array } {
  const env = { provider: nobleProvider, random: seededRandom('etp-metadata') };
  const { state, outputs } = handsetStep(
    initialHandsetState(resolveHandsetConfig(CONFIG)),
    { type: 'activate', email: 'alice@example.com', password: 'Bb-activation-1', now: 0 },
    env,
  );
  const send = outputs.find((o) => o.type === 'send');
  if (send?.type !== 'send' || !state.session?.bodyKey) throw new Error('no ETP.DAT sent');
  return { frameBytes: send.bytes, bodyKey: state.session.bodyKey };
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('an observer of the ETP.DAT (relay, mailbox) does not learn the handset routing metadata', () => {
  const { frameBytes, bodyKey } = firstEtpDat();
  const frame = decodeFrame(frameBytes);

  it('the carrier UID, the previous SRP id and the relay host are nowhere in the bytes on the wire', () => {
    expect(frame.type).toBe('etp-dat');
    for (const value of [CARRIER_UID, PREVIOUS_SRP, RELAY]) {
      expect(contains(frameBytes, utf8ToBytes(value)), value).toBe(false);
    }
    // Control: the observer does see what routing needs (so the search above can find text).
    expect(contains(frameBytes, utf8ToBytes('alice@example.com'))).toBe(true);
    expect(contains(frameBytes, utf8ToBytes('2100000A'))).toBe(true);
  });

  it('the public decoder (what `enterprise-activation inspect` prints) shows only routing fields', () => {
    const etp = decodeEtpDat(frame.body);
    const rawHeader = decodeCbor(etp.headerBytes, 'header') as Record<string, unknown>;
    expect(Object.keys(rawHeader)).toEqual(['protocol', 'pin', 'email', 'nonce', 'suite', 'suites', 'ciphers']);
    expect(Object.keys(etp.header).sort()).toEqual(['ciphers', 'email', 'nonce', 'pin', 'protocol', 'suite', 'suites']);
  });

  it('the server, once it holds the body key (after the password is proven), gets the routing from the sealed body', () => {
    const etp = decodeEtpDat(frame.body);
    const body = openEtpBody(nobleProvider, bodyKey, etp.sealedBody, etp.headerBytes, etp.share);
    expect(body.routing).toEqual({ relay: RELAY, uid: CARRIER_UID, srp: PREVIOUS_SRP });
    // Bound to this header and share: the routing cannot be cut out and pasted into another ETP.DAT.
    const otherShare = etp.share.slice();
    otherShare[0] = otherShare[0]! ^ 1;
    expect(() => openEtpBody(nobleProvider, bodyKey, etp.sealedBody, etp.headerBytes, otherShare)).toThrow(/ETP.DAT body/);
    expect(bytesToHex(etp.header.nonce)).toBe(bytesToHex(frame.sid));
  });
});
