import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createCsvTickSource } from '../../src/adapters/market-data/csv-ticks.ts';
import { loadConfig } from '../../src/app/config/load.ts';
import { runReplay } from '../../src/app/replay.ts';

async function replay(config: string, ticks: string): Promise<{ lines: string[]; types: Set<string> }> {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await runReplay({
    config: await loadConfig(config),
    source: createCsvTickSource(ticks),
    out,
    now: () => 0,
  });
  const lines = text.trimEnd().split('\n');
  return { lines, types: new Set(lines.map((l) => JSON.parse(l).type as string)) };
}

describe('example replays', () => {
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

  it('gives identical events on every run', async () => {
    const a = await replay('examples/monitoring.yaml', 'examples/data/monitoring-ticks.csv');
    const b = await replay('examples/monitoring.yaml', 'examples/data/monitoring-ticks.csv');
    expect(b.lines).toEqual(a.lines);
  });
});
