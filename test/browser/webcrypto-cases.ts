/**
 * One set of operations, run by any provider, sync or async: in Chromium on the WebCrypto provider
 * (webcrypto-entry.ts) and in Node on the noble provider (browser.test.ts), and the answers
 * compared byte for byte. Inputs are fixed; every answer is hex (or the error code it threw).
 */
import type { AnyCryptoProvider } from '../../src/crypto/async-provider.js';

const bytes = (length: number, start: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (start * 31 + 7 * i) & 0xff);
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export async function runProviderCases(p: AnyCryptoProvider): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const record = async (name: string, fn: () => unknown): Promise<void> => {
    try {
      const value = await fn();
      out[name] =
        value instanceof Uint8Array
          ? hex(value)
          : value !== null && typeof value === 'object'
            ? JSON.stringify(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v instanceof Uint8Array ? hex(v) : v])))
            : String(value);
    } catch (err) {
      out[name] = `error ${(err as { code?: string }).code ?? String(err)}`;
    }
  };
  for (const n of [0, 1, 55, 64, 1000]) {
    await record(`sha256 ${n}`, () => p.sha256(bytes(n, 1)));
    await record(`sha512 ${n}`, () => p.sha512(bytes(n, 2)));
    await record(`hmac256 ${n}`, () => p.hmac('SHA-256', bytes(32, 3), bytes(n, 4)));
    await record(`hmac512 ${n}`, () => p.hmac('SHA-512', bytes(64, 5), bytes(n, 6)));
    await record(`hkdf ${n}`, () => p.hkdf(bytes(32, 7), bytes(n, 8), bytes(10, 9), 1 + (n % 200)));
    await record(`sign ${n}`, () => p.sign(bytes(32, 10), bytes(n, 11)));
    await record(`aes ${n}`, () => p.transportCipher('AES-256-CBC').encryptCbc(bytes(32, 12), bytes(16, 13), bytes(n, 14)));
  }
  await record('hmac empty key', () => p.hmac('SHA-256', new Uint8Array(0), bytes(5, 15)));
  await record('signing pair', () => p.signingKeyPair(bytes(32, 16)));
  await record('agreement pair', () => p.agreementKeyPair(bytes(32, 17)));
  const peer = await p.agreementKeyPair(bytes(32, 18));
  await record('agree', () => p.agree(bytes(32, 19), peer.publicKey));
  await record('agree low order', () => p.agree(bytes(32, 19), new Uint8Array(32)));
  const signer = await p.signingKeyPair(bytes(32, 20));
  const signature = await p.sign(signer.secretKey, bytes(9, 21));
  await record('verify good', () => p.verify(signer.publicKey, bytes(9, 21), signature));
  await record('verify other message', () => p.verify(signer.publicKey, bytes(9, 22), signature));
  await record('aes decrypt bad padding', () => p.transportCipher('AES-256-CBC').decryptCbc(bytes(32, 23), bytes(16, 24), bytes(32, 25)));
  const suite = p.cpaceSuite('CPACE-X25519-SHA512');
  const generator = await suite.calculateGenerator(bytes(8, 26), bytes(20, 27), bytes(16, 28));
  await record('cpace generator', () => generator);
  await record('cpace share', () => suite.scalarMult(bytes(32, 29), generator));
  await record('cpace K', () => suite.scalarMultVfy(bytes(32, 30), peer.publicKey));
  await record('cpace K low order', () => suite.scalarMultVfy(bytes(32, 30), new Uint8Array(32)));
  const sealed = await p.sealMessage('AES-256-CBC', bytes(32, 31), bytes(100, 32), bytes(5, 33), (n: number) => bytes(n, 34));
  await record('seal', () => sealed);
  await record('open', () => p.openMessage(bytes(32, 31), sealed, bytes(5, 33)));
  return out;
}
