import type { PaperVenueState } from '../../adapters/venues/paper/paper-venue.ts';
import { AlertTriggeredV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { PartitionSet } from '../../domain/partitioning.ts';
import { EventFactory } from '../../engine/event-factory.ts';
import { type EventSink, fanOut } from '../../engine/event-sink.ts';
import { type Discrepancy, reconcileAccount } from '../../engine/recovery/reconcile.ts';
import { recoverPositions } from '../../engine/recovery/recovered-positions.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DecisionPolicy } from '../../ports/decision-policy.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { EventStore, Snapshot } from '../../ports/store.ts';
import type { Composition } from '../compose.ts';
import type { WardenConfig } from '../config/schema.ts';
import { Runtime } from '../runtime/runtime.ts';
import { correctToVenue } from './corrections.ts';
import {
  belongsTo,
  type EngineSnapshot,
  type PartitionOrderMemory,
  partitionSnapshot,
  partitionSnapshotName,
  recoveredOrderMemory,
  restoreOrderMemory,
  snapshotOf,
} from './engine-snapshot.ts';
import { StoreWriter } from './store-writer.ts';

export { ENGINE_SNAPSHOT, type EngineSnapshot } from './engine-snapshot.ts';

/** Where the venue keeps its own state, committed with the events, when there is one venue. */
export const PAPER_VENUE_RECORD = { collection: 'paper', id: 'venue' } as const;

/**
 * Where a venue's own state is kept: the one venue's where it always was, each of several under
 * its name.
 */
export function venueRecordOf(name: string, venues: number): { collection: string; id: string } {
  return venues === 1 ? PAPER_VENUE_RECORD : { collection: 'venues', id: name };
}

/** Events after which the next commit carries a snapshot (the risk state changed). */
const RISK_STATE_EVENTS = new Set([
  'Risk.Trading.Halted.v1',
  'Risk.Trading.Resumed.v1',
  'Challenge.Failed.v1',
]);

export interface DurableOptions {
  readonly config: WardenConfig;
  readonly store: EventStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Sinks besides the store (the transport, a log). */
  readonly sink?: EventSink;
  /** The LLM policy for profiles with `policy: llm`. */
  readonly llm?: DecisionPolicy;
  /** The partitions this process holds; every one of `engine.partitions` by default. */
  readonly partitions?: PartitionSet;
}

/** How a start went: from scratch, or recovered from the store and reconciled with the venue. */
export interface StartReport {
  readonly recovered: boolean;
  /** The oldest snapshot recovery started from (its log position), if any. */
  readonly snapshotPosition?: number;
  /** Events replayed on top of the snapshots. */
  readonly tailEvents: number;
  readonly positions: number;
  readonly discrepancies: readonly Discrepancy[];
}

/**
 * A runtime whose every event, positions row and paper venue state commits to the store: the
 * daemon's. `start()` recovers each partition from its latest snapshot and the log after it,
 * reconciles with the venue (each discrepancy a `Risk.Alert.Triggered.v1` with both views, then
 * corrected to the venue), and resumes; `commit()` is the group commit, `snapshot()` a checkpoint
 * of every partition.
 */
export class DurableEngine {
  readonly writer: StoreWriter;
  private runtime: Runtime | undefined;
  /** The venues whose state changed since the last commit, with a reader of it. */
  private readonly venueChanges = new Map<string, () => unknown>();
  private readonly factory: EventFactory;
  /**
   * Every position id this engine has had an event for (opened or closed, this run or recovered):
   * a positions row with one of these ids is Warden's own, never someone else's to adopt.
   */
  private readonly seen = new Set<string>();
  /** Rows refused once (unknown account, symbol held): not refused again by every sweep. */
  private readonly refused = new Set<string>();
  /**
   * The risk state changed (a hold came or went, a day closed) since the last snapshot: the next
   * commit carries a snapshot, so that a restart never resumes an account that was halted.
   */
  private riskChanged = false;
  private resetsSnapshotted = 0;

  constructor(private readonly options: DurableOptions) {
    this.writer = new StoreWriter({ store: options.store });
    this.factory = new EventFactory(options.clock, options.ids);
  }

  /** The runtime, once `start()` built it. */
  get rt(): Runtime {
    if (this.runtime === undefined) throw new Error('DurableEngine used before start()');
    return this.runtime;
  }

  /** The runtime once `start()` built it (also when the start failed after that), else undefined. */
  get composed(): Runtime | undefined {
    return this.runtime;
  }

  /**
   * The pipeline of the one partition that holds accounts, for a process whose accounts all
   * hash to one partition (tests, a single account). Throws when several partitions hold accounts.
   */
  get c(): Composition {
    const [only, ...more] = this.rt.partitions;
    if (only === undefined || more.length > 0) {
      throw new Error(`DurableEngine.c: ${this.rt.partitions.length} partitions hold accounts; use rt`);
    }
    return only.c;
  }

  async start(): Promise<StartReport> {
    const { store, clock, ids, config } = this.options;
    const venueCount = config.venues.length;
    const venueStates = new Map<string, unknown>();
    for (const v of config.venues) {
      const where = venueRecordOf(v.name, venueCount);
      const saved = await store.record(where.collection, where.id);
      if (saved !== undefined) venueStates.set(v.name, saved);
    }
    // Cash is the venue's: the engine's accounts start from the balances the venue kept.
    const balances = new Map<string, string>();
    for (const saved of venueStates.values()) {
      for (const a of (saved as Partial<PaperVenueState>).accounts ?? []) balances.set(a.id, a.balance);
    }
    const head = await store.head();
    const track: EventSink = {
      emit: (e) => {
        const positionId = e.data.positionId;
        if (typeof positionId === 'string' && e.type.startsWith('Trading.Position.'))
          this.seen.add(positionId);
        if (RISK_STATE_EVENTS.has(e.type)) this.riskChanged = true;
        // A position's `manage` is not on its Opened event: a snapshot keeps it.
        if (e.type === 'Trading.Position.Opened.v1' && typeof positionId === 'string') {
          const c = this.runtime?.partitionOf(String(e.data.accountId));
          if (c?.engine.positionById(positionId)?.manage !== undefined) this.riskChanged = true;
        }
      },
    };
    const sinks =
      this.options.sink === undefined
        ? fanOut(track, this.writer)
        : fanOut(track, this.writer, this.options.sink);
    const rt = new Runtime(config, {
      clock,
      ids,
      sink: sinks,
      decisions: (row) => this.writer.recordDecision(row),
      ...(this.options.llm !== undefined ? { llm: this.options.llm } : {}),
      ...(this.options.partitions !== undefined ? { partitions: this.options.partitions } : {}),
      venues: {
        restore: (name) => venueStates.get(name),
        journal: (name) => ({
          changed: (read) => {
            this.venueChanges.set(name, read);
          },
        }),
      },
      ...(balances.size > 0 ? { balances } : {}),
    });
    this.runtime = rt;
    await rt.connect();
    const count = this.options.partitions?.count ?? config.engine.partitions;
    const snapshots = new Map<number, Snapshot | undefined>();
    for (const p of rt.partitions) snapshots.set(p.index, await partitionSnapshot(store, p.index, count));
    const recovered = head > 0 || [...snapshots.values()].some((s) => s !== undefined);
    if (!recovered) {
      rt.start(clock.now());
      await this.commit();
      return { recovered: false, tailEvents: 0, positions: rt.openPositions().length, discrepancies: [] };
    }

    // One read of the log from the oldest snapshot; each partition takes its events after its own.
    const from = Math.min(...rt.partitions.map((p) => snapshots.get(p.index)?.position ?? 0), head);
    const tail: Array<{ readonly position: number; readonly envelope: Envelope }> = [];
    const knownOrders = new Set<string>();
    for await (const e of store.read({ afterPosition: from })) tail.push(e);
    for await (const e of store.read({ type: 'Trading.Order.Placed.v1' }))
      knownOrders.add(String(e.envelope.data.clientOrderId));
    let tailEvents = 0;
    const orderMemories = new Map<number, PartitionOrderMemory>();
    for (const p of rt.partitions) {
      const snapshot = snapshots.get(p.index);
      const after = snapshot?.position ?? 0;
      const mine = tail
        .filter((e) => e.position > after && belongsTo(e.envelope, p.index, count))
        .map((e) => e.envelope);
      tailEvents = Math.max(tailEvents, mine.length);
      const data = snapshot?.data as EngineSnapshot | undefined;
      orderMemories.set(p.index, recoveredOrderMemory(data?.orders, mine));
      const held = new Set(p.accounts);
      const positions = recoverPositions(
        (data?.positions ?? []).filter((s) => held.has(s.accountId)),
        mine,
      ).filter((r) => held.has(r.accountId));
      for (const r of positions) this.seen.add(r.id);
      for (const e of mine) if (typeof e.data.positionId === 'string') this.seen.add(e.data.positionId);
      for (const r of positions) {
        p.c.monitor.restoreMemory(r.id, {
          ...(r.memory !== undefined ? { triggers: r.memory } : {}),
          ...(r.decayed === true ? { decayed: true } : {}),
          ...(r.managedThrough !== undefined ? { managedThrough: r.managedThrough } : {}),
          ...(r.pendingStages !== undefined && r.pendingStages.length > 0
            ? { pendingStages: r.pendingStages }
            : {}),
          ...(r.edge !== undefined ? { edge: r.edge } : {}),
        });
      }
      for (const opened of p.c.engine.restore(positions)) p.c.observe(opened);
    }
    rt.startPartitions([], true);
    for (const p of rt.partitions) {
      const data = snapshots.get(p.index)?.data as EngineSnapshot | undefined;
      if (data?.risk !== undefined) p.c.risk.restore(data.risk);
    }

    const discrepancies: Discrepancy[] = [];
    for (const p of rt.partitions) {
      for (const accountId of p.accounts) {
        const found = reconcileAccount(
          accountId,
          p.c.engine.openPositions().filter((o) => o.accountId === accountId),
          await rt.venueOf(accountId)!.positions(accountId),
          await rt.venueOf(accountId)!.openOrders(accountId),
          knownOrders,
        );
        for (const d of found) correctToVenue(p.c, d, { events: this.factory, ids, clock });
        discrepancies.push(...found);
      }
    }
    // After reconciliation: an exit of a position the venue no longer holds ends at once.
    for (const p of rt.partitions) restoreOrderMemory(p.c, orderMemories.get(p.index)!);
    await this.commit();
    const oldest = Math.min(...[...snapshots.values()].map((s) => s?.position ?? Number.POSITIVE_INFINITY));
    return {
      recovered: true,
      ...(Number.isFinite(oldest) ? { snapshotPosition: oldest } : {}),
      tailEvents,
      positions: rt.openPositions().length,
      discrepancies,
    };
  }

  /**
   * Starts watching rows other programs insert into the positions table (PostgreSQL's
   * LISTEN/NOTIFY): an open row Warden does not know is adopted and monitored at once. `log`
   * gets one line per adoption or refusal. Undefined when the store has no notifications.
   */
  async listenForPositions(
    log: (line: string) => void,
    sweepEveryMs = 30_000,
  ): Promise<(() => Promise<void>) | undefined> {
    const { store } = this.options;
    if (store.onPositionInserted === undefined) return undefined;
    const adopt = (id: string) =>
      this.adoptInserted(id, log).catch((error: unknown) =>
        log(`positions row ${id}: not adopted: ${error instanceof Error ? error.message : String(error)}`),
      );
    const unlisten = await store.onPositionInserted((id) => void adopt(id));
    // Notifications are not durable: rows inserted while Warden was down, or while the listener
    // reconnected, are found by a sweep of the open rows now and then.
    const sweep = async () => {
      for (const row of await store.positions({ status: 'open' })) {
        const c = this.rt.partitionOf(row.accountId);
        if (!this.seen.has(row.id) && c?.engine.positionById(row.id) === undefined) await adopt(row.id);
      }
    };
    await sweep();
    const timer = setInterval(() => {
      sweep().catch((error: unknown) =>
        log(`positions sweep failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, sweepEveryMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await unlisten();
    };
  }

  private async adoptInserted(id: string, log: (line: string) => void): Promise<void> {
    if (this.refused.has(id)) return;
    const [row] = await this.options.store.positions({ id });
    if (row === undefined || row.status !== 'open') return;
    const known = this.options.config.accounts.some((a) => a.id === row.accountId);
    const c = this.rt.partitionOf(row.accountId);
    // An account of a partition another process holds is that process's to adopt.
    if (known && c === undefined) return;
    if (c?.engine.positionById(id) !== undefined) return;
    const refuse = (why: string) => {
      this.refused.add(id);
      const alert = this.factory.create(AlertTriggeredV1, row.accountId, {
        accountId: row.accountId,
        code: 'POSITION_ROW_REFUSED',
        severity: 'warning',
        message: `positions row ${id} was not adopted: ${why}`,
        positionId: id,
        symbol: row.symbol,
        details: { row: { ...row } },
      });
      (c ?? this.rt.partitions[0]!.c).emit(alert);
      log(alert.data.message);
    };
    if (c === undefined) return refuse(`unknown account ${row.accountId}`);
    if (c.engine.instrument(row.symbol) === undefined) return refuse(`unknown symbol ${row.symbol}`);
    const held = c.engine.account(row.accountId)?.positions.get(row.symbol);
    if (held !== undefined) return refuse(`${row.accountId} already holds ${row.symbol} as ${held.id}`);
    // On the paper venue the row stands for a fill another program got: book it there too.
    this.rt.seedAtVenue(row);
    c.engine.adopt(
      {
        id,
        accountId: row.accountId,
        symbol: row.symbol,
        side: row.side,
        quantity: row.quantity,
        entryPrice: row.entryPrice,
        openedAt: row.openedAt,
        attrs: {
          ...(row.stopPrice !== undefined ? { stopPrice: row.stopPrice } : {}),
          ...(row.targetPrice !== undefined ? { targetPrice: row.targetPrice } : {}),
          ...(row.profile !== undefined ? { profile: row.profile } : {}),
        },
      },
      'config',
    );
    log(
      `positions row ${id}: ${row.accountId} ${row.symbol} ${row.side} ${row.quantity} adopted and watched`,
    );
  }

  /** Risk-state resets over every partition (a manual reset changes what a snapshot must hold). */
  private resets(): number {
    let n = 0;
    for (const p of this.runtime?.partitions ?? []) n += p.c.risk.resets;
    return n;
  }

  /**
   * Commits what is pending (events, rows, the paper venue's state when it changed) as one unit.
   * A failure keeps it all pending for the next commit and counts towards the store-error circuit
   * breaker (more than 3 in a minute halts every account until a manual reset); hard stops keep
   * being enforced from memory meanwhile.
   */
  async commit(extra: Parameters<StoreWriter['commit']>[0] = {}): Promise<number> {
    if (
      extra.snapshot === undefined &&
      this.runtime !== undefined &&
      (this.riskChanged || this.resets() !== this.resetsSnapshotted)
    ) {
      return this.snapshot();
    }
    const venueCount = this.options.config.venues.length;
    const changed = [...this.venueChanges];
    this.venueChanges.clear();
    for (const [name, read] of changed)
      this.writer.put({ ...venueRecordOf(name, venueCount), value: read() });
    const resets = this.resets();
    const riskChanged = this.riskChanged;
    if (extra.snapshot !== undefined) this.riskChanged = false;
    try {
      const stored = await this.writer.commit(extra);
      if (extra.snapshot !== undefined) this.resetsSnapshotted = resets;
      return stored.length;
    } catch (error) {
      if (riskChanged) this.riskChanged = true;
      for (const [name, read] of changed) if (!this.venueChanges.has(name)) this.venueChanges.set(name, read);
      const message = error instanceof Error ? error.message : String(error);
      for (const p of this.runtime?.partitions ?? []) p.c.risk.breakers.onStoreError(message);
      throw error;
    }
  }

  /**
   * Commits what is pending with a snapshot of each partition: every open position with its
   * trigger memory, and the risk state. One commit per partition; the first carries the pending
   * events, so each snapshot sits at the log's head.
   */
  async snapshot(): Promise<number> {
    const rt = this.rt;
    const count = this.options.partitions?.count ?? this.options.config.engine.partitions;
    let stored = 0;
    for (const p of rt.partitions) {
      const data = snapshotOf(p.c, this.options.clock.now());
      stored += await this.commit({ snapshot: { name: partitionSnapshotName(p.index, count), data } });
    }
    return stored;
  }
}
