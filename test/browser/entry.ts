/**
 * Runs in the browser (bundled by test/browser/browser.test.ts): a full activation against the
 * simulator, through the public entry points only. The page reads the outcome from `window`.
 */
import { Handset, createMemoryTransportPair, isActivationError } from '../../src/index.js';
import { BesSimulator } from '../../src/simulator/index.js';

declare global {
  interface Window {
    activation: Promise<{ statuses: string[]; keyAlgorithm?: string; error?: string; webCrypto: boolean }>;
  }
}

async function run(password: string) {
  const statuses: string[] = [];
  const server = new BesSimulator();
  server.addUser({ email: 'alice@example.com', displayName: 'Alice', activationPassword: 'bb8800pw' });
  const [handsetSide, serverSide] = createMemoryTransportPair();
  server.attach(serverSide);
  const handset = new Handset({
    config: { pin: '2100000A', routing: { relay: 'relay.test', uid: 'U1' }, device: { model: '9700', os: '6.0' } },
    transport: handsetSide,
  });
  handset.on('status', (s) => statuses.push(s.text));
  try {
    const result = await handset.activate({ email: 'alice@example.com', password });
    return { statuses, keyAlgorithm: result.keyAlgorithm, webCrypto: typeof crypto?.getRandomValues === 'function' };
  } catch (err) {
    return { statuses, error: isActivationError(err) ? err.code : String(err), webCrypto: true };
  } finally {
    await handset.close();
  }
}

window.activation = (async () => {
  const wrong = await run('wrong');
  const right = await run('bb8800pw');
  return { ...right, error: wrong.error };
})();
