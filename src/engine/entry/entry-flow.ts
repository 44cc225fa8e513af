import { accountEquity } from '../../domain/account.ts';
import { VenueError } from '../../domain/errors.ts';
import {
  asWardenEvent,
  type DeniedReason,
  EdgeEvaluatedV1,
  type PayloadOf,
} from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { type Instrument, roundToTick } from '../../domain/instrument.ts';
import { subQty } from '../../domain/money.ts';
import type { OrderSide } from '../../domain/order.ts';
import type { OpenAttributes, Position } from '../../domain/position.ts';
import { edgeValue, payoffOf, sizeEntry } from '../../domain/risk/kelly.ts';
import type { EntryLimits } from '../../domain/risk/rules.ts';
import type { CancelTimer, Clock } from '../../ports/clock.ts';
import type { ExecutionReport } from '../../ports/venue.ts';
import { type Cause, causedBy, type EventFactory } from '../event-factory.ts';
import type { BookView, OrderGateway } from '../trading.ts';
import type { Edge } from './edge.ts';
import { edgeUpdatedEvent, entryAlertEvent, entryDeniedEvent, round6 } from './entry-events.ts';
import type { EntryMemory } from './entry-memory.ts';

export type { Edge } from './edge.ts';

export interface EntryFlowOptions {
  readonly clock: Clock;
  readonly engine: BookView & OrderGateway;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  /** The entry limits of an account (minimum edge, Kelly fraction, caps, order timeout, walks). */
  readonly limits: (accountId: string) => EntryLimits | undefined;
  /** Transient venue errors on placing an entry: retries with this first delay, doubling. */
  readonly retry?: { readonly attempts?: number; readonly initialMs?: number };
}

/** An entry order working at the venue. */
interface WorkingEntry {
  readonly id: string;
  readonly edge: Edge;
  readonly side: OrderSide;
  readonly instrument: Instrument;
  readonly quantity: number;
  readonly open: OpenAttributes;
  readonly cause: Cause;
  limitPrice: number;
  filled: number;
  walks: number;
  clientOrderId: string;
  timer?: CancelTimer;
  done: boolean;
  /** The position it opened or added to was told its edge. */
  edgeTold: boolean;
}

/**
 * The entry flow: an edge above the minimum passes the pre-trade checks, is sized by fractional
 * Kelly clamped to the per-market and bankroll limits and the lot size, and is placed as a limit
 * order that waits `orderTimeoutSeconds`, then is walked one tick more aggressive up to `walks`
 * times and finally cancelled. A fill opens the position with its stop, target and thesis (the
 * monitor starts watching it); a partly filled entry keeps what filled. Every step is an event:
 * `Entry.Edge.Evaluated.v1`, the order events, `Risk.Order.Denied.v1` with its reason for a
 * refusal. A transient venue error is retried with the same client order id; an account that
 * stops being ACTIVE has its working entries cancelled.
 */
export class EntryFlow {
  private readonly working = new Map<string, WorkingEntry>();
  private readonly byOrder = new Map<string, WorkingEntry>();
  private sequence = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Work in flight that is not waiting on the clock (a retry backoff), and who waits for none. */
  private busy = 0;
  private readonly settledWaiters: (() => void)[] = [];
  private readonly unsubscribe: () => void;

  constructor(private readonly options: EntryFlowOptions) {
    this.unsubscribe = options.engine.onExecutionApplied((report) => this.onReport(report));
  }

  /** Takes an edge; resolves once its first order was placed or refused. */
  submit(edge: Edge, cause: Cause = {}): Promise<void> {
    const work = this.track(this.enter(edge, cause));
    return work;
  }

  /** Resolves once every submitted edge has reached the venue or been refused. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /**
   * Resolves once nothing is in flight but work waiting for the clock (a retry backoff): what a
   * replay awaits after each timer and tick, so an order placed at a moment reaches the venue at
   * that moment. Undefined when there is nothing to wait for.
   */
  settled(): Promise<void> | undefined {
    if (this.busy === 0) return undefined;
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private track(promise: Promise<void>): Promise<void> {
    this.busy++;
    const work = promise.finally(() => {
      this.inFlight.delete(work);
      this.release();
    });
    this.inFlight.add(work);
    return work;
  }

  private release(): void {
    this.busy--;
    if (this.busy === 0) for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  /** Entries still working, for status. */
  active(): {
    id: string;
    accountId: string;
    symbol: string;
    quantity: number;
    filled: number;
    limitPrice: number;
  }[] {
    return [...this.working.values()].map((w) => ({
      id: w.id,
      accountId: w.edge.accountId,
      symbol: w.edge.symbol,
      quantity: w.quantity,
      filled: w.filled,
      limitPrice: w.limitPrice,
    }));
  }

  /** Reads the engine's events: an account leaving ACTIVE cancels its working entries. */
  observe(envelope: Envelope): void {
    const e = asWardenEvent(envelope);
    if (e.type !== 'Risk.Trading.Halted.v1') return;
    const { accountId } = e.data;
    for (const w of this.working.values()) if (w.edge.accountId === accountId) this.finish(w, true);
  }

  stop(): void {
    for (const w of this.working.values()) w.timer?.();
    this.unsubscribe();
  }

  /** What to keep across a restart, as plain JSON (see `EntryMemory`). */
  memory(): EntryMemory {
    return { version: 1, entries: this.sequence };
  }

  /** Takes back what `memory()` gave before a restart, before the first edge. */
  restore(memory: EntryMemory): void {
    this.sequence = Math.max(this.sequence, memory.entries);
  }

  private async enter(edge: Edge, cause: Cause): Promise<void> {
    const { engine } = this.options;
    const limits = this.options.limits(edge.accountId);
    const instrument = engine.instrument(edge.symbol);
    const account = engine.account(edge.accountId);
    if (limits === undefined || instrument === undefined || account === undefined) {
      this.deny(edge, 'EDGE_INVALID', `no account ${edge.accountId} or market ${edge.symbol}`, cause);
      return;
    }
    const tick = engine.lastTick(edge.symbol);
    const side: OrderSide = edge.side === 'long' ? 'buy' : 'sell';
    const reference =
      edge.limitPrice ?? (side === 'buy' ? (tick?.bid ?? tick?.price) : (tick?.ask ?? tick?.price));
    if (reference === undefined) {
      this.deny(
        edge,
        'EDGE_INVALID',
        `${edge.symbol} has no price yet and the edge names no limit price`,
        cause,
      );
      return;
    }
    const limitPrice = edge.binary ? reference : roundToTick(instrument, reference);
    const expectedMoveEdge = edge.probability === undefined && edge.expectedMove !== undefined;
    const estimate = {
      side: edge.side,
      price: limitPrice,
      ...(edge.probability !== undefined ? { probability: edge.probability } : {}),
      ...(edge.expectedMove !== undefined ? { expectedMove: edge.expectedMove } : {}),
      ...(edge.confidence !== undefined ? { confidence: edge.confidence } : {}),
      ...(edge.stopPrice !== undefined ? { stopPrice: edge.stopPrice } : {}),
      ...(edge.targetPrice !== undefined ? { targetPrice: edge.targetPrice } : {}),
      ...(edge.binary !== undefined ? { binary: edge.binary } : {}),
    };
    const payoff = payoffOf(estimate);
    if ('problem' in payoff) {
      this.deny(edge, 'EDGE_INVALID', payoff.problem, cause);
      return;
    }
    const value = edgeValue(estimate, payoff);
    const held = account.positions.get(edge.symbol);
    if (held !== undefined) this.tellEdge(held, edge, tick?.price ?? limitPrice, cause, value);
    const confidence = edge.confidence ?? 1;
    const evaluated = (decision: 'ENTER' | 'DENIED', extra: Partial<PayloadOf<typeof EdgeEvaluatedV1>>) =>
      this.options.events.create(
        EdgeEvaluatedV1,
        edge.accountId,
        {
          accountId: edge.accountId,
          symbol: edge.symbol,
          side: edge.side,
          source: edge.source,
          edge: round6(value),
          minEdge: limits.minEdge,
          ...(edge.probability !== undefined ? { probability: edge.probability } : {}),
          confidence,
          limitPrice,
          decision,
          quantity: 0,
          ...extra,
        },
        cause,
      );
    if (!(value >= limits.minEdge)) {
      const event = evaluated('DENIED', { reason: 'EDGE_TOO_SMALL' });
      this.options.emit(event);
      this.deny(
        edge,
        'EDGE_TOO_SMALL',
        `edge ${round6(value)} is below the minimum ${limits.minEdge}`,
        causedBy(event),
      );
      return;
    }
    const prices = new Map<string, number>();
    for (const p of account.positions.values()) {
      const last = engine.lastTick(p.symbol)?.price;
      if (last !== undefined) prices.set(p.symbol, last);
    }
    const instruments = new Map(engine.symbols().map((s) => [s, engine.instrument(s)!]));
    const size = sizeEntry({
      payoff,
      price: limitPrice,
      bankroll: accountEquity(account, instruments, prices).toString(),
      kellyMultiplier: limits.kellyFraction,
      confidence: expectedMoveEdge ? 1 : confidence,
      multiplier: instrument.multiplier,
      lotSize: instrument.lotSize,
      ...(limits.maxExposurePerMarket !== undefined
        ? { maxNotionalPerMarket: limits.maxExposurePerMarket.toString() }
        : {}),
      ...(limits.maxBankrollFraction !== undefined
        ? { maxBankrollFraction: limits.maxBankrollFraction }
        : {}),
      ...(edge.binary ? { binary: true } : {}),
    });
    if ('problem' in size) {
      const reason: DeniedReason = size.problem === 'NO_EDGE' ? 'EDGE_TOO_SMALL' : 'SIZE_TOO_SMALL';
      const event = evaluated('DENIED', { reason });
      this.options.emit(event);
      this.deny(edge, reason, size.message, causedBy(event));
      return;
    }
    this.sequence++;
    const id = `entry-${this.sequence}`;
    const event = evaluated('ENTER', {
      kellyFraction: round6(size.fraction),
      quantity: size.quantity,
      clientOrderId: `${id}-0`,
    });
    this.options.emit(event);
    const open: OpenAttributes = {
      ...(edge.stopPrice !== undefined ? { stopPrice: edge.stopPrice } : {}),
      ...(edge.targetPrice !== undefined ? { targetPrice: edge.targetPrice } : {}),
      ...(edge.thesis !== undefined ? { thesis: edge.thesis } : {}),
      ...(edge.profile !== undefined ? { profile: edge.profile } : {}),
    };
    const w: WorkingEntry = {
      id,
      edge,
      side,
      instrument,
      quantity: size.quantity,
      open,
      cause: causedBy(event),
      limitPrice,
      filled: 0,
      walks: 0,
      clientOrderId: `${id}-0`,
      done: false,
      edgeTold: false,
    };
    this.working.set(id, w);
    await this.place(w, limits);
  }

  /** Places the entry's current order, retrying transient venue errors with the same client order id. */
  private async place(w: WorkingEntry, limits: EntryLimits): Promise<void> {
    const attempts = this.options.retry?.attempts ?? 3;
    let delay = this.options.retry?.initialMs ?? 250;
    this.byOrder.set(w.clientOrderId, w);
    for (let attempt = 1; ; attempt++) {
      // The order works `orderTimeoutSeconds` from when it was sent, not from when the call
      // returned: a replay may have moved the clock on to the next tick by then.
      const sentAt = this.options.clock.now();
      try {
        const order = await this.options.engine.placeOrder(
          {
            accountId: w.edge.accountId,
            symbol: w.edge.symbol,
            side: w.side,
            type: 'limit',
            quantity: subQty(w.quantity, w.filled),
            limitPrice: w.limitPrice,
            clientOrderId: w.clientOrderId,
            intent: 'entry',
          },
          { intent: 'entry', open: w.open, cause: w.cause },
        );
        if (order === undefined) {
          // Refused by the pre-trade checks or rejected by the venue; both are already events.
          this.finish(w, false);
          return;
        }
        if (!w.done && order.status !== 'filled') this.armTimeout(w, limits, sentAt);
        return;
      } catch (error) {
        if (!(error instanceof VenueError) || error.retry !== 'transient' || attempt >= attempts) {
          this.alert(
            w,
            `entry ${w.clientOrderId} could not be placed: ${error instanceof Error ? error.message : String(error)}`,
          );
          this.finish(w, false);
          return;
        }
        await this.sleep(delay);
        delay *= 2;
        // Ended while waiting (the account stopped trading): the retry is the same order to the
        // engine, which would not check it again, so it must not be sent at all.
        if (w.done) return;
      }
    }
  }

  private armTimeout(w: WorkingEntry, limits: EntryLimits, sentAt: number): void {
    w.timer?.();
    w.timer = this.options.clock.schedule(sentAt + limits.orderTimeoutSeconds * 1000, () => {
      w.timer = undefined;
      if (w.done) return;
      this.track(this.walk(w, limits));
    });
  }

  /** The order timed out: cancel it, then walk one tick (if walks remain) or give up. */
  private async walk(w: WorkingEntry, limits: EntryLimits): Promise<void> {
    const previous = w.clientOrderId;
    try {
      await this.options.engine.cancelOrder(w.edge.accountId, previous);
    } catch (error) {
      this.alert(
        w,
        `entry ${previous} could not be cancelled: ${error instanceof Error ? error.message : String(error)}`,
      );
      // It may still be working: a walk now would put a second order next to it. Try the cancel
      // again after another timeout.
      if (!w.done) this.armTimeout(w, limits, this.options.clock.now());
      return;
    }
    if (w.done || w.filled >= w.quantity) return;
    if (w.walks >= limits.walks || this.options.engine.account(w.edge.accountId)?.tradingState !== 'ACTIVE') {
      this.finish(w, false);
      return;
    }
    w.walks++;
    const step = w.edge.binary ? 0.01 : w.instrument.tickSize;
    w.limitPrice = roundToTick(w.instrument, w.side === 'buy' ? w.limitPrice + step : w.limitPrice - step);
    w.clientOrderId = `${w.id}-${w.walks}`;
    await this.place(w, limits);
  }

  private onReport(report: ExecutionReport): void {
    const w = this.byOrder.get(report.order.clientOrderId);
    if (w === undefined || w.edge.accountId !== report.order.accountId) return;
    if (report.kind === 'fill') {
      const position = this.options.engine.account(w.edge.accountId)?.positions.get(w.edge.symbol);
      // The position this entry opened (or added to) knows the edge it was entered on.
      if (!w.edgeTold && position !== undefined && position.side === w.edge.side) {
        w.edgeTold = true;
        this.tellEdge(position, w.edge, report.fill.price, w.cause);
      }
      w.filled = Math.min(w.quantity, w.filled + report.fill.quantity);
      if (w.filled >= w.quantity) this.finish(w, false);
    }
  }

  /** Ends an entry; `cancel` also cancels its working order. */
  private finish(w: WorkingEntry, cancel: boolean): void {
    if (w.done) return;
    w.done = true;
    w.timer?.();
    this.working.delete(w.id);
    if (cancel) {
      this.track(
        this.options.engine.cancelOrder(w.edge.accountId, w.clientOrderId).then(
          () => undefined,
          () => undefined,
        ),
      );
    }
  }

  /** Tells a held position the edge given for its market (see `edgeUpdatedEvent`). */
  private tellEdge(
    position: Position,
    edge: Edge,
    price: number,
    cause: Cause,
    otherSideValue?: number,
  ): void {
    const event = edgeUpdatedEvent(this.options.events, position, edge, price, cause, otherSideValue);
    if (event !== undefined) this.options.emit(event);
  }

  private deny(edge: Edge, reason: DeniedReason, message: string, cause: Cause): void {
    this.options.emit(entryDeniedEvent(this.options.events, edge, reason, message, cause));
  }

  private alert(w: WorkingEntry, message: string): void {
    this.options.emit(entryAlertEvent(this.options.events, w.edge, message, w.cause));
  }

  /** Waits on the engine clock; the wait does not count as busy for `settled()`. */
  private async sleep(ms: number): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => this.options.clock.schedule(this.options.clock.now() + ms, resolve));
    this.busy++;
  }
}
