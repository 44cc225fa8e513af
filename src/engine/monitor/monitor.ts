import { asWardenEvent, type EventOf } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { type HeldEdge, heldEdgeOf } from '../../domain/monitoring/edge.ts';
import type { FiredTrigger, TriggerMemory } from '../../domain/monitoring/types.ts';
import type { Position } from '../../domain/position.ts';
import { levelChangeOf } from '../../domain/position-fold.ts';
import type { Tick } from '../../domain/tick.ts';
import type { TickRange } from '../../domain/tick-range.ts';
import { DecisionInputs } from '../agent/decision-input.ts';
import { CandleWatch, candleOf } from '../candle-watch.ts';
import { EdgeExits, type FeedPrices } from '../edge-exits.ts';
import { causedBy } from '../event-factory.ts';
import { MarketExits } from '../market-exits.ts';
import { AgentHandler } from './agent-handler.ts';
import { ExitStages } from './exit-stages.ts';
import { IndexUpkeep } from './index-upkeep.ts';
import { LowSummaries } from './low-summaries.ts';
import { UrgencyRouter } from './router.ts';
import { TimeDecay } from './time-decay.ts';
import type { MonitorOptions, PendingStage, RestoredMemory } from './types.ts';

/**
 * Watches every open position on every tick: keeps the trigger indexes in step with the
 * positions (from the engine's position events), turns fired triggers into events, and routes
 * them by urgency — CRITICAL hits straight to the execution service (no awaiting anything but the
 * venue call), HIGH and MEDIUM events to the profile's decision policy, LOW events to a per-candle
 * summary. Exit conditions a profile switched on (trailing stop, profit target, partial exits)
 * act whatever the policy; `policy: hold` only silences the soft decisions.
 *
 * This class is the orchestrator: each idea lives in its own part (index upkeep, urgency router,
 * agent handler, exit stages, time decay, LOW summaries, and the candle, market and edge exits).
 */
export class Monitor {
  /** What policies are shown: candles with indicators, recent events, the account. */
  readonly inputs: DecisionInputs;
  /** Positions whose time decay has fired (remembered across restarts through snapshots). */
  readonly decayed: Set<string>;
  private readonly fired: FiredTrigger[] = [];
  private readonly upkeep: IndexUpkeep;
  private readonly low: LowSummaries;
  private readonly agent: AgentHandler;
  private readonly stages: ExitStages;
  private readonly router: UrgencyRouter;
  private readonly decay: TimeDecay;
  private readonly candles: CandleWatch;
  private readonly marketExits: MarketExits;
  private readonly edgeExits: EdgeExits;

  constructor(private readonly options: MonitorOptions) {
    const { engine, execution, events, emit, clock } = options;
    const positionById = (id: string) => engine.positionById(id);
    this.inputs = new DecisionInputs(options.accountView);
    this.upkeep = new IndexUpkeep({
      profiles: options.profiles,
      ...(options.accountProfiles !== undefined ? { accountProfiles: options.accountProfiles } : {}),
      lastTick: (symbol) => engine.lastTick(symbol),
    });
    const upkeep = this.upkeep;
    this.low = new LowSummaries(events, emit);
    this.agent = new AgentHandler({ options, inputs: this.inputs, upkeep });
    this.stages = new ExitStages({ upkeep, events, emit, execution, positionById });
    this.router = new UrgencyRouter({
      options,
      upkeep,
      stages: this.stages,
      agent: this.agent,
      low: this.low,
    });
    const route = this.router.route.bind(this.router);
    this.decay = new TimeDecay({ clock, events, emit, engine, upkeep, route });
    this.decayed = this.decay.decayed;
    this.edgeExits = new EdgeExits((positionId, condition, conflicting, cause) => {
      const position = positionById(positionId);
      return (
        position !== undefined &&
        execution.exit({ position, condition, ...(conflicting.length > 0 ? { conflicting } : {}), cause })
      );
    });
    this.marketExits = new MarketExits(clock, (positionId, condition) => {
      const position = positionById(positionId);
      if (position !== undefined) execution.exit({ position, condition });
    });
    this.candles = new CandleWatch({
      events,
      emit,
      positionById,
      instrument: (symbol) => engine.instrument(symbol),
      route,
      countLow: (accountId, type) => this.low.count(accountId, type),
      defaultProfile: options.profiles.get('default')!,
    });
  }

  /** Reads the engine's position events (call for every event the engine emits, in order). */
  observe(envelope: Envelope): void {
    this.inputs.observe(envelope);
    const e = asWardenEvent(envelope);
    switch (e.type) {
      case 'Trading.Position.Opened.v1':
        this.watch(this.options.engine.account(e.data.accountId)?.positions.get(e.data.symbol));
        break;
      case 'Trading.Position.Increased.v1':
        this.upkeep.setEntry(e.data.positionId, e.data.entryPrice);
        break;
      case 'Trading.Position.Modified.v1':
        this.onModified(e);
        break;
      case 'Position.Edge.Updated.v1':
        this.onEdge(e);
        break;
      case 'Trading.Position.Closed.v1':
        this.unwatch(e.data.positionId);
        break;
      case 'Market.Candle.Closed.v1': {
        const candle = candleOf(e.data);
        this.candles.onCandle(candle);
        this.agent.manage(envelope, candle);
        if (e.data.interval === (this.options.lowSummaryInterval ?? '15m'))
          this.low.summarise(e.data.interval);
        break;
      }
    }
  }

  /**
   * Evaluates a tick (after the engine applied it). `range` is set for a conflated tick: each
   * index is judged against the extremes of the price it watches.
   */
  onTick(tick: Tick, range?: TickRange): void {
    const out = this.fired;
    out.length = 0;
    const { symbol } = tick;
    const quoted = tick.bid !== undefined && tick.ask !== undefined;
    const prices: FeedPrices = {
      last: tick.price,
      mid: quoted ? (tick.bid! + tick.ask!) / 2 : tick.price,
      bid: quoted ? tick.bid! : tick.price,
      ask: quoted ? tick.ask! : tick.price,
    };
    this.upkeep.evaluate(symbol, prices, out, range);
    for (let i = 0; i < out.length; i++) this.router.onFired(out[i]!);
    this.stages.onTick(symbol);
    this.marketExits.onTick(tick);
    this.edgeExits.onTick(symbol, prices);
  }

  /** Resolves once every decision started so far has been applied (replays await it per tick). */
  settled(): Promise<void> | undefined {
    return this.agent.settled();
  }

  /** Re-arms a position whose exit was given up, so it stays watched. */
  release(positionId: string): void {
    const w = this.upkeep.get(positionId);
    if (w === undefined) return;
    this.upkeep.resume(positionId);
    // The exit that held them back ended: the next exit stage goes now.
    if (w.stages.length > 0) this.stages.send(positionId);
  }

  /** Whether a position is under watch. */
  isWatched(positionId: string): boolean {
    return this.upkeep.has(positionId);
  }

  /**
   * Memory to start a position from when it is next watched (recovery): the once-levels and
   * approach zones already fired, the trailing peak, and whether time decay already fired.
   */
  restoreMemory(positionId: string, memory: RestoredMemory): void {
    this.upkeep.restore(positionId, memory);
  }

  /** Exit stages reached but not sent yet (for snapshots). */
  pendingStages(positionId: string): readonly PendingStage[] {
    return this.upkeep.get(positionId)?.stages ?? [];
  }

  /** Close time of the last candle a managed position was consulted at (for snapshots). */
  managedThrough(positionId: string): number | undefined {
    const w = this.upkeep.get(positionId);
    return w?.manage === undefined ? undefined : w.managedThrough;
  }

  /**
   * The time decay limit (hours) of a watched position's profile: its decay fires once it has
   * been open strictly longer (at once when it already has, at its first watch).
   */
  timeDecayHours(positionId: string): number | undefined {
    return this.upkeep.get(positionId)?.profile.timeDecayHours;
  }

  /** Trigger memory of a watched position (for snapshots and tests). */
  memory(positionId: string): TriggerMemory | undefined {
    return this.upkeep.memory(positionId);
  }

  /** The edge known for a position (for snapshots). */
  edgeOf(positionId: string): HeldEdge | undefined {
    return this.edgeExits.edgeOf(positionId);
  }

  /** Counts a LOW event raised elsewhere (volatility and correlation signals). */
  countLow(accountId: string, type: string): void {
    this.low.count(accountId, type);
  }

  private watch(position: Position | undefined): void {
    if (position === undefined) return;
    const added = this.upkeep.watch(position);
    if (added === undefined) return;
    const { watched: w, restored } = added;
    if (restored?.decayed === true) this.decay.restore(position.id);
    this.stages.track(position.id, w);
    this.candles.add(position, w.profile);
    this.marketExits.add(position, this.options.engine.instrument(position.symbol)!, w.profile);
    if (restored?.edge !== undefined)
      this.edgeExits.set(
        position,
        restored.edge,
        { profile: w.profile, feed: w.feed, cause: {} },
        this.upkeep.feedPrice(w),
      );
    const cancel = this.decay.schedule(position, w.profile);
    if (cancel !== undefined) w.cancelDecay = cancel;
  }

  private unwatch(positionId: string): void {
    const w = this.upkeep.unwatch(positionId);
    if (w === undefined) return;
    w.cancelDecay?.();
    this.decay.forget(positionId);
    this.stages.forget(positionId);
    this.candles.remove(positionId);
    this.marketExits.remove({ id: positionId, symbol: w.symbol });
    this.edgeExits.remove(positionId);
  }

  /**
   * A stop or target changed: the index follows (through the shared reading of the event), and
   * the edge exits judge the held edge against the new levels. A trailing stop's move is the
   * monitor's own and changes neither level.
   */
  private onModified(e: EventOf<'Trading.Position.Modified.v1'>): void {
    const id = e.data.positionId;
    const w = this.upkeep.get(id);
    if (w === undefined || e.data.source === 'TRAILING_STOP') return;
    this.upkeep.changeLevels(id, levelChangeOf(e));
    const moved = this.options.engine.positionById(id);
    if (moved !== undefined) this.edgeExits.moved(moved, this.upkeep.feedPrice(w));
  }

  /**
   * An edge for a held position: one for its own side is followed as the price moves; one for
   * the other side is judged once, as the edge it leaves the position.
   */
  private onEdge(e: EventOf<'Position.Edge.Updated.v1'>): void {
    const d = e.data;
    const w = this.upkeep.get(d.positionId);
    const position = this.options.engine.positionById(d.positionId);
    if (w === undefined || position === undefined) return;
    const cause = causedBy(e);
    if (d.opposite) {
      if (d.edge !== undefined) this.edgeExits.judgeOnce(d.positionId, d.edge, w.profile, cause);
      return;
    }
    this.edgeExits.set(position, heldEdgeOf(d), { profile: w.profile, feed: w.feed, cause }, d.price);
  }
}
