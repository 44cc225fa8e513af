import { type Account, accountBalance, type TradingState } from '../../domain/account.ts';
import {
  AlertTriggeredV1,
  ChallengeFailedV1,
  CircuitBreakerTrippedV1,
  EvaluationRuleViolatedV1,
  LimitBreachedV1,
} from '../../domain/events/catalog.ts';
import type { Envelope, Urgency } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { addQty, type Decimal, dec, moneyString, subQty } from '../../domain/money.ts';
import type { OrderSide } from '../../domain/order.ts';
import { type Position, unrealizedPnl } from '../../domain/position.ts';
import {
  nextBoundary,
  nextFlatBy as nextFlatByAfter,
  sessionAt,
  tradingDayOf,
} from '../../domain/risk/calendar.ts';
import { RiskLevelIndex } from '../../domain/risk/level-index.ts';
import { adverse, favourable, pnlLevel } from '../../domain/risk/levels.ts';
import {
  type AccountRiskSpec,
  type EnforcementAction,
  instrumentLimit,
  isSymbolBlocked,
  type RuleCode,
} from '../../domain/risk/rules.ts';
import type { Tick } from '../../domain/tick.ts';
import type { CancelTimer, Clock } from '../../ports/clock.ts';
import type { Engine, VenueOutcome } from '../engine.ts';
import { type Cause, causedBy, type EventFactory } from '../event-factory.ts';
import type { ExitCondition } from '../execution/exit-table.ts';
import type { ExitExecutor } from '../monitor.ts';
import {
  type AccountMetrics,
  type AccountRisk,
  createAccountRisk,
  maxLossFloor,
  metricsOf,
  type PositionLevels,
} from './account-risk.ts';
import { ChallengeTracker } from './challenge.ts';
import { type CircuitBreakerSettings, CircuitBreakers } from './circuit-breakers.ts';
import { PreTradeGate } from './pre-trade.ts';
import { type Hold, TradingStates } from './trading-states.ts';

export interface RiskEngineOptions {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly engine: Engine;
  readonly execution: ExitExecutor;
  /** The rules of every account, by account id; every engine account must have one. */
  readonly specs: ReadonlyMap<string, AccountRiskSpec>;
  readonly breakers?: Partial<CircuitBreakerSettings>;
  /** Pearson correlation of two symbols' recent returns, for the correlation pre-trade check. */
  readonly correlation?: (a: string, b: string) => number | undefined;
  /** Delay before an enforcement exit that ended without closing the position is tried again. */
  readonly enforcementRetryMs?: number;
}

type LevelKind = 'accountLow' | 'accountHigh' | 'loss' | 'profit';

interface LevelTarget {
  readonly account: AccountRisk;
  readonly positionId: string;
  readonly kind: LevelKind;
}

/** The conditions a flattening hold closes positions with. */
const FLATTEN_CONDITION: Partial<Record<string, ExitCondition>> = {
  DAILY_LOSS: 'circuit_breaker',
  MAX_LOSS: 'risk_rule',
  DAILY_PROFIT_LOCK: 'risk_rule',
  STORE_ERRORS: 'circuit_breaker',
  CHALLENGE_FAILED: 'risk_rule',
};

/** One account's risk state as a snapshot keeps it (plain JSON; money as decimal strings). */
export interface AccountRiskSnapshot {
  readonly id: string;
  readonly tradingDay: string;
  readonly dayStartBalance: string;
  readonly initialBalance: string;
  readonly eodHigh: string;
  readonly tradesToday: number;
  readonly consecutiveLosses: number;
  readonly days: readonly { readonly day: string; readonly pnl: string; readonly traded: boolean }[];
  readonly tradedToday: boolean;
  readonly challenge: AccountRisk['challenge'];
  readonly failedRule?: string;
  readonly holds: readonly Hold[];
}

export interface RiskSnapshot {
  readonly accounts: readonly AccountRiskSnapshot[];
}

/**
 * The risk engine (DESIGN.md "Risk"): account rules enforced on every fill, close and tick.
 *
 * - Daily loss, maximum loss and the daily profit lock are account PnL limits. They are checked on
 *   every tick through price levels: for each open position the account's headroom to its nearest
 *   limit is split evenly over its positions and turned into the price at which that position's
 *   share would be used up. While no level is reached no limit can be, so a tick costs two heap
 *   peeks however many accounts hold the symbol. A reached level recomputes the account exactly
 *   (decimal) — a breach is enforced, otherwise the levels are set again from the new headroom.
 *   With one position the level is the exact breach price.
 * - Per-position unrealized loss and profit limits are levels of their own.
 * - Fill rules (contracts, symbol blocks, session, frequency, no-stop grace) run on the engine's
 *   position events; cooldowns on closes; session flat-by and the daily reset on clock timers.
 * - Evaluation order: session and symbol blocks, daily lockouts, per-position limits, contract
 *   limits, frequency and cooldowns. A close re-checks the daily limits at once (cascade).
 * - Enforcement goes through the execution service (market, reduce-only, deterministic client
 *   order ids, retried); an enforcement exit that ends with the position still open alerts and is
 *   tried again, and the account's flattening hold closes anything that opens while it lasts.
 */
export class RiskEngine {
  readonly states: TradingStates;
  readonly gate: PreTradeGate;
  readonly breakers: CircuitBreakers;
  readonly challenges: ChallengeTracker;
  private readonly accounts = new Map<string, AccountRisk>();
  private readonly index = new RiskLevelIndex();
  private readonly targets: (LevelTarget | undefined)[] = [];
  private readonly resetTimers = new Map<string, CancelTimer>();
  private resetCount = 0;
  /** start() ran: positions opened from now on that are not fills were adopted. */
  private started = false;
  private readonly flatByTimers = new Map<string, CancelTimer>();
  private readonly retryTimers = new Map<string, CancelTimer>();
  /**
   * By symbol, positions waiting for its first price: adopted ones whose rules are checked then,
   * and enforcement exits to retry then.
   */
  private readonly awaitingPrice = new Map<string, Map<string, 'adopted' | 'exit'>>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly hits: number[] = [];
  private checkedThisTick = new Set<AccountRisk>();

  constructor(private readonly options: RiskEngineOptions) {
    const { clock, events, emit, engine } = options;
    this.states = new TradingStates({
      clock,
      events,
      emit,
      onState: (accountId, state) => this.onStateChange(accountId, state),
    });
    this.challenges = new ChallengeTracker({ events, emit, clock });
    this.breakers = new CircuitBreakers({
      clock,
      events,
      emit,
      states: this.states,
      accounts: () => [...this.accounts.keys()],
      ...(options.breakers !== undefined ? { settings: options.breakers } : {}),
    });
    this.gate = new PreTradeGate({
      engine,
      states: this.states,
      accounts: this.accounts,
      clock,
      ...(options.correlation !== undefined ? { correlation: options.correlation } : {}),
    });
    for (const account of engine.allAccounts()) {
      const spec = options.specs.get(account.id);
      if (spec === undefined) continue;
      const a = createAccountRisk(spec, account.startingBalance, tradingDayOf(clock.now(), spec.rules.day));
      this.accounts.set(account.id, a);
    }
    engine.setOrderGate(this.gate);
    this.unsubscribe.push(engine.onVenueOutcome((outcome: VenueOutcome) => this.breakers.onVenue(outcome)));
  }

  /** Arms the daily reset and flat-by timers and checks the accounts' opening positions. */
  start(): void {
    this.started = true;
    // The engine may be built before its clock is set (a replay sets it at the first tick).
    for (const a of this.accounts.values())
      a.tradingDay = tradingDayOf(this.options.clock.now(), a.spec.rules.day);
    this.armResets();
    this.armFlatBy();
    for (const a of this.accounts.values()) {
      for (const p of this.positionsOf(a)) this.onPositionAdded(a, p, {}, false);
      this.checkAccount(a);
    }
  }

  /** Daily resets done since start (a durable runtime snapshots after each). */
  get resets(): number {
    return this.resetCount;
  }

  /** The risk state a restart needs: each account's day, balances, counters, challenge and holds. */
  snapshot(): RiskSnapshot {
    return {
      accounts: [...this.accounts.values()].map((a) => ({
        id: a.id,
        tradingDay: a.tradingDay,
        dayStartBalance: a.dayStartBalance.toString(),
        initialBalance: a.initialBalance.toString(),
        eodHigh: a.eodHigh.toString(),
        tradesToday: a.tradesToday,
        consecutiveLosses: a.consecutiveLosses,
        days: a.days.map((d) => ({ day: d.day, pnl: d.pnl.toString(), traded: d.traded })),
        tradedToday: a.tradedToday,
        challenge: a.challenge,
        ...(a.failedRule !== undefined ? { failedRule: a.failedRule } : {}),
        holds: this.states.holds(a.id),
      })),
    };
  }

  /**
   * Puts back a snapshot's risk state after `start()`, without events. When the trading day
   * changed while Warden was down, the day is closed (the daily reset) at once.
   */
  restore(snapshot: RiskSnapshot): void {
    for (const saved of snapshot.accounts) {
      const a = this.accounts.get(saved.id);
      if (a === undefined) continue;
      a.tradingDay = saved.tradingDay;
      a.dayStartBalance = dec(saved.dayStartBalance);
      a.initialBalance = dec(saved.initialBalance);
      a.eodHigh = dec(saved.eodHigh);
      a.tradesToday = saved.tradesToday;
      a.consecutiveLosses = saved.consecutiveLosses;
      a.days.splice(
        0,
        a.days.length,
        ...saved.days.map((d) => ({ day: d.day, pnl: dec(d.pnl), traded: d.traded })),
      );
      a.tradedToday = saved.tradedToday;
      a.challenge = saved.challenge;
      if (saved.failedRule !== undefined) a.failedRule = saved.failedRule;
      this.states.restore(a.id, saved.holds);
      if (tradingDayOf(this.options.clock.now(), a.spec.rules.day) !== a.tradingDay) this.dailyReset(a);
      else this.checkAccount(a);
    }
  }

  stop(): void {
    for (const cancel of [
      ...this.resetTimers.values(),
      ...this.flatByTimers.values(),
      ...this.retryTimers.values(),
    ])
      cancel();
    for (const a of this.accounts.values()) for (const cancel of a.graceTimers.values()) cancel();
    this.states.stop();
    this.breakers.stop();
    for (const u of this.unsubscribe) u();
    this.options.engine.setOrderGate(undefined);
  }

  account(accountId: string): AccountRisk | undefined {
    return this.accounts.get(accountId);
  }

  allAccounts(): AccountRisk[] {
    return [...this.accounts.values()];
  }

  /** The account's money at the last prices. */
  metrics(accountId: string): AccountMetrics | undefined {
    const a = this.accounts.get(accountId);
    const account = a && this.options.engine.account(accountId);
    if (a === undefined || account === undefined) return undefined;
    return metricsOf(
      a,
      account,
      (s) => this.instrument(s),
      (p) => this.options.engine.lastTick(p.symbol)?.price,
    );
  }

  /** Number of levels set on a symbol (tests, metrics). */
  levelCount(symbol: string): number {
    return this.index.size(symbol);
  }

  /**
   * Sets an account's state by hand. HALTED or REDUCING adds a manual hold (none when one in that
   * state is there already: it keeps its `since`); ACTIVE lifts every hold (a person's reset,
   * including holds that wait for one), after which the rules are checked again at once, so a
   * limit still broken halts the account again.
   */
  setState(
    accountId: string,
    state: TradingState,
    note: string,
  ): { previousState: TradingState; state: TradingState } {
    const a = this.accounts.get(accountId);
    if (a === undefined) throw new Error(`unknown account ${accountId}`);
    const previousState = this.states.state(accountId);
    if (state === 'ACTIVE') {
      // A person lifting a store halt resets the store breaker, so that new errors trip it again.
      if (this.states.has(accountId, 'STORE_ERRORS')) this.breakers.resetStore();
      this.states.liftWhere(accountId, () => true, `MANUAL: ${note}`);
      this.checkAccount(a);
    } else if (!this.states.holds(accountId).some((h) => h.reason === 'MANUAL' && h.state === state)) {
      // Replaces any earlier manual hold in one step: one state change, one event. A manual hold
      // already in this state stays as it is, its time and note too: asking again changes nothing
      // (the log's Halted event keeps the first reason; the daemon logs the second).
      this.states.add(accountId, {
        reason: 'MANUAL',
        state,
        since: this.options.clock.now(),
        manualReset: true,
        flatten: false,
        note,
      });
    }
    return { previousState, state: this.states.state(accountId) };
  }

  /** A venue connection changed: alerts (ConnectionLoss) and optionally pauses entries. */
  onConnection(connected: boolean, message: string): void {
    for (const a of this.accounts.values()) {
      const rule = a.spec.rules.connectionLoss;
      if (rule === undefined) continue;
      if (!connected) {
        this.options.emit(
          this.options.events.create(AlertTriggeredV1, a.id, {
            accountId: a.id,
            code: 'CONNECTION_LOST',
            severity: 'critical',
            message: `venue connection lost: ${message}`,
          }),
        );
        if (rule.pauseEntries) {
          this.states.add(a.id, {
            reason: 'CONNECTION_LOSS',
            state: 'REDUCING',
            since: this.options.clock.now(),
            manualReset: false,
            flatten: false,
          });
        }
      } else {
        this.options.emit(
          this.options.events.create(AlertTriggeredV1, a.id, {
            accountId: a.id,
            code: 'CONNECTION_RESTORED',
            severity: 'info',
            message: `venue connection restored: ${message}`,
          }),
        );
        this.states.lift(a.id, 'CONNECTION_LOSS', 'CONNECTION_RESTORED');
      }
    }
  }

  /** Evaluates a tick after the engine marked it. `low`/`high` are set for a conflated tick. */
  onTick(tick: Tick, low?: number, high?: number): void {
    if (this.awaitingPrice.size > 0) this.onFirstPrice(tick.symbol);
    const reached = this.index.reachedBy(tick.symbol, low ?? tick.price, high ?? tick.price);
    if (reached.length === 0) return;
    const hits = this.hits;
    hits.length = 0;
    for (let i = 0; i < reached.length; i++) hits.push(reached[i]!);
    const checked = this.checkedThisTick;
    checked.clear();
    // Account limits first (the evaluation order): an account that flattens on this tick closes its
    // positions as the account rule, not as whichever position limit the heap returned first.
    for (const h of hits) {
      const t = this.targets[h];
      if (t === undefined || (t.kind !== 'accountLow' && t.kind !== 'accountHigh')) continue;
      if (checked.has(t.account)) continue;
      checked.add(t.account);
      this.checkAccount(t.account, {
        symbol: tick.symbol,
        low: low ?? tick.price,
        high: high ?? tick.price,
      });
    }
    for (const h of hits) {
      const t = this.targets[h];
      if (t === undefined || (t.kind !== 'loss' && t.kind !== 'profit')) continue;
      const p = this.options.engine.positionById(t.positionId);
      if (p === undefined) continue;
      const price = (t.kind === 'loss') === (p.side === 'long') ? (low ?? tick.price) : (high ?? tick.price);
      this.checkPosition(t.account, p, t.kind, price);
    }
  }

  private awaitPrice(symbol: string, positionId: string, what: 'adopted' | 'exit'): void {
    const waiting = this.awaitingPrice.get(symbol) ?? new Map<string, 'adopted' | 'exit'>();
    if (waiting.get(positionId) !== 'adopted') waiting.set(positionId, what);
    this.awaitingPrice.set(symbol, waiting);
  }

  /** The first tick of a symbol: checks the positions adopted before it and retries their exits. */
  private onFirstPrice(symbol: string): void {
    const waiting = this.awaitingPrice.get(symbol);
    if (waiting === undefined) return;
    this.awaitingPrice.delete(symbol);
    for (const [id, what] of waiting) {
      const p = this.options.engine.positionById(id);
      const a = p && this.accounts.get(p.accountId);
      if (a === undefined) continue;
      if (what === 'adopted') this.onPositionAdded(a, p!, {}, false);
      else this.retryExit(a, id);
    }
  }

  /** Reads the engine's events (call for every event, in order, after the monitor). */
  observe(envelope: Envelope): void {
    const d = envelope.data;
    const a = typeof d.accountId === 'string' ? this.accounts.get(d.accountId) : undefined;
    if (a === undefined) return;
    const cause = causedBy(envelope);
    switch (envelope.type) {
      case 'Trading.Position.Opened.v1': {
        // Positions present at the start are checked by start(); one adopted later (from the
        // venue at reconciliation or from the positions table) is under every rule from now.
        const fill = d.source === 'fill';
        if (!fill && !this.started) break;
        const p = this.options.engine.positionById(String(d.positionId));
        if (p !== undefined && !fill && this.options.engine.lastTick(p.symbol) === undefined) {
          // Adopted before its symbol's first price: nothing could be exited yet (the venue
          // rejects an order without a price), so its rules are checked at that first tick.
          // The stop-loss grace needs no price: it counts from the adoption.
          this.awaitPrice(p.symbol, p.id, 'adopted');
          this.armGrace(a, p);
        } else if (p !== undefined) this.onPositionAdded(a, p, cause, fill);
        this.checkAccount(a, undefined, cause);
        break;
      }
      case 'Trading.Position.Increased.v1': {
        const p = this.options.engine.positionById(String(d.positionId));
        if (p !== undefined) this.onPositionAdded(a, p, cause, true);
        this.checkAccount(a, undefined, cause);
        break;
      }
      case 'Trading.Position.Reduced.v1':
        this.checkAccount(a, undefined, cause);
        break;
      case 'Trading.Position.Closed.v1':
        this.onPositionClosed(a, String(d.positionId), dec(String(d.realizedPnl)), cause);
        break;
      case 'Trading.Position.Modified.v1': {
        const p = this.options.engine.positionById(String(d.positionId));
        if (p !== undefined && 'stopPrice' in d) this.armGrace(a, p);
        break;
      }
      case 'Trading.Order.Placed.v1':
        if ((d.type === 'stop' || d.type === 'stop_limit') && typeof d.stopPrice === 'number') {
          a.stopOrders.set(String(d.clientOrderId), {
            symbol: String(d.symbol),
            side: d.side as OrderSide,
            stopPrice: d.stopPrice,
          });
        }
        break;
      case 'Trading.Order.Filled.v1':
        if (Number(d.remainingQuantity) <= 0) a.stopOrders.delete(String(d.clientOrderId));
        // Fees change the balance: the daily limits move with them.
        if (dec(String(d.fee)).gt(0)) this.checkAccount(a, undefined, cause);
        break;
      case 'Trading.Order.Cancelled.v1':
      case 'Trading.Order.Rejected.v1': {
        const stop = a.stopOrders.get(String(d.clientOrderId));
        if (stop === undefined) break;
        a.stopOrders.delete(String(d.clientOrderId));
        // The position may have lost its protection: NoStopLossGrace runs again from now.
        const p = this.options.engine.account(a.id)?.positions.get(stop.symbol);
        if (p !== undefined) this.armGrace(a, p);
        break;
      }
    }
  }

  /**
   * An exit ended. If the position is still open while a rule still wants it gone (a flattening
   * hold, a blocked symbol), try again after a delay: an exit placed before the symbol's first
   * price, for one, is rejected by the venue.
   */
  onExitReleased(positionId: string): void {
    const p = this.options.engine.positionById(positionId);
    const a = p && this.accounts.get(p.accountId);
    if (p === undefined || a === undefined || !this.mustExit(a, p)) return;
    if (this.retryTimers.has(positionId)) return;
    if (this.options.engine.lastTick(p.symbol) === undefined) {
      // No price yet: the venue would reject every retry, so the next one waits for the first tick.
      this.awaitPrice(p.symbol, positionId, 'exit');
      return;
    }
    const at = this.options.clock.now() + (this.options.enforcementRetryMs ?? 1_000);
    this.retryTimers.set(
      positionId,
      this.options.clock.schedule(at, () => {
        this.retryTimers.delete(positionId);
        this.retryExit(a, positionId);
      }),
    );
  }

  private retryExit(a: AccountRisk, positionId: string): void {
    if (this.states.flattening(a.id)) {
      this.enforceFlatten(a, {});
      return;
    }
    const current = this.options.engine.positionById(positionId);
    if (current === undefined || this.options.execution.isExiting(positionId)) return;
    if (this.mustExit(a, current)) this.options.execution.exit({ position: current, condition: 'risk_rule' });
  }

  /** True while a rule wants the position closed whatever the price: a flattening hold, a blocked symbol. */
  private mustExit(a: AccountRisk, p: Position): boolean {
    return this.states.flattening(a.id) || isSymbolBlocked(a.spec.rules, p.symbol);
  }

  // ── account limits ────────────────────────────────────────────────────────────────────────

  /**
   * Checks the account's PnL limits exactly and re-arms its levels. `at` marks one symbol at a
   * conflated tick's extremes: the adverse one for lower limits, the favourable one for upper.
   * `cause` is the event that made the check happen (a fill, a close), for the breach it raises.
   */
  private checkAccount(
    a: AccountRisk,
    at?: { symbol: string; low: number; high: number },
    cause: Cause = {},
  ): void {
    const account = this.options.engine.account(a.id);
    if (account === undefined) return;
    if (!this.states.flattening(a.id) && this.clearOfLimits(a, account, at)) return;
    const rules = a.spec.rules;
    const engine = this.options.engine;
    const instrument = (s: string) => this.instrument(s);
    const mark = (p: Position, side: 'adverse' | 'favourable') => {
      if (at === undefined || p.symbol !== at.symbol) return engine.lastTick(p.symbol)?.price;
      return (side === 'adverse') === (p.side === 'long') ? at.low : at.high;
    };
    const low = metricsOf(a, account, instrument, (p) => mark(p, 'adverse'));
    const high =
      at === undefined || rules.dailyProfitLock === undefined
        ? low
        : metricsOf(a, account, instrument, (p) => mark(p, 'favourable'));

    if (this.states.flattening(a.id)) {
      // Already flattening: make sure everything is on its way out, raise nothing twice.
      this.clearAccountLevels(a);
      this.enforceFlatten(a, cause);
      return;
    }
    const floor = maxLossFloor(a);
    const breaches: Envelope[] = [];
    if (floor !== undefined && low.equity.lte(floor)) {
      const event = this.breach(
        a,
        'MAX_LOSS',
        floor,
        low.equity,
        'FLATTEN_AND_HALT',
        'CRITICAL',
        undefined,
        cause,
      );
      breaches.push(event);
      if (this.challenges.fails(a, 'MAX_LOSS')) this.fail(a, 'MAX_LOSS', floor, low.equity, causedBy(event));
      this.states.add(
        a.id,
        {
          reason: 'MAX_LOSS',
          state: 'HALTED',
          since: this.options.clock.now(),
          manualReset: true,
          flatten: true,
        },
        causedBy(event),
      );
    }
    if (rules.dailyLoss !== undefined && low.dailyPnl.lte(rules.dailyLoss.limit.negated())) {
      const event = this.breach(
        a,
        'DAILY_LOSS',
        rules.dailyLoss.limit.negated(),
        low.dailyPnl,
        'FLATTEN_AND_HALT',
        'CRITICAL',
        undefined,
        cause,
      );
      breaches.push(event);
      const manual = rules.dailyLoss.manualReset;
      this.options.emit(
        this.options.events.create(
          CircuitBreakerTrippedV1,
          a.id,
          {
            accountId: a.id,
            breaker: 'DAILY_LOSS',
            message: `daily PnL ${moneyString(low.dailyPnl)} reached the limit −${moneyString(rules.dailyLoss.limit)}; flattening and halting ${manual ? 'until a manual reset' : 'until the daily reset'}`,
            manualReset: manual,
          },
          causedBy(event),
        ),
      );
      if (this.challenges.fails(a, 'DAILY_LOSS'))
        this.fail(a, 'DAILY_LOSS', rules.dailyLoss.limit.negated(), low.dailyPnl, causedBy(event));
      this.states.add(
        a.id,
        {
          reason: 'DAILY_LOSS',
          state: 'HALTED',
          since: this.options.clock.now(),
          ...(manual ? {} : { until: nextBoundary(this.options.clock.now(), rules.day) }),
          manualReset: manual,
          flatten: true,
        },
        causedBy(event),
      );
    }
    if (
      breaches.length === 0 &&
      rules.dailyProfitLock !== undefined &&
      high.dailyPnl.gte(rules.dailyProfitLock.limit)
    ) {
      const event = this.breach(
        a,
        'DAILY_PROFIT_LOCK',
        rules.dailyProfitLock.limit,
        high.dailyPnl,
        'FLATTEN_AND_HALT',
        'HIGH',
        undefined,
        cause,
      );
      breaches.push(event);
      this.states.add(
        a.id,
        {
          reason: 'DAILY_PROFIT_LOCK',
          state: 'HALTED',
          since: this.options.clock.now(),
          until: nextBoundary(this.options.clock.now(), rules.day),
          manualReset: false,
          flatten: true,
        },
        causedBy(event),
      );
    }
    if (breaches.length > 0) {
      this.clearAccountLevels(a);
      this.enforceFlatten(a, causedBy(breaches[0]!));
      return;
    }
    this.armAccountLevels(a, account.positions, low, floor);
  }

  /**
   * The float filter of {@link checkAccount}: marks the account in floats and, when it is clear of
   * every account limit by far more than the worst float error, sets its levels from that
   * (conservative) headroom and returns true. Near a limit it returns false and the exact decimal
   * check decides. A level only makes a check happen, so an early one costs a check, never a miss.
   */
  private clearOfLimits(
    a: AccountRisk,
    account: Account,
    at: { symbol: string; low: number; high: number } | undefined,
  ): boolean {
    const rules = a.spec.rules;
    const engine = this.options.engine;
    let unrealized = 0;
    let unrealizedHigh = 0;
    let scale = 0;
    for (const p of account.positions.values()) {
      const long = p.side === 'long';
      const last = engine.lastTick(p.symbol)?.price ?? p.entryPrice;
      const onAt = at !== undefined && p.symbol === at.symbol;
      const low = onAt ? (long ? at.low : at.high) : last;
      const high = onAt ? (long ? at.high : at.low) : last;
      const qm = p.quantity * this.instrument(p.symbol).multiplier;
      unrealized += (long ? low - p.entryPrice : p.entryPrice - low) * qm;
      unrealizedHigh += (long ? high - p.entryPrice : p.entryPrice - high) * qm;
      scale += (Math.abs(low) + Math.abs(high) + Math.abs(p.entryPrice)) * qm;
    }
    const balance = this.floatBalance(account);
    const dayStart = this.floatOf(a.dayStartBalance);
    const tolerance = (scale + Math.abs(balance) + Math.abs(dayStart)) * FLOAT_TOLERANCE;
    const equity = balance + unrealized;
    const daily = equity - dayStart;
    let lower = Number.POSITIVE_INFINITY;
    if (rules.dailyLoss !== undefined) lower = daily + this.floatOf(rules.dailyLoss.limit);
    const floor = maxLossFloor(a);
    if (floor !== undefined) lower = Math.min(lower, equity - floor.toNumber());
    const upper =
      rules.dailyProfitLock !== undefined
        ? this.floatOf(rules.dailyProfitLock.limit) - (balance + unrealizedHigh - dayStart)
        : Number.POSITIVE_INFINITY;
    if (!(lower > 2 * tolerance && upper > 2 * tolerance)) return false;
    const k = account.positions.size;
    for (const p of account.positions.values()) {
      const levels = this.levelsOf(a, p);
      const long = p.side === 'long';
      const last = engine.lastTick(p.symbol)?.price ?? p.entryPrice;
      const mark = at !== undefined && p.symbol === at.symbol ? (long ? at.low : at.high) : last;
      const qm = p.quantity * this.instrument(p.symbol).multiplier;
      if (lower !== Number.POSITIVE_INFINITY) {
        const move = (lower - tolerance) / k / qm;
        const level = long ? mark - move : mark + move;
        this.setLevel(levels, 'accountLow', a, adverse(p), widened(level, adverse(p)));
      }
      if (upper !== Number.POSITIVE_INFINITY) {
        const move = (upper - tolerance) / k / qm;
        const level = long ? mark + move : mark - move;
        this.setLevel(levels, 'accountHigh', a, favourable(p), widened(level, favourable(p)));
      }
    }
    return true;
  }

  private readonly floats = new WeakMap<object, number>();

  private floatOf(d: Decimal): number {
    let n = this.floats.get(d);
    if (n === undefined) {
      n = d.toNumber();
      this.floats.set(d, n);
    }
    return n;
  }

  private floatBalance(account: Account): number {
    let n = this.floats.get(account);
    if (n === undefined) {
      n = accountBalance(account).toNumber();
      this.floats.set(account, n);
    }
    return n;
  }

  /** Sets each position's share of the account's headroom as a price level. */
  private armAccountLevels(
    a: AccountRisk,
    positions: ReadonlyMap<string, Position>,
    m: AccountMetrics,
    floor: Decimal | undefined,
  ): void {
    const rules = a.spec.rules;
    let lower: Decimal | undefined;
    if (rules.dailyLoss !== undefined) lower = m.dailyPnl.plus(rules.dailyLoss.limit);
    if (floor !== undefined) {
      const h = m.equity.minus(floor);
      if (lower === undefined || h.lt(lower)) lower = h;
    }
    const upper =
      rules.dailyProfitLock !== undefined ? rules.dailyProfitLock.limit.minus(m.dailyPnl) : undefined;
    const k = positions.size;
    for (const p of positions.values()) {
      const levels = this.levelsOf(a, p);
      const u = m.byPosition.get(p.id)!;
      const multiplier = this.instrument(p.symbol).multiplier;
      if (lower !== undefined) {
        const dir = adverse(p);
        this.setLevel(levels, 'accountLow', a, dir, pnlLevel(p, multiplier, u.minus(lower.div(k)), dir));
      }
      if (upper !== undefined) {
        const dir = favourable(p);
        this.setLevel(levels, 'accountHigh', a, dir, pnlLevel(p, multiplier, u.plus(upper.div(k)), dir));
      }
    }
  }

  private clearAccountLevels(a: AccountRisk): void {
    for (const levels of a.levels.values()) {
      if (levels.accountLow >= 0) this.index.clear(levels.accountLow);
      if (levels.accountHigh >= 0) this.index.clear(levels.accountHigh);
    }
  }

  // ── position limits ───────────────────────────────────────────────────────────────────────

  private checkPosition(a: AccountRisk, p: Position, kind: 'loss' | 'profit', price: number): void {
    if (this.states.flattening(a.id) || this.options.execution.isExiting(p.id)) return;
    const u = unrealizedPnl(p, this.instrument(p.symbol), price);
    const rules = a.spec.rules;
    if (
      kind === 'loss' &&
      rules.unrealizedLoss !== undefined &&
      u.lte(rules.unrealizedLoss.limit.negated())
    ) {
      const event = this.breach(
        a,
        'UNREALIZED_LOSS',
        rules.unrealizedLoss.limit.negated(),
        u,
        'CLOSE_POSITION',
        'CRITICAL',
        p,
      );
      this.options.execution.exit({ position: p, condition: 'risk_rule', cause: causedBy(event) });
    } else if (
      kind === 'profit' &&
      rules.unrealizedProfit !== undefined &&
      u.gte(rules.unrealizedProfit.limit)
    ) {
      const event = this.breach(
        a,
        'UNREALIZED_PROFIT',
        rules.unrealizedProfit.limit,
        u,
        'CLOSE_POSITION',
        'HIGH',
        p,
      );
      this.options.execution.exit({ position: p, condition: 'risk_rule', cause: causedBy(event) });
    }
  }

  private armPositionLevels(a: AccountRisk, p: Position): void {
    const rules = a.spec.rules;
    const levels = this.levelsOf(a, p);
    const multiplier = this.instrument(p.symbol).multiplier;
    if (rules.unrealizedLoss !== undefined) {
      const dir = adverse(p);
      this.setLevel(
        levels,
        'loss',
        a,
        dir,
        pnlLevel(p, multiplier, rules.unrealizedLoss.limit.negated(), dir),
      );
    }
    if (rules.unrealizedProfit !== undefined) {
      const dir = favourable(p);
      this.setLevel(levels, 'profit', a, dir, pnlLevel(p, multiplier, rules.unrealizedProfit.limit, dir));
    }
  }

  // ── fill rules ────────────────────────────────────────────────────────────────────────────

  /**
   * A fill opened or increased `p`, or (`fill` false) the engine started with it or adopted it.
   * Every rule on the position's state applies either way; the entry-time rules (sessions refusing
   * entries, trade counting) only to Warden's own fills, whose entry time is known.
   */
  private onPositionAdded(a: AccountRisk, p: Position, cause: Cause, fill: boolean): void {
    const rules = a.spec.rules;
    const now = this.options.clock.now();
    this.armPositionLevels(a, p);
    if (fill) a.tradedToday = true;
    // 1. Session and symbol blocks.
    if (rules.session !== undefined && fill && !sessionAt(now, rules.session).entriesAllowed) {
      const event = this.breach(a, 'SESSION_WINDOW', 0, p.quantity, 'CLOSE_POSITION', 'CRITICAL', p, cause);
      this.options.execution.exit({ position: p, condition: 'risk_rule', cause: causedBy(event) });
      return;
    }
    if (isSymbolBlocked(rules, p.symbol)) {
      const event = this.breach(a, 'SYMBOL_BLOCK', 0, p.quantity, 'CLOSE_POSITION', 'CRITICAL', p, cause);
      this.options.execution.exit({ position: p, condition: 'risk_rule', cause: causedBy(event) });
      return;
    }
    // 2. Daily lockouts: a position opened while the account is flattening closes at once.
    if (this.states.flattening(a.id)) {
      this.enforceFlatten(a, cause);
      return;
    }
    // 3. Per-position limits at the current price.
    const price = this.options.engine.lastTick(p.symbol)?.price;
    if (price !== undefined) {
      this.checkPosition(a, p, 'loss', price);
      this.checkPosition(a, p, 'profit', price);
    }
    // 4. Contract limits.
    this.checkContracts(a, p, cause);
    // 5. Frequency.
    if (fill) this.countTrade(a, p, cause);
    this.armGrace(a, p);
  }

  private checkContracts(a: AccountRisk, p: Position, cause: Cause): void {
    const rules = a.spec.rules;
    const limit = instrumentLimit(rules, p.symbol);
    if (limit !== undefined && p.quantity > limit) {
      const event = this.breach(
        a,
        'MAX_CONTRACTS_PER_INSTRUMENT',
        limit,
        p.quantity,
        'CLOSE_EXCESS',
        'CRITICAL',
        p,
        cause,
      );
      this.options.execution.exit({
        position: p,
        quantity: subQty(p.quantity, limit),
        condition: 'risk_rule',
        cause: causedBy(event),
      });
      return;
    }
    if (rules.maxContracts !== undefined) {
      const positions = this.positionsOf(a);
      // Exact: 0.1 + 0.2 contracts are 0.3, never a hair above a limit of 0.3.
      const total = positions.reduce((sum, q) => addQty(sum, q.quantity), 0);
      const limit = rules.maxContracts.limit;
      if (total <= limit) return;
      const event = this.breach(
        a,
        'MAX_CONTRACTS',
        limit,
        total,
        'CLOSE_EXCESS',
        'CRITICAL',
        undefined,
        cause,
      );
      // Newest first: the most recently changed positions give up the excess.
      let excess = subQty(total, limit);
      for (const q of positions.sort((x, y) => y.updatedAt - x.updatedAt)) {
        if (excess <= 0) break;
        const take = Math.min(excess, q.quantity);
        if (
          this.options.execution.exit({
            position: q,
            quantity: take,
            condition: 'risk_rule',
            cause: causedBy(event),
          })
        )
          excess = subQty(excess, take);
      }
    }
  }

  private countTrade(a: AccountRisk, p: Position, cause: Cause): void {
    const rule = a.spec.rules.tradeFrequency;
    const now = this.options.clock.now();
    a.tradesToday++;
    const perMinute = a.tradesPerMinute.record(now);
    const perHour = a.tradesPerHour.record(now);
    if (rule === undefined) return;
    const over =
      rule.perMinute !== undefined && perMinute > rule.perMinute
        ? { limit: rule.perMinute, value: perMinute, until: now + rule.cooldownSeconds * 1000 }
        : rule.perHour !== undefined && perHour > rule.perHour
          ? { limit: rule.perHour, value: perHour, until: now + rule.cooldownSeconds * 1000 }
          : rule.perSession !== undefined && a.tradesToday > rule.perSession
            ? { limit: rule.perSession, value: a.tradesToday, until: nextBoundary(now, a.spec.rules.day) }
            : undefined;
    if (over === undefined) return;
    const event = this.breach(a, 'TRADE_FREQUENCY', over.limit, over.value, 'COOLDOWN', 'HIGH', p, cause);
    this.addCooldown(
      a,
      {
        reason: 'TRADE_FREQUENCY',
        state: 'REDUCING',
        since: now,
        until: over.until,
        manualReset: false,
        flatten: false,
      },
      causedBy(event),
    );
  }

  private onPositionClosed(a: AccountRisk, positionId: string, realized: Decimal, cause: Cause): void {
    const levels = a.levels.get(positionId);
    if (levels !== undefined) {
      for (const kind of ['accountLow', 'accountHigh', 'loss', 'profit'] as const) {
        const h = levels[kind];
        if (h >= 0) {
          this.targets[h] = undefined;
          this.index.release(h);
        }
      }
      a.levels.delete(positionId);
    }
    a.graceTimers.get(positionId)?.();
    a.graceTimers.delete(positionId);
    this.retryTimers.get(positionId)?.();
    this.retryTimers.delete(positionId);
    // Cascade: the realized loss re-checks the daily limits now.
    this.checkAccount(a, undefined, cause);
    // Cooldown after a loss.
    if (realized.isNegative()) a.consecutiveLosses++;
    else a.consecutiveLosses = 0;
    const rule = a.spec.rules.cooldownAfterLoss;
    if (rule === undefined || !realized.isNegative()) {
      this.challenges.onClose(a, this.metrics(a.id));
      return;
    }
    const loss = realized.negated();
    let minutes = 0;
    let tier: (typeof rule.tiers)[number] | undefined;
    for (const t of rule.tiers) {
      const hit =
        (t.loss !== undefined && loss.gte(t.loss)) ||
        (t.consecutiveLosses !== undefined && a.consecutiveLosses >= t.consecutiveLosses);
      if (hit && t.minutes > minutes) {
        minutes = t.minutes;
        tier = t;
      }
    }
    if (tier !== undefined) {
      const now = this.options.clock.now();
      const byCount = tier.loss === undefined || loss.lt(tier.loss);
      const event = this.breach(
        a,
        'COOLDOWN_AFTER_LOSS',
        byCount ? tier.consecutiveLosses! : tier.loss!,
        byCount ? a.consecutiveLosses : loss,
        'COOLDOWN',
        'HIGH',
        undefined,
        cause,
      );
      this.addCooldown(
        a,
        {
          reason: 'COOLDOWN_AFTER_LOSS',
          state: 'REDUCING',
          since: now,
          until: now + minutes * 60_000,
          manualReset: false,
          flatten: false,
        },
        causedBy(event),
      );
    }
    this.challenges.onClose(a, this.metrics(a.id));
  }

  /** Adds a cooldown hold unless the one already running ends later: a cooldown is never cut short. */
  private addCooldown(a: AccountRisk, hold: Hold, cause: Cause): void {
    const running = this.states.holds(a.id).find((h) => h.reason === hold.reason);
    if (running?.until !== undefined && hold.until !== undefined && running.until >= hold.until) return;
    this.states.add(a.id, hold, cause);
  }

  /**
   * NoStopLossGrace: starts the grace timer of a position without a protective stop, or stops it
   * once the position is protected. A timer already running is kept: the grace counts from the
   * moment the position lost (or never had) protection, and a change that leaves it unprotected
   * does not extend it.
   */
  private armGrace(a: AccountRisk, p: Position): void {
    const rule = a.spec.rules.noStopLossGrace;
    if (rule === undefined) return;
    if (this.isProtected(a, p)) {
      a.graceTimers.get(p.id)?.();
      a.graceTimers.delete(p.id);
      return;
    }
    if (a.graceTimers.has(p.id)) return;
    const due = this.options.clock.now() + rule.seconds * 1000;
    a.graceTimers.set(
      p.id,
      this.options.clock.schedule(due, () => {
        a.graceTimers.delete(p.id);
        const current = this.options.engine.positionById(p.id);
        if (current === undefined || this.isProtected(a, current)) return;
        const event = this.breach(
          a,
          'NO_STOP_LOSS',
          rule.seconds,
          rule.seconds,
          'CLOSE_POSITION',
          'CRITICAL',
          current,
        );
        this.options.execution.exit({ position: current, condition: 'risk_rule', cause: causedBy(event) });
      }),
    );
  }

  /** A protective stop: the position's own stop, or a working stop order on its exit side. */
  private isProtected(a: AccountRisk, p: Position): boolean {
    // Any stop on the exit side protects, wherever it sits: one at break-even or locking in
    // profit protects more than one on the losing side of the entry.
    if (p.stopPrice !== undefined) return true;
    const exit = p.side === 'long' ? 'sell' : 'buy';
    for (const o of a.stopOrders.values()) if (o.symbol === p.symbol && o.side === exit) return true;
    return false;
  }

  // ── enforcement ───────────────────────────────────────────────────────────────────────────

  /** Exits every open position of a flattening account that is not already exiting. */
  private enforceFlatten(a: AccountRisk, cause: Cause): void {
    // A tripped breaker names the exit whatever else flattens with it (a daily loss that also
    // fails an evaluation still closes with CIRCUIT_BREAKER, DESIGN.md "Risk").
    const breaker = this.states
      .holds(a.id)
      .some((h) => h.flatten && FLATTEN_CONDITION[h.reason] === 'circuit_breaker');
    const condition: ExitCondition = breaker ? 'circuit_breaker' : 'risk_rule';
    for (const p of this.positionsOf(a)) {
      if (this.options.execution.isExiting(p.id)) continue;
      this.options.execution.exit({ position: p, condition, cause });
    }
  }

  /** Emits `Risk.Limit.Breached.v1` (and the evaluation's violation) and returns it. */
  private breach(
    a: AccountRisk,
    rule: RuleCode,
    limit: Decimal | number,
    value: Decimal | number,
    action: EnforcementAction,
    urgency: Urgency,
    position?: Position,
    cause: Cause = {},
  ): Envelope {
    const text = (v: Decimal | number) => (typeof v === 'number' ? String(v) : moneyString(v));
    const event = this.options.events.create(
      LimitBreachedV1,
      a.id,
      {
        accountId: a.id,
        rule,
        limit: text(limit),
        value: text(value),
        action,
        ...(position !== undefined ? { positionId: position.id, symbol: position.symbol } : {}),
      },
      cause,
      urgency,
    );
    this.options.emit(event);
    if (a.spec.challenge !== undefined && a.spec.preset !== undefined && a.challenge !== 'FAILED') {
      const fails = this.challenges.fails(a, rule);
      this.options.emit(
        this.options.events.create(
          EvaluationRuleViolatedV1,
          a.id,
          {
            accountId: a.id,
            preset: a.spec.preset,
            phase: a.spec.challenge.phase,
            rule,
            limit: text(limit),
            value: text(value),
            consequence: fails ? 'FAILED' : 'ENFORCED',
            ...(position !== undefined ? { positionId: position.id, symbol: position.symbol } : {}),
          },
          causedBy(event),
        ),
      );
    }
    return event;
  }

  private fail(a: AccountRisk, rule: RuleCode, limit: Decimal, value: Decimal, cause: Cause): void {
    if (a.spec.challenge === undefined || a.challenge === 'FAILED') return;
    a.challenge = 'FAILED';
    a.failedRule = rule;
    this.options.emit(
      this.options.events.create(
        ChallengeFailedV1,
        a.id,
        {
          accountId: a.id,
          preset: a.spec.preset ?? 'custom',
          phase: a.spec.challenge.phase,
          rule,
          limit: moneyString(limit),
          value: moneyString(value),
          message: `${rule} broken: ${moneyString(value)} against ${moneyString(limit)}`,
        },
        cause,
      ),
    );
    this.states.add(
      a.id,
      {
        reason: 'CHALLENGE_FAILED',
        state: 'HALTED',
        since: this.options.clock.now(),
        manualReset: true,
        flatten: true,
      },
      cause,
    );
  }

  // ── clock ─────────────────────────────────────────────────────────────────────────────────

  /** One timer per distinct daily boundary, shared by the accounts that use it. */
  private armResets(): void {
    const groups = new Map<string, AccountRisk[]>();
    for (const a of this.accounts.values()) {
      const key = `${a.spec.rules.day.time}@${a.spec.rules.day.timezone}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [a]);
      else group.push(a);
    }
    for (const [key, accounts] of groups) this.armReset(key, accounts);
  }

  private armReset(key: string, accounts: AccountRisk[]): void {
    const day = accounts[0]!.spec.rules.day;
    const at = nextBoundary(this.options.clock.now(), day);
    this.resetTimers.set(
      key,
      this.options.clock.schedule(at, () => {
        for (const a of accounts) this.dailyReset(a);
        this.armReset(key, accounts);
      }),
    );
  }

  /** The trading day ended: record it, trail the maximum loss, start the new day, lift day holds. */
  private dailyReset(a: AccountRisk): void {
    const account = this.options.engine.account(a.id);
    if (account === undefined) return;
    this.resetCount++;
    const m = this.metrics(a.id)!;
    const closingDay = a.tradingDay;
    a.days.push({ day: closingDay, pnl: m.balance.minus(a.dayStartBalance), traded: a.tradedToday });
    if (m.balance.gt(a.eodHigh)) a.eodHigh = m.balance;
    a.dayStartBalance = m.balance;
    a.tradingDay = tradingDayOf(this.options.clock.now(), a.spec.rules.day);
    a.tradesToday = 0;
    a.tradedToday = false;
    this.challenges.onDayEnd(a, closingDay, m, maxLossFloor(a));
    this.states.liftWhere(
      a.id,
      (h) =>
        !h.manualReset &&
        (h.reason === 'DAILY_LOSS' || h.reason === 'DAILY_PROFIT_LOCK' || h.reason === 'TRADE_FREQUENCY'),
      'DAILY_RESET',
    );
    this.checkAccount(a);
  }

  /** One timer per distinct session with a flat-by time. */
  private armFlatBy(): void {
    const groups = new Map<string, AccountRisk[]>();
    for (const a of this.accounts.values()) {
      const s = a.spec.rules.session;
      if (s?.flatBy === undefined) continue;
      const key = JSON.stringify(s);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [a]);
      else group.push(a);
    }
    for (const [key, accounts] of groups) this.armOneFlatBy(key, accounts);
  }

  private armOneFlatBy(key: string, accounts: AccountRisk[]): void {
    const session = accounts[0]!.spec.rules.session!;
    const at = nextFlatByAfter(this.options.clock.now(), session);
    if (at === undefined) return;
    this.flatByTimers.set(
      key,
      this.options.clock.schedule(at, () => {
        for (const a of accounts) this.flatBy(a);
        this.armOneFlatBy(key, accounts);
      }),
    );
  }

  private flatBy(a: AccountRisk): void {
    const positions = this.positionsOf(a);
    if (positions.length === 0) return;
    const contracts = positions.reduce((s, p) => addQty(s, p.quantity), 0);
    const event = this.breach(a, 'SESSION_FLAT_BY', 0, contracts, 'FLATTEN', 'CRITICAL');
    for (const p of positions)
      this.options.execution.exit({ position: p, condition: 'session_end', cause: causedBy(event) });
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────────

  private onStateChange(accountId: string, state: TradingState): void {
    this.options.engine.setTradingState(accountId, state);
  }

  private positionsOf(a: AccountRisk): Position[] {
    return [...(this.options.engine.account(a.id)?.positions.values() ?? [])];
  }

  private instrument(symbol: string): Instrument {
    return this.options.engine.instrument(symbol)!;
  }

  private levelsOf(a: AccountRisk, p: Position): PositionLevels {
    let levels = a.levels.get(p.id);
    if (levels === undefined) {
      levels = { positionId: p.id, symbol: p.symbol, accountLow: -1, accountHigh: -1, loss: -1, profit: -1 };
      a.levels.set(p.id, levels);
    }
    return levels;
  }

  private setLevel(
    levels: PositionLevels,
    kind: LevelKind,
    account: AccountRisk,
    direction: 'falls' | 'rises',
    level: number,
  ): void {
    let h = levels[kind];
    if (h < 0) {
      h = this.index.allocate();
      levels[kind] = h;
      this.targets[h] = { account, positionId: levels.positionId, kind };
    }
    this.index.set(h, levels.symbol, direction, level);
  }
}

/** Relative slack of the float filter: far above the few roundings of a mark-to-market in floats. */
const FLOAT_TOLERANCE = 1e-9;

/** A float level moved towards firing early by far more than its own rounding. */
function widened(level: number, direction: 'falls' | 'rises'): number {
  const slack = Math.abs(level) * 1e-12;
  return direction === 'falls' ? level + slack : level - slack;
}
