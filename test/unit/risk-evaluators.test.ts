import { describe, expect, it } from 'vitest';
import { dec, ZERO } from '../../src/domain/money.ts';
import type { Position } from '../../src/domain/position.ts';
import {
  accountLimitBreaches,
  exactShareLevels,
  floatShareLevels,
  maxLossFloor,
} from '../../src/domain/risk/account-limit-rules.ts';
import { nextBoundary } from '../../src/domain/risk/calendar.ts';
import {
  accountContractBreach,
  instrumentContractBreach,
  newestFirst,
} from '../../src/domain/risk/contract-rules.ts';
import { closeDay, liftsAtDailyReset } from '../../src/domain/risk/day-rules.ts';
import { cooldownAfterLossBreach, tradeFrequencyBreach } from '../../src/domain/risk/frequency-rules.ts';
import { priceAtPnl } from '../../src/domain/risk/levels.ts';
import { positionLimitBreach, positionLimitLevels } from '../../src/domain/risk/position-limit-rules.ts';
import type { AccountRules } from '../../src/domain/risk/rules.ts';
import { sessionEntryBreach, symbolBlockBreach } from '../../src/domain/risk/session-rules.ts';
import { isProtected } from '../../src/domain/risk/stop-rules.ts';

const DAY = { time: '17:00', timezone: 'America/Chicago' };

function rules(extra: Omit<AccountRules, 'day'> = {}): AccountRules {
  return { day: DAY, ...extra };
}

function position(
  over: Partial<Position> & { side: 'long' | 'short'; quantity: number; entry: number },
): Position {
  const { entry, ...rest } = over;
  return {
    id: 'p1',
    accountId: 'acc',
    symbol: 'ES',
    entryPrice: entry,
    costBasis: dec(entry).times(over.quantity),
    realizedPnl: ZERO,
    openedAt: 0,
    updatedAt: 0,
    ...rest,
  };
}

const marks = (equity: string, dailyPnl: string) => ({ equity: dec(equity), dailyPnl: dec(dailyPnl) });

describe('account limit rules', () => {
  const daily = rules({ dailyLoss: { limit: dec(400), manualReset: false } });

  it('breaks the daily loss at exactly the limit, not a cent before', () => {
    expect(accountLimitBreaches(daily, undefined, marks('0', '-399.99'), marks('0', '-399.99'))).toEqual([]);
    const [b] = accountLimitBreaches(daily, undefined, marks('0', '-400'), marks('0', '-400'));
    expect(b).toMatchObject({ rule: 'DAILY_LOSS', action: 'FLATTEN_AND_HALT', urgency: 'CRITICAL' });
    expect(b!.limit.toString()).toBe('-400');
    expect(b!.value.toString()).toBe('-400');
    // Halted until the day's end, unless a person must reset it.
    expect(b).toMatchObject({ manualReset: false, untilDayEnd: true });
    const manual = rules({ dailyLoss: { limit: dec(400), manualReset: true } });
    expect(accountLimitBreaches(manual, undefined, marks('0', '-400'), marks('0', '-400'))[0]).toMatchObject({
      manualReset: true,
      untilDayEnd: false,
    });
  });

  it('reports the maximum loss before the daily loss, and the profit lock only when neither broke', () => {
    const all = rules({
      dailyLoss: { limit: dec(400), manualReset: false },
      dailyProfitLock: { limit: dec(100) },
    });
    const floor = dec(49_000);
    const both = accountLimitBreaches(all, floor, marks('49000', '-1000'), marks('49000', '200'));
    expect(both.map((b) => b.rule)).toEqual(['MAX_LOSS', 'DAILY_LOSS']);
    expect(both[0]).toMatchObject({ manualReset: true, untilDayEnd: false });
    // The profit lock reads the favourable marks.
    const lock = accountLimitBreaches(all, floor, marks('50000', '-10'), marks('50100', '100'));
    expect(lock.map((b) => b.rule)).toEqual(['DAILY_PROFIT_LOCK']);
    expect(lock[0]).toMatchObject({ urgency: 'HIGH', untilDayEnd: true, manualReset: false });
  });

  it('trails the maximum loss floor with the end-of-day high and stops at the starting balance', () => {
    const rule = { amount: dec(2_000), trailing: 'eod' as const };
    expect(maxLossFloor(undefined, dec(50_000), dec(50_000))).toBeUndefined();
    expect(maxLossFloor(rule, dec(50_000), dec(50_000))!.toString()).toBe('48000');
    expect(maxLossFloor(rule, dec(50_000), dec(51_000))!.toString()).toBe('49000');
    expect(maxLossFloor(rule, dec(50_000), dec(60_000))!.toString()).toBe('50000');
    expect(maxLossFloor({ ...rule, trailing: 'none' }, dec(50_000), dec(60_000))!.toString()).toBe('48000');
  });

  it('splits the headroom over the positions; with one position the level is the breach price', () => {
    const p = position({ side: 'long', quantity: 1, entry: 5000 });
    const one = new Map([[p.id, p]]);
    // Daily PnL 0 with a 400 limit: the long 1 ES (×50) breaks at 4992.
    const [s] = exactShareLevels(daily, undefined, marks('0', '0'), one, new Map([[p.id, ZERO]]), () => 50);
    expect(s!.high).toBeUndefined();
    expect(s!.low).toBeGreaterThanOrEqual(4992);
    expect(s!.low! - 4992).toBeLessThan(1e-9);
    // Two positions each get half: the long breaks its share 200 lower at 4996.
    const q = position({ id: 'p2', side: 'short', quantity: 1, entry: 5000, symbol: 'NQ' });
    const two = new Map([
      [p.id, p],
      [q.id, q],
    ]);
    const shares = exactShareLevels(
      daily,
      undefined,
      marks('0', '0'),
      two,
      new Map([
        [p.id, ZERO],
        [q.id, ZERO],
      ]),
      (symbol) => (symbol === 'ES' ? 50 : 20),
    );
    expect(shares[0]!.low! - 4996).toBeLessThan(1e-9);
    expect(shares[0]!.low).toBeGreaterThanOrEqual(4996);
    // The short loses 200 (×20) at 5010, from below.
    expect(shares[1]!.low).toBeLessThanOrEqual(5010);
    expect(5010 - shares[1]!.low!).toBeLessThan(1e-9);
  });

  it('float filter: gives levels at or before the exact ones far from a limit, and nothing near one', () => {
    const p = position({ side: 'long', quantity: 1, entry: 5000 });
    const positions = new Map([[p.id, p]]);
    const floatMarks = { lastPrice: () => 5000, multiplier: () => 50 };
    const money = {
      balance: 50_000,
      dayStartBalance: 50_000,
      dailyLossLimit: 400,
      profitLockLimit: undefined,
      maxLossFloor: undefined,
    };
    const [s] = floatShareLevels(positions, floatMarks, money, undefined)!;
    const exact = priceAtPnl(p, 50, dec(-400)).toNumber();
    expect(s!.low).toBeGreaterThanOrEqual(exact);
    expect(s!.low! - exact).toBeLessThan(1e-3);
    // A tick's adverse extreme half a thousandth of PnL from the limit: the exact check must decide.
    const near = { symbol: 'ES', low: 4992.00001, high: 5000 };
    expect(floatShareLevels(positions, floatMarks, money, near)).toBeUndefined();
  });
});

describe('position limit rules', () => {
  const r = rules({ unrealizedLoss: { limit: dec(100) }, unrealizedProfit: { limit: dec(300) } });

  it('breaks at exactly the limits', () => {
    expect(positionLimitBreach(r, 'loss', dec('-99.99'))).toBeUndefined();
    expect(positionLimitBreach(r, 'loss', dec(-100))).toMatchObject({
      rule: 'UNREALIZED_LOSS',
      urgency: 'CRITICAL',
      action: 'CLOSE_POSITION',
    });
    expect(positionLimitBreach(r, 'profit', dec('299.99'))).toBeUndefined();
    expect(positionLimitBreach(r, 'profit', dec(300))).toMatchObject({
      rule: 'UNREALIZED_PROFIT',
      urgency: 'HIGH',
    });
    expect(positionLimitBreach(rules(), 'loss', dec(-1e6))).toBeUndefined();
  });

  it('turns the limits into price levels on each side', () => {
    const levels = positionLimitLevels(r, position({ side: 'long', quantity: 2, entry: 100 }), 1);
    // Long 2 at 100: −100 at 50, +300 at 250.
    expect(levels.loss! - 50).toBeLessThan(1e-9);
    expect(levels.loss).toBeGreaterThanOrEqual(50);
    expect(250 - levels.profit!).toBeLessThan(1e-9);
    expect(levels.profit).toBeLessThanOrEqual(250);
    expect(positionLimitLevels(rules(), position({ side: 'long', quantity: 1, entry: 1 }), 1)).toEqual({
      loss: undefined,
      profit: undefined,
    });
  });
});

describe('contract rules', () => {
  it('closes the excess over the per-instrument limit, by root symbol too', () => {
    const r = rules({ maxContractsPerInstrument: { limits: { RTY: 2 } } });
    const p = position({ side: 'long', quantity: 5, entry: 2000, symbol: 'CON.F.US.RTY.H25' });
    expect(instrumentContractBreach(r, p)).toMatchObject({ rule: 'MAX_CONTRACTS_PER_INSTRUMENT', excess: 3 });
    expect(instrumentContractBreach(r, { ...p, quantity: 2 })).toBeUndefined();
  });

  it('sums the account exactly and gives up the excess newest first', () => {
    const r = rules({ maxContracts: { limit: 0.3 } });
    const a = position({ id: 'a', side: 'long', quantity: 0.1, entry: 1, updatedAt: 1 });
    const b = position({ id: 'b', side: 'long', quantity: 0.2, entry: 1, updatedAt: 2 });
    expect(accountContractBreach(r, [a, b])).toBeUndefined();
    const c = position({ id: 'c', side: 'short', quantity: 0.5, entry: 1, updatedAt: 3 });
    expect(accountContractBreach(r, [a, b, c])).toMatchObject({ value: 0.8, excess: 0.5 });
    expect(newestFirst([a, c, b]).map((p) => p.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('frequency rules', () => {
  const now = Date.UTC(2025, 0, 6, 15);

  it('cools down for the rule seconds per minute or hour, and until the day ends per session', () => {
    const rule = { perMinute: 2, perHour: 10, perSession: 20, cooldownSeconds: 300 };
    expect(tradeFrequencyBreach(rule, { perMinute: 2, perHour: 2, today: 2 }, now, DAY)).toBeUndefined();
    expect(tradeFrequencyBreach(rule, { perMinute: 3, perHour: 3, today: 3 }, now, DAY)).toMatchObject({
      rule: 'TRADE_FREQUENCY',
      limit: 2,
      value: 3,
      until: now + 300_000,
    });
    expect(tradeFrequencyBreach(rule, { perMinute: 1, perHour: 11, today: 11 }, now, DAY)).toMatchObject({
      limit: 10,
    });
    expect(tradeFrequencyBreach(rule, { perMinute: 1, perHour: 1, today: 21 }, now, DAY)).toMatchObject({
      limit: 20,
      until: nextBoundary(now, DAY),
    });
    expect(
      tradeFrequencyBreach(undefined, { perMinute: 99, perHour: 99, today: 99 }, now, DAY),
    ).toBeUndefined();
  });

  it('takes the longest tier a losing close meets, named by what met it', () => {
    const tiers = [
      { loss: dec(500), minutes: 30 },
      { consecutiveLosses: 3, minutes: 60 },
    ];
    expect(cooldownAfterLossBreach(tiers, dec(100), 1, now)).toBeUndefined();
    expect(cooldownAfterLossBreach(tiers, dec(500), 1, now)).toMatchObject({
      rule: 'COOLDOWN_AFTER_LOSS',
      until: now + 30 * 60_000,
    });
    const run = cooldownAfterLossBreach(tiers, dec(600), 3, now)!;
    expect(run).toMatchObject({ limit: 3, value: 3, until: now + 60 * 60_000 });
    const big = cooldownAfterLossBreach(
      [{ loss: dec(500), consecutiveLosses: 3, minutes: 10 }],
      dec(700),
      3,
      now,
    )!;
    expect(big.limit.toString()).toBe('500');
    expect(big.value.toString()).toBe('700');
  });
});

describe('stop, session and day rules', () => {
  it('counts any stop on the exit side as protection', () => {
    const long = position({ side: 'long', quantity: 1, entry: 100 });
    expect(isProtected(long, [])).toBe(false);
    expect(isProtected({ ...long, stopPrice: 120 }, [])).toBe(true);
    expect(isProtected(long, [{ symbol: 'ES', side: 'buy', stopPrice: 90 }])).toBe(false);
    expect(isProtected(long, [{ symbol: 'NQ', side: 'sell', stopPrice: 90 }])).toBe(false);
    expect(isProtected(long, [{ symbol: 'ES', side: 'sell', stopPrice: 90 }])).toBe(true);
  });

  it('refuses fills outside the session but not adopted positions, and blocks symbols by root', () => {
    const session = rules({
      session: {
        timezone: 'America/Chicago',
        days: [1, 2, 3, 4, 5],
        open: '08:30',
        close: '15:00',
        holidays: [],
      },
    });
    const p = position({ side: 'long', quantity: 1, entry: 100 });
    const saturday = Date.UTC(2025, 0, 4, 18);
    expect(sessionEntryBreach(session, p, saturday, true)).toMatchObject({ rule: 'SESSION_WINDOW' });
    expect(sessionEntryBreach(session, p, saturday, false)).toBeUndefined();
    expect(sessionEntryBreach(session, p, Date.UTC(2025, 0, 6, 16), true)).toBeUndefined();
    const blocked = rules({ symbolBlock: { symbols: ['RTY'] } });
    expect(symbolBlockBreach(blocked, { ...p, symbol: 'CON.F.US.RTY.H25' })).toMatchObject({
      rule: 'SYMBOL_BLOCK',
    });
    expect(symbolBlockBreach(blocked, p)).toBeUndefined();
  });

  it('closes a day: its PnL recorded, the end-of-day high never falling', () => {
    const book = {
      tradingDay: '2025-01-06',
      dayStartBalance: dec(50_000),
      eodHigh: dec(51_000),
      tradedToday: true,
    };
    const down = closeDay(book, dec(50_500), '2025-01-07');
    expect(down.closed.day).toBe('2025-01-06');
    expect(down.closed.pnl.toString()).toBe('500');
    expect(down.closed.traded).toBe(true);
    expect(down.eodHigh.toString()).toBe('51000');
    expect(down.dayStartBalance.toString()).toBe('50500');
    expect(down.tradingDay).toBe('2025-01-07');
    expect(closeDay(book, dec(52_000), '2025-01-07').eodHigh.toString()).toBe('52000');
    expect(liftsAtDailyReset({ reason: 'DAILY_LOSS', manualReset: false })).toBe(true);
    expect(liftsAtDailyReset({ reason: 'DAILY_LOSS', manualReset: true })).toBe(false);
    expect(liftsAtDailyReset({ reason: 'COOLDOWN_AFTER_LOSS', manualReset: false })).toBe(false);
  });
});
