#!/usr/bin/env node
/**
 * `enterprise-activation` command: inspect ETP.DAT files and frames.
 *
 *   enterprise-activation inspect ETP.DAT     prints the cleartext routing header as JSON
 *
 * Only the cleartext header can be shown: the handset's network routing (relay, carrier UID,
 * previous SRP id), its keys and device details are in the sealed body, which only a server that
 * proved the activation password can open (docs/protocol.md, message 1).
 */
import { readFileSync } from 'node:fs';
import { decodeEtpDat } from './wire/etp/etp-dat.js';
import { isActivationError } from './errors/activation-error.js';
import { bytesToHex } from './util/bytes.js';

function main(argv: string[]): number {
  const [command, file] = argv;
  if (command !== 'inspect' || !file) {
    console.error('usage: enterprise-activation inspect <ETP.DAT>');
    return 2;
  }
  try {
    const etp = decodeEtpDat(new Uint8Array(readFileSync(file)));
    const { header } = etp;
    console.log(
      JSON.stringify(
        {
          // Field by field, so that nothing is printed that the header does not define.
          protocol: header.protocol,
          pin: header.pin,
          email: header.email,
          nonce: bytesToHex(header.nonce),
          suite: header.suite,
          suites: header.suites,
          ciphers: header.ciphers,
          shareBytes: etp.share.length,
          sealedBodyBytes: etp.sealedBody.ciphertext.length,
        },
        null,
        2,
      ),
    );
    return 0;
  } catch (err) {
    console.error(isActivationError(err) ? `${err.code}: ${err.message}` : String(err));
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
