/**
 * BlackBerry Enterprise Server release numbers, in the forms release notes use (the forms are our
 * reading; the seed names only the maintenance-release kinds): a major.minor release, a
 * service pack (SP) and a maintenance release (MR) of that service pack, optionally with a bundle
 * (build) number. Service packs are released separately per flavour (Exchange, Domino,
 * GroupWise, MDS Applications). An MR is a hotfix or a rollup (the seed,
 * ../shared/seed/000_06c312eb7007db82.txt, "Maintenance Releases"): a hotfix is unscheduled and
 * may be specific to customers, a flavour or a component; a rollup is scheduled and contains every
 * fix of the earlier MRs of its service pack (4.1.6 MR4 (Rollup) includes MR1-MR3).
 *
 * Accepted forms (case and spacing are free):
 *   "4.1 SP6 MR4", "4.1.6 MR4", "4.1 SP6", "5.0 SP4", "5.0.4", "v4.1 Service Pack 6",
 *   "BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4",
 *   "BES for Domino 4.1 SP 6 Maintenance Release #4",
 *   "BlackBerry Enterprise Server software version 4.1.6 MR1 (Rollup)", "4.1.6 MR3 (Hotfix)",
 *   "version 4.1 Service Pack 6 (4.1.6)", "5.0 SP3 (Bundle 36)",
 *   and installer file names "besn416mr4", "besx416mr4.zip", "besg416.msp", "besx504"
 *   (besx = Exchange, besn = Domino (Notes), besg = GroupWise; one digit each for major, minor, SP).
 */
import { ActivationError } from '../errors/activation-error.js';

/**
 * The BES flavours, each with its own service packs: one per mail system, and MDS Applications
 * (../shared/reference/blackberry-activation-facts.md, "Server releases").
 */
export const SERVER_FLAVOURS = ['Exchange', 'Domino', 'GroupWise', 'MDS Applications'] as const;
/** One of {@link SERVER_FLAVOURS}. */
export type ServerFlavour = (typeof SERVER_FLAVOURS)[number];

/** The two kinds of maintenance release RIM published: hotfixes and rollups (the seed, "Maintenance Releases"). */
export const MAINTENANCE_RELEASE_KINDS = ['Hotfix', 'Rollup'] as const;
/** One of {@link MAINTENANCE_RELEASE_KINDS}. */
export type MaintenanceReleaseKind = (typeof MAINTENANCE_RELEASE_KINDS)[number];

/**
 * A BES release, parsed: flavour, major.minor, service pack, maintenance release, bundle. Made by
 * {@link parseServerVersion}, compared with {@link compareServerVersions}, printed with
 * {@link formatServerVersion}; {@link ActivationResult.serverVersion} carries the server's.
 */
export interface ServerVersion {
  /** Which BES; absent when the text did not say. */
  readonly flavour?: ServerFlavour;
  /** Major release, e.g. 4 in 4.1. */
  readonly major: number;
  /** Minor release, e.g. 1 in 4.1. */
  readonly minor: number;
  /** Service pack; 0 for the release itself. */
  readonly servicePack: number;
  /** Maintenance release of that service pack; 0 for none. */
  readonly maintenanceRelease: number;
  /** Whether that maintenance release is a hotfix or a rollup, when the text said ("4.1.6 MR1 (Rollup)"). Only with an MR. */
  readonly maintenanceKind?: MaintenanceReleaseKind;
  /** Bundle (build) number, when given. */
  readonly bundle?: number;
}

/** Product names, one per flavour (our spelling of the products' names; no source lists them). */
export const FLAVOUR_PRODUCT_NAMES: Readonly<Record<ServerFlavour, string>> = {
  Exchange: 'Microsoft Exchange',
  Domino: 'IBM Lotus Domino',
  GroupWise: 'Novell GroupWise',
  'MDS Applications': 'MDS Applications',
};

/** Installer file-name prefixes. */
const FILE_PREFIX_FLAVOURS: Readonly<Record<string, ServerFlavour>> = { x: 'Exchange', n: 'Domino', g: 'GroupWise' };

const FLAVOUR = String.raw`(?:microsoft\s+)?exchange|(?:ibm\s+)?(?:lotus\s+)?(?:domino|notes)|(?:novell\s+)?groupwise|mds\s+applications`;
const PRODUCT = String.raw`(?:(?:research\s+in\s+motion|rim)\s+)?(?:blackberry\s+enterprise\s+server|bes)(?:\s+for\s+(${FLAVOUR}))?`;
const CORE = [
  String.raw`(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?`,
  String.raw`(?:\s*(?:sp|service\s+pack)\s*(\d{1,2}))?`,
  String.raw`(?:\s*\(\s*(\d{1,2})\.(\d{1,2})\.(\d{1,2})\s*\))?`,
  String.raw`(?:\s*(?:mr|maintenance\s+release)\s*#?\s*(\d{1,2}))?`,
  String.raw`(?:\s*\(\s*(rollup|hot\s*fix)\s*\))?`,
  String.raw`(?:\s*\(\s*bundle\s*#?\s*(\d{1,5})\s*\)|\s*,?\s*bundle\s*#?\s*(\d{1,5}))?`,
].join('');
const PROSE = new RegExp(String.raw`^(?:${PRODUCT}\s*)?(?:software\s+)?(?:version\s+|v\s*)?${CORE}$`);
const FILE_NAME = /^bes([xng])(\d)(\d)(\d)(?:mr(\d{1,2}))?(?:\.(?:zip|msp|exe))?$/;

function flavourOf(words: string | undefined): ServerFlavour | undefined {
  if (words === undefined) return undefined;
  if (words.endsWith('exchange')) return 'Exchange';
  if (words.endsWith('domino') || words.endsWith('notes')) return 'Domino';
  if (words.endsWith('groupwise')) return 'GroupWise';
  return 'MDS Applications';
}

function garbage(input: string, reason: string): never {
  throw new ActivationError('INVALID_ARGUMENT', `not a BlackBerry Enterprise Server version: ${reason}`, {
    operation: 'parseServerVersion',
    reason,
    length: input.length,
  });
}

function num(s: string | undefined): number | undefined {
  return s === undefined ? undefined : Number(s);
}

/** The fields of a parsed version, the optional ones given as `undefined` when absent. */
type ParsedFields = Omit<ServerVersion, 'flavour' | 'bundle' | 'maintenanceKind'> & {
  readonly flavour: ServerFlavour | undefined;
  readonly bundle: number | undefined;
  readonly maintenanceKind: MaintenanceReleaseKind | undefined;
};

/** A {@link ServerVersion} of `fields`, leaving out `flavour`, `maintenanceKind` and `bundle` when they are absent. */
function make(fields: ParsedFields): ServerVersion {
  const { flavour, major, minor, servicePack, maintenanceRelease, maintenanceKind, bundle } = fields;
  const core = { major, minor, servicePack, maintenanceRelease };
  const withFlavour = flavour === undefined ? core : { flavour, ...core };
  const withKind = maintenanceKind === undefined ? withFlavour : { ...withFlavour, maintenanceKind };
  return bundle === undefined ? withKind : { ...withKind, bundle };
}

/**
 * Parses a server version in any of the forms RIM used (see the module comment). Throws
 * ActivationError('INVALID_ARGUMENT') for anything else, for major version 0, and for
 * contradictions such as "4.1.6 SP5" or "4.1 SP6 (4.1.5)".
 */
export function parseServerVersion(text: string): ServerVersion {
  if (typeof text !== 'string') garbage(String(text), 'not a string');
  if (text.length > 200) garbage(text, 'too long');
  const s = text.trim().replace(/\s+/g, ' ').toLowerCase();

  const file = FILE_NAME.exec(s);
  if (file) {
    const [, prefix = '', major = '', minor = '', sp = '', mr] = file;
    if (Number(major) === 0) garbage(text, 'major version 0');
    return make({
      flavour: FILE_PREFIX_FLAVOURS[prefix],
      major: Number(major),
      minor: Number(minor),
      servicePack: Number(sp),
      maintenanceRelease: num(mr) ?? 0,
      maintenanceKind: undefined,
      bundle: undefined,
    });
  }

  const m = PROSE.exec(s);
  if (!m) garbage(text, 'unrecognized form');
  const [, flavourWords, majorText = '', minorText = '', thirdText, spText, pMajor, pMinor, pSp, mrText, kindText, bundleA, bundleB] = m;
  const major = Number(majorText);
  const minor = Number(minorText);
  if (major === 0) garbage(text, 'major version 0');
  const third = num(thirdText);
  const sp = num(spText);
  if (third !== undefined && sp !== undefined && third !== sp) garbage(text, 'service pack given twice, differently');
  const servicePack = sp ?? third ?? 0;
  if (pMajor !== undefined && (Number(pMajor) !== major || Number(pMinor) !== minor || Number(pSp) !== servicePack)) {
    garbage(text, 'the version in parentheses disagrees');
  }
  // "(Rollup)" and "(Hotfix)" say what kind of maintenance release it is: without one there is none.
  if (kindText !== undefined && mrText === undefined) garbage(text, 'a hotfix or rollup without a maintenance release');
  return make({
    flavour: flavourOf(flavourWords),
    major,
    minor,
    servicePack,
    maintenanceRelease: num(mrText) ?? 0,
    maintenanceKind: kindText === undefined ? undefined : kindText.startsWith('roll') ? 'Rollup' : 'Hotfix',
    bundle: num(bundleA ?? bundleB),
  });
}

function checkVersion(v: ServerVersion, operation: string): void {
  const ok =
    v !== null &&
    typeof v === 'object' &&
    [v.major, v.minor, v.servicePack, v.maintenanceRelease].every((n) => Number.isSafeInteger(n) && n >= 0) &&
    v.major >= 1 &&
    (v.bundle === undefined || (Number.isSafeInteger(v.bundle) && v.bundle >= 0)) &&
    (v.flavour === undefined || (SERVER_FLAVOURS as readonly string[]).includes(v.flavour)) &&
    (v.maintenanceKind === undefined ||
      ((MAINTENANCE_RELEASE_KINDS as readonly string[]).includes(v.maintenanceKind) && v.maintenanceRelease > 0));
  if (!ok) throw new ActivationError('INVALID_ARGUMENT', 'invalid server version', { operation });
}

/** "4.1 SP6 MR4", "4.1 SP6 MR4 (Rollup)": the version without product name (SP0 and MR0 are left out). */
export function shortServerVersion(v: ServerVersion): string {
  checkVersion(v, 'shortServerVersion');
  const mr = v.maintenanceRelease > 0 ? ` MR${v.maintenanceRelease}${v.maintenanceKind ? ` (${v.maintenanceKind})` : ''}` : '';
  return `${v.major}.${v.minor}${v.servicePack > 0 ? ` SP${v.servicePack}` : ''}${mr}`;
}

/**
 * "BlackBerry Enterprise Server for Microsoft Exchange 4.1 SP6 MR4" (plus " (Bundle N)" when
 * known); without a flavour, "BlackBerry Enterprise Server 4.1 SP6 MR4". Parses back to `v`.
 */
export function formatServerVersion(v: ServerVersion): string {
  checkVersion(v, 'formatServerVersion');
  const product =
    v.flavour === undefined ? 'BlackBerry Enterprise Server' : `BlackBerry Enterprise Server for ${FLAVOUR_PRODUCT_NAMES[v.flavour]}`;
  return `${product} ${shortServerVersion(v)}${v.bundle === undefined ? '' : ` (Bundle ${v.bundle})`}`;
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * Orders two versions by major, minor, service pack, then maintenance release: -1, 0 or 1.
 * The flavour and the bundle are not compared (an Exchange and a Domino 4.1 SP6 MR4 compare
 * equal), so this is a total preorder on release numbers, not on products.
 */
export function compareServerVersions(a: ServerVersion, b: ServerVersion): -1 | 0 | 1 {
  checkVersion(a, 'compareServerVersions');
  checkVersion(b, 'compareServerVersions');
  return (
    sign(a.major - b.major) ||
    sign(a.minor - b.minor) ||
    sign(a.servicePack - b.servicePack) ||
    sign(a.maintenanceRelease - b.maintenanceRelease)
  );
}

/**
 * True when `installed` contains every fix of `release`:
 *  - same major.minor and service pack: installed MR >= release MR (each MR rolls up the earlier
 *    MRs of its service pack, so 4.1.6 MR4 includes MR1-MR3 but not MR5). A hotfix is where this
 *    stops (the seed, "Maintenance Releases"): a rollup "can, and normally will" include a
 *    hotfix's fixes, which is not "every", so a later MR than a hotfix is not said to include it
 *    (only the hotfix itself is), and an installed hotfix is not said to include the earlier MRs
 *    (RIM documented the roll-up only for rollups). An MR of unknown kind counts as a rollup, the
 *    kind of every MR in RIM's example;
 *  - a later release (major, minor, service pack) than `release`'s: true, because RIM's service
 *    packs roll up the earlier service packs and their maintenance releases (our assumption, the
 *    way RIM shipped them; an MR published for an older line after the newer SP shipped is the
 *    one case it gets wrong);
 *  - an earlier one: false.
 * Service packs are built per flavour, so two different known flavours never include each
 * other's fixes; an absent flavour matches any.
 */
export function includesFixesOf(installed: ServerVersion, release: ServerVersion): boolean {
  checkVersion(installed, 'includesFixesOf');
  checkVersion(release, 'includesFixesOf');
  if (installed.flavour !== undefined && release.flavour !== undefined && installed.flavour !== release.flavour) return false;
  const line =
    sign(installed.major - release.major) || sign(installed.minor - release.minor) || sign(installed.servicePack - release.servicePack);
  if (line !== 0) return line > 0;
  // The service pack itself: every MR of it is installed on top of it.
  if (release.maintenanceRelease === 0) return true;
  if (installed.maintenanceRelease < release.maintenanceRelease) return false;
  if (installed.maintenanceRelease === release.maintenanceRelease) {
    // The same MR, unless both kinds are known and differ.
    return (
      installed.maintenanceKind === undefined ||
      release.maintenanceKind === undefined ||
      installed.maintenanceKind === release.maintenanceKind
    );
  }
  // A later MR than `release`: it rolls `release` up when it is a rollup and `release` is not a hotfix.
  return installed.maintenanceKind !== 'Hotfix' && release.maintenanceKind !== 'Hotfix';
}
