import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { createPaperVenue } from '../../src/adapters/venues/paper/paper-venue.ts';
import {
  type Composition,
  compose,
  instrumentsOf,
  processTick,
  startWithInitialPositions,
} from '../../src/app/compose.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import { riskSpecsOf } from '../../src/app/config/risk.ts';
import { paperVenueConfig } from '../../src/app/config/venues.ts';
import { VenueError } from '../../src/domain/errors.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { Order, OrderRequest } from '../../src/domain/order.ts';
import type { Tick } from '../../src/domain/tick.ts';
import { Engine } from '../../src/engine/engine.ts';
import { EventFactory } from '../../src/engine/event-factory.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import { ExecutionService } from '../../src/engine/execution/execution-service.ts';
import { RiskEngine } from '../../src/engine/risk/risk-engine.ts';
import { FlakyVenue } from './flaky-venue.ts';
import { compositionDriver, T0 } from './monitor-harness.ts';

export { T0 };

export const SECOND = 1000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** Instant of an ISO time, for readable expectations. */
export const at = (iso: string): number => Date.parse(iso);

/**
 * The whole composition on a simulated clock, like `monitoredHarness`, with what the risk tests
 * need on top: a chosen start time, timers run one at a time (each one's exits settle at its own
 * time, as in a replay), orders placed through the engine, and event lookups.
 */
export interface RiskHarness {
  readonly clock: SimulatedClock;
  readonly c: Composition;
  readonly sink: CollectingSink;
  /** Runs the timers due by `at` in order (settling after each), then the tick through everything. */
  tick(symbol: string, price: number, at: number, extra?: Partial<Tick>): Promise<void>;
  /** Runs the timers due by `at` in order, settling after each, and moves the clock to `at`. */
  runTo(at: number): Promise<void>;
  /** Lets every decision and exit under way finish. */
  settle(): Promise<void>;
  /** Places an order through the engine (so through the pre-trade gate unless it is an exit). */
  order(spec: OrderSpec): Promise<Order | undefined>;
  /** Closes the account's position in `symbol` by hand (a reduce-only market exit, reason MANUAL). */
  close(symbol: string, account?: string): Promise<void>;
  /** Events of a type, in order (optionally only those emitted after `mark()`). */
  of(type: string, since?: number): Envelope[];
  /** Position of the event stream now, for `of(type, since)`. */
  mark(): number;
  /** Types of the events after `since`, without candles. */
  types(since?: number): string[];
}

export interface OrderSpec {
  readonly account?: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly quantity: number;
  readonly type?: OrderRequest['type'];
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  readonly intent?: 'entry' | 'protective' | 'exit';
  /** Stop of the position an entry opens. */
  readonly openStop?: number;
  readonly clientOrderId?: string;
}

export function riskHarness(yaml: string, options: { start?: number } = {}): RiskHarness {
  const start = options.start ?? T0;
  const config = parseConfig(yaml, { source: 'test', env: {} });
  const clock = new SimulatedClock(start);
  const ids = createUlidGenerator({ clock, seed: 5 });
  const sink = new CollectingSink();
  const c = compose(config, { clock, ids, sink });
  startWithInitialPositions(c, config, start);
  let orders = 0;

  const { settle, runTo } = compositionDriver(clock, c);

  async function order(spec: OrderSpec): Promise<Order | undefined> {
    orders++;
    const intent = spec.intent ?? 'entry';
    const request: OrderRequest = {
      accountId: spec.account ?? 'acc',
      symbol: spec.symbol,
      side: spec.side,
      type: spec.type ?? 'market',
      quantity: spec.quantity,
      clientOrderId: spec.clientOrderId ?? `t-${orders}`,
      ...(spec.limitPrice !== undefined ? { limitPrice: spec.limitPrice } : {}),
      ...(spec.stopPrice !== undefined ? { stopPrice: spec.stopPrice } : {}),
      ...(intent === 'exit' ? { reduceOnly: true } : {}),
    };
    const placed = await c.engine.placeOrder(
      request,
      intent === 'exit'
        ? { intent, reason: 'MANUAL' }
        : { intent, ...(spec.openStop !== undefined ? { open: { stopPrice: spec.openStop } } : {}) },
    );
    await settle();
    return placed;
  }

  return {
    clock,
    c,
    sink,
    async tick(symbol, price, ts, extra = {}) {
      await runTo(ts);
      processTick(c, { ts, symbol, price, ...extra });
      await settle();
    },
    runTo,
    settle,
    order,
    async close(symbol, account = 'acc') {
      const p = c.engine.account(account)!.positions.get(symbol);
      if (p === undefined) throw new Error(`no ${symbol} position on ${account}`);
      await order({
        account,
        symbol,
        side: p.side === 'long' ? 'sell' : 'buy',
        quantity: p.quantity,
        intent: 'exit',
      });
    },
    of: (type, since = 0) => sink.events.slice(since).filter((e) => e.type === type),
    mark: () => sink.events.length,
    types: (since = 0) =>
      sink.events
        .slice(since)
        .map((e) => e.type)
        .filter((t) => t !== 'Market.Candle.Closed.v1'),
  };
}

/** Instruments and a quiet monitor (no candles, no stale-feed alerts, decisions hold). */
export const RISK_BASE = `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
instruments:
  - { symbol: ES, tickSize: 0.25, multiplier: 50 }
  - { symbol: BTC, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: CON.F.US.RTY.H25, tickSize: 0.1, multiplier: 50 }
venue: { leverage: 100 }
profiles: { default: { policy: hold } }
`;

export { FlakyVenue } from './flaky-venue.ts';

/**
 * The engine, execution service and risk engine over a paper venue behind a `FlakyVenue` (the
 * composition root always builds a plain paper venue). No monitor: the breaker tests need none.
 */
export function flakyVenueHarness(yaml: string) {
  const config = parseConfig(yaml, { source: 'test', env: {} });
  const clock = new SimulatedClock(T0);
  const ids = createUlidGenerator({ clock, seed: 9 });
  const sink = new CollectingSink();
  const instruments = instrumentsOf(config);
  const accounts = config.accounts.map((a) => ({ id: a.id, balance: a.balance }));
  const paper = createPaperVenue({
    clock,
    ids,
    instruments,
    accounts,
    leverage: paperVenueConfig(config).leverage,
  });
  const venue = new FlakyVenue(paper);
  let risk: RiskEngine | undefined;
  const emit = (e: Envelope) => {
    sink.emit(e);
    risk?.observe(e);
  };
  const engine = new Engine({ clock, ids, venue, instruments, accounts, sink: { emit } });
  const events = new EventFactory(clock, ids);
  const execution = new ExecutionService({ clock, engine, events, emit });
  risk = new RiskEngine({
    clock,
    events,
    emit,
    engine,
    execution,
    specs: riskSpecsOf(config),
    breakers: {
      venueErrors: config.risk.breakers.venueErrors,
      venueWindowMs: config.risk.breakers.venueWindowSeconds * 1000,
      venueProbeAfterMs: config.risk.breakers.venueProbeSeconds * 1000,
    },
  });
  engine.start();
  risk.start();
  let n = 0;
  return {
    clock,
    venue,
    engine,
    risk,
    sink,
    of: (type: string) => sink.events.filter((e) => e.type === type),
    tick(symbol: string, price: number, ts: number) {
      clock.advanceTo(ts);
      const t: Tick = { ts, symbol, price };
      paper.onTick(t);
      engine.onTick(t);
      risk?.onTick(t);
    },
    /** An entry through the engine; resolves with the order, undefined when refused, or the venue's error. */
    async entry(account: string, extra: Partial<OrderRequest> = {}): Promise<Order | undefined | VenueError> {
      n++;
      try {
        return await engine.placeOrder(
          {
            accountId: account,
            symbol: 'ES',
            side: 'buy',
            type: 'market',
            quantity: 1,
            clientOrderId: `e-${n}`,
            ...extra,
          },
          { intent: 'entry' },
        );
      } catch (error) {
        if (error instanceof VenueError) return error;
        throw error;
      }
    },
  };
}
