import type { Account, TradingState } from '../domain/account.ts';
import type { VenueError } from '../domain/errors.ts';
import type { CloseReason, DeniedReason } from '../domain/events/catalog.ts';
import type { Instrument } from '../domain/instrument.ts';
import type { Order, OrderIntent, OrderRequest } from '../domain/order.ts';
import type { OpenAttributes, Position } from '../domain/position.ts';
import type { Tick } from '../domain/tick.ts';
import type { ExecutionReport } from '../ports/venue.ts';
import type { Cause } from './event-factory.ts';
import type { OrderMemory } from './orders/order-memory.ts';

/*
 * The narrow faces of the engine's two halves. Components depend on these, never on the concrete
 * `Engine`: the account book (what Warden holds) and the order gateway (what Warden asks a venue
 * to do). Only the composition root builds the engine that implements them.
 */

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

/** What a component reads of the account book: accounts, positions, instruments, last prices. */
export interface BookView {
  account(id: string): Account | undefined;
  allAccounts(): Account[];
  /** Every open position of every account. */
  openPositions(): Position[];
  /** The open position with this id, if any. */
  positionById(id: string): Position | undefined;
  instrument(symbol: string): Instrument | undefined;
  /** Configured symbols, in configuration order. */
  symbols(): string[];
  /** The last validated tick of the symbol (its mark), if any. */
  lastTick(symbol: string): Tick | undefined;
}

/**
 * The account book: what it reads, and the changes other components make to it. Each change
 * emits its event (`Trading.Position.Opened.v1`, `.Closed.v1`, `.Modified.v1`) except trading
 * states, whose events the risk engine emits.
 */
export interface AccountBook extends BookView {
  /**
   * Takes on a position Warden did not know: one the venue holds (reconciliation) or one another
   * program declared. Emits `Trading.Position.Opened.v1` with `source`.
   */
  adopt(p: InitialPosition, source: 'venue' | 'config', cause?: Cause): Position;
  /**
   * Drops a position the venue no longer holds (closed outside Warden): emits
   * `Trading.Position.Closed.v1` with `reason` at `exitPrice` and a realized PnL of 0.
   */
  forget(positionId: string, exitPrice: number, reason: CloseReason, cause?: Cause): boolean;
  /**
   * Changes a position's stop or target (`undefined` leaves a field alone, `null` removes it) and
   * emits `Trading.Position.Modified.v1`. False when the position is not open or nothing changed.
   */
  modifyPosition(
    positionId: string,
    changes: { readonly stopPrice?: number | null; readonly targetPrice?: number | null },
    source: 'AGENT' | 'USER' | 'RULE' | 'VENUE',
    cause?: Cause,
    reasoning?: string,
  ): boolean;
  /** Records the account's trading state (the risk engine decides it and emits its events). */
  setTradingState(accountId: string, state: TradingState): void;
}

/**
 * The order gateway: every order Warden sends goes through it, and every execution report comes
 * back through it into the account book.
 */
export interface OrderGateway {
  /**
   * Places an order through the venue, emitting `Trading.Order.Placed.v1` first and
   * `Trading.Order.Rejected.v1` if the venue refuses it. Resolves with the venue's order, or
   * undefined when it was denied or rejected; a transient or fatal venue error is rethrown for the
   * caller's retry policy (a retry with the same client order id is the same order).
   */
  placeOrder(request: OrderRequest, meta: OrderMeta): Promise<Order | undefined>;
  /**
   * Cancels an open order; the venue's cancel report becomes `Trading.Order.Cancelled.v1`. Venue
   * errors are rethrown (cancelling a finished order resolves with it unchanged).
   */
  cancelOrder(accountId: string, clientOrderId: string): Promise<Order>;
  /**
   * Moves the working protective stop orders of a position at the venue to `stopPrice`, by the
   * venue's replace. Returns how many moved; none without replace or on failure.
   */
  moveProtectiveStops(position: Position, stopPrice: number, cause?: Cause): Promise<number>;
  /** Installs the pre-trade checks every non-exit order goes through. */
  setOrderGate(gate: OrderGate | undefined): void;
  /** Registers a listener for the outcome of every venue call. Returns an unsubscribe function. */
  onVenueOutcome(listener: (outcome: VenueOutcome) => void): () => void;
  /**
   * Registers a listener for execution reports, called after the report was applied to the book
   * and its events emitted. A fill seen before (same fill id) is not applied and not reported.
   * Returns an unsubscribe function.
   */
  onExecutionApplied(listener: (report: ExecutionReport) => void): () => void;
  /** The orders Warden placed and has not finished with, as plain JSON (see `OrderMemory`). */
  orderMemory(): OrderMemory;
  /** Takes back orders remembered by `orderMemory()` (before a restart), before any report arrives. */
  restoreOrderMemory(memory: OrderMemory): void;
}

/** Both faces: what the entry flow and the execution service use. */
export type Trading = AccountBook & OrderGateway;
