/**
 * User accounts on the simulated BES, with the activation password rules RIM documented (each
 * with its source in docs/server.md, "Activation password rules"): the account is "Initializing"
 * once a password is set and "Activating" once an ETP.DAT arrives (the seed); the password expires
 * after 48 hours by default (the administrator may choose 1 to 720, or 0: expire it now), is no
 * longer valid after 5 consecutive failed attempts and is deleted after a successful activation.
 */
import type { AccountChange } from './server-io.js';
import { ACTIVATION_ERROR_CODES, ActivationError, type ActivationErrorCode } from '../errors/activation-error.js';
import type { RandomSource } from '../crypto/provider.js';
import { normalizeEmail, passwordToPrs } from '../protocol/key-schedule.js';

/** How long an activation password stays valid unless the administrator says otherwise: 48 hours, RIM's default (../shared/reference/blackberry-activation-facts.md, "Activation password"). */
export const DEFAULT_PASSWORD_LIFETIME_HOURS = 48;
/** The longest lifetime an administrator may give an activation password: 720 hours, as on a BES (same source). */
export const MAX_PASSWORD_LIFETIME_HOURS = 720;
/**
 * The lifetime that expires the current activation password now: 0 hours, as in BlackBerry
 * Manager 4.0 ("From the Password Expires in drop-down list, select 0 hours (now)"; you must type
 * the existing password to expire it). Source in docs/server.md, "Activation password rules".
 */
export const EXPIRE_NOW_HOURS = 0;
/**
 * Consecutive failed attempts after which an activation password is no longer valid: 5, as on a
 * BES (same source; "five consecutive times" in BlackBerry's "Activation passwords" page, see
 * docs/server.md). A proof of the password starts the count again.
 */
export const MAX_FAILED_ATTEMPTS = 5;
/**
 * The longest activation password the BlackBerry administration console takes: 20 characters
 * (BES 5.0 "Activation passwords"; the device takes 31). Applied with
 * `BesSimulatorOptions.consolePasswordRules`.
 */
export const MAX_CONSOLE_PASSWORD_LENGTH = 20;
/**
 * The shortest activation password the server accepts (characters after NFC). The handset takes
 * whatever the user types (it cannot know the server's rule); the server refuses to set a short one.
 */
export const MIN_ACTIVATION_PASSWORD_LENGTH = 8;

/** Characters of generated activation passwords: no 0/o, 1/l/i, easy to type on a handset keyboard. */
const GENERATED_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A random activation password of `length` characters (default 10, about 50 bits) from `random`. */
export function generateActivationPassword(random: RandomSource, length = 10): string {
  if (!Number.isInteger(length) || length < MIN_ACTIVATION_PASSWORD_LENGTH || length > 31) {
    throw new ActivationError('INVALID_ARGUMENT', `a generated password has ${MIN_ACTIVATION_PASSWORD_LENGTH} to 31 characters`, {
      field: 'length',
    });
  }
  const n = GENERATED_ALPHABET.length;
  const limit = 256 - (256 % n); // rejection sampling: every character equally likely
  let out = '';
  while (out.length < length) {
    for (const byte of random(length)) {
      if (byte < limit && out.length < length) out += GENERATED_ALPHABET[byte % n];
    }
  }
  return out;
}

/**
 * The statuses an account records. "Initializing" (a password is set, the handset has not
 * activated yet) and "Activating" (the BES retrieved the ETP.DAT) are RIM's names (the seed,
 * ../shared/seed/000_06c312eb7007db82.txt; "Initializing" also in the facts file); "No activation
 * password" and "Activated" are ours (no stored BlackBerry page names them).
 */
export const ACCOUNT_STATUSES = ['No activation password', 'Initializing', 'Activating', 'Activated'] as const;
/** One of {@link ACCOUNT_STATUSES}: where an account stands, as recorded. */
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/**
 * What the administrator sees (`adminStatusOf`): the recorded status, or why the account's
 * password is no longer valid. Both additions are our names: BlackBerry's pages document that a
 * password stops being valid after 5 failed attempts or when it expires, not what the console
 * showed then.
 */
export const ADMIN_STATUSES = [...ACCOUNT_STATUSES, 'Activation password expired', 'Activation password locked'] as const;
/** One of {@link ADMIN_STATUSES}. */
export type AdminStatus = (typeof ADMIN_STATUSES)[number];

/** User-level settings that decide what is synchronized after activation. */
export interface UserSettings {
  /** Wireless organizer data synchronization (calendar, address book, tasks, memos). Default true. */
  readonly wirelessSync: boolean;
  /** Wireless backup and restore of device options. Default true. */
  readonly wirelessBackup: boolean;
  /** Send existing email messages to the device. Default true. */
  readonly messages: boolean;
  /** Most email messages sent at activation. Default 750. */
  readonly messageCap: number;
}

/** The settings of a user added without any: synchronize, back up and send up to 750 messages. Our defaults. */
export const DEFAULT_USER_SETTINGS: UserSettings = { wirelessSync: true, wirelessBackup: true, messages: true, messageCap: 750 };

/** The device an account was activated with. Public facts only, plus the key for the server's own use. */
export interface ActivatedDevice {
  /** The device's PIN. */
  readonly pin: string;
  /** Handset model. */
  readonly model: string;
  /** Device software version. */
  readonly os: string;
  /** The device's long-term Ed25519 public key. */
  readonly identityKey: Uint8Array;
  /** The device's long-term X25519 public key. */
  readonly agreementKey: Uint8Array;
  /** The transport key's algorithm. */
  readonly keyAlgorithm: string;
  /** The transport key's id. */
  readonly keyId: Uint8Array;
  /** The device transport key: secret, for the server's own use. */
  readonly transportKey: Uint8Array;
  /** When the activation completed, ms epoch. */
  readonly activatedAt: number;
}

/** A user account on the simulated server, as {@link AccountStore} keeps it. Holds the activation password: server-side data, never sent anywhere. */
export interface Account {
  /** The user's email address, normalized (lower case, trimmed). */
  readonly email: string;
  /** The user's display name. */
  readonly displayName: string;
  /** Where the account stands. */
  status: AccountStatus;
  /** What is synchronized after activation. */
  settings: UserSettings;
  /** The current activation password and its bookkeeping (absent when none is set). */
  password?: {
    value: string;
    setAt: number;
    expiresAt: number;
    failedAttempts: number;
    /** Session (hex sid) that proved this password and is finishing its activation: no other may use it meanwhile. */
    claimedBy?: string;
    /** When the claim was made or last renewed (ms). A claim older than the claim timeout can be taken over. */
    claimedAt?: number;
    /** The PIN of the device whose session holds the claim: that device, trying again, may take it over at once. */
    claimedByPin?: string;
  };
  /** The device the account was activated with, once activated. */
  device?: ActivatedDevice;
  /**
   * The last reason an activation for this account failed or was refused (admin view). The handset
   * that did not prove the password is never told it (docs/protocol.md, "What a peer learns").
   */
  lastFailure?: { at: number; code: ActivationErrorCode };
  /** Attempts made on the current password that did not (yet) prove it. */
  readonly history: { at: number; event: string }[];
}

/** A user to add with `BesSimulator.addUser` (or {@link AccountStore.add}). */
export interface NewUser {
  /** The user's email address. */
  readonly email: string;
  /** The user's display name. */
  readonly displayName: string;
  /** Sets an activation password right away. */
  readonly activationPassword?: string;
  /** Lifetime of that password in hours, 1 to {@link MAX_PASSWORD_LIFETIME_HOURS}. Default {@link DEFAULT_PASSWORD_LIFETIME_HOURS}. */
  readonly passwordLifetimeHours?: number;
  /** Settings that differ from {@link DEFAULT_USER_SETTINGS}. */
  readonly settings?: Partial<UserSettings>;
}

/** Why a password cannot be used now, or `undefined` when it can. */
export type PasswordProblem = Extract<ActivationErrorCode, 'UNKNOWN_USER' | 'NO_ACTIVATION_PASSWORD' | 'PASSWORD_EXPIRED' | 'LOCKED_OUT'>;

/**
 * What the server runs CPace against for an ETP.DAT to an existing account (docs/protocol.md,
 * "What a peer learns"): the stored password when there is one that still counts (`refusal`
 * PASSWORD_EXPIRED: proven, it is refused with that reason), or a dummy (`password` absent) for
 * an account without a password or with a locked one. Nobody can prove a dummy, so its peer sees
 * WRONG_PASSWORD exactly as after a wrong guess.
 */
export type CpaceChoice =
  | { readonly password: string; readonly setAt: number; readonly expiresAt: number; readonly refusal?: 'PASSWORD_EXPIRED' }
  | { readonly password?: undefined; readonly refusal: 'NO_ACTIVATION_PASSWORD' | 'LOCKED_OUT' };

/** How long an activation may hold the password without finishing before another may take it (10 minutes). */
export const DEFAULT_CLAIM_TIMEOUT_MS = 10 * 60_000;

/**
 * {@link CpaceChoice} for `account` at `now`: the rule {@link AccountStore.cpaceChoice} applies, as
 * a function of a read-only account (the server's state machine reads accounts this way). A
 * locked password is no longer valid: a dummy, and further attempts are not counted.
 */
export function cpaceChoiceOf(account: Readonly<Account>, now: number): CpaceChoice {
  const pw = account.password;
  if (!pw) return { refusal: 'NO_ACTIVATION_PASSWORD' };
  if (pw.failedAttempts >= MAX_FAILED_ATTEMPTS) return { refusal: 'LOCKED_OUT' };
  const real = { password: pw.value, setAt: pw.setAt, expiresAt: pw.expiresAt };
  return now >= pw.expiresAt ? { ...real, refusal: 'PASSWORD_EXPIRED' } : real;
}

/** True when the account's password has reached {@link MAX_FAILED_ATTEMPTS} failed attempts: no longer valid. */
export function passwordLocked(account: Readonly<Account>): boolean {
  return account.password !== undefined && account.password.failedAttempts >= MAX_FAILED_ATTEMPTS;
}

/**
 * The status the administrator sees at `now`: "Activation password locked" once the password has
 * had 5 failed attempts, "Activation password expired" once it is past its expiry, the recorded
 * status otherwise. An activation that proved the password before it expired finishes (it holds
 * the claim), so it shows its recorded status.
 */
export function adminStatusOf(account: Readonly<Account>, now: number): AdminStatus {
  const pw = account.password;
  if (!pw) return account.status;
  if (passwordLocked(account)) return 'Activation password locked';
  if (now >= pw.expiresAt && pw.claimedBy === undefined) return 'Activation password expired';
  return account.status;
}

/** True when the password set at `setAt` is still the account's password (false without an account). */
export function passwordSetAt(account: Readonly<Account> | undefined, setAt: number): boolean {
  return account?.password?.setAt === setAt;
}

/**
 * True when session `session` (hex sid) of the device `pin` may claim the account's password at
 * `now`: there is a password, and no session of another device holds a claim younger than
 * `claimTimeoutMs`. The rule of {@link AccountStore.attemptConfirmed}: one password activates one
 * device. The same device trying again takes over its own claim at once: its earlier attempt
 * failed before the commit point (issue 12, finding 1), and the password is still unused.
 */
export function claimAvailable(
  account: Readonly<Account> | undefined,
  session: string,
  now: number,
  claimTimeoutMs: number,
  pin?: string,
): boolean {
  const pw = account?.password;
  if (!pw) return false;
  const sameDevice = pin !== undefined && pw.claimedByPin === pin;
  const heldByOther = pw.claimedBy !== undefined && pw.claimedBy !== session && !sameDevice && now - (pw.claimedAt ?? 0) < claimTimeoutMs;
  return !heldByOther;
}

/** True when session `session` (hex sid) holds the claim on the account's password. */
export function holdsClaim(account: Readonly<Account> | undefined, session: string): boolean {
  return account?.password?.claimedBy === session;
}

/**
 * The account as {@link AccountStore.activated} leaves it (activated on `device`, the password
 * deleted), as a read-only copy: what the server's state machine hands the service books of the
 * activation it finishes, before the driver applies the change to the store.
 */
export function activatedAccount(account: Readonly<Account>, device: ActivatedDevice): Readonly<Account> {
  const { password: _password, ...rest } = account;
  return { ...rest, device, status: 'Activated' };
}

/**
 * The simulated server's user accounts and their activation passwords: lifetime, single use,
 * failed attempts and lockout. Reached through `BesSimulator.accounts`; most callers need only
 * `BesSimulator.addUser`, `setActivationPassword` and `account`.
 */
export class AccountStore {
  private readonly accounts = new Map<string, Account>();
  /** How long an activation that proved the password holds it before another may take it (ms): `BesSimulatorOptions.claimTimeoutMs`. */
  readonly claimTimeoutMs: number;

  /** True when passwords must also pass the administration console's limits: `BesSimulatorOptions.consolePasswordRules`. */
  readonly consolePasswordRules: boolean;

  /** An empty store on the given clock; `claimTimeoutMs` and `consolePasswordRules` as in `BesSimulatorOptions`. */
  constructor(
    private readonly now: () => number,
    claimTimeoutMs = DEFAULT_CLAIM_TIMEOUT_MS,
    consolePasswordRules = false,
  ) {
    this.claimTimeoutMs = claimTimeoutMs;
    this.consolePasswordRules = consolePasswordRules;
  }

  /** Adds a user (and sets the password, if given); ActivationError('INVALID_ARGUMENT') for a bad or existing address or a refused password. */
  add(user: NewUser): Account {
    const email = normalizeEmail(user.email);
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new ActivationError('INVALID_ARGUMENT', 'invalid email address', { field: 'email' });
    if (this.accounts.has(email)) throw new ActivationError('INVALID_ARGUMENT', 'the user already exists', { field: 'email' });
    const account: Account = {
      email,
      displayName: user.displayName,
      status: 'No activation password',
      settings: { ...DEFAULT_USER_SETTINGS, ...user.settings },
      history: [],
    };
    this.accounts.set(email, account);
    try {
      if (user.activationPassword !== undefined) this.setActivationPassword(email, user.activationPassword, user.passwordLifetimeHours);
    } catch (err) {
      // A user whose password is refused (too short, say) is not added half-way.
      this.accounts.delete(email);
      throw err;
    }
    return account;
  }

  /** The account for `email` (normalized), if any. */
  get(email: string): Account | undefined {
    return this.accounts.get(normalizeEmail(email));
  }

  /** Every account. */
  all(): Account[] {
    return [...this.accounts.values()];
  }

  /**
   * Sets (or replaces) the activation password; the account becomes "Initializing" and the failed
   * attempts start again from 0. `lifetimeHours` is a whole number of hours, 1 to
   * {@link MAX_PASSWORD_LIFETIME_HOURS}, or {@link EXPIRE_NOW_HOURS} (0) with the current, still
   * valid password: that password expires now (as in BlackBerry Manager 4.0). With
   * {@link AccountStore.consolePasswordRules}, the administration console's limits apply too: at most {@link MAX_CONSOLE_PASSWORD_LENGTH}
   * characters, no accented characters.
   */
  setActivationPassword(email: string, password: string, lifetimeHours = DEFAULT_PASSWORD_LIFETIME_HOURS): void {
    const account = this.require(email);
    // The same preparation and limits as the handset's (NFC, at most 31 characters after it), and
    // at least 8: a short password is a few online guesses from anyone who knows the address.
    passwordToPrs(password).fill(0);
    const nfc = password.normalize('NFC');
    if (lifetimeHours === EXPIRE_NOW_HOURS) return this.expireNow(account, nfc);
    const length = [...nfc].length;
    if (length < MIN_ACTIVATION_PASSWORD_LENGTH) {
      throw new ActivationError(
        'INVALID_ARGUMENT',
        `the activation password must have at least ${MIN_ACTIVATION_PASSWORD_LENGTH} characters`,
        {
          field: 'password',
          length,
        },
      );
    }
    if (this.consolePasswordRules) checkConsolePassword(nfc, length);
    if (!(Number.isInteger(lifetimeHours) && lifetimeHours >= 1 && lifetimeHours <= MAX_PASSWORD_LIFETIME_HOURS)) {
      throw new ActivationError(
        'INVALID_ARGUMENT',
        `the password lifetime must be 1 to ${MAX_PASSWORD_LIFETIME_HOURS} whole hours (or ${EXPIRE_NOW_HOURS}: expire the current password now)`,
        { field: 'lifetimeHours' },
      );
    }
    const now = this.now();
    account.password = { value: nfc, setAt: now, expiresAt: now + lifetimeHours * 3_600_000, failedAttempts: 0 };
    // On an activated account a new password means re-activation: the device stays live (and the
    // account "Activated") until an activation with the new password commits (docs/lifecycle.md).
    account.status = account.device ? 'Activated' : 'Initializing';
    this.log(account, 'activation password set');
  }

  /**
   * Lifetime 0: the current password expires now. As in BlackBerry Manager 4.0 the administrator
   * must type the existing, still valid password; anything else is INVALID_ARGUMENT and changes
   * nothing. An activation that already proved the password and holds it finishes.
   */
  private expireNow(account: Account, password: string): void {
    const pw = account.password;
    const now = this.now();
    if (!pw || pw.value !== password || now >= pw.expiresAt || passwordLocked(account)) {
      throw new ActivationError('INVALID_ARGUMENT', 'to expire the activation password now (0 hours), give the current, valid password', {
        field: 'password',
      });
    }
    pw.expiresAt = now;
    this.log(account, 'activation password expired by the administrator');
  }

  /** The password to run CPace with, or the reason there is none. */
  usablePassword(email: string): { password: string } | { problem: PasswordProblem } {
    const account = this.get(email);
    if (!account) return { problem: 'UNKNOWN_USER' };
    const pw = account.password;
    if (!pw) return { problem: 'NO_ACTIVATION_PASSWORD' };
    if (pw.failedAttempts >= MAX_FAILED_ATTEMPTS) return { problem: 'LOCKED_OUT' };
    if (this.now() >= pw.expiresAt) return { problem: 'PASSWORD_EXPIRED' };
    return { password: pw.value };
  }

  /** See {@link CpaceChoice}. A locked password is no longer valid: a dummy, and further attempts are not counted. */
  cpaceChoice(email: string): CpaceChoice {
    return cpaceChoiceOf(this.require(email), this.now());
  }

  /**
   * An ETP.DAT was answered with CPace against a dummy, or refused later for `code`: recorded for
   * the administrator (history, {@link Account.lastFailure}); nothing is counted.
   */
  refused(email: string, code: ActivationErrorCode, event: string): void {
    const account = this.get(email);
    if (!account) return;
    account.lastFailure = { at: this.now(), code };
    this.log(account, event);
  }

  /**
   * The peer proved a password that is refused anyway (expired): a correct entry, so the count of
   * consecutive failed attempts starts again (see {@link MAX_FAILED_ATTEMPTS}).
   */
  attemptProven(email: string): void {
    const pw = this.get(email)?.password;
    if (pw) pw.failedAttempts = 0;
  }

  /** True when the password set at `setAt` is still the account's password. */
  passwordIs(email: string, setAt: number): boolean {
    return passwordSetAt(this.get(email), setAt);
  }

  /**
   * An ETP.DAT arrived and the server answered it: the attempt counts as failed until the handset
   * proves the password, so a client that walks away after the server's reply cannot guess for free.
   */
  attemptStarted(email: string, expired = false): void {
    const account = this.require(email);
    if (account.password) account.password.failedAttempts += 1;
    // An expired password still counts guesses against it (it may be proven, and then refused),
    // but nothing is activating with it.
    // An activated account stays "Activated" until the re-activation commits (docs/lifecycle.md).
    if (!expired && !account.device) account.status = 'Activating';
    this.log(account, 'ETP.DAT received');
  }

  /**
   * The handset proved the password: the attempt no longer counts as failed, and the password is
   * claimed by this session until it activates or fails. Returns false when another session has
   * claimed it already (or it is gone): one password activates one device.
   */
  attemptConfirmed(email: string, session: string, pin?: string): boolean {
    const account = this.require(email);
    const pw = account.password;
    const now = this.now();
    const available = claimAvailable(account, session, now, this.claimTimeoutMs, pin);
    // The password was proven either way: a correct entry ends the run of consecutive failures
    // (its own attempt, counted when its ETP.DAT arrived, included).
    if (pw) pw.failedAttempts = 0;
    if (!pw || !available) {
      this.log(account, 'activation password already used by another activation');
      return false;
    }
    if (pw.claimedBy !== undefined && pw.claimedBy !== session) this.log(account, 'a stale activation lost its claim on the password');
    pw.claimedBy = session;
    pw.claimedAt = now;
    if (pin === undefined) delete pw.claimedByPin;
    else pw.claimedByPin = pin;
    this.log(account, 'activation password verified');
    return true;
  }

  /** True when `session` holds the claim on the account's password; renews it. */
  holdsClaim(email: string, session: string): boolean {
    const account = this.get(email);
    const pw = account?.password;
    if (!pw || !holdsClaim(account, session)) return false;
    pw.claimedAt = this.now();
    return true;
  }

  /** A session that claimed the password ended without activating: the password is free again. */
  releaseClaim(email: string, session: string): void {
    const pw = this.get(email)?.password;
    if (pw?.claimedBy !== session) return;
    delete pw.claimedBy;
    delete pw.claimedByPin;
  }

  /** Records a failed activation attempt and its reason (an error code or text) in the account's history. */
  attemptFailed(email: string, reason: string): void {
    const account = this.require(email);
    this.log(account, `activation attempt failed: ${reason}`);
    if (isErrorCode(reason)) account.lastFailure = { at: this.now(), code: reason };
    if (account.password && account.password.failedAttempts >= MAX_FAILED_ATTEMPTS) this.log(account, 'activation password locked');
  }

  /** The key is verified on both sides: the password is deleted (single use). */
  activated(email: string, device: ActivatedDevice): void {
    const account = this.require(email);
    account.device = device;
    delete account.password;
    account.status = 'Activated';
    this.log(account, `activated on device ${device.pin}`);
  }

  /**
   * The administrator expires the account's activation password now (`BesSimulator.expireActivationPassword`):
   * it no longer activates. INVALID_ARGUMENT when the account has none.
   */
  expirePassword(email: string): void {
    const account = this.require(email);
    const pw = account.password;
    if (!pw) throw new ActivationError('INVALID_ARGUMENT', 'the account has no activation password to expire', { field: 'email' });
    pw.expiresAt = Math.min(pw.expiresAt, this.now());
    this.log(account, 'activation password expired by the administrator');
  }

  /**
   * The account loses its device (wiped, or retired for an IT policy left unapplied): it is no
   * longer activated.
   */
  deviceRemoved(email: string, why = 'wiped'): void {
    const account = this.require(email);
    const pin = account.device?.pin;
    delete account.device;
    account.status = account.password ? 'Initializing' : 'No activation password';
    if (pin !== undefined) this.log(account, `device ${pin} ${why}`);
  }

  /**
   * Applies a change the server's state machine asked for (an `account` output of `serverStep`):
   * the driver calls this right after the step, so that a claim on a password stays atomic.
   */
  apply(change: AccountChange): void {
    switch (change.kind) {
      case 'attempt-started':
        return this.attemptStarted(change.email, change.expired);
      case 'refused':
        return this.refused(change.email, change.code, change.event);
      case 'attempt-proven':
        return this.attemptProven(change.email);
      case 'claim':
        this.attemptConfirmed(change.email, change.session, change.pin);
        return;
      case 'release-claim':
        return this.releaseClaim(change.email, change.session);
      case 'attempt-failed':
        return this.attemptFailed(change.email, change.reason);
      case 'activated':
        return this.activated(change.email, change.device);
      case 'key-rolled-over':
        return this.keyRolledOver(change.email, change.pin, change.key);
      case 'device-removed':
        // Only if the account still has that device (the step saw the account before it).
        if (this.accounts.get(normalizeEmail(change.email))?.device?.pin === change.pin)
          this.deviceRemoved(change.email, 'deactivated: IT policy not applied');
        return;
    }
  }

  /** The device's transport key was rolled over: the account records the new one (docs/lifecycle.md, "Key rollover"). */
  keyRolledOver(
    email: string,
    pin: string,
    key: { readonly algorithm: string; readonly keyId: Uint8Array; readonly key: Uint8Array },
  ): void {
    const account = this.accounts.get(normalizeEmail(email));
    const device = account?.device;
    if (account === undefined || device === undefined || device.pin !== pin) return;
    account.device = { ...device, keyAlgorithm: key.algorithm, keyId: key.keyId, transportKey: key.key };
  }

  /** Every account as plain data (for sealed snapshots). */
  toData(): Account[] {
    return this.all().map((a) => structuredClone(a));
  }

  /** Replaces the accounts with `accounts` (from {@link toData}). */
  loadData(accounts: readonly Account[]): void {
    this.accounts.clear();
    for (const a of accounts) this.accounts.set(normalizeEmail(a.email), structuredClone(a));
  }

  /** Failed attempts counted against the current password (5 lock it). */
  failedAttempts(email: string): number {
    return this.require(email).password?.failedAttempts ?? 0;
  }

  /** The admin view's failure record of an account, if any. */
  lastFailure(email: string): { at: number; code: ActivationErrorCode } | undefined {
    const f = this.get(email)?.lastFailure;
    return f ? { ...f } : undefined;
  }

  private require(email: string): Account {
    const account = this.get(email);
    if (!account) throw new ActivationError('INVALID_ARGUMENT', 'no such user', { field: 'email' });
    return account;
  }

  private log(account: Account, event: string): void {
    account.history.push({ at: this.now(), event });
    // The last 200 kept: a negative count (200 events or fewer) removes nothing.
    account.history.splice(0, account.history.length - 200);
  }
}

/**
 * The administration console's limits (BES 5.0 "Activation passwords", docs/server.md): at most
 * 20 characters, and "any type of character except accented characters" (read as: no letter with
 * a combining mark once decomposed).
 */
function checkConsolePassword(nfc: string, length: number): void {
  if (length > MAX_CONSOLE_PASSWORD_LENGTH) {
    throw new ActivationError('INVALID_ARGUMENT', `the console takes at most ${MAX_CONSOLE_PASSWORD_LENGTH} characters`, {
      field: 'password',
      length,
    });
  }
  if (/\p{M}/u.test(nfc.normalize('NFD'))) {
    throw new ActivationError('INVALID_ARGUMENT', 'activation passwords cannot contain accented characters', { field: 'password' });
  }
}

function isErrorCode(value: string): value is ActivationErrorCode {
  return (ACTIVATION_ERROR_CODES as readonly string[]).includes(value);
}
