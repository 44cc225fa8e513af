import type { DeniedReason } from '../../domain/events/catalog.ts';
import { addQty, type Decimal, dec, moneyString, ZERO } from '../../domain/money.ts';
import type { OrderRequest } from '../../domain/order.ts';
import { sessionAt } from '../../domain/risk/calendar.ts';
import { instrumentLimit, isSymbolBlocked } from '../../domain/risk/rules.ts';
import type { Clock } from '../../ports/clock.ts';
import type { BookView, OrderDenial, OrderGate, OrderMeta } from '../trading.ts';
import { type AccountRisk, metricsOf } from './account-risk.ts';
import type { TradingStates } from './trading-states.ts';

export interface PreTradeGateOptions {
  readonly engine: BookView;
  readonly states: TradingStates;
  readonly accounts: ReadonlyMap<string, AccountRisk>;
  readonly clock: Clock;
  readonly correlation?: (a: string, b: string) => number | undefined;
}

/** Hold reasons that are cooldowns, and those that are circuit breakers, for the denial code. */
const COOLDOWNS = new Set(['COOLDOWN_AFTER_LOSS', 'TRADE_FREQUENCY']);
const BREAKERS = new Set(['VENUE_ERRORS', 'STORE_ERRORS']);

/**
 * Pre-trade checks on every order that is not an exit (DESIGN.md "Risk", "Entry flow"), in order:
 * session window, symbol block, trading state (an order that only reduces a position passes in
 * REDUCING; one that would flip it through flat does not), then for orders that add exposure:
 * open position count, contract limits, exposure per market and in total, daily loss headroom
 * (the loss at the order's stop must fit in what is left of the daily limit), correlation with
 * open positions in the same direction, and the order rate. The first failing check refuses the
 * order with its reason code.
 */
export class PreTradeGate implements OrderGate {
  constructor(private readonly options: PreTradeGateOptions) {}

  check(request: OrderRequest, meta: OrderMeta): OrderDenial | undefined {
    const a = this.options.accounts.get(request.accountId);
    if (a === undefined) return undefined;
    const { engine, states, clock } = this.options;
    const rules = a.spec.rules;
    const now = clock.now();
    if (rules.session !== undefined && !sessionAt(now, rules.session).entriesAllowed) {
      return deny('SESSION_CLOSED', `the ${rules.session.timezone} session does not take entries now`);
    }
    if (isSymbolBlocked(rules, request.symbol)) {
      return deny('SYMBOL_BLOCKED', `${request.symbol} is blocked for ${a.id}`);
    }
    const account = engine.account(a.id)!;
    const position = account.positions.get(request.symbol);
    const reduces = position !== undefined && (position.side === 'long') === (request.side === 'sell');
    const flips = reduces && request.quantity > position!.quantity;
    const state = states.state(a.id);
    const hold = states.deciding(a.id);
    if (state === 'HALTED') {
      const code: DeniedReason =
        hold !== undefined && BREAKERS.has(hold.reason) ? 'CIRCUIT_OPEN' : 'TRADING_HALTED';
      return deny(code, `${a.id} is HALTED (${hold?.reason ?? 'no reason'}); only exits pass`);
    }
    if (reduces && !flips) return undefined;
    if (flips && state === 'REDUCING') {
      return deny(
        'FLIP_THROUGH_FLAT',
        `${request.side} ${request.quantity} would take the ${position!.quantity} ${position!.side} ${request.symbol} through flat`,
      );
    }
    if (state === 'REDUCING') {
      const code: DeniedReason =
        hold !== undefined && COOLDOWNS.has(hold.reason)
          ? 'COOLDOWN'
          : hold !== undefined && BREAKERS.has(hold.reason)
            ? 'CIRCUIT_OPEN'
            : 'TRADING_REDUCING';
      const until = hold?.until !== undefined ? ` until ${new Date(hold.until).toISOString()}` : '';
      return deny(
        code,
        `${a.id} is REDUCING (${hold?.reason ?? 'no reason'})${until}; only orders that reduce a position pass`,
      );
    }
    return this.entryLimits(
      a,
      request,
      meta,
      position === undefined ? 0 : flips ? -position.quantity : position.quantity,
    );
  }

  passed(request: OrderRequest): void {
    this.options.accounts.get(request.accountId)?.ordersPerMinute.record(this.options.clock.now());
  }

  /** Checks of an order that adds exposure; `held` is the signed quantity already held on its side. */
  private entryLimits(
    a: AccountRisk,
    request: OrderRequest,
    meta: OrderMeta,
    held: number,
  ): OrderDenial | undefined {
    const { engine, clock } = this.options;
    const entry = a.spec.entry;
    const rules = a.spec.rules;
    const account = engine.account(a.id)!;
    const instrument = engine.instrument(request.symbol)!;
    const price = request.limitPrice ?? engine.lastTick(request.symbol)?.price ?? request.stopPrice;
    const after = addQty(held, request.quantity);
    if (entry.maxPositions !== undefined && held === 0 && account.positions.size >= entry.maxPositions) {
      return deny(
        'MAX_POSITIONS',
        `${a.id} already holds ${account.positions.size} positions (limit ${entry.maxPositions})`,
      );
    }
    const perLimit = instrumentLimit(rules, request.symbol);
    if (perLimit !== undefined && after > perLimit) {
      return deny(
        'MAX_CONTRACTS',
        `${after} ${request.symbol} would exceed the per-instrument limit of ${perLimit}`,
      );
    }
    if (rules.maxContracts !== undefined) {
      let total = after;
      for (const p of account.positions.values())
        if (p.symbol !== request.symbol) total = addQty(total, p.quantity);
      if (total > rules.maxContracts.limit) {
        return deny(
          'MAX_CONTRACTS',
          `${total} contracts would exceed the account limit of ${rules.maxContracts.limit}`,
        );
      }
    }
    if (price !== undefined) {
      const notional = dec(price).times(after).times(instrument.multiplier);
      if (entry.maxExposurePerMarket !== undefined && notional.gt(entry.maxExposurePerMarket)) {
        return deny(
          'EXPOSURE_MARKET',
          `${moneyString(notional)} in ${request.symbol} would exceed the per-market limit of ${moneyString(entry.maxExposurePerMarket)}`,
        );
      }
      if (entry.maxExposureTotal !== undefined) {
        let total: Decimal = notional;
        for (const p of account.positions.values()) {
          if (p.symbol === request.symbol) continue;
          const mark = engine.lastTick(p.symbol)?.price ?? p.entryPrice;
          total = total.plus(dec(mark).times(p.quantity).times(engine.instrument(p.symbol)!.multiplier));
        }
        if (total.gt(entry.maxExposureTotal)) {
          return deny(
            'EXPOSURE_TOTAL',
            `total exposure ${moneyString(total)} would exceed the limit of ${moneyString(entry.maxExposureTotal)}`,
          );
        }
      }
      if (rules.dailyLoss !== undefined) {
        const m = metricsOf(
          a,
          account,
          (s) => engine.instrument(s)!,
          (p) => engine.lastTick(p.symbol)?.price,
        );
        const headroom = m.dailyPnl.plus(rules.dailyLoss.limit);
        const stop = meta.open?.stopPrice;
        const risk =
          stop === undefined
            ? ZERO
            : dec(price).minus(stop).abs().times(request.quantity).times(instrument.multiplier);
        if (headroom.lte(0) || risk.gte(headroom)) {
          return deny(
            'DAILY_LOSS_HEADROOM',
            stop === undefined
              ? `no daily loss headroom left (${moneyString(headroom)})`
              : `the loss at the stop (${moneyString(risk)}) does not fit the daily loss headroom (${moneyString(headroom)})`,
          );
        }
      }
    }
    const correlation = this.options.correlation;
    if (entry.maxCorrelation !== undefined && correlation !== undefined) {
      const long = request.side === 'buy';
      for (const p of account.positions.values()) {
        if (p.symbol === request.symbol) continue;
        const c = correlation(request.symbol, p.symbol);
        if (c === undefined) continue;
        const effective = (p.side === 'long') === long ? c : -c;
        if (effective >= entry.maxCorrelation) {
          return deny(
            'CORRELATION',
            `${request.symbol} moves with the open ${p.side} ${p.symbol} (correlation ${c.toFixed(2)}, limit ${entry.maxCorrelation})`,
          );
        }
      }
    }
    if (entry.maxOrdersPerMinute !== undefined) {
      const sent = a.ordersPerMinute.count(clock.now());
      if (sent >= entry.maxOrdersPerMinute) {
        return deny(
          'ORDER_RATE',
          `${sent} entry orders in the last minute (limit ${entry.maxOrdersPerMinute})`,
        );
      }
    }
    return undefined;
  }
}

function deny(reason: DeniedReason, message: string): OrderDenial {
  return { reason, message };
}
