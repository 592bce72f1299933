/**
 * Tag, proof and key comparisons go through the constant-time comparison: read off the source
 * text, since no test of behaviour can see timing. Kept apart from the behaviour tests because
 * mutation testing (vitest.mutate.config.ts) runs on instrumented sources, whose text differs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('constant-time comparison of tags', () => {
  const source = (path: string) => readFileSync(fileURLToPath(new URL(`../../src/${path}`, import.meta.url)), 'utf8');
  /** The text of a top-level function declaration, up to its closing brace at column 0. */
  const functionText = (text: string, name: string) => {
    const start = text.indexOf(`export function ${name}(`);
    expect(start, `${name} not found`).toBeGreaterThanOrEqual(0);
    const end = text.indexOf('\n}\n', start);
    return text.slice(start, end + 2);
  };

  it('verifyConfirmationTag compares with constantTimeEqual, never with === or a loop of its own', () => {
    const body = functionText(source('crypto/cpace/cpace.ts'), 'verifyConfirmationTag');
    expect(body).toContain('constantTimeEqual(expected, tag)');
    expect(body).not.toMatch(/[!=]==/);
    expect(body).not.toMatch(/\bfor\b|\bevery\b|\bsome\b/);
  });

  it('the transport-key MAC is checked with constantTimeEqual before decryption', () => {
    const body = functionText(source('crypto/transport-key/sealed-core.ts'), 'openMessageWith');
    expect(body).toContain('constantTimeEqual(expected, tag)');
    expect(body.indexOf('constantTimeEqual(expected, tag)')).toBeLessThan(body.indexOf('cipher.decryptCbc(mk, iv, ciphertext)'));
  });

  it('constantTimeEqual is noble equalBytes, and no protocol file compares tags, proofs or keys with ===', () => {
    expect(source('util/bytes.ts')).toMatch(/return equalBytes\(a, b\);/);
    const files = [
      'handset/machine.ts',
      'handset/phase-key-exchange.ts',
      'handset/phase-services.ts',
      'handset/phase-sync.ts',
      'simulator/server-machine.ts',
      'simulator/server-machine-support.ts',
      'simulator/server-routing.ts',
      'simulator/server-phase-key-exchange.ts',
      'simulator/server-phase-services.ts',
      'simulator/server-phase-sync.ts',
      'policy/signed-policy.ts',
      'crypto/cpace/cpace.ts',
      'crypto/transport-key/sealed-message.ts',
    ];
    for (const file of files) {
      const text = source(file);
      // `x.tag === y`, `proof !== expected`, `sid == other`: the compared value itself is a tag, proof, key or sid.
      expect(text, file).not.toMatch(/\b(tag|proof|macKey|expected|sid|isk|key)!?\s*[!=]==?/);
      expect(text, file).not.toMatch(/[!=]==?\s*(?:\w+\.)*(tag|proof|macKey|expected|sid|isk|key)\b(?![.([\w])/);
    }
    // The call sites use the checker.
    expect(source('handset/phase-key-exchange.ts')).toContain(
      'verifyConfirmationTag(keys.macKey, msg.share, msg.adBytes, msg.tag, provider)',
    );
    expect(source('simulator/server-machine-support.ts')).toContain(
      'verifyConfirmationTag(check.macKey, check.share, check.headerBytes, tag, provider)',
    );
  });
});
