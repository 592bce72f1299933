/**
 * A simulator whose clock reads near the epoch (a test's virtual clock started at 0) still
 * activates a handset: its generated user data once reached weeks before `now`, so records before
 * 1970 made `receive` throw INVALID_ARGUMENT ("record 0: invalid field start"), breaking the
 * promise that the simulator answers any input without throwing.
 */
import { describe, expect, it } from 'vitest';
import { activatePair } from '../support/pair.js';
import { DEFAULT_DATA_COUNTS, generateUserData } from '../../src/simulator/user-data/generate-user-data.js';

describe('a clock near the epoch', () => {
  it.each([0, 12_345, 86_400_000])('an activation with the clock at %d ms completes', (now) => {
    const pair = activatePair({ now });
    expect(pair.error).toBeUndefined();
    expect(pair.handset.phase).toBe('complete');
  });

  it('generated data at now = 0 has no time before the epoch, and falls around 1971-01-01', () => {
    const data = generateUserData({ seed: 's', counts: DEFAULT_DATA_COUNTS, owner: { email: 'a@example.com', displayName: 'A' }, now: 0 });
    const times: number[] = [];
    JSON.stringify(data, (key, value: unknown) => {
      if (typeof value === 'number' && /^(start|end|due|reminder|received|sent|until|startTime)$/i.test(key)) times.push(value);
      return value;
    });
    expect(times.length).toBeGreaterThan(10);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(0);
    const event = data.calendar[0];
    expect(event).toBeDefined();
    expect(Math.abs((event?.start ?? 0) - Date.UTC(1971, 0, 1))).toBeLessThan(60 * 86_400_000);
  });

  it('data for a later clock is placed around that clock, as before', () => {
    const now = Date.UTC(2024, 0, 1);
    const data = generateUserData({ seed: 's', counts: { calendar: 5 }, owner: { email: 'a@example.com', displayName: 'A' }, now });
    for (const event of data.calendar) expect(Math.abs(event.start - now)).toBeLessThan(60 * 86_400_000);
  });
});
