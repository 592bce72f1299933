/**
 * The numeric options of `serve` and `fleet` (src/cli/command-line.ts): one parser each for whole
 * numbers and positive decimals, shared by both commands, so that `--port`, `--users`, `--devices`,
 * `--concurrency`, `--workers`, `--duration` and `--rate` accept and refuse the same spellings.
 */
import { describe, expect, it } from 'vitest';
import { isUsageError, positiveOption, wholeOption } from '../../src/cli/command-line.js';
import { ActivationError } from '../../src/errors/activation-error.js';

const USAGE = 'usage: test';

function refusal(fn: () => unknown): ActivationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ActivationError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('wholeOption', () => {
  it('accepts plain decimal digits within the range, and nothing given as undefined', () => {
    expect(wholeOption('0', 'port', 0, 65535, USAGE)).toBe(0);
    expect(wholeOption('65535', 'port', 0, 65535, USAGE)).toBe(65535);
    expect(wholeOption('007', 'workers', 0, 64, USAGE)).toBe(7);
    expect(wholeOption(undefined, 'port', 0, 65535, USAGE)).toBeUndefined();
  });

  it.each(['', '-1', '+1', ' 5', '5 ', '5.0', '1e3', '0x10', 'Infinity', 'NaN', '1_000', '1234567890', '65536'])(
    'refuses %j as a usage error that names the option and its range',
    (value) => {
      const err = refusal(() => wholeOption(value, 'port', 0, 65535, USAGE));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(isUsageError(err)).toBe(true);
      expect(err.message).toBe('--port must be a whole number from 0 to 65535');
      expect(err.cause).toMatchObject({ usage: USAGE });
    },
  );

  it('holds the lower bound', () => {
    expect(refusal(() => wholeOption('0', 'devices', 1, 10, USAGE)).message).toBe('--devices must be a whole number from 1 to 10');
  });
});

describe('positiveOption', () => {
  it('accepts a number above 0 up to the maximum, with or without a fraction', () => {
    expect(positiveOption('0.5', 'rate', 100, USAGE)).toBe(0.5);
    expect(positiveOption('100', 'rate', 100, USAGE)).toBe(100);
    expect(positiveOption('12.25', 'duration', 100, USAGE)).toBe(12.25);
    expect(positiveOption(undefined, 'rate', 100, USAGE)).toBeUndefined();
  });

  it.each(['0', '0.0', '-1', '.5', '5.', '1e2', '100.01', 'Infinity', ' 1'])('refuses %j', (value) => {
    const err = refusal(() => positiveOption(value, 'rate', 100, USAGE));
    expect(isUsageError(err)).toBe(true);
    expect(err.message).toBe('--rate must be a number above 0, at most 100');
  });
});
