/**
 * The ETP.DAT mail read by an independent MIME parser (postal-mime): the layout we build is not
 * something only nodemailer/mailparser agree on.
 */
import { describe, expect, it } from 'vitest';
import PostalMime from 'postal-mime';
import { buildEtpMail, etpMailSubject, parseEtpMail } from '../../src/node/mail/etp-mail.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { PIN, makeEtpFrame } from './helpers.js';

const FROM = `${PIN}@relay.invalid`;

function contentBytes(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === 'string') throw new Error('expected binary content');
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

describe('ETP.DAT mail read by postal-mime', () => {
  for (const email of ['user@example.com', 'First.Last+bb@mail.example.org', 'x@y.co']) {
    it(`finds the same attachment, addresses and subject (${email})`, async () => {
      const { frame, etpDat } = makeEtpFrame(email);
      const raw = await buildEtpMail({ frameBytes: frame, from: FROM });
      const mail = await PostalMime.parse(raw);

      expect(mail.subject).toBe(etpMailSubject(PIN));
      expect(mail.subject).toBe('Enterprise Activation request (PIN 2100000A)');
      expect(mail.from).toMatchObject({ address: FROM, name: `Enterprise Activation ${PIN}` });
      expect(mail.to).toHaveLength(1);
      expect(mail.to![0]!.address!.toLowerCase()).toBe(email.toLowerCase());
      expect(mail.headers.find((h) => h.key === 'x-enterprise-activation-pin')).toMatchObject({
        originalKey: 'X-Enterprise-Activation-PIN',
        value: PIN,
      });
      expect(mail.messageId).toMatch(/^<etp\.[0-9a-f]{32}@relay\.invalid>$/);
      expect(mail.text).toContain('Enterprise Activation request (ETP.DAT)');

      expect(mail.attachments).toHaveLength(1);
      const attachment = mail.attachments[0]!;
      expect(attachment.filename).toBe('ETP.DAT');
      expect(attachment.mimeType).toBe('application/octet-stream');
      expect(attachment.disposition).toBe('attachment');
      const bytes = contentBytes(attachment.content);
      expect(bytes).toEqual(etpDat);
      expect(decodeEtpDat(bytes.slice()).header.email).toBe(email);

      // ... and mailparser (our parser) agrees with postal-mime byte for byte.
      const ours = await parseEtpMail(raw);
      expect(ours.etpDat).toEqual(bytes);
      expect(ours.subject).toBe(mail.subject);
      expect(ours.messageId).toBe(mail.messageId);
    });
  }
});
