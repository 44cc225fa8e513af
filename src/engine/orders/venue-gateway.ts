import { VenueError, WardenError } from '../../domain/errors.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { Order, OrderRequest } from '../../domain/order.ts';
import type { Position } from '../../domain/position.ts';
import type { ExecutionReport, OrderChanges, Venue, VenueCapabilities } from '../../ports/venue.ts';
import type { Book } from '../book/book.ts';
import { type Cause, causedBy, type EventFactory } from '../event-factory.ts';
import type { OrderGate, OrderGateway, OrderMeta, VenueOutcome } from '../trading.ts';
import { deniedEvent, endedEvent, filledEvent, placedEvent, rejectedEvent } from './order-events.ts';
import type { OrderMemory } from './order-memory.ts';
import { moveProtectiveStops } from './stop-mover.ts';
import { type TrackedOrder, TrackedOrders } from './tracked-orders.ts';

/** What the order gateway is built from. */
export interface GatewayOptions {
  readonly venue: Venue;
  /** Where fills are booked. */
  readonly book: Book;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  /** Fill ids of finished or foreign orders kept for dedupe (default 1,000). */
  readonly recentFills?: number;
}

/**
 * The order gateway: places, cancels and replaces orders through the venue, asks the pre-trade
 * gate first (exits never wait on it), tells the venue-error breaker every outcome, and turns
 * execution reports into order events and fills for the account book. It remembers each order
 * it placed (intent, exit reason, position, cause) until the venue finished it, and the fill ids
 * it booked, so a fill reported twice is booked once (`TrackedOrders`).
 */
export class VenueGateway implements OrderGateway {
  private readonly tracked: TrackedOrders;
  private readonly appliedListeners = new Set<(report: ExecutionReport) => void>();
  private readonly venueListeners = new Set<(outcome: VenueOutcome) => void>();
  private readonly unsubscribe: () => void;
  private gate: OrderGate | undefined;

  constructor(private readonly options: GatewayOptions) {
    this.tracked = new TrackedOrders(options.recentFills);
    this.unsubscribe = options.venue.onExecution((report) => this.onExecution(report));
  }

  /** What the venue can do. */
  get capabilities(): VenueCapabilities {
    return this.options.venue.capabilities;
  }

  /** How many orders are tracked: placed and not yet finished. */
  get trackedCount(): number {
    return this.tracked.size;
  }

  /** Stops listening to the venue. */
  stop(): void {
    this.unsubscribe();
  }

  setOrderGate(gate: OrderGate | undefined): void {
    this.gate = gate;
  }

  onVenueOutcome(listener: (outcome: VenueOutcome) => void): () => void {
    this.venueListeners.add(listener);
    return () => {
      this.venueListeners.delete(listener);
    };
  }

  onExecutionApplied(listener: (report: ExecutionReport) => void): () => void {
    this.appliedListeners.add(listener);
    return () => {
      this.appliedListeners.delete(listener);
    };
  }

  /** What Warden recorded with an order it placed and still tracks. */
  metaOf(accountId: string, clientOrderId: string): OrderMeta | undefined {
    return this.tracked.get(accountId, clientOrderId)?.meta;
  }

  async placeOrder(request: OrderRequest, meta: OrderMeta): Promise<Order | undefined> {
    const { book, events, emit } = this.options;
    book.requireAccount(request.accountId);
    if (book.instrument(request.symbol) === undefined) {
      throw new WardenError('WARDEN_UNKNOWN_SYMBOL', `unknown symbol ${request.symbol}`);
    }
    const previous = this.tracked.get(request.accountId, request.clientOrderId);
    // A retry of the same client order id (after a transient error) is the same order: it was
    // placed once, and the venue's idempotency keeps it single. Only a new order emits Placed.
    const retry =
      previous !== undefined && previous.rejected !== true && previous.placedEventId !== undefined;
    if (!retry && meta.intent !== 'exit' && this.gate !== undefined) {
      const denial = this.gate.check(request, meta);
      if (denial !== undefined) {
        emit(deniedEvent(events, request, meta, denial));
        return undefined;
      }
      this.gate.passed?.(request, meta);
    }
    const tracked = retry ? previous : this.track(request, meta);
    tracked.placing += 1;
    try {
      const order = await this.options.venue.placeOrder(request);
      this.venueOutcome(undefined);
      tracked.retryable = false;
      // A rejected order can get no report; any other waits for its reports to finish it.
      if (order.status === 'rejected') tracked.finished = true;
      return order;
    } catch (error) {
      this.venueOutcome(error);
      if (error instanceof VenueError && error.retry === 'rejected') {
        tracked.retryable = false;
        this.reject(tracked, error.reason, error.message);
        return undefined;
      }
      tracked.retryable = true;
      throw error;
    } finally {
      tracked.placing -= 1;
      this.tracked.pruneIfDone(tracked);
    }
  }

  async cancelOrder(accountId: string, clientOrderId: string): Promise<Order> {
    this.options.book.requireAccount(accountId);
    try {
      const order = await this.options.venue.cancelOrder(accountId, clientOrderId);
      this.venueOutcome(undefined);
      return order;
    } catch (error) {
      this.venueOutcome(error);
      throw error;
    }
  }

  /** Open orders of the account at the venue; a failure is told to the breaker and rethrown. */
  async openOrders(accountId: string): Promise<Order[]> {
    try {
      const open = await this.options.venue.openOrders(accountId);
      this.venueOutcome(undefined);
      return open;
    } catch (error) {
      this.venueOutcome(error);
      throw error;
    }
  }

  /**
   * Replaces an open order by the venue's replace: the replacement (`request`, with `meta`) is
   * tracked and shown as `Trading.Order.Placed.v1` with intent `protective` and `note` as its
   * reason; a failure becomes its `Trading.Order.Rejected.v1`. True when the venue replaced it.
   */
  async replaceOrder(
    replaced: Pick<Order, 'accountId' | 'clientOrderId'>,
    changes: OrderChanges,
    request: OrderRequest,
    meta: OrderMeta,
    note: string,
  ): Promise<boolean> {
    const tracked = this.track(request, meta, { intent: 'protective', reason: note });
    tracked.placing += 1;
    try {
      await this.options.venue.replaceOrder(replaced.accountId, replaced.clientOrderId, changes);
      this.venueOutcome(undefined);
      return true;
    } catch (error) {
      this.venueOutcome(error);
      this.reject(
        tracked,
        error instanceof VenueError ? error.reason : 'REPLACE_FAILED',
        error instanceof Error ? error.message : String(error),
      );
      return false;
    } finally {
      tracked.placing -= 1;
      this.tracked.pruneIfDone(tracked);
    }
  }

  moveProtectiveStops(position: Position, stopPrice: number, cause: Cause = {}): Promise<number> {
    return moveProtectiveStops(this, position, stopPrice, cause);
  }

  /**
   * Applies a fill, a cancel or a late rejection reported by the venue: its order event, caused
   * by the order's Placed event, then (for a fill) the position events of the book, then the
   * `onExecutionApplied` listeners. A fill id already booked is dropped without a trace.
   */
  onExecution(report: ExecutionReport): void {
    const { events, emit, book } = this.options;
    const tracked = this.tracked.get(report.order.accountId, report.order.clientOrderId);
    if (report.kind === 'fill' && !this.tracked.firstSeen(tracked, report.fill)) return;
    const cause: Cause =
      tracked?.placedEventId !== undefined
        ? {
            causationId: tracked.placedEventId,
            correlationId: tracked.meta.cause?.correlationId ?? tracked.placedEventId,
          }
        : {};
    if (report.kind === 'fill') {
      book.checkFill(report.fill);
      const filled = filledEvent(events, report.fill, report.order, cause);
      emit(filled);
      book.applyFill(report.fill, tracked?.meta ?? { intent: 'entry' }, causedBy(filled));
    } else {
      emit(endedEvent(events, report, cause));
    }
    if (tracked !== undefined && (report.kind !== 'fill' || !isLive(report.order))) {
      tracked.finished = true;
      this.tracked.pruneIfDone(tracked);
    }
    for (const listener of [...this.appliedListeners]) listener(report);
  }

  orderMemory(): OrderMemory {
    return this.tracked.memory();
  }

  restoreOrderMemory(memory: OrderMemory): void {
    this.tracked.restore(memory);
  }

  /** Starts tracking an order and emits its `Trading.Order.Placed.v1`. */
  private track(
    request: OrderRequest,
    meta: OrderMeta,
    shown?: Parameters<typeof placedEvent>[3],
  ): TrackedOrder {
    const tracked = this.tracked.add(request, meta);
    const placed = placedEvent(this.options.events, request, meta, shown);
    tracked.placedEventId = placed.id;
    this.options.emit(placed);
    return tracked;
  }

  /** The venue refused a tracked order: `Trading.Order.Rejected.v1`, caused by its Placed event. */
  private reject(tracked: TrackedOrder, reason: string, message: string): void {
    tracked.rejected = true;
    tracked.finished = true;
    const cause = {
      causationId: tracked.placedEventId!,
      correlationId: tracked.meta.cause?.correlationId ?? tracked.placedEventId!,
    };
    this.options.emit(rejectedEvent(this.options.events, tracked.request, reason, message, cause));
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
}

/** True while an order can still fill. */
function isLive(order: Order): boolean {
  return order.status === 'open' || order.status === 'partially_filled' || order.status === 'pending';
}
