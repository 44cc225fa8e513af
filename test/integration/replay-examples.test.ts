import { describe, expect, it } from 'vitest';
import { replayLines } from '../support/replay-example.ts';

async function replay(
  config: string,
  ticks: string,
  edgesFile?: string,
): Promise<{ lines: string[]; types: Set<string> }> {
  const lines = await replayLines(config, ticks, edgesFile);
  return { lines, types: new Set(lines.map((l) => JSON.parse(l).type as string)) };
}

describe('example replays', () => {
  it('prop-firm.yaml shows a refusal, a daily loss breach, the flatten, the halt and the next day resume', async () => {
    const { lines } = await replay(
      'examples/prop-firm.yaml',
      'examples/data/prop-firm-ticks.csv',
      'examples/data/prop-firm-edges.jsonl',
    );
    const events = lines.map((l) => JSON.parse(l)).filter((e) => e.type !== 'Market.Candle.Closed.v1');
    const of = (type: string) => events.filter((e) => e.type === type);
    // Monday 08:30 CT: 2 ES at 5000 with the stop 10 points away risks 2 × 10 × 50 = 1,000, all of
    // the 1,000 daily loss headroom.
    expect(of('Risk.Order.Denied.v1').map((e) => [e.ts, e.data.reason])).toEqual([
      ['2026-03-02T14:30:00.000Z', 'DAILY_LOSS_HEADROOM'],
      ['2026-03-03T16:00:00.000Z', 'TRADING_HALTED'],
      ['2026-03-04T21:30:00.000Z', 'SESSION_CLOSED'],
    ]);
    // Tuesday: long 2 at 5017.75, the price gaps to 5005: (5005 − 5017.75) × 2 × 50 = −1,275.
    const breach = of('Risk.Limit.Breached.v1').find((e) => e.data.rule === 'DAILY_LOSS');
    expect(breach?.data).toMatchObject({ limit: '-1000', value: '-1275', action: 'FLATTEN_AND_HALT' });
    expect(of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'TS1',
        state: 'HALTED',
        previousState: 'ACTIVE',
        reason: 'DAILY_LOSS',
        until: '2026-03-03T23:00:00.000Z',
      },
    ]);
    expect(of('Risk.Trading.Resumed.v1').map((e) => [e.ts, e.data.reason])).toEqual([
      ['2026-03-03T23:00:00.000Z', 'DAILY_RESET'],
    ]);
    expect(of('Trading.Position.Closed.v1').map((e) => [e.data.reason, e.data.realizedPnl])).toEqual([
      ['TAKE_PROFIT', '3000'], // (5030 − 5000) × 2 × 50
      ['CIRCUIT_BREAKER', '-1275'],
      ['SESSION_END', '500'], // short 2 at 5000, flat by 15:10 CT at 4995: 5 × 2 × 50
    ]);
    // 17:00 Chicago is 23:00Z in March before the change to daylight time.
    // Each names the trading day it closes (the first one too, though the engine was built before
    // the replay's clock reached the first tick).
    expect(
      of('Challenge.Metrics.Updated.v1').map((e) => [
        e.ts,
        e.data.tradingDay,
        e.data.profit,
        e.data.tradingDays,
      ]),
    ).toEqual([
      ['2026-03-02T23:00:00.000Z', '2026-03-02', '3000', 1],
      ['2026-03-03T23:00:00.000Z', '2026-03-03', '1725', 2],
      ['2026-03-04T23:00:00.000Z', '2026-03-04', '2225', 3],
    ]);
    // Monday's 3,000 is more than half of the 2,225 profit: consistency keeps the phase open.
    expect(of('Challenge.Phase.Completed.v1')).toEqual([]);
  });

  it('basic.yaml shows stops, targets, trailing stops, milestones, partial exits and decisions', async () => {
    const { types, lines } = await replay('examples/basic.yaml', 'examples/data/basic-ticks.csv');
    for (const t of [
      'Position.StopLoss.Hit.v1',
      'Position.TakeProfit.Hit.v1',
      'Position.TrailingStop.Hit.v1',
      'Position.Profit.MilestoneReached.v1',
      'Position.Stop.Approaching.v1',
      'Position.Target.Approaching.v1',
      'Trading.Position.Reduced.v1',
      'Agent.Decision.Made.v1',
    ]) {
      expect(types, t).toContain(t);
    }
    const closed = lines.map((l) => JSON.parse(l)).filter((e) => e.type === 'Trading.Position.Closed.v1');
    expect(new Set(closed.map((e) => e.data.reason))).toEqual(
      new Set(['STOP_LOSS', 'TAKE_PROFIT', 'TRAILING_STOP']),
    );
  });

  it('monitoring.yaml shows thesis, time decay, volatility and correlation events and LOW summaries', async () => {
    const { types } = await replay('examples/monitoring.yaml', 'examples/data/monitoring-ticks.csv');
    for (const t of [
      'Position.Thesis.Invalidated.v1',
      'Position.Time.Decayed.v1',
      'Position.Volatility.Spiked.v1',
      'Position.Correlation.Spiked.v1',
      'Position.LowEvents.Summarized.v1',
    ]) {
      expect(types, t).toContain(t);
    }
    // No spurious stale-feed alert: the feed ticks every 10 s per symbol.
    expect(types).not.toContain('Risk.Alert.Triggered.v1');
  });

  it('agent.yaml consults each managed position at every 1h close while it is open, by the rules policy', async () => {
    const { lines } = await replay('examples/agent.yaml', 'examples/data/monitoring-ticks.csv');
    const events = lines.map((l) => JSON.parse(l));
    for (const id of ['btc-managed', 'eth-managed']) {
      const asked = events.filter(
        (e) =>
          e.type === 'Agent.Decision.Made.v1' &&
          e.data.positionId === id &&
          e.data.trigger === 'Market.Candle.Closed.v1',
      );
      const closed = events.findIndex(
        (e) => e.type === 'Trading.Position.Closed.v1' && e.data.positionId === id,
      );
      const symbol = id.startsWith('btc') ? 'BTC-USD' : 'ETH-USD';
      const hourly = events
        .slice(0, closed === -1 ? events.length : closed)
        .filter(
          (e) => e.type === 'Market.Candle.Closed.v1' && e.data.symbol === symbol && e.data.interval === '1h',
        );
      expect(asked.map((e) => e.causationId)).toEqual(hourly.map((e) => e.id));
      expect(asked.length).toBeGreaterThan(5);
      expect(new Set(asked.map((e) => e.data.policy))).toEqual(new Set(['rules']));
    }
  });

  it('gives identical events on every run', async () => {
    const a = await replay('examples/monitoring.yaml', 'examples/data/monitoring-ticks.csv');
    const b = await replay('examples/monitoring.yaml', 'examples/data/monitoring-ticks.csv');
    expect(b.lines).toEqual(a.lines);
  });
});
