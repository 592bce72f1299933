/**
 * The names the protocol gives its algorithms: the lists, and the union types derived from them.
 * One list per kind, written once: the ETP.DAT header's schema, the handset's configuration and
 * snapshots, the simulator's defaults and the wire's sealed-message schema all check against
 * these, and the types `CPaceSuiteId` and `TransportKeyAlgorithm` cannot drift from them.
 *
 * Only names live here, no code: a module that needs to know which suites exist does not import
 * any suite (and a bundle carries P-521 or Triple DES only where their objects are imported).
 */

/**
 * The CPace suites this package implements (draft-irtf-cfrg-cpace-21, section "CPace cipher
 * suites"), in the handset's default order of preference (X25519 first).
 */
export const CPACE_SUITE_IDS = ['CPACE-X25519-SHA512', 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'] as const;
/** One of {@link CPACE_SUITE_IDS}: a CPace cipher suite by its draft name. */
export type CPaceSuiteId = (typeof CPACE_SUITE_IDS)[number];

/**
 * The device transport key algorithms this package implements, as RIM documented them
 * (../shared/reference/blackberry-activation-facts.md, "Cryptography"), strongest first: AES-256
 * and two-key Triple DES, both CBC.
 */
export const TRANSPORT_KEY_ALGORITHMS = ['AES-256-CBC', 'TDES-EDE2-CBC'] as const;
/** One of {@link TRANSPORT_KEY_ALGORITHMS}: a device transport key algorithm. */
export type TransportKeyAlgorithm = (typeof TRANSPORT_KEY_ALGORITHMS)[number];
