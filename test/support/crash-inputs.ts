import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warden } from './warden-cli.ts';

/** The configuration of the replays the crash tests kill and resume. */
export const CRASH_CONFIG = 'test/fixtures/crash/crash.yaml';

/**
 * Edges every 2 hours of the ticks, alternating accounts (`swing`, `scalp`), symbols and sides
 * (two longs, a short), with stops 1.5% and targets 3% away. Returns how many it wrote.
 */
export function writeEdges(ticksCsv: string, out: string, source: string): number {
  const lines = readFileSync(ticksCsv, 'utf8').trim().split('\n').slice(1);
  const edgeLines: string[] = [];
  let next = Date.parse('2026-03-02T02:00:00Z');
  for (const line of lines) {
    const [ts, symbol, price] = line.split(',');
    const t = Date.parse(ts!);
    if (t < next) continue;
    next += 2 * 3_600_000;
    const n = edgeLines.length;
    const p = Number(price);
    const long = n % 3 !== 2;
    const round = (x: number) => Math.round(x * 100) / 100;
    edgeLines.push(
      JSON.stringify({
        ts: new Date(t + 1).toISOString(),
        account: n % 2 === 0 ? 'swing' : 'scalp',
        market: symbol,
        side: long ? 'long' : 'short',
        probability: 0.6,
        source,
        stopPrice: round(long ? p * 0.985 : p * 1.015),
        targetPrice: round(long ? p * 1.03 : p * 0.97),
      }),
    );
  }
  writeFileSync(out, `${edgeLines.join('\n')}\n`);
  return edgeLines.length;
}

/**
 * Writes `count` seeded volatile ticks from 2026-03-02 (`generate-ticks` over the crash config)
 * and the edges over them into `dir`; their paths, and how many edges.
 */
export async function crashInputs(
  dir: string,
  count: number,
  source: string,
): Promise<{ ticks: string; edges: string; edgeCount: number }> {
  const ticks = join(dir, 'ticks.csv');
  const edges = join(dir, 'edges.jsonl');
  const generated = await warden(
    'generate-ticks',
    '-c',
    CRASH_CONFIG,
    '-n',
    String(count),
    '-s',
    '2026-03-02T00:00:00Z',
    '--volatility',
    '4',
    '-o',
    ticks,
  );
  if (generated.code !== 0)
    throw new Error(`generate-ticks failed (${generated.code}):\n${generated.stderr}`);
  return { ticks, edges, edgeCount: writeEdges(ticks, edges, source) };
}
