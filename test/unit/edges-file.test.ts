import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/app/config/load.ts';
import { loadEdges, parseEdges } from '../../src/app/edges-file.ts';
import { WardenError } from '../../src/domain/errors.ts';

const config = parseConfig(
  `
accounts:
  - { id: A1, balance: 100000 }
  - { id: A2, balance: 50000 }
instruments:
  - { symbol: ES, tickSize: 0.25, multiplier: 50 }
  - { symbol: KX, tickSize: 0.01 }
`,
  { source: 'test', env: {} },
);

/** The error `parseEdges` throws on `text`, which must be WARDEN_EDGES_INVALID. */
function problems(text: string): { message: string; problems: string[]; count: number } {
  try {
    parseEdges(text, config, 'edges.jsonl');
  } catch (error) {
    expect(error).toBeInstanceOf(WardenError);
    const e = error as WardenError;
    expect(e.code).toBe('WARDEN_EDGES_INVALID');
    const details = e.details as { problems: string[]; count: number; source: string };
    expect(details.source).toBe('edges.jsonl');
    return { message: e.message, problems: details.problems, count: details.count };
  }
  throw new Error('parseEdges accepted the file');
}

const line = (fields: Record<string, unknown>): string =>
  JSON.stringify({
    ts: '2026-03-02T14:30:00Z',
    market: 'ES',
    side: 'long',
    probability: 0.6,
    stopPrice: 4990,
    targetPrice: 5020,
    ...fields,
  });

describe('parseEdges', () => {
  it('reads every field, with the first account and source "file" by default', () => {
    const text = [
      '# a comment',
      '',
      line({}),
      '   ',
      '  # an indented comment',
      line({
        ts: '2026-03-02T08:31:00-06:00',
        account: 'A2',
        side: 'short',
        source: 'model-b',
        probability: undefined,
        expectedMove: 0.01,
        confidence: 0.7,
        limitPrice: 5001,
        stopPrice: 5010,
        targetPrice: undefined,
        profile: 'swing',
        thesis: { invalidationPrice: 5012, interval: '15m', swingBreak: true, note: 'fade' },
      }),
      JSON.stringify({
        ts: '2026-03-02T14:32:00.000Z',
        market: 'KX',
        side: 'long',
        probability: 0.7,
        binary: true,
        limitPrice: 0.55,
      }),
    ].join('\r\n');
    expect(parseEdges(text, config)).toEqual([
      {
        at: Date.parse('2026-03-02T14:30:00Z'),
        edge: {
          accountId: 'A1',
          symbol: 'ES',
          side: 'long',
          source: 'file',
          probability: 0.6,
          stopPrice: 4990,
          targetPrice: 5020,
        },
      },
      {
        at: Date.parse('2026-03-02T14:31:00Z'),
        edge: {
          accountId: 'A2',
          symbol: 'ES',
          side: 'short',
          source: 'model-b',
          expectedMove: 0.01,
          confidence: 0.7,
          limitPrice: 5001,
          stopPrice: 5010,
          profile: 'swing',
          thesis: { invalidationPrice: 5012, interval: '15m', swingBreak: true, note: 'fade' },
        },
      },
      {
        at: Date.parse('2026-03-02T14:32:00Z'),
        edge: {
          accountId: 'A1',
          symbol: 'KX',
          side: 'long',
          source: 'file',
          probability: 0.7,
          binary: true,
          limitPrice: 0.55,
        },
      },
    ]);
  });

  it('accepts an empty file and one of only comments', () => {
    expect(parseEdges('', config)).toEqual([]);
    expect(parseEdges('# nothing yet\n\n# still nothing\n', config)).toEqual([]);
  });

  it('keeps edges with the same ts in file order', () => {
    const edges = parseEdges([line({ source: 'one' }), line({ source: 'two' })].join('\n'), config);
    expect(edges.map((e) => e.edge.source)).toEqual(['one', 'two']);
  });

  it('lists every problem of every line with its line number, and nothing runs', () => {
    const text = [
      '# edges with one problem a line', // 1
      line({}), // 2: fine
      '{"ts": "2026-03-02T14:30:00Z", "market": "ES",', // 3: bad JSON
      line({ size: 3 }), // 4: unknown field
      line({ side: undefined }), // 5: missing side
      line({ probability: 1.5 }), // 6: probability above 1
      line({ probability: undefined }), // 7: neither probability nor expectedMove
      line({ stopPrice: undefined }), // 8: no stop for a non-binary
      line({ market: 'NQ' }), // 9: unknown market
      line({ account: 'ZZ' }), // 10: unknown account
      '', // 11
      line({ ts: '2026-03-02T14:29:59Z' }), // 12: earlier than line 10
      line({ ts: '2026-03-02 14:30' }), // 13: no zone
    ].join('\n');
    const { message, problems: list } = problems(text);
    expect(list).toHaveLength(10);
    const at = (n: number) => list.filter((p) => p.startsWith(`line ${n}: `));
    expect(at(2)).toEqual([]);
    expect(at(3)).toEqual(['line 3: not valid JSON']);
    expect(at(4)).toHaveLength(1);
    expect(at(4)[0]).toMatch(/size/);
    expect(at(5)).toHaveLength(1);
    expect(at(5)[0]).toMatch(/^line 5: side: /);
    expect(at(6)).toHaveLength(1);
    expect(at(6)[0]).toMatch(/^line 6: probability: .*1/);
    expect(at(7)).toEqual(['line 7: needs a probability or an expectedMove']);
    expect(at(8)).toEqual(['line 8: needs a stopPrice (only a binary contract sizes without one)']);
    expect(at(9)).toEqual(['line 9: market: NQ is not a configured instrument']);
    expect(at(10)).toEqual(['line 10: account: ZZ is not a configured account']);
    expect(at(12)).toEqual([
      'line 12: ts: 2026-03-02T14:29:59Z is earlier than the line before; edges must be in time order',
    ]);
    expect(at(13)).toEqual([
      'line 13: ts: must be an ISO 8601 timestamp with a zone, e.g. 2026-03-09T14:30:00Z',
    ]);
    // The message names the file and the count; the problems are listed once, in the details
    // (the CLI prints each on its own line, as for the config file).
    expect(message).toBe('edges.jsonl: 10 problems');
    expect(list[0]).toBe('line 3: not valid JSON');
  });

  it('names the one problem of a one-problem file in the singular', () => {
    const { message, problems: list } = problems(line({ side: 'up' }));
    expect(message).toBe('edges.jsonl: 1 problem');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(/^line 1: side: /);
  });

  it('refuses a line that is JSON but not an object', () => {
    const { problems: list } = problems('[1, 2]\nnull\n"edge"');
    expect(list.map((p) => p.slice(0, 8))).toEqual(['line 1: ', 'line 2: ', 'line 3: ']);
  });

  it('refuses a thesis interval the monitor cannot watch', () => {
    const { problems: list } = problems(line({ thesis: { invalidationPrice: 4980, interval: '7x' } }));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(/^line 1: thesis\.interval: /);
  });

  it('lists at most 50 problems and says how many there are', () => {
    const text = Array.from({ length: 60 }, () => 'not json').join('\n');
    const { message, problems: list, count } = problems(text);
    expect(message).toBe('edges.jsonl: 60 problems, the first 50 listed');
    expect(count).toBe(60);
    expect(list).toHaveLength(50);
    expect(list.at(-1)).toBe('line 50: not valid JSON');
  });
});

describe('loadEdges', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-edges-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file', async () => {
    const path = join(dir, 'edges.jsonl');
    await writeFile(path, `${line({})}\n`);
    const edges = await loadEdges(path, config);
    expect(edges.map((e) => e.edge.symbol)).toEqual(['ES']);
  });

  it('names the file in its problems', async () => {
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, 'oops\n');
    await expect(loadEdges(path, config)).rejects.toMatchObject({
      code: 'WARDEN_EDGES_INVALID',
      message: `${path}: 1 problem`,
      details: { problems: ['line 1: not valid JSON'] },
    });
  });

  it('says WARDEN_INPUT_NOT_FOUND for a missing file', async () => {
    const path = join(dir, 'missing.jsonl');
    const error = await loadEdges(path, config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WardenError);
    expect(error).toMatchObject({ code: 'WARDEN_INPUT_NOT_FOUND' });
    expect((error as Error).message).toContain(path);
  });
});
