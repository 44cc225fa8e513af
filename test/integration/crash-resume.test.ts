import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import prand from 'pure-rand';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { CRASH_CONFIG, crashInputs } from '../support/crash-inputs.ts';
import { runAndKill } from '../support/replay-kill.ts';
import { warden } from '../support/warden-cli.ts';

// The crash test of the durability issue: a replay of 100,000 ticks with positions, triggers,
// entries and risk rules is killed with SIGKILL at 10 random moments and resumed each time; the
// log it ends with must equal an uninterrupted run's, event for event.
const TICKS = 100_000;
const KILLS = 10;

let dir: string;
let ticks: string;
let edges: string;

function replayArgs(store: string, resume: boolean): string[] {
  return [
    'replay',
    '-c',
    CRASH_CONFIG,
    '-t',
    ticks,
    '-e',
    edges,
    '--store',
    store,
    '--commit-every',
    '700',
    '--quiet',
    '-o',
    '/dev/null',
    ...(resume ? ['--resume'] : []),
  ];
}

async function readLog(path: string): Promise<Envelope[]> {
  const store = await openEventStore(path);
  try {
    const out: Envelope[] = [];
    for await (const e of store.read()) out.push(e.envelope);
    return out;
  } finally {
    await store.close();
  }
}

async function venueOrders(path: string): Promise<unknown[]> {
  const store = await openEventStore(path);
  try {
    return (await store.records('paper.orders')).map((r) => r.value);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-crash-'));
  const inputs = await crashInputs(dir, TICKS, 'crash-test');
  ticks = inputs.ticks;
  edges = inputs.edges;
  expect(inputs.edgeCount).toBeGreaterThan(20);
}, 180_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('crash and resume', () => {
  it(`a replay killed with SIGKILL ${KILLS} times and resumed ends with the uninterrupted run's log`, async () => {
    const whole = join(dir, 'whole.db');
    const crashed = join(dir, 'crashed.db');

    const uninterrupted = await warden(...replayArgs(whole, false));
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);

    // Ten kill points, random but reproducible, spread over the run (input records read).
    let rng = prand.xoroshiro128plus(20261121);
    const points: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const [n, next] = prand.uniformIntDistribution(2_000, TICKS - 2_000, rng);
      rng = next;
      points.push(n);
    }
    points.sort((a, b) => a - b);
    for (const [i, killAt] of points.entries()) {
      const ended = await runAndKill(replayArgs(crashed, i > 0), killAt);
      expect(ended.signal, `attempt ${i + 1} (kill at record ${killAt}) was not killed`).toBe('SIGKILL');
    }
    const finished = await warden(...replayArgs(crashed, true));
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stderr).toMatch(/resumed after input record \d+/);

    const expected = await readLog(whole);
    const actual = await readLog(crashed);
    // The run is worth the name: positions, triggers, orders and risk events.
    const types = new Set(expected.map((e) => e.type));
    for (const t of [
      'Trading.Position.Opened.v1',
      'Trading.Position.Closed.v1',
      'Trading.Order.Placed.v1',
      'Position.StopLoss.Hit.v1',
      'Entry.Edge.Evaluated.v1',
      'Risk.Order.Denied.v1',
      'Risk.Limit.Breached.v1',
      'Risk.Trading.Halted.v1',
    ]) {
      expect(types, t).toContain(t);
    }
    expect(actual.length).toBe(expected.length);
    expect(actual.map((e) => `${e.id} ${e.type}`)).toEqual(expected.map((e) => `${e.id} ${e.type}`));
    expect(actual).toEqual(expected);

    // The venue saw each client order id once: its order log matches the uninterrupted run's, and
    // no id was placed twice in the log.
    expect(await venueOrders(crashed)).toEqual(await venueOrders(whole));
    const placed = actual
      .filter((e) => e.type === 'Trading.Order.Placed.v1')
      .map((e) => `${String(e.data.accountId)}/${String(e.data.clientOrderId)}`);
    expect(placed.length).toBeGreaterThan(5);
    expect(new Set(placed).size).toBe(placed.length);

    const audit = await warden('audit', 'verify', '--store', crashed);
    expect(audit.code, audit.stderr).toBe(0);
  }, 240_000);
});
