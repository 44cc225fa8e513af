import { describe, expect, it } from 'vitest';
import { maxLossFloor } from '../../src/engine/risk/account-risk.ts';
import { at, MINUTE, RISK_BASE, riskHarness, SECOND, T0 } from '../support/risk-harness.ts';

/*
 * Every rule of DESIGN.md "Risk" pinned at its boundary, through the whole composition on a
 * simulated clock. Expected prices and amounts are worked out by hand in the comments.
 * T0 is Monday 2026-01-05 14:00Z (08:00 in Chicago, CST = UTC−6), so the daily reset at 17:00
 * Chicago is 23:00Z the same day.
 */

const MON_RESET = '2026-01-05T23:00:00.000Z';

function account(balance: number, rules: string): string {
  return `${RISK_BASE}
accounts: [{ id: acc, balance: ${balance} }]
risk: { rules: ${rules} }
`;
}

describe('DailyLoss', () => {
  const yaml = (positions: string, extra = '') =>
    `${account(50000, `{ dailyLoss: { limit: 400${extra} } }`)}
positions:
${positions}`;

  it('breaches a long at exactly the limit price, not one tick before', async () => {
    // Long 1 ES at 5000, multiplier 50: PnL = (P − 5000)·50 = −400 at P = 5000 − 400/50/1 = 4992.
    const h = riskHarness(
      yaml('  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000 }'),
    );
    await h.tick('ES', 4992.25, T0 + SECOND); // (4992.25 − 5000)·50 = −387.5: inside
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    expect(h.c.engine.positionById('p1')).toBeDefined();

    await h.tick('ES', 4992, T0 + 2 * SECOND);
    const breached = h.of('Risk.Limit.Breached.v1');
    expect(breached.map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'DAILY_LOSS', limit: '-400', value: '-400', action: 'FLATTEN_AND_HALT' },
    ]);
    expect(breached[0]!.urgency).toBe('CRITICAL');
    const tripped = h.of('Risk.CircuitBreaker.Tripped.v1');
    expect(tripped).toHaveLength(1);
    expect(tripped[0]!.data).toMatchObject({ accountId: 'acc', breaker: 'DAILY_LOSS', manualReset: false });
    expect(tripped[0]!.causationId).toBe(breached[0]!.id);
    const halted = h.of('Risk.Trading.Halted.v1');
    expect(halted.map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'HALTED', previousState: 'ACTIVE', reason: 'DAILY_LOSS', until: MON_RESET },
    ]);
    const closed = h.of('Trading.Position.Closed.v1');
    expect(closed.map((e) => e.data)).toEqual([
      expect.objectContaining({
        positionId: 'p1',
        reason: 'CIRCUIT_BREAKER',
        exitPrice: 4992,
        realizedPnl: '-400',
      }),
    ]);
    // Breach, breaker, halt, then the exit.
    const types = h.types().filter((t) => t.startsWith('Risk.') || t === 'Trading.Position.Closed.v1');
    expect(types).toEqual([
      'Risk.Limit.Breached.v1',
      'Risk.CircuitBreaker.Tripped.v1',
      'Risk.Trading.Halted.v1',
      'Trading.Position.Closed.v1',
    ]);
    expect(h.c.engine.account('acc')!.tradingState).toBe('HALTED');
  });

  it('breaches a short at exactly the limit price, not one tick before', async () => {
    // Short 1 ES at 5000: PnL = (5000 − P)·50 = −400 at P = 5000 + 8 = 5008.
    const h = riskHarness(
      yaml('  - { id: p1, account: acc, symbol: ES, side: short, quantity: 1, entryPrice: 5000 }'),
    );
    await h.tick('ES', 5007.75, T0 + SECOND); // (5000 − 5007.75)·50 = −387.5
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 5008, T0 + 2 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'DAILY_LOSS', limit: '-400', value: '-400', action: 'FLATTEN_AND_HALT' },
    ]);
    expect(h.of('Risk.Trading.Halted.v1')[0]!.data).toMatchObject({ state: 'HALTED', until: MON_RESET });
    expect(h.of('Trading.Position.Closed.v1')[0]!.data).toMatchObject({
      reason: 'CIRCUIT_BREAKER',
      exitPrice: 5008,
      realizedPnl: '-400',
    });
  });

  it('adds two positions in two symbols: the sum breaches where neither alone would', async () => {
    // ES long 1 at 5000 (×50) and BTC long 2 at 60000 (×1).
    // ES at 4996: (4996 − 5000)·50 = −200. BTC at 59900: (59900 − 60000)·2 = −200. Sum −400.
    // BTC at 59900.01: (−99.99)·2 = −199.98, sum −399.98: inside.
    const h = riskHarness(
      yaml(`  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000 }
  - { id: p2, account: acc, symbol: BTC, side: long, quantity: 2, entryPrice: 60000 }`),
    );
    await h.tick('ES', 4996, T0 + SECOND);
    await h.tick('BTC', 59900.01, T0 + 2 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('BTC', 59900, T0 + 3 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'DAILY_LOSS', limit: '-400', value: '-400', action: 'FLATTEN_AND_HALT' },
    ]);
    const closed = h.of('Trading.Position.Closed.v1').map((e) => e.data);
    expect(closed).toHaveLength(2);
    expect(closed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ positionId: 'p1', reason: 'CIRCUIT_BREAKER', realizedPnl: '-200' }),
        expect.objectContaining({ positionId: 'p2', reason: 'CIRCUIT_BREAKER', realizedPnl: '-200' }),
      ]),
    );
  });

  it('with manualReset: no until, the daily reset does not resume, a person does', async () => {
    const h = riskHarness(
      yaml(
        '  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000 }',
        ', manualReset: true',
      ),
    );
    await h.tick('ES', 4992, T0 + SECOND); // −400, as above
    expect(h.of('Risk.CircuitBreaker.Tripped.v1')[0]!.data).toMatchObject({ manualReset: true });
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'HALTED', previousState: 'ACTIVE', reason: 'DAILY_LOSS', manualReset: true },
    ]);
    // Past the daily reset (Monday 23:00Z) and a whole day more: still halted.
    await h.runTo(at('2026-01-07T00:00:00Z'));
    expect(h.of('Risk.Trading.Resumed.v1')).toHaveLength(0);
    expect(h.c.risk.states.state('acc')).toBe('HALTED');
    const denied = await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    expect(denied).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').at(-1)!.data).toMatchObject({ reason: 'TRADING_HALTED' });

    const result = h.c.risk.setState('acc', 'ACTIVE', 'reviewed');
    expect(result).toEqual({ previousState: 'HALTED', state: 'ACTIVE' });
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'ACTIVE', previousState: 'HALTED', reason: 'MANUAL: reviewed' },
    ]);
    // The new trading day started from the balance after the loss: nothing is broken any more.
    expect(h.of('Risk.Trading.Halted.v1')).toHaveLength(1);
  });
});

describe('DailyLoss headroom at the gate', () => {
  it('refuses an entry whose loss at the stop would use up the rest of the day, not one a tick less', async () => {
    const h = riskHarness(account(50000, '{ dailyLoss: { limit: 400 } }'));
    await h.tick('ES', 5000, T0 + SECOND);
    // 1 ES at 5000 with the stop at 4992: (5000 − 4992)·50 = 400 = all the headroom. Refused.
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1, openStop: 4992 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ reason: 'DAILY_LOSS_HEADROOM', symbol: 'ES', side: 'buy', quantity: 1 }),
    ]);
    // Stop at 4992.25: 387.5 < 400. Passes.
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1, openStop: 4992.25 })).toBeDefined();
  });
});

describe('per-position limits after a partial exit', () => {
  it('apply to the quantity left', async () => {
    const h = riskHarness(`${account(50000, '{ unrealizedLoss: { limit: 300 } }')}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 4, entryPrice: 5000 }
`);
    await h.tick('ES', 5000, T0 + SECOND);
    await h.order({ symbol: 'ES', side: 'sell', quantity: 2, intent: 'exit' });
    // 4 contracts would be at −300 at 4998.5; the 2 left are at (4998.5 − 5000)·100 = −150 there,
    // −275 at 4997.25 and −300 at 4997.
    await h.tick('ES', 4998.5, T0 + 2 * SECOND);
    await h.tick('ES', 4997.25, T0 + 3 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 4997, T0 + 4 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => [e.data.rule, e.data.value])).toEqual([
      ['UNREALIZED_LOSS', '-300'],
    ]);
  });
});

describe('daily reset', () => {
  it('lifts the halt at 17:00 Chicago and starts the next day from the balance at the reset', async () => {
    const h = riskHarness(`${account(50000, '{ dailyLoss: { limit: 400 } }')}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000 }
`);
    await h.tick('ES', 4992, T0 + SECOND); // −400: halted until 23:00Z
    expect(h.c.engine.account('acc')!.tradingState).toBe('HALTED');
    await h.runTo(at(MON_RESET) - 1);
    expect(h.of('Risk.Trading.Resumed.v1')).toHaveLength(0);
    await h.runTo(at(MON_RESET));
    const resumed = h.of('Risk.Trading.Resumed.v1');
    expect(resumed.map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'ACTIVE', previousState: 'HALTED', reason: 'DAILY_RESET' },
    ]);
    expect(resumed[0]!.ts).toBe(MON_RESET);
    expect(h.c.engine.account('acc')!.tradingState).toBe('ACTIVE');

    // Tuesday's day starts at the balance of 50000 − 400 = 49600. A new long 1 ES at 5000 breaches
    // at −400 from there (4992), not at what is left of a 400 limit counted from 50000.
    const morning = at('2026-01-06T15:00:00Z');
    await h.tick('ES', 5000, morning);
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeDefined();
    await h.tick('ES', 4992.25, morning + SECOND); // −387.5 today (−787.5 since Monday)
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(1);
    await h.tick('ES', 4992, morning + 2 * SECOND); // −400 today
    const breached = h.of('Risk.Limit.Breached.v1');
    expect(breached).toHaveLength(2);
    expect(breached[1]!.data).toMatchObject({ rule: 'DAILY_LOSS', limit: '-400', value: '-400' });
    // Tuesday's reset is 2026-01-06 17:00 CST = 23:00Z.
    expect(h.of('Risk.Trading.Halted.v1')[1]!.data).toMatchObject({ until: '2026-01-06T23:00:00.000Z' });
  });
});

describe('cascade', () => {
  it('re-checks the daily loss on a close: the realized loss breaches at once, with no further tick', async () => {
    // ES long 1 at 5000 with its stop at 4994.5; BTC long 1 at 1000.
    // BTC at 900: −100 unrealized.
    // The ES tick prints 4994.5 (last) with bid 4994: marked at last the account is at
    // (4994.5 − 5000)·50 − 100 = −275 − 100 = −375, inside the limit. The stop hits and the market
    // exit sells at the bid, 4994: realized (4994 − 5000)·50 = −300. With BTC's −100 the day is at
    // exactly −400, and the close itself must trip the breaker.
    const h = riskHarness(`${account(50000, '{ dailyLoss: { limit: 400 } }')}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4994.5 }
  - { id: p2, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 1000 }
`);
    await h.tick('BTC', 900, T0 + SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 4994.5, T0 + 2 * SECOND, { bid: 4994, ask: 4994.75 });
    const closed = h.of('Trading.Position.Closed.v1');
    expect(closed.map((e) => e.data)).toEqual([
      expect.objectContaining({
        positionId: 'p1',
        reason: 'STOP_LOSS',
        exitPrice: 4994,
        realizedPnl: '-300',
      }),
      expect.objectContaining({
        positionId: 'p2',
        reason: 'CIRCUIT_BREAKER',
        exitPrice: 900,
        realizedPnl: '-100',
      }),
    ]);
    const breached = h.of('Risk.Limit.Breached.v1');
    expect(breached.map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'DAILY_LOSS', limit: '-400', value: '-400', action: 'FLATTEN_AND_HALT' },
    ]);
    // Caused by the close, in the same tick.
    expect(breached[0]!.causationId).toBe(closed[0]!.id);
    expect(breached[0]!.ts).toBe(closed[0]!.ts);
  });
});

describe('UnrealizedLoss and UnrealizedProfit', () => {
  const yaml = `${account(50000, '{ unrealizedLoss: { limit: 300 }, unrealizedProfit: { limit: 500 } }')}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 2, entryPrice: 5000 }
  - { id: p2, account: acc, symbol: BTC, side: short, quantity: 1, entryPrice: 10000 }
`;

  it('closes only the position whose loss reaches the limit, at exactly the limit', async () => {
    // Long 2 ES at 5000: (P − 5000)·2·50 = −300 at P = 5000 − 300/100 = 4997.
    const h = riskHarness(yaml);
    await h.tick('ES', 4997.25, T0 + SECOND); // (4997.25 − 5000)·100 = −275
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 4997, T0 + 2 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        rule: 'UNREALIZED_LOSS',
        limit: '-300',
        value: '-300',
        action: 'CLOSE_POSITION',
        positionId: 'p1',
        symbol: 'ES',
      },
    ]);
    expect(h.of('Trading.Position.Closed.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({
        positionId: 'p1',
        reason: 'RISK_RULE',
        exitPrice: 4997,
        realizedPnl: '-300',
      }),
    ]);
    expect(h.c.engine.positionById('p2')).toBeDefined();
    // A per-position limit does not halt the account.
    expect(h.of('Risk.Trading.Halted.v1')).toHaveLength(0);
  });

  it('closes a short at its loss limit (price rising) and a position at its profit limit', async () => {
    const h = riskHarness(yaml);
    // Short 1 BTC at 10000: (10000 − P)·1 = −300 at P = 10300; 10299.99 gives −299.99.
    await h.tick('BTC', 10299.99, T0 + SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('BTC', 10300, T0 + 2 * SECOND);
    expect(h.of('Trading.Position.Closed.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ positionId: 'p2', reason: 'RISK_RULE', realizedPnl: '-300' }),
    ]);
    // Long 2 ES: (P − 5000)·100 = +500 at P = 5005; 5004.75 gives +475.
    await h.tick('ES', 5004.75, T0 + 3 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(1);
    await h.tick('ES', 5005, T0 + 4 * SECOND);
    const breached = h.of('Risk.Limit.Breached.v1');
    expect(breached[1]!.data).toEqual({
      accountId: 'acc',
      rule: 'UNREALIZED_PROFIT',
      limit: '500',
      value: '500',
      action: 'CLOSE_POSITION',
      positionId: 'p1',
      symbol: 'ES',
    });
    expect(h.of('Trading.Position.Closed.v1')[1]!.data).toMatchObject({
      positionId: 'p1',
      reason: 'RISK_RULE',
      realizedPnl: '500',
    });
  });
});

describe('MaxLoss trailing at the end of the day', () => {
  const yaml = account(50000, '{ maxLoss: { amount: 2000, trailing: eod } }');

  /** Buys 1 ES at `entry` and sells it at `exit` during the trading day that holds `morning`. */
  async function roundTrip(h: ReturnType<typeof riskHarness>, morning: number, entry: number, exit: number) {
    await h.tick('ES', entry, morning);
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeDefined();
    await h.tick('ES', exit, morning + MINUTE);
    await h.close('ES');
  }

  const floorOf = (h: ReturnType<typeof riskHarness>) => maxLossFloor(h.c.risk.account('acc')!)?.toFixed();

  it('trails the end-of-day high, stops at the starting balance, never falls, then halts for good', async () => {
    const h = riskHarness(yaml);
    // Day 1 (Monday): +20 points on 1 ES = +1000 → balance 51000; floor 51000 − 2000 = 49000.
    await roundTrip(h, at('2026-01-05T15:00:00Z'), 5000, 5020);
    await h.runTo(at('2026-01-05T23:00:00Z'));
    expect(floorOf(h)).toBe('49000');
    // Day 2: +30 points = +1500 → balance 52500; 52500 − 2000 = 50500, capped at 50000.
    await roundTrip(h, at('2026-01-06T15:00:00Z'), 5000, 5030);
    await h.runTo(at('2026-01-06T23:00:00Z'));
    expect(floorOf(h)).toBe('50000');
    // Day 3: −10 points = −500 → balance 52000; the high stays 52500, the floor stays 50000.
    await roundTrip(h, at('2026-01-07T15:00:00Z'), 5000, 4990);
    await h.runTo(at('2026-01-07T23:00:00Z'));
    expect(floorOf(h)).toBe('50000');
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);

    // Day 4: long 1 ES at 5000 with balance 52000: equity 52000 + (P − 5000)·50 = 50000 at P = 4960.
    const morning = at('2026-01-08T15:00:00Z');
    await h.tick('ES', 5000, morning);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    await h.tick('ES', 4960.25, morning + MINUTE); // equity 50012.5
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 4960, morning + 2 * MINUTE);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'MAX_LOSS', limit: '50000', value: '50000', action: 'FLATTEN_AND_HALT' },
    ]);
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'HALTED', previousState: 'ACTIVE', reason: 'MAX_LOSS', manualReset: true },
    ]);
    expect(h.of('Trading.Position.Closed.v1').at(-1)!.data).toMatchObject({
      reason: 'RISK_RULE',
      exitPrice: 4960,
      realizedPnl: '-2000',
    });
    // Only a person lifts it: not Thursday's reset, not Friday's.
    await h.runTo(at('2026-01-10T00:00:00Z'));
    expect(h.of('Risk.Trading.Resumed.v1')).toHaveLength(0);
    expect(h.c.risk.states.state('acc')).toBe('HALTED');
  });

  it('keeps the floor at the previous high − 2000 when a day gives profit back before the cap', async () => {
    const h = riskHarness(yaml);
    // Day 1: +1000 → balance 51000, floor 49000. Day 2: −12 points = −600 → balance 50400.
    await roundTrip(h, at('2026-01-05T15:00:00Z'), 5000, 5020);
    await h.runTo(at('2026-01-05T23:00:00Z'));
    await roundTrip(h, at('2026-01-06T15:00:00Z'), 5000, 4988);
    await h.runTo(at('2026-01-06T23:00:00Z'));
    expect(floorOf(h)).toBe('49000');
    // Day 3: long 1 at 5000 with balance 50400: equity 49000 at P = 5000 − 1400/50 = 4972.
    const morning = at('2026-01-07T15:00:00Z');
    await h.tick('ES', 5000, morning);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    await h.tick('ES', 4972.25, morning + MINUTE); // equity 49012.5
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 4972, morning + 2 * MINUTE);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'MAX_LOSS', limit: '49000', value: '49000', action: 'FLATTEN_AND_HALT' },
    ]);
  });
});

describe('DailyProfitLock', () => {
  it('flattens and halts at exactly the limit until the daily reset', async () => {
    // Long 1 ES at 5000: (P − 5000)·50 = +500 at P = 5010; 5009.75 gives +487.5.
    const h = riskHarness(`${account(50000, '{ dailyProfitLock: { limit: 500 } }')}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000 }
`);
    await h.tick('ES', 5009.75, T0 + SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 5010, T0 + 2 * SECOND);
    const breached = h.of('Risk.Limit.Breached.v1');
    expect(breached.map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'DAILY_PROFIT_LOCK', limit: '500', value: '500', action: 'FLATTEN_AND_HALT' },
    ]);
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        state: 'HALTED',
        previousState: 'ACTIVE',
        reason: 'DAILY_PROFIT_LOCK',
        until: MON_RESET,
      },
    ]);
    expect(h.of('Trading.Position.Closed.v1')[0]!.data).toMatchObject({
      reason: 'RISK_RULE',
      realizedPnl: '500',
    });
    await h.runTo(at(MON_RESET));
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'ACTIVE', previousState: 'HALTED', reason: 'DAILY_RESET' },
    ]);
  });
});
