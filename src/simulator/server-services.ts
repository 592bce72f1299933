/**
 * What a simulated BES sends after the key is verified (phases 3 and 4): the IT policy, the
 * service books and the user's organizer data, with their defaults. The phases themselves are in
 * server-phase-services.ts and server-phase-sync.ts.
 */
import { ActivationError } from '../errors/activation-error.js';
import { createPolicy, type ItPolicy } from '../policy/policy.js';
import { defaultServiceBooks } from '../service-books/server-books.js';
import type { ServiceBook } from '../service-books/service-book.js';
import type { SyncData } from '../sync/databases.js';
import { DEFAULT_DATA_COUNTS, generateUserData } from './user-data/generate-user-data.js';
import type { Account } from './accounts.js';
import type { ServerIdentity } from './server-config.js';

/** What a {@link BesSimulator} sends after the key is verified: IT policy, service books and organizer data (`BesSimulatorOptions.services`). */
export interface ServicesConfig {
  /** The IT policy sent at activation. Default: the default policy (every rule at its default), id "default". */
  readonly policy: ItPolicy;
  /** Service books for a user. Default: Desktop [CMIME], [CICAL], [SYNC], [IPPP], [ALP], [BBIM]. */
  readonly serviceBooks: (account: Account, identity: ServerIdentity) => ServiceBook[];
  /** The user's organizer data. Default: a seeded, generated data set of modest size. */
  readonly userData: (account: Account) => SyncData;
  /** Most records the server puts in one sync page (the device may ask for fewer). Default 25. */
  readonly pageSize: number;
}

/**
 * The data sets the default `userData` made, each fresh from the generator: records this library
 * made, in their wire form already (`PaginateOptions.ownRecords`), so the server encodes them
 * without checking them against the schema again (issue 14). A data set a caller hands in
 * (`setUserData`, a `userData` option) is never one of them: the only way out for the
 * generator's output, `BesSimulator.services`, lets go of it first ({@link handedOut}).
 */
const generated = new WeakSet<SyncData>();

/** True for a data set the default `userData` generated (see {@link ServicesConfig.userData}). */
export function isGeneratedUserData(data: SyncData): boolean {
  return generated.has(data);
}

/**
 * `data`, no longer taken for the generator's own: for a data set handed out to a caller, who may
 * change it and hand it back in.
 */
export function handedOut(data: SyncData): SyncData {
  generated.delete(data);
  return data;
}

/** The services configuration with every default filled in; INVALID_ARGUMENT for a bad page size. */
export function resolveServicesConfig(
  options: Partial<ServicesConfig> | undefined,
  identity: ServerIdentity,
  now: () => number,
): ServicesConfig {
  const pageSize = options?.pageSize ?? 25;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new ActivationError('INVALID_ARGUMENT', 'pageSize must be an integer from 1 to 1000', { field: 'services.pageSize' });
  }
  return {
    policy: options?.policy ?? createPolicy('default', identity.version, now(), {}),
    serviceBooks:
      options?.serviceBooks ?? ((account, id) => defaultServiceBooks({ srp: id.srp, besDomain: id.besDomain, email: account.email })),
    userData:
      options?.userData ??
      ((account) => {
        const data = generateUserData({
          seed: account.email,
          counts: DEFAULT_DATA_COUNTS,
          owner: { email: account.email, displayName: account.displayName },
          now: now(),
        });
        generated.add(data);
        return data;
      }),
    pageSize,
  };
}
