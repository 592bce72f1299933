import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import {
  MAINTENANCE_RELEASE_KINDS,
  SERVER_FLAVOURS,
  compareServerVersions,
  formatServerVersion,
  includesFixesOf,
  parseServerVersion,
  shortServerVersion,
  type ServerVersion,
} from '../../src/server-version/index.js';

const v = (major: number, minor: number, servicePack: number, maintenanceRelease = 0): ServerVersion => ({
  major,
  minor,
  servicePack,
  maintenanceRelease,
});
const p = parseServerVersion;

describe('parseServerVersion', () => {
  it.each([
    ['4.1 SP6 MR4', v(4, 1, 6, 4)],
    ['4.1.6 MR4', v(4, 1, 6, 4)],
    ['4.1 SP6', v(4, 1, 6)],
    ['5.0 SP4', v(5, 0, 4)],
    ['5.0.4', v(5, 0, 4)],
    ['5.0', v(5, 0, 0)],
    ['4.1 sp6 mr4', v(4, 1, 6, 4)],
    ['  4.1   SP 6   MR 4 ', v(4, 1, 6, 4)],
    ['4.1 SP6MR4', v(4, 1, 6, 4)],
    ['v4.1 Service Pack 6', v(4, 1, 6)],
    ['version 4.1 Service Pack 6 (4.1.6)', v(4, 1, 6)],
    ['BlackBerry Enterprise Server software version 4.1.6 MR1 (Rollup)', { ...v(4, 1, 6, 1), maintenanceKind: 'Rollup' }],
    ['BlackBerry Enterprise Server 4.1.6 MR2', v(4, 1, 6, 2)],
    ['5.0 SP3 (Bundle 36)', { ...v(5, 0, 3), bundle: 36 }],
    ['5.0.3 MR3, bundle 37', { ...v(5, 0, 3, 3), bundle: 37 }],
  ])('parses %j', (text, expected) => {
    expect(p(text)).toEqual(expected);
  });

  it.each([
    ['BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4', { flavour: 'Exchange', ...v(5, 0, 4) }],
    ['BES for Domino 4.1 SP 6 Maintenance Release #4', { flavour: 'Domino', ...v(4, 1, 6, 4) }],
    ['BlackBerry Enterprise Server for IBM Lotus Domino 4.1 SP6 MR4', { flavour: 'Domino', ...v(4, 1, 6, 4) }],
    ['BlackBerry Enterprise Server for Novell GroupWise 4.1.6', { flavour: 'GroupWise', ...v(4, 1, 6) }],
    ['BES for Exchange 4.1.7', { flavour: 'Exchange', ...v(4, 1, 7) }],
    ['BlackBerry Enterprise Server for MDS Applications 4.1 SP2', { flavour: 'MDS Applications', ...v(4, 1, 2) }],
  ])('parses %j with its flavour', (text, expected) => {
    expect(p(text)).toEqual(expected);
  });

  it.each([
    ['besn416mr4', { flavour: 'Domino', ...v(4, 1, 6, 4) }],
    ['besn416mr4.zip', { flavour: 'Domino', ...v(4, 1, 6, 4) }],
    ['besn416mr3.msp', { flavour: 'Domino', ...v(4, 1, 6, 3) }],
    ['besx416mr4', { flavour: 'Exchange', ...v(4, 1, 6, 4) }],
    ['BESG416', { flavour: 'GroupWise', ...v(4, 1, 6) }],
    ['besx504', { flavour: 'Exchange', ...v(5, 0, 4) }],
  ])('parses the installer file name %j', (text, expected) => {
    expect(p(text)).toEqual(expected);
  });

  it.each([
    '',
    '   ',
    'hello',
    '4',
    '4.',
    '.1',
    '4.1.6.7',
    '0.9 SP1',
    '4.1 SP',
    '4.1 MR',
    '4.1 SP6 MR4 please',
    '4.1.6 SP5',
    '4.1 SP6 (4.1.5)',
    'besq416',
    'besn41',
    'besn416mr',
    'BlackBerry Enterprise Server',
    'BES for Oracle 4.1',
    '123.1',
    'x'.repeat(500),
  ])('rejects %j as INVALID_ARGUMENT', (text) => {
    let caught: unknown;
    try {
      p(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ActivationError);
    expect((caught as ActivationError).code).toBe('INVALID_ARGUMENT');
  });

  it('rejects non-strings as INVALID_ARGUMENT', () => {
    expect(() => p(41 as unknown as string)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('formatServerVersion', () => {
  it("writes RIM's long form", () => {
    expect(formatServerVersion({ flavour: 'Exchange', ...v(4, 1, 6, 4) })).toBe(
      'BlackBerry Enterprise Server for Microsoft Exchange 4.1 SP6 MR4',
    );
    expect(formatServerVersion(p('besn416mr4'))).toBe('BlackBerry Enterprise Server for IBM Lotus Domino 4.1 SP6 MR4');
    expect(formatServerVersion(v(5, 0, 0))).toBe('BlackBerry Enterprise Server 5.0');
    expect(formatServerVersion({ ...v(5, 0, 3), bundle: 36 })).toBe('BlackBerry Enterprise Server 5.0 SP3 (Bundle 36)');
    expect(shortServerVersion(v(4, 1, 6, 4))).toBe('4.1 SP6 MR4');
    expect(shortServerVersion(v(4, 1, 0, 2))).toBe('4.1 MR2');
  });

  it('parses back to the same version (property)', () => {
    const version = fc.record(
      {
        flavour: fc.constantFrom(...SERVER_FLAVOURS),
        major: fc.integer({ min: 1, max: 99 }),
        minor: fc.integer({ min: 0, max: 99 }),
        servicePack: fc.integer({ min: 0, max: 99 }),
        maintenanceRelease: fc.integer({ min: 0, max: 99 }),
        maintenanceKind: fc.constantFrom(...MAINTENANCE_RELEASE_KINDS),
        bundle: fc.integer({ min: 0, max: 99_999 }),
      },
      { requiredKeys: ['major', 'minor', 'servicePack', 'maintenanceRelease'] },
    );
    // A hotfix or rollup is a kind of maintenance release: only with one.
    const valid = version.map(({ maintenanceKind, ...rest }) =>
      maintenanceKind !== undefined && rest.maintenanceRelease > 0 ? { ...rest, maintenanceKind } : rest,
    );
    fc.assert(
      fc.property(valid, (x) => {
        expect(p(formatServerVersion(x))).toEqual(x);
      }),
    );
  });

  it('rejects invalid versions as INVALID_ARGUMENT', () => {
    expect(() => formatServerVersion(v(0, 1, 0))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => formatServerVersion(v(4, 1, -1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => formatServerVersion({ ...v(4, 1, 1), flavour: 'Oracle' as 'Exchange' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('compareServerVersions', () => {
  it('orders by major, minor, service pack, then maintenance release', () => {
    expect(compareServerVersions(p('4.1 SP6 MR4'), p('4.1 SP6 MR3'))).toBe(1);
    expect(compareServerVersions(p('4.1 SP6 MR3'), p('4.1 SP5'))).toBe(1);
    expect(compareServerVersions(p('4.1 SP5'), p('4.1 SP6 MR3'))).toBe(-1);
    expect(compareServerVersions(p('5.0 SP4'), p('4.1 SP7'))).toBe(1);
    expect(compareServerVersions(p('4.1 SP7'), p('5.0 SP4'))).toBe(-1);
    expect(compareServerVersions(p('4.1.6 MR4'), p('4.1 SP6 MR4'))).toBe(0);
    expect(compareServerVersions(p('4.1 SP5 MR9'), p('4.1 SP6'))).toBe(-1);
    expect(compareServerVersions(p('4.10'), p('4.9'))).toBe(1);
  });

  it('ignores the flavour and the bundle', () => {
    expect(compareServerVersions(p('besn416mr4'), p('besx416mr4'))).toBe(0);
    expect(compareServerVersions(p('5.0 SP3 (Bundle 36)'), p('5.0 SP3'))).toBe(0);
  });

  it('sorts a list of releases', () => {
    const texts = ['5.0 SP4', '4.1 SP6 MR4', '4.1 SP5', '4.1 SP6 MR3', '4.1 SP7', '4.1 SP6', '5.0'];
    const sorted = texts.map(p).sort(compareServerVersions).map(shortServerVersion);
    expect(sorted).toEqual(['4.1 SP5', '4.1 SP6', '4.1 SP6 MR3', '4.1 SP6 MR4', '4.1 SP7', '5.0', '5.0 SP4']);
  });
});

describe('includesFixesOf', () => {
  const mr4 = p('4.1.6 MR4');

  it('an MR includes every earlier MR of its service pack, not later ones', () => {
    for (const earlier of ['4.1.6 MR1', '4.1.6 MR2', '4.1.6 MR3', '4.1.6 MR4', '4.1 SP6']) {
      expect(includesFixesOf(mr4, p(earlier))).toBe(true);
    }
    expect(includesFixesOf(mr4, p('4.1.6 MR5'))).toBe(false);
    expect(includesFixesOf(p('4.1 SP6'), p('4.1.6 MR1'))).toBe(false);
  });

  it('a later service pack rolls up earlier ones; an earlier one includes nothing later', () => {
    expect(includesFixesOf(p('4.1 SP7'), p('4.1.6 MR4'))).toBe(true);
    expect(includesFixesOf(p('5.0 SP4'), p('4.1.7 MR2'))).toBe(true);
    expect(includesFixesOf(p('4.1.5 MR9'), p('4.1 SP6'))).toBe(false);
    expect(includesFixesOf(mr4, p('4.1 SP7'))).toBe(false);
  });

  it('fixes do not cross flavours; an unknown flavour matches any', () => {
    expect(includesFixesOf(p('besn416mr4'), p('besn416mr3'))).toBe(true);
    expect(includesFixesOf(p('besn416mr4'), p('besx416mr3'))).toBe(false);
    expect(includesFixesOf(p('besn416mr4'), p('4.1.6 MR3'))).toBe(true);
    expect(includesFixesOf(p('4.1.6 MR4'), p('besx416mr3'))).toBe(true);
  });
});

/**
 * The seed (../shared/seed/000_06c312eb7007db82.txt, "Maintenance Releases"): an MR is a hotfix
 * (unscheduled, may be specific to customers, a flavour or a component) or a rollup (scheduled; it
 * "can, and normally will, include the same fixes as hotfixes"; in RIM's example each rollup MR
 * "contains all fixes from previous MRs"). Issue 12, finding 8: both were parsed and then treated alike.
 */
describe('hotfix and rollup maintenance releases', () => {
  it('the kind is kept from the text and written back', () => {
    expect(p('4.1.6 MR3 (Hotfix)')).toEqual({ ...v(4, 1, 6, 3), maintenanceKind: 'Hotfix' });
    expect(p('4.1.6 MR3 (hot fix)')).toEqual({ ...v(4, 1, 6, 3), maintenanceKind: 'Hotfix' });
    expect(p('4.1.6 MR1 (Rollup)')).toEqual({ ...v(4, 1, 6, 1), maintenanceKind: 'Rollup' });
    expect(shortServerVersion(p('4.1.6 MR3 (hotfix)'))).toBe('4.1 SP6 MR3 (Hotfix)');
    expect(formatServerVersion(p('BES for Domino 4.1.6 MR1 (Rollup)'))).toBe(
      'BlackBerry Enterprise Server for IBM Lotus Domino 4.1 SP6 MR1 (Rollup)',
    );
  });

  it('a hotfix or rollup without a maintenance release is refused (INVALID_ARGUMENT)', () => {
    expect(() => p('4.1 SP6 (Rollup)')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => formatServerVersion({ ...v(4, 1, 6), maintenanceKind: 'Hotfix' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => formatServerVersion({ ...v(4, 1, 6, 1), maintenanceKind: 'Patch' as 'Hotfix' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('a rollup contains every fix of the earlier MRs of its service pack (4.1.6 MR4 includes MR1-MR3)', () => {
    for (const earlier of ['4.1.6 MR1 (Rollup)', '4.1.6 MR2 (Rollup)', '4.1.6 MR3 (Rollup)', '4.1.6 MR3']) {
      expect(includesFixesOf(p('4.1.6 MR4 (Rollup)'), p(earlier))).toBe(true);
    }
  });

  it('a later rollup is not said to contain every fix of a hotfix: RIM says it "normally will", not that it does', () => {
    expect(includesFixesOf(p('4.1.6 MR4 (Rollup)'), p('4.1.6 MR3 (Hotfix)'))).toBe(false);
    expect(includesFixesOf(p('4.1.6 MR4'), p('4.1.6 MR3 (Hotfix)'))).toBe(false);
    // The hotfix itself contains its own fixes, and a later service pack rolls everything up.
    expect(includesFixesOf(p('4.1.6 MR3 (Hotfix)'), p('4.1.6 MR3 (Hotfix)'))).toBe(true);
    expect(includesFixesOf(p('4.1 SP7'), p('4.1.6 MR3 (Hotfix)'))).toBe(true);
  });

  it('a hotfix is not said to roll up the earlier MRs: RIM documented that only for rollups', () => {
    expect(includesFixesOf(p('4.1.6 MR4 (Hotfix)'), p('4.1.6 MR3 (Rollup)'))).toBe(false);
    expect(includesFixesOf(p('4.1.6 MR4 (Hotfix)'), p('4.1 SP6'))).toBe(true);
  });

  it('the same MR number as a hotfix and as a rollup are different releases', () => {
    expect(includesFixesOf(p('4.1.6 MR4 (Hotfix)'), p('4.1.6 MR4 (Rollup)'))).toBe(false);
    expect(includesFixesOf(p('4.1.6 MR4 (Rollup)'), p('4.1.6 MR4'))).toBe(true);
  });
});

/**
 * Issue 12, finding 8: the type docs once offered "besx500sp4", a form the parser refuses. Every
 * form the docs offer is read out of the doc comments themselves, so that a form added to the docs
 * and not to the parser fails here.
 */
describe('every form the docs offer is accepted', () => {
  const quoted = (file: string, from: string, to: string): string[] => {
    const text = readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8');
    const block = text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)));
    return [...block.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  };
  const moduleForms = quoted('server-version/server-version.ts', 'Accepted forms', '*/');
  const optionForms = quoted('simulator/bes-simulator.ts', 'The server to act as', 'readonly version');

  it('the module comment of server-version.ts lists the forms (a premise of the next test)', () => {
    expect(moduleForms.length).toBeGreaterThanOrEqual(16);
    expect(moduleForms).toContain('besx416mr4.zip');
    expect(optionForms).toEqual(['BES for Domino 4.1 SP6 MR4', '4.1.6 MR4', 'besx504']);
  });

  it.each([
    ...new Set([
      ...quoted('server-version/server-version.ts', 'Accepted forms', '*/'),
      ...quoted('simulator/bes-simulator.ts', 'The server to act as', 'readonly version'),
    ]),
  ])('%j parses', (form) => {
    expect(p(form).major).toBeGreaterThanOrEqual(4);
  });

  it('"besx500sp4", offered once, is not a form: refused, and no doc offers it', () => {
    expect(() => p('besx500sp4')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect([...moduleForms, ...optionForms]).not.toContain('besx500sp4');
  });
});
