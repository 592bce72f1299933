/** Helpers shared by the relay router's socket-free tests. */
import { RelayRefusal } from '../../src/node/relay/relay-refusal.js';
import { parseRelayAddress, type RelayAddress } from '../../src/transport/relay-protocol.js';

/** The relay address of server `id` (`srp:<id>`). */
export function srp(id: string): RelayAddress {
  return parseRelayAddress(`srp:${id}`)!;
}

/** The RelayRefusal that `fn` throws; fails the test when it throws nothing or something else. */
export function refusal(fn: () => unknown): RelayRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof RelayRefusal) return err;
    throw err;
  }
  throw new Error('expected a RelayRefusal');
}
