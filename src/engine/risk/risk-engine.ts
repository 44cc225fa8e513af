import type { TradingState } from '../../domain/account.ts';
import { AlertTriggeredV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { tradingDayOf } from '../../domain/risk/calendar.ts';
import type { AccountRiskSpec } from '../../domain/risk/rules.ts';
import type { Tick } from '../../domain/tick.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventFactory } from '../event-factory.ts';
import type { ExitExecutor } from '../monitor.ts';
import type { AccountBook, OrderGateway, VenueOutcome } from '../trading.ts';
import { type AccountMetrics, type AccountRisk, createAccountRisk } from './account-risk.ts';
import { ChallengeTracker } from './challenge.ts';
import { type CircuitBreakerSettings, CircuitBreakers } from './circuit-breakers.ts';
import { PreTradeGate } from './pre-trade.ts';
import { RiskClock } from './risk-clock.ts';
import { lastMetrics, positionsOf, type RiskContext } from './risk-context.ts';
import { RiskEnforcement } from './risk-enforcement.ts';
import { RiskFollower } from './risk-follower.ts';
import { RiskLevels } from './risk-levels.ts';
import { RiskLimits } from './risk-limits.ts';
import { RiskPositions } from './risk-positions.ts';
import { accountSnapshotOf, type RiskSnapshot, restoreAccountRisk } from './risk-snapshot.ts';
import { TradingStates } from './trading-states.ts';

export type { AccountRiskSnapshot, RiskSnapshot } from './risk-snapshot.ts';

/** What the risk engine is built from. */
export interface RiskEngineOptions {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly engine: AccountBook & OrderGateway;
  readonly execution: ExitExecutor;
  /** The rules of every account, by account id; every engine account must have one. */
  readonly specs: ReadonlyMap<string, AccountRiskSpec>;
  readonly breakers?: Partial<CircuitBreakerSettings>;
  /** Pearson correlation of two symbols' recent returns, for the correlation pre-trade check. */
  readonly correlation?: (a: string, b: string) => number | undefined;
  /** Delay before an enforcement exit that ended without closing the position is tried again. */
  readonly enforcementRetryMs?: number;
}

/**
 * The risk engine (DESIGN.md "Risk"): account rules enforced on every fill, close and tick. It
 * orchestrates parts that each hold one idea, over rules that are pure evaluators in domain/risk/:
 *
 * - levels (risk-levels.ts): daily loss, maximum loss and the daily profit lock are checked on
 *   every tick through price levels, each open position's share of its account's headroom; per
 *   position unrealized limits are levels of their own. While no level is reached no limit can
 *   be, so a tick costs two heap peeks however many accounts hold the symbol;
 * - limits (risk-limits.ts): a reached level checks the account exactly (decimal), and a breach
 *   is enforced, else the levels are set again from the new headroom;
 * - positions (risk-positions.ts): fill rules (session, symbol blocks, contracts, frequency,
 *   no-stop grace) on the engine's position events, cooldowns on closes;
 * - clock (risk-clock.ts): the daily reset and the session flat-by on clock timers;
 * - enforcement (risk-enforcement.ts): breach records and exits through the execution service,
 *   retried while a rule still wants the position gone;
 * - follower (risk-follower.ts): the reading of the log; snapshot (risk-snapshot.ts);
 * - trading states, circuit breakers, the pre-trade gate and the evaluation tracker.
 */
export class RiskEngine {
  readonly states: TradingStates;
  readonly gate: PreTradeGate;
  readonly breakers: CircuitBreakers;
  readonly challenges: ChallengeTracker;
  private readonly accounts = new Map<string, AccountRisk>();
  private readonly ctx: RiskContext;
  private readonly levels = new RiskLevels();
  private readonly enforcement: RiskEnforcement;
  private readonly limits: RiskLimits;
  private readonly positions: RiskPositions;
  private readonly clock: RiskClock;
  private readonly follower: RiskFollower;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly checkedThisTick = new Set<AccountRisk>();

  constructor(private readonly options: RiskEngineOptions) {
    const { clock, events, emit, engine } = options;
    this.states = new TradingStates({
      clock,
      events,
      emit,
      onState: (accountId, state) => engine.setTradingState(accountId, state),
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
    this.ctx = {
      clock,
      events,
      emit,
      book: engine,
      execution: options.execution,
      accounts: this.accounts,
      states: this.states,
      challenges: this.challenges,
    };
    this.enforcement = new RiskEnforcement(this.ctx, options.enforcementRetryMs ?? 1_000);
    this.limits = new RiskLimits(this.ctx, this.levels, this.enforcement);
    this.positions = new RiskPositions(this.ctx, this.levels, this.limits, this.enforcement);
    this.clock = new RiskClock(this.ctx, this.limits, this.enforcement);
    this.follower = new RiskFollower(this.ctx, this.positions, this.limits, this.enforcement);
    engine.setOrderGate(this.gate);
    this.unsubscribe.push(engine.onVenueOutcome((outcome: VenueOutcome) => this.breakers.onVenue(outcome)));
  }

  /** Arms the daily reset and flat-by timers and checks the accounts' opening positions. */
  start(): void {
    this.follower.start();
    // The engine may be built before its clock is set (a replay sets it at the first tick).
    for (const a of this.accounts.values())
      a.tradingDay = tradingDayOf(this.options.clock.now(), a.spec.rules.day);
    this.clock.start();
    for (const a of this.accounts.values()) {
      for (const p of positionsOf(this.ctx, a)) this.positions.onAdded(a, p, {}, false);
      this.limits.checkAccount(a);
    }
  }

  /** Daily resets done since start (a durable runtime snapshots after each). */
  get resets(): number {
    return this.clock.resets;
  }

  /** The risk state a restart needs: each account's day, balances, counters, challenge and holds. */
  snapshot(): RiskSnapshot {
    return {
      accounts: [...this.accounts.values()].map((a) => accountSnapshotOf(a, this.states.holds(a.id))),
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
      restoreAccountRisk(a, saved);
      this.states.restore(a.id, saved.holds);
      if (tradingDayOf(this.options.clock.now(), a.spec.rules.day) !== a.tradingDay) this.clock.dailyReset(a);
      else this.limits.checkAccount(a);
    }
  }

  /** Cancels every timer and takes the pre-trade gate off the engine. */
  stop(): void {
    this.clock.stop();
    this.enforcement.stop();
    this.positions.stop();
    this.states.stop();
    this.breakers.stop();
    for (const u of this.unsubscribe) u();
    this.options.engine.setOrderGate(undefined);
  }

  /** The account's risk state (undefined: no rules for it here). */
  account(accountId: string): AccountRisk | undefined {
    return this.accounts.get(accountId);
  }

  allAccounts(): AccountRisk[] {
    return [...this.accounts.values()];
  }

  /** The account's money at the last prices. */
  metrics(accountId: string): AccountMetrics | undefined {
    const a = this.accounts.get(accountId);
    return a === undefined ? undefined : lastMetrics(this.ctx, a);
  }

  /** Number of levels set on a symbol (tests, metrics). */
  levelCount(symbol: string): number {
    return this.levels.count(symbol);
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
      this.limits.checkAccount(a);
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
    const { emit, events, clock } = this.options;
    for (const a of this.accounts.values()) {
      const rule = a.spec.rules.connectionLoss;
      if (rule === undefined) continue;
      emit(
        events.create(AlertTriggeredV1, a.id, {
          accountId: a.id,
          code: connected ? 'CONNECTION_RESTORED' : 'CONNECTION_LOST',
          severity: connected ? 'info' : 'critical',
          message: `venue connection ${connected ? 'restored' : 'lost'}: ${message}`,
        }),
      );
      if (connected) this.states.lift(a.id, 'CONNECTION_LOSS', 'CONNECTION_RESTORED');
      else if (rule.pauseEntries) {
        this.states.add(a.id, {
          reason: 'CONNECTION_LOSS',
          state: 'REDUCING',
          since: clock.now(),
          manualReset: false,
          flatten: false,
        });
      }
    }
  }

  /** Evaluates a tick after the engine marked it. `low`/`high` are set for a conflated tick. */
  /** True while an enforcement waits for the first price of a symbol (it acts on that tick). */
  get awaitingPrice(): boolean {
    return this.enforcement.awaiting;
  }

  onTick(tick: Tick, low?: number, high?: number): void {
    if (this.enforcement.awaiting) this.onFirstPrice(tick.symbol);
    const lo = low ?? tick.price;
    const hi = high ?? tick.price;
    const hits = this.levels.reachedBy(tick.symbol, lo, hi);
    if (hits.length === 0) return;
    const checked = this.checkedThisTick;
    checked.clear();
    // Account limits first (the evaluation order): an account that flattens on this tick closes its
    // positions as the account rule, not as whichever position limit the heap returned first.
    for (const h of hits) {
      const t = this.levels.target(h);
      if (t === undefined || (t.kind !== 'accountLow' && t.kind !== 'accountHigh')) continue;
      if (checked.has(t.account)) continue;
      checked.add(t.account);
      this.limits.checkAccount(t.account, { symbol: tick.symbol, low: lo, high: hi });
    }
    for (const h of hits) {
      const t = this.levels.target(h);
      if (t === undefined || (t.kind !== 'loss' && t.kind !== 'profit')) continue;
      const p = this.options.engine.positionById(t.positionId);
      if (p === undefined) continue;
      this.limits.checkPosition(t.account, p, t.kind, (t.kind === 'loss') === (p.side === 'long') ? lo : hi);
    }
  }

  /** Reads the engine's events (call for every event, in order, after the monitor). */
  observe(envelope: Envelope): void {
    this.follower.observe(envelope);
  }

  /**
   * An exit ended. If the position is still open while a rule still wants it gone (a flattening
   * hold, a blocked symbol), it is tried again after a delay.
   */
  onExitReleased(positionId: string): void {
    this.enforcement.onExitReleased(positionId);
  }

  /** The first tick of a symbol: checks the positions adopted before it and retries their exits. */
  private onFirstPrice(symbol: string): void {
    const waiting = this.enforcement.takeAwaiting(symbol);
    if (waiting === undefined) return;
    for (const [id, what] of waiting) {
      const p = this.options.engine.positionById(id);
      const a = p && this.accounts.get(p.accountId);
      if (a === undefined) continue;
      if (what === 'adopted') this.positions.onAdded(a, p!, {}, false);
      else this.enforcement.retryExit(a, id);
    }
  }
}
