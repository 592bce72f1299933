/**
 * Your own transport in about twenty lines: frames over a BroadcastChannel (in a browser this
 * links two tabs; here, two ends in one process). Anything that moves bytes works the same way:
 * a socket, a serial port, an emulator's radio. See docs/transports.md.
 *
 *   npx tsx examples/custom-transport.ts
 */
import { ActivationError, Handset, type FrameHandler, type Transport } from '../src/index.js';
import { BesSimulator } from '../src/simulator/index.js';

class BroadcastChannelTransport implements Transport {
  private readonly channel: BroadcastChannel;
  private readonly handlers = new Set<FrameHandler>();
  private closed = false;
  constructor(name: string) {
    this.channel = new BroadcastChannel(name);
    // A channel never echoes a message to its sender, so each end hears only the other.
    this.channel.onmessage = (event: MessageEvent) => {
      if (event.data instanceof Uint8Array) for (const handler of [...this.handlers]) handler(event.data);
    };
  }
  async send(frame: Uint8Array): Promise<void> {
    if (this.closed) throw new ActivationError('TRANSPORT_ERROR', 'the channel is closed');
    this.channel.postMessage(frame);
  }
  onFrame(handler: FrameHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.channel.close(); // lets the process exit
  }
}

// The server listens on one end of the channel, the handset talks on the other.
const server = new BesSimulator({ srp: 'S0000001', relay: 'relay.test', name: 'BES01' });
server.addUser({ email: 'alice@example.com', displayName: 'Alice Example', activationPassword: 'bb8800pw' });
const serverEnd = new BroadcastChannelTransport('enterprise-activation');
server.attach(serverEnd);

const handsetEnd = new BroadcastChannelTransport('enterprise-activation');
const handset = new Handset({
  config: { pin: '2100000A', routing: { relay: 'relay.test', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } },
  transport: handsetEnd,
});
handset.on('status', (status) => {
  if (status.id !== 'synchronizing') console.log(status.text);
});

try {
  const result = await handset.activate({ email: 'alice@example.com', password: 'bb8800pw' });
  console.log(`Activated on ${result.server.name} with ${result.keyAlgorithm}`);
} finally {
  await handset.close();
  server.close();
  await handsetEnd.close();
  await serverEnd.close();
}
