/** The small byte helpers that the sealed-message format and the relay vouch are built from. */
import { describe, expect, it } from 'vitest';
import { u32be } from '../../src/util/bytes.js';

describe('u32be', () => {
  it('writes a 32-bit unsigned number big-endian, most significant byte first', () => {
    expect([...u32be(0)]).toEqual([0, 0, 0, 0]);
    expect([...u32be(1)]).toEqual([0, 0, 0, 1]);
    expect([...u32be(0x01020304)]).toEqual([1, 2, 3, 4]);
    expect([...u32be(0xfedcba98)]).toEqual([0xfe, 0xdc, 0xba, 0x98]);
  });

  it('takes the number modulo 2^32, as a 32-bit unsigned write does', () => {
    expect([...u32be(0xffffffff)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect([...u32be(-1)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect([...u32be(2 ** 32 + 5)]).toEqual([0, 0, 0, 5]);
  });

  it('gives a fresh plain Uint8Array of 4 bytes each time', () => {
    const a = u32be(7);
    const b = u32be(7);
    expect(a).not.toBe(b);
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype);
    expect(a.length).toBe(4);
  });
});
