/**
 * What the server version changes (issue 12, finding 8: "server versions change nothing"). Only
 * differences RIM documented: the transport key algorithms a release issues. Sources, quoted in
 * src/server-version/capabilities.ts and docs/server.md: BlackBerry KB05429 (BES 4.0 to 5.0 for
 * Exchange and Domino allow Triple DES, AES or both; "all versions of the BlackBerry Enterprise
 * Server for Novell GroupWise support AES encryption only") and the Security Technical Overview
 * ("All versions of the BlackBerry Enterprise Server ... support Triple DES").
 */
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { parseServerVersion } from '../../src/server-version/server-version.js';
import { serverCapabilities } from '../../src/server-version/capabilities.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { runExchange } from '../activation/harness.js';
import { EMAIL, HANDSET_CONFIG } from '../support/fixtures.js';
import { caught } from '../support/errors.js';
import { allAlgorithms } from '../support/providers.js';

const keysOf = (text: string) => serverCapabilities(parseServerVersion(text)).transportKeyAlgorithms;

describe('the transport key algorithms a release issues (KB05429)', () => {
  it.each([
    ['BES for Exchange 3.6', ['TDES-EDE2-CBC']],
    ['BES for Domino 2.2', ['TDES-EDE2-CBC']],
    ['3.6 SP1', ['TDES-EDE2-CBC']],
    ['BES for Exchange 4.0', ['AES-256-CBC', 'TDES-EDE2-CBC']],
    ['BES for Domino 4.1 SP6 MR4', ['AES-256-CBC', 'TDES-EDE2-CBC']],
    ['BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4', ['AES-256-CBC', 'TDES-EDE2-CBC']],
    ['4.0', ['AES-256-CBC', 'TDES-EDE2-CBC']],
    ['BlackBerry Enterprise Server for MDS Applications 4.1 SP2', ['AES-256-CBC', 'TDES-EDE2-CBC']],
  ])('%s: %j', (text, expected) => {
    expect(keysOf(text)).toEqual(expected);
  });

  it.each(['BlackBerry Enterprise Server for Novell GroupWise 4.1.6', 'besg416', 'BES for GroupWise 5.0 SP4'])(
    'GroupWise (%s) issues AES only, whatever the release',
    (text) => {
      expect(keysOf(text)).toEqual(['AES-256-CBC']);
    },
  );
});

describe('a simulator acting as a release issues only what that release could', () => {
  const both = { ...HANDSET_CONFIG, ciphers: ['AES-256-CBC', 'TDES-EDE2-CBC'] as const };

  it('acting as BES 3.6 it issues a Triple DES key to a handset that offers AES too', () => {
    const run = runExchange({ handsetConfig: both, serverOptions: { version: 'BES for Exchange 3.6' } });
    expect(run.sim.policy.ciphers).toEqual(['TDES-EDE2-CBC']);
    expect(run.stoppedBy).toBe('key-established');
    expect(run.keyEstablished?.keyAlgorithm).toBe('TDES-EDE2-CBC');
  });

  it('acting as BES 4.0 it issues AES to the same handset', () => {
    const run = runExchange({ handsetConfig: both, serverOptions: { version: 'BES for Exchange 4.0' } });
    expect(run.sim.policy.ciphers).toEqual(['AES-256-CBC', 'TDES-EDE2-CBC']);
    expect(run.keyEstablished?.keyAlgorithm).toBe('AES-256-CBC');
  });

  it('acting as BES for GroupWise, a handset that offers only Triple DES gets no key (UNSUPPORTED)', () => {
    const run = runExchange({
      handsetConfig: { ...HANDSET_CONFIG, ciphers: ['TDES-EDE2-CBC'] },
      serverOptions: { version: 'BlackBerry Enterprise Server for Novell GroupWise 4.1 SP6' },
    });
    expect(run.sim.policy.ciphers).toEqual(['AES-256-CBC']);
    expect(run.error?.code).toBe('UNSUPPORTED');
    expect(run.keyEstablished).toBeUndefined();
    expect(run.sim.accounts.get(EMAIL)!.device).toBeUndefined();
  });

  it('a cipher the release could not issue is refused at construction (INVALID_ARGUMENT, field ciphers)', () => {
    const err = caught(() => new BesSimulator({ version: '3.6', ciphers: ['AES-256-CBC'], provider: allAlgorithms }));
    expect(err).toBeInstanceOf(ActivationError);
    expect((err as ActivationError).code).toBe('INVALID_ARGUMENT');
    expect((err as ActivationError).cause).toMatchObject({ field: 'ciphers' });
    expect((err as ActivationError).message).toMatch(/3\.6 cannot issue AES-256-CBC/);
    const groupwise = caught(() => new BesSimulator({ version: 'besg416', ciphers: ['TDES-EDE2-CBC'], provider: allAlgorithms }));
    expect((groupwise as ActivationError).code).toBe('INVALID_ARGUMENT');
  });

  it('a release whose keys the provider lacks is refused, naming what the release issues', () => {
    // The default provider has AES only; BES 3.6 issued Triple DES only.
    const err = caught(() => new BesSimulator({ version: '3.6' }));
    expect((err as ActivationError).code).toBe('INVALID_ARGUMENT');
    expect((err as ActivationError).message).toMatch(/issues only TDES-EDE2-CBC/);
  });

  it('the capabilities are reported with the simulator', () => {
    expect(new BesSimulator({ version: 'besg416' }).capabilities).toEqual({ transportKeyAlgorithms: ['AES-256-CBC'] });
    expect(new BesSimulator({ provider: allAlgorithms }).capabilities).toEqual({
      transportKeyAlgorithms: ['AES-256-CBC', 'TDES-EDE2-CBC'],
    });
  });
});
