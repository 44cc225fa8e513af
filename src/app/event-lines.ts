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
    case 'Trading.Position.Modified.v1':
      return {
        level: 'info',
        text: `modified ${pos}: stop ${String(d.stopPrice)}, target ${String(d.targetPrice)} (${String(d.source)}) [${String(d.positionId)}]`,
      };
    case 'Trading.Order.Rejected.v1':
      return {
        level: 'warn',
        text: `order ${String(d.clientOrderId)} on ${String(d.symbol)} rejected: ${String(d.message)} [${String(d.reason)}]`,
      };
    case 'Risk.Alert.Triggered.v1':
      return { level: 'warn', text: `ALERT ${String(d.code)}: ${String(d.message)}` };
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
