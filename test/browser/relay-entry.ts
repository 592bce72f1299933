/**
 * Runs in a web page (bundled by test/browser/relay-browser.test.ts): a handset that reaches the
 * relay with the browser's own fetch and WebSocket, across origins. The page's query string names
 * the relay (`?relay=<url>`); the test reads the outcome from `window.relayActivation`.
 */
import { Handset, createRelayTransport, isActivationError } from '../../src/index.js';

export interface RelayRun {
  mode: 'poll' | 'websocket';
  email: string;
  statuses: string[];
  keyAlgorithm?: string;
  error?: string;
  /** Receive-side problems the transport reported (failed polls, refused sockets…). */
  transportErrors: string[];
}

declare global {
  interface Window {
    relayActivation: Promise<{ origin: string; nativeWebSocket: boolean; runs: RelayRun[] }>;
  }
}

const relayUrl = new URLSearchParams(location.search).get('relay') ?? '';

async function run(mode: 'poll' | 'websocket', email: string, password: string): Promise<RelayRun> {
  const statuses: string[] = [];
  const transportErrors: string[] = [];
  // No `fetch` or `webSocket` option: the transport takes the browser's globals.
  const transport = createRelayTransport({
    url: relayUrl,
    address: 'pin:2100000A',
    mode,
    pollWaitSeconds: 10,
    backoff: { maxFailures: 5 },
    onError: (err) => transportErrors.push(`${err.code}: ${err.message}`),
  });
  const handset = new Handset({
    // Shorter than the default (15 s, 4 retries): on loopback a blocked relay fails the run in seconds, not minutes.
    config: {
      pin: '2100000A',
      routing: { relay: 'relay.test', uid: 'U1' },
      device: { model: '9700', os: '6.0' },
      retry: { replyTimeoutMs: 8_000, retries: 1 },
    },
    transport,
  });
  handset.on('status', (s) => {
    if (s.id !== 'synchronizing') statuses.push(s.text);
  });
  try {
    const result = await handset.activate({ email, password });
    return { mode, email, statuses, keyAlgorithm: result.keyAlgorithm, transportErrors };
  } catch (err) {
    return { mode, email, statuses, error: isActivationError(err) ? `${err.code}: ${err.message}` : String(err), transportErrors };
  } finally {
    await handset.close();
    await transport.close();
  }
}

window.relayActivation = (async () => {
  // One password activates one device, so each mode activates its own user.
  const poll = await run('poll', 'alice@example.com', 'bb8800pw');
  const websocket = await run('websocket', 'bob@example.com', 'bb9900pw');
  return { origin: location.origin, nativeWebSocket: typeof WebSocket === 'function', runs: [poll, websocket] };
})();
