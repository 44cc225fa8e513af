import { SimulatedClock } from '../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../src/adapters/ids/ulid.ts';
import { GENESIS_HASH, linkHash } from '../src/adapters/stores/chain.ts';
import type { Envelope, Urgency } from '../src/domain/events/envelope.ts';
import { START } from './support.ts';
import { random } from './triggers.ts';

/*
 * The store benchmark's input: envelopes like the engine's, and the rows an append of them into
 * an empty store writes, for the raw inserts to write the same.
 */

const SEED = 2027;

/** One event as the `events` table holds it, every value computed up front. */
export interface Row {
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly key: string;
  readonly version: number;
  readonly ts: string;
  readonly tsMs: number;
  readonly urgency: string | null;
  readonly causationId: string | null;
  readonly correlationId: string | null;
  readonly positionId: string | null;
  readonly data: string;
  readonly hash: string;
}

const SYMBOLS = ['ESZ5', 'NQZ5', 'BTC-USD', 'ETH-USD', 'CLZ5', 'GCZ5', 'EURUSD', 'AAPL', 'MSFT', 'TSLA'];

/** The envelopes: a seeded mix of the engine's event types, built field by field in envelope order. */
export function buildEvents(count: number, keys: number): Envelope[] {
  const rnd = random(SEED);
  const clock = new SimulatedClock(START);
  const ids = createUlidGenerator({ clock, seed: SEED });
  const lastOfKey = new Map<string, string>();
  const events: Envelope[] = [];
  for (let i = 0; i < count; i++) {
    clock.advanceTo(START + i * 3);
    const account = `acc-${String(Math.floor(rnd() * keys)).padStart(3, '0')}`;
    const symbol = SYMBOLS[Math.floor(rnd() * SYMBOLS.length)]!;
    const positionId = `pos-${account}-${Math.floor(rnd() * 20)}`;
    const price = Math.round((100 + rnd() * 5000) * 100) / 100;
    const pick = rnd();
    let type: string;
    let urgency: Urgency | undefined;
    let data: Record<string, unknown>;
    if (pick < 0.3) {
      type = 'Trading.Order.Placed.v1';
      data = {
        orderId: `ord-${i}`,
        positionId,
        accountId: account,
        symbol,
        side: rnd() < 0.5 ? 'buy' : 'sell',
        quantity: (1 + Math.floor(rnd() * 10)).toString(),
        orderType: 'market',
        price: price.toFixed(2),
        reduceOnly: rnd() < 0.5,
        reason: 'stop-loss',
      };
    } else if (pick < 0.55) {
      type = 'Trading.Order.Filled.v1';
      data = {
        orderId: `ord-${i - 1}`,
        positionId,
        accountId: account,
        symbol,
        side: rnd() < 0.5 ? 'buy' : 'sell',
        quantity: (1 + Math.floor(rnd() * 10)).toString(),
        price: price.toFixed(2),
        fee: (price * 0.0002).toFixed(4),
        liquidity: 'taker',
        venueOrderId: `v-${Math.floor(rnd() * 1e9)}`,
      };
    } else if (pick < 0.8) {
      type = rnd() < 0.5 ? 'Position.Stop.Approaching.v1' : 'Position.Profit.MilestoneReached.v1';
      urgency = 'MEDIUM';
      data = {
        positionId,
        accountId: account,
        symbol,
        side: rnd() < 0.5 ? 'long' : 'short',
        price,
        stopPrice: Math.round(price * 0.98 * 100) / 100,
        distance: Math.round(price * 0.02 * 100) / 100,
        distancePct: 2,
        unrealizedPnl: (rnd() * 2000 - 1000).toFixed(2),
        thresholds: [0.5, 1, 2],
      };
    } else if (pick < 0.9) {
      type = 'Trading.Position.Closed.v1';
      urgency = 'HIGH';
      data = {
        positionId,
        accountId: account,
        symbol,
        side: rnd() < 0.5 ? 'long' : 'short',
        quantity: (1 + Math.floor(rnd() * 10)).toString(),
        entryPrice: (price * 0.99).toFixed(2),
        exitPrice: price.toFixed(2),
        realizedPnl: (rnd() * 2000 - 1000).toFixed(2),
        reason: 'stop',
        heldMs: Math.floor(rnd() * 3_600_000),
      };
    } else if (pick < 0.95) {
      type = 'Risk.Limit.Breached.v1';
      urgency = 'CRITICAL';
      data = {
        accountId: account,
        rule: 'dailyLoss',
        limit: '-2500.00',
        value: (-2500 - rnd() * 100).toFixed(2),
        equity: (100_000 - rnd() * 3000).toFixed(2),
        dailyPnl: (-2500 - rnd() * 100).toFixed(2),
        openPositions: Math.floor(rnd() * 5),
        action: 'halt',
        tradingDay: '2026-01-05',
        details: { symbol, breachedAt: clock.now() },
      };
    } else {
      type = 'Market.Candle.Closed.v1';
      urgency = 'LOW';
      data = {
        symbol,
        interval: '1m',
        start: clock.now() - 60_000,
        end: clock.now(),
        open: price,
        high: price + 1.25,
        low: price - 1.5,
        close: price + 0.25,
        volume: Math.floor(rnd() * 10_000),
        ticks: Math.floor(rnd() * 500),
      };
    }
    const e: Record<string, unknown> = {
      id: ids.next(),
      type,
      key: account,
      ts: new Date(clock.now()).toISOString(),
    };
    if (urgency !== undefined) e.urgency = urgency;
    const cause = lastOfKey.get(account);
    if (cause !== undefined && rnd() < 0.8) {
      e.causationId = cause;
      e.correlationId = cause;
    }
    e.data = data;
    lastOfKey.set(account, e.id as string);
    events.push(e as unknown as Envelope);
  }
  return events;
}

/** The rows an append of `events` into an empty store writes, hash chain included. */
export function rowsOf(events: readonly Envelope[]): Row[] {
  const versions = new Map<string, number>();
  let previous = GENESIS_HASH;
  return events.map((e, i) => {
    const version = (versions.get(e.key) ?? 0) + 1;
    versions.set(e.key, version);
    const hash = linkHash(previous, i + 1, version, e);
    previous = hash;
    const positionId = (e.data as { positionId?: unknown }).positionId;
    return {
      position: i + 1,
      id: e.id,
      type: e.type,
      key: e.key,
      version,
      ts: e.ts,
      tsMs: Date.parse(e.ts),
      urgency: e.urgency ?? null,
      causationId: e.causationId ?? null,
      correlationId: e.correlationId ?? null,
      positionId: typeof positionId === 'string' ? positionId : null,
      data: JSON.stringify(e.data),
      hash,
    };
  });
}
