/**
 * Seven handsets against one simulator, each left at another server phase with a frame of its
 * own in flight to the server: what test/simulator/fixtures/make-server-snapshot-v1.ts wrote into
 * a simulator snapshot, and what test/simulator/snapshot-layout.test.ts continues after restoring
 * it. A handset is stepped directly (handsetStep), the simulator through `receive()`.
 */
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { type HandsetConfig, resolveHandsetConfig } from '../../src/handset/config.js';
import type { HandsetInput } from '../../src/handset/io.js';
import { type HandsetEnv, handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { initialHandsetState } from '../../src/handset/state.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import type { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { decodeFrame, type MessageType } from '../../src/wire/frame.js';
import { allAlgorithms } from '../support/providers.js';

export const T0 = Date.UTC(2024, 0, 1);
export const PASSWORD = 'Layout-v1-pw';
export const STORAGE_KEY = seededRandom('layout-v1 storage key')(32);

/** The server phase each device is left in, and its account. */
export const DEVICES = [
  { phase: 'awaiting-confirm', email: 'confirm@example.com', pin: '2100C001' },
  { phase: 'awaiting-key-verified', email: 'verify@example.com', pin: '2100C002' },
  { phase: 'awaiting-policy-ack', email: 'policy@example.com', pin: '2100C003' },
  { phase: 'awaiting-books-ack', email: 'books@example.com', pin: '2100C004' },
  { phase: 'syncing', email: 'syncing@example.com', pin: '2100C005' },
  { phase: 'complete', email: 'complete@example.com', pin: '2100C006' },
  { phase: 'failed', email: 'failed@example.com', pin: '2100C007' },
] as const;

/** The server issues AES-256 only; the device left `failed` offers Triple DES only (UNSUPPORTED at the confirmation). */
export const SERVER_CIPHERS = ['AES-256-CBC'] as const;

export function handsetConfig(pin: string, failing: boolean): HandsetConfig {
  return {
    pin,
    routing: { relay: 'relay.blackberry.test', uid: `uid-${pin}` },
    device: { model: '8800', os: '4.5.0.110' },
    ciphers: failing ? ['TDES-EDE2-CBC'] : ['AES-256-CBC'],
    databases: ['tasks'],
    maxPageRecords: 2,
  };
}

/** One handset and what is in flight to and from it. */
export class Device {
  state: HandsetState;
  readonly env: HandsetEnv;
  readonly toServer: Uint8Array[] = [];
  readonly toHandset: Uint8Array[] = [];
  readonly local: HandsetInput[] = [];
  readonly sentTypes: MessageType[] = [];
  private readonly enforcer = new InMemoryPolicyEnforcer();

  constructor(
    state: HandsetState | HandsetConfig,
    seed: string,
    private readonly clock: { now: number },
  ) {
    this.state = 'phase' in state ? state : initialHandsetState(resolveHandsetConfig(state, allAlgorithms));
    this.env = { provider: allAlgorithms, random: seededRandom(seed) };
  }

  feed(input: HandsetInput): void {
    const result = handsetStep(this.state, input, this.env);
    this.state = result.state;
    for (const out of result.outputs) {
      if (out.type === 'send') {
        this.toServer.push(out.bytes);
        this.sentTypes.push(decodeFrame(out.bytes).type);
      }
      if (out.type === 'apply-policy')
        this.local.push({ type: 'policy-applied', ack: applyPolicy(this.enforcer, out.policy), now: this.clock.now });
    }
  }

  /**
   * Delivers local inputs, then frames to the handset, then frames to the server, one at a time,
   * until nothing is left or `stop` says so (asked before each delivery to the server).
   */
  run(sim: BesSimulator, stop: () => boolean = () => false): void {
    for (let i = 0; i < 1000; i++) {
      const local = this.local.shift();
      if (local) {
        this.feed(local);
        continue;
      }
      const reply = this.toHandset.shift();
      if (reply) {
        this.feed({ type: 'frame', bytes: reply, now: this.clock.now });
        continue;
      }
      if (stop()) return;
      const request = this.toServer.shift();
      if (!request) return;
      this.toHandset.push(...sim.receive(request));
    }
    throw new Error('the exchange did not settle');
  }
}
