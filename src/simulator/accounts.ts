/**
 * User accounts on the simulated BES, with the activation password rules RIM documented: the
 * account is "Initializing" once a password is set, "Activating" once an ETP.DAT arrives;
 * the password expires after 48 hours by default (the administrator may choose up to 720),
 * becomes invalid after 5 failed attempts and is deleted after a successful activation.
 */
import { ActivationError, type ActivationErrorCode } from '../errors/activation-error.js';
import { normalizeEmail, passwordToPrs } from '../protocol/key-schedule.js';

export const DEFAULT_PASSWORD_LIFETIME_HOURS = 48;
export const MAX_PASSWORD_LIFETIME_HOURS = 720;
export const MAX_FAILED_ATTEMPTS = 5;

export type AccountStatus = 'No activation password' | 'Initializing' | 'Activating' | 'Activated';

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

export const DEFAULT_USER_SETTINGS: UserSettings = { wirelessSync: true, wirelessBackup: true, messages: true, messageCap: 750 };

/** The device an account was activated with. Public facts only, plus the key for the server's own use. */
export interface ActivatedDevice {
  readonly pin: string;
  readonly model: string;
  readonly os: string;
  readonly identityKey: Uint8Array;
  readonly agreementKey: Uint8Array;
  readonly keyAlgorithm: string;
  readonly keyId: Uint8Array;
  readonly transportKey: Uint8Array;
  readonly activatedAt: number;
}

export interface Account {
  readonly email: string;
  readonly displayName: string;
  status: AccountStatus;
  settings: UserSettings;
  password?: {
    value: string;
    setAt: number;
    expiresAt: number;
    failedAttempts: number;
    /** Session (hex sid) that proved this password and is finishing its activation: no other may use it meanwhile. */
    claimedBy?: string;
    /** When the claim was made or last renewed (ms). A claim older than the claim timeout can be taken over. */
    claimedAt?: number;
  };
  device?: ActivatedDevice;
  /** Attempts made on the current password that did not (yet) prove it. */
  readonly history: { at: number; event: string }[];
}

export interface NewUser {
  readonly email: string;
  readonly displayName: string;
  /** Sets an activation password right away. */
  readonly activationPassword?: string;
  readonly passwordLifetimeHours?: number;
  readonly settings?: Partial<UserSettings>;
}

/** Why a password cannot be used now, or `undefined` when it can. */
export type PasswordProblem = Extract<ActivationErrorCode, 'UNKNOWN_USER' | 'NO_ACTIVATION_PASSWORD' | 'PASSWORD_EXPIRED' | 'LOCKED_OUT'>;

/** How long an activation may hold the password without finishing before another may take it (10 minutes). */
export const DEFAULT_CLAIM_TIMEOUT_MS = 10 * 60_000;

export class AccountStore {
  private readonly accounts = new Map<string, Account>();

  constructor(
    private readonly now: () => number,
    private readonly claimTimeoutMs = DEFAULT_CLAIM_TIMEOUT_MS,
  ) {}

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
    if (user.activationPassword !== undefined) this.setActivationPassword(email, user.activationPassword, user.passwordLifetimeHours);
    return account;
  }

  get(email: string): Account | undefined {
    return this.accounts.get(normalizeEmail(email));
  }

  all(): Account[] {
    return [...this.accounts.values()];
  }

  /** Sets (or replaces) the activation password; the account becomes "Initializing". */
  setActivationPassword(email: string, password: string, lifetimeHours = DEFAULT_PASSWORD_LIFETIME_HOURS): void {
    const account = this.require(email);
    // The same preparation and limits as the handset's (NFC, 1 to 31 characters after it).
    passwordToPrs(password).fill(0);
    if (!(lifetimeHours > 0 && lifetimeHours <= MAX_PASSWORD_LIFETIME_HOURS)) {
      throw new ActivationError('INVALID_ARGUMENT', `the password lifetime must be 1 to ${MAX_PASSWORD_LIFETIME_HOURS} hours`, {
        field: 'lifetimeHours',
      });
    }
    const now = this.now();
    account.password = { value: password.normalize('NFC'), setAt: now, expiresAt: now + lifetimeHours * 3_600_000, failedAttempts: 0 };
    account.status = 'Initializing';
    this.log(account, 'activation password set');
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

  /**
   * An ETP.DAT arrived and the server answered it: the attempt counts as failed until the handset
   * proves the password, so a client that walks away after the server's reply cannot guess for free.
   */
  attemptStarted(email: string): void {
    const account = this.require(email);
    if (account.password) account.password.failedAttempts += 1;
    account.status = 'Activating';
    this.log(account, 'ETP.DAT received');
  }

  /**
   * The handset proved the password: the attempt no longer counts as failed, and the password is
   * claimed by this session until it activates or fails. Returns false when another session has
   * claimed it already (or it is gone): one password activates one device.
   */
  attemptConfirmed(email: string, session: string): boolean {
    const account = this.require(email);
    const pw = account.password;
    const now = this.now();
    const heldByOther = pw?.claimedBy !== undefined && pw.claimedBy !== session && now - (pw.claimedAt ?? 0) < this.claimTimeoutMs;
    // The password was proven either way: the attempt is not a failed one.
    if (pw && pw.failedAttempts > 0) pw.failedAttempts -= 1;
    if (!pw || heldByOther) {
      this.log(account, 'activation password already used by another activation');
      return false;
    }
    if (pw.claimedBy !== undefined && pw.claimedBy !== session) this.log(account, 'a stale activation lost its claim on the password');
    pw.claimedBy = session;
    pw.claimedAt = now;
    this.log(account, 'activation password verified');
    return true;
  }

  /** True when `session` holds the claim on the account's password; renews it. */
  holdsClaim(email: string, session: string): boolean {
    const pw = this.get(email)?.password;
    if (pw?.claimedBy !== session) return false;
    pw.claimedAt = this.now();
    return true;
  }

  /** A session that claimed the password ended without activating: the password is free again. */
  releaseClaim(email: string, session: string): void {
    const pw = this.get(email)?.password;
    if (pw?.claimedBy === session) delete pw.claimedBy;
  }

  attemptFailed(email: string, reason: string): void {
    const account = this.require(email);
    this.log(account, `activation attempt failed: ${reason}`);
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

  /** Every account as plain data (for sealed snapshots). */
  toData(): Account[] {
    return this.all().map((a) => structuredClone(a));
  }

  /** Replaces the accounts with `accounts` (from {@link toData}). */
  loadData(accounts: readonly Account[]): void {
    this.accounts.clear();
    for (const a of accounts) this.accounts.set(normalizeEmail(a.email), structuredClone(a) as Account);
  }

  /** Remaining failed attempts before the password is locked. */
  failedAttempts(email: string): number {
    return this.require(email).password?.failedAttempts ?? 0;
  }

  private require(email: string): Account {
    const account = this.get(email);
    if (!account) throw new ActivationError('INVALID_ARGUMENT', 'no such user', { field: 'email' });
    return account;
  }

  private log(account: Account, event: string): void {
    account.history.push({ at: this.now(), event });
    if (account.history.length > 200) account.history.splice(0, account.history.length - 200);
  }
}
