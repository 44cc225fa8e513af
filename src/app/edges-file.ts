import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CANDLE_INTERVALS } from '../domain/candles.ts';
import { WardenError } from '../domain/errors.ts';
import type { Edge } from '../engine/entry/entry-flow.ts';
import type { WardenConfig } from './config/schema.ts';

/** An edge with the moment it reaches the entry flow. */
export interface TimedEdge {
  readonly at: number;
  readonly edge: Edge;
}

const probability = z.number().min(0).max(1);
const price = z.number().positive();

/** One line of an edges file (JSON Lines), as documented in examples/README.md. */
const edgeLine = z
  .strictObject({
    ts: z.iso.datetime({
      offset: true,
      message: 'must be an ISO 8601 timestamp with a zone, e.g. 2026-03-09T14:30:00Z',
    }),
    account: z.string().min(1).optional(),
    market: z.string().min(1),
    side: z.enum(['long', 'short']),
    probability: probability.optional(),
    expectedMove: z.number().positive().optional(),
    confidence: probability.optional(),
    source: z.string().min(1).default('file'),
    limitPrice: price.optional(),
    stopPrice: price.optional(),
    targetPrice: price.optional(),
    binary: z.boolean().optional(),
    profile: z.string().min(1).optional(),
    thesis: z
      .strictObject({
        invalidationPrice: price.optional(),
        // The monitor watches a thesis on closed candles of one of these; any other would throw
        // when the position opens, in the middle of the run.
        interval: z
          .enum(CANDLE_INTERVALS, { message: `must be one of ${CANDLE_INTERVALS.join(', ')}` })
          .optional(),
        swingBreak: z.boolean().optional(),
        note: z.string().optional(),
      })
      .optional(),
  })
  .refine((e) => e.probability !== undefined || e.expectedMove !== undefined, {
    message: 'needs a probability or an expectedMove',
  })
  .refine((e) => e.binary === true || e.stopPrice !== undefined, {
    message: 'needs a stopPrice (only a binary contract sizes without one)',
  });

/**
 * Reads and checks an edges file for `warden replay --edges`: one JSON object per line, in time
 * order; blank lines and lines starting with `#` are skipped. Every bad line is reported at once
 * (`WARDEN_EDGES_INVALID`), so nothing runs on a half-valid file.
 */
export async function loadEdges(path: string, config: WardenConfig): Promise<TimedEdge[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `${path}: edges file not found or not readable`);
  });
  return parseEdges(text, config, path);
}

export function parseEdges(text: string, config: WardenConfig, source = 'edges'): TimedEdge[] {
  const accounts = new Set(config.accounts.map((a) => a.id));
  const markets = new Set(config.instruments.map((i) => i.symbol));
  const problems: string[] = [];
  const edges: TimedEdge[] = [];
  let last = Number.NEGATIVE_INFINITY;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${at}: not valid JSON`);
      continue;
    }
    const parsed = edgeLine.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        problems.push(`${at}: ${path}${issue.message}`);
      }
      continue;
    }
    const e = parsed.data;
    const accountId = e.account ?? config.accounts[0]!.id;
    if (!accounts.has(accountId)) problems.push(`${at}: account: ${accountId} is not a configured account`);
    if (!markets.has(e.market)) problems.push(`${at}: market: ${e.market} is not a configured instrument`);
    const ts = Date.parse(e.ts);
    if (ts < last)
      problems.push(`${at}: ts: ${e.ts} is earlier than the line before; edges must be in time order`);
    last = Math.max(last, ts);
    edges.push({
      at: ts,
      edge: {
        accountId,
        symbol: e.market,
        side: e.side,
        source: e.source,
        ...(e.probability !== undefined ? { probability: e.probability } : {}),
        ...(e.expectedMove !== undefined ? { expectedMove: e.expectedMove } : {}),
        ...(e.confidence !== undefined ? { confidence: e.confidence } : {}),
        ...(e.limitPrice !== undefined ? { limitPrice: e.limitPrice } : {}),
        ...(e.stopPrice !== undefined ? { stopPrice: e.stopPrice } : {}),
        ...(e.targetPrice !== undefined ? { targetPrice: e.targetPrice } : {}),
        ...(e.binary !== undefined ? { binary: e.binary } : {}),
        ...(e.profile !== undefined ? { profile: e.profile } : {}),
        ...(e.thesis !== undefined ? { thesis: e.thesis } : {}),
      },
    });
  }
  if (problems.length > 0) {
    // As the config loader does: the message says how many, `problems` lists them (the CLI prints
    // each on its own line; listing them in the message too printed every one twice).
    const n = problems.length;
    const shown = problems.slice(0, 50);
    const first = n > shown.length ? `, the first ${shown.length} listed` : '';
    throw new WardenError('WARDEN_EDGES_INVALID', `${source}: ${n} problem${n === 1 ? '' : 's'}${first}`, {
      source,
      count: n,
      problems: shown,
    });
  }
  return edges;
}
