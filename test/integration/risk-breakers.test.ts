import { describe, expect, it } from 'vitest';
import { VenueError } from '../../src/domain/errors.ts';
import {
  flakyVenueHarness,
  HOUR,
  MINUTE,
  RISK_BASE,
  riskHarness,
  SECOND,
  T0,
} from '../support/risk-harness.ts';

/*
 * The engine-wide circuit breakers of DESIGN.md "Risk": venue API errors (> 5 in 5 min: pause
 * entries, auto-resume) and store errors (> 3 in 1 min: pause all trading, manual reset).
 */

const TWO_ACCOUNTS = `${RISK_BASE}
accounts: [{ id: a1, balance: 50000 }, { id: a2, balance: 50000 }]
`;

describe('venue error breaker', () => {
  it('trips on the 6th transient error within 5 minutes and closes on the next successful call', async () => {
    const h = flakyVenueHarness(TWO_ACCOUNTS);
    h.tick('ES', 5000, T0 + SECOND);
    // A resting order to cancel later: a venue call that can succeed while entries are paused.
    expect(await h.entry('a1', { type: 'limit', limitPrice: 4900, clientOrderId: 'rest-1' })).toBeDefined();
    h.venue.down = true;
    // Five failures at 0 … 4 min: 5 is not more than 5.
    for (let i = 0; i < 5; i++) {
      h.clock.advanceTo(T0 + 10 * SECOND + i * MINUTE);
      expect(await h.entry('a1')).toBeInstanceOf(VenueError);
    }
    expect(h.of('Risk.CircuitBreaker.Tripped.v1')).toHaveLength(0);
    // The sixth at 5 min 9 s: the window (9 s, 5 min 9 s] holds all six (the first was at 10 s).
    h.clock.advanceTo(T0 + 10 * SECOND + 4 * MINUTE + 59 * SECOND);
    expect(await h.entry('a2')).toBeInstanceOf(VenueError);
    const tripped = h.of('Risk.CircuitBreaker.Tripped.v1');
    expect(tripped.map((e) => e.data)).toEqual([
      { breaker: 'VENUE_ERRORS', manualReset: false, message: expect.stringContaining('6 venue API errors') },
    ]);
    expect(tripped[0]!.urgency).toBe('CRITICAL');
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      { accountId: 'a1', state: 'REDUCING', previousState: 'ACTIVE', reason: 'VENUE_ERRORS' },
      { accountId: 'a2', state: 'REDUCING', previousState: 'ACTIVE', reason: 'VENUE_ERRORS' },
    ]);
    // Entries are refused before they reach the venue.
    h.venue.down = false;
    expect(await h.entry('a2')).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => [e.data.accountId, e.data.reason])).toEqual([
      ['a2', 'CIRCUIT_OPEN'],
    ]);
    // A successful call (the cancel) closes the breaker for every account.
    await h.engine.cancelOrder('a1', 'rest-1');
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => e.data)).toEqual([
      { accountId: 'a1', state: 'ACTIVE', previousState: 'REDUCING', reason: 'VENUE_RECOVERED' },
      { accountId: 'a2', state: 'ACTIVE', previousState: 'REDUCING', reason: 'VENUE_RECOVERED' },
    ]);
    expect(await h.entry('a2')).toBeDefined();
  });

  it('does not trip on six errors spread over more than 5 minutes', async () => {
    const h = flakyVenueHarness(TWO_ACCOUNTS);
    h.tick('ES', 5000, T0 + SECOND);
    h.venue.down = true;
    // Errors at 0, 1, …, 5 min: at 5 min the window (0, 5 min] holds the last five.
    for (let i = 0; i <= 5; i++) {
      h.clock.advanceTo(T0 + 10 * SECOND + i * MINUTE);
      await h.entry('a1');
    }
    expect(h.of('Risk.CircuitBreaker.Tripped.v1')).toHaveLength(0);
    expect(h.risk.states.state('a1')).toBe('ACTIVE');
  });

  it('lets entries through on trial after a minute open, and a failed trial re-opens it', async () => {
    const h = flakyVenueHarness(TWO_ACCOUNTS);
    h.tick('ES', 5000, T0 + SECOND);
    h.venue.down = true;
    for (let i = 0; i < 6; i++) await h.entry('a1');
    const trippedAt = h.clock.now();
    expect(h.risk.breakers.venueState).toBe('OPEN');
    h.clock.advanceTo(trippedAt + MINUTE); // the default probe delay (venueProbeSeconds 60)
    expect(h.risk.breakers.venueState).toBe('HALF_OPEN');
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => [e.data.accountId, e.data.reason])).toEqual([
      ['a1', 'VENUE_TRIAL'],
      ['a2', 'VENUE_TRIAL'],
    ]);
    expect(await h.entry('a1')).toBeInstanceOf(VenueError); // the trial fails
    expect(h.of('Risk.CircuitBreaker.Tripped.v1')).toHaveLength(2);
    expect(h.risk.states.state('a2')).toBe('REDUCING');
  });
});

describe('store error breaker', () => {
  it('halts every account on the 4th store error within a minute, until a person resets it', async () => {
    const h = riskHarness(TWO_ACCOUNTS);
    for (let i = 0; i < 3; i++) {
      h.clock.advanceTo(T0 + i * 10 * SECOND);
      h.c.risk.breakers.onStoreError('disk full');
    }
    expect(h.of('Risk.CircuitBreaker.Tripped.v1')).toHaveLength(0);
    h.clock.advanceTo(T0 + 59 * SECOND); // 4 errors in (−1 s, 59 s]
    h.c.risk.breakers.onStoreError('disk full');
    expect(h.of('Risk.CircuitBreaker.Tripped.v1').map((e) => e.data)).toEqual([
      { breaker: 'STORE_ERRORS', manualReset: true, message: expect.stringContaining('4 store errors') },
    ]);
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'a1',
        state: 'HALTED',
        previousState: 'ACTIVE',
        reason: 'STORE_ERRORS',
        manualReset: true,
      },
      {
        accountId: 'a2',
        state: 'HALTED',
        previousState: 'ACTIVE',
        reason: 'STORE_ERRORS',
        manualReset: true,
      },
    ]);
    await h.tick('ES', 5000, T0 + MINUTE);
    expect(await h.order({ account: 'a1', symbol: 'ES', side: 'buy', quantity: 1 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data.reason)).toEqual(['CIRCUIT_OPEN']);
    // Time alone does not lift it.
    await h.runTo(T0 + 48 * HOUR);
    expect(h.of('Risk.Trading.Resumed.v1')).toHaveLength(0);

    h.c.risk.setState('a1', 'ACTIVE', 'disk replaced');
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => e.data)).toEqual([
      { accountId: 'a1', state: 'ACTIVE', previousState: 'HALTED', reason: 'MANUAL: disk replaced' },
    ]);
    expect(h.c.risk.states.state('a2')).toBe('HALTED');
    // Reset, the breaker counts afresh and trips again on 4 new errors.
    const t = T0 + 48 * HOUR;
    for (let i = 0; i < 4; i++) {
      h.clock.advanceTo(t + i * SECOND);
      h.c.risk.breakers.onStoreError('disk full again');
    }
    expect(h.of('Risk.CircuitBreaker.Tripped.v1')).toHaveLength(2);
    expect(h.c.risk.states.state('a1')).toBe('HALTED');
  });

  it('does not trip on four errors spread over more than a minute', () => {
    const h = riskHarness(TWO_ACCOUNTS);
    // Errors at 0, 20, 40, 60 s: at 60 s the window (0, 60 s] holds three.
    for (let i = 0; i < 4; i++) {
      h.clock.advanceTo(T0 + i * 20 * SECOND);
      h.c.risk.breakers.onStoreError('slow disk');
    }
    expect(h.of('Risk.CircuitBreaker.Tripped.v1')).toHaveLength(0);
  });
});
