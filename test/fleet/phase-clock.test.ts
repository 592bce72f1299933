/** The handset's phases from its statuses (src/fleet/phase-clock.ts), as a fleet times them. */
import { describe, expect, it } from 'vitest';
import { PhaseClock } from '../../src/fleet/phase-clock.js';

describe('PhaseClock', () => {
  it('times each phase between the statuses that end them, and the total', () => {
    const c = new PhaseClock(100);
    c.status('activating', 101);
    c.status('verifying-encryption', 150);
    c.status('encryption-verified', 170);
    c.status('services-received', 260);
    c.status('email-enabled', 261);
    c.status('synchronizing', 300);
    c.status('activation-complete', 500);
    expect(c.phases).toEqual({ activation: 50, 'encryption-verification': 20, services: 90, synchronization: 240, total: 400 });
  });

  it('takes the first status of a phase only, and ends services without a [CMIME] book too', () => {
    const c = new PhaseClock(0);
    c.status('verifying-encryption', 10);
    c.status('verifying-encryption', 99); // a status shown again (a retransmission) does not move the clock
    c.status('encryption-verified', 20);
    c.status('email-not-enabled', 45);
    expect(c.phases).toEqual({ activation: 10, 'encryption-verification': 10, services: 25 });
  });
});
