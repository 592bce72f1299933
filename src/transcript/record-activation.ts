/**
 * A whole seeded activation in memory, recorded: the quickest way to a transcript, and what a
 * golden-transcript test compares against its file. The run is reproducible: both sides' randomness
 * comes from named seeds, the clock stands still at `startAt`, and the in-memory transport
 * delivers in order; the same options give the same transcript, byte for byte.
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { seededRandom } from '../crypto/seeded-random.js';
import { createMemoryTransportPair } from '../transport/memory-transport.js';
import { Handset } from '../handset/handset.js';
import { BesSimulator } from '../simulator/bes-simulator.js';
import { recordTranscript } from './recorder.js';
import type { ActivationRecipe, Transcript } from './transcript.js';

/** Options of {@link recordActivation}: the password, and anything of the recipe to change. */
export interface RecordActivationOptions extends Partial<ActivationRecipe> {
  /** The account's activation password, which the handset types too. Never written to the transcript. */
  readonly password: string;
  /**
   * What the user types on the handset, when it is not `password`: to record a failing activation
   * (WRONG_PASSWORD). Never written either; a replay against the server is given `password`, one
   * against the handset this.
   */
  readonly typedPassword?: string;
  /** Store the frames' bytes too (needed to replay it; docs/transcripts.md, "Bodies"). Default false. */
  readonly includeBodies?: boolean;
  /** The (standing) clock of both sides, ms since the epoch. Default 2024-01-01T00:00:00Z. */
  readonly startAt?: number;
}

/** The recipe {@link recordActivation} uses for what its options leave out. */
export const DEFAULT_ACTIVATION_RECIPE: ActivationRecipe = {
  email: 'alice@example.com',
  displayName: 'Alice Example',
  handsetSeed: 'transcript-handset',
  serverSeed: 'transcript-server',
  config: {
    pin: '2100000A',
    routing: { relay: 'relay.blackberry.test', uid: 'carrier-uid-0001' },
    device: { model: '8800', os: '4.5.0.110' },
  },
};

/** 2024-01-01T00:00:00Z: where the clock of {@link recordActivation} stands unless told otherwise. */
export const DEFAULT_START_AT = Date.UTC(2024, 0, 1);

/** Checks the password option: a transcript run needs one, and it must be text. */
export function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length === 0) {
    throw new ActivationError('INVALID_ARGUMENT', 'the activation password must be given (transcripts never hold it)', {
      operation: 'transcript',
      field: 'password',
    });
  }
  return password;
}

/** The simulator of a recipe: seeded randomness and domain key, the recipe's account with `password`, the clock `now`. @internal */
export function recipeServer(recipe: ActivationRecipe, password: string, now: () => number): BesSimulator {
  const server = new BesSimulator({
    random: seededRandom(`server:${recipe.serverSeed}`),
    domainKeySeed: seededRandom(`domain-key:${recipe.serverSeed}`)(32),
    now,
  });
  server.addUser({ email: recipe.email, displayName: recipe.displayName, activationPassword: password });
  return server;
}

/**
 * Runs one activation of a {@link Handset} against a {@link BesSimulator} over an in-memory
 * transport pair, both seeded from the recipe, and records it beside the handset. Resolves with
 * the transcript whether the activation completed or failed (`meta.outcome` says which, with the
 * error code); rejects only for bad options (`INVALID_ARGUMENT`). The metadata holds the recipe
 * (seeds, account address, device), never the password.
 *
 * @example
 * ```ts
 * const golden = parseTranscript(readFileSync('test/fixtures/transcripts/default.json', 'utf8'));
 * expect(diffTranscripts(await recordActivation({ password: 'bb8800pw' }), golden)).toBeUndefined();
 * ```
 */
export async function recordActivation(options: RecordActivationOptions): Promise<Transcript> {
  const password = checkPassword(options?.password);
  const typed = options.typedPassword === undefined ? password : checkPassword(options.typedPassword);
  const recipe: ActivationRecipe = {
    email: options.email ?? DEFAULT_ACTIVATION_RECIPE.email,
    displayName: options.displayName ?? DEFAULT_ACTIVATION_RECIPE.displayName,
    handsetSeed: options.handsetSeed ?? DEFAULT_ACTIVATION_RECIPE.handsetSeed,
    serverSeed: options.serverSeed ?? DEFAULT_ACTIVATION_RECIPE.serverSeed,
    config: options.config ?? DEFAULT_ACTIVATION_RECIPE.config,
  };
  const startAt = options.startAt ?? DEFAULT_START_AT;
  if (!Number.isFinite(startAt)) {
    throw new ActivationError('INVALID_ARGUMENT', 'startAt must be a finite number of ms', { operation: 'transcript', field: 'startAt' });
  }
  // A standing clock: no step of a successful in-memory run waits, so every frame is at +0 ms, and
  // nothing in the run depends on how fast this machine is.
  const now = () => startAt;
  const server = recipeServer(recipe, password, now);
  const [handsetSide, serverSide] = createMemoryTransportPair();
  server.attach(serverSide);
  const recorded = recordTranscript(handsetSide, {
    now,
    includeBodies: options.includeBodies === true,
    recordedBy: 'recordActivation',
    recipe,
  });
  const handset = new Handset({
    config: recipe.config,
    transport: recorded.transport,
    random: seededRandom(`handset:${recipe.handsetSeed}`),
    now,
  });
  try {
    await handset.activate({ email: recipe.email, password: typed });
    recorded.recorder.outcome('complete');
  } catch (err) {
    if (!isActivationError(err)) throw err;
    if (err.code === 'INVALID_ARGUMENT') throw err;
    recorded.recorder.outcome(err.code);
  } finally {
    // One turn of the event loop, so that a frame already on its way (an error's last answer) is in.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await handset.close();
    server.close();
    await handsetSide.close();
    await serverSide.close();
  }
  return recorded.transcript();
}
