import { type Account, accountBalance } from '../../domain/account.ts';
import { CircuitBreakerTrippedV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { type Decimal, moneyString } from '../../domain/money.ts';
import { type Position, unrealizedPnl } from '../../domain/position.ts';
import {
  type AccountLimitBreach,
  accountLimitBreaches,
  exactShareLevels,
  type FloatMarks,
  floatShareLevels,
  type MarkRange,
} from '../../domain/risk/account-limit-rules.ts';
import { nextBoundary } from '../../domain/risk/calendar.ts';
import {
  type PositionLimitKind,
  positionLimitBreach,
  positionLimitLevels,
} from '../../domain/risk/position-limit-rules.ts';
import { type Cause, causedBy } from '../event-factory.ts';
import { type AccountRisk, maxLossFloor, metricsOf } from './account-risk.ts';
import { instrumentOf, type RiskContext } from './risk-context.ts';
import type { RiskEnforcement } from './risk-enforcement.ts';
import type { RiskLevels } from './risk-levels.ts';
import type { Hold } from './trading-states.ts';

/**
 * The account PnL limits (daily loss, maximum loss, daily profit lock) and the per-position
 * unrealized limits, checked when one of their levels is reached and after every change to an
 * account's money. A check either finds the account clear, and sets its levels again from the
 * new headroom, or records the breach and enforces it. The rules themselves are the pure
 * evaluators of domain/risk/account-limit-rules.ts and position-limit-rules.ts.
 */
export class RiskLimits implements FloatMarks {
  /** Float values of decimals and account balances, computed once per immutable object. */
  private readonly floats = new WeakMap<object, number>();
  private readonly multiplierOf = (symbol: string) => this.multiplier(symbol);

  constructor(
    private readonly ctx: RiskContext,
    private readonly levels: RiskLevels,
    private readonly enforcement: RiskEnforcement,
  ) {}

  lastPrice(symbol: string): number | undefined {
    return this.ctx.book.lastTick(symbol)?.price;
  }

  multiplier(symbol: string): number {
    return instrumentOf(this.ctx, symbol).multiplier;
  }

  /**
   * Checks the account's PnL limits exactly and re-arms its levels. `at` marks one symbol at a
   * conflated tick's extremes: the adverse one for lower limits, the favourable one for upper.
   * `cause` is the event that made the check happen (a fill, a close), for the breach it raises.
   */
  checkAccount(a: AccountRisk, at?: MarkRange, cause: Cause = {}): void {
    const { book, states } = this.ctx;
    const account = book.account(a.id);
    if (account === undefined) return;
    if (states.flattening(a.id)) {
      // Already flattening: make sure everything is on its way out, raise nothing twice.
      this.levels.clearAccount(a);
      this.enforcement.flatten(a, cause);
      return;
    }
    if (this.clearOfLimits(a, account, at)) return;
    const rules = a.spec.rules;
    const instrument = (s: string) => instrumentOf(this.ctx, s);
    const mark = (p: Position, side: 'adverse' | 'favourable') => {
      if (at === undefined || p.symbol !== at.symbol) return book.lastTick(p.symbol)?.price;
      return (side === 'adverse') === (p.side === 'long') ? at.low : at.high;
    };
    const low = metricsOf(a, account, instrument, (p) => mark(p, 'adverse'));
    const high =
      at === undefined || rules.dailyProfitLock === undefined
        ? low
        : metricsOf(a, account, instrument, (p) => mark(p, 'favourable'));
    const floor = maxLossFloor(a);
    const breaches = accountLimitBreaches(rules, floor, low, high);
    if (breaches.length === 0) {
      this.levels.setShares(
        a,
        exactShareLevels(rules, floor, low, account.positions, low.byPosition, this.multiplierOf),
      );
      return;
    }
    let first: Envelope | undefined;
    for (const b of breaches) {
      const event = this.enforcement.breach(a, b, undefined, cause);
      first ??= event;
      this.onAccountBreach(a, b, causedBy(event));
    }
    this.levels.clearAccount(a);
    this.enforcement.flatten(a, causedBy(first!));
  }

  /** A position limit's level was reached at `price`: closes the position if the limit is broken. */
  checkPosition(a: AccountRisk, p: Position, kind: PositionLimitKind, price: number): void {
    if (this.ctx.states.flattening(a.id) || this.ctx.execution.isExiting(p.id)) return;
    const u = unrealizedPnl(p, instrumentOf(this.ctx, p.symbol), price);
    const b = positionLimitBreach(a.spec.rules, kind, u);
    if (b === undefined) return;
    this.enforcement.close(p, this.enforcement.breach(a, b, p));
  }

  /** Sets the position's own loss and profit limit levels. */
  armPosition(a: AccountRisk, p: Position): void {
    this.levels.setPositionLimits(a, p, positionLimitLevels(a.spec.rules, p, this.multiplier(p.symbol)));
  }

  /**
   * What an account limit's breach does beside its record: the daily loss trips its circuit
   * breaker, a rule the evaluation fails on fails it, and the account halts (flattening).
   */
  private onAccountBreach(a: AccountRisk, b: AccountLimitBreach, cause: Cause): void {
    const rules = a.spec.rules;
    const now = this.ctx.clock.now();
    if (b.rule === 'DAILY_LOSS') {
      this.ctx.emit(
        this.ctx.events.create(
          CircuitBreakerTrippedV1,
          a.id,
          {
            accountId: a.id,
            breaker: 'DAILY_LOSS',
            message: `daily PnL ${moneyString(b.value)} reached the limit −${moneyString(rules.dailyLoss!.limit)}; flattening and halting ${b.manualReset ? 'until a manual reset' : 'until the daily reset'}`,
            manualReset: b.manualReset,
          },
          cause,
        ),
      );
    }
    if (b.rule !== 'DAILY_PROFIT_LOCK' && this.ctx.challenges.fails(a, b.rule))
      this.enforcement.fail(a, b.rule, b.limit, b.value, cause);
    const hold: Hold = {
      reason: b.rule,
      state: 'HALTED',
      since: now,
      ...(b.untilDayEnd ? { until: nextBoundary(now, rules.day) } : {}),
      manualReset: b.manualReset,
      flatten: true,
    };
    this.ctx.states.add(a.id, hold, cause);
  }

  /**
   * The float filter of {@link checkAccount} (see `floatShareLevels`): when the account is clear
   * of every limit by far more than the worst float error, sets its levels from that headroom and
   * returns true; near a limit it returns false and the exact check decides.
   */
  private clearOfLimits(a: AccountRisk, account: Account, at: MarkRange | undefined): boolean {
    const rules = a.spec.rules;
    const floor = maxLossFloor(a);
    const shares = floatShareLevels(
      account.positions,
      this,
      {
        balance: this.floatBalance(account),
        dayStartBalance: this.floatOf(a.dayStartBalance),
        dailyLossLimit: rules.dailyLoss === undefined ? undefined : this.floatOf(rules.dailyLoss.limit),
        profitLockLimit:
          rules.dailyProfitLock === undefined ? undefined : this.floatOf(rules.dailyProfitLock.limit),
        maxLossFloor: floor?.toNumber(),
      },
      at,
    );
    if (shares === undefined) return false;
    this.levels.setShares(a, shares);
    return true;
  }

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
}
