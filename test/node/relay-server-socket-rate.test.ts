/**
 * The relay's per-WebSocket message rate (`wsMessagesPerSecond`) bounds strangers' sockets, not a
 * configured server's: a server's one socket carries the frames of every handset it serves, and
 * the bound throttled a whole `serve` to a few activations a second (issue 15). In the open demo
 * mode (no token configured) anyone may be a server, so the bound holds for every socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRelayServer, type RelayServer } from '../../src/node/relay-server.js';
import { makeFrame, waitFor } from '../transport/helpers.js';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** Opens a server's socket on `relay` and sends `n` frames to a handset's address at once; resolves with the error replies. */
async function flood(relay: RelayServer, query: string, n: number): Promise<string[]> {
  const ws = new WebSocket(`${relay.url.replace('http', 'ws')}/v1/ws?${query}`);
  open.push({ close: () => ws.terminate() });
  const errors: string[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) errors.push((JSON.parse(String(data)) as { error: string }).error);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  for (let i = 0; i < n; i++) ws.send(makeFrame('pin:2100000A', i));
  await waitFor(() => relay.stats.received + errors.length >= Math.min(n, 200 + 10), 20_000, 'the frames handled');
  await new Promise((r) => setTimeout(r, 200));
  return errors;
}

describe('the per-socket message rate', () => {
  it('does not bound a configured server: 400 frames at once are all taken', async () => {
    const relay = await startRelayServer({ tokens: { S0000001: 'server-token' } });
    open.push(relay);
    const errors = await flood(relay, 'address=srp:S0000001&token=server-token', 400);
    await waitFor(() => relay.stats.received === 400, 20_000, 'all 400 received');
    expect(errors).toEqual([]);
  });

  it('bounds every socket in the open demo mode: beyond the burst of 200, frames are refused RATE_LIMITED', async () => {
    const relay = await startRelayServer();
    open.push(relay);
    const errors = await flood(relay, 'address=srp:S0000001', 400);
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors)).toEqual(new Set(['RATE_LIMITED']));
    expect(relay.stats.received).toBeLessThan(400);
  });
});
