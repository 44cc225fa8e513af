import { VenueError } from '../../domain/errors.ts';
import { AlertTriggeredV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { floorToLot, type Instrument } from '../../domain/instrument.ts';
import { addQty, subQty } from '../../domain/money.ts';
import { exitSide, type Order, type OrderRequest, type OrderSide } from '../../domain/order.ts';
import type { Position } from '../../domain/position.ts';
import type { Tick } from '../../domain/tick.ts';
import type { CancelTimer } from '../../ports/clock.ts';
import type { Cause, EventFactory } from '../event-factory.ts';
import type { OrderMeta } from '../trading.ts';
import {
  EXIT_TABLE,
  type ExitCondition,
  type ExitPriority,
  type ExitSpec,
  exitLimitPrice,
  reasonForCondition,
} from './exit-table.ts';

/** A working exit as status pages and snapshots show it. */
export interface ExitStatus {
  readonly positionId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly condition: ExitCondition;
  readonly priority: ExitPriority;
  /** 1 for the first exit of the position, 2 for the next (partial stages, a retry after giving up). */
  readonly exitNumber: number;
  readonly phase: 'limit' | 'market';
  /** Orders of this exit so far: 1 for the first, +1 per walk, re-placement or market escalation. */
  readonly attempt: number;
  readonly walks: number;
  /** Client order id of the order being worked (or about to be placed). */
  readonly clientOrderId?: string;
  readonly limitPrice?: number;
  readonly quantity: number;
  readonly filledQuantity: number;
  readonly startedAt: number;
  /** Transient venue errors retried so far. */
  readonly retries: number;
  readonly lastError?: string;
  readonly conflicting: readonly string[];
}

/** What a caller asks of the execution service: exit (part of) a position for a condition. */
export interface ExitRequest {
  readonly position: Position;
  /** Quantity to exit; all of the position when absent. Rounded down to the lot size. */
  readonly quantity?: number;
  readonly condition: ExitCondition;
  /** Other conditions that fired with this one; they reach `Trading.Position.Closed.v1`. */
  readonly conflicting?: readonly string[];
  readonly cause?: Cause;
}

/** What an escalation step ends with: a market order, a limit at walk `walk`, or giving up. */
export type Target =
  | { readonly kind: 'market' }
  | { readonly kind: 'limit'; readonly walk: number }
  | { readonly kind: 'give_up' };

/** One escalation step: cancel what may still be working, then place the next order (or give up). */
export interface Step {
  readonly target: Target;
  /** Undefined when giving up. */
  readonly clientOrderId: string | undefined;
  /** Orders to cancel first; each leaves the list once cancelled, so a retry does not repeat it. */
  readonly cancel: string[];
  /** Built at the first try and kept, so that a retry sends the very same request. */
  request?: OrderRequest;
  /** The request may have reached the venue (so a later step must cancel it). */
  sent: boolean;
}

/** The mutable state of one exit; only the execution service touches it. */
export interface WorkingExit {
  readonly positionId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly instrument: Instrument;
  readonly exitNumber: number;
  readonly startedAt: number;
  condition: ExitCondition;
  spec: ExitSpec;
  conflicting: readonly string[];
  cause: Cause | undefined;
  /** Quantity this exit closes; the exit ends when it has filled or the position is flat. */
  quantity: number;
  filled: number;
  phase: 'limit' | 'market';
  attempt: number;
  walks: number;
  /** Venue placement calls, retries included. */
  sends: number;
  retries: number;
  retryDelayMs: number;
  lastError?: string;
  lastLimitPrice?: number;
  /** The last order the venue accepted. */
  working?: { readonly clientOrderId: string; readonly limitPrice?: number };
  /** The step under way (or waiting for a retry), if any. */
  step?: Step;
  /** Every client order id of this exit, and those known to be finished (filled, cancelled, rejected). */
  readonly orderIds: Set<string>;
  readonly ended: Set<string>;
  /** Orders this service asked to cancel: their cancel reports are expected. */
  readonly cancelling: Set<string>;
  timeout?: CancelTimer;
  /** When `timeout` fires (epoch ms), kept so that a restored exit keeps its deadline. */
  timeoutAt?: number;
  retryTimer?: CancelTimer;
  /** When `retryTimer` fires (epoch ms), kept so that a restored exit keeps its backoff. */
  retryAt?: number;
  /** Venue calls of one exit run one after the other on this chain. */
  chain: Promise<void>;
  done: boolean;
}

/** A new exit of `position`, before its first order. */
export function newExit(fields: {
  readonly position: Position;
  readonly instrument: Instrument;
  readonly exitNumber: number;
  readonly startedAt: number;
  readonly condition: ExitCondition;
  readonly conflicting: readonly string[];
  readonly cause: Cause | undefined;
  readonly quantity: number;
  readonly retryDelayMs: number;
}): WorkingExit {
  const { position } = fields;
  return {
    positionId: position.id,
    accountId: position.accountId,
    symbol: position.symbol,
    side: exitSide(position.side),
    instrument: fields.instrument,
    exitNumber: fields.exitNumber,
    startedAt: fields.startedAt,
    condition: fields.condition,
    spec: EXIT_TABLE[fields.condition],
    conflicting: fields.conflicting,
    cause: fields.cause,
    quantity: fields.quantity,
    filled: 0,
    phase: 'limit',
    attempt: 0,
    walks: 0,
    sends: 0,
    retries: 0,
    retryDelayMs: fields.retryDelayMs,
    orderIds: new Set(),
    ended: new Set(),
    cancelling: new Set(),
    chain: Promise.resolve(),
    done: false,
  };
}

/** `${positionId}-x${exitNumber}-${attempt}`: the same exit attempt always has the same id. */
export function exitOrderId(exit: Pick<WorkingExit, 'positionId' | 'exitNumber' | 'attempt'>): string {
  return `${exit.positionId}-x${exit.exitNumber}-${exit.attempt}`;
}

/** The quantity to exit: the request (all when absent), at most the open quantity, down to the lot. */
export function exitQuantity(instrument: Instrument, requested: number | undefined, open: number): number {
  const wanted = Math.min(requested ?? open, open);
  return wanted > 0 ? floorToLot(instrument, wanted) : 0;
}

/**
 * The next order of an exit: reduce-only, for what is still to exit (at most the open quantity,
 * down to the lot), a market order or a limit priced from `quote`. Undefined when a limit has no
 * quote to be priced from.
 */
export function exitRequest(
  exit: WorkingExit,
  target: Target,
  clientOrderId: string,
  openQuantity: number,
  quote: Tick | undefined,
): OrderRequest | undefined {
  const quantity = floorToLot(exit.instrument, Math.min(subQty(exit.quantity, exit.filled), openQuantity));
  const base = {
    accountId: exit.accountId,
    symbol: exit.symbol,
    side: exit.side,
    quantity,
    clientOrderId,
    reduceOnly: true,
    intent: 'exit' as const,
  };
  if (target.kind !== 'limit') return { ...base, type: 'market' };
  if (quote === undefined) return undefined;
  const limitPrice = exitLimitPrice({
    instrument: exit.instrument,
    side: exit.side,
    style: exit.spec.style === 'market' ? 'aggressive' : exit.spec.style,
    quote,
    walk: target.walk,
    ...(exit.lastLimitPrice !== undefined ? { previous: exit.lastLimitPrice } : {}),
  });
  return { ...base, type: 'limit', limitPrice };
}

/** What the engine records with an exit order; the reason and triggers reach the position events. */
export function exitMeta(exit: WorkingExit): OrderMeta {
  return {
    intent: 'exit',
    reason: reasonForCondition(exit.condition),
    positionId: exit.positionId,
    ...(exit.cause !== undefined ? { cause: exit.cause } : {}),
    ...(exit.conflicting.length > 0 ? { conflictingTriggers: exit.conflicting } : {}),
  };
}

export function isTransient(error: unknown): boolean {
  return error instanceof VenueError && error.retry === 'transient';
}

export function describeError(error: unknown): string {
  if (error instanceof VenueError) return `${error.reason}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function statusOf(exit: WorkingExit): ExitStatus {
  const clientOrderId = exit.step?.clientOrderId ?? exit.working?.clientOrderId;
  const limitPrice = exit.step?.request?.limitPrice ?? exit.working?.limitPrice;
  return {
    positionId: exit.positionId,
    accountId: exit.accountId,
    symbol: exit.symbol,
    condition: exit.condition,
    priority: exit.spec.priority,
    exitNumber: exit.exitNumber,
    phase: exit.phase,
    attempt: exit.attempt,
    walks: exit.walks,
    ...(clientOrderId !== undefined ? { clientOrderId } : {}),
    ...(limitPrice !== undefined ? { limitPrice } : {}),
    quantity: exit.quantity,
    filledQuantity: exit.filled,
    startedAt: exit.startedAt,
    retries: exit.retries,
    ...(exit.lastError !== undefined ? { lastError: exit.lastError } : {}),
    conflicting: exit.conflicting,
  };
}

/**
 * Makes a working limit exit the exit `request` asks for, when that is a CRITICAL condition: the
 * old condition joins the conflicting ones, the quantity grows to what the request wants. False
 * (and nothing changed) for a request of lower priority, or an exit already at market.
 */
export function upgradeExit(exit: WorkingExit, request: ExitRequest, current: Position): boolean {
  const spec = EXIT_TABLE[request.condition];
  if (spec.priority !== 'CRITICAL' || exit.phase === 'market') return false;
  const conflicting = [exit.condition, ...exit.conflicting, ...(request.conflicting ?? [])];
  exit.conflicting = [...new Set(conflicting)].filter((c) => c !== request.condition);
  exit.condition = request.condition;
  exit.spec = spec;
  if (request.cause !== undefined) exit.cause = request.cause;
  const wanted = exitQuantity(exit.instrument, request.quantity, current.quantity);
  exit.quantity = addQty(exit.filled, Math.max(wanted, subQty(exit.quantity, exit.filled)));
  return true;
}

/** The orders of an ending exit that may still work at the venue: to cancel. */
export function leftoversOf(exit: WorkingExit): string[] {
  const leftovers = [...(exit.step?.cancel ?? [])];
  if (exit.step?.sent && exit.step.clientOrderId !== undefined) leftovers.push(exit.step.clientOrderId);
  if (exit.working !== undefined) leftovers.push(exit.working.clientOrderId);
  return leftovers.filter((id) => !exit.ended.has(id));
}

/** True while an order can still fill. */
export function isLive(order: Order): boolean {
  return order.status === 'open' || order.status === 'partially_filled' || order.status === 'pending';
}

/**
 * Alert codes of the execution service: `EXIT_FAILED` (not filled in time, gave up, or a venue
 * error retrying cannot fix), `EXIT_REJECTED` (the venue refused the order), `EXIT_CANCEL_FAILED`
 * (an order of a released exit could not be cancelled).
 */
export type ExitAlertCode = 'EXIT_FAILED' | 'EXIT_REJECTED' | 'EXIT_CANCEL_FAILED';

/** Payload of the `Risk.Alert.Triggered.v1` an exit raises. */
export function alertPayload(
  exit: WorkingExit,
  code: ExitAlertCode,
  severity: 'warning' | 'critical',
  message: string,
) {
  const clientOrderId = exit.step?.clientOrderId ?? exit.working?.clientOrderId;
  return {
    accountId: exit.accountId,
    code,
    severity,
    message: `${exit.condition} exit of ${exit.positionId}: ${message}`,
    positionId: exit.positionId,
    symbol: exit.symbol,
    details: {
      condition: exit.condition,
      exitNumber: exit.exitNumber,
      /** Venue placement calls, retries included. */
      attempts: exit.sends,
      /** Distinct orders (client order ids). */
      orders: exit.attempt,
      walks: exit.walks,
      retries: exit.retries,
      quantity: exit.quantity,
      filledQuantity: exit.filled,
      ...(clientOrderId !== undefined ? { clientOrderId } : {}),
      ...(exit.lastError !== undefined ? { lastError: exit.lastError } : {}),
    },
  };
}

/** The `Risk.Alert.Triggered.v1` an exit raises: CRITICAL urgency when critical, else HIGH. */
export function exitAlert(
  events: EventFactory,
  exit: WorkingExit,
  code: ExitAlertCode,
  severity: 'warning' | 'critical',
  message: string,
): Envelope {
  const urgency = severity === 'critical' ? 'CRITICAL' : 'HIGH';
  const data = alertPayload(exit, code, severity, message);
  return events.create(AlertTriggeredV1, exit.accountId, data, exit.cause ?? {}, urgency);
}
