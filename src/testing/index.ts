/**
 * `enterprise-activation/testing`: a handset and a BES simulator on a virtual clock, for the tests
 * of device emulators and of activation flows.
 *
 * - {@link activate}: the common case in one line; {@link createActivationPair} for a pair to
 *   drive step by step (its clock, its server's administrator API, several activations).
 * - {@link PRESETS}: named scenarios (password expired, locked out, Triple DES only, server silent,
 *   lossy link, restart mid-activation, ...), each with the outcome it leads to.
 * - {@link activationMatchers}: `toActivate`, `toFailWith`, `toShowStatuses`, `toHaveSynced`,
 *   `toUseTransportKey`. Register them with one import: `enterprise-activation/testing/vitest` or
 *   `enterprise-activation/testing/jest`.
 * - Transcripts (docs/transcripts.md): record, replay, compare and show an activation's frames.
 *
 * Runs anywhere the library runs (no Node API, no test runner imported). docs/testing-toolkit.md
 * has the guide.
 *
 * @packageDocumentation
 */
export {
  ActivationPair,
  DEFAULT_TEST_DEVICE,
  DEFAULT_TEST_USER,
  WRONG_TEST_PASSWORD,
  activate,
  createActivationPair,
  type ActivateOptions,
  type ActivationPairOptions,
  type LinkFaults,
} from './activation-pair.js';
export { describeRun, type ActivationRun, type SeenFrame } from './activation-run.js';
export { PRESETS, PRESET_NAMES, type PresetDescription, type PresetName } from './presets.js';
export { VIRTUAL_CLOCK_START, VirtualClock } from './virtual-clock.js';
export { activationMatchers, type ActivationMatchers, type ExpectedStatus, type MatcherContext, type MatcherResult } from './matchers.js';

// The toolkit hands out the Handset and the BesSimulator themselves (`pair.handset`,
// `pair.server`), whose types reach most of the root entry and of `/simulator`: both are exported
// here too, whole (the same objects, from the same chunks), so that a test file imports from one
// place and every type the toolkit's declarations name has a name a user can write. Re-exporting
// types alone does not work: the declaration bundle turns a type-only export of a class or a
// constant into a value export, which would promise values this entry did not have.
export * from './transcript.js';
export * from '../index.js';
export * from '../simulator/index.js';
