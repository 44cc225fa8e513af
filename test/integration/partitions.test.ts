import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { createCsvTickSource } from '../../src/adapters/market-data/csv-ticks.ts';
import { loadConfig } from '../../src/app/config/load.ts';
import type { WardenConfig } from '../../src/app/config/schema.ts';
import { loadEdges } from '../../src/app/edges-file.ts';
import { runReplay } from '../../src/app/replay.ts';
import { Runtime } from '../../src/app/runtime/runtime.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';

const EXAMPLES = [
  { config: 'examples/basic.yaml', ticks: 'examples/data/basic-ticks.csv' },
  { config: 'examples/monitoring.yaml', ticks: 'examples/data/monitoring-ticks.csv' },
  {
    config: 'examples/prop-firm.yaml',
    ticks: 'examples/data/prop-firm-ticks.csv',
    edges: 'examples/data/prop-firm-edges.jsonl',
  },
];

async function replayEvents(config: WardenConfig, ticks: string, edges?: string): Promise<Envelope[]> {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await runReplay({
    config,
    source: createCsvTickSource(ticks),
    out,
    now: () => 0,
    ...(edges !== undefined ? { edges: await loadEdges(edges, config) } : {}),
  });
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Envelope);
}

const ULID = /[0-9A-HJKMNP-TV-Z]{26}/g;

/**
 * The events grouped by key (account, or symbol for market events), each group in its own order,
 * with every id (event ids, and ids inside payloads: positions, orders, causes) replaced by the
 * order it first appears in. Two runs that differ only in how their ids interleave compare equal.
 */
function byAccount(events: readonly Envelope[]): string[] {
  const keys = [...new Set(events.map((e) => e.key))].sort();
  const ordinal = new Map<string, string>();
  const lines: string[] = [];
  for (const key of keys) {
    for (const e of events) {
      if (e.key !== key) continue;
      lines.push(
        JSON.stringify(e).replace(ULID, (id) => {
          let n = ordinal.get(id);
          if (n === undefined) {
            n = `#${ordinal.size}`;
            ordinal.set(id, n);
          }
          return n;
        }),
      );
    }
  }
  return lines;
}

function withPartitions(config: WardenConfig, partitions: number): WardenConfig {
  return { ...config, engine: { ...config.engine, partitions } };
}

describe('partitions', () => {
  for (const example of EXAMPLES) {
    it(`${example.config}: two and three partitions in one process give the events of one partition`, async () => {
      const config = await loadConfig(example.config);
      const one = await replayEvents(withPartitions(config, 1), example.ticks, example.edges);
      expect(one.length).toBeGreaterThan(20);
      const expected = byAccount(one);
      for (const p of [2, 3]) {
        const split = await replayEvents(withPartitions(config, p), example.ticks, example.edges);
        expect(split).toHaveLength(one.length);
        expect(byAccount(split)).toEqual(expected);
      }
    });
  }

  it('spreads the accounts of the examples over several pipelines (the comparison above is not trivial)', async () => {
    for (const [file, partitions] of [
      ['examples/basic.yaml', 2],
      ['examples/basic.yaml', 3],
      ['examples/monitoring.yaml', 3],
    ] as const) {
      const config = withPartitions(await loadConfig(file), partitions);
      const clock = new SimulatedClock();
      const rt = new Runtime(config, {
        clock,
        ids: createUlidGenerator({ clock, seed: 1 }),
        sink: { emit: () => {} },
      });
      expect(rt.partitions.length, `${file} over ${partitions} partitions`).toBeGreaterThan(1);
      expect(rt.partitions.flatMap((p) => p.accounts).sort()).toEqual(
        config.accounts.map((a) => a.id).sort(),
      );
      rt.stop();
    }
  });

  it('holds only the accounts of the partitions it is given', async () => {
    const config = withPartitions(await loadConfig('examples/basic.yaml'), 2);
    const clock = new SimulatedClock();
    const rt = new Runtime(config, {
      clock,
      ids: createUlidGenerator({ clock, seed: 1 }),
      sink: { emit: () => {} },
      partitions: { count: 2, held: [1] },
    });
    // acc-2 hashes to partition 1 of 2; acc-1 and acc-3 to partition 0.
    expect(rt.partitions.map((p) => [p.index, p.accounts])).toEqual([[1, ['acc-2']]]);
    expect(rt.partitionOf('acc-1')).toBeUndefined();
    expect(rt.accounts().map((a) => a.id)).toEqual(['acc-2']);
    rt.stop();
  });
});
