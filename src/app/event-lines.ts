import type { Envelope } from '../domain/events/envelope.ts';

type Data = Readonly<Record<string, unknown>>;

const s = String;

/** `entry-2-0: buy 2 ES limit @ 5000 (entry)`, `…-x1-1: sell 2 ES market (exit, TAKE_PROFIT)`. */
export function orderPlacedText(d: Data): string {
  const price =
    d.limitPrice !== undefined
      ? ` @ ${s(d.limitPrice)}${d.stopPrice !== undefined ? `, stop ${s(d.stopPrice)}` : ''}`
      : d.stopPrice !== undefined
        ? ` stop ${s(d.stopPrice)}`
        : '';
  const why = [d.intent, d.reason].filter((x) => x !== undefined).map(s);
  return `${s(d.clientOrderId)}: ${s(d.side)} ${s(d.quantity)} ${s(d.symbol)} ${s(d.type)}${price}${why.length > 0 ? ` (${why.join(', ')})` : ''}`;
}

/** `entry-2-0: buy 2 @ 5000, fee 0` (and what is left of a partial fill). */
export function orderFilledText(d: Data): string {
  const left = typeof d.remainingQuantity === 'number' && d.remainingQuantity > 0;
  return `${s(d.clientOrderId)}: ${s(d.side)} ${s(d.quantity)} @ ${s(d.price)}, fee ${s(d.fee)}${left ? `, ${s(d.remainingQuantity)} left` : ''}`;
}

/** `entry-2-0 cancelled (replaced)`. */
export function orderCancelledText(d: Data): string {
  return `${s(d.clientOrderId)} cancelled${d.reason !== undefined ? ` (${s(d.reason)})` : ''}`;
}

/** `Position.Volatility.Spiked.v1` → `volatility spiked`: a type in words, without its domain. */
function typeWords(type: string): string {
  return type
    .replace(/\.v\d+$/, '')
    .split('.')
    .slice(1)
    .join(' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/** What asked for a decision: an event type in words (`target approaching`), else as given. */
function triggerWords(trigger: unknown): string {
  const text = String(trigger);
  return /^[A-Z]\w*(\.\w+)+\.v\d+$/.test(text) ? typeWords(text) : text;
}

/** A measured number (an ATR, hours, a correlation) to at most four decimals, for reading. */
function round(x: unknown): string {
  return typeof x === 'number' ? String(Math.round(x * 10_000) / 10_000) : String(x);
}

/**
 * One readable log line for an event, a sentence for every type of the catalog (the daemon logs
 * it; `warden events` shows it as the summary), or undefined for events not worth a line. Only a
 * type this Warden does not know falls back to its name.
 */
export function describeEvent(e: Envelope): { level: 'info' | 'warn' | 'debug'; text: string } | undefined {
  const d = e.data as Record<string, unknown>;
  const pos = `${String(d.symbol)} ${String(d.side)}`;
  switch (e.type) {
    case 'Trading.Position.Opened.v1':
      return {
        level: 'info',
        text: `opened ${pos} ${String(d.quantity)} @ ${String(d.entryPrice)}${d.stopPrice !== undefined ? `, stop ${String(d.stopPrice)}` : ''}${d.targetPrice !== undefined ? `, target ${String(d.targetPrice)}` : ''} [${String(d.positionId)}]`,
      };
    case 'Trading.Position.Increased.v1':
      return {
        level: 'info',
        text: `increased ${pos} to ${String(d.quantity)} @ ${String(d.entryPrice)} [${String(d.positionId)}]`,
      };
    case 'Trading.Position.Reduced.v1':
      return {
        level: 'info',
        text: `reduced ${pos} to ${String(d.quantity)} @ ${String(d.exitPrice)}, PnL ${String(d.realizedPnl)} [${String(d.positionId)}]`,
      };
    case 'Trading.Position.Closed.v1':
      return {
        level: 'info',
        text: `closed ${pos} ${String(d.quantity)} @ ${String(d.exitPrice)} (${String(d.reason)}), PnL ${String(d.realizedPnl)} [${String(d.positionId)}]`,
      };
    case 'Trading.Position.Modified.v1': {
      if (d.source === 'TRAILING_STOP') {
        return {
          level: 'debug',
          text: `trailing stop ${pos} now ${String(d.trailingStopPrice)} (peak ${String(d.peakPrice)}) [${String(d.positionId)}]`,
        };
      }
      const stop =
        d.stopPrice !== undefined ? ` stop ${String(d.previousStopPrice)} → ${String(d.stopPrice)}` : '';
      const target =
        d.targetPrice !== undefined
          ? ` target ${String(d.previousTargetPrice)} → ${String(d.targetPrice)}`
          : '';
      return {
        level: 'info',
        text: `modified ${pos}:${stop}${target} (${String(d.source)}) [${String(d.positionId)}]`,
      };
    }
    case 'Position.Stop.Approaching.v1':
      return {
        level: 'info',
        text: `stop approaching: ${pos} at ${String(d.price)}, stop ${String(d.stopPrice)} (${String(d.distancePct)}% away), PnL ${String(d.pnl)} [${String(d.positionId)}]`,
      };
    case 'Position.Target.Approaching.v1':
      return {
        level: 'info',
        text: `target approaching: ${pos} at ${String(d.price)}, target ${String(d.targetPrice)} (${String(d.distancePct)}% away) [${String(d.positionId)}]`,
      };
    case 'Position.StopLoss.Hit.v1':
      return {
        level: 'warn',
        text: `STOP HIT: ${pos} at ${String(d.price)}, stop ${String(d.stopPrice)}; closing [${String(d.positionId)}]`,
      };
    case 'Position.TakeProfit.Hit.v1':
      return {
        level: 'info',
        text: `TARGET HIT: ${pos} at ${String(d.price)}, target ${String(d.targetPrice)}; closing [${String(d.positionId)}]`,
      };
    case 'Position.TrailingStop.Hit.v1':
      return {
        level: 'info',
        text: `TRAILING STOP HIT: ${pos} at ${String(d.price)}, trailing stop ${String(d.trailingStopPrice)} [${String(d.positionId)}]`,
      };
    case 'Position.Profit.MilestoneReached.v1':
      return {
        level: 'info',
        text: `milestone +${String(d.milestonePct)}%: ${pos} at ${String(d.price)}, PnL ${String(d.pnl)} [${String(d.positionId)}]`,
      };
    case 'Agent.Decision.Made.v1':
      return {
        level: d.action === 'HOLD' ? 'debug' : 'info',
        text: `decision (${String(d.policy)}) on ${triggerWords(d.trigger)}: ${String(d.action)} — ${String(d.reasoning)} [${String(d.positionId)}]`,
      };
    case 'Position.LowEvents.Summarized.v1':
      return {
        level: 'debug',
        text: `LOW events for ${String(d.accountId)} over ${String(d.interval)}: ${Object.entries(
          (d.counts ?? {}) as Record<string, unknown>,
        )
          .map(([type, n]) => `${String(n)} ${typeWords(type)}`)
          .join(', ')}`,
      };
    case 'Position.Exit.StageReached.v1':
      return {
        level: 'info',
        text: `exit stage ${String(d.stage)} reached: ${pos} at ${String(d.price)} (+${String(d.levelPct)}%), PnL ${String(d.pnl)}; exiting ${String(d.exitQuantity)} [${String(d.positionId)}]`,
      };
    case 'Position.Time.Decayed.v1':
      return {
        level: 'info',
        text: `time decayed: ${pos} open ${round(d.ageHours)} h (since ${String(d.openedAt)}), at ${String(d.price)}, PnL ${String(d.pnl)} [${String(d.positionId)}]`,
      };
    case 'Position.Thesis.Invalidated.v1':
      return {
        level: 'info',
        text: `thesis invalidated: ${pos} ${String(d.interval)} candle closed at ${String(d.close)}, beyond ${d.kind === 'SWING_BREAK' ? 'the swing' : 'the invalidation price'} ${String(d.level)} [${String(d.positionId)}]`,
      };
    case 'Position.Volatility.Spiked.v1':
      return {
        level: 'info',
        text: `volatility spiked: ${pos} ${String(d.interval)} ATR ${round(d.atr)}, its mean ${round(d.atrMean)} [${String(d.positionId)}]`,
      };
    case 'Position.Correlation.Spiked.v1':
      return {
        level: 'info',
        text: `correlation spiked on ${String(d.accountId)}: ${((d.symbols ?? []) as unknown[]).map(String).join(', ')} move together (${String(d.interval)} correlation ${round(d.correlation)})`,
      };
    case 'Evaluation.Rule.Violated.v1':
      return {
        level: 'warn',
        text: `evaluation rule ${String(d.rule)} broken on ${String(d.accountId)} (${String(d.preset)}): ${String(d.value)} against ${String(d.limit)}${d.symbol !== undefined ? ` on ${String(d.symbol)}` : ''} → ${d.consequence === 'FAILED' ? 'the challenge fails' : 'enforced'}`,
      };
    case 'Challenge.Metrics.Updated.v1':
      return {
        level: 'info',
        text: `challenge day ${String(d.tradingDay)} closed on ${String(d.accountId)} (${String(d.preset)}): day PnL ${String(d.dayPnl)}, profit ${String(d.profit)} of ${String(d.profitTarget)} (${round(d.progressPct)}%), ${String(d.tradingDays)}/${String(d.minTradingDays)} trading days, ${String(d.status)}`,
      };
    case 'Trading.Order.Rejected.v1':
      return {
        level: 'warn',
        text: `order ${String(d.clientOrderId)} on ${String(d.symbol)} rejected: ${String(d.message)} [${String(d.reason)}]`,
      };
    case 'Risk.Alert.Triggered.v1':
      return { level: 'warn', text: `ALERT ${String(d.code)}: ${String(d.message)}` };
    case 'Entry.Edge.Evaluated.v1':
      return {
        level: 'info',
        text:
          d.decision === 'ENTER'
            ? `edge ${pos} from ${String(d.source)}: ${String(d.edge)} ≥ ${String(d.minEdge)}, Kelly ${String(d.kellyFraction)} → ${String(d.quantity)} @ ${String(d.limitPrice)}`
            : `edge ${pos} from ${String(d.source)}: ${String(d.edge)} refused (${String(d.reason)})`,
      };
    case 'Position.Edge.Updated.v1':
      return {
        level: 'info',
        text: `edge of ${pos} from ${String(d.source)}${d.opposite === true ? ' (for the other side)' : ''}: ${d.edge === undefined ? 'cannot be judged' : String(d.edge)} at ${String(d.price)} [${String(d.positionId)}]`,
      };
    case 'Risk.Order.Denied.v1':
      return {
        level: 'warn',
        text: `order denied on ${String(d.symbol)} for ${String(d.accountId)}: ${String(d.message)} [${String(d.reason)}]`,
      };
    case 'Risk.Limit.Breached.v1':
      return {
        level: 'warn',
        text: `RISK ${String(d.rule)} breached on ${String(d.accountId)}${d.symbol !== undefined ? ` ${String(d.symbol)}` : ''}: ${String(d.value)} against ${String(d.limit)} → ${String(d.action)}`,
      };
    case 'Risk.Trading.Halted.v1':
      return {
        level: 'warn',
        text: `${String(d.accountId)} ${String(d.previousState)} → ${String(d.state)} (${String(d.reason)})${d.until !== undefined ? ` until ${String(d.until)}` : ''}${d.manualReset === true ? ', manual reset' : ''}`,
      };
    case 'Risk.Trading.Resumed.v1':
      return {
        level: 'info',
        text: `${String(d.accountId)} ${String(d.previousState)} → ${String(d.state)} (${String(d.reason)})`,
      };
    case 'Risk.CircuitBreaker.Tripped.v1':
      return { level: 'warn', text: `CIRCUIT BREAKER ${String(d.breaker)}: ${String(d.message)}` };
    case 'Challenge.Failed.v1':
      return {
        level: 'warn',
        text: `CHALLENGE FAILED ${String(d.accountId)} (${String(d.preset)}): ${String(d.message)}`,
      };
    case 'Challenge.Phase.Completed.v1':
      return {
        level: 'info',
        text: `challenge phase passed: ${String(d.accountId)} (${String(d.preset)}) profit ${String(d.profit)} over ${String(d.tradingDays)} day(s)`,
      };
    case 'Market.Candle.Closed.v1':
      return {
        level: 'debug',
        text: `candle ${String(d.symbol)} ${String(d.interval)} close ${String(d.close)}`,
      };
    case 'Trading.Order.Placed.v1':
      return { level: 'debug', text: `order placed ${orderPlacedText(d)}` };
    case 'Trading.Order.Filled.v1':
      return { level: 'debug', text: `order filled ${orderFilledText(d)}` };
    case 'Trading.Order.Cancelled.v1':
      return { level: 'debug', text: `order ${orderCancelledText(d)}` };
    default:
      return {
        level: 'info',
        text: `${e.type}${d.symbol !== undefined ? ` ${pos}` : ''}${e.urgency !== undefined ? ` (${e.urgency})` : ''}`,
      };
  }
}
