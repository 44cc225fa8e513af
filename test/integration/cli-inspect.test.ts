import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createCsvTickSource } from '../../src/adapters/market-data/csv-ticks.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { loadConfig } from '../../src/app/config/load.ts';
import { loadEdges } from '../../src/app/edges-file.ts';
import { runReplay } from '../../src/app/replay.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { expectFlagRefused, ROOT, STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * `warden events`, `explain` and `audit verify` against a real SQLite store holding the events of
 * the prop-firm example replay. Expected values are computed from the replay's own JSONL, never
 * from the code under test. Every test that changes a store works on a store of its own, so the
 * tests run concurrently; about twenty CLI processes in all.
 */

const BATCH = 250;
/** Each CLI run costs a second or two of CPU to start; concurrent runs on a busy machine wait. */
const CLI_TIMEOUT_MS = 180_000;

let dir: string;
/** The replay's JSONL lines and the envelopes they hold, in log order (position = index + 1). */
let lines: string[];
let events: Envelope[];
/** A store holding exactly `events`; only read by the tests. */
let store: string;

async function replayExample(): Promise<string> {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const config = await loadConfig('examples/prop-firm.yaml');
  await runReplay({
    config,
    source: createCsvTickSource('examples/data/prop-firm-ticks.csv'),
    out,
    now: () => 0,
    edges: await loadEdges('examples/data/prop-firm-edges.jsonl', config),
  });
  return text;
}

/** A new SQLite store in the temp directory holding the replay's events, appended in batches. */
async function buildStore(name: string): Promise<string> {
  const path = join(dir, name);
  const s = await openEventStore(path);
  for (let i = 0; i < events.length; i += BATCH) await s.append(events.slice(i, i + BATCH));
  await s.close();
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-inspect-'));
  lines = (await replayExample()).trimEnd().split('\n');
  events = lines.map((l) => JSON.parse(l) as Envelope);
  store = await buildStore('store.db');
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The output's lines, without the final newline. */
function outLines(stdout: string): string[] {
  return stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n');
}

/** The global positions (`#N`) of the lines of `warden events`. */
function positions(stdout: string): number[] {
  return outLines(stdout).map((l) => Number(/^#(\d+) /.exec(l)?.[1]));
}

/** The 1-based log positions of the captured events that pass `keep`. */
function expected(keep: (e: Envelope) => boolean): number[] {
  return events.flatMap((e, i) => (keep(e) ? [i + 1] : []));
}

function closeBy(reason: string): Envelope {
  const close = events.find((e) => e.type === 'Trading.Position.Closed.v1' && e.data.reason === reason);
  if (close === undefined) throw new Error(`the example has no ${reason} close`);
  return close;
}

describe.concurrent('warden events', { timeout: CLI_TIMEOUT_MS }, () => {
  it('lists every event in log order, one line each with position, time, type and key', async ({
    expect,
  }) => {
    const { code, stdout, stderr } = await warden('events', '--store', store, '--candles');
    expect(code, stderr).toBe(0);
    const got = outLines(stdout);
    expect(got).toHaveLength(events.length);
    got.forEach((line, i) => {
      const e = events[i]!;
      expect(line.split(/ {2,}/).slice(0, 4)).toEqual([`#${i + 1}`, e.ts, e.type, e.key]);
    });
  });

  it('filters by type, account, position, time and limit', async ({ expect }) => {
    const tp = closeBy('TAKE_PROFIT').data.positionId as string;
    const since = '2026-03-03T14:00:00.000Z';
    const until = '2026-03-03T16:00:00.000Z';
    const cases: Array<[string[], number[]]> = [
      [['--type', 'Trading.Position.Closed.v1'], expected((e) => e.type === 'Trading.Position.Closed.v1')],
      [['--account', 'TS1'], expected((e) => e.key === 'TS1')],
      [['--position', tp], expected((e) => e.data.positionId === tp)],
      // The readable listing leaves candles out unless asked for.
      [
        ['--since', since, '--until', until],
        expected((e) => e.ts >= since && e.ts < until && e.type !== 'Market.Candle.Closed.v1'),
      ],
      [['--since', since, '--until', until, '--candles'], expected((e) => e.ts >= since && e.ts < until)],
      [
        ['--account', 'TS1', '--type', 'Trading.Order.Filled.v1', '--since', since],
        expected((e) => e.key === 'TS1' && e.type === 'Trading.Order.Filled.v1' && e.ts >= since),
      ],
      [
        ['--limit', '5', '--candles'],
        [1, 2, 3, 4, 5],
      ],
      [['--limit', '5'], expected((e) => e.type !== 'Market.Candle.Closed.v1').slice(0, 5)],
    ];
    const runs = await Promise.all(cases.map(([args]) => warden('events', '--store', store, ...args)));
    runs.forEach((run, i) => {
      const [args, want] = cases[i]!;
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      expect(positions(run.stdout), args.join(' ')).toEqual(want);
    });
    // The filters are not vacuous: each case selects something, and not everything.
    for (const [args, want] of cases) {
      expect(want.length, args.join(' ')).toBeGreaterThan(0);
      expect(want.length, args.join(' ')).toBeLessThan(events.length);
    }
  });

  it('--json prints the stored envelopes exactly as the replay wrote them', async ({ expect }) => {
    const tp = closeBy('TAKE_PROFIT').data.positionId as string;
    const [fills, position] = await Promise.all([
      warden('events', '--store', store, '--json', '--type', 'Trading.Order.Filled.v1'),
      warden('events', '--store', store, '--json', '--position', tp),
    ]);
    expect(fills.code, fills.stderr).toBe(0);
    expect(outLines(fills.stdout)).toEqual(
      lines.filter((_, i) => events[i]!.type === 'Trading.Order.Filled.v1'),
    );
    expect(position.code, position.stderr).toBe(0);
    expect(outLines(position.stdout)).toEqual(lines.filter((_, i) => events[i]!.data.positionId === tp));
  });

  it('refuses a bad --since or --limit with exit 2 naming the flag', async () => {
    const runs = await Promise.all([
      warden('events', '--store', store, '--since', 'yesterday'),
      warden('events', '--store', store, '--limit', '-1'),
    ]);
    expectFlagRefused(runs[0]!, '--since');
    expectFlagRefused(runs[1]!, '--limit');
  });

  it('names a SQLite store that does not exist and does not create it', async ({ expect }) => {
    const missing = join(dir, 'no-such.db');
    const run = await warden('events', '--store', missing);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('WARDEN_STORE_NOT_FOUND');
    expect(run.stderr).toContain(missing);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(missing)).toBe(false);
  });

  it('--follow prints matching events appended later, then exits 0 on SIGTERM', async ({ expect }) => {
    const path = await buildStore('follow.db');
    const type = 'Risk.Trading.Resumed.v1';
    const child = spawn(
      process.execPath,
      ['bin/warden.js', 'events', '--store', path, '--type', type, '--follow', '--json'],
      { cwd: ROOT, env: { ...process.env, WARDEN_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    try {
      const before = lines.filter((_, i) => events[i]!.type === type);
      await outputUntil(
        child,
        () => outLines(stdout).length >= before.length,
        () => stderr,
      );
      expect(outLines(stdout)).toEqual(before);

      const s = await openEventStore(path);
      const resumed = (reason: string): Envelope => ({
        id: ulid(),
        type,
        key: 'TS1',
        ts: new Date().toISOString(),
        data: { accountId: 'TS1', state: 'ACTIVE', previousState: 'HALTED', reason },
      });
      const other: Envelope = { ...resumed('x'), type: 'Risk.Trading.Halted.v1' };
      const first = [resumed('FOLLOW_1'), other, resumed('FOLLOW_2')];
      const second = [resumed('FOLLOW_3')];
      try {
        await s.append(first);
        await outputUntil(
          child,
          () => stdout.includes('FOLLOW_2'),
          () => stderr,
        );
        await s.append(second);
        await outputUntil(
          child,
          () => stdout.includes('FOLLOW_3'),
          () => stderr,
        );
      } finally {
        await s.close();
      }
      const added = [first[0]!, first[2]!, second[0]!].map((e) => JSON.stringify(e));
      expect(outLines(stdout)).toEqual([...before, ...added]);
    } finally {
      child.kill('SIGTERM');
    }
    const { code, signal } = await exited;
    expect(signal).toBe(null);
    expect(code, stderr).toBe(0);
  });
});

/**
 * Resolves once `done()` holds, checked each time the child writes to stdout (after the listener
 * that collects the output); rejects if the child exits first or after `boundMs`.
 */
function outputUntil(child: ChildProcess, done: () => boolean, stderr: () => string, boundMs = 20_000) {
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('close', exited);
      if (error === undefined) resolve();
      else reject(error);
    };
    const check = () => {
      if (done()) finish();
    };
    const exited = () => finish(new Error(`warden events --follow exited early\n${stderr()}`));
    const timer = setTimeout(
      () => finish(new Error(`warden events --follow did not print what was expected\n${stderr()}`)),
      boundMs,
    );
    child.stdout?.on('data', check);
    child.on('close', exited);
    check();
  });
}

describe.concurrent('warden explain', { timeout: CLI_TIMEOUT_MS }, () => {
  it('shows the trigger, the exit order, its fill and the close, each under its cause', async ({
    expect,
  }) => {
    const close = closeBy('TAKE_PROFIT');
    const id = close.data.positionId as string;
    const { code, stdout, stderr } = await warden('explain', id, '--store', store);
    expect(code, stderr).toBe(0);
    const got = outLines(stdout);
    const mine = events.filter((e) => e.data.positionId === id);
    const hit = mine.find((e) => e.type === 'Position.TakeProfit.Hit.v1')!;
    expect(got[0]).toMatch(new RegExp(`^position ${id} `));
    const depthOf = (type: string, after = 0) => {
      const at = got.findIndex((l, i) => i >= after && l.includes(`  ${type}  `));
      expect(at, type).toBeGreaterThan(0);
      return { at, depth: /^ */.exec(got[at]!)![0].length / 2 };
    };
    const trigger = depthOf('Position.TakeProfit.Hit.v1');
    const order = depthOf('Trading.Order.Placed.v1', trigger.at);
    const fill = depthOf('Trading.Order.Filled.v1', order.at);
    const closed = depthOf('Trading.Position.Closed.v1', fill.at);
    expect([order.at, fill.at, closed.at]).toEqual([trigger.at + 1, trigger.at + 2, trigger.at + 3]);
    expect([order.depth, fill.depth, closed.depth]).toEqual([
      trigger.depth + 1,
      trigger.depth + 2,
      trigger.depth + 3,
    ]);
    expect(got[trigger.at]).toContain(hit.ts);
    expect(got[trigger.at]).toContain(`tick ${String(hit.data.price)}`);
    expect(got[closed.at]).toContain('TAKE_PROFIT');
    expect(got.at(-1)).toContain(`realized PnL ${String(close.data.realizedPnl)}`);
    // Every event of the position is there.
    expect(got.length - 2).toBeGreaterThanOrEqual(mine.length);
  });

  it('--json prints the position id and its chain in log order', async ({ expect }) => {
    const close = closeBy('CIRCUIT_BREAKER');
    const id = close.data.positionId as string;
    const { code, stdout, stderr } = await warden('explain', id, '--store', store, '--json');
    expect(code, stderr).toBe(0);
    const doc = JSON.parse(stdout) as { positionId: string; events: Envelope[] };
    expect(doc.positionId).toBe(id);
    const ids = doc.events.map((e) => e.id);
    const order = ids.map((x) => events.findIndex((e) => e.id === x));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The position's events, and the breach whose chain flattened it (it names no position).
    for (const e of events.filter((x) => x.data.positionId === id)) expect(ids).toContain(e.id);
    expect(ids).toContain(close.correlationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('exits 2 with WARDEN_UNKNOWN_POSITION naming the id and the store', async ({ expect }) => {
    const { code, stdout, stderr } = await warden('explain', 'NO-SUCH-POSITION', '--store', store);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error \[WARDEN_UNKNOWN_POSITION\]: /);
    expect(stderr).toContain('NO-SUCH-POSITION');
    expect(stderr).toContain(store);
    expect(stderr).not.toMatch(STACK_FRAME);
  });
});

describe.concurrent('warden audit verify', { timeout: CLI_TIMEOUT_MS }, () => {
  it('says ok with the count and the head hash of an intact log', async ({ expect }) => {
    const { code, stdout, stderr } = await warden('audit', 'verify', '--store', store);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`^ok: ${events.length} events, head hash [0-9a-f]{64}\\n$`));
  });

  it('names the position and event id of a row whose data was changed, and exits 1', async ({ expect }) => {
    const path = await buildStore('tampered.db');
    const index = events.indexOf(closeBy('TAKE_PROFIT'));
    const target = events[index]!;
    const db = new Database(path);
    try {
      const data = { ...target.data, realizedPnl: '30000' };
      const changed = db
        .prepare('UPDATE events SET data = ? WHERE position = ?')
        .run(JSON.stringify(data), index + 1).changes;
      expect(changed).toBe(1);
    } finally {
      db.close();
    }
    const [text, json] = await Promise.all([
      warden('audit', 'verify', '--store', path),
      warden('audit', 'verify', '--store', path, '--json'),
    ]);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^error \[WARDEN_AUDIT_BROKEN\]: /);
    expect(text.stderr).toContain(`position ${index + 1}`);
    expect(text.stderr).toContain(target.id);
    expect(text.stderr).not.toMatch(STACK_FRAME);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout) as {
      ok: boolean;
      checked: number;
      broken: { position: number; id: string };
    };
    expect(result).toMatchObject({
      ok: false,
      checked: index,
      broken: { position: index + 1, id: target.id },
    });
  });

  it('lists verify in `warden audit --help`', async ({ expect }) => {
    const { code, stdout } = await warden('audit', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s+verify\b/m);
  });
});
