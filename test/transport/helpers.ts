/** Test helpers for the transport tests: frames, ETP.DAT files, waiting. */
import { encodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { encodeEtpHeader, type EtpHeader } from '../../src/wire/etp/etp-header.js';
import { encodeFrame, type MessageType } from '../../src/wire/frame.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { Handset } from '../../src/handset/handset.js';
import { createRelayTransport, type RelayTransportOptions } from '../../src/transport/http-relay-transport.js';

export const PIN = '2100000A';
export const SRP = 'S0000001';

const random = seededRandom('transport-tests');

export function sid(): Uint8Array {
  return random(16);
}

/** A structurally valid ETP.DAT (random share and sealed body: fine for routing, not for CPace). */
export function makeEtpDat(email = 'user@example.com', pin = PIN, nonce = sid()): { bytes: Uint8Array; header: EtpHeader } {
  const header: EtpHeader = {
    protocol: 1,
    pin,
    email,
    nonce,
    suite: 'CPACE-X25519-SHA512',
    suites: ['CPACE-X25519-SHA512'],
    ciphers: ['AES-256-CBC'],
  };
  const bytes = encodeEtpDat({
    headerBytes: encodeEtpHeader(header),
    share: random(32),
    sealedBody: { nonce: random(24), ciphertext: random(80) },
  });
  return { bytes, header };
}

/** The etp-dat frame a handset would send for `email`. */
export function makeEtpFrame(email = 'user@example.com', pin = PIN): { frame: Uint8Array; etpDat: Uint8Array; nonce: Uint8Array } {
  const nonce = sid();
  const { bytes } = makeEtpDat(email, pin, nonce);
  const frame = encodeFrame({ v: 1, type: 'etp-dat', sid: nonce, seq: 0, pin, to: `mailto:${email}`, body: bytes });
  return { frame, etpDat: bytes, nonce };
}

/** Any frame: routing tests do not look at bodies. */
export function makeFrame(to: string, seq = 0, type: MessageType = 'server-share', session = sid(), pin = PIN): Uint8Array {
  return encodeFrame({ v: 1, type, sid: session, seq, pin, to, body: new Uint8Array([seq & 0xff, 1, 2, 3]) });
}

/** Resolves when `check()` is true; rejects after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Collects frames a transport delivers. */
export function collect(transport: { onFrame(h: (f: Uint8Array) => void): () => void }): Uint8Array[] {
  const frames: Uint8Array[] = [];
  transport.onFrame((f) => frames.push(f));
  return frames;
}

/** Races a promise against a deadline; rejects with a clear message instead of hanging. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A handset on the relay (address `pin:PIN`), registered for cleanup, with the non-sync statuses
 * it shows collected in order.
 */
export function relayHandset(
  relayUrl: string,
  cleanups: Array<() => Promise<void> | void>,
  options: Partial<RelayTransportOptions> = {},
): { handset: Handset; statuses: string[] } {
  const transport = createRelayTransport({ url: relayUrl, address: `pin:${PIN}`, pollWaitSeconds: 10, ...options });
  cleanups.push(() => transport.close());
  const handset = new Handset({
    config: { pin: PIN, routing: { relay: 'relay.test', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } },
    transport,
  });
  cleanups.push(() => handset.close());
  const statuses: string[] = [];
  handset.on('status', (s) => {
    if (s.id !== 'synchronizing') statuses.push(s.text);
  });
  return { handset, statuses };
}
