/** `enterprise-activation inspect FILE`: the cleartext header of an ETP.DAT, a frame or an activation mail. */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { parseEtpMail } from '../node/mail/etp-mail.js';
import { bytesToHex } from '../util/bytes.js';
import { decodeEtpDat, type EtpDat } from '../wire/messages/etp-dat.js';
import { decodeFrame, type Frame } from '../wire/frame.js';
import { NAME, parse, shown, usageError } from './command-line.js';
import { readInput } from './files.js';

export const INSPECT_USAGE = `usage: ${NAME} inspect FILE

Prints, as JSON, the cleartext header of the ETP.DAT in FILE and what FILE is ("found"):
  "ETP.DAT"  an ETP.DAT file
  "frame"    a frame (CBOR) of type etp-dat, as a handset sends it to the relay
  "mail"     an activation mail (RFC 5322, .eml) with an ETP.DAT attachment
The handset's keys, device and routing are in the sealed body, which is never shown.

options:
  -h, --help   show this help`;

type Found = 'ETP.DAT' | 'frame' | 'mail';

/** A mail starts with a header field: a name of printable characters, then a colon. */
function looksLikeMail(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  return /^[\x21-\x39\x3b-\x7e]{1,76}:/.test(head);
}

async function identify(file: string, bytes: Uint8Array): Promise<{ found: Found; etp: EtpDat; frame?: Frame }> {
  let asEtpDat: ActivationError;
  try {
    return { found: 'ETP.DAT', etp: decodeEtpDat(bytes.slice()) };
  } catch (err) {
    if (!isActivationError(err)) throw err;
    asEtpDat = err;
  }
  let frame: Frame | undefined;
  try {
    frame = decodeFrame(bytes.slice()); // copies: cbor-x tags the buffers it decodes
  } catch {
    frame = undefined;
  }
  if (frame !== undefined) {
    if (frame.type !== 'etp-dat') {
      throw new ActivationError('MALFORMED', `${shown(file)} is a ${frame.type} frame, which carries no ETP.DAT`, {
        operation: 'inspect',
        type: frame.type,
      });
    }
    try {
      return { found: 'frame', etp: decodeEtpDat(frame.body.slice()), frame };
    } catch (err) {
      const why = isActivationError(err) ? `: ${err.message}` : '';
      throw new ActivationError('MALFORMED', `${shown(file)} is an etp-dat frame whose ETP.DAT is damaged${why}`, { operation: 'inspect' });
    }
  }
  if (looksLikeMail(bytes)) {
    // MALFORMED with its own message when it is not one. mailparser is an optional peer, loaded
    // only here: without it, this is ActivationError('UNSUPPORTED') naming the package to install.
    const mail = await parseEtpMail(bytes);
    return { found: 'mail', etp: decodeEtpDat(mail.etpDat.slice()) };
  }
  throw new ActivationError(
    'MALFORMED',
    `${shown(file)} is not an ETP.DAT, a frame or an activation mail (read as an ETP.DAT, ${asEtpDat.message})`,
    {
      operation: 'inspect',
    },
  );
}

export async function inspect(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' } }, INSPECT_USAGE);
  if (values.help) {
    console.log(INSPECT_USAGE);
    return 0;
  }
  const [file, ...others] = positionals;
  if (file === undefined) throw usageError('inspect needs a FILE', INSPECT_USAGE);
  if (others.length > 0) throw usageError(`inspect takes one FILE, not ${positionals.length}`, INSPECT_USAGE);
  const { found, etp, frame } = await identify(file, readInput(file));
  const { header } = etp;
  console.log(
    JSON.stringify(
      {
        found,
        ...(frame === undefined ? {} : { frame: { type: frame.type, seq: frame.seq, to: frame.to } }),
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
}
