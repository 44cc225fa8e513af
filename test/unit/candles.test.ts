import { describe, expect, it } from 'vitest';
import {
  CANDLE_INTERVALS,
  CandleAggregator,
  candleClosedPayload,
  intervalMs,
} from '../../src/domain/candles.ts';
import { isWardenError } from '../../src/domain/errors.ts';
import { CandleClosedV1 } from '../../src/domain/events/catalog.ts';

// 2024-03-01T10:00:00.000Z, written out so the test does not lean on the code's own date math.
const DAY = 86_400_000;
const MIDNIGHT = 19783 * DAY; // 2024-03-01T00:00:00Z
const T10 = MIDNIGHT + 10 * 3_600_000;
const at = (min: number, sec = 0, ms = 0) => T10 + min * 60_000 + sec * 1000 + ms;

describe('intervals', () => {
  it('lists the intervals with their lengths', () => {
    expect(CANDLE_INTERVALS).toEqual(['1m', '5m', '15m', '1h', '4h', '1d']);
    expect(CANDLE_INTERVALS.map(intervalMs)).toEqual([
      60_000, 300_000, 900_000, 3_600_000, 14_400_000, 86_400_000,
    ]);
  });

  it('refuses an unknown interval', () => {
    expect(() => new CandleAggregator(['2m' as never])).toThrow();
    try {
      new CandleAggregator(['2m' as never]);
    } catch (e) {
      expect(isWardenError(e, 'WARDEN_CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('CandleAggregator.onTick', () => {
  it('computes OHLCV and closes the candle on the first tick of the next bucket', () => {
    const agg = new CandleAggregator(['1m']);
    expect(agg.onTick({ ts: at(0, 10), symbol: 'BTC', price: 100, volume: 1 })).toEqual([]);
    expect(agg.onTick({ ts: at(0, 30), symbol: 'BTC', price: 105, volume: 2 })).toEqual([]);
    expect(agg.onTick({ ts: at(0, 50), symbol: 'BTC', price: 98 })).toEqual([]);
    expect(agg.onTick({ ts: at(0, 59, 999), symbol: 'BTC', price: 101, volume: 0.5 })).toEqual([]);
    // Exactly 10:01:00.000 belongs to the next candle and closes [10:00, 10:01).
    expect(agg.onTick({ ts: at(1), symbol: 'BTC', price: 102, volume: 4 })).toEqual([
      {
        symbol: 'BTC',
        interval: '1m',
        openTime: T10,
        closeTime: T10 + 60_000,
        open: 100,
        high: 105,
        low: 98,
        close: 101,
        volume: 3.5,
        ticks: 4,
      },
    ]);
    expect(agg.current('BTC', '1m')).toMatchObject({
      openTime: at(1),
      open: 102,
      high: 102,
      low: 102,
      volume: 4,
    });
  });

  it('keeps symbols apart', () => {
    const agg = new CandleAggregator(['1m']);
    agg.onTick({ ts: at(0, 5), symbol: 'BTC', price: 100 });
    // ETH moving on to 10:01 does not close BTC's candle.
    expect(agg.onTick({ ts: at(0, 6), symbol: 'ETH', price: 10 })).toEqual([]);
    expect(agg.onTick({ ts: at(1, 1), symbol: 'ETH', price: 11 })).toMatchObject([
      { symbol: 'ETH', close: 10 },
    ]);
    expect(agg.current('BTC', '1m')).toMatchObject({ openTime: T10, close: 100 });
  });

  it('closes several intervals at a shared boundary, shortest first, whatever order they were given in', () => {
    const agg = new CandleAggregator(['1h', '5m', '1m']);
    expect(agg.intervals).toEqual(['1m', '5m', '1h']);
    agg.onTick({ ts: at(0), symbol: 'BTC', price: 50 });
    // 10:04:30 closes only the 1m candle [10:00, 10:01).
    expect(agg.onTick({ ts: at(4, 30), symbol: 'BTC', price: 52 })).toMatchObject([
      { interval: '1m', openTime: T10, close: 50 },
    ]);
    const closed = agg.onTick({ ts: at(5), symbol: 'BTC', price: 51 });
    expect(closed).toEqual([
      {
        symbol: 'BTC',
        interval: '1m',
        openTime: at(4),
        closeTime: at(5),
        open: 52,
        high: 52,
        low: 52,
        close: 52,
        volume: 0,
        ticks: 1,
      },
      {
        symbol: 'BTC',
        interval: '5m',
        openTime: T10,
        closeTime: at(5),
        open: 50,
        high: 52,
        low: 50,
        close: 52,
        volume: 0,
        ticks: 2,
      },
    ]);
    expect(agg.current('BTC', '1h')).toMatchObject({
      openTime: T10,
      open: 50,
      high: 52,
      low: 50,
      close: 51,
      ticks: 3,
    });
  });

  it('makes no candles for buckets without ticks', () => {
    const agg = new CandleAggregator(['1m']);
    agg.onTick({ ts: at(0, 30), symbol: 'BTC', price: 100 });
    const closed = agg.onTick({ ts: at(3, 10), symbol: 'BTC', price: 90 });
    expect(closed.map((c) => [c.openTime, c.closeTime])).toEqual([[T10, T10 + 60_000]]);
    expect(agg.current('BTC', '1m')?.openTime).toBe(at(3));
  });

  it('aligns 4h and 1d candles to UTC boundaries', () => {
    const agg = new CandleAggregator(['4h', '1d']);
    agg.onTick({ ts: T10 + 1234, symbol: 'BTC', price: 10 });
    expect(agg.current('BTC', '4h')).toMatchObject({ openTime: MIDNIGHT + 8 * 3_600_000 });
    agg.onTick({ ts: MIDNIGHT + DAY - 1, symbol: 'BTC', price: 12 });
    const closed = agg.onTick({ ts: MIDNIGHT + DAY, symbol: 'BTC', price: 11 });
    expect(closed.map((c) => [c.interval, c.openTime, c.closeTime, c.open, c.close])).toEqual([
      ['4h', MIDNIGHT + 20 * 3_600_000, MIDNIGHT + DAY, 12, 12],
      ['1d', MIDNIGHT, MIDNIGHT + DAY, 10, 12],
    ]);
  });

  it('drops a tick for a bucket before the current candle and counts it', () => {
    const agg = new CandleAggregator(['1m', '5m']);
    agg.onTick({ ts: at(0, 10), symbol: 'BTC', price: 100 });
    agg.onTick({ ts: at(1, 5), symbol: 'BTC', price: 101 });
    // 10:00:50 is too late for 1m (10:01 is open) but still inside the 5m candle.
    expect(agg.onTick({ ts: at(0, 50), symbol: 'BTC', price: 120 })).toEqual([]);
    expect(agg.lateTicks).toBe(1);
    expect(agg.current('BTC', '1m')).toMatchObject({ openTime: at(1), high: 101, ticks: 1 });
    expect(agg.current('BTC', '5m')).toMatchObject({ openTime: T10, high: 120, ticks: 3 });
  });
});

describe('CandleAggregator.closeDue', () => {
  it('closes at exactly the end, not a millisecond before, and only once', () => {
    const agg = new CandleAggregator(['1m']);
    agg.onTick({ ts: at(0, 30), symbol: 'BTC', price: 100, volume: 2 });
    expect(agg.closeDue(at(1) - 1)).toEqual([]);
    expect(agg.closeDue(at(1))).toEqual([
      {
        symbol: 'BTC',
        interval: '1m',
        openTime: T10,
        closeTime: at(1),
        open: 100,
        high: 100,
        low: 100,
        close: 100,
        volume: 2,
        ticks: 1,
      },
    ]);
    expect(agg.closeDue(at(1))).toEqual([]);
    expect(agg.closeDue(at(10))).toEqual([]);
  });

  it('does not reopen or re-emit a closed candle when a late tick of its bucket arrives', () => {
    const agg = new CandleAggregator(['1m']);
    agg.onTick({ ts: at(0, 30), symbol: 'BTC', price: 100 });
    expect(agg.closeDue(at(1))).toHaveLength(1);
    expect(agg.onTick({ ts: at(0, 59, 999), symbol: 'BTC', price: 130 })).toEqual([]);
    expect(agg.lateTicks).toBe(1);
    expect(agg.current('BTC', '1m')).toBeUndefined();
    expect(agg.closeDue(at(2))).toEqual([]);
    // The next bucket opens normally and closes with no trace of the late tick.
    expect(agg.onTick({ ts: at(1, 5), symbol: 'BTC', price: 101 })).toEqual([]);
    expect(agg.closeDue(at(2))).toMatchObject([{ openTime: at(1), open: 101, high: 101, ticks: 1 }]);
  });

  it('orders what it closes by close time, then interval, then symbol', () => {
    const agg = new CandleAggregator(['1m', '5m']);
    agg.onTick({ ts: at(3, 10), symbol: 'A', price: 1 });
    agg.onTick({ ts: at(4, 10), symbol: 'A', price: 2 });
    agg.onTick({ ts: at(4, 20), symbol: 'B', price: 3 });
    // A's 1m [10:03, 10:04) was closed by A's 10:04:10 tick already.
    const closed = agg.closeDue(at(5));
    expect(closed.map((c) => `${c.symbol} ${c.interval} ${c.closeTime - T10}`)).toEqual([
      'A 1m 300000',
      'B 1m 300000',
      'A 5m 300000',
      'B 5m 300000',
    ]);
  });
});

describe('candleClosedPayload', () => {
  it('gives ISO times and volume 0 for ticks without volume, and passes the event schema', () => {
    const agg = new CandleAggregator(['15m']);
    agg.onTick({ ts: at(0, 1), symbol: 'ES', price: 5000.25 });
    agg.onTick({ ts: at(7), symbol: 'ES', price: 5001.5 });
    const [candle] = agg.closeDue(at(15));
    const payload = candleClosedPayload(candle!);
    expect(payload).toEqual({
      symbol: 'ES',
      interval: '15m',
      openTime: '2024-03-01T10:00:00.000Z',
      closeTime: '2024-03-01T10:15:00.000Z',
      open: 5000.25,
      high: 5001.5,
      low: 5000.25,
      close: 5001.5,
      volume: 0,
      ticks: 2,
    });
    expect(CandleClosedV1.schema.safeParse(payload).success).toBe(true);
  });
});
