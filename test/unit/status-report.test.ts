import { describe, expect, it } from 'vitest';
import { processTick } from '../../src/app/compose.ts';
import { statusReportSchema } from '../../src/app/control/protocol.ts';
import { statusReport } from '../../src/app/status.ts';
import { compositionDriver, monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * statusReport over the whole composition on a simulated clock (T0 is Monday 2026-01-05 14:00Z,
 * 08:00 in Chicago; the trading day ends at 17:00 Chicago, 23:00Z). Every number is worked out
 * by hand in the comments.
 */

const SECOND = 1000;

function setup(account: string) {
  const h = monitoredHarness(`
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts:
${account}
instruments:
  - { symbol: ES, tickSize: 0.25, multiplier: 50 }
venue: { leverage: 20 }
profiles: { default: { policy: hold } }
`);
  const { clock, c } = h;
  let orders = 0;

  const { settle, runTo } = compositionDriver(clock, c);

  return {
    h,
    c,
    runTo,
    async tick(price: number, at: number): Promise<void> {
      await runTo(at);
      processTick(c, { ts: at, symbol: 'ES', price });
      await settle();
    },
    /** A market order at the last price (no slippage, no fees). */
    async trade(side: 'buy' | 'sell', quantity: number): Promise<void> {
      orders++;
      await c.engine.placeOrder(
        { accountId: 'A1', symbol: 'ES', side, type: 'market', quantity, clientOrderId: `o-${orders}` },
        { intent: 'entry' },
      );
      await settle();
    },
    /** The report of A1, checked against the protocol's schema. */
    status() {
      const report = statusReport(c, clock.now());
      expect(statusReportSchema.safeParse(report).success).toBe(true);
      expect(report.generatedAt).toBe(new Date(clock.now()).toISOString());
      return report.accounts[0]!;
    },
  };
}

describe('statusReport', () => {
  const ACCOUNT = `
  - id: A1
    balance: 50000
    rules:
      dailyLoss: { limit: 1000 }
      maxLoss: { amount: 2000 }
      maxContracts: { limit: 5 }
    challenge: { profitTarget: 3000, minTradingDays: 2, consistency: 0.3 }
`;

  it('reports headroom, holds and the challenge through fills, a manual hold, a breach and the reset', async () => {
    const t = setup(ACCOUNT);

    // Before anything happens: the whole of every limit is left.
    expect(t.status()).toEqual({
      accountId: 'A1',
      state: 'ACTIVE',
      holds: [],
      balance: '50000',
      equity: '50000',
      dailyPnl: '0',
      tradingDay: '2026-01-05',
      openPositions: 0,
      positions: [],
      limits: [
        { rule: 'DAILY_LOSS', limit: '-1000', value: '0', headroom: '1000', unit: 'money' },
        { rule: 'MAX_LOSS', limit: '48000', value: '50000', headroom: '2000', unit: 'money' },
        { rule: 'MAX_CONTRACTS', limit: '5', value: '0', headroom: '5', unit: 'contracts' },
      ],
      challenge: {
        phase: 'Evaluation',
        status: 'IN_PROGRESS',
        profitTarget: '3000',
        profit: '0',
        progressPct: 0,
        tradingDays: 0,
        minTradingDays: 2,
        bestDay: '0',
        consistencyLimitPct: 30,
      },
    });

    // Buy 2 at 5,000, sell 1 at 5,004 (+4 × 50 = +200 realized), mark the other at 5,002 (+100).
    await t.tick(5000, T0 + SECOND);
    await t.trade('buy', 2);
    await t.tick(5004, T0 + 2 * SECOND);
    await t.trade('sell', 1);
    await t.tick(5002, T0 + 3 * SECOND);
    const s = t.status();
    expect(s).toMatchObject({
      state: 'ACTIVE',
      holds: [],
      balance: '50200',
      equity: '50300',
      dailyPnl: '300',
      openPositions: 1,
    });
    // Long 1 from 5,000 marked at 5,002: (5,002 − 5,000) × 50 = +100.
    expect(s.positions).toEqual([
      {
        positionId: expect.any(String),
        symbol: 'ES',
        side: 'long',
        quantity: '1',
        entryPrice: '5000',
        price: '5002',
        unrealizedPnl: '100',
        openedAt: '2026-01-05T14:00:01.000Z',
      },
    ]);
    expect(s.limits).toEqual([
      // −1,000 is the limit; +300 today leaves 1,300 to lose.
      { rule: 'DAILY_LOSS', limit: '-1000', value: '300', headroom: '1300', unit: 'money' },
      // Floor 50,000 − 2,000; equity 50,300 is 2,300 above it.
      { rule: 'MAX_LOSS', limit: '48000', value: '50300', headroom: '2300', unit: 'money' },
      { rule: 'MAX_CONTRACTS', limit: '5', value: '1', headroom: '4', unit: 'contracts' },
    ]);
    // The evaluation counts the balance: 200 of 3,000 is 6.67%; the best day is all of it.
    expect(s.challenge).toEqual({
      phase: 'Evaluation',
      status: 'IN_PROGRESS',
      profitTarget: '3000',
      profit: '200',
      progressPct: 6.67,
      tradingDays: 1,
      minTradingDays: 2,
      bestDay: '200',
      consistencyPct: 100,
      consistencyLimitPct: 30,
    });

    // An operator's hold: REDUCING with the note, until an operator lifts it.
    t.c.risk.setState('A1', 'REDUCING', 'news at 9');
    expect(t.status()).toMatchObject({
      state: 'REDUCING',
      holds: [
        {
          reason: 'MANUAL: news at 9',
          state: 'REDUCING',
          since: '2026-01-05T14:00:03.000Z',
          manualReset: true,
        },
      ],
    });
    expect(t.status().holds[0]).not.toHaveProperty('until');

    // 4,975: 200 + (4,975 − 5,000) × 50 = −1,050 today, past the daily loss limit: the position is
    // closed at 4,975 and the account HALTED until the day ends at 17:00 Chicago (23:00Z).
    await t.tick(4975, T0 + 5 * SECOND);
    const halted = t.status();
    expect(halted).toMatchObject({
      state: 'HALTED',
      balance: '48950',
      equity: '48950',
      dailyPnl: '-1050',
      openPositions: 0,
      positions: [],
    });
    expect(halted.holds).toEqual([
      {
        reason: 'MANUAL: news at 9',
        state: 'REDUCING',
        since: '2026-01-05T14:00:03.000Z',
        manualReset: true,
      },
      {
        reason: 'DAILY_LOSS',
        state: 'HALTED',
        since: '2026-01-05T14:00:05.000Z',
        until: '2026-01-05T23:00:00.000Z',
        manualReset: false,
      },
    ]);
    expect(halted.limits).toEqual([
      { rule: 'DAILY_LOSS', limit: '-1000', value: '-1050', headroom: '-50', unit: 'money' },
      { rule: 'MAX_LOSS', limit: '48000', value: '48950', headroom: '950', unit: 'money' },
      { rule: 'MAX_CONTRACTS', limit: '5', value: '0', headroom: '5', unit: 'contracts' },
    ]);
    // A loss: no best day, no consistency share.
    expect(halted.challenge).toEqual({
      phase: 'Evaluation',
      status: 'IN_PROGRESS',
      profitTarget: '3000',
      profit: '-1050',
      progressPct: -35,
      tradingDays: 1,
      minTradingDays: 2,
      bestDay: '0',
      consistencyLimitPct: 30,
    });

    // The day ends: the daily hold lifts, the operator's stays; a new day starts at 0.
    await t.runTo(Date.parse('2026-01-05T23:00:00Z'));
    const nextDay = t.status();
    expect(nextDay).toMatchObject({
      state: 'REDUCING',
      holds: [{ reason: 'MANUAL: news at 9', state: 'REDUCING' }],
      balance: '48950',
      dailyPnl: '0',
      tradingDay: '2026-01-06',
    });
    expect(nextDay.limits[0]).toEqual({
      rule: 'DAILY_LOSS',
      limit: '-1000',
      value: '0',
      headroom: '1000',
      unit: 'money',
    });
    expect(nextDay.challenge).toMatchObject({ profit: '-1050', tradingDays: 1, bestDay: '0' });

    // Tuesday: lifted by hand, buy 1 at 5,000 and sell it at 5,040: +2,000. Profit 950 (31.67%),
    // two trading days, the best day 2,000 is 210.53% of the profit, over the 30% limit.
    t.c.risk.setState('A1', 'ACTIVE', 'ok');
    await t.tick(5000, Date.parse('2026-01-06T15:00:00Z'));
    await t.trade('buy', 1);
    await t.tick(5040, Date.parse('2026-01-06T15:00:01Z'));
    await t.trade('sell', 1);
    const tuesday = t.status();
    expect(tuesday).toMatchObject({ state: 'ACTIVE', holds: [], balance: '50950', dailyPnl: '2000' });
    expect(tuesday.limits).toEqual([
      { rule: 'DAILY_LOSS', limit: '-1000', value: '2000', headroom: '3000', unit: 'money' },
      { rule: 'MAX_LOSS', limit: '48000', value: '50950', headroom: '2950', unit: 'money' },
      { rule: 'MAX_CONTRACTS', limit: '5', value: '0', headroom: '5', unit: 'contracts' },
    ]);
    expect(tuesday.challenge).toEqual({
      phase: 'Evaluation',
      status: 'IN_PROGRESS',
      profitTarget: '3000',
      profit: '950',
      progressPct: 31.67,
      tradingDays: 2,
      minTradingDays: 2,
      bestDay: '2000',
      consistencyPct: 210.53,
      consistencyLimitPct: 30,
    });
  });

  it('reports the daily profit lock, the unrealized loss of the worst position and the trades of the session', async () => {
    const t = setup(`
  - id: A1
    balance: 100000
    rules:
      dailyProfitLock: { limit: 2000 }
      unrealizedLoss: { limit: 500 }
      tradeFrequency: { perSession: 3 }
`);
    // No position: no unrealized loss line.
    expect(t.status().limits.map((l) => l.rule)).toEqual(['DAILY_PROFIT_LOCK', 'TRADE_FREQUENCY']);
    await t.tick(5000, T0 + SECOND);
    await t.trade('buy', 1);
    await t.tick(4996, T0 + 2 * SECOND);
    // Long 1 from 5,000 at 4,996: −200.
    expect(t.status()).toMatchObject({ balance: '100000', equity: '99800', dailyPnl: '-200' });
    expect(t.status().limits).toEqual([
      { rule: 'DAILY_PROFIT_LOCK', limit: '2000', value: '-200', headroom: '2200', unit: 'money' },
      { rule: 'UNREALIZED_LOSS', limit: '-500', value: '-200', headroom: '300', unit: 'money' },
      { rule: 'TRADE_FREQUENCY', limit: '3', value: '1', headroom: '2', unit: 'count' },
    ]);
    expect(t.status()).not.toHaveProperty('challenge');
    expect(t.status()).not.toHaveProperty('preset');
  });

  it('gives the consistency limit as a percentage a person would write: 0.55 is 55', () => {
    const t = setup(`
  - { id: A1, balance: 50000, challenge: { profitTarget: 3000, consistency: 0.55 } }
`);
    // 0.55 × 100 is 55.00000000000001 in floating point.
    expect(t.status().challenge).toMatchObject({ consistencyLimitPct: 55, minTradingDays: 0 });
    expect(t.status().limits).toEqual([]);
  });

  it('names the preset, and its challenge, of an account that has one', () => {
    const t = setup(`
  - { id: A1, balance: 50000, preset: topstep-50k }
`);
    const s = t.status();
    expect(s.preset).toBe('topstep-50k');
    expect(s.limits.map((l) => l.rule)).toContain('MAX_LOSS');
    expect(s.challenge).toMatchObject({ status: 'IN_PROGRESS', profit: '0' });
  });
});

describe('statusReport: open positions and holds', () => {
  const YAML = `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts:
  - id: A1
    balance: 100000
    rules:
      maxContracts: { limit: 5 }
instruments:
  - { symbol: BTC, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: ETH, tickSize: 0.01, lotSize: 0.001 }
venue: { leverage: 20 }
profiles: { default: { policy: hold } }
positions:
  - { id: pos-eth, account: A1, symbol: ETH, side: short, quantity: 1.092, entryPrice: 3200, openedAt: 2026-01-05T13:30:00Z }
  - { id: pos-btc, account: A1, symbol: BTC, side: long, quantity: 0.546, entryPrice: 64000, stopPrice: 63000, targetPrice: 66000, openedAt: 2026-01-05T13:00:00Z }
`;

  function setupPositions() {
    const h = monitoredHarness(YAML);
    const { runTo } = compositionDriver(h.clock, h.c);
    const status = () => {
      const report = statusReport(h.c, h.clock.now());
      expect(statusReportSchema.safeParse(report).success).toBe(true);
      return report.accounts[0]!;
    };
    return { h, runTo, status };
  }

  it('lists each open position with its price, PnL, stop and target, quantities summed exactly', async () => {
    const { h, status } = setupPositions();
    await h.tick('BTC', 64100, T0 + SECOND);
    const s = status();
    // By symbol. BTC long 0.546 from 64,000 at 64,100: +54.6. ETH has no tick yet: no price, PnL 0.
    expect(s.positions).toEqual([
      {
        positionId: 'pos-btc',
        symbol: 'BTC',
        side: 'long',
        quantity: '0.546',
        entryPrice: '64000',
        price: '64100',
        unrealizedPnl: '54.6',
        stopPrice: '63000',
        targetPrice: '66000',
        openedAt: '2026-01-05T13:00:00.000Z',
      },
      {
        positionId: 'pos-eth',
        symbol: 'ETH',
        side: 'short',
        quantity: '1.092',
        entryPrice: '3200',
        unrealizedPnl: '0',
        openedAt: '2026-01-05T13:30:00.000Z',
      },
    ]);
    expect(s.openPositions).toBe(2);
    // 0.546 + 1.092 is 1.6380000000000001 in floating point.
    expect(s.limits).toContainEqual({
      rule: 'MAX_CONTRACTS',
      limit: '5',
      value: '1.638',
      headroom: '3.362',
      unit: 'contracts',
    });
  });

  it('keeps the time a person halted the account when the same state is asked for again', async () => {
    const { h, runTo, status } = setupPositions();
    await h.tick('BTC', 64100, T0 + SECOND);
    expect(h.c.risk.setState('A1', 'HALTED', 'news at 14:30')).toEqual({
      previousState: 'ACTIVE',
      state: 'HALTED',
    });
    await runTo(T0 + 10 * 60 * SECOND);
    // A no-op: already HALTED by a person. The hold is the first one, time and reason.
    expect(h.c.risk.setState('A1', 'HALTED', 'still news')).toEqual({
      previousState: 'HALTED',
      state: 'HALTED',
    });
    expect(status().holds).toEqual([
      {
        reason: 'MANUAL: news at 14:30',
        state: 'HALTED',
        since: '2026-01-05T14:00:01.000Z',
        manualReset: true,
      },
    ]);
    // Another state is a change: the hold is replaced, from now.
    h.c.risk.setState('A1', 'REDUCING', 'calmer');
    expect(status().holds).toEqual([
      { reason: 'MANUAL: calmer', state: 'REDUCING', since: '2026-01-05T14:10:00.000Z', manualReset: true },
    ]);
  });
});
