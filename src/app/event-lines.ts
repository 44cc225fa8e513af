import { asWardenEvent, type EventType, type PayloadOfType } from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';

/** The payload of the catalog's event type `T`, as an envelope carries it. */
type Payload<T extends EventType> = Readonly<PayloadOfType<T>>;

/** `entry-2-0: buy 2 ES limit @ 5000 (entry)`, `…-x1-1: sell 2 ES market (exit, TAKE_PROFIT)`. */
export function orderPlacedText(d: Payload<'Trading.Order.Placed.v1'>): string {
  const price =
    d.limitPrice !== undefined
      ? ` @ ${d.limitPrice}${d.stopPrice !== undefined ? `, stop ${d.stopPrice}` : ''}`
      : d.stopPrice !== undefined
        ? ` stop ${d.stopPrice}`
        : '';
  const why = [d.intent, d.reason].filter((x) => x !== undefined);
  return `${d.clientOrderId}: ${d.side} ${d.quantity} ${d.symbol} ${d.type}${price}${why.length > 0 ? ` (${why.join(', ')})` : ''}`;
}

/** `entry-2-0: buy 2 @ 5000, fee 0` (and what is left of a partial fill). */
export function orderFilledText(d: Payload<'Trading.Order.Filled.v1'>): string {
  const left = typeof d.remainingQuantity === 'number' && d.remainingQuantity > 0;
  return `${d.clientOrderId}: ${d.side} ${d.quantity} @ ${d.price}, fee ${d.fee}${left ? `, ${d.remainingQuantity} left` : ''}`;
}

/** `entry-2-0 cancelled (replaced)`. */
export function orderCancelledText(d: Payload<'Trading.Order.Cancelled.v1'>): string {
  return `${d.clientOrderId} cancelled${d.reason !== undefined ? ` (${d.reason})` : ''}`;
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
function triggerWords(trigger: string): string {
  return /^[A-Z]\w*(\.\w+)+\.v\d+$/.test(trigger) ? typeWords(trigger) : trigger;
}

/**
 * A measured number (an ATR, hours, a correlation) to at most four decimals, for reading; a field
 * missing from an older log reads `undefined`, as it always did.
 */
function round(x: number | undefined): string {
  return typeof x === 'number' ? String(Math.round(x * 10_000) / 10_000) : String(x);
}

/** `ES long`: the symbol and side of the position an event is about. */
function pos(d: { readonly symbol: string; readonly side: string }): string {
  return `${d.symbol} ${d.side}`;
}

type Line = { level: 'info' | 'warn' | 'debug'; text: string };

/**
 * One readable log line for an event, a sentence for every type of the catalog (the daemon logs
 * it; `warden events` shows it as the summary), or undefined for events not worth a line. Only a
 * type this Warden does not know falls back to its name.
 */
export function describeEvent(envelope: Envelope): Line | undefined {
  const e = asWardenEvent(envelope);
  switch (e.type) {
    case 'Trading.Position.Opened.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `opened ${pos(d)} ${d.quantity} @ ${d.entryPrice}${d.stopPrice !== undefined ? `, stop ${d.stopPrice}` : ''}${d.targetPrice !== undefined ? `, target ${d.targetPrice}` : ''} [${d.positionId}]`,
      };
    }
    case 'Trading.Position.Increased.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `increased ${pos(d)} to ${d.quantity} @ ${d.entryPrice} [${d.positionId}]`,
      };
    }
    case 'Trading.Position.Reduced.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `reduced ${pos(d)} to ${d.quantity} @ ${d.exitPrice}, PnL ${d.realizedPnl} [${d.positionId}]`,
      };
    }
    case 'Trading.Position.Closed.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `closed ${pos(d)} ${d.quantity} @ ${d.exitPrice} (${d.reason}), PnL ${d.realizedPnl} [${d.positionId}]`,
      };
    }
    case 'Trading.Position.Modified.v1': {
      const d = e.data;
      if (d.source === 'TRAILING_STOP') {
        return {
          level: 'debug',
          text: `trailing stop ${pos(d)} now ${d.trailingStopPrice} (peak ${d.peakPrice}) [${d.positionId}]`,
        };
      }
      const stop = d.stopPrice !== undefined ? ` stop ${d.previousStopPrice} → ${d.stopPrice}` : '';
      const target = d.targetPrice !== undefined ? ` target ${d.previousTargetPrice} → ${d.targetPrice}` : '';
      return { level: 'info', text: `modified ${pos(d)}:${stop}${target} (${d.source}) [${d.positionId}]` };
    }
    case 'Position.Stop.Approaching.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `stop approaching: ${pos(d)} at ${d.price}, stop ${d.stopPrice} (${d.distancePct}% away), PnL ${d.pnl} [${d.positionId}]`,
      };
    }
    case 'Position.Target.Approaching.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `target approaching: ${pos(d)} at ${d.price}, target ${d.targetPrice} (${d.distancePct}% away) [${d.positionId}]`,
      };
    }
    case 'Position.StopLoss.Hit.v1': {
      const d = e.data;
      return {
        level: 'warn',
        text: `STOP HIT: ${pos(d)} at ${d.price}, stop ${d.stopPrice}; closing [${d.positionId}]`,
      };
    }
    case 'Position.TakeProfit.Hit.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `TARGET HIT: ${pos(d)} at ${d.price}, target ${d.targetPrice}; closing [${d.positionId}]`,
      };
    }
    case 'Position.TrailingStop.Hit.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `TRAILING STOP HIT: ${pos(d)} at ${d.price}, trailing stop ${d.trailingStopPrice} [${d.positionId}]`,
      };
    }
    case 'Position.Profit.MilestoneReached.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `milestone +${d.milestonePct}%: ${pos(d)} at ${d.price}, PnL ${d.pnl} [${d.positionId}]`,
      };
    }
    case 'Agent.Decision.Made.v1': {
      const d = e.data;
      return {
        level: d.action === 'HOLD' ? 'debug' : 'info',
        text: `decision (${d.policy}) on ${triggerWords(d.trigger)}: ${d.action} — ${d.reasoning} [${d.positionId}]`,
      };
    }
    case 'Position.LowEvents.Summarized.v1': {
      const d = e.data;
      const counts = Object.entries(d.counts ?? {}).map(([type, n]) => `${n} ${typeWords(type)}`);
      return {
        level: 'debug',
        text: `LOW events for ${d.accountId} over ${d.interval}: ${counts.join(', ')}`,
      };
    }
    case 'Position.Exit.StageReached.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `exit stage ${d.stage} reached: ${pos(d)} at ${d.price} (+${d.levelPct}%), PnL ${d.pnl}; exiting ${d.exitQuantity} [${d.positionId}]`,
      };
    }
    case 'Position.Time.Decayed.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `time decayed: ${pos(d)} open ${round(d.ageHours)} h (since ${d.openedAt}), at ${d.price}, PnL ${d.pnl} [${d.positionId}]`,
      };
    }
    case 'Position.Thesis.Invalidated.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `thesis invalidated: ${pos(d)} ${d.interval} candle closed at ${d.close}, beyond ${d.kind === 'SWING_BREAK' ? 'the swing' : 'the invalidation price'} ${d.level} [${d.positionId}]`,
      };
    }
    case 'Position.Volatility.Spiked.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `volatility spiked: ${pos(d)} ${d.interval} ATR ${round(d.atr)}, its mean ${round(d.atrMean)} [${d.positionId}]`,
      };
    }
    case 'Position.Correlation.Spiked.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `correlation spiked on ${d.accountId}: ${(d.symbols ?? []).join(', ')} move together (${d.interval} correlation ${round(d.correlation)})`,
      };
    }
    case 'Evaluation.Rule.Violated.v1': {
      const d = e.data;
      return {
        level: 'warn',
        text: `evaluation rule ${d.rule} broken on ${d.accountId} (${d.preset}): ${d.value} against ${d.limit}${d.symbol !== undefined ? ` on ${d.symbol}` : ''} → ${d.consequence === 'FAILED' ? 'the challenge fails' : 'enforced'}`,
      };
    }
    case 'Challenge.Metrics.Updated.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `challenge day ${d.tradingDay} closed on ${d.accountId} (${d.preset}): day PnL ${d.dayPnl}, profit ${d.profit} of ${d.profitTarget} (${round(d.progressPct)}%), ${d.tradingDays}/${d.minTradingDays} trading days, ${d.status}`,
      };
    }
    case 'Trading.Order.Rejected.v1': {
      const d = e.data;
      return {
        level: 'warn',
        text: `order ${d.clientOrderId} on ${d.symbol} rejected: ${d.message} [${d.reason}]`,
      };
    }
    case 'Risk.Alert.Triggered.v1':
      return { level: 'warn', text: `ALERT ${e.data.code}: ${e.data.message}` };
    case 'Entry.Edge.Evaluated.v1': {
      const d = e.data;
      return {
        level: 'info',
        text:
          d.decision === 'ENTER'
            ? `edge ${pos(d)} from ${d.source}: ${d.edge} ≥ ${d.minEdge}, Kelly ${d.kellyFraction} → ${d.quantity} @ ${d.limitPrice}`
            : `edge ${pos(d)} from ${d.source}: ${d.edge} refused (${d.reason})`,
      };
    }
    case 'Position.Edge.Updated.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `edge of ${pos(d)} from ${d.source}${d.opposite === true ? ' (for the other side)' : ''}: ${d.edge === undefined ? 'cannot be judged' : d.edge} at ${d.price} [${d.positionId}]`,
      };
    }
    case 'Risk.Order.Denied.v1': {
      const d = e.data;
      return {
        level: 'warn',
        text: `order denied on ${d.symbol} for ${d.accountId}: ${d.message} [${d.reason}]`,
      };
    }
    case 'Risk.Limit.Breached.v1': {
      const d = e.data;
      return {
        level: 'warn',
        text: `RISK ${d.rule} breached on ${d.accountId}${d.symbol !== undefined ? ` ${d.symbol}` : ''}: ${d.value} against ${d.limit} → ${d.action}`,
      };
    }
    case 'Risk.Trading.Halted.v1': {
      const d = e.data;
      return {
        level: 'warn',
        text: `${d.accountId} ${d.previousState} → ${d.state} (${d.reason})${d.until !== undefined ? ` until ${d.until}` : ''}${d.manualReset === true ? ', manual reset' : ''}`,
      };
    }
    case 'Risk.Trading.Resumed.v1': {
      const d = e.data;
      return { level: 'info', text: `${d.accountId} ${d.previousState} → ${d.state} (${d.reason})` };
    }
    case 'Risk.CircuitBreaker.Tripped.v1':
      return { level: 'warn', text: `CIRCUIT BREAKER ${e.data.breaker}: ${e.data.message}` };
    case 'Challenge.Failed.v1': {
      const d = e.data;
      return { level: 'warn', text: `CHALLENGE FAILED ${d.accountId} (${d.preset}): ${d.message}` };
    }
    case 'Challenge.Phase.Completed.v1': {
      const d = e.data;
      return {
        level: 'info',
        text: `challenge phase passed: ${d.accountId} (${d.preset}) profit ${d.profit} over ${d.tradingDays} day(s)`,
      };
    }
    case 'Market.Candle.Closed.v1': {
      const d = e.data;
      return { level: 'debug', text: `candle ${d.symbol} ${d.interval} close ${d.close}` };
    }
    case 'Trading.Order.Placed.v1':
      return { level: 'debug', text: `order placed ${orderPlacedText(e.data)}` };
    case 'Trading.Order.Filled.v1':
      return { level: 'debug', text: `order filled ${orderFilledText(e.data)}` };
    case 'Trading.Order.Cancelled.v1':
      return { level: 'debug', text: `order ${orderCancelledText(e.data)}` };
    default:
      return unknownLine(envelope);
  }
}

/** A type this Warden does not know (a newer one, from another log): its name, and what it is about. */
function unknownLine(e: Envelope): Line {
  const d = e.data;
  return {
    level: 'info',
    text: `${e.type}${d.symbol !== undefined ? ` ${String(d.symbol)} ${String(d.side)}` : ''}${e.urgency !== undefined ? ` (${e.urgency})` : ''}`,
  };
}
