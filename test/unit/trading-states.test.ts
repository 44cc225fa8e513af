import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import type { TradingState } from '../../src/domain/account.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { EventFactory } from '../../src/engine/event-factory.ts';
import { type Hold, TradingStates } from '../../src/engine/risk/trading-states.ts';
import { FakeIds } from '../support/venue-fakes.ts';

const T0 = Date.parse('2026-01-05T14:00:00.000Z');
const MINUTE = 60_000;

function setup() {
  const clock = new SimulatedClock(T0);
  const events: Envelope[] = [];
  const changes: [string, TradingState][] = [];
  const states = new TradingStates({
    clock,
    events: new EventFactory(clock, new FakeIds()),
    emit: (e) => events.push(e),
    onState: (accountId, state) => changes.push([accountId, state]),
  });
  const hold = (reason: string, state: Hold['state'], extra: Partial<Hold> = {}): Hold => ({
    reason,
    state,
    since: clock.now(),
    manualReset: false,
    flatten: false,
    ...extra,
  });
  const log = () => events.map((e) => [e.type.replace('Risk.Trading.', ''), e.data]);
  return { clock, states, events, changes, hold, log };
}

describe('TradingStates', () => {
  it('takes the most restrictive hold, with one event per change of state', () => {
    const { states, hold, log, changes } = setup();
    states.add('acc', hold('COOLDOWN_AFTER_LOSS', 'REDUCING'));
    states.add('acc', hold('TRADE_FREQUENCY', 'REDUCING')); // still REDUCING: no event
    states.add('acc', hold('DAILY_LOSS', 'HALTED'));
    states.add('acc', hold('VENUE_ERRORS', 'REDUCING')); // still HALTED: no event
    expect(states.state('acc')).toBe('HALTED');
    expect(states.deciding('acc')?.reason).toBe('DAILY_LOSS');
    states.lift('acc', 'DAILY_LOSS', 'DAILY_RESET'); // HALTED → REDUCING
    states.lift('acc', 'TRADE_FREQUENCY', 'X'); // still REDUCING: no event
    states.liftWhere('acc', () => true, 'MANUAL: all clear'); // two holds, one event
    expect(log()).toEqual([
      [
        'Halted.v1',
        { accountId: 'acc', state: 'REDUCING', previousState: 'ACTIVE', reason: 'COOLDOWN_AFTER_LOSS' },
      ],
      ['Halted.v1', { accountId: 'acc', state: 'HALTED', previousState: 'REDUCING', reason: 'DAILY_LOSS' }],
      ['Resumed.v1', { accountId: 'acc', state: 'REDUCING', previousState: 'HALTED', reason: 'DAILY_RESET' }],
      [
        'Resumed.v1',
        { accountId: 'acc', state: 'ACTIVE', previousState: 'REDUCING', reason: 'MANUAL: all clear' },
      ],
    ]);
    expect(changes).toEqual([
      ['acc', 'REDUCING'],
      ['acc', 'HALTED'],
      ['acc', 'REDUCING'],
      ['acc', 'ACTIVE'],
    ]);
    expect(states.state('acc')).toBe('ACTIVE');
    expect(states.holds('acc')).toEqual([]);
  });

  it('keeps accounts apart and answers ACTIVE for an account it never saw', () => {
    const { states, hold } = setup();
    states.add('a1', hold('MANUAL', 'HALTED'));
    expect(states.state('a1')).toBe('HALTED');
    expect(states.state('a2')).toBe('ACTIVE');
    expect(states.lift('a2', 'MANUAL', 'x')).toBe(false);
    expect(states.lift('a1', 'NOT_THERE', 'x')).toBe(false);
  });

  it('lifts a hold at its until time, on the clock, and says so in the events', () => {
    const { clock, states, hold, log } = setup();
    const until = T0 + 15 * MINUTE;
    states.add('acc', hold('COOLDOWN_AFTER_LOSS', 'REDUCING', { until }));
    expect(log()[0]).toEqual([
      'Halted.v1',
      {
        accountId: 'acc',
        state: 'REDUCING',
        previousState: 'ACTIVE',
        reason: 'COOLDOWN_AFTER_LOSS',
        until: '2026-01-05T14:15:00.000Z',
      },
    ]);
    clock.advanceTo(until - 1);
    expect(states.state('acc')).toBe('REDUCING');
    clock.advanceTo(until);
    expect(states.state('acc')).toBe('ACTIVE');
    expect(log()[1]).toEqual([
      'Resumed.v1',
      { accountId: 'acc', state: 'ACTIVE', previousState: 'REDUCING', reason: 'COOLDOWN_AFTER_LOSS_ENDED' },
    ]);
    expect(log()).toHaveLength(2);
  });

  it('replacing a hold replaces its timer; lifting it cancels the timer', () => {
    const { clock, states, hold, log } = setup();
    states.add('acc', hold('TRADE_FREQUENCY', 'REDUCING', { until: T0 + 5 * MINUTE }));
    states.add('acc', hold('TRADE_FREQUENCY', 'REDUCING', { until: T0 + 10 * MINUTE }));
    clock.advanceTo(T0 + 5 * MINUTE);
    expect(states.state('acc')).toBe('REDUCING'); // the first timer is gone
    clock.advanceTo(T0 + 10 * MINUTE);
    expect(states.state('acc')).toBe('ACTIVE');
    states.add('acc', hold('COOLDOWN_AFTER_LOSS', 'REDUCING', { until: T0 + 20 * MINUTE }));
    states.lift('acc', 'COOLDOWN_AFTER_LOSS', 'MANUAL');
    states.add('acc', hold('MANUAL', 'REDUCING'));
    clock.advanceTo(T0 + 30 * MINUTE); // the lifted hold's timer must not lift anything
    expect(states.state('acc')).toBe('REDUCING');
    expect(log().map(([type]) => type)).toEqual([
      'Halted.v1',
      'Resumed.v1',
      'Halted.v1',
      'Resumed.v1',
      'Halted.v1',
    ]);
  });

  it('replacing a hold with a less restrictive one is one Resumed event', () => {
    const { states, hold, log } = setup();
    states.add('acc', hold('MANUAL', 'HALTED', { manualReset: true, note: 'halt' }));
    states.add('acc', hold('MANUAL', 'REDUCING', { manualReset: true, note: 'ease' }));
    expect(states.state('acc')).toBe('REDUCING');
    expect(log()).toEqual([
      [
        'Halted.v1',
        {
          accountId: 'acc',
          state: 'HALTED',
          previousState: 'ACTIVE',
          reason: 'MANUAL: halt',
          manualReset: true,
        },
      ],
      [
        'Resumed.v1',
        { accountId: 'acc', state: 'REDUCING', previousState: 'HALTED', reason: 'MANUAL: ease' },
      ],
    ]);
  });

  it('reports the flattening holds and stops every timer on stop()', () => {
    const { clock, states, hold } = setup();
    states.add('acc', hold('COOLDOWN_AFTER_LOSS', 'REDUCING', { until: T0 + MINUTE }));
    expect(states.flattening('acc')).toBe(false);
    states.add('acc', hold('DAILY_LOSS', 'HALTED', { flatten: true }));
    expect(states.flattening('acc')).toBe(true);
    expect(states.has('acc', 'DAILY_LOSS')).toBe(true);
    states.stop();
    clock.advanceTo(T0 + 2 * MINUTE);
    expect(states.has('acc', 'COOLDOWN_AFTER_LOSS')).toBe(true);
  });

  it('a hold renewed in the same state keeps its since; one in another state starts anew', () => {
    const { clock, states, hold, events } = setup();
    states.add('acc', hold('COOLDOWN_AFTER_LOSS', 'REDUCING', { until: T0 + MINUTE }));
    clock.advanceTo(T0 + 30_000);
    // A second loss extends the cooldown: the account has been REDUCING since T0 all along.
    states.add('acc', hold('COOLDOWN_AFTER_LOSS', 'REDUCING', { until: T0 + 2 * MINUTE }));
    expect(states.holds('acc')).toEqual([
      hold('COOLDOWN_AFTER_LOSS', 'REDUCING', { since: T0, until: T0 + 2 * MINUTE }),
    ]);
    expect(events).toHaveLength(1);
    clock.advanceTo(T0 + 45_000);
    states.add('acc', hold('COOLDOWN_AFTER_LOSS', 'HALTED'));
    expect(states.holds('acc')[0]?.since).toBe(T0 + 45_000);
  });
});
