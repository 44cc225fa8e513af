import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { FEED_RECORD, type FeedState } from '../../src/app/feed-resume.ts';
import { type DaemonProcess, daemonScope, type LogLine } from '../support/daemon-process.ts';
import { warden } from '../support/warden-cli.ts';

/*
 * What the daemon's log tells a new user, read as the JSON lines a pipe gets: times, the
 * position, account and symbol of each line, a refusal that repeats, a time decay due at start,
 * and where the synthetic feed goes on after a restart. Waits are for log lines, never sleeps.
 */

const scope = daemonScope('warden-daemon-logs-');
const daemon = (...args: string[]): DaemonProcess => scope.daemon(...args);

async function temp(name: string, text: string): Promise<string> {
  const path = join(scope.dir(), name);
  await writeFile(path, text);
  return path;
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Stops a daemon with SIGTERM and expects a clean exit. */
async function stop(d: DaemonProcess): Promise<void> {
  d.kill('SIGTERM');
  const { code } = await d.exited;
  if (code !== 0) throw new Error(`exit ${code}:\n${d.stderr()}`);
}

describe.concurrent('the daemon log', () => {
  it('is JSON lines with ISO times and the position, account and symbol a line is about', async ({
    expect,
  }) => {
    const d = daemon('--store', 'memory', '--no-socket');
    const opened = await d.waitFor((l) => l.msg.startsWith('opened '), 'a position opened');
    const watching = await d.waitFor((l) => l.msg.startsWith('watching '), 'a watching line');
    await stop(d);
    for (const line of d.lines) expect(line.time).toMatch(ISO_MS);
    expect(opened).toMatchObject({
      level: 30,
      event: 'Trading.Position.Opened.v1',
      positionId: expect.any(String),
      accountId: 'demo',
      symbol: expect.any(String),
    });
    expect(opened.msg).toContain(`[${String(opened.positionId)}]`);
    expect(watching).toMatchObject({
      accountId: 'demo',
      positionId: expect.any(String),
      price: expect.any(Number),
    });
  });

  it('--log-format pretty prints readable lines into a pipe, --log-format json JSON lines', async ({
    expect,
  }) => {
    const pretty = await warden(
      'run',
      '--duration',
      '1',
      '--store',
      'memory',
      '--no-socket',
      '--log-format',
      'pretty',
    );
    expect(pretty.code, pretty.stderr).toBe(0);
    const lines = pretty.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|DEBUG|ERROR): /);
    // The fields stay out of the readable lines: they hold them in their text already.
    expect(pretty.stdout).not.toContain('positionId');
    const json = await warden(
      'run',
      '--duration',
      '1',
      '--store',
      'memory',
      '--no-socket',
      '--log-format',
      'json',
    );
    expect(json.code, json.stderr).toBe(0);
    for (const line of json.stdout.trimEnd().split('\n')) expect(JSON.parse(line)).toHaveProperty('msg');
  });

  it('logs a refusal that repeats at its level once, then at debug with a count', async ({ expect }) => {
    // An account far too small for one ES contract: every demo entry is refused as SIZE_TOO_SMALL.
    const config = await temp(
      'too-small.yaml',
      `engine: { seed: 3 }
accounts: [{ id: small, balance: 1000 }]
instruments: [{ symbol: ES, tickSize: 0.25, lotSize: 1, multiplier: 50 }]
feed: { type: synthetic, tickIntervalMs: 100, symbols: [{ symbol: ES, startPrice: 5000 }] }
demo: { everySeconds: 0.2 }
`,
    );
    const d = daemon('--config', config, '--store', 'memory', '--no-socket', '--log-level', 'debug');
    await d.waitFor(
      (l) => l.event === 'Risk.Order.Denied.v1' && typeof l.repeats === 'number' && l.repeats >= 3,
      'a third refusal',
    );
    await stop(d);
    const denied = d.lines.filter((l) => l.event === 'Risk.Order.Denied.v1');
    expect(denied[0]).toMatchObject({ level: 40, accountId: 'small', symbol: 'ES' });
    expect(denied[0]!.msg).toContain('[SIZE_TOO_SMALL]');
    expect(denied[0]).not.toHaveProperty('repeats');
    expect(denied.slice(1).map((l) => [l.level, l.repeats])).toEqual(
      denied.slice(1).map((_, i) => [20, i + 2]),
    );
    // The edge refused with it is counted the same way.
    const refused = d.lines.filter((l) => l.event === 'Entry.Edge.Evaluated.v1');
    expect(refused.filter((l) => l.level >= 30)).toHaveLength(1);
  });

  it('says when a time decay fired at start because the position was already older than its limit', async ({
    expect,
  }) => {
    const openedAt = new Date(Date.now() - 100 * 3_600_000).toISOString();
    const config = await temp(
      'old-position.yaml',
      `engine: { seed: 5 }
accounts: [{ id: acc, balance: 100000 }]
instruments: [{ symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }]
positions:
  - { id: old-1, account: acc, symbol: BTC-USD, side: long, quantity: 0.1, entryPrice: 64000, stopPrice: 60000, targetPrice: 70000, openedAt: "${openedAt}" }
feed: { type: synthetic, tickIntervalMs: 250, symbols: [{ symbol: BTC-USD, startPrice: 64000 }] }
`,
    );
    const d = daemon('--config', config, '--store', 'memory', '--no-socket');
    const decayed = await d.waitFor((l) => l.event === 'Position.Time.Decayed.v1', 'the time decay line');
    await stop(d);
    expect(decayed).toMatchObject({
      positionId: 'old-1',
      accountId: 'acc',
      symbol: 'BTC-USD',
      decayedAtStart: { limitHours: 72, ageHours: expect.any(Number) },
    });
    const { ageHours } = decayed.decayedAtStart as { ageHours: number };
    expect(ageHours).toBeGreaterThanOrEqual(100);
    expect(ageHours).toBeLessThan(101);
  });

  it('goes on from the last stored price of each symbol after a restart, not from the seed price', async ({
    expect,
  }) => {
    const path = join(scope.dir(), 'feed.db');
    const first = await warden('run', '--duration', '2', '--no-socket', '--store', path);
    expect(first.code, first.stderr).toBe(0);

    // Where the first run left the feed, with the price of a position's symbol moved 0.3% in its
    // favour: the second run's prices must start there, far from the configured start price.
    const store = await openEventStore(path);
    let positionId: string;
    let stored: number;
    try {
      const state = (await store.record(FEED_RECORD.collection, FEED_RECORD.id)) as FeedState;
      expect(Object.keys(state.prices).sort()).toEqual(['BTC-USD', 'ES', 'ETH-USD']);
      expect(state.ticks).toBeGreaterThan(0);
      const [open] = await store.positions({ status: 'open' });
      expect(open).toBeDefined();
      positionId = open!.id;
      stored = open!.entryPrice * (open!.side === 'long' ? 1.003 : 0.997);
      stored = Math.round(stored * 100) / 100;
      await store.commit({
        records: [
          {
            ...FEED_RECORD,
            value: { prices: { ...state.prices, [open!.symbol]: stored }, ticks: state.ticks },
          },
        ],
      });
    } finally {
      await store.close();
    }

    const second = daemon('--store', path, '--no-socket');
    const watching: LogLine = await second.waitFor(
      (l) => l.msg.startsWith('watching ') && l.positionId === positionId,
      'the recovered position watched',
    );
    await stop(second);
    // A few seconds of a calm path move it by hundredths of a percent, never 0.2%.
    expect(Math.abs((watching.price as number) / stored - 1)).toBeLessThan(0.002);
  });
});
