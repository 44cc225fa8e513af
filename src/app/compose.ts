import { createLlmPolicy } from '../adapters/llm/openai-compatible/llm-policy.ts';
import {
  createPaperVenue,
  type PaperVenue,
  type PaperVenueState,
} from '../adapters/venues/paper/paper-venue.ts';
import type { CandleInterval } from '../domain/candles.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import { defineInstrument, type Instrument } from '../domain/instrument.ts';
import { CorrelationMonitor } from '../domain/monitoring/correlation.ts';
import type { Order } from '../domain/order.ts';
import type { Tick } from '../domain/tick.ts';
import type { TickRange } from '../domain/tick-range.ts';
import { candleOf } from '../engine/candle-watch.ts';
import { Dispatcher } from '../engine/dispatcher.ts';
import { Engine, type InitialPosition } from '../engine/engine.ts';
import { EntryFlow } from '../engine/entry/entry-flow.ts';
import { EventFactory } from '../engine/event-factory.ts';
import type { EventSink } from '../engine/event-sink.ts';
import { ExecutionService } from '../engine/execution/execution-service.ts';
import type { FeedWatchdog } from '../engine/feed-watchdog.ts';
import { Monitor } from '../engine/monitor.ts';
import {
  DEFAULT_RULES,
  HoldPolicy,
  RulesPolicy,
  type RulesSettings,
} from '../engine/policies/rules-policy.ts';
import { RiskEngine } from '../engine/risk/risk-engine.ts';
import type { Clock } from '../ports/clock.ts';
import type { DecisionPolicy } from '../ports/decision-policy.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { DecisionRow } from '../ports/store.ts';
import type { Venue } from '../ports/venue.ts';
import { BUILTIN_PROFILES, resolveProfiles } from './config/profiles.ts';
import { accountProfilesOf, riskSpecsOf } from './config/risk.ts';
import type { WardenConfig } from './config/schema.ts';
import { paperVenueConfig } from './config/venues.ts';
import { feedWatchdogOf } from './runtime/market-stage.ts';
import { standingOf } from './status.ts';

/** Everything one engine instance is made of; built only here (the composition root). */
export interface Composition {
  readonly engine: Engine;
  /** The venue the partition trades through (each account's own venue). */
  readonly venue: Venue;
  /**
   * The paper venue a composition built alone made for itself (tests, benchmarks), which
   * `processTick` feeds; undefined in a runtime's partition, whose venues the runtime feeds.
   */
  readonly paper: PaperVenue | undefined;
  readonly monitor: Monitor;
  readonly execution: ExecutionService;
  readonly watchdog: FeedWatchdog | undefined;
  readonly risk: RiskEngine;
  readonly entry: EntryFlow;
  readonly correlations: CorrelationMonitor;
  readonly instruments: readonly Instrument[];
  /**
   * Hands an event to the components that follow events (monitor, risk, entry) without emitting
   * it: state rebuilt on recovery is told to them this way, so the log does not repeat it.
   */
  readonly observe: (envelope: Envelope) => void;
  /**
   * True when the composition holds an open position in `symbol`: only then can a tick of it
   * move a trigger or a risk level (the runtime skips the others' monitor and risk engine).
   */
  readonly holds: (symbol: string) => boolean;
  /** Emits an event as the engine's own are: to the sink, then to the components that follow events. */
  readonly emit: (envelope: Envelope) => void;
}

/** Options of the paper venue beyond the config: its durable order log and a restored state. */
export interface VenueHooks {
  readonly onAccepted?: (order: Order) => void;
  readonly restore?: PaperVenueState;
}

export function instrumentsOf(config: WardenConfig): Instrument[] {
  return config.instruments.map((i) =>
    defineInstrument({
      symbol: i.symbol,
      tickSize: i.tickSize,
      lotSize: i.lotSize,
      multiplier: i.multiplier,
      currency: i.currency,
      ...(i.expiry !== undefined ? { expiry: i.expiry } : {}),
    }),
  );
}

/** The positions the config declares open, with `openedAt` defaulting to `startTime`. */
export function initialPositionsOf(config: WardenConfig, startTime: number): InitialPosition[] {
  return (config.positions ?? []).map((p) => ({
    id: p.id,
    accountId: p.account,
    symbol: p.symbol,
    side: p.side,
    quantity: p.quantity,
    entryPrice: p.entryPrice,
    openedAt: p.openedAt ?? startTime,
    attrs: {
      ...(p.stopPrice !== undefined ? { stopPrice: p.stopPrice } : {}),
      ...(p.targetPrice !== undefined ? { targetPrice: p.targetPrice } : {}),
      ...(p.profile !== undefined ? { profile: p.profile } : {}),
      ...(p.thesis !== undefined ? { thesis: p.thesis } : {}),
      ...(p.manage !== undefined ? { manage: p.manage } : {}),
    },
  }));
}

/**
 * The candle intervals the engine aggregates: the configured ones plus every interval a profile
 * or a position manages at, in the configured order then the added ones.
 */
export function candleIntervalsOf(config: WardenConfig): CandleInterval[] {
  const intervals = new Set<CandleInterval>(config.engine.candleIntervals);
  for (const p of config.positions ?? []) if (p.manage !== undefined) intervals.add(p.manage.interval);
  for (const profile of resolveProfiles({ ...BUILTIN_PROFILES, ...config.profiles }).values()) {
    if (profile.manage !== undefined) intervals.add(profile.manage.interval as CandleInterval);
  }
  return [...intervals];
}

/** The LLM policy `agent.llm` configures, falling back to `rules`; undefined without one. */
export function llmPolicyOf(
  config: WardenConfig,
  rules: DecisionPolicy,
  now?: () => number,
): DecisionPolicy | undefined {
  const l = config.agent.llm;
  if (l === undefined) return undefined;
  return createLlmPolicy({
    baseUrl: l.baseUrl,
    model: l.model,
    ...(l.apiKey !== undefined ? { apiKey: l.apiKey } : {}),
    // Rounded: 2.01 * 1000 is 2009.9999999999998, which the policy refuses as not whole.
    timeoutMs: Math.round(l.timeoutSeconds * 1000),
    maxRetries: l.maxRetries,
    maxConcurrency: l.maxConcurrency,
    requestsPerMinute: l.requestsPerMinute,
    prices: l.prices,
    ...(l.dailyBudgetUsd !== undefined ? { dailyBudgetUsd: l.dailyBudgetUsd } : {}),
    promptVersion: l.promptVersion,
    ...(l.headers !== undefined ? { extraHeaders: l.headers } : {}),
    temperature: l.temperature,
    ...(l.maxTokens !== undefined ? { maxTokens: l.maxTokens } : {}),
    fallback: rules,
    ...(now !== undefined ? { now } : {}),
  });
}

/** The rules policy's settings from `agent.rules`. */
export function rulesSettingsOf(config: WardenConfig): RulesSettings {
  const r = config.agent.rules;
  return {
    ...DEFAULT_RULES,
    ...(r.breakEvenAtPct !== undefined ? { breakEvenAtPct: r.breakEvenAtPct } : {}),
    ...(r.trailFromPct !== undefined ? { trailFromPct: r.trailFromPct } : {}),
    lockPct: r.lockPct,
    targetApproaching: r.targetApproaching,
    tightenMinGain: {
      pct: r.tightenMinGain.pct,
      ...(r.tightenMinGain.atr !== undefined ? { atr: r.tightenMinGain.atr } : {}),
    },
    stopApproaching: r.stopApproaching,
    thesisInvalidated: r.thesisInvalidated,
    timeDecay: r.timeDecay,
    candleClose: r.candleClose,
  };
}

/** The paper venue the config describes, with the runtime's hooks (order log, restored state). */
export function paperVenueOf(
  config: WardenConfig,
  deps: { clock: Clock; ids: IdGenerator; hooks?: VenueHooks },
): PaperVenue {
  const venue = paperVenueConfig(config);
  return createPaperVenue({
    clock: deps.clock,
    ids: deps.ids,
    instruments: instrumentsOf(config),
    accounts: config.accounts.map((a) => ({ id: a.id, balance: a.balance })),
    slippageBps: venue.slippageBps,
    feeBps: venue.feeBps,
    leverage: venue.leverage,
    ...(venue.partialFills !== undefined ? { partialFills: venue.partialFills } : {}),
    outages: venue.outages.map((o) => ({ from: o.at, to: o.at + o.seconds * 1000 })),
    ...(deps.hooks?.onAccepted !== undefined ? { onAccepted: deps.hooks.onAccepted } : {}),
    ...(deps.hooks?.restore !== undefined ? { restore: deps.hooks.restore } : {}),
  });
}

export function compose(
  config: WardenConfig,
  deps: {
    clock: Clock;
    ids: IdGenerator;
    sink: EventSink;
    candleIntervals?: readonly CandleInterval[];
    venue?: VenueHooks;
    /** The LLM policy for profiles with `policy: llm`; by default built from `agent.llm`. */
    llm?: DecisionPolicy;
    /** Wall clock of the LLM policy's rate window and budget day (tests inject one). */
    wallClock?: () => number;
    /** Gets the decisions-table row of every decision. */
    decisions?: (row: DecisionRow) => void;
    /**
     * The accounts this composition holds (one partition's); every configured account by default.
     * Execution reports of other accounts are not its own.
     */
    accounts?: readonly string[];
    /**
     * What a partition of a runtime shares with the others: the venue, which the runtime feeds
     * ticks, and the market stage (candles, feed watchdog), which the runtime runs once for all.
     */
    shared?: { readonly venue: Venue };
  },
): Composition {
  const { clock, ids } = deps;
  // Recent returns per symbol for the correlation pre-trade check.
  const correlations = new CorrelationMonitor({ interval: config.risk.correlationInterval });
  const instruments = instrumentsOf(config);
  // A partition of a runtime shares the runtime's venue, candles and feed watchdog; a composition
  // built alone has its own.
  const shared = deps.shared;
  const paper =
    shared === undefined
      ? paperVenueOf(config, { clock, ids, ...(deps.venue !== undefined ? { hooks: deps.venue } : {}) })
      : undefined;
  const venue: Venue = shared?.venue ?? paper!;
  const held = deps.accounts === undefined ? undefined : new Set(deps.accounts);
  const accounts = config.accounts.filter((a) => held === undefined || held.has(a.id));
  // Every event goes to the output first, then to the followers the end of this function adds.
  const dispatcher = new Dispatcher(deps.sink);
  const emit = (envelope: Envelope) => dispatcher.emit(envelope);
  let monitor: Monitor | undefined;
  let risk: RiskEngine | undefined;
  const engine = new Engine({
    clock,
    ids,
    venue,
    instruments,
    accounts: accounts.map((a) => ({ id: a.id, balance: a.balance })),
    sink: { emit },
    candleIntervals: shared !== undefined ? [] : (deps.candleIntervals ?? candleIntervalsOf(config)),
  });
  const events = new EventFactory(clock, ids);
  const execution = new ExecutionService({
    clock,
    engine,
    events,
    emit,
    onReleased: (positionId) => {
      monitor?.release(positionId);
      risk?.onExitReleased(positionId);
    },
  });
  const profiles = resolveProfiles({ ...BUILTIN_PROFILES, ...config.profiles });
  const rules = new RulesPolicy(rulesSettingsOf(config));
  const llm = deps.llm ?? llmPolicyOf(config, rules, deps.wallClock);
  monitor = new Monitor({
    clock,
    events,
    emit,
    engine,
    execution,
    profiles,
    policies: { rules, hold: new HoldPolicy(), ...(llm !== undefined ? { llm } : {}) },
    accountProfiles: accountProfilesOf(config),
    accountView: (accountId) => {
      const s = risk === undefined ? undefined : standingOf({ risk, engine }, accountId);
      if (s === undefined) return undefined;
      return {
        state: s.state,
        balance: s.balance,
        dailyPnl: s.dailyPnl,
        headroom: Object.fromEntries(s.limits.map((l) => [l.rule, l.headroom])),
      };
    },
    ...(deps.decisions !== undefined ? { recordDecision: deps.decisions } : {}),
  });
  const specs = riskSpecsOf(config);
  risk = new RiskEngine({
    clock,
    events,
    emit,
    engine,
    execution,
    specs,
    breakers: {
      venueErrors: config.risk.breakers.venueErrors,
      venueWindowMs: config.risk.breakers.venueWindowSeconds * 1000,
      venueProbeAfterMs: config.risk.breakers.venueProbeSeconds * 1000,
      storeErrors: config.risk.breakers.storeErrors,
      storeWindowMs: config.risk.breakers.storeWindowSeconds * 1000,
    },
    correlation: (a, b) => correlations.evaluate([a, b])?.correlation,
  });
  const watchdog =
    shared === undefined
      ? feedWatchdogOf({
          clock,
          events,
          staleFeedSeconds: config.engine.staleFeedSeconds,
          watched: () => new Set(engine.openPositions().map((p) => p.symbol)),
          emit,
        })
      : undefined;
  venue.onConnection((e) => risk?.onConnection(e.connected, e.message));
  const entry = new EntryFlow({
    clock,
    engine,
    events,
    emit,
    limits: (accountId) => specs.get(accountId)?.entry,
  });
  // The followers, in the order each event reaches them: the monitor follows the positions, the
  // risk engine enforces the account rules on them, the entry flow follows the edges, and the
  // correlation monitor keeps the returns of closed candles.
  const [m, r] = [monitor, risk];
  dispatcher.follow({ name: 'monitor', handle: (e) => m.observe(e) });
  dispatcher.follow({ name: 'risk', handle: (e) => r.observe(e) });
  dispatcher.follow({ name: 'entry', handle: (e) => entry.observe(e) });
  dispatcher.follow({
    name: 'correlations',
    handle: (e) => {
      if (e.type === 'Market.Candle.Closed.v1') correlations.onCandle(candleOf(e.data));
    },
  });
  // Open positions per symbol, from the position events, for `holds`.
  const openBySymbol = new Map<string, number>();
  dispatcher.follow({
    name: 'holdings',
    handle: (e) => {
      if (e.type === 'Trading.Position.Opened.v1')
        openBySymbol.set(e.data.symbol, (openBySymbol.get(e.data.symbol) ?? 0) + 1);
      else if (e.type === 'Trading.Position.Closed.v1') {
        const n = (openBySymbol.get(e.data.symbol) ?? 0) - 1;
        if (n > 0) openBySymbol.set(e.data.symbol, n);
        else openBySymbol.delete(e.data.symbol);
      }
    },
  });
  const holds = (symbol: string) => openBySymbol.has(symbol);
  const observe = (envelope: Envelope) => dispatcher.observe(envelope);
  return {
    engine,
    venue,
    paper,
    monitor,
    execution,
    watchdog,
    risk,
    entry,
    instruments,
    correlations,
    observe,
    holds,
    emit,
  };
}

/**
 * Feeds one validated tick through the composition: the paper venue matches first (so an exit
 * placed on this tick fills at this tick's price), then the engine marks and aggregates, then the
 * monitor evaluates the triggers. `range` is set for a conflated tick.
 */
export function processTick(c: Composition, tick: Tick, range?: TickRange): void {
  c.paper?.onTick(tick);
  c.engine.onTick(tick);
  c.risk.onTick(tick, range?.last.low, range?.last.high);
  c.monitor.onTick(tick, range);
  c.watchdog?.onTick(tick.symbol, tick.ts);
}

/** Starts the engine on its initial positions and tells the paper venue about them too. */
export function startWithInitialPositions(c: Composition, config: WardenConfig, startTime: number): void {
  const initial = initialPositionsOf(config, startTime);
  for (const p of initial) {
    c.paper?.loadPosition({
      accountId: p.accountId,
      symbol: p.symbol,
      side: p.side,
      quantity: p.quantity,
      entryPrice: p.entryPrice,
    });
  }
  c.engine.start(initial);
  c.risk.start();
  c.watchdog?.start();
}
