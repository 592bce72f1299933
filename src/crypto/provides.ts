/** Asking a provider what it has. */
import type { AnyCryptoProvider } from './async-provider.js';

/**
 * True when the provider's `cpaceSuite` or `transportCipher` finds `id` (both throw when they do
 * not). The provider is the registry of suites and ciphers: the handset's and the simulator's
 * defaults are what it has, and they refuse to offer or accept what it lacks.
 * @internal
 */
export function provides(provider: AnyCryptoProvider, kind: 'cpaceSuite' | 'transportCipher', id: string): boolean {
  try {
    provider[kind](id as never);
    return true;
  } catch {
    return false;
  }
}
