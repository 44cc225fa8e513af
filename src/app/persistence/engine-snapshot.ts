import type { Envelope } from '../../domain/events/envelope.ts';
import { partitionOf } from '../../domain/partitioning.ts';
import { type EntryMemory, foldEntryMemory } from '../../engine/entry/entry-memory.ts';
import { type ExitMemory, emptyExitMemory, foldExitMemory } from '../../engine/execution/exit-memory.ts';
import { emptyOrderMemory, foldOrderMemory, type OrderMemory } from '../../engine/orders/order-memory.ts';
import type { RecoveredPosition } from '../../engine/recovery/recovered-positions.ts';
import type { RiskSnapshot } from '../../engine/risk/risk-engine.ts';
import type { EventStore, Snapshot } from '../../ports/store.ts';
import type { Composition } from '../compose.ts';

/**
 * The name of the one snapshot an engine wrote before partitions: still read, as the snapshot of
 * every partition, when it is newer than a partition's own.
 */
export const ENGINE_SNAPSHOT = 'engine';

/** The name a partition's snapshots are stored under: `engine.p3of8`. */
export function partitionSnapshotName(index: number, count: number): string {
  return `${ENGINE_SNAPSHOT}.p${index}of${count}`;
}

/** What a snapshot of one partition holds (plain JSON). */
export interface EngineSnapshot {
  readonly version: 1;
  /** Engine clock, epoch ms. */
  readonly takenAt: number;
  readonly positions: readonly RecoveredPosition[];
  /** Trading states and holds, the trading day, day-start and initial balances, challenge. */
  readonly risk?: RiskSnapshot;
  /**
   * The partition's order memory: the orders Warden placed and has not finished with, the exit
   * counts and working exits, and the entry sequence, so that after a restart a late fill of an
   * exit is booked as that exit and no client order id is used twice.
   */
  readonly orders?: PartitionOrderMemory;
}

/** What a snapshot keeps of a partition's orders. */
export interface PartitionOrderMemory {
  readonly version: 1;
  readonly gateway: OrderMemory;
  readonly exits: ExitMemory;
  readonly entries: EntryMemory;
}

/**
 * The order memory a partition resumes with: its snapshot's (or none), with every event of the
 * partition's log after the snapshot folded in.
 */
export function recoveredOrderMemory(
  saved: PartitionOrderMemory | undefined,
  tail: Iterable<Envelope>,
): PartitionOrderMemory {
  let gateway = saved?.gateway ?? emptyOrderMemory();
  let exits = saved?.exits ?? emptyExitMemory();
  let entries: EntryMemory = saved?.entries ?? { version: 1, entries: 0 };
  for (const e of tail) {
    gateway = foldOrderMemory(gateway, e);
    exits = foldExitMemory(exits, e);
    entries = foldEntryMemory(entries, e);
  }
  return { version: 1, gateway, exits, entries };
}

/** Gives a partition back its order memory (after reconciliation, before the first tick). */
export function restoreOrderMemory(c: Composition, memory: PartitionOrderMemory): void {
  c.engine.restoreOrderMemory(memory.gateway);
  c.execution.restore(memory.exits);
  c.entry.restore(memory.entries);
}

/**
 * The snapshot a partition recovers from: its own newest, or the pre-partition `engine` snapshot
 * when that one is newer (a store written by an older Warden, or one written by hand).
 */
export async function partitionSnapshot(
  store: EventStore,
  index: number,
  count: number,
): Promise<Snapshot | undefined> {
  const own = await store.latestSnapshot(partitionSnapshotName(index, count));
  const legacy = await store.latestSnapshot(ENGINE_SNAPSHOT);
  if (own === undefined) return legacy;
  if (legacy === undefined) return own;
  return legacy.position > own.position ? legacy : own;
}

/**
 * True when `event` is a partition's to recover from: an account's event whose account hashes to
 * it, or a market event (candles, feed alerts), which every partition follows.
 */
export function belongsTo(event: Envelope, index: number, count: number): boolean {
  const accountId = event.data.accountId;
  return typeof accountId !== 'string' || partitionOf(accountId, count) === index;
}

/** A snapshot of one partition: every open position with its trigger memory, and the risk state. */
export function snapshotOf(c: Composition, takenAt: number): EngineSnapshot {
  return {
    version: 1,
    takenAt,
    positions: c.engine.openPositions().map((p) => {
      const memory = c.monitor.memory(p.id);
      const managedThrough = c.monitor.managedThrough(p.id);
      const pendingStages = c.monitor.pendingStages(p.id);
      const edge = c.monitor.edgeOf(p.id);
      return {
        id: p.id,
        accountId: p.accountId,
        symbol: p.symbol,
        side: p.side,
        quantity: p.quantity,
        entryPrice: p.entryPrice,
        openedAt: p.openedAt,
        attrs: {
          ...(p.stopPrice !== undefined ? { stopPrice: p.stopPrice } : {}),
          ...(p.targetPrice !== undefined ? { targetPrice: p.targetPrice } : {}),
          ...(p.profile !== undefined ? { profile: p.profile } : {}),
          ...(p.thesis !== undefined ? { thesis: p.thesis } : {}),
          ...(p.manage !== undefined ? { manage: p.manage } : {}),
        },
        ...(memory !== undefined ? { memory } : {}),
        ...(c.monitor.decayed.has(p.id) ? { decayed: true } : {}),
        ...(managedThrough !== undefined ? { managedThrough } : {}),
        ...(pendingStages.length > 0 ? { pendingStages: [...pendingStages] } : {}),
        ...(edge !== undefined ? { edge } : {}),
      };
    }),
    risk: c.risk.snapshot(),
    orders: {
      version: 1,
      gateway: c.engine.orderMemory(),
      exits: c.execution.memory(),
      entries: c.entry.memory(),
    },
  };
}
