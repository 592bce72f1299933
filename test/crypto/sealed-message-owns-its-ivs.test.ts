/**
 * A sealed message owns its bytes (sealed-core.ts, sealMessageWith: keyIv and iv are drawn from
 * the random source and copied): whatever the caller's random source later does with the buffers
 * it returned (wipes them, refills them), the sealed message's keyIv and iv stay what the message
 * was sealed with, and it still opens. Checked for both algorithms, through the provider and the
 * module's own sealMessage.
 */
import { describe, expect, it } from 'vitest';
import type { RandomSource, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { openMessage, sealMessage } from '../../src/crypto/transport-key/sealed-message.js';
import { bytesToHex, utf8ToBytes } from '../../src/util/bytes.js';
import { allAlgorithms } from '../support/providers.js';

const AD = utf8ToBytes('type=policy;seq=3');
const PLAINTEXT = utf8ToBytes('records under the transport key');
const KEY_LENGTH: Record<TransportKeyAlgorithm, number> = { 'AES-256-CBC': 32, 'TDES-EDE2-CBC': 16 };

/** A seeded source that keeps every buffer it returned, so the test can overwrite them later. */
function keepingSource(seed: string): { random: RandomSource; returned: Uint8Array[] } {
  const inner = seededRandom(seed);
  const returned: Uint8Array[] = [];
  const random: RandomSource = (n) => {
    const out = inner(n);
    returned.push(out);
    return out;
  };
  return { random, returned };
}

const seals = [
  ['sealMessage', sealMessage],
  ['provider.sealMessage', allAlgorithms.sealMessage.bind(allAlgorithms)],
] as const;

describe.each(['AES-256-CBC', 'TDES-EDE2-CBC'] as const)("%s: the sealed keyIv and iv are not the random source's buffers", (algorithm) => {
  it.each(seals)('%s: overwriting every buffer the source returned changes neither, and the message opens', (_, seal) => {
    const transportKey = seededRandom(`tk ${algorithm}`)(KEY_LENGTH[algorithm]);
    const { random, returned } = keepingSource(`sealed-message-owns-its-ivs ${algorithm}`);
    const sealed = seal(algorithm, transportKey, PLAINTEXT, AD, random);
    const keyIv = bytesToHex(sealed.keyIv);
    const iv = bytesToHex(sealed.iv);
    // The message key, keyIv and iv: three draws.
    expect(returned).toHaveLength(3);

    for (const buffer of returned) buffer.fill(0xa5);

    expect(bytesToHex(sealed.keyIv)).toBe(keyIv);
    expect(bytesToHex(sealed.iv)).toBe(iv);
    expect(sealed.keyIv.every((b) => b === 0xa5)).toBe(false);
    expect(sealed.iv.every((b) => b === 0xa5)).toBe(false);
    expect(bytesToHex(openMessage(transportKey, sealed, AD))).toBe(bytesToHex(PLAINTEXT));
  });
});
