import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { warden } from '../support/warden-cli.ts';

/*
 * The price sanity guard through the real CLI: one row at ten times the price is a bad print
 * (WARDEN_TICK_OUTLIER, skipped, nothing fills at it), while a real crash confirmed by the ticks
 * after it still stops the position out.
 */

const CONFIG = `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 100000 }]
instruments: [{ symbol: BTC, tickSize: 0.01, lotSize: 0.001 }]
profiles: { default: { policy: hold, milestones: [] } }
positions:
  - { id: p, account: acc, symbol: BTC, side: short, quantity: 1, entryPrice: 64000, stopPrice: 65000 }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-price-guard-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 200 rows at one a second around 64,000, with `at` replacing some rows' prices. */
async function ticks(name: string, at: Record<number, number>): Promise<string> {
  const rows = ['ts,symbol,price'];
  for (let i = 0; i < 200; i++) {
    const ts = new Date(Date.parse('2026-03-02T14:00:00Z') + i * 1000).toISOString();
    rows.push(`${ts},BTC,${at[i] ?? 64000 + (i % 7)}`);
  }
  const path = join(dir, name);
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}

async function replay(name: string, at: Record<number, number>) {
  const config = join(dir, 'config.yaml');
  await writeFile(config, CONFIG);
  const out = join(dir, `${name}.jsonl`);
  const run = await warden('replay', '-c', config, '-t', await ticks(`${name}.csv`, at), '-o', out);
  const text = await readFile(out, 'utf8');
  const events =
    text === ''
      ? []
      : text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Envelope);
  return { run, events };
}

describe.concurrent('the price guard in a replay', () => {
  it('skips a row at ten times the price as a bad print: the short is not stopped out', async ({
    expect,
  }) => {
    const { run, events } = await replay('bad-print', { 50: 640064 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/line 52: BTC: price 640064 jumped from 64000 beyond the price guard/);
    expect(run.stderr).toMatch(/WARDEN_TICK_OUTLIER/);
    expect(run.stderr).toMatch(/^ {2}ticks +200 read, 199 accepted, 1 skipped$/m);
    expect(events.filter((e) => e.type === 'Position.StopLoss.Hit.v1')).toEqual([]);
    expect(events.filter((e) => e.type === 'Trading.Order.Filled.v1')).toEqual([]);
  });

  it('stops the short out on a real jump once the next ticks confirm it', async ({ expect }) => {
    // +15% at row 50, and it stays there.
    const up: Record<number, number> = {};
    for (let i = 50; i < 200; i++) up[i] = 73600 + (i % 5);
    const { run, events } = await replay('real-move', up);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^ {2}ticks +200 read, 200 accepted, 0 skipped$/m);
    const hit = events.find((e) => e.type === 'Position.StopLoss.Hit.v1');
    // Acted on at the second confirming tick (row 52), two seconds after the jump.
    expect(hit?.ts).toBe('2026-03-02T14:00:52.000Z');
    expect(events.some((e) => e.type === 'Trading.Position.Closed.v1' && e.data.reason === 'STOP_LOSS')).toBe(
      true,
    );
  });
});
