import type { PaperVenueState } from '../../adapters/venues/paper/paper-venue.ts';
import { AlertTriggeredV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { causedBy, EventFactory } from '../../engine/event-factory.ts';
import { type EventSink, fanOut } from '../../engine/event-sink.ts';
import { type Discrepancy, reconcileAccount } from '../../engine/recovery/reconcile.ts';
import { type RecoveredPosition, recoverPositions } from '../../engine/recovery/recovered-positions.ts';
import type { RiskSnapshot } from '../../engine/risk/risk-engine.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DecisionPolicy } from '../../ports/decision-policy.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { EventStore } from '../../ports/store.ts';
import { type Composition, compose, startWithInitialPositions } from '../compose.ts';
import type { WardenConfig } from '../config/schema.ts';
import { StoreWriter } from './store-writer.ts';

/** The name snapshots of the engine are stored under. */
export const ENGINE_SNAPSHOT = 'engine';
/** Where the paper venue keeps its own state, committed with the events. */
export const PAPER_VENUE_RECORD = { collection: 'paper', id: 'venue' } as const;

/** Events after which the next commit carries a snapshot (the risk state changed). */
const RISK_STATE_EVENTS = new Set([
  'Risk.Trading.Halted.v1',
  'Risk.Trading.Resumed.v1',
  'Challenge.Failed.v1',
]);

/** What a snapshot of the engine holds (plain JSON). */
export interface EngineSnapshot {
  readonly version: 1;
  /** Engine clock, epoch ms. */
  readonly takenAt: number;
  readonly positions: readonly RecoveredPosition[];
  /** Trading states and holds, the trading day, day-start and initial balances, challenge. */
  readonly risk?: RiskSnapshot;
}

export interface DurableOptions {
  readonly config: WardenConfig;
  readonly store: EventStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Sinks besides the store (the transport, a log). */
  readonly sink?: EventSink;
  /** The LLM policy for profiles with `policy: llm`. */
  readonly llm?: DecisionPolicy;
}

/** How a start went: from scratch, or recovered from the store and reconciled with the venue. */
export interface StartReport {
  readonly recovered: boolean;
  /** The snapshot recovery started from (its log position), if any. */
  readonly snapshotPosition?: number;
  /** Events replayed on top of the snapshot. */
  readonly tailEvents: number;
  readonly positions: number;
  readonly discrepancies: readonly Discrepancy[];
}

/**
 * An engine whose every event, positions row and paper venue state commits to the store: the
 * daemon's runtime. `start()` recovers from the latest snapshot and the log after it, reconciles
 * with the venue (each discrepancy a `Risk.Alert.Triggered.v1` with both views, then corrected to
 * the venue), and resumes; `commit()` is the group commit, `snapshot()` a checkpoint.
 */
export class DurableEngine {
  readonly writer: StoreWriter;
  private composition: Composition | undefined;
  private venueDirty = true;
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

  get c(): Composition {
    if (this.composition === undefined) throw new Error('DurableEngine used before start()');
    return this.composition;
  }

  /** The composition once `start()` built it (also when the start failed after that), else undefined. */
  get composed(): Composition | undefined {
    return this.composition;
  }

  async start(): Promise<StartReport> {
    const { store, clock, ids } = this.options;
    const snapshot = await store.latestSnapshot(ENGINE_SNAPSHOT);
    const venueState = (await store.record(PAPER_VENUE_RECORD.collection, PAPER_VENUE_RECORD.id)) as
      | PaperVenueState
      | undefined;
    const head = await store.head();
    const recovered = snapshot !== undefined || head > 0;
    // Cash is the venue's: the engine's accounts start from the balances the venue kept.
    const balances = new Map((venueState?.accounts ?? []).map((a) => [a.id, a.balance]));
    const config: WardenConfig = {
      ...this.options.config,
      accounts: this.options.config.accounts.map((a) => ({ ...a, balance: balances.get(a.id) ?? a.balance })),
    };
    const track: EventSink = {
      emit: (e) => {
        if (typeof e.data.positionId === 'string' && e.type.startsWith('Trading.Position.'))
          this.seen.add(e.data.positionId);
        if (RISK_STATE_EVENTS.has(e.type)) this.riskChanged = true;
        // A position's `manage` is not on its Opened event: a snapshot keeps it.
        if (
          e.type === 'Trading.Position.Opened.v1' &&
          this.composition?.engine.positionById(String(e.data.positionId))?.manage !== undefined
        )
          this.riskChanged = true;
      },
    };
    const sinks =
      this.options.sink === undefined
        ? fanOut(track, this.writer)
        : fanOut(track, this.writer, this.options.sink);
    const c = compose(config, {
      clock,
      ids,
      sink: sinks,
      decisions: (row) => this.writer.recordDecision(row),
      ...(this.options.llm !== undefined ? { llm: this.options.llm } : {}),
      venue: {
        onAccepted: () => {
          this.venueDirty = true;
        },
        ...(venueState !== undefined ? { restore: venueState } : {}),
      },
    });
    this.composition = c;
    c.engine.onExecutionApplied(() => {
      this.venueDirty = true;
    });
    if (!recovered) {
      startWithInitialPositions(c, this.options.config, clock.now());
      await this.commit();
      return {
        recovered: false,
        tailEvents: 0,
        positions: c.engine.openPositions().length,
        discrepancies: [],
      };
    }

    const tail: Envelope[] = [];
    const knownOrders = new Set<string>();
    for await (const e of store.read({ afterPosition: snapshot?.position ?? 0 })) tail.push(e.envelope);
    for await (const e of store.read({ type: 'Trading.Order.Placed.v1' }))
      knownOrders.add(String(e.envelope.data.clientOrderId));
    const data = snapshot?.data as EngineSnapshot | undefined;
    const positions = recoverPositions(data?.positions ?? [], tail);
    for (const p of positions) this.seen.add(p.id);
    for (const e of tail) if (typeof e.data.positionId === 'string') this.seen.add(e.data.positionId);
    for (const p of positions) {
      c.monitor.restoreMemory(p.id, {
        ...(p.memory !== undefined ? { triggers: p.memory } : {}),
        ...(p.decayed === true ? { decayed: true } : {}),
        ...(p.managedThrough !== undefined ? { managedThrough: p.managedThrough } : {}),
        ...(p.pendingStages !== undefined && p.pendingStages.length > 0
          ? { pendingStages: p.pendingStages }
          : {}),
        ...(p.edge !== undefined ? { edge: p.edge } : {}),
      });
    }
    for (const opened of c.engine.restore(positions)) c.observe(opened);
    c.risk.start();
    if (data?.risk !== undefined) c.risk.restore(data.risk);
    c.watchdog?.start();

    const discrepancies: Discrepancy[] = [];
    for (const account of config.accounts) {
      const mine = c.engine.openPositions().filter((p) => p.accountId === account.id);
      const found = reconcileAccount(
        account.id,
        mine,
        await c.venue.positions(account.id),
        await c.venue.openOrders(account.id),
        knownOrders,
      );
      for (const d of found) this.correct(d);
      discrepancies.push(...found);
    }
    await this.commit();
    return {
      recovered: true,
      ...(snapshot !== undefined ? { snapshotPosition: snapshot.position } : {}),
      tailEvents: tail.length,
      positions: c.engine.openPositions().length,
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
        if (!this.seen.has(row.id) && this.c.engine.positionById(row.id) === undefined) await adopt(row.id);
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
    const c = this.c;
    if (c.engine.positionById(id) !== undefined || this.refused.has(id)) return;
    const [row] = await this.options.store.positions({ id });
    if (row === undefined || row.status !== 'open' || c.engine.positionById(id) !== undefined) return;
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
      c.emit(alert);
      log(alert.data.message);
    };
    if (c.engine.account(row.accountId) === undefined) return refuse(`unknown account ${row.accountId}`);
    if (c.engine.instrument(row.symbol) === undefined) return refuse(`unknown symbol ${row.symbol}`);
    const held = c.engine.account(row.accountId)?.positions.get(row.symbol);
    if (held !== undefined) return refuse(`${row.accountId} already holds ${row.symbol} as ${held.id}`);
    // On the paper venue the row stands for a fill another program got: book it there too.
    c.venue.loadPosition({
      accountId: row.accountId,
      symbol: row.symbol,
      side: row.side,
      quantity: row.quantity,
      entryPrice: row.entryPrice,
    });
    this.venueDirty = true;
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

  /** Records a discrepancy and corrects Warden to the venue's view. */
  private correct(d: Discrepancy): void {
    const c = this.c;
    const alert = this.factory.create(AlertTriggeredV1, d.accountId, {
      accountId: d.accountId,
      code: d.kind,
      severity: d.kind === 'ORDER_UNKNOWN_TO_WARDEN' ? 'warning' : 'critical',
      message: discrepancyMessage(d),
      symbol: d.symbol,
      ...(d.warden !== null && typeof d.warden.positionId === 'string'
        ? { positionId: d.warden.positionId }
        : {}),
      details: { warden: d.warden, venue: d.venue },
    });
    c.emit(alert);
    const cause = causedBy(alert);
    if (d.kind === 'POSITION_MISSING_AT_VENUE' || d.kind === 'POSITION_MISMATCH') {
      const id = String(d.warden?.positionId);
      const p = c.engine.positionById(id);
      const price = c.engine.lastTick(d.symbol)?.price ?? p?.entryPrice ?? Number(d.warden?.entryPrice);
      c.engine.forget(id, price, 'MANUAL', cause);
    }
    if (d.kind === 'POSITION_UNKNOWN_TO_WARDEN' || d.kind === 'POSITION_MISMATCH') {
      const v = d.venue!;
      c.engine.adopt(
        {
          id: `venue-${this.options.ids.next()}`,
          accountId: d.accountId,
          symbol: d.symbol,
          side: v.side === 'short' ? 'short' : 'long',
          quantity: Number(v.quantity),
          entryPrice: Number(v.entryPrice),
          openedAt: this.options.clock.now(),
        },
        'venue',
        cause,
      );
    }
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
      this.composition !== undefined &&
      (this.riskChanged || this.c.risk.resets !== this.resetsSnapshotted)
    ) {
      return this.snapshot();
    }
    if (this.composition !== undefined && this.venueDirty) {
      this.venueDirty = false;
      this.writer.put({ ...PAPER_VENUE_RECORD, value: this.c.venue.state() });
    }
    const resets = this.composition?.risk.resets ?? 0;
    const riskChanged = this.riskChanged;
    if (extra.snapshot !== undefined) this.riskChanged = false;
    try {
      const stored = await this.writer.commit(extra);
      if (extra.snapshot !== undefined) this.resetsSnapshotted = resets;
      return stored.length;
    } catch (error) {
      if (riskChanged) this.riskChanged = true;
      this.venueDirty = true;
      this.composition?.risk.breakers.onStoreError(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** Commits what is pending with a snapshot of every open position and its trigger memory. */
  async snapshot(): Promise<number> {
    const c = this.c;
    const data: EngineSnapshot = {
      version: 1,
      takenAt: this.options.clock.now(),
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
    };
    return this.commit({ snapshot: { name: ENGINE_SNAPSHOT, data } });
  }
}

function discrepancyMessage(d: Discrepancy): string {
  const w = d.warden;
  const v = d.venue;
  switch (d.kind) {
    case 'POSITION_MISSING_AT_VENUE':
      return `${d.accountId} ${d.symbol}: Warden had ${w?.side} ${w?.quantity} (${w?.positionId}), the venue holds nothing; closed in Warden (closed outside Warden while it was down)`;
    case 'POSITION_UNKNOWN_TO_WARDEN':
      return `${d.accountId} ${d.symbol}: the venue holds ${v?.side} ${v?.quantity} @ ${v?.entryPrice} that Warden did not know; now watched`;
    case 'POSITION_MISMATCH':
      return `${d.accountId} ${d.symbol}: Warden had ${w?.side} ${w?.quantity}, the venue holds ${v?.side} ${v?.quantity}; corrected to the venue`;
    case 'ORDER_UNKNOWN_TO_WARDEN':
      return `${d.accountId} ${d.symbol}: the venue has a working order ${v?.clientOrderId} Warden did not place; left working`;
  }
}
