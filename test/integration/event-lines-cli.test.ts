import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/domain/events/catalog.ts';
import { warden } from '../support/warden-cli.ts';

/*
 * `warden events` over the monitoring example (thesis invalidation, time decay, volatility and
 * correlation spikes, LOW summaries, decisions): every line's summary is a sentence, never the
 * payload as JSON nor a raw type name.
 */

let dir: string;
let store: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-event-lines-'));
  store = join(dir, 'monitoring.db');
  const run = await warden(
    'replay',
    '-c',
    'examples/monitoring.yaml',
    '-t',
    'examples/data/monitoring-ticks.csv',
    '--store',
    store,
    '-o',
    '/dev/null',
  );
  if (run.code !== 0) throw new Error(run.stderr);
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('warden events over the monitoring example', () => {
  it('summarizes every event in words', async () => {
    const { code, stdout, stderr } = await warden('events', '--store', store, '--candles');
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const types = new Set<string>();
    for (const line of lines) {
      const [, , type, , ...rest] = line.split(/ {2,}/);
      const summary = rest.join('  ');
      types.add(type!);
      expect(summary.startsWith('{'), line).toBe(false);
      for (const d of CATALOG) expect(summary, line).not.toContain(d.type.replace(/\.v\d+$/, ''));
    }
    // The types whose lines used to be their raw name or their payload are all there.
    for (const type of [
      'Position.Thesis.Invalidated.v1',
      'Position.Time.Decayed.v1',
      'Position.Volatility.Spiked.v1',
      'Position.Correlation.Spiked.v1',
      'Position.LowEvents.Summarized.v1',
      'Agent.Decision.Made.v1',
    ])
      expect(types).toContain(type);
  });
});
