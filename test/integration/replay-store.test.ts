import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCsvTickSource } from '../../src/adapters/market-data/csv-ticks.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { loadConfig } from '../../src/app/config/load.ts';
import type { WardenConfig } from '../../src/app/config/schema.ts';
import { loadEdges } from '../../src/app/edges-file.ts';
import { inputHash } from '../../src/app/persistence/replay-run.ts';
import { type ReplaySummary, runReplay } from '../../src/app/replay.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';

const CONFIG = 'examples/prop-firm.yaml';
const TICKS = 'examples/data/prop-firm-ticks.csv';
const EDGES = 'examples/data/prop-firm-edges.jsonl';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-replay-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the prop-firm replay into the store at `path`; returns the JSONL lines and the summary. */
async function replay(
  path: string,
  options: { resume?: boolean; config?: WardenConfig; ticks?: string } = {},
): Promise<{ lines: string[]; summary: ReplaySummary }> {
  const config = options.config ?? (await loadConfig(CONFIG));
  const ticks = options.ticks ?? TICKS;
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const store = await openEventStore(path);
  try {
    const summary = await runReplay({
      config,
      source: createCsvTickSource(ticks),
      out,
      now: () => 0,
      edges: await loadEdges(EDGES, config),
      store: {
        store,
        name: path,
        inputHash: await inputHash([ticks, EDGES]),
        resume: options.resume === true,
        commitEveryTicks: 400,
      },
    });
    return { lines: text === '' ? [] : text.trimEnd().split('\n'), summary };
  } finally {
    await store.close();
  }
}

async function stored(path: string) {
  const store = await openEventStore(path);
  try {
    const events: Envelope[] = [];
    for await (const e of store.read()) events.push(e.envelope);
    return { events, positions: await store.positions(), decisions: await store.decisions() };
  } finally {
    await store.close();
  }
}

describe('replay --store', () => {
  it('stores exactly the events it prints, with the positions and decisions tables', async () => {
    const path = join(dir, 'run.db');
    const { lines, summary } = await replay(path);
    const printed = lines.map((l) => JSON.parse(l) as Envelope);
    const { events, positions, decisions } = await stored(path);
    expect(events).toEqual(printed);
    expect(summary.store).toMatchObject({ events: printed.length, resumedAfter: 0 });
    expect(summary.store!.commits).toBeGreaterThan(10);

    const opened = printed.filter((e) => e.type === 'Trading.Position.Opened.v1');
    const closed = new Set(
      printed.filter((e) => e.type === 'Trading.Position.Closed.v1').map((e) => e.data.positionId),
    );
    expect(positions.map((p) => p.id).sort()).toEqual(opened.map((e) => String(e.data.positionId)).sort());
    for (const p of positions) expect(p.status).toBe(closed.has(p.id) ? 'closed' : 'open');

    const made = printed.filter((e) => e.type === 'Agent.Decision.Made.v1');
    expect(made.length).toBeGreaterThan(0);
    expect(decisions.map((d) => d.id).sort()).toEqual(made.map((e) => e.id).sort());
    const first = made[0]!;
    expect(decisions.find((d) => d.id === first.id)).toMatchObject({
      positionId: first.data.positionId,
      accountId: first.data.accountId,
      decidedAt: Date.parse(first.ts),
      policy: first.data.policy,
      action: first.data.action,
      confidence: first.data.confidence,
      reasoning: first.data.reasoning,
    });
  });

  it('refuses a used store without --resume, and a resume of another config or other ticks', async () => {
    const path = join(dir, 'run.db');
    await replay(path);
    // A finished run is not suggested to be resumed (issue 12: a suggestion must work).
    await expect(replay(path)).rejects.toMatchObject({
      code: 'WARDEN_RESUME_MISMATCH',
      message: expect.stringContaining('replay into a new store'),
    });
    const other = await loadConfig(CONFIG);
    await expect(
      replay(path, { resume: true, config: { ...other, engine: { ...other.engine, seed: 8 } } }),
    ).rejects.toMatchObject({
      code: 'WARDEN_RESUME_MISMATCH',
      message: expect.stringContaining('configuration'),
    });
    const ticks = join(dir, 'ticks.csv');
    writeFileSync(ticks, 'ts,symbol,price\n2026-03-02T14:00:00Z,ES,5000\n');
    await expect(replay(path, { resume: true, ticks })).rejects.toMatchObject({
      code: 'WARDEN_RESUME_MISMATCH',
      message: expect.stringContaining('input files'),
    });
    await expect(replay(join(dir, 'empty.db'), { resume: true })).rejects.toMatchObject({
      code: 'WARDEN_RESUME_MISMATCH',
      message: expect.stringContaining('no replay to resume'),
    });
  });

  it('resuming a finished run re-derives and checks it, and adds nothing', async () => {
    const path = join(dir, 'run.db');
    await replay(path);
    const before = await stored(path);
    const again = await replay(path, { resume: true });
    expect(again.lines).toEqual([]);
    expect(again.summary.events).toBe(before.events.length);
    expect((await stored(path)).events).toEqual(before.events);
  });

  it('a resume that re-derives a different event than the stored one stops with WARDEN_REPLAY_DIVERGED', async () => {
    const path = join(dir, 'run.db');
    await replay(path);
    // Someone edits a stored event: the re-derived run no longer matches it.
    const db = new Database(path);
    db.prepare(`UPDATE events SET data = replace(data, '"ES"', '"NQ"') WHERE position = 3`).run();
    db.close();
    await expect(replay(path, { resume: true })).rejects.toMatchObject({
      code: 'WARDEN_REPLAY_DIVERGED',
      message: expect.stringContaining('position 3'),
    });
  });
});
