import { it } from 'vitest';
import { runExchange, sentFrames, frameOf, regionOf, flipByte, DEFAULT_HANDSET_CONFIG } from './harness.js';
import { decodeEtpDat } from '../../src/wire/etp/etp-dat.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import { bytesToHex } from '../../src/util/bytes.js';
it('probe sweep', () => {
  const ref = runExchange({});
  const etpFrame = sentFrames(ref, 'to-server', 'etp-dat')[0]!;
  const f = frameOf(etpFrame);
  const etp = decodeEtpDat(f.body);
  const regions = {
    header: regionOf(etpFrame, etp.headerBytes),
    share: regionOf(etpFrame, etp.share),
    nonce: regionOf(etpFrame, etp.sealedBody.nonce),
    ct: regionOf(etpFrame, etp.sealedBody.ciphertext),
    to: regionOf(etpFrame, utf8ToBytes(f.to)),
    body: regionOf(etpFrame, f.body),
  };
  console.log(etpFrame.length, regions);
  const tally: Record<string, Record<string, number>> = {};
  const t = performance.now();
  for (let i = 0; i < etpFrame.length; i++) {
    const bad = flipByte(etpFrame, i, i % 2 ? 0x80 : 0x01);
    const r = runExchange({ tamper: (fr, d) => d === 'to-server' && bytesToHex(fr) === bytesToHex(etpFrame) ? bad : fr });
    const region = Object.entries(regions).find(([k, v]) => k !== 'body' && i >= v.start && i < v.end)?.[0] ?? (i >= regions.body.start ? 'container' : 'envelope');
    const out = r.keyEstablished ? 'KEY' : r.error?.code ?? r.stoppedBy;
    (tally[region] ??= {})[out] = ((tally[region] ??= {})[out] ?? 0) + 1;
  }
  console.log(tally, performance.now() - t);
});
