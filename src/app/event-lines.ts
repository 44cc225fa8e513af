import type { Envelope } from '../domain/events/envelope.ts';

/** One readable log line for an event, or undefined for events not worth a line. */
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
        text: `decision (${String(d.policy)}) on ${String(d.trigger)}: ${String(d.action)} — ${String(d.reasoning)} [${String(d.positionId)}]`,
      };
    case 'Position.LowEvents.Summarized.v1':
      return { level: 'debug', text: `LOW events for ${String(d.accountId)}: ${JSON.stringify(d.counts)}` };
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
    case 'Trading.Order.Filled.v1':
    case 'Trading.Order.Cancelled.v1':
      return { level: 'debug', text: `${e.type} ${String(d.clientOrderId)}` };
    default:
      return {
        level: 'info',
        text: `${e.type}${d.symbol !== undefined ? ` ${pos}` : ''}${e.urgency !== undefined ? ` (${e.urgency})` : ''}`,
      };
  }
}
