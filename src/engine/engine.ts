import type { Account, TradingState } from '../domain/account.ts';
import type { CandleInterval } from '../domain/candles.ts';
import type { CloseReason } from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import type { Instrument } from '../domain/instrument.ts';
import type { Order, OrderRequest } from '../domain/order.ts';
import type { Position } from '../domain/position.ts';
import type { Tick } from '../domain/tick.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { ExecutionReport, Venue } from '../ports/venue.ts';
import { Book } from './book/book.ts';
import { CandleTimer } from './candle-timer.ts';
import { type Cause, EventFactory } from './event-factory.ts';
import type { EventSink } from './event-sink.ts';
import type { OrderMemory } from './orders/order-memory.ts';
import { VenueGateway } from './orders/venue-gateway.ts';
import type {
  AccountBook,
  InitialPosition,
  OrderGate,
  OrderGateway,
  OrderMeta,
  VenueOutcome,
} from './trading.ts';

export type { InitialPosition, OrderDenial, OrderGate, OrderMeta, VenueOutcome } from './trading.ts';

/** What the engine is built from. */
export interface EngineOptions {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly venue: Venue;
  readonly instruments: readonly Instrument[];
  readonly accounts: readonly { readonly id: string; readonly balance: string | number }[];
  readonly sink: EventSink;
  /** Candle intervals to aggregate and emit `Market.Candle.Closed.v1` for (none when empty). */
  readonly candleIntervals?: readonly CandleInterval[];
}

/**
 * The account actor of one partition, as the composition root builds it: the account book
 * (`Book`), the order gateway to the venue (`VenueGateway`) and the candle timer, over one event
 * factory and one sink. Components depend on its faces, `AccountBook` and `OrderGateway`
 * (`trading.ts`), never on this class.
 */
export class Engine implements AccountBook, OrderGateway {
  /** Accounts, positions, marks and trading states. */
  readonly book: Book;
  /** Orders Warden placed and the execution reports that come back. */
  readonly gateway: VenueGateway;
  private readonly candles: CandleTimer;

  constructor(options: EngineOptions) {
    const events = new EventFactory(options.clock, options.ids);
    const emit = (envelope: Envelope) => options.sink.emit(envelope);
    this.book = new Book({
      clock: options.clock,
      ids: options.ids,
      events,
      instruments: options.instruments,
      accounts: options.accounts,
      emit,
    });
    this.gateway = new VenueGateway({ venue: options.venue, book: this.book, events, emit });
    this.candles = new CandleTimer({
      clock: options.clock,
      events,
      emit,
      intervals: options.candleIntervals ?? [],
    });
  }

  /** Opens the initial positions (emitting `Trading.Position.Opened.v1`) and arms the candle timer. */
  start(initial: readonly InitialPosition[] = []): void {
    this.book.open(initial);
    this.candles.arm();
  }

  /** Cancels the candle timer and stops listening to the venue. */
  stop(): void {
    this.candles.stop();
    this.gateway.stop();
  }

  /**
   * Starts on positions recovered from the store (a snapshot and the events after it): they are
   * put back without emitting anything, since the log already holds their opening. Returns the
   * `Trading.Position.Opened.v1` envelopes that describe them, for the components that learn
   * positions from events (`Composition.observe`); they are not emitted.
   */
  restore(positions: readonly InitialPosition[]): Envelope[] {
    const described = this.book.restore(positions);
    this.candles.arm();
    return described;
  }

  /** Applies a validated tick: marks prices and aggregates candles. */
  onTick(tick: Tick): void {
    this.book.mark(tick);
    this.candles.onTick(tick);
  }

  /** Applies a fill, a cancel or a late rejection reported by the venue. */
  onExecution(report: ExecutionReport): void {
    this.gateway.onExecution(report);
  }

  // The account book.

  account(id: string): Account | undefined {
    return this.book.account(id);
  }

  allAccounts(): Account[] {
    return this.book.allAccounts();
  }

  openPositions(): Position[] {
    return this.book.openPositions();
  }

  positionById(id: string): Position | undefined {
    return this.book.positionById(id);
  }

  instrument(symbol: string): Instrument | undefined {
    return this.book.instrument(symbol);
  }

  symbols(): string[] {
    return this.book.symbols();
  }

  lastTick(symbol: string): Tick | undefined {
    return this.book.lastTick(symbol);
  }

  adopt(p: InitialPosition, source: 'venue' | 'config', cause: Cause = {}): Position {
    return this.book.adopt(p, source, cause);
  }

  forget(positionId: string, exitPrice: number, reason: CloseReason, cause: Cause = {}): boolean {
    return this.book.forget(positionId, exitPrice, reason, cause);
  }

  modifyPosition(
    positionId: string,
    changes: { readonly stopPrice?: number | null; readonly targetPrice?: number | null },
    source: 'AGENT' | 'USER' | 'RULE' | 'VENUE',
    cause: Cause = {},
    reasoning?: string,
  ): boolean {
    return this.book.modifyPosition(positionId, changes, source, cause, reasoning);
  }

  setTradingState(accountId: string, state: TradingState): void {
    this.book.setTradingState(accountId, state);
  }

  // The order gateway.

  placeOrder(request: OrderRequest, meta: OrderMeta): Promise<Order | undefined> {
    return this.gateway.placeOrder(request, meta);
  }

  cancelOrder(accountId: string, clientOrderId: string): Promise<Order> {
    return this.gateway.cancelOrder(accountId, clientOrderId);
  }

  moveProtectiveStops(position: Position, stopPrice: number, cause: Cause = {}): Promise<number> {
    return this.gateway.moveProtectiveStops(position, stopPrice, cause);
  }

  setOrderGate(gate: OrderGate | undefined): void {
    this.gateway.setOrderGate(gate);
  }

  onVenueOutcome(listener: (outcome: VenueOutcome) => void): () => void {
    return this.gateway.onVenueOutcome(listener);
  }

  onExecutionApplied(listener: (report: ExecutionReport) => void): () => void {
    return this.gateway.onExecutionApplied(listener);
  }

  orderMemory(): OrderMemory {
    return this.gateway.orderMemory();
  }

  restoreOrderMemory(memory: OrderMemory): void {
    this.gateway.restoreOrderMemory(memory);
  }
}
