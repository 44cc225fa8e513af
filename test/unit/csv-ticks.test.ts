import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCsvTickSource, parseTickRecord } from '../../src/adapters/market-data/csv-ticks.ts';
import { isWardenError } from '../../src/domain/errors.ts';
import type { InputProblem, SourcedTick } from '../../src/domain/tick.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/ticks/${name}`, import.meta.url));

// 2024-03-01T10:00:00Z: 19783 days after the epoch (2024-01-01 is day 19723, + 31 + 29) plus 10 h.
const T10 = 19783 * 86_400_000 + 10 * 3_600_000;

async function readAll(path: string, signal?: AbortSignal) {
  const ticks: SourcedTick[] = [];
  const problems: InputProblem[] = [];
  for await (const t of createCsvTickSource(path).ticks({ signal, onProblem: (p) => problems.push(p) })) {
    ticks.push(t);
  }
  return { ticks, problems };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('parseTickRecord', () => {
  const row = (over: Record<string, string>) => ({
    ts: '1709287200000',
    symbol: 'BTC',
    price: '10',
    ...over,
  });

  it('parses epoch milliseconds and ISO times with Z or an offset', () => {
    expect(parseTickRecord(row({}), 2)).toEqual({ ts: T10, symbol: 'BTC', price: 10, line: 2 });
    expect(parseTickRecord(row({ ts: '2024-03-01T10:00:00Z' }), 2)).toMatchObject({ ts: T10 });
    expect(parseTickRecord(row({ ts: '2024-03-01T10:00:00.123456Z' }), 2)).toMatchObject({ ts: T10 + 123 });
    expect(parseTickRecord(row({ ts: '2024-03-01T12:30:00+02:30' }), 2)).toMatchObject({ ts: T10 });
    expect(parseTickRecord(row({ ts: '2024-03-01T05:00:00-0500' }), 2)).toMatchObject({ ts: T10 });
    // 2024 is a leap year: Feb 29 exists, and is the day before Mar 1.
    expect(parseTickRecord(row({ ts: '2024-02-29T10:00:00Z' }), 2)).toMatchObject({ ts: T10 - 86_400_000 });
  });

  it('reports a timestamp without a zone or an impossible date as malformed', () => {
    expect(parseTickRecord(row({ ts: '2024-03-01T10:00:00' }), 7)).toEqual({
      line: 7,
      code: 'WARDEN_TICK_MALFORMED',
      message: expect.stringContaining('no time zone'),
    });
    for (const ts of ['2023-02-29T10:00:00Z', '2024-03-01T24:00:00Z', '1.5e12', '', 'now']) {
      expect(parseTickRecord(row({ ts }), 3)).toMatchObject({ line: 3, code: 'WARDEN_TICK_MALFORMED' });
    }
  });

  it('classifies numbers: unparsable is malformed, NaN/zero/negative/infinite is a bad price', () => {
    expect(parseTickRecord(row({ price: 'abc' }), 7)).toEqual({
      line: 7,
      code: 'WARDEN_TICK_MALFORMED',
      message: 'line 7: price "abc" is not a number',
    });
    for (const price of ['0x10', '', '1,5', '12abc']) {
      expect(parseTickRecord(row({ price }), 4)).toMatchObject({ code: 'WARDEN_TICK_MALFORMED' });
    }
    for (const price of ['NaN', '0', '-0', '-3', 'Infinity', '-inf', '1e999']) {
      expect(parseTickRecord(row({ price }), 4)).toMatchObject({ line: 4, code: 'WARDEN_TICK_BAD_PRICE' });
    }
  });

  it('checks quotes: non-positive or crossed is a bad price; an empty quote field is absent', () => {
    expect(parseTickRecord(row({ bid: '0', ask: '11' }), 5)).toMatchObject({ code: 'WARDEN_TICK_BAD_PRICE' });
    expect(parseTickRecord(row({ bid: '10', ask: '-1' }), 5)).toMatchObject({
      code: 'WARDEN_TICK_BAD_PRICE',
    });
    expect(parseTickRecord(row({ bid: '10.5', ask: '10.25' }), 5)).toMatchObject({
      line: 5,
      code: 'WARDEN_TICK_BAD_PRICE',
      message: expect.stringContaining('crossed'),
    });
    expect(parseTickRecord(row({ bid: '9.75', ask: '9.75' }), 5)).toMatchObject({ bid: 9.75, ask: 9.75 });
    expect(parseTickRecord(row({ bid: '', ask: '', volume: '' }), 5)).toEqual({
      ts: T10,
      symbol: 'BTC',
      price: 10,
      line: 5,
    });
    expect(parseTickRecord(row({ volume: '-2' }), 5)).toMatchObject({ code: 'WARDEN_TICK_MALFORMED' });
  });

  it('reads every plain decimal exactly as Number() does', () => {
    const plain = fc
      .tuple(fc.stringMatching(/^[1-9]\d{0,9}$/), fc.stringMatching(/^\d{0,9}$/))
      .map(([i, f]) => (f === '' ? i : `${i}.${f}`));
    fc.assert(
      fc.property(plain, (s) => {
        const t = parseTickRecord(row({ price: s }), 2) as SourcedTick;
        expect(t.price).toBe(Number(s));
      }),
    );
  });
});

describe('createCsvTickSource', () => {
  it('reads ISO and epoch timestamps, and optional columns left empty', async () => {
    const { ticks, problems } = await readAll(fixture('valid.csv'));
    expect(problems).toEqual([]);
    expect(ticks).toEqual([
      { ts: T10, symbol: 'BTC-USD', price: 61234.5, bid: 61234, ask: 61235, volume: 0.25, line: 2 },
      { ts: T10 + 250, symbol: 'BTC-USD', price: 61236, line: 3 },
      { ts: T10 + 500, symbol: 'ETH-USD', price: 3400.1, bid: 3400, ask: 3400.2, volume: 2, line: 4 },
      { ts: T10 + 1000, symbol: 'ETH-USD', price: 3401, volume: 0, line: 5 },
    ]);
  });

  it('accepts the optional columns in another order and skips empty lines', async () => {
    const { ticks, problems } = await readAll(fixture('reordered.csv'));
    expect(problems).toEqual([]);
    expect(ticks).toEqual([
      { ts: T10, symbol: 'ES', price: 100.5, bid: 100.25, ask: 100.5, volume: 5, line: 2 },
      { ts: T10 + 1000, symbol: 'ES', price: 100.75, bid: 100.75, ask: 101, volume: 7, line: 4 },
    ]);
  });

  it('reports each bad row with its line and code, and keeps the good ones', async () => {
    const { ticks, problems } = await readAll(fixture('errors.csv'));
    expect(ticks.map((t) => [t.line, t.symbol, t.ts, t.price])).toEqual([
      [2, 'BTC-USD', T10, 100],
      [13, 'BTC-USD', T10 + 8000, 101.25],
      [17, 'ETH-USD', T10 + 12_000, 3000],
    ]);
    expect(problems.map((p) => [p.line, p.code])).toEqual([
      [3, 'WARDEN_TICK_MALFORMED'], // 6 columns under a 5-column header
      [5, 'WARDEN_TICK_MALFORMED'], // price abc
      [6, 'WARDEN_TICK_BAD_PRICE'], // NaN
      [7, 'WARDEN_TICK_BAD_PRICE'], // zero
      [8, 'WARDEN_TICK_BAD_PRICE'], // negative
      [9, 'WARDEN_TICK_BAD_PRICE'], // bid 101.5 > ask 101
      [10, 'WARDEN_TICK_MALFORMED'], // no zone
      [11, 'WARDEN_TICK_MALFORMED'], // "yesterday"
      [12, 'WARDEN_TICK_MALFORMED'], // Feb 30
      [14, 'WARDEN_TICK_BAD_PRICE'], // Infinity
      [15, 'WARDEN_TICK_BAD_PRICE'], // bid 0
      [16, 'WARDEN_TICK_MALFORMED'], // empty symbol
      [18, 'WARDEN_TICK_MALFORMED'], // quote never closed
    ]);
    expect(problems[0]?.message).toBe('line 3: expected 5 columns (ts,symbol,price,bid,ask), got 6');
    expect(problems[1]?.message).toBe('line 5: price "abc" is not a number');
  });

  it('throws WARDEN_TICK_MALFORMED when the header lacks a required column', async () => {
    const e = await rejection(readAll(fixture('missing-header.csv')));
    expect(isWardenError(e, 'WARDEN_TICK_MALFORMED')).toBe(true);
    expect((e as Error).message).toContain('header must contain ts, symbol, price; got "time,symbol,price"');
  });

  it('throws WARDEN_INPUT_NOT_FOUND with the path when the file does not exist', async () => {
    const path = join(tmpdir(), 'warden-no-such-dir', 'ticks.csv');
    const e = await rejection(readAll(path));
    expect(isWardenError(e, 'WARDEN_INPUT_NOT_FOUND')).toBe(true);
    expect((e as Error).message).toContain(path);
  });

  it('handles a BOM, CRLF line ends, quoted fields and rows split across read chunks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-csv-'));
    const path = join(dir, 'big.csv');
    const rows = 30_000; // about 1.2 MB: several 256 KiB chunks, so rows straddle chunk ends
    const lines = ['\uFEFFts,symbol,price,volume'];
    for (let i = 0; i < rows; i++) {
      const sym = i % 3 === 0 ? '"SYM-A"' : 'SYM-B';
      lines.push(`${T10 + i},${sym},${100 + i / 100},${i}`);
    }
    writeFileSync(path, `${lines.join('\r\n')}\r\n`);
    const { ticks, problems } = await readAll(path);
    expect(problems).toEqual([]);
    const expected = Array.from({ length: rows }, (_, i) => ({
      ts: T10 + i,
      symbol: i % 3 === 0 ? 'SYM-A' : 'SYM-B',
      price: 100 + i / 100,
      volume: i,
      line: i + 2,
    }));
    expect(ticks).toEqual(expected);
  });

  it('stops without an error when the signal aborts', async () => {
    const controller = new AbortController();
    const seen: SourcedTick[] = [];
    for await (const t of createCsvTickSource(fixture('valid.csv')).ticks({ signal: controller.signal })) {
      seen.push(t);
      controller.abort();
    }
    expect(seen).toHaveLength(1);
  });
});
