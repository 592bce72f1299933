/**
 * Transcripts (docs/transcripts.md): recording, the format and its parser, comparison, replay,
 * and the rule that no password or key is ever written.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { Handset } from '../../src/handset/handset.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { toBase64Url } from '../../src/util/base64url.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { encodeFrame, decodeFrame } from '../../src/wire/frame.js';
import {
  DEFAULT_ACTIVATION_RECIPE,
  LIBRARY_VERSION,
  MAX_TRANSCRIPT_ENTRIES,
  TranscriptRecorder,
  diffTranscripts,
  entryFrame,
  formatDifference,
  formatTranscript,
  parseTranscript,
  recordActivation,
  recordTranscript,
  replayTranscript,
  replayWith,
  serializeTranscript,
  serverReplayTarget,
  type Transcript,
  type TranscriptEntry,
} from '../../src/transcript/index.js';
import { recipeServer } from '../../src/transcript/record-activation.js';
import { expectCode } from '../support/errors.js';

const PASSWORD = 'transcript-pw-1';
const root = join(import.meta.dirname, '..', '..');

/** One transcript with bodies, shared by the tests that only read it. */
const recorded: Promise<Transcript> = recordActivation({ password: PASSWORD, includeBodies: true });

/** A copy of `t` with entry `index` changed. */
function withEntry(t: Transcript, index: number, patch: Partial<TranscriptEntry>): Transcript {
  return { ...t, entries: t.entries.map((e, i) => (i === index ? { ...e, ...patch } : e)) };
}

describe('recordActivation', () => {
  it('records a whole activation, each frame with its direction, type and header, in order', async () => {
    const t = await recorded;
    expect(t.format).toBe('enterprise-activation/transcript');
    expect(t.version).toBe(1);
    expect(t.meta).toMatchObject({ recordedBy: 'recordActivation', side: 'handset', bodies: true, outcome: 'complete' });
    expect(t.meta.recipe).toEqual(DEFAULT_ACTIVATION_RECIPE);
    const types = t.entries.map((e) => `${e.direction === 'to-server' ? '>' : '<'}${e.type}`);
    expect(types.slice(0, 9)).toEqual([
      '>etp-dat',
      '<server-share',
      '>handset-confirm',
      '<key-issue',
      '>key-verified',
      '<it-policy',
      '>policy-ack',
      '<service-books',
      '>books-ack',
    ]);
    expect(types.at(-1)).toBe('<sync-done');
    // Every entry's header is the frame's own, and the digest is of its body.
    for (const entry of t.entries) {
      const frame = decodeFrame(entryFrame(entry) ?? new Uint8Array());
      expect(entry).toMatchObject({ type: frame.type, seq: frame.seq, pin: frame.pin, to: frame.to, sid: bytesToHex(frame.sid) });
      expect(entry.size).toBe(entryFrame(entry)?.length);
    }
    expect(t.entries[0]?.to).toBe('mailto:alice@example.com');
    expect(new Set(t.entries.map((e) => e.sid)).size).toBe(1);
  });

  it('is reproducible: the same options give the same transcript, byte for byte; another seed another', async () => {
    const again = await recordActivation({ password: PASSWORD, includeBodies: true });
    expect(serializeTranscript(again)).toBe(serializeTranscript(await recorded));
    const other = await recordActivation({ password: PASSWORD, handsetSeed: 'another' });
    expect(diffTranscripts(other, await recorded)).toMatchObject({ index: 0, field: 'sid' });
  });

  it('stores no bodies unless asked, and records a failed activation with its error code', async () => {
    const t = await recordActivation({ password: PASSWORD, typedPassword: 'not-the-password' });
    expect(t.meta.bodies).toBe(false);
    expect(t.entries.every((e) => e.frame === undefined)).toBe(true);
    expect(t.meta.outcome).toBe('WRONG_PASSWORD');
    // The handset finds the server's confirmation wrong and tells the server so.
    expect(t.entries.map((e) => e.type)).toEqual(['etp-dat', 'server-share', 'error']);
    expect(t.entries.at(-1)?.direction).toBe('to-server');
  });

  it('refuses to run without a password', async () => {
    await expect(recordActivation({} as { password: string })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('keeps LIBRARY_VERSION equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(LIBRARY_VERSION).toBe(pkg.version);
  });
});

/** Every Uint8Array in `value` under a name that holds a secret, with its path. */
function secretsIn(value: unknown, path = 'state', out: { path: string; bytes: Uint8Array }[] = []) {
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return out;
  for (const [name, child] of Object.entries(value)) {
    const at = `${path}.${name}`;
    if (child instanceof Uint8Array && /^(key|secretKey|scalar|bodyKey|handsetToServer|serverToHandset)$/.test(name))
      out.push({ path: at, bytes: child });
    else secretsIn(child, at, out);
  }
  return out;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('secrets are never written', () => {
  it('neither the password nor any key the handset or the server held appears in a transcript with bodies', async () => {
    const recipe = DEFAULT_ACTIVATION_RECIPE;
    const now = () => Date.UTC(2024, 0, 1);
    const server = recipeServer(recipe, PASSWORD, now);
    const [handsetSide, serverSide] = createMemoryTransportPair();
    server.attach(serverSide);
    const recording = recordTranscript(handsetSide, { now, includeBodies: true, options: { handsetSeed: 'secrets' } });
    const handset = new Handset({ config: recipe.config, transport: recording.transport, random: seededRandom('secrets'), now });
    // The handset's state after every frame: the CPace scalar, the body key and the session keys
    // live only in the phases before the transport key.
    const secrets: { path: string; bytes: Uint8Array }[] = [];
    handset.on('output', () => secretsIn(handset.state, 'state', secrets));
    await handset.activate({ email: recipe.email, password: PASSWORD });
    await handset.close();
    server.close();
    secrets.push({ path: 'server domain key seed', bytes: seededRandom(`domain-key:${recipe.serverSeed}`)(32) });
    const paths = new Set(secrets.map((s) => s.path.replace(/\.[^.]+$/, '')));
    expect(
      secrets.some((s) => s.path.endsWith('transportKey.key')),
      [...paths].join(' '),
    ).toBe(true);
    expect(secrets.some((s) => s.path.endsWith('scalar'))).toBe(true);
    expect(secrets.some((s) => s.path.endsWith('handsetToServer'))).toBe(true);

    const json = serializeTranscript(recording.transcript());
    expect(json).not.toContain(PASSWORD);
    const frames = recording.transcript().entries.map((e) => entryFrame(e) ?? new Uint8Array());
    expect(frames.length).toBeGreaterThan(20);
    for (const { path, bytes } of secrets) {
      expect(json, path).not.toContain(bytesToHex(bytes));
      expect(json, path).not.toContain(toBase64Url(bytes).slice(0, 20));
      expect(json, path).not.toContain(Buffer.from(bytes).toString('base64').slice(0, 20));
      for (const frame of frames) expect(contains(frame, bytes), path).toBe(false);
    }
    for (const frame of frames) expect(contains(frame, new TextEncoder().encode(PASSWORD))).toBe(false);
  });

  it('refuses metadata labels that look like a secret', () => {
    const [end] = createMemoryTransportPair();
    for (const name of ['password', 'activationPassword', 'domainKeySeed', 'secret', 'apiToken']) {
      expectCode(() => recordTranscript(end, { options: { [name]: 'x' } }), 'INVALID_ARGUMENT');
    }
    expectCode(() => recordTranscript(end, { options: { seed: { nested: 1 } as unknown as string } }), 'INVALID_ARGUMENT');
    expect(recordTranscript(end, { options: { handsetSeed: 's', attempt: 2, lossy: false } }).transcript().meta.options).toEqual({
      handsetSeed: 's',
      attempt: 2,
      lossy: false,
    });
  });
});

describe('recordTranscript', () => {
  it('records both ways through any transport, once per frame however many listen; a server-side recording turns the arrows', async () => {
    const [a, b] = createMemoryTransportPair();
    let clock = 1000;
    const handsetSide = recordTranscript(a, { now: () => clock });
    const serverSide = recordTranscript(b, { now: () => clock, side: 'server', recordedBy: 'unit test' });
    const got: Uint8Array[] = [];
    handsetSide.transport.onFrame((f) => got.push(f));
    const off = handsetSide.transport.onFrame((f) => got.push(f));
    serverSide.transport.onFrame(() => undefined);
    const t0 = (await recorded).entries;
    clock = 1005;
    await handsetSide.transport.send(entryFrame(t0[0] as TranscriptEntry) ?? new Uint8Array());
    await new Promise((r) => setTimeout(r, 0));
    clock = 1010;
    await serverSide.transport.send(entryFrame(t0[1] as TranscriptEntry) ?? new Uint8Array());
    await serverSide.transport.send(new Uint8Array([1, 2, 3]));
    await new Promise((r) => setTimeout(r, 0));
    off();
    expect(got).toHaveLength(4); // two frames, two handlers
    const h = handsetSide.transcript();
    expect(h.meta).toMatchObject({ startedAt: 1000, side: 'handset', recordedBy: 'recordTranscript', bodies: false });
    expect(h.entries.map((e) => [e.t, e.direction, e.type])).toEqual([
      [5, 'to-server', 'etp-dat'],
      [10, 'to-handset', 'server-share'],
      [10, 'to-handset', 'undecodable'],
    ]);
    const digest = bytesToHex(sha256(new Uint8Array([1, 2, 3])).subarray(0, 16));
    expect(h.entries[2]).toEqual({ t: 10, direction: 'to-handset', type: 'undecodable', size: 3, digest });
    const s = serverSide.transcript();
    expect(s.meta).toMatchObject({ side: 'server', recordedBy: 'unit test' });
    expect(s.entries.map((e) => [e.direction, e.type])).toEqual([
      ['to-server', 'etp-dat'],
      ['to-handset', 'server-share'],
      ['to-handset', 'undecodable'],
    ]);
    expect(diffTranscripts(h, s)).toBeUndefined();
  });

  it('stops at MAX_TRANSCRIPT_ENTRIES and says so, so that what it writes can be read back', () => {
    const recorder = new TranscriptRecorder({ now: () => 0 });
    for (let i = 0; i < MAX_TRANSCRIPT_ENTRIES; i++) recorder.record('to-server', new Uint8Array([i & 255]));
    expect(recorder.transcript().meta.truncated).toBeUndefined();
    recorder.record('to-handset', new Uint8Array([1]));
    const t = recorder.transcript();
    expect(t.meta.truncated).toBe(true);
    expect(t.entries).toHaveLength(MAX_TRANSCRIPT_ENTRIES);
    expect(t.entries.at(-1)?.direction).toBe('to-server');
    expect(parseTranscript(serializeTranscript(t)).entries).toHaveLength(MAX_TRANSCRIPT_ENTRIES);
    expectCode(() => parseTranscript({ ...t, entries: [...t.entries, t.entries[0]] }), 'MALFORMED');
  });

  it('stops listening to the wrapped transport when its last handler goes', () => {
    let subscribed = 0;
    const inner: Transport = {
      send: async () => undefined,
      onFrame: () => {
        subscribed++;
        return () => subscribed--;
      },
      close: async () => undefined,
    };
    const { transport } = recordTranscript(inner);
    const off1 = transport.onFrame(() => undefined);
    const off2 = transport.onFrame(() => undefined);
    expect(subscribed).toBe(1);
    off1();
    expect(subscribed).toBe(1);
    off2();
    expect(subscribed).toBe(0);
  });
});

describe('parseTranscript and serializeTranscript', () => {
  it('round-trip a transcript, keys in order', async () => {
    const t = await recorded;
    const text = serializeTranscript(t);
    expect(text.endsWith('}\n')).toBe(true);
    expect(serializeTranscript(parseTranscript(text))).toBe(text);
    expect(Object.keys(parseTranscript(text).entries[0] ?? {})).toEqual([
      't',
      'direction',
      'type',
      'sid',
      'seq',
      'pin',
      'to',
      'size',
      'digest',
      'frame',
    ]);
  });

  it('refuse what is not a transcript, naming the field', async () => {
    const t = await recorded;
    expectCode(() => parseTranscript('{'), 'MALFORMED');
    expectCode(() => parseTranscript({ ...t, format: 'other' }), 'MALFORMED');
    expectCode(() => parseTranscript({ ...t, version: 2 }), 'UNSUPPORTED');
    const err = expectCode(() => parseTranscript(withEntry(t, 3, { seq: -1 })), 'MALFORMED');
    expect(err.cause?.field).toBe('entries.3.seq');
    expectCode(() => parseTranscript(withEntry(t, 0, { type: 'hello' as 'etp-dat' })), 'MALFORMED');
    expectCode(() => parseTranscript({ ...t, entries: [{ ...t.entries[0], extra: 1 }] }), 'MALFORMED');
    expectCode(() => parseTranscript({ ...t, meta: { ...t.meta, password: PASSWORD } }), 'MALFORMED');
    expectCode(() => parseTranscript({ ...t, meta: { ...t.meta, bodies: false } }), 'MALFORMED');
    expectCode(() => entryFrame({ ...(t.entries[0] as TranscriptEntry), frame: 'A' }), 'MALFORMED');
  });
});

describe('diffTranscripts', () => {
  it('finds nothing between equal transcripts, and the first differing entry and field otherwise', async () => {
    const t = await recorded;
    expect(diffTranscripts(t, parseTranscript(serializeTranscript(t)))).toBeUndefined();
    const changed = withEntry(withEntry(t, 5, { seq: 9 }), 7, { type: 'error' });
    expect(diffTranscripts(t, changed)).toMatchObject({ index: 5, field: 'seq', a: 2, b: 9, entryA: t.entries[5] });
    expect(diffTranscripts(t, withEntry(t, 4, { digest: '0'.repeat(32) }))).toMatchObject({ index: 4, field: 'digest' });
    expect(diffTranscripts(t, withEntry(t, 2, { direction: 'to-handset' }))).toMatchObject({ index: 2, field: 'direction' });
    const shorter = { ...t, entries: t.entries.slice(0, 10) };
    expect(diffTranscripts(t, shorter)).toMatchObject({ index: 10, field: 'entry', a: t.entries[10]?.type, b: undefined });
    expect(diffTranscripts(shorter, t)).toMatchObject({ index: 10, field: 'entry', a: undefined });
  });

  it('ignores the times and the metadata unless told to compare times', async () => {
    const t = await recorded;
    const later = { ...withEntry(t, 6, { t: 250 }), meta: { ...t.meta, library: '9.9.9', recordedBy: 'x' } };
    expect(diffTranscripts(t, later)).toBeUndefined();
    expect(diffTranscripts(t, later, { time: true })).toMatchObject({ index: 6, field: 't', a: 0, b: 250 });
  });

  it('shows a difference and a transcript as text', async () => {
    const t = await recorded;
    const text = formatDifference(diffTranscripts(t, withEntry(t, 3, { size: 1 })) as NonNullable<ReturnType<typeof diffTranscripts>>, [
      'golden',
      'run',
    ]);
    expect(text.split('\n')).toEqual([
      `first difference at entry 3, size: ${t.entries[3]?.size} / 1`,
      expect.stringMatching(/^ {2}golden {2}3 +\+0 ms {2}server → handset {2}key-issue +seq 1 +\d+ bytes$/),
      expect.stringMatching(/^ {2}run {5}3 +\+0 ms {2}server → handset {2}key-issue +seq 1 +1 bytes$/),
    ]);
    const shown = formatTranscript(t).split('\n');
    expect(shown[0]).toBe(
      `enterprise-activation/transcript v1: ${t.entries.length} frames, recorded by recordActivation beside the handset (library ${LIBRARY_VERSION})`,
    );
    expect(shown).toContain('');
    expect(shown.at(-1)).toMatch(/^ +\d+ +\+0 ms {2}server → handset {2}sync-done +seq \d+ +\d+ bytes$/);
    expect(shown.find((l) => l.includes('etp-dat'))).toMatch(/^ {3}0 +\+0 ms {2}handset → server {2}etp-dat +seq 0 +\d+ bytes$/);
  });
});

describe('replay', () => {
  it('a fresh handset, fed the recorded server frames, sends exactly what was recorded', async () => {
    const t = await recorded;
    const { difference, transcript } = await replayTranscript(t, { password: PASSWORD });
    expect(difference).toBeUndefined();
    expect(transcript.entries).toHaveLength(t.entries.length);
    expect(transcript.meta.recordedBy).toBe('replay');
    expect(transcript.meta.outcome).toBe('complete');
  });

  it('a fresh simulator, fed the recorded handset frames, answers exactly as recorded', async () => {
    const t = await recorded;
    expect((await replayTranscript(t, { password: PASSWORD, against: 'server' })).difference).toBeUndefined();
  });

  it('reports the first divergence: another password changes the server share; a handset told another password its confirmation', async () => {
    const t = await recorded;
    const server = await replayTranscript(t, { password: 'other-password-1', against: 'server' });
    expect(server.difference).toMatchObject({
      index: 1,
      field: 'digest',
      entryA: { type: 'server-share' },
      entryB: { type: 'server-share' },
    });
    // The replay stops there: nothing after the divergence is fed.
    expect(server.transcript.entries).toHaveLength(2);
    // The handset's ETP.DAT carries its CPace share, which depends on the password: entry 0 differs.
    const handset = await replayTranscript(t, { password: 'other-password-1' });
    expect(handset.difference).toMatchObject({ index: 0, field: 'digest' });
    // Stopped while the handset waits: no outcome (not the close's).
    expect(handset.transcript.meta.outcome).toBeUndefined();
  });

  it('reports a side that sends nothing where a frame was recorded, and one that sends more', async () => {
    const t = await recorded;
    // A recorded server frame altered in transit: the handset answers it with an error.
    const frame = decodeFrame(entryFrame(t.entries[3] as TranscriptEntry) ?? new Uint8Array());
    const body = frame.body.slice();
    body[body.length - 1]! ^= 1;
    const tampered = withEntry(t, 3, { frame: toBase64Url(encodeFrame({ ...frame, body })) });
    const r = await replayTranscript(tampered, { password: PASSWORD });
    expect(r.difference).toMatchObject({ index: 4, field: 'type', a: 'key-verified', b: 'error' });
    // The key issue lost: the handset waits (its timers do not fire in a replay) and sends nothing.
    const lost = { ...t, entries: t.entries.filter((_, i) => i !== 3) };
    const silent = await replayTranscript(lost, { password: PASSWORD });
    expect(silent.difference).toMatchObject({ index: 3, field: 'entry', a: 'key-verified', b: undefined });
    // A recording cut short: the server's answer to the last handset frame is extra.
    const cut = { ...t, entries: t.entries.slice(0, 5) };
    const extra = await replayTranscript(cut, { password: PASSWORD, against: 'server' });
    expect(extra.difference).toMatchObject({ index: 5, field: 'entry', a: undefined, b: 'it-policy' });
  });

  it('needs the bodies, a recipe and a password, and says so', async () => {
    const t = await recorded;
    const bare = await recordActivation({ password: PASSWORD });
    await expect(replayTranscript(bare, { password: PASSWORD })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/includeBodies/),
    });
    const { recipe: _r, ...meta } = t.meta;
    await expect(replayTranscript({ ...t, meta }, { password: PASSWORD })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/replayWith/),
    });
    await expect(replayTranscript(t, {} as { password: string })).rejects.toBeInstanceOf(ActivationError);
  });

  it('replayWith takes a target the caller builds', async () => {
    const t = await recorded;
    // The server's clock stands at the recording's start when the account is made: its password's
    // lifetime runs from there, as it did in the recorded run.
    const clock = { now: t.meta.startedAt };
    const recipe = t.meta.recipe ?? DEFAULT_ACTIVATION_RECIPE;
    const target = serverReplayTarget(
      recipeServer(recipe, PASSWORD, () => clock.now),
      clock,
    );
    expect((await replayWith(t, target)).difference).toBeUndefined();
    expect(clock.now).toBe(t.meta.startedAt + (t.entries.at(-2)?.t ?? 0));
  });
});

describe('browser safety', () => {
  it('src/transcript and src/testing import nothing from Node', () => {
    for (const folder of ['src/transcript', 'src/testing']) {
      for (const file of readdirSync(join(root, folder), { recursive: true }) as string[]) {
        if (!file.endsWith('.ts')) continue;
        const text = readFileSync(join(root, folder, file), 'utf8');
        expect(text, `${folder}/${file}`).not.toMatch(/from '(node:|fs|path|os|child_process)/);
        expect(text, `${folder}/${file}`).not.toMatch(/\b(process|Buffer)\./);
      }
    }
  });
});
