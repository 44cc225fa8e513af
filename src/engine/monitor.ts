import {
  DecisionMadeV1,
  ExitStageReachedV1,
  LowEventsSummarizedV1,
  PositionModifiedV1,
} from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import type { Instrument } from '../domain/instrument.ts';
import { type HeldEdge, heldEdgeOf } from '../domain/monitoring/edge.ts';
import { type MonitorProfile, ONCE_TAG, thresholdsOf, zonesFor } from '../domain/monitoring/profile.ts';
import { TriggerIndex } from '../domain/monitoring/trigger-index.ts';
import type {
  FiredTrigger,
  TriggerKind,
  TriggerMemory,
  TriggerThresholds,
} from '../domain/monitoring/types.ts';
import { type Position, pnlPercent } from '../domain/position.ts';
import type { Tick } from '../domain/tick.ts';
import type { TickRange } from '../domain/tick-range.ts';
import type { Clock } from '../ports/clock.ts';
import type { DecisionContext, DecisionPolicy, PolicyResult } from '../ports/decision-policy.ts';
import type { DecisionRow } from '../ports/store.ts';
import { type AccountView, DecisionInputs } from './agent/decision-input.ts';
import { CandleWatch, candleOf as candleFromEvent, candleOf } from './candle-watch.ts';
import { EdgeExits, type FeedPrices } from './edge-exits.ts';
import type { Engine } from './engine.ts';
import { type Cause, causedBy, type EventFactory } from './event-factory.ts';
import { type ExitCondition, resolveConflict } from './execution/exit-table.ts';
import { finalDecision, reduceQuantity } from './guardrails.ts';
import { MarketExits } from './market-exits.ts';
import { timeDecayEvent, triggerEvent, triggerFields } from './monitor-events.ts';

/** What the monitor needs from the execution service. */
export interface ExitExecutor {
  /** Starts an exit; false when one is already working for the position. */
  exit(request: {
    readonly position: Position;
    readonly quantity?: number;
    readonly condition: ExitCondition;
    readonly conflicting?: readonly string[];
    readonly cause?: Cause;
  }): boolean;
  isExiting(positionId: string): boolean;
}

export interface MonitorOptions {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly engine: Engine;
  readonly execution: ExitExecutor;
  readonly profiles: ReadonlyMap<string, MonitorProfile>;
  /** The policy of each name a profile can ask for; `rules` is also every other policy's fallback. */
  readonly policies: Readonly<{ rules: RulesFallback; hold: DecisionPolicy; llm?: DecisionPolicy }>;
  /** The account part of a decision's input (the risk engine's view). */
  readonly accountView?: AccountView;
  /** Gets the decisions-table row of every decision (the durable runtime stores it). */
  readonly recordDecision?: (row: DecisionRow) => void;
  /** Profile per account (from its preset) for positions that name none. */
  readonly accountProfiles?: ReadonlyMap<string, string>;
  /** LOW events are counted and summarised per account at each close of this candle interval. */
  readonly lowSummaryInterval?: string;
}

/** What a restart hands a position before it is watched again. */
export interface RestoredMemory {
  readonly triggers?: TriggerMemory;
  readonly decayed?: boolean;
  readonly managedThrough?: number;
  readonly pendingStages?: readonly PendingStage[];
  /** The position's known edge (from its last `Position.Edge.Updated.v1` for its own side). */
  readonly edge?: HeldEdge;
}

/** The rules policy as the monitor needs it: a policy that can also answer synchronously. */
export interface RulesFallback extends DecisionPolicy {
  now(context: DecisionContext): PolicyResult;
}

/** Which index a position is watched in: by the price its profile watches. */
type Feed = 'last' | 'mid' | 'bid' | 'ask';

interface Watched {
  readonly feed: Feed;
  readonly symbol: string;
  readonly profile: MonitorProfile;
  /** Quantity when the position opened, for staged partial exits. */
  readonly initialQuantity: number;
  cancelDecay?: () => void;
  /** Candle-close management: the interval, and the close time of the last candle consulted. */
  readonly manage?: { readonly interval: string };
  managedThrough: number;
  /** Exit stages reached whose exit has not been sent yet, in the order they were reached. */
  readonly stages: PendingStage[];
}

/** An exit stage waiting for its turn: a partial stage or the profit target. */
export interface PendingStage {
  readonly tag: string;
  /** Quantity the stage exits (all of the position for the profit target). */
  readonly quantity: number;
  /** Its `Position.Exit.StageReached.v1`, the cause of its exit. */
  readonly eventId: string;
  readonly correlationId: string;
}

const HIT_CONDITION: Partial<Record<TriggerKind, ExitCondition>> = {
  STOP_HIT: 'stop_loss',
  LOSS_NO_STOP: 'stop_loss',
  TARGET_HIT: 'take_profit',
  TRAILING_HIT: 'trailing_stop',
};

const KIND_NAME: Record<TriggerKind, string> = {
  STOP_HIT: 'stop_loss',
  LOSS_NO_STOP: 'stop_loss',
  TARGET_HIT: 'take_profit',
  TRAILING_HIT: 'trailing_stop',
  STOP_APPROACHING: 'stop_approaching',
  TARGET_APPROACHING: 'target_approaching',
  ONCE_LEVEL: 'once_level',
  TRAILING_ACTIVATED: 'trailing_activated',
  TRAILING_MOVED: 'trailing_moved',
};

/**
 * Watches every open position on every tick: keeps the trigger indexes in step with the
 * positions (from the engine's position events), turns fired triggers into events, and routes
 * them by urgency — CRITICAL hits straight to the execution service (no awaiting anything but the
 * venue call), HIGH and MEDIUM events to the profile's decision policy, LOW events to a per-candle
 * summary. Exit conditions a profile switched on (trailing stop, profit target, partial exits)
 * act whatever the policy; `policy: hold` only silences the soft decisions.
 */
export class Monitor {
  private readonly indexes: Record<Feed, TriggerIndex> = {
    last: new TriggerIndex(),
    mid: new TriggerIndex(),
    bid: new TriggerIndex(),
    ask: new TriggerIndex(),
  };
  private readonly watched = new Map<string, Watched>();
  private readonly thresholds = new WeakMap<MonitorProfile, TriggerThresholds>();
  /** Managed positions by `symbol\u0000interval`, so a candle close visits only its own. */
  private readonly managed = new Map<string, Set<string>>();
  private readonly restored = new Map<string, RestoredMemory>();
  /** Positions with exit stages waiting, so a tick of their symbol can send the next one. */
  private readonly waitingStages = new Set<string>();
  /** What policies are shown: candles with indicators, recent events, the account. */
  readonly inputs: DecisionInputs;
  /** Positions whose time decay has fired (remembered across restarts through snapshots). */
  readonly decayed = new Set<string>();
  private readonly fired: FiredTrigger[] = [];
  private readonly lowCounts = new Map<string, Map<string, number>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly candles: CandleWatch;
  private readonly marketExits: MarketExits;
  private readonly edgeExits: EdgeExits;

  constructor(private readonly options: MonitorOptions) {
    this.edgeExits = new EdgeExits((positionId, condition, conflicting, cause) => {
      const position = this.positionById(positionId);
      return (
        position !== undefined &&
        this.options.execution.exit({
          position,
          condition,
          ...(conflicting.length > 0 ? { conflicting } : {}),
          cause,
        })
      );
    });
    this.inputs = new DecisionInputs(options.accountView);
    this.marketExits = new MarketExits(options.clock, (positionId, condition) => {
      const position = this.positionById(positionId);
      if (position !== undefined) this.options.execution.exit({ position, condition });
    });
    this.candles = new CandleWatch({
      events: options.events,
      emit: options.emit,
      positionById: (id) => this.positionById(id),
      instrument: (symbol) => options.engine.instrument(symbol),
      route: (event, position, instrument, profile, price) =>
        this.route(event, position, instrument, profile, price),
      countLow: (accountId, type) => this.countLow(accountId, type),
      defaultProfile: options.profiles.get('default')!,
    });
  }

  /** Reads the engine's position events (call for every event the engine emits, in order). */
  observe(envelope: Envelope): void {
    const d = envelope.data;
    this.inputs.observe(envelope);
    switch (envelope.type) {
      case 'Trading.Position.Opened.v1':
        this.watch(this.position(String(d.accountId), String(d.symbol)));
        break;
      case 'Trading.Position.Increased.v1': {
        const w = this.watched.get(String(d.positionId));
        if (w !== undefined) this.indexes[w.feed].setEntry(String(d.positionId), Number(d.entryPrice));
        break;
      }
      case 'Trading.Position.Modified.v1': {
        const w = this.watched.get(String(d.positionId));
        if (w === undefined || d.source === 'TRAILING_STOP') break;
        const id = String(d.positionId);
        if ('stopPrice' in d) this.indexes[w.feed].setStop(id, (d.stopPrice as number | null) ?? undefined);
        if ('targetPrice' in d)
          this.indexes[w.feed].setTarget(id, (d.targetPrice as number | null) ?? undefined);
        const moved = this.positionById(id);
        if (moved !== undefined) this.edgeExits.moved(moved, this.feedPrice(w));
        break;
      }
      case 'Position.Edge.Updated.v1':
        this.onEdge(envelope);
        break;
      case 'Trading.Position.Closed.v1':
        this.unwatch(String(d.positionId));
        break;
      case 'Market.Candle.Closed.v1':
        this.candles.onCandle(candleOf(d));
        this.manageAt(envelope);
        if (d.interval === (this.options.lowSummaryInterval ?? '15m')) this.summariseLow(String(d.interval));
        break;
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
    const mid = quoted ? (tick.bid! + tick.ask!) / 2 : tick.price;
    const bid = quoted ? tick.bid! : tick.price;
    const ask = quoted ? tick.ask! : tick.price;
    const i = this.indexes;
    if (range === undefined) {
      i.last.onTick(symbol, tick.price, out);
      i.mid.onTick(symbol, mid, out);
      i.bid.onTick(symbol, bid, out);
      i.ask.onTick(symbol, ask, out);
    } else {
      i.last.onTick(symbol, tick.price, out, range.last.low, range.last.high);
      i.mid.onTick(symbol, mid, out, range.mid.low, range.mid.high);
      i.bid.onTick(symbol, bid, out, range.bid.low, range.bid.high);
      i.ask.onTick(symbol, ask, out, range.ask.low, range.ask.high);
    }
    for (let i = 0; i < out.length; i++) this.onFired(out[i]!);
    if (this.waitingStages.size > 0) {
      for (const id of this.waitingStages)
        if (this.watched.get(id)?.symbol === tick.symbol) this.sendStage(id);
    }
    this.marketExits.onTick(tick);
    const prices: FeedPrices = { last: tick.price, mid, bid, ask };
    this.edgeExits.onTick(symbol, prices);
  }

  /** Resolves once every decision started so far has been applied (replays await it per tick). */
  settled(): Promise<void> | undefined {
    return this.inFlight.size === 0 ? undefined : Promise.all(this.inFlight).then(() => undefined);
  }

  /** Re-arms a position whose exit was given up, so it stays watched. */
  release(positionId: string): void {
    const w = this.watched.get(positionId);
    if (w === undefined) return;
    this.indexes[w.feed].resume(positionId);
    // The exit that held them back ended: the next exit stage goes now.
    if (w.stages.length > 0) this.sendStage(positionId);
  }

  isWatched(positionId: string): boolean {
    return this.watched.has(positionId);
  }

  /**
   * Memory to start a position from when it is next watched (recovery): the once-levels and
   * approach zones already fired, the trailing peak, and whether time decay already fired.
   */
  restoreMemory(positionId: string, memory: RestoredMemory): void {
    this.restored.set(positionId, memory);
  }

  /** Exit stages reached but not sent yet (for snapshots). */
  pendingStages(positionId: string): readonly PendingStage[] {
    return this.watched.get(positionId)?.stages ?? [];
  }

  /** Close time of the last candle a managed position was consulted at (for snapshots). */
  managedThrough(positionId: string): number | undefined {
    const w = this.watched.get(positionId);
    return w?.manage === undefined ? undefined : w.managedThrough;
  }

  /**
   * The time decay limit (hours) of a watched position's profile: its decay fires once it has
   * been open strictly longer (at once when it already has, at its first watch).
   */
  timeDecayHours(positionId: string): number | undefined {
    return this.watched.get(positionId)?.profile.timeDecayHours;
  }

  /** Trigger memory of a watched position (for snapshots and tests). */
  memory(positionId: string) {
    const w = this.watched.get(positionId);
    return w === undefined ? undefined : this.indexes[w.feed].memory(positionId);
  }

  private watch(position: Position | undefined): void {
    if (position === undefined || this.watched.has(position.id)) return;
    const restored = this.restored.get(position.id);
    this.restored.delete(position.id);
    if (restored?.decayed === true) this.decayed.add(position.id);
    const profile = this.profileOf(position);
    const feed: Feed =
      profile.price === 'mid'
        ? 'mid'
        : profile.price === 'bidask'
          ? position.side === 'long'
            ? 'bid'
            : 'ask'
          : 'last';
    this.indexes[feed].add({
      id: position.id,
      symbol: position.symbol,
      side: position.side,
      entryPrice: position.entryPrice,
      ...(position.stopPrice !== undefined ? { stopPrice: position.stopPrice } : {}),
      ...(position.targetPrice !== undefined ? { targetPrice: position.targetPrice } : {}),
      thresholds: zonesFor(this.thresholdsOf(profile), position),
      ...(restored?.triggers !== undefined ? { memory: restored.triggers } : {}),
    });
    const manage = position.manage ?? profile.manage;
    const w: Watched = {
      feed,
      symbol: position.symbol,
      profile,
      initialQuantity: position.quantity,
      ...(manage !== undefined ? { manage } : {}),
      // Only candles that close after the position opened, each once (also across restarts).
      managedThrough: Math.max(position.openedAt, restored?.managedThrough ?? 0),
      // Sent at the symbol's next tick, not while recovery is still putting positions back.
      stages: [...(restored?.pendingStages ?? [])],
    };
    this.watched.set(position.id, w);
    if (w.stages.length > 0) this.waitingStages.add(position.id);
    if (manage !== undefined) {
      const key = `${position.symbol}\u0000${manage.interval}`;
      let ids = this.managed.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.managed.set(key, ids);
      }
      ids.add(position.id);
    }
    this.candles.add(position, profile);
    this.marketExits.add(position, this.options.engine.instrument(position.symbol)!, profile);
    if (restored?.edge !== undefined)
      this.edgeExits.set(position, restored.edge, { profile, feed, cause: {} }, this.feedPrice(w));
    // Time decay: strictly longer than the limit, so the timer is due one millisecond after it.
    const due = position.openedAt + profile.timeDecayHours * 3_600_000 + 1;
    if (!this.decayed.has(position.id)) {
      w.cancelDecay = this.options.clock.schedule(due, () => {
        this.decayed.add(position.id);
        this.onTimeDecay(position.accountId, position.symbol, position.id);
      });
    }
  }

  private unwatch(positionId: string): void {
    const w = this.watched.get(positionId);
    if (w === undefined) return;
    w.cancelDecay?.();
    this.decayed.delete(positionId);
    if (w.manage !== undefined) this.managed.get(`${w.symbol}\u0000${w.manage.interval}`)?.delete(positionId);
    this.indexes[w.feed].remove(positionId);
    this.watched.delete(positionId);
    this.waitingStages.delete(positionId);
    this.candles.remove(positionId);
    this.marketExits.remove({ id: positionId, symbol: w.symbol });
    this.edgeExits.remove(positionId);
  }

  /** The edge known for a position (for snapshots). */
  edgeOf(positionId: string): HeldEdge | undefined {
    return this.edgeExits.edgeOf(positionId);
  }

  /**
   * An edge for a held position: one for its own side is followed as the price moves; one for
   * the other side is judged once, as the edge it leaves the position.
   */
  private onEdge(envelope: Envelope): void {
    const d = envelope.data;
    const id = String(d.positionId);
    const w = this.watched.get(id);
    const position = this.positionById(id);
    if (w === undefined || position === undefined) return;
    const cause = causedBy(envelope);
    if (d.opposite === true) {
      if (typeof d.edge === 'number') this.edgeExits.judgeOnce(id, d.edge, w.profile, cause);
      return;
    }
    const edge = heldEdgeOf(d);
    this.edgeExits.set(position, edge, { profile: w.profile, feed: w.feed, cause }, Number(d.price));
  }

  /** The last price of the position's symbol as its profile reads it, if any. */
  private feedPrice(w: Watched): number | undefined {
    const tick = this.options.engine.lastTick(w.symbol);
    if (tick === undefined) return undefined;
    if (w.feed === 'last' || tick.bid === undefined || tick.ask === undefined) return tick.price;
    return w.feed === 'mid' ? (tick.bid + tick.ask) / 2 : w.feed === 'bid' ? tick.bid : tick.ask;
  }

  private onFired(fired: FiredTrigger): void {
    const w = this.watched.get(fired.positionId);
    const position = w && this.positionById(fired.positionId);
    if (w === undefined || position === undefined) return;
    const instrument = this.options.engine.instrument(position.symbol)!;
    if (fired.kind === 'TRAILING_ACTIVATED' || fired.kind === 'TRAILING_MOVED') {
      this.emitTrailingMove(position, fired);
      return;
    }
    const event = triggerEvent(this.options.events, fired, position, instrument, w.profile);
    if (event !== undefined) this.options.emit(event);
    const cause = event !== undefined ? causedBy(event) : {};
    const hit = HIT_CONDITION[fired.kind];
    if (hit !== undefined) {
      // The profile switched this exit off: the event is raised once, nothing acts, and the index
      // latched the hit until the price comes back (the position was never suspended).
      if (!this.acts(w.profile, fired.kind)) return;
      // The other hits of the tick: those that act lose by the exit table, the others are named.
      const others = fired.conflicting ?? [];
      const acting = others.filter((k) => this.acts(w.profile, k)).map((k) => HIT_CONDITION[k]!);
      const { winner, conflicting } = resolveConflict([hit, ...acting])!;
      const named = [
        ...conflicting,
        ...others.filter((k) => !this.acts(w.profile, k)).map((k) => KIND_NAME[k]),
      ];
      // CRITICAL: no awaiting anything but the venue call inside the execution service.
      this.options.execution.exit({ position, condition: winner, conflicting: named, cause });
      return;
    }
    if (fired.kind === 'ONCE_LEVEL' && fired.tag !== ONCE_TAG.milestone) {
      this.onExitStage(position, instrument, w, fired);
      return;
    }
    if (event !== undefined) this.route(event, position, instrument, w.profile, fired.price);
  }

  /** Whether a hit of this kind exits under the profile (stop loss and take profit can be off). */
  private acts(profile: MonitorProfile, kind: TriggerKind): boolean {
    if (kind === 'TARGET_HIT') return profile.exits.takeProfit.enabled;
    if (kind === 'STOP_HIT' || kind === 'LOSS_NO_STOP') return profile.exits.stopLoss.enabled;
    return true;
  }

  /**
   * An exit stage was reached: it is recorded (`Position.Exit.StageReached.v1`) and queued, and
   * goes as soon as no other exit of the position is working. Every stage exits its fraction of
   * the opening quantity once, in order, also when one tick gaps through several.
   */
  private onExitStage(position: Position, instrument: Instrument, w: Watched, fired: FiredTrigger): void {
    const tag = fired.tag!;
    let quantity = position.quantity;
    if (tag !== ONCE_TAG.profitTarget) {
      const stage = Number(tag.slice(tag.indexOf(':') + 1));
      const fraction = w.profile.exits.partialExits.stages[stage]?.fraction ?? 0;
      quantity = Math.min(position.quantity, w.initialQuantity * fraction);
    }
    if (!(quantity > 0)) return;
    const event = this.options.events.create(ExitStageReachedV1, position.accountId, {
      ...triggerFields(position, instrument, fired.price),
      stage: tag,
      levelPct: fired.level ?? 0,
      exitQuantity: quantity,
    });
    this.options.emit(event);
    const cause = causedBy(event);
    w.stages.push({ tag, quantity, eventId: event.id, correlationId: cause.correlationId ?? event.id });
    // Sent after the tick's other triggers, so that stages reached together are judged together.
    this.waitingStages.add(position.id);
  }

  /**
   * Sends the next waiting exit stage of a position unless an exit of it is working. The profit
   * target supersedes every stage not sent yet: it closes the position, and the stages it made
   * moot are recorded as its conflicting triggers.
   */
  private sendStage(positionId: string): void {
    const w = this.watched.get(positionId);
    if (w === undefined || w.stages.length === 0) {
      this.waitingStages.delete(positionId);
      return;
    }
    this.waitingStages.add(positionId);
    if (this.options.execution.isExiting(positionId)) return;
    const position = this.positionById(positionId);
    if (position === undefined) return;
    const execution = this.options.execution;
    const causeOf = (s: PendingStage): Cause => ({ causationId: s.eventId, correlationId: s.correlationId });
    const conditionOf = (s: PendingStage): ExitCondition =>
      s.tag === ONCE_TAG.profitTarget ? 'profit_target' : 'partial_exit_target';
    // Equal priority (MEDIUM): the exit table's order makes the profit target win over the stages.
    const { winner, conflicting } = resolveConflict(w.stages.map(conditionOf))!;
    if (winner === 'profit_target') {
      const profitTarget = w.stages.find((s) => s.tag === ONCE_TAG.profitTarget)!;
      w.stages.length = 0;
      this.waitingStages.delete(positionId);
      execution.exit({
        position,
        condition: 'profit_target',
        cause: causeOf(profitTarget),
        ...(conflicting.length > 0 ? { conflicting } : {}),
      });
      return;
    }
    while (w.stages.length > 0) {
      const stage = w.stages.shift()!;
      const quantity = Math.min(position.quantity, stage.quantity);
      if (execution.exit({ position, quantity, condition: 'partial_exit_target', cause: causeOf(stage) }))
        break;
    }
    if (w.stages.length === 0) this.waitingStages.delete(positionId);
  }

  /** HIGH and MEDIUM go to the policy; LOW is counted for the per-candle summary. */
  private route(
    event: Envelope,
    position: Position,
    instrument: Instrument,
    profile: MonitorProfile,
    price: number,
  ): void {
    if (event.urgency === 'LOW') {
      this.countLow(position.accountId, event.type);
      return;
    }
    if (event.urgency !== 'HIGH' && event.urgency !== 'MEDIUM') return;
    this.consult(event, position, instrument, profile, price);
  }

  /**
   * Every close of a managed position's candle interval asks its policy, once per candle and
   * position, until the position closes.
   */
  private manageAt(candleEvent: Envelope): void {
    const candle = candleFromEvent(candleEvent.data);
    const ids = this.managed.get(`${candle.symbol}\u0000${candle.interval}`);
    if (ids === undefined) return;
    for (const id of [...ids]) {
      const w = this.watched.get(id);
      if (w === undefined || candle.closeTime <= w.managedThrough) continue;
      w.managedThrough = candle.closeTime;
      const position = this.positionById(id);
      const instrument = this.options.engine.instrument(w.symbol);
      if (position === undefined || instrument === undefined) continue;
      this.consult(candleEvent, position, instrument, w.profile, candle.close, candle.interval);
    }
  }

  /** Asks the profile's policy about `event`, then applies the guarded answer. */
  private consult(
    event: Envelope,
    position: Position,
    instrument: Instrument,
    profile: MonitorProfile,
    price: number,
    interval?: string,
  ): void {
    const policies = this.options.policies;
    const policy =
      (profile.policy === 'llm' ? policies.llm : undefined) ??
      policies[profile.policy === 'hold' ? 'hold' : 'rules'];
    const started = this.options.clock.now();
    const w = this.watched.get(position.id);
    /** The candles a policy is shown: the trigger's, else the ones the position is managed at. */
    const candles = interval ?? w?.manage?.interval;
    const ctx: DecisionContext = {
      event,
      position,
      instrument,
      profile,
      price,
      pnlPct: pnlPercent(position, price),
      now: started,
      input: this.inputs.build({
        trigger: event,
        position,
        instrument,
        price,
        now: started,
        ...(candles !== undefined ? { interval: candles } : {}),
      }),
    };
    const wanted =
      profile.policy === 'llm' && policies.llm === undefined
        ? 'NO_LLM: the profile asks for llm but no agent.llm endpoint is configured'
        : undefined;
    const task = policy
      .decide(ctx)
      .catch(
        (error: unknown): PolicyResult => ({
          ...policies.rules.now(ctx),
          fallbackReason: `POLICY_ERROR: ${policy.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        }),
      )
      .then((result) => {
        // A fallback names the policy that was asked: `llm: TIMEOUT: …`.
        const reason =
          wanted ??
          (result.fallbackReason !== undefined && result.policy !== policy.name
            ? `${policy.name}: ${result.fallbackReason}`
            : result.fallbackReason);
        return this.apply(
          { ...result, ...(reason !== undefined ? { fallbackReason: reason } : {}) },
          ctx,
          started,
        );
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private apply(result: PolicyResult, asked: DecisionContext, started: number): Promise<void> | undefined {
    const { event } = asked;
    const position = this.positionById(asked.position.id);
    if (position === undefined) return undefined;
    const instrument = asked.instrument;
    // Judged against the position as it is now: another decision may have moved the stop since.
    const price = this.options.engine.lastTick(position.symbol)?.price ?? position.entryPrice;
    const now: DecisionContext = { ...asked, position, price, pnlPct: pnlPercent(position, price) };
    const final = finalDecision(result, position, price, {
      minConfidence: asked.profile.minConfidence,
      rules: () => this.options.policies.rules.now(now),
    });
    let decision = final.decision;
    let reduceBy = 0;
    if (decision.action === 'REDUCE') {
      reduceBy = reduceQuantity(position.quantity, decision.details?.reduceFraction ?? 0, instrument.lotSize);
      if (reduceBy === 0) {
        decision = {
          action: 'HOLD',
          confidence: decision.confidence,
          reasoning: `REDUCE by ${decision.details?.reduceFraction} of ${position.quantity} is less than one lot (${instrument.lotSize}) or all of it: HOLD. Proposed: ${decision.reasoning}`,
        };
      }
    }
    const latencyMs = this.options.clock.now() - started;
    const made = this.options.events.create(
      DecisionMadeV1,
      position.accountId,
      {
        positionId: position.id,
        accountId: position.accountId,
        symbol: position.symbol,
        side: position.side,
        policy: final.policy,
        trigger: event.type,
        action: decision.action,
        confidence: decision.confidence,
        reasoning: decision.reasoning,
        ...(decision.details !== undefined ? { details: { ...decision.details } } : {}),
        latencyMs,
        ...(result.model !== undefined ? { model: result.model } : {}),
        ...(final.fallbackReason !== undefined ? { fallbackReason: final.fallbackReason } : {}),
      },
      causedBy(event),
    );
    this.options.emit(made);
    this.options.recordDecision?.({
      id: made.id,
      positionId: position.id,
      accountId: position.accountId,
      decidedAt: Date.parse(made.ts),
      policy: final.policy,
      trigger: event.type,
      action: decision.action,
      confidence: decision.confidence,
      reasoning: decision.reasoning,
      ...(decision.details !== undefined ? { actionDetails: decision.details } : {}),
      stateAtDecision: {
        position: asked.input.position,
        account: asked.input.account ?? null,
        trigger: asked.input.trigger,
        recentEvents: asked.input.recentEvents,
      },
      ...(asked.input.market !== undefined ? { marketContext: asked.input.market } : {}),
      ...(result.rawResponse !== undefined ? { rawResponse: result.rawResponse } : {}),
      latencyMs: result.latencyMs ?? latencyMs,
      ...(result.promptTokens !== undefined ? { promptTokens: result.promptTokens } : {}),
      ...(result.completionTokens !== undefined ? { completionTokens: result.completionTokens } : {}),
      ...(result.costUsd !== undefined ? { cost: result.costUsd } : {}),
      ...(result.model !== undefined ? { model: result.model } : {}),
      ...(final.fallbackReason !== undefined ? { fallbackReason: final.fallbackReason } : {}),
      ...(result.promptVersion !== undefined ? { promptVersion: result.promptVersion } : {}),
      ...(final.rejected !== undefined ? { rejected: final.rejected } : {}),
    });
    const cause = causedBy(made);
    switch (decision.action) {
      case 'CLOSE':
        this.options.execution.exit({ position, condition: 'agent', cause });
        break;
      case 'REDUCE':
        this.options.execution.exit({ position, quantity: reduceBy, condition: 'agent', cause });
        break;
      case 'ADJUST_STOP':
      case 'ADJUST_TARGET': {
        const changed = this.options.engine.modifyPosition(
          position.id,
          decision.action === 'ADJUST_STOP'
            ? { stopPrice: decision.details?.newStopPrice }
            : { targetPrice: decision.details?.newTargetPrice },
          'AGENT',
          cause,
          decision.reasoning,
        );
        // A working protective stop at the venue follows the position's stop.
        const stop = decision.details?.newStopPrice;
        if (changed && decision.action === 'ADJUST_STOP' && stop !== undefined) {
          return this.options.engine.moveProtectiveStops(position, stop, cause).then(() => undefined);
        }
        break;
      }
      case 'HOLD':
        break;
    }
    return undefined;
  }

  private onTimeDecay(accountId: string, symbol: string, positionId: string): void {
    const w = this.watched.get(positionId);
    const position = this.position(accountId, symbol);
    if (w === undefined || position === undefined || position.id !== positionId) return;
    const instrument = this.options.engine.instrument(symbol)!;
    const price = this.options.engine.lastTick(symbol)?.price ?? position.entryPrice;
    const event = timeDecayEvent(this.options.events, position, instrument, price, this.options.clock.now());
    this.options.emit(event);
    this.route(event, position, instrument, w.profile, price);
  }

  private emitTrailingMove(position: Position, fired: FiredTrigger): void {
    this.options.emit(
      this.options.events.create(PositionModifiedV1, position.accountId, {
        positionId: position.id,
        accountId: position.accountId,
        symbol: position.symbol,
        side: position.side,
        trailingStopPrice: fired.trailingStop!,
        peakPrice: fired.peak!,
        source: 'TRAILING_STOP',
        reasoning:
          fired.kind === 'TRAILING_ACTIVATED'
            ? 'trailing stop activated'
            : 'trailing stop moved with the peak',
      }),
    );
  }

  private summariseLow(interval: string): void {
    for (const [accountId, counts] of this.lowCounts) {
      if (counts.size === 0) continue;
      this.options.emit(
        this.options.events.create(LowEventsSummarizedV1, accountId, {
          accountId,
          interval,
          counts: Object.fromEntries(counts),
        }),
      );
    }
    this.lowCounts.clear();
  }

  /** Counts a LOW event raised elsewhere (volatility and correlation signals). */
  countLow(accountId: string, type: string): void {
    const counts = this.lowCounts.get(accountId) ?? new Map<string, number>();
    counts.set(type, (counts.get(type) ?? 0) + 1);
    this.lowCounts.set(accountId, counts);
  }

  /** One thresholds object per profile, so positions share its compiled rules in the index. */
  private thresholdsOf(profile: MonitorProfile): TriggerThresholds {
    let t = this.thresholds.get(profile);
    if (t === undefined) {
      t = thresholdsOf(profile);
      this.thresholds.set(profile, t);
    }
    return t;
  }

  private profileOf(position: Position): MonitorProfile {
    const name = position.profile ?? this.options.accountProfiles?.get(position.accountId) ?? 'default';
    return this.options.profiles.get(name) ?? this.options.profiles.get('default')!;
  }

  private position(accountId: string, symbol: string): Position | undefined {
    return this.options.engine.account(accountId)?.positions.get(symbol);
  }

  private positionById(id: string): Position | undefined {
    return this.options.engine.positionById(id);
  }
}
