import { describe, expect, it } from 'vitest';
import { at, MINUTE, RISK_BASE, type RiskHarness, riskHarness, SECOND, T0 } from '../support/risk-harness.ts';

/*
 * The built-in presets on scripted scenarios (src/domain/risk/presets.ts), each also with one
 * field overridden in the account's config. T0 is Monday 2026-01-05 14:00Z: 08:00 in Chicago
 * (inside the CME session), 15:00 in Prague (CET = UTC+1).
 */

function preset(name: string, balance: number, extra = '', positions = ''): string {
  return `${RISK_BASE}
accounts:
  - id: acc
    balance: ${balance}
    preset: ${name}
${extra}
${positions === '' ? '' : `positions:\n${positions}`}
`;
}

/** Buys 1 of `symbol` at `entry` and sells it at `exit`, a minute later. */
async function roundTrip(h: RiskHarness, symbol: string, when: number, entry: number, exit: number) {
  await h.tick(symbol, entry, when);
  expect(await h.order({ symbol, side: 'buy', quantity: 1 })).toBeDefined();
  await h.tick(symbol, exit, when + MINUTE);
  await h.close(symbol);
}

describe('topstep-50k', () => {
  it('fails the combine on the $2,000 maximum loss: flatten, halt for good', async () => {
    // Start 50000, floor 50000 − 2000 = 48000. Long 1 ES (×50) at 5000: equity 48000 at
    // 5000 − 2000/50 = 4960; 4960.25 gives 48012.5.
    const h = riskHarness(
      preset(
        'topstep-50k',
        50000,
        '',
        '  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000 }',
      ),
    );
    await h.tick('ES', 4960.25, T0 + SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 4960, T0 + 2 * SECOND);
    const ref = { accountId: 'acc', preset: 'topstep-50k', phase: 'Trading Combine' };
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'MAX_LOSS', limit: '48000', value: '48000', action: 'FLATTEN_AND_HALT' },
    ]);
    expect(h.of('Evaluation.Rule.Violated.v1').map((e) => e.data)).toEqual([
      { ...ref, rule: 'MAX_LOSS', limit: '48000', value: '48000', consequence: 'FAILED' },
    ]);
    expect(h.of('Challenge.Failed.v1').map((e) => e.data)).toEqual([
      { ...ref, rule: 'MAX_LOSS', limit: '48000', value: '48000', message: expect.any(String) },
    ]);
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        state: 'HALTED',
        previousState: 'ACTIVE',
        reason: 'CHALLENGE_FAILED',
        manualReset: true,
      },
    ]);
    expect(h.of('Trading.Position.Closed.v1')[0]!.data).toMatchObject({
      reason: 'RISK_RULE',
      realizedPnl: '-2000',
    });
    expect(h.types().filter((t) => /^(Risk|Evaluation|Challenge)\./.test(t))).toEqual([
      'Risk.Limit.Breached.v1',
      'Evaluation.Rule.Violated.v1',
      'Challenge.Failed.v1',
      'Risk.Trading.Halted.v1',
    ]);
    // Manual reset only.
    await h.runTo(at('2026-01-07T00:00:00Z'));
    expect(h.of('Risk.Trading.Resumed.v1')).toHaveLength(0);
  });

  it('passes the phase over three trading days with the best day under 50% of the profit', async () => {
    const h = riskHarness(preset('topstep-50k', 50000));
    // +28 points on 1 ES = +1400 on Monday and on Tuesday, +4 points = +200 on Wednesday:
    // profit 3000 = target; best day 1400 / 3000 = 46.67% < 50%; 3 trading days ≥ 2.
    await roundTrip(h, 'ES', at('2026-01-05T15:00:00Z'), 5000, 5028);
    await h.runTo(at('2026-01-05T23:00:00Z'));
    const monday = h.of('Challenge.Metrics.Updated.v1');
    expect(monday.map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        preset: 'topstep-50k',
        phase: 'Trading Combine',
        tradingDay: '2026-01-05',
        status: 'IN_PROGRESS',
        balance: '51400',
        dayPnl: '1400',
        profit: '1400',
        profitTarget: '3000',
        progressPct: 46.67, // 1400 / 3000
        tradingDays: 1,
        minTradingDays: 2,
        bestDay: '1400',
        consistencyPct: 100,
        maxLossFloor: '49400', // 51400 − 2000
      },
    ]);
    expect(monday[0]!.ts).toBe('2026-01-05T23:00:00.000Z'); // 17:00 Chicago
    await roundTrip(h, 'ES', at('2026-01-06T15:00:00Z'), 5000, 5028);
    await h.runTo(at('2026-01-06T23:00:00Z'));
    expect(h.of('Challenge.Phase.Completed.v1')).toHaveLength(0);
    await roundTrip(h, 'ES', at('2026-01-07T15:00:00Z'), 5000, 5004);
    expect(h.of('Challenge.Phase.Completed.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        preset: 'topstep-50k',
        phase: 'Trading Combine',
        profit: '3000',
        profitTarget: '3000',
        tradingDays: 3,
        minTradingDays: 2,
        bestDay: '1400',
        consistencyPct: 46.67,
      },
    ]);
  });

  it('does not pass when one day is 50% of the profit', async () => {
    const h = riskHarness(preset('topstep-50k', 50000));
    // +30 points = +1500 on each of two days: profit 3000, best day 1500 / 3000 = 50%, not < 50%.
    await roundTrip(h, 'ES', at('2026-01-05T15:00:00Z'), 5000, 5030);
    await h.runTo(at('2026-01-05T23:00:00Z'));
    await roundTrip(h, 'ES', at('2026-01-06T15:00:00Z'), 5000, 5030);
    await h.runTo(at('2026-01-06T23:00:00Z'));
    expect(h.of('Challenge.Phase.Completed.v1')).toHaveLength(0);
    expect(h.of('Challenge.Metrics.Updated.v1').at(-1)!.data).toMatchObject({
      tradingDay: '2026-01-06',
      status: 'IN_PROGRESS',
      profit: '3000',
      tradingDays: 2,
      bestDay: '1500',
      consistencyPct: 50,
    });
  });

  it('takes an override of one rule and keeps the others', async () => {
    const h = riskHarness(preset('topstep-50k', 50000, '    rules: { maxContracts: { limit: 3 } }'));
    await h.tick('ES', 5000, T0 + SECOND);
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 4 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data.reason)).toEqual(['MAX_CONTRACTS']);
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 3 })).toBeDefined();
    // The trailing maximum loss is still on: 50000 − 2000 = 48000 with 3 ES at 5000 is at
    // 5000 − 2000/150 = 4986.666…, so 4986.75 (−1987.5) holds and 4986.5 (−2025) breaks it.
    await h.tick('ES', 4986.75, T0 + 2 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('ES', 4986.5, T0 + 3 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => [e.data.rule, e.data.limit, e.data.value])).toEqual([
      ['MAX_LOSS', '48000', '47975'],
    ]);
  });
});

describe('ftmo-100k', () => {
  it('fails on equity 5000 below the balance at midnight Prague', async () => {
    const h = riskHarness(preset('ftmo-100k', 100000));
    // Monday: +2000 on BTC (×1) → balance 102000; then long 1 BTC at 52000 held over midnight.
    await roundTrip(h, 'BTC', T0 + SECOND, 50000, 52000);
    await h.tick('BTC', 52000, T0 + 2 * MINUTE);
    await h.order({ symbol: 'BTC', side: 'buy', quantity: 1 });
    // Midnight in Prague (CET) is 23:00Z.
    await h.runTo(at('2026-01-05T23:00:00Z'));
    const metrics = h.of('Challenge.Metrics.Updated.v1');
    expect(metrics.map((e) => [e.ts, e.data.tradingDay, e.data.dayPnl, e.data.balance])).toEqual([
      ['2026-01-05T23:00:00.000Z', '2026-01-05', '2000', '102000'],
    ]);
    // Tuesday starts from the midnight balance, 102000: equity 102000 + (P − 52000) = 97000 at
    // P = 47000; 47000.01 gives −4999.99.
    await h.tick('BTC', 47000.01, at('2026-01-06T09:00:00Z'));
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('BTC', 47000, at('2026-01-06T09:00:01Z'));
    const ref = { accountId: 'acc', preset: 'ftmo-100k', phase: 'FTMO Challenge' };
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'DAILY_LOSS', limit: '-5000', value: '-5000', action: 'FLATTEN_AND_HALT' },
    ]);
    expect(h.of('Evaluation.Rule.Violated.v1').map((e) => e.data)).toEqual([
      { ...ref, rule: 'DAILY_LOSS', limit: '-5000', value: '-5000', consequence: 'FAILED' },
    ]);
    expect(h.of('Challenge.Failed.v1').map((e) => e.data)).toEqual([
      { ...ref, rule: 'DAILY_LOSS', limit: '-5000', value: '-5000', message: expect.any(String) },
    ]);
    expect(h.of('Risk.CircuitBreaker.Tripped.v1')[0]!.data).toMatchObject({
      breaker: 'DAILY_LOSS',
      manualReset: true,
    });
    expect(h.of('Risk.Trading.Halted.v1')[0]!.data).toMatchObject({ state: 'HALTED', manualReset: true });
    expect(h.of('Trading.Position.Closed.v1').at(-1)!.data).toMatchObject({ reason: 'CIRCUIT_BREAKER' });
    // Metrics once per day, at each midnight.
    await h.runTo(at('2026-01-06T23:00:00Z'));
    expect(h.of('Challenge.Metrics.Updated.v1').map((e) => [e.ts, e.data.tradingDay, e.data.status])).toEqual(
      [
        ['2026-01-05T23:00:00.000Z', '2026-01-05', 'IN_PROGRESS'],
        ['2026-01-06T23:00:00.000Z', '2026-01-06', 'FAILED'],
      ],
    );
  });

  it('counts the day from midnight Prague: the limit moves at 23:00Z, not at 17:00 Chicago', async () => {
    const h = riskHarness(preset('ftmo-100k', 100000));
    await roundTrip(h, 'BTC', T0 + SECOND, 50000, 52000); // balance 102000
    await h.tick('BTC', 52000, T0 + 2 * MINUTE);
    await h.order({ symbol: 'BTC', side: 'buy', quantity: 1 });
    // Monday 23:59 Prague: equity 102000 − 5000 = 97000 is −3000 on Monday's 100000.
    await h.tick('BTC', 47000, at('2026-01-05T22:59:59.999Z'));
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    // At midnight the day restarts from the balance, 102000: the same equity is −5000.
    await h.runTo(at('2026-01-05T23:00:00Z'));
    const breached = h.of('Risk.Limit.Breached.v1');
    expect(breached.map((e) => [e.data.rule, e.data.value])).toEqual([['DAILY_LOSS', '-5000']]);
    expect(breached[0]!.ts).toBe('2026-01-05T23:00:00.000Z');
  });

  it('with dailyLoss switched off keeps the 10% maximum loss', async () => {
    const h = riskHarness(
      preset(
        'ftmo-100k',
        100000,
        '    rules: { dailyLoss: null }',
        '  - { id: p1, account: acc, symbol: BTC, side: long, quantity: 2, entryPrice: 50000 }',
      ),
    );
    // Floor 100000 − 10000 = 90000: equity 100000 + (P − 50000)·2 = 90000 at P = 45000.
    await h.tick('BTC', 47500, T0 + SECOND); // −5000: the daily limit would have broken here
    await h.tick('BTC', 45000.01, T0 + 2 * SECOND); // −9999.98
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('BTC', 45000, T0 + 3 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => [e.data.rule, e.data.limit, e.data.value])).toEqual([
      ['MAX_LOSS', '90000', '90000'],
    ]);
    expect(h.of('Challenge.Failed.v1').map((e) => e.data.rule)).toEqual(['MAX_LOSS']);
  });
});

describe('retail-crypto', () => {
  // Balance 10000: daily loss 3% = 300, one position's unrealized loss 1.5% = 150.
  const positions = `  - { id: p1, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 10000 }
  - { id: p2, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000 }`;

  it('closes a position at 1.5% and halts the day at 3% of the balance', async () => {
    const h = riskHarness(preset('retail-crypto', 10000, '', positions));
    // BTC: (P − 10000)·1 = −150 at 9850.
    await h.tick('BTC', 9850.01, T0 + SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('BTC', 9850, T0 + 2 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        rule: 'UNREALIZED_LOSS',
        limit: '-150',
        value: '-150',
        action: 'CLOSE_POSITION',
        positionId: 'p1',
        symbol: 'BTC',
      },
    ]);
    expect(h.of('Trading.Position.Closed.v1')[0]!.data).toMatchObject({
      reason: 'RISK_RULE',
      realizedPnl: '-150',
    });
    // ES (×50): −150 more at 5000 − 3 = 4997 makes the day −300: both limits at once, the account's
    // first. 4997.25 gives −137.5 (day −287.5).
    await h.tick('ES', 4997.25, T0 + 3 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(1);
    await h.tick('ES', 4997, T0 + 4 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1')[1]!.data).toEqual({
      accountId: 'acc',
      rule: 'DAILY_LOSS',
      limit: '-300',
      value: '-300',
      action: 'FLATTEN_AND_HALT',
    });
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(2);
    // Halted until 00:00 UTC.
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        state: 'HALTED',
        previousState: 'ACTIVE',
        reason: 'DAILY_LOSS',
        until: '2026-01-06T00:00:00.000Z',
      },
    ]);
    expect(h.of('Trading.Position.Closed.v1')[1]!.data).toMatchObject({
      positionId: 'p2',
      reason: 'CIRCUIT_BREAKER',
    });
    await h.runTo(at('2026-01-06T00:00:00Z'));
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => e.data.reason)).toEqual(['DAILY_RESET']);
  });

  it('with dailyLoss switched off only closes positions', async () => {
    const h = riskHarness(preset('retail-crypto', 10000, '    rules: { dailyLoss: null }', positions));
    await h.tick('BTC', 9850, T0 + SECOND);
    await h.tick('ES', 4997, T0 + 2 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => [e.data.rule, e.data.positionId])).toEqual([
      ['UNREALIZED_LOSS', 'p1'],
      ['UNREALIZED_LOSS', 'p2'],
    ]);
    expect(h.of('Risk.Trading.Halted.v1')).toHaveLength(0);
  });
});
