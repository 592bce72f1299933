/**
 * CPace (draft-irtf-cfrg-cpace-21): the two supported cipher suites and the protocol functions.
 */
import type { CPaceSuite, CPaceSuiteId } from '../provider.js';
import { p521Suite } from './p521-suite.js';
import { x25519Suite } from './x25519-suite.js';

export { generatorString, lexicographicallyLarger, lvCat, oCat, prependLen, transcriptIr, transcriptOc } from './encoding.js';
export { x25519Suite } from './x25519-suite.js';
export { p521Suite } from './p521-suite.js';
export {
  confirmationKey,
  confirmationTag,
  cpaceDeriveIsk,
  cpaceIskSymmetric,
  cpaceSidOutput,
  cpaceStart,
  verifyConfirmationTag,
} from './cpace.js';
export type { CPaceIskInputs, CPaceSessionInputs, CPaceStartResult } from './cpace.js';

/** Every supported suite, by its draft name (section "CPace cipher suites"). */
export const CPACE_SUITES: Readonly<Record<CPaceSuiteId, CPaceSuite>> = /* @__PURE__ */ Object.freeze({
  'CPACE-X25519-SHA512': x25519Suite,
  'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512': p521Suite,
});

/** The suite used unless both sides agree on another: the draft's first recommendation. */
export const DEFAULT_CPACE_SUITE: CPaceSuiteId = 'CPACE-X25519-SHA512';
