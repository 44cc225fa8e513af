import { describe, expect, it } from 'vitest';
import { CANDLE_TYPE, CATALOG_TYPES, matchTypes, typeFilter } from '../../src/app/inspect/type-filter.ts';
import { isWardenError } from '../../src/domain/errors.ts';

/** The error `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('matchTypes', () => {
  it('matches a whole type, a type without its version, and ignores case', () => {
    for (const value of ['Trading.Position.Closed.v1', 'Trading.Position.Closed', 'trading.POSITION.closed'])
      expect([...matchTypes('--type', value)]).toEqual(['Trading.Position.Closed.v1']);
  });

  it('expands * to any characters, and takes comma-separated lists', () => {
    const trading = [...matchTypes('--type', 'Trading.*')];
    expect(trading).toEqual(CATALOG_TYPES.filter((t) => t.startsWith('Trading.')));
    expect(trading.length).toBeGreaterThan(5);
    expect([...matchTypes('--type', '*.Hit')].sort()).toEqual([
      'Position.StopLoss.Hit.v1',
      'Position.TakeProfit.Hit.v1',
      'Position.TrailingStop.Hit.v1',
    ]);
    expect([...matchTypes('--type', ' Risk.Trading.Halted , Risk.Trading.Resumed.v1,')]).toEqual([
      'Risk.Trading.Halted.v1',
      'Risk.Trading.Resumed.v1',
    ]);
    // A dot is a dot, not any character.
    expect(() => matchTypes('--type', 'Trading-Position-Closed')).toThrow();
    expect(matchTypes('--type', '*').size).toBe(CATALOG_TYPES.length);
  });

  it('refuses a pattern that matches no type, naming the flag and each such pattern, with the nearest types', () => {
    const error = thrown(() => matchTypes('--exclude-type', 'Trading.Postion.Closed,Risk.*,Nope.*'));
    expect(isWardenError(error, 'WARDEN_CONFIG_INVALID')).toBe(true);
    const e = error as { message: string; details: { problems: string[] } };
    expect(e.message).toMatch(/^--exclude-type "Trading\.Postion\.Closed,Risk\.\*,Nope\.\*": /);
    expect(e.message).toContain('"Trading.Postion.Closed", "Nope.*"');
    expect(e.details.problems).toEqual([
      expect.stringMatching(/^Trading\.Postion\.Closed: did you mean Trading\.Position\.Closed\.v1\b/),
      'Nope.*: no such event type',
    ]);
    expect(
      isWardenError(
        thrown(() => matchTypes('--type', ' , ')),
        'WARDEN_CONFIG_INVALID',
      ),
    ).toBe(true);
  });
});

describe('typeFilter', () => {
  it('hides candles from the readable listing only', () => {
    const readable = typeFilter({});
    expect(readable.hidesCandles).toBe(true);
    expect(readable.keeps?.(CANDLE_TYPE)).toBe(false);
    expect(readable.keeps?.('Trading.Position.Closed.v1')).toBe(true);
    expect(typeFilter({ candles: true })).toEqual({ hidesCandles: false });
    expect(typeFilter({ json: true })).toEqual({ hidesCandles: false });
  });

  it('shows candles when --type names them, and lets the store filter a single type', () => {
    expect(typeFilter({ type: 'Market.Candle.Closed' })).toEqual({
      storeType: CANDLE_TYPE,
      hidesCandles: false,
    });
    const market = typeFilter({ type: 'Market.*,Trading.Position.Closed' });
    expect(market.keeps?.(CANDLE_TYPE)).toBe(true);
    expect(market.keeps?.('Trading.Position.Opened.v1')).toBe(false);
  });

  it('takes away the excluded types', () => {
    const f = typeFilter({ type: 'Trading.Position.*', excludeType: 'Trading.Position.Modified' });
    expect(f.keeps?.('Trading.Position.Opened.v1')).toBe(true);
    expect(f.keeps?.('Trading.Position.Modified.v1')).toBe(false);
    const json = typeFilter({ json: true, excludeType: 'Market.Candle.Closed' });
    expect(json.hidesCandles).toBe(false);
    expect(json.keeps?.(CANDLE_TYPE)).toBe(false);
    expect(
      typeFilter({
        type: 'Trading.Position.*',
        excludeType:
          'Trading.Position.Opened,Trading.Position.Increased,Trading.Position.Modified,Trading.Position.Reduced',
      }),
    ).toEqual({
      storeType: 'Trading.Position.Closed.v1',
      hidesCandles: false,
    });
  });
});
