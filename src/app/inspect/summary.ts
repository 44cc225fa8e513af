import type { Envelope } from '../../domain/events/envelope.ts';
import { describeEvent } from '../event-lines.ts';

type Data = Readonly<Record<string, unknown>>;

const s = String;

/** `entry-2-0: buy 2 limit @ 5000 (entry)`, `…-x1-1: sell 2 market (exit, TAKE_PROFIT)`. */
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

/** `entry-2-0: 2 @ 5000, fee 0` (and what is left of a partial fill). */
export function orderFilledText(d: Data): string {
  const left = typeof d.remainingQuantity === 'number' && d.remainingQuantity > 0;
  return `${s(d.clientOrderId)}: ${s(d.side)} ${s(d.quantity)} @ ${s(d.price)}, fee ${s(d.fee)}${left ? `, ${s(d.remainingQuantity)} left` : ''}`;
}

/** `entry-2-0 cancelled (replaced)`. */
export function orderCancelledText(d: Data): string {
  return `${s(d.clientOrderId)} cancelled${d.reason !== undefined ? ` (${s(d.reason)})` : ''}`;
}

/**
 * One short readable summary of an event for `warden events`: the orders' own lines, else the
 * log line of `describeEvent`, else (for events it only names) the payload as compact JSON.
 */
export function summarizeEvent(e: Envelope): string {
  switch (e.type) {
    case 'Trading.Order.Placed.v1':
      return orderPlacedText(e.data);
    case 'Trading.Order.Filled.v1':
      return orderFilledText(e.data);
    case 'Trading.Order.Cancelled.v1':
      return orderCancelledText(e.data);
  }
  const described = describeEvent(e)?.text;
  // describeEvent's fallback only repeats the type: the payload says more.
  if (described === undefined || described.startsWith(e.type)) return JSON.stringify(e.data);
  return described;
}
