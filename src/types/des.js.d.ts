/**
 * Minimal ambient types for `des.js` 1.1.0 (CommonJS, pure JS, ships no types): only the parts
 * used by `src/crypto/transport-key/tdes-ede2-cbc.ts`. Checked against node_modules/des.js/lib:
 *
 * - `Cipher.update(data)` returns a plain `number[]` (an empty array for empty input); when
 *   decrypting it holds the last block back until `final()`.
 * - `final()` returns the remaining `number[]`; decrypting with a partial or missing last block
 *   throws (minimalistic-assert `Error`).
 * - `padding` defaults to true (PKCS#7); `padding: false` makes `final()` silently drop a partial
 *   block on encrypt, so callers that disable it must pass whole blocks.
 * - `EDE` takes a 24-byte key K1||K2||K3 and computes E_K3(D_K2(E_K1(x))); `CBC.instantiate(EDE)`
 *   wraps it in outer CBC with an 8-byte `iv`.
 */
declare module 'des.js' {
  namespace des {
    /** Anything indexable with `.length` and `.slice` (EDE slices the key): Uint8Array or number[]. */
    type Bytes = Uint8Array | number[];

    interface CipherOptions {
      type: 'encrypt' | 'decrypt';
      key: Bytes;
      /** Required by CBC mode: 8 bytes. */
      iv?: Bytes;
      /** PKCS#7 padding; default true. */
      padding?: boolean;
    }

    interface Cipher {
      update(data: Bytes): number[];
      final(data?: Bytes): number[];
    }

    interface CipherClass {
      create(options: CipherOptions): Cipher;
    }

    interface CBCMode {
      instantiate(base: CipherClass): CipherClass;
    }
  }

  const des: {
    readonly DES: des.CipherClass;
    readonly EDE: des.CipherClass;
    readonly CBC: des.CBCMode;
  };

  export = des;
}
