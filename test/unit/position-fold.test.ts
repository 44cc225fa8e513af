import { describe, expect, it } from 'vitest';
import { type EventOf, type PayloadOfType, PositionModifiedV1 } from '../../src/domain/events/catalog.ts';
import { applyLevelChange, levelChangeOf } from '../../src/domain/position-fold.ts';

/*
 * The one reading of `Trading.Position.Modified.v1` (domain/position-fold.ts) that projections,
 * recovery, the monitor and the risk engine share: a trailing stop's move leaves the hard levels,
 * a level given as null is removed, a level absent is left, a level given as a number is set.
 */

type Modified = PayloadOfType<'Trading.Position.Modified.v1'>;

const ref = { positionId: 'P1', accountId: 'TS1', symbol: 'ES', side: 'long' as const };

function modified(data: Omit<Modified, keyof typeof ref>): EventOf<'Trading.Position.Modified.v1'> {
  const payload = { ...ref, ...data };
  // Every sample is a payload the catalog accepts, so the fold is tested on what the log can hold.
  expect(PositionModifiedV1.schema.safeParse(payload).success).toBe(true);
  return {
    id: '01KJQM96VR5HHJTJK7D96N28H0',
    type: 'Trading.Position.Modified.v1',
    key: 'TS1',
    ts: '2026-03-02T15:57:15.000Z',
    data: payload,
  };
}

/** Levels with a field the fold does not know, which must come through untouched. */
const levels = { stopPrice: 4990, targetPrice: 5030, profile: 'scalp' };

describe('levelChangeOf and applyLevelChange', () => {
  it('a trailing stop moving leaves both levels and reports the trailing stop and its peak', () => {
    const change = levelChangeOf(
      modified({ source: 'TRAILING_STOP', trailingStopPrice: 5010, peakPrice: 5020, stopPrice: 5010 }),
    );
    expect(change).toEqual({ trailing: { peak: 5020, stop: 5010 } });
    expect(applyLevelChange(levels, change)).toBe(levels);
  });

  it('a trailing stop event without its peak changes nothing', () => {
    const change = levelChangeOf(modified({ source: 'TRAILING_STOP', trailingStopPrice: 5010 }));
    expect(change).toEqual({});
    expect(applyLevelChange(levels, change)).toBe(levels);
  });

  it('a level given as null is removed, the other kept', () => {
    const stopRemoved = levelChangeOf(
      modified({ source: 'AGENT', stopPrice: null, previousStopPrice: 4990 }),
    );
    expect(stopRemoved).toEqual({ stop: { to: undefined } });
    const after = applyLevelChange(levels, stopRemoved);
    expect(after).toEqual({ targetPrice: 5030, profile: 'scalp' });
    expect('stopPrice' in after).toBe(false);

    const targetRemoved = applyLevelChange(
      levels,
      levelChangeOf(modified({ source: 'USER', targetPrice: null })),
    );
    expect(targetRemoved).toEqual({ stopPrice: 4990, profile: 'scalp' });
    expect('targetPrice' in targetRemoved).toBe(false);
  });

  it('a level absent from the event is left as it was', () => {
    const change = levelChangeOf(modified({ source: 'RULE', targetPrice: 5050, reasoning: 'widened' }));
    expect(change).toEqual({ target: { to: 5050 } });
    expect(applyLevelChange(levels, change)).toEqual({
      stopPrice: 4990,
      targetPrice: 5050,
      profile: 'scalp',
    });

    const neither = levelChangeOf(modified({ source: 'VENUE' }));
    expect(neither).toEqual({});
    expect(applyLevelChange(levels, neither)).toBe(levels);
  });

  it('a level given as a number is set, on levels that had none as on levels that had one', () => {
    const change = levelChangeOf(modified({ source: 'AGENT', stopPrice: 5000, targetPrice: 5040 }));
    expect(change).toEqual({ stop: { to: 5000 }, target: { to: 5040 } });
    expect(applyLevelChange(levels, change)).toEqual({
      stopPrice: 5000,
      targetPrice: 5040,
      profile: 'scalp',
    });
    expect(applyLevelChange({}, change)).toEqual({ stopPrice: 5000, targetPrice: 5040 });
  });

  it('never changes the levels it is given', () => {
    const before = { ...levels };
    applyLevelChange(levels, levelChangeOf(modified({ source: 'USER', stopPrice: null, targetPrice: 5100 })));
    expect(levels).toEqual(before);
  });
});
