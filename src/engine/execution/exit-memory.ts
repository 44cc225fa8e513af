import { asWardenEvent } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { addQty } from '../../domain/money.ts';
import type { OrderRequest, OrderSide } from '../../domain/order.ts';
import type { Cause } from '../event-factory.ts';
import type { Target, WorkingExit } from './exit-state.ts';
import { EXIT_TABLE, type ExitCondition } from './exit-table.ts';

/** A working exit as plain JSON: everything but its timers, its instrument and its spec. */
export interface RememberedExit {
  readonly positionId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly exitNumber: number;
  readonly startedAt: number;
  readonly condition: ExitCondition;
  readonly conflicting: readonly string[];
  readonly cause?: Cause;
  readonly quantity: number;
  readonly filled: number;
  readonly phase: 'limit' | 'market';
  readonly attempt: number;
  readonly walks: number;
  readonly sends: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly lastError?: string;
  readonly lastLimitPrice?: number;
  readonly working?: { readonly clientOrderId: string; readonly limitPrice?: number };
  /** The step under way: after a restart it is sent again with the same client order id. */
  readonly step?: {
    readonly target: Target;
    readonly clientOrderId?: string;
    readonly cancel: readonly string[];
    readonly request?: OrderRequest;
    readonly sent: boolean;
  };
  readonly orderIds: readonly string[];
  readonly ended: readonly string[];
  readonly cancelling: readonly string[];
  /** When the running timeout fires (epoch ms), if one runs. */
  readonly timeoutAt?: number;
  /** When the waiting retry (after a backoff) fires (epoch ms), if one waits. */
  readonly retryAt?: number;
}

/**
 * What the execution service remembers across a restart (`ExecutionService.memory()`): how many
 * exits each open position has had, so the next exit's client order ids (`{positionId}-x{n}-{a}`)
 * are new ones, and the exits working at that moment, so a restart picks them up where they were
 * (same orders, same timeouts) instead of starting a second exit. Positions that closed are
 * dropped, so the memory holds the open positions only.
 */
export interface ExitMemory {
  readonly version: 1;
  /** Exits started so far, per open position that had one. */
  readonly counts: readonly { readonly positionId: string; readonly exits: number }[];
  readonly working: readonly RememberedExit[];
}

/** The memory of a service that never exited anything. */
export function emptyExitMemory(): ExitMemory {
  return { version: 1, counts: [], working: [] };
}

/** A working exit as plain JSON. */
export function rememberExit(exit: WorkingExit): RememberedExit {
  const { step } = exit;
  return structuredClone({
    positionId: exit.positionId,
    accountId: exit.accountId,
    symbol: exit.symbol,
    side: exit.side,
    exitNumber: exit.exitNumber,
    startedAt: exit.startedAt,
    condition: exit.condition,
    conflicting: [...exit.conflicting],
    ...(exit.cause !== undefined ? { cause: exit.cause } : {}),
    quantity: exit.quantity,
    filled: exit.filled,
    phase: exit.phase,
    attempt: exit.attempt,
    walks: exit.walks,
    sends: exit.sends,
    retries: exit.retries,
    retryDelayMs: exit.retryDelayMs,
    ...(exit.lastError !== undefined ? { lastError: exit.lastError } : {}),
    ...(exit.lastLimitPrice !== undefined ? { lastLimitPrice: exit.lastLimitPrice } : {}),
    ...(exit.working !== undefined ? { working: exit.working } : {}),
    ...(step !== undefined
      ? {
          step: {
            target: step.target,
            ...(step.clientOrderId !== undefined ? { clientOrderId: step.clientOrderId } : {}),
            cancel: [...step.cancel],
            ...(step.request !== undefined ? { request: step.request } : {}),
            sent: step.sent,
          },
        }
      : {}),
    orderIds: [...exit.orderIds],
    ended: [...exit.ended],
    cancelling: [...exit.cancelling],
    ...(exit.timeoutAt !== undefined ? { timeoutAt: exit.timeoutAt } : {}),
    ...(exit.retryAt !== undefined ? { retryAt: exit.retryAt } : {}),
  });
}

/** A remembered exit made live again (no timers yet: the service arms them). */
export function revivedExit(r: RememberedExit, instrument: Instrument): WorkingExit {
  const copy = structuredClone(r);
  return {
    positionId: copy.positionId,
    accountId: copy.accountId,
    symbol: copy.symbol,
    side: copy.side,
    instrument,
    exitNumber: copy.exitNumber,
    startedAt: copy.startedAt,
    condition: copy.condition,
    spec: EXIT_TABLE[copy.condition],
    conflicting: copy.conflicting,
    cause: copy.cause,
    quantity: copy.quantity,
    filled: copy.filled,
    phase: copy.phase,
    attempt: copy.attempt,
    walks: copy.walks,
    sends: copy.sends,
    retries: copy.retries,
    retryDelayMs: copy.retryDelayMs,
    ...(copy.lastError !== undefined ? { lastError: copy.lastError } : {}),
    ...(copy.lastLimitPrice !== undefined ? { lastLimitPrice: copy.lastLimitPrice } : {}),
    ...(copy.working !== undefined ? { working: copy.working } : {}),
    ...(copy.step !== undefined
      ? {
          step: {
            target: copy.step.target,
            clientOrderId: copy.step.clientOrderId,
            cancel: [...copy.step.cancel],
            ...(copy.step.request !== undefined ? { request: copy.step.request } : {}),
            sent: copy.step.sent,
          },
        }
      : {}),
    orderIds: new Set(copy.orderIds),
    ended: new Set(copy.ended),
    cancelling: new Set(copy.cancelling),
    ...(copy.timeoutAt !== undefined ? { timeoutAt: copy.timeoutAt } : {}),
    ...(copy.retryAt !== undefined ? { retryAt: copy.retryAt } : {}),
    chain: Promise.resolve(),
    done: false,
  };
}

/** `{positionId}-x{exitNumber}-{attempt}` read back, if `clientOrderId` is an exit id of the position. */
export function parseExitOrderId(
  positionId: string,
  clientOrderId: string,
): { readonly exitNumber: number; readonly attempt: number } | undefined {
  if (!clientOrderId.startsWith(`${positionId}-x`)) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(clientOrderId.slice(positionId.length + 2));
  return m === null ? undefined : { exitNumber: Number(m[1]), attempt: Number(m[2]) };
}

/**
 * Brings an exit memory up to date with one event of its partition's log, for a restart from a
 * snapshot taken before the last events (fold each event after it, in order, then `restore`):
 * an exit order placed raises its position's count (so its id is never used again); fills,
 * cancels and rejections of a remembered exit's orders are applied to it; a closed position is
 * dropped. A remembered exit that the log shows may have ended (an `EXIT_*` alert of its
 * position, or a later exit of it) is dropped rather than revived: the monitor starts a new exit,
 * with a new number, if one is still needed. Pure: returns a new memory.
 */
export function foldExitMemory(memory: ExitMemory, envelope: Envelope): ExitMemory {
  const event = asWardenEvent(envelope);
  const withoutWorking = (positionId: string): ExitMemory => ({
    ...memory,
    working: memory.working.filter((w) => w.positionId !== positionId),
  });
  const onOrder = (clientOrderId: string, change: (w: RememberedExit) => RememberedExit): ExitMemory => ({
    ...memory,
    working: memory.working.map((w) => (w.orderIds.includes(clientOrderId) ? change(w) : w)),
  });
  switch (event.type) {
    case 'Trading.Order.Placed.v1': {
      const { positionId, intent, clientOrderId } = event.data;
      if (intent !== 'exit' || positionId === undefined) return memory;
      const id = parseExitOrderId(positionId, clientOrderId);
      if (id === undefined) return memory;
      const count = memory.counts.find((c) => c.positionId === positionId)?.exits ?? 0;
      const counts = [
        ...memory.counts.filter((c) => c.positionId !== positionId),
        { positionId, exits: Math.max(count, id.exitNumber) },
      ];
      const working = memory.working.flatMap((w) => {
        if (w.positionId !== positionId) return [w];
        if (w.exitNumber !== id.exitNumber) return [];
        return w.orderIds.includes(clientOrderId)
          ? [w]
          : [{ ...w, orderIds: [...w.orderIds, clientOrderId], attempt: Math.max(w.attempt, id.attempt) }];
      });
      return { ...memory, counts, working };
    }
    case 'Trading.Order.Filled.v1': {
      const d = event.data;
      return onOrder(d.clientOrderId, (w) => ({
        ...w,
        filled: addQty(w.filled, d.quantity),
        ended: d.remainingQuantity > 0 ? w.ended : [...w.ended, d.clientOrderId],
      }));
    }
    case 'Trading.Order.Cancelled.v1':
    case 'Trading.Order.Rejected.v1': {
      const { clientOrderId } = event.data;
      return onOrder(clientOrderId, (w) => ({ ...w, ended: [...w.ended, clientOrderId] }));
    }
    case 'Trading.Position.Closed.v1': {
      const { positionId } = event.data;
      return {
        ...withoutWorking(positionId),
        counts: memory.counts.filter((c) => c.positionId !== positionId),
      };
    }
    case 'Risk.Alert.Triggered.v1': {
      const { code, positionId } = event.data;
      return positionId !== undefined && code.startsWith('EXIT_') ? withoutWorking(positionId) : memory;
    }
    default:
      return memory;
  }
}
