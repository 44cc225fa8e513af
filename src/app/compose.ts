import { createPaperVenue, type PaperVenue } from '../adapters/venues/paper/paper-venue.ts';
import type { CandleInterval } from '../domain/candles.ts';
import { defineInstrument, type Instrument } from '../domain/instrument.ts';
import { Engine, type InitialPosition } from '../engine/engine.ts';
import type { EventSink } from '../engine/event-sink.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { WardenConfig } from './config/schema.ts';

/** Everything one engine instance is made of; built only here (the composition root). */
export interface Composition {
  readonly engine: Engine;
  readonly venue: PaperVenue;
  readonly instruments: readonly Instrument[];
}

export function instrumentsOf(config: WardenConfig): Instrument[] {
  return config.instruments.map((i) =>
    defineInstrument({
      symbol: i.symbol,
      tickSize: i.tickSize,
      lotSize: i.lotSize,
      multiplier: i.multiplier,
      currency: i.currency,
      ...(i.expiry !== undefined ? { expiry: i.expiry } : {}),
    }),
  );
}

/** The positions the config declares open, with `openedAt` defaulting to `startTime`. */
export function initialPositionsOf(config: WardenConfig, startTime: number): InitialPosition[] {
  return (config.positions ?? []).map((p) => ({
    id: p.id,
    accountId: p.account,
    symbol: p.symbol,
    side: p.side,
    quantity: p.quantity,
    entryPrice: p.entryPrice,
    openedAt: p.openedAt ?? startTime,
    attrs: {
      ...(p.stopPrice !== undefined ? { stopPrice: p.stopPrice } : {}),
      ...(p.targetPrice !== undefined ? { targetPrice: p.targetPrice } : {}),
      ...(p.profile !== undefined ? { profile: p.profile } : {}),
      ...(p.thesis !== undefined ? { thesis: p.thesis } : {}),
    },
  }));
}

export function compose(
  config: WardenConfig,
  deps: { clock: Clock; ids: IdGenerator; sink: EventSink; candleIntervals?: readonly CandleInterval[] },
): Composition {
  const instruments = instrumentsOf(config);
  const venue = createPaperVenue({
    clock: deps.clock,
    ids: deps.ids,
    instruments,
    accounts: config.accounts.map((a) => ({ id: a.id, balance: a.balance })),
    slippageBps: config.venue.slippageBps,
    feeBps: config.venue.feeBps,
    leverage: config.venue.leverage,
    ...(config.venue.partialFills !== undefined ? { partialFills: config.venue.partialFills } : {}),
  });
  const engine = new Engine({
    clock: deps.clock,
    ids: deps.ids,
    venue,
    instruments,
    accounts: config.accounts.map((a) => ({ id: a.id, balance: a.balance })),
    sink: deps.sink,
    candleIntervals: deps.candleIntervals ?? config.engine.candleIntervals,
  });
  return { engine, venue, instruments };
}

/** Starts the engine on its initial positions and tells the paper venue about them too. */
export function startWithInitialPositions(c: Composition, config: WardenConfig, startTime: number): void {
  const initial = initialPositionsOf(config, startTime);
  for (const p of initial) {
    c.venue.loadPosition({
      accountId: p.accountId,
      symbol: p.symbol,
      side: p.side,
      quantity: p.quantity,
      entryPrice: p.entryPrice,
    });
  }
  c.engine.start(initial);
}
