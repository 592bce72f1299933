/**
 * Which session a frame belongs to: the server-side part of routing that is protocol, as pure
 * functions over the candidates the driver's tables give (the driver keeps the tables; see
 * {@link BesSimulator}). A handset's frames after the ETP.DAT carry only its sid and PIN, which
 * anyone who saw them can copy (docs/protocol.md, "Sessions"), so a frame goes to the session it
 * authenticates under: a confirmation to the session whose Ta it carries, an error to the session
 * whose key seals it, anything else to the session that got furthest.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { isActivationError } from '../errors/activation-error.js';
import { frameAssociatedData, type Frame } from '../wire/frame.js';
import { decodeHandsetConfirm } from '../wire/messages/handset-confirm.js';
import { openErrorBody } from '../wire/messages/error.js';
import type { ServerOutput } from './server-io.js';
import { SERVER_FRAME_TRANSITIONS } from './server-machine.js';
import { confirmsSession, dropped, handsetErrorKeys } from './server-machine-support.js';
import type { ServerSessionState } from './server-state.js';

/** A session of the driver's table with its key. */
export type SessionEntry = readonly [key: string, state: ServerSessionState];

/** Where a frame goes: to the session with this key (for {@link serverStep}), or nowhere (with the log line saying why). */
export type FrameRoute =
  { readonly to: 'session'; readonly key: string } | { readonly to: 'nowhere'; readonly outputs: readonly ServerOutput[] };

/**
 * Routes a frame after the ETP.DAT among `candidates`, the sessions with its sid and PIN (the most
 * recently active last). `sidKnown`: whether some session has the sid with another PIN (only read
 * when there is no candidate, for the log).
 */
export function routeFrame(
  frame: Frame,
  candidates: readonly SessionEntry[],
  context: { readonly provider: CryptoProvider; readonly sidKnown: boolean },
): FrameRoute {
  if (candidates.length === 0) return nowhere(dropped(frame, context.sidKnown ? 'frame from another PIN' : 'frame of no known session'));
  try {
    if (frame.type === 'error') return routeError(frame, candidates, context.provider);
    if (frame.type === 'handset-confirm') {
      // Nobody else can make a session's Ta: it names its session.
      const { tag } = decodeHandsetConfirm(frame.body);
      const found = candidates.find(([, state]) => confirmsSession(state, tag, context.provider));
      return found ? { to: 'session', key: found[0] } : nowhere(dropped(frame, 'confirmation tag did not verify'));
    }
  } catch (err) {
    if (isActivationError(err) && (err.code === 'MALFORMED' || err.code === 'DECRYPT_FAILED'))
      return nowhere(dropped(frame, `rejected ${frame.type}: ${err.code}`));
    throw err;
  }
  // Anything later goes to the session that got past the confirmation, the most recently active first.
  // Not empty (returned above): `reduce` starts from the first candidate.
  const best = candidates.reduce((a, b) => (rank(b[1]) >= rank(a[1]) ? b : a));
  return { to: 'session', key: best[0] };
}

/** How far a session got, for {@link routeFrame}: failed 0, waiting for the confirmation 1, past it 2. */
function rank(state: ServerSessionState): number {
  return state.phase === 'awaiting-confirm' ? 1 : state.phase === 'failed' ? 0 : 2;
}

/**
 * An error frame from the handset. Once a session has keys, only one sealed under them (k_HS, or
 * the transport key once issued) with the sequence number expected next, in a phase that takes
 * errors, goes to it; one in clear is only logged, as a hint.
 */
function routeError(frame: Frame, candidates: readonly SessionEntry[], provider: CryptoProvider): FrameRoute {
  let hint: string | undefined;
  for (const [key, state] of candidates) {
    if (SERVER_FRAME_TRANSITIONS[state.phase]?.error === undefined || frame.seq !== state.recvSeq) continue;
    const opened = openErrorBody(provider, frame.body, frameAssociatedData(frame), handsetErrorKeys(state));
    if (!opened) continue;
    if (!opened.authenticated) {
      hint = opened.message.code;
      continue;
    }
    return { to: 'session', key };
  }
  if (hint !== undefined) return nowhere({ type: 'log', event: 'unauthenticated error frame', detail: { pin: frame.pin, code: hint } });
  return nowhere(dropped(frame, 'error frame of no session state'));
}

/**
 * What an ETP.DAT whose session key (sid, PIN, email, share) is known gets: the same bytes again,
 * while the session is in phase 1, get the same reply; anything else is dropped (other bytes under
 * the key of an earlier request, or the request again later). Neither starts a second CPace run
 * against the share. `existing`: the session under the key; `seen`: what the replay cache says of
 * the bytes. `undefined`: a new session.
 */
export function routeEtpDat(
  frame: Frame,
  existing: ServerSessionState | undefined,
  seen: 'same' | 'other' | undefined,
): ServerOutput[] | undefined {
  if (existing === undefined && seen === undefined) return undefined;
  if (seen === 'other') return [dropped(frame, 'conflicting ETP.DAT')];
  const last = existing?.lastReply;
  if (existing !== undefined && last !== undefined && last.forSeq === 0 && existing.recvSeq <= 1)
    return [{ type: 'send', bytes: last.bytes.slice() }];
  return [dropped(frame, 'replayed ETP.DAT')];
}

function nowhere(output: ServerOutput): FrameRoute {
  return { to: 'nowhere', outputs: [output] };
}
