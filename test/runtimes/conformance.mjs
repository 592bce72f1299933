/**
 * The conformance activation every runtime of the matrix runs (test/runtimes/runtimes.test.ts):
 * plain JavaScript, no runtime API, imports by package name only, so Node, Bun, Deno and a
 * browser bundle run the very same code against the consumer install of the packed tarball.
 *
 * 1. A handset activates against the BesSimulator over the in-memory transport: statuses, key
 *    algorithm, policy and service books as the README shows them.
 * 2. A wrong password fails with the root entry's ActivationError('WRONG_PASSWORD').
 * 3. CPace reproduces the published CPACE-X25519-SHA512 vector of draft-irtf-cfrg-cpace (Ya and
 *    ISK_IR from the vector's scalar); the test writes `globalThis.CPACE_VECTOR` from
 *    test/vectors/cpace-testvectors.json before this module runs.
 */
import { Handset, createMemoryTransportPair, isActivationError } from 'enterprise-activation';
import { BesSimulator } from 'enterprise-activation/simulator';
import { cpaceDeriveIsk, cpaceStart, x25519Suite } from 'enterprise-activation/crypto';

const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const bytesToHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function runtimeName() {
  if (typeof globalThis.Bun !== 'undefined') return `bun ${globalThis.Bun.version}`;
  if (typeof globalThis.Deno !== 'undefined') return `deno ${globalThis.Deno.version.deno}`;
  if (typeof globalThis.process !== 'undefined' && globalThis.process.versions?.node) return `node ${globalThis.process.versions.node}`;
  return globalThis.navigator?.userAgent ?? 'unknown';
}

async function activate(password) {
  const server = new BesSimulator();
  server.addUser({ email: 'alice@example.com', displayName: 'Alice', activationPassword: 'bb8800pw' });
  const [handsetSide, serverSide] = createMemoryTransportPair();
  server.attach(serverSide);
  const handset = new Handset({
    config: { pin: '2100000A', routing: { relay: 'relay.example', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } },
    transport: handsetSide,
  });
  const statuses = [];
  handset.on('status', (s) => statuses.push(s.text));
  try {
    const result = await handset.activate({ email: 'alice@example.com', password });
    return { statuses, keyAlgorithm: result.keyAlgorithm };
  } catch (err) {
    return { statuses, error: { code: err?.code, isActivationError: isActivationError(err) } };
  } finally {
    await handset.close();
  }
}

function cpaceVector(t) {
  if (!t) return 'no vector given';
  const sid = hexToBytes(t.sid);
  const fixed = (bytes) => (n) => {
    if (n !== bytes.length) throw new Error(`asked for ${n} random bytes`);
    return bytes.slice();
  };
  const a = cpaceStart(x25519Suite, { prs: hexToBytes(t.PRS), ci: hexToBytes(t.CI), sid }, fixed(hexToBytes(t.ya)));
  const Ya = hexToBytes(t.Ya);
  const Yb = hexToBytes(t.Yb);
  const isk = cpaceDeriveIsk(x25519Suite, {
    sid,
    scalar: hexToBytes(t.ya),
    peerShare: Yb,
    Ya,
    ADa: hexToBytes(t.ADa),
    Yb,
    ADb: hexToBytes(t.ADb),
  });
  return {
    Ya: bytesToHex(a.share) === t.Ya.toLowerCase(),
    ISK_IR: bytesToHex(isk) === t.ISK_IR.toLowerCase(),
  };
}

/** Runs the three checks; resolves to a JSON-able report. */
export async function conformance() {
  const ok = await activate('bb8800pw');
  const wrong = await activate('wrong-password');
  return {
    runtime: runtimeName(),
    activation: {
      keyAlgorithm: ok.keyAlgorithm,
      first: ok.statuses[0],
      enabled: ok.statuses.includes('Your email address "alice@example.com" is now enabled'),
      last: ok.statuses.at(-1),
      error: ok.error,
    },
    wrongPassword: wrong.error,
    cpaceVector: cpaceVector(globalThis.CPACE_VECTOR),
  };
}
