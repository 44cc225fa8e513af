import {
  type Account,
  type AccountFillResult,
  applyFillToAccount,
  createAccount,
  type TradingState,
  withPosition,
} from '../domain/account.ts';
import {
  type Candle,
  CandleAggregator,
  type CandleInterval,
  candleClosedPayload,
  intervalMs,
} from '../domain/candles.ts';
import { VenueError, WardenError } from '../domain/errors.ts';
import {
  CandleClosedV1,
  type CloseReason,
  type DeniedReason,
  OrderCancelledV1,
  OrderDeniedV1,
  OrderFilledV1,
  OrderPlacedV1,
  OrderRejectedV1,
  PositionClosedV1,
  PositionIncreasedV1,
  PositionModifiedV1,
  PositionOpenedV1,
  PositionReducedV1,
} from '../domain/events/catalog.ts';
import { type Envelope, isoTime } from '../domain/events/envelope.ts';
import type { Instrument } from '../domain/instrument.ts';
import { moneyString } from '../domain/money.ts';
import type { Fill, Order, OrderIntent, OrderRequest } from '../domain/order.ts';
import { type OpenAttributes, openPosition, type Position } from '../domain/position.ts';
import type { Tick } from '../domain/tick.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { ExecutionReport, Venue } from '../ports/venue.ts';
import { type Cause, causedBy, EventFactory } from './event-factory.ts';
import type { EventSink } from './event-sink.ts';

/** What Warden knows about an order it placed, beyond what the venue keeps. */
export interface OrderMeta {
  readonly intent: OrderIntent;
  /** For exits: the reason the position closes with. */
  readonly reason?: CloseReason;
  readonly positionId?: string;
  /** For entries: stop, target, profile and thesis of the position the order opens. */
  readonly open?: OpenAttributes;
  readonly cause?: Cause;
  /** For exits: the other conditions that fired with the one that won, put on `Trading.Position.Closed.v1`. */
  readonly conflictingTriggers?: readonly string[];
}

interface TrackedOrder {
  readonly request: OrderRequest;
  readonly meta: OrderMeta;
  placedEventId?: string;
  /** The venue refused it; the same client order id may be placed again as a new order. */
  rejected?: boolean;
}

/** Why a pre-trade check refused an order. */
export interface OrderDenial {
  readonly reason: DeniedReason;
  readonly message: string;
}

/**
 * Pre-trade checks (the risk engine): asked before every order that is not an exit. Returning a
 * denial refuses the order with `Risk.Order.Denied.v1`; exits never reach the gate.
 */
export interface OrderGate {
  check(request: OrderRequest, meta: OrderMeta): OrderDenial | undefined;
  /** Called once an order the gate passed was sent (for order-rate counting). */
  passed?(request: OrderRequest, meta: OrderMeta): void;
}

/** The outcome of one venue call, for the venue-error circuit breaker. */
export type VenueOutcome = { readonly ok: true } | { readonly ok: false; readonly error: VenueError };

/** A position that exists when the engine starts (config file or venue). */
export interface InitialPosition {
  readonly id: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly quantity: number;
  readonly entryPrice: number;
  readonly openedAt: number;
  readonly attrs?: OpenAttributes;
}

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
 * The account actor and its wiring: applies ticks and execution reports to account state in
 * order and emits the resulting events. Single writer: every state change goes through here.
 */
export class Engine {
  private readonly events: EventFactory;
  private readonly instruments: ReadonlyMap<string, Instrument>;
  private readonly accounts = new Map<string, Account>();
  private readonly lastTicks = new Map<string, Tick>();
  private readonly orders = new Map<string, TrackedOrder>();
  /** Where each open position lives, so a lookup by id does not scan every account. */
  private readonly positionHomes = new Map<string, { readonly accountId: string; readonly symbol: string }>();
  private readonly candles: CandleAggregator | undefined;
  private readonly smallestIntervalMs: number;
  private cancelCandleTimer: (() => void) | undefined;
  private readonly unsubscribe: () => void;
  private readonly appliedListeners = new Set<(report: ExecutionReport) => void>();
  private readonly venueListeners = new Set<(outcome: VenueOutcome) => void>();
  private gate: OrderGate | undefined;

  constructor(private readonly options: EngineOptions) {
    this.events = new EventFactory(options.clock, options.ids);
    this.instruments = new Map(options.instruments.map((i) => [i.symbol, i]));
    for (const a of options.accounts) this.accounts.set(a.id, createAccount(a.id, a.balance));
    const intervals = options.candleIntervals ?? [];
    this.candles = intervals.length > 0 ? new CandleAggregator(intervals) : undefined;
    this.smallestIntervalMs = Math.min(...intervals.map(intervalMs));
    this.unsubscribe = options.venue.onExecution((report) => this.onExecution(report));
  }

  /** Opens the initial positions (emitting `Trading.Position.Opened.v1`) and arms the candle timer. */
  start(initial: readonly InitialPosition[] = []): void {
    for (const p of initial) this.emit(this.opened(this.place(p), 'config'));
    this.armCandleTimer();
  }

  stop(): void {
    this.cancelCandleTimer?.();
    this.unsubscribe();
  }

  /**
   * Starts on positions recovered from the store (a snapshot and the events after it): they are
   * put back without emitting anything, since the log already holds their opening. Returns the
   * `Trading.Position.Opened.v1` envelopes that describe them, for the components that learn
   * positions from events (`Composition.observe`); they are not emitted.
   */
  restore(positions: readonly InitialPosition[]): Envelope[] {
    const described: Envelope[] = [];
    for (const p of positions) {
      const position = this.place(p);
      described.push(this.opened(position, 'config'));
    }
    this.armCandleTimer();
    return described;
  }

  /**
   * Takes on a position Warden did not know: one the venue holds (reconciliation) or one another
   * program declared in the positions table. Emits `Trading.Position.Opened.v1` with `source`.
   */
  adopt(p: InitialPosition, source: 'venue' | 'config', cause: Cause = {}): Position {
    if (this.positionById(p.id) !== undefined) {
      throw new WardenError('WARDEN_INTERNAL', `position ${p.id} is already open`);
    }
    const existing = this.requireAccount(p.accountId).positions.get(p.symbol);
    if (existing !== undefined) {
      throw new WardenError(
        'WARDEN_INTERNAL',
        `account ${p.accountId} already holds ${p.symbol} as position ${existing.id}`,
      );
    }
    const position = this.place(p);
    this.emit(this.opened(position, source, cause));
    return position;
  }

  /**
   * Drops a position the venue no longer holds (closed outside Warden): emits
   * `Trading.Position.Closed.v1` with `reason` at `exitPrice`. The realized PnL is unknown to
   * Warden (the venue's balance has it), so the event carries 0.
   */
  forget(positionId: string, exitPrice: number, reason: CloseReason, cause: Cause = {}): boolean {
    const p = this.positionById(positionId);
    if (p === undefined) return false;
    const account = this.requireAccount(p.accountId);
    const positions = new Map(account.positions);
    positions.delete(p.symbol);
    this.accounts.set(account.id, { ...account, positions });
    this.positionHomes.delete(p.id);
    this.emit(
      this.events.create(
        PositionClosedV1,
        p.accountId,
        {
          ...ref(p),
          reason,
          quantity: p.quantity,
          entryPrice: p.entryPrice,
          exitPrice,
          realizedPnl: '0',
          openedAt: isoTime(p.openedAt),
        },
        cause,
      ),
    );
    return true;
  }

  private place(p: InitialPosition): Position {
    const account = this.requireAccount(p.accountId);
    const position = openPosition(
      p.id,
      {
        accountId: p.accountId,
        symbol: p.symbol,
        side: p.side === 'long' ? 'buy' : 'sell',
        quantity: p.quantity,
        price: p.entryPrice,
        ts: p.openedAt,
      },
      p.attrs,
    );
    this.accounts.set(account.id, withPosition(account, position));
    this.positionHomes.set(position.id, { accountId: account.id, symbol: position.symbol });
    return position;
  }

  account(id: string): Account | undefined {
    return this.accounts.get(id);
  }

  allAccounts(): Account[] {
    return [...this.accounts.values()];
  }

  openPositions(): Position[] {
    return this.allAccounts().flatMap((a) => [...a.positions.values()]);
  }

  instrument(symbol: string): Instrument | undefined {
    return this.instruments.get(symbol);
  }

  /** The open position with this id, if any. */
  positionById(id: string): Position | undefined {
    const home = this.positionHomes.get(id);
    if (home === undefined) return undefined;
    const p = this.accounts.get(home.accountId)?.positions.get(home.symbol);
    return p?.id === id ? p : undefined;
  }

  /**
   * Changes a position's stop or target (`undefined` leaves a field alone, `null` removes it) and
   * emits `Trading.Position.Modified.v1`. Returns false when the position is not open or nothing
   * changed. Guardrails (a stop only tightens) belong to the caller that proposes the change.
   */
  modifyPosition(
    positionId: string,
    changes: { readonly stopPrice?: number | null; readonly targetPrice?: number | null },
    source: 'AGENT' | 'USER' | 'RULE' | 'VENUE',
    cause: Cause = {},
    reasoning?: string,
  ): boolean {
    const position = this.positionById(positionId);
    if (position === undefined) return false;
    const next: { -readonly [K in keyof Position]: Position[K] } = { ...position };
    const data: Record<string, unknown> = { ...ref(position) };
    let changed = false;
    for (const field of ['stopPrice', 'targetPrice'] as const) {
      const value = changes[field];
      if (
        value === undefined ||
        value === position[field] ||
        (value === null && position[field] === undefined)
      )
        continue;
      changed = true;
      data[field] = value;
      data[field === 'stopPrice' ? 'previousStopPrice' : 'previousTargetPrice'] = position[field] ?? null;
      if (value === null) delete next[field];
      else next[field] = value;
    }
    if (!changed) return false;
    next.updatedAt = this.options.clock.now();
    this.accounts.set(position.accountId, withPosition(this.requireAccount(position.accountId), next));
    data.source = source;
    if (reasoning !== undefined) data.reasoning = reasoning;
    this.emit(this.events.create(PositionModifiedV1, position.accountId, data as never, cause));
    return true;
  }

  /** Installs the pre-trade checks every non-exit order goes through. */
  setOrderGate(gate: OrderGate | undefined): void {
    this.gate = gate;
  }

  /** Records the account's trading state (the risk engine decides it and emits its events). */
  setTradingState(accountId: string, state: TradingState): void {
    const account = this.requireAccount(accountId);
    if (account.tradingState !== state) this.accounts.set(accountId, { ...account, tradingState: state });
  }

  /** Registers a listener for the outcome of every venue call. Returns an unsubscribe function. */
  onVenueOutcome(listener: (outcome: VenueOutcome) => void): () => void {
    this.venueListeners.add(listener);
    return () => {
      this.venueListeners.delete(listener);
    };
  }

  /** Configured symbols, in configuration order. */
  symbols(): string[] {
    return [...this.instruments.keys()];
  }

  lastTick(symbol: string): Tick | undefined {
    return this.lastTicks.get(symbol);
  }

  /** Applies a validated tick: marks prices and aggregates candles. */
  onTick(tick: Tick): void {
    this.lastTicks.set(tick.symbol, tick);
    if (this.candles !== undefined) this.emitCandles(this.candles.onTick(tick));
  }

  /**
   * Places an order through the venue, emitting `Trading.Order.Placed.v1` first and
   * `Trading.Order.Rejected.v1` if the venue refuses it. Resolves with the venue's order, or
   * undefined when it was rejected; a transient or fatal venue error is rethrown for the caller's
   * retry policy.
   */
  async placeOrder(request: OrderRequest, meta: OrderMeta): Promise<Order | undefined> {
    this.requireAccount(request.accountId);
    if (!this.instruments.has(request.symbol)) {
      throw new WardenError('WARDEN_UNKNOWN_SYMBOL', `unknown symbol ${request.symbol}`);
    }
    const key = orderKey(request.accountId, request.clientOrderId);
    const previous = this.orders.get(key);
    // A retry of the same client order id (after a transient error) is the same order: it was
    // placed once, and the venue's idempotency keeps it single. Only a new order emits Placed.
    const retry =
      previous !== undefined && previous.rejected !== true && previous.placedEventId !== undefined;
    const tracked: TrackedOrder = retry ? previous : { request, meta };
    if (!retry && meta.intent !== 'exit' && this.gate !== undefined) {
      const denial = this.gate.check(request, meta);
      if (denial !== undefined) {
        this.emit(
          this.events.create(
            OrderDeniedV1,
            request.accountId,
            {
              accountId: request.accountId,
              symbol: request.symbol,
              reason: denial.reason,
              message: denial.message,
              side: request.side,
              quantity: request.quantity,
            },
            meta.cause,
          ),
        );
        return undefined;
      }
      this.gate.passed?.(request, meta);
    }
    if (!retry) this.track(tracked);
    try {
      const order = await this.options.venue.placeOrder(request);
      this.venueOutcome(undefined);
      return order;
    } catch (error) {
      this.venueOutcome(error);
      if (error instanceof VenueError && error.retry === 'rejected') {
        this.reject(tracked, error.reason, error.message);
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Starts tracking an order and emits its `Trading.Order.Placed.v1` (intent and reason from its
   * meta unless `shown` says otherwise).
   */
  private track(
    tracked: TrackedOrder,
    shown: { readonly intent?: OrderIntent; readonly reason?: string } = {},
  ): void {
    const { request, meta } = tracked;
    this.orders.set(orderKey(request.accountId, request.clientOrderId), tracked);
    const reason = shown.reason ?? meta.reason;
    const placed = this.events.create(
      OrderPlacedV1,
      request.accountId,
      {
        accountId: request.accountId,
        symbol: request.symbol,
        clientOrderId: request.clientOrderId,
        side: request.side,
        type: request.type,
        quantity: request.quantity,
        ...(request.limitPrice !== undefined ? { limitPrice: request.limitPrice } : {}),
        ...(request.stopPrice !== undefined ? { stopPrice: request.stopPrice } : {}),
        reduceOnly: request.reduceOnly ?? false,
        intent: shown.intent ?? meta.intent,
        ...(meta.positionId !== undefined ? { positionId: meta.positionId } : {}),
        ...(reason !== undefined ? { reason } : {}),
      },
      meta.cause,
    );
    tracked.placedEventId = placed.id;
    this.emit(placed);
  }

  /** The venue refused a tracked order: `Trading.Order.Rejected.v1`, caused by its Placed event. */
  private reject(tracked: TrackedOrder, reason: string, message: string): void {
    const { request } = tracked;
    tracked.rejected = true;
    this.emit(
      this.events.create(
        OrderRejectedV1,
        request.accountId,
        {
          accountId: request.accountId,
          symbol: request.symbol,
          clientOrderId: request.clientOrderId,
          reason,
          message,
        },
        {
          causationId: tracked.placedEventId!,
          correlationId: tracked.meta.cause?.correlationId ?? tracked.placedEventId!,
        },
      ),
    );
  }

  /**
   * Moves the working protective stop orders of a position at the venue (reduce-only `stop`
   * orders on the closing side of its symbol) to `stopPrice`, each by the venue's replace: the old
   * order's cancel report becomes `Trading.Order.Cancelled.v1`, the replacement is
   * `Trading.Order.Placed.v1` with intent `protective` and a client order id derived from the
   * old one (`…-m1`, `…-m2`), so a retry cannot double it. Returns how many were moved; a venue
   * without replace, or a failure, moves none and leaves the orders as they were.
   */
  async moveProtectiveStops(position: Position, stopPrice: number, cause: Cause = {}): Promise<number> {
    if (!this.options.venue.capabilities.replaceOrder) return 0;
    const closing = position.side === 'long' ? 'sell' : 'buy';
    let open: Order[];
    try {
      open = await this.options.venue.openOrders(position.accountId);
    } catch (error) {
      this.venueOutcome(error);
      return 0;
    }
    let moved = 0;
    for (const o of open) {
      if (o.symbol !== position.symbol || o.side !== closing || o.type !== 'stop' || o.reduceOnly !== true)
        continue;
      if (o.stopPrice === stopPrice) continue;
      const m = /^(.*)-m(\d+)$/.exec(o.clientOrderId);
      const clientOrderId = m === null ? `${o.clientOrderId}-m1` : `${m[1]}-m${Number(m[2]) + 1}`;
      const previous = this.orders.get(orderKey(o.accountId, o.clientOrderId));
      const request: OrderRequest = {
        accountId: o.accountId,
        symbol: o.symbol,
        side: o.side,
        type: 'stop',
        quantity: o.quantity - o.filledQuantity,
        stopPrice,
        reduceOnly: true,
        clientOrderId,
        intent: 'protective',
      };
      const meta: OrderMeta = {
        ...(previous?.meta ?? { intent: 'protective' }),
        positionId: position.id,
        cause,
      };
      const tracked: TrackedOrder = { request, meta };
      this.track(tracked, {
        intent: 'protective',
        reason: `replaces ${o.clientOrderId} (stop ${o.stopPrice} → ${stopPrice})`,
      });
      try {
        await this.options.venue.replaceOrder(o.accountId, o.clientOrderId, { stopPrice, clientOrderId });
        this.venueOutcome(undefined);
        moved++;
      } catch (error) {
        this.venueOutcome(error);
        this.reject(
          tracked,
          error instanceof VenueError ? error.reason : 'REPLACE_FAILED',
          error instanceof Error ? error.message : String(error),
        );
      }
    }
    return moved;
  }

  /**
   * Cancels an open order through the venue; the venue's cancel report reaches `onExecution`,
   * which emits `Trading.Order.Cancelled.v1`. Venue errors are rethrown for the caller's retry
   * policy (cancelling a finished order resolves with it unchanged).
   */
  async cancelOrder(accountId: string, clientOrderId: string): Promise<Order> {
    this.requireAccount(accountId);
    try {
      const order = await this.options.venue.cancelOrder(accountId, clientOrderId);
      this.venueOutcome(undefined);
      return order;
    } catch (error) {
      this.venueOutcome(error);
      throw error;
    }
  }

  /** Tells the venue-outcome listeners; a rejection is the venue working, not failing. */
  private venueOutcome(error: unknown): void {
    if (this.venueListeners.size === 0) return;
    const outcome: VenueOutcome =
      error === undefined || (error instanceof VenueError && error.retry === 'rejected')
        ? { ok: true }
        : {
            ok: false,
            error:
              error instanceof VenueError
                ? error
                : new VenueError('fatal', 'UNKNOWN', error instanceof Error ? error.message : String(error)),
          };
    for (const listener of [...this.venueListeners]) listener(outcome);
  }

  /**
   * Registers a listener for execution reports, called after the engine applied a report and
   * emitted its events (so account state already reflects a fill). Returns an unsubscribe function.
   */
  onExecutionApplied(listener: (report: ExecutionReport) => void): () => void {
    this.appliedListeners.add(listener);
    return () => {
      this.appliedListeners.delete(listener);
    };
  }

  /** Applies a fill, a cancel or a late rejection reported by the venue. */
  onExecution(report: ExecutionReport): void {
    const tracked = this.orders.get(orderKey(report.order.accountId, report.order.clientOrderId));
    const cause: Cause =
      tracked?.placedEventId !== undefined
        ? {
            causationId: tracked.placedEventId,
            correlationId: tracked.meta.cause?.correlationId ?? tracked.placedEventId,
          }
        : {};
    const { accountId, symbol, clientOrderId } = report.order;
    switch (report.kind) {
      case 'fill':
        this.onFill(report.fill, report.order, tracked?.meta ?? { intent: 'entry' }, cause);
        break;
      case 'cancelled':
        this.emit(
          this.events.create(
            OrderCancelledV1,
            accountId,
            {
              accountId,
              symbol,
              clientOrderId,
              venueOrderId: report.order.venueOrderId,
              reason: report.reason,
            },
            cause,
          ),
        );
        break;
      case 'rejected':
        this.emit(
          this.events.create(
            OrderRejectedV1,
            accountId,
            { accountId, symbol, clientOrderId, reason: report.reason, message: report.message },
            cause,
          ),
        );
        break;
    }
    for (const listener of [...this.appliedListeners]) listener(report);
  }

  private onFill(fill: Fill, order: Order, meta: OrderMeta, cause: Cause): void {
    const account = this.accounts.get(fill.accountId);
    const instrument = this.instruments.get(fill.symbol);
    if (account === undefined || instrument === undefined) {
      throw new WardenError('WARDEN_INTERNAL', `fill ${fill.fillId} for unknown account or symbol`, { fill });
    }
    const filled = this.events.create(
      OrderFilledV1,
      fill.accountId,
      {
        accountId: fill.accountId,
        symbol: fill.symbol,
        clientOrderId: fill.clientOrderId,
        venueOrderId: fill.venueOrderId,
        fillId: fill.fillId,
        side: fill.side,
        quantity: fill.quantity,
        price: fill.price,
        fee: fill.fee,
        filledQuantity: order.filledQuantity,
        remainingQuantity: Math.max(0, order.quantity - order.filledQuantity),
      },
      cause,
    );
    this.emit(filled);
    const result = applyFillToAccount(account, fill, instrument, () => this.options.ids.next(), meta.open);
    this.accounts.set(account.id, result.account);
    const effect = result.effect;
    if (effect.kind === 'closed' || effect.kind === 'flipped') this.positionHomes.delete(effect.closed.id);
    if (effect.kind === 'opened' || effect.kind === 'flipped') {
      this.positionHomes.set(effect.position.id, { accountId: account.id, symbol: effect.position.symbol });
    }
    this.emitFillEffect(result, fill, meta, causedBy(filled));
  }

  private emitFillEffect(result: AccountFillResult, fill: Fill, meta: OrderMeta, cause: Cause): void {
    const effect = result.effect;
    const reason = meta.reason ?? 'MANUAL';
    switch (effect.kind) {
      case 'opened':
        this.emit(this.opened(effect.position, 'fill', cause, fill.clientOrderId));
        return;
      case 'increased': {
        const p = effect.position;
        this.emit(
          this.events.create(
            PositionIncreasedV1,
            p.accountId,
            {
              ...ref(p),
              addedQuantity: fill.quantity,
              fillPrice: fill.price,
              quantity: p.quantity,
              entryPrice: p.entryPrice,
            },
            cause,
          ),
        );
        return;
      }
      case 'reduced': {
        const p = effect.position;
        this.emit(
          this.events.create(
            PositionReducedV1,
            p.accountId,
            {
              ...ref(p),
              reducedQuantity: effect.quantity,
              quantity: p.quantity,
              exitPrice: fill.price,
              realizedPnl: moneyString(effect.realized),
              clientOrderId: fill.clientOrderId,
            },
            cause,
          ),
        );
        return;
      }
      case 'closed':
      case 'flipped': {
        const p = effect.closed;
        this.emit(
          this.events.create(
            PositionClosedV1,
            p.accountId,
            {
              ...ref(p),
              reason,
              quantity: effect.quantity,
              entryPrice: p.entryPrice,
              exitPrice: fill.price,
              realizedPnl: moneyString(p.realizedPnl),
              openedAt: isoTime(p.openedAt),
              clientOrderId: fill.clientOrderId,
              ...(meta.conflictingTriggers !== undefined && meta.conflictingTriggers.length > 0
                ? { conflictingTriggers: [...meta.conflictingTriggers] }
                : {}),
            },
            cause,
          ),
        );
        if (effect.kind === 'flipped')
          this.emit(this.opened(effect.position, 'fill', cause, fill.clientOrderId));
        return;
      }
    }
  }

  private opened(
    position: Position,
    source: 'fill' | 'config' | 'venue',
    cause: Cause = {},
    clientOrderId?: string,
  ): Envelope {
    return this.events.create(
      PositionOpenedV1,
      position.accountId,
      {
        ...ref(position),
        quantity: position.quantity,
        entryPrice: position.entryPrice,
        ...(position.stopPrice !== undefined ? { stopPrice: position.stopPrice } : {}),
        ...(position.targetPrice !== undefined ? { targetPrice: position.targetPrice } : {}),
        ...(position.profile !== undefined ? { profile: position.profile } : {}),
        openedAt: isoTime(position.openedAt),
        source,
        ...(clientOrderId !== undefined ? { clientOrderId } : {}),
      },
      cause,
    );
  }

  private armCandleTimer(): void {
    if (this.candles === undefined) return;
    const step = this.smallestIntervalMs;
    const next = Math.floor(this.options.clock.now() / step) * step + step;
    this.cancelCandleTimer = this.options.clock.schedule(next, () => {
      this.emitCandles(this.candles!.closeDue(this.options.clock.now()));
      this.armCandleTimer();
    });
  }

  private emitCandles(closed: readonly Candle[]): void {
    for (const c of closed) this.emit(this.events.create(CandleClosedV1, c.symbol, candleClosedPayload(c)));
  }

  private requireAccount(id: string): Account {
    const account = this.accounts.get(id);
    if (account === undefined) throw new WardenError('WARDEN_UNKNOWN_ACCOUNT', `unknown account ${id}`);
    return account;
  }

  private emit(envelope: Envelope): void {
    this.options.sink.emit(envelope);
  }
}

function orderKey(accountId: string, clientOrderId: string): string {
  return `${accountId}\u0000${clientOrderId}`;
}

function ref(p: Position) {
  return { positionId: p.id, accountId: p.accountId, symbol: p.symbol, side: p.side };
}
