import { it, expect } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { resolveHandsetConfig } from '../../src/handset/config.js';
import { handsetStep } from '../../src/handset/machine.js';
import { initialHandsetState } from '../../src/handset/state.js';
import { DEFAULT_HANDSET_CONFIG, createServer } from './harness.js';
import { bytesToHex } from '../../src/util/bytes.js';
function walk(a: any, b: any, path: string) {
  try { expect(a).toEqual(b); } catch {
    console.log('diff at', path, a?.constructor?.name, b?.constructor?.name, ArrayBuffer.isView(a) ? bytesToHex(a as Uint8Array).slice(0, 40) + ' vs ' + bytesToHex(b).slice(0, 40) : '');
    if (a && typeof a === 'object' && !ArrayBuffer.isView(a)) for (const k of Object.keys(a)) walk(a[k], b?.[k], path + '.' + k);
  }
}
it('p', () => {
  const { sim } = createServer({ users: [{ email: 'a@b.c', displayName: 'A', activationPassword: 'x' }] });
  const s0 = initialHandsetState(resolveHandsetConfig(DEFAULT_HANDSET_CONFIG));
  const r = handsetStep(s0, { type: 'activate', email: 'a@b.c', password: 'x', now: 0 }, { provider: nobleProvider, random: seededRandom('x') });
  const before = structuredClone(r.state);
  for (const o of r.outputs) if (o.type === 'send') sim.receive(o.bytes);
  walk(r.state, before, "after"); const x = r.state.session!.lastSent!.bytes, y = before.session!.lastSent!.bytes; const d: number[] = []; for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) d.push(i); console.log("keys", Reflect.ownKeys(x).filter(k => typeof k !== "string" || !/^\d+$/.test(k)), x.byteOffset, y.byteOffset, x.buffer.byteLength, y.buffer.byteLength, Object.getPrototypeOf(x) === Object.getPrototypeOf(y)); console.log("diff idx", x.length, y.length, d.length, d[0], d.at(-1), bytesToHex(x.subarray(d[0]!, d.at(-1)! + 1)));
});
