import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createCsvTickSource } from '../../src/adapters/market-data/csv-ticks.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { loadConfig } from '../../src/app/config/load.ts';
import { loadEdges } from '../../src/app/edges-file.ts';
import { runReplay } from '../../src/app/replay.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * `warden events` filters that used to fail silently (print nothing, exit 0): a type without its
 * version, `*` patterns and lists, a mistyped type, an unknown account; and the candles, which
 * are most of a log, hidden from the readable listing by default. Against a SQLite store holding
 * the prop-firm example replay; expected positions come from the replay's own JSONL.
 */

const CANDLE = 'Market.Candle.Closed.v1';

let dir: string;
let events: Envelope[];
let store: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-events-filters-'));
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
  events = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Envelope);
  store = join(dir, 'store.db');
  const s = await openEventStore(store);
  for (let i = 0; i < events.length; i += 500) await s.append(events.slice(i, i + 500));
  await s.close();
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The global positions (`#N`) of the lines of `warden events`. */
function positions(stdout: string): number[] {
  return stdout === ''
    ? []
    : stdout
        .trimEnd()
        .split('\n')
        .map((l) => Number(/^#(\d+) /.exec(l)?.[1]));
}

/** The 1-based log positions of the events that pass `keep`. */
function expected(keep: (e: Envelope) => boolean): number[] {
  return events.flatMap((e, i) => (keep(e) ? [i + 1] : []));
}

describe.concurrent('warden events --type and --exclude-type', () => {
  it('takes a type without its version, in any case, as every version of it', async ({ expect }) => {
    const want = expected((e) => e.type === 'Trading.Position.Closed.v1');
    expect(want.length).toBeGreaterThan(0);
    const runs = await Promise.all([
      warden('events', '--store', store, '--type', 'Trading.Position.Closed'),
      warden('events', '--store', store, '--type', 'trading.position.closed'),
      warden('events', '--store', store, '--type', 'Trading.Position.Closed.v1'),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(positions(run.stdout)).toEqual(want);
    }
  });

  it('takes * patterns and comma-separated lists', async ({ expect }) => {
    const [trading, list, hits] = await Promise.all([
      warden('events', '--store', store, '--type', 'Trading.*'),
      warden('events', '--store', store, '--type', 'Trading.Position.*, Risk.Trading.*'),
      warden('events', '--store', store, '--type', '*.Hit', '--json'),
    ]);
    expect(trading.code, trading.stderr).toBe(0);
    const tradingWant = expected((e) => e.type.startsWith('Trading.'));
    expect(new Set(tradingWant.map((p) => events[p - 1]!.type)).size).toBeGreaterThan(2);
    expect(positions(trading.stdout)).toEqual(tradingWant);
    expect(list.code, list.stderr).toBe(0);
    expect(positions(list.stdout)).toEqual(
      expected((e) => e.type.startsWith('Trading.Position.') || e.type.startsWith('Risk.Trading.')),
    );
    expect(hits.code, hits.stderr).toBe(0);
    const hitTypes = hits.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as Envelope).type);
    expect(hitTypes).toEqual(events.filter((e) => /\.Hit\.v\d+$/.test(e.type)).map((e) => e.type));
    expect(hitTypes.length).toBeGreaterThan(0);
  });

  it('refuses a type that names nothing in the catalog with exit 2, suggesting the nearest', async ({
    expect,
  }) => {
    const [typo, pattern, excluded] = await Promise.all([
      warden('events', '--store', store, '--type', 'Trading.Postion.Closed'),
      warden('events', '--store', store, '--type', 'Trading.Position.Closed,Tradng.*'),
      warden('events', '--store', store, '--exclude-type', 'Market.Candles'),
    ]);
    for (const [run, flag] of [
      [typo, '--type'],
      [pattern, '--type'],
      [excluded, '--exclude-type'],
    ] as const) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(new RegExp(`^error \\[WARDEN_CONFIG_INVALID\\]: ${flag} `));
      expect(run.stderr).not.toMatch(STACK_FRAME);
    }
    expect(typo.stderr).toContain('did you mean Trading.Position.Closed.v1');
    expect(pattern.stderr).toContain('"Tradng.*"');
    expect(pattern.stderr).not.toContain('"Trading.Position.Closed"');
    expect(excluded.stderr).toContain('did you mean Market.Candle.Closed.v1');
  });

  it('leaves out excluded types, and counts --limit after the filter', async ({ expect }) => {
    const [excluded, limited] = await Promise.all([
      warden('events', '--store', store, '--exclude-type', 'Trading.Order.*,Entry.*'),
      warden('events', '--store', store, '--type', 'Trading.Position.*', '--limit', '2'),
    ]);
    expect(excluded.code, excluded.stderr).toBe(0);
    expect(positions(excluded.stdout)).toEqual(
      expected(
        (e) => !e.type.startsWith('Trading.Order.') && !e.type.startsWith('Entry.') && e.type !== CANDLE,
      ),
    );
    expect(limited.code, limited.stderr).toBe(0);
    expect(positions(limited.stdout)).toEqual(
      expected((e) => e.type.startsWith('Trading.Position.')).slice(0, 2),
    );
  });
});

describe.concurrent('warden events: candles and accounts', () => {
  it('hides candles from the readable listing and says how many; --candles or naming them shows them', async ({
    expect,
  }) => {
    const candles = expected((e) => e.type === CANDLE);
    // Candles are most of the log.
    expect(candles.length / events.length).toBeGreaterThan(0.9);
    const [plain, all, named] = await Promise.all([
      warden('events', '--store', store),
      warden('events', '--store', store, '--candles'),
      warden('events', '--store', store, '--type', 'Market.*', '--limit', '3'),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(positions(plain.stdout)).toEqual(expected((e) => e.type !== CANDLE));
    expect(plain.stderr).toBe(`(${candles.length} ${CANDLE} events not shown: --candles shows them)\n`);
    expect(all.code, all.stderr).toBe(0);
    expect(positions(all.stdout)).toEqual(expected(() => true));
    expect(all.stderr).toBe('');
    expect(named.code, named.stderr).toBe(0);
    expect(positions(named.stdout)).toEqual(candles.slice(0, 3));
  });

  it('--json is the complete log, candles too, unless filtered', async ({ expect }) => {
    const [all, filtered] = await Promise.all([
      warden('events', '--store', store, '--json'),
      warden('events', '--store', store, '--json', '--exclude-type', 'Market.Candle.Closed'),
    ]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(events.length);
    expect(all.stderr).toBe('');
    expect(filtered.code, filtered.stderr).toBe(0);
    const ids = filtered.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as Envelope).id);
    expect(ids).toEqual(events.filter((e) => e.type !== CANDLE).map((e) => e.id));
  });

  it('names an account that keys no event, on stderr, and says nothing matched', async ({ expect }) => {
    const [typo, known] = await Promise.all([
      warden('events', '--store', store, '--account', 'TS2'),
      warden('events', '--store', store, '--account', 'TS1', '--type', 'Trading.Position.Opened'),
    ]);
    expect(typo.code, typo.stderr).toBe(0);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toContain('no events keyed by "TS2"');
    expect(typo.stderr).toContain(store);
    expect(typo.stderr).toContain('no events match');
    expect(known.code, known.stderr).toBe(0);
    expect(known.stderr).toBe('');
    expect(positions(known.stdout)).toEqual(
      expected((e) => e.key === 'TS1' && e.type === 'Trading.Position.Opened.v1'),
    );
  });
});
