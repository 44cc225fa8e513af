import { asWardenEvent } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { describeEvent, orderCancelledText, orderFilledText, orderPlacedText } from '../event-lines.ts';

export { orderCancelledText, orderFilledText, orderPlacedText };

/**
 * One short readable summary of an event for `warden events`: the orders' own lines (the type
 * column already says placed, filled or cancelled), else the log line of `describeEvent`, else
 * (for a type this Warden does not know) the payload as compact JSON.
 */
export function summarizeEvent(envelope: Envelope): string {
  const e = asWardenEvent(envelope);
  switch (e.type) {
    case 'Trading.Order.Placed.v1':
      return orderPlacedText(e.data);
    case 'Trading.Order.Filled.v1':
      return orderFilledText(e.data);
    case 'Trading.Order.Cancelled.v1':
      return orderCancelledText(e.data);
  }
  const described = describeEvent(envelope)?.text;
  // describeEvent's fallback for an unknown type only repeats the type: the payload says more.
  if (described === undefined || described.startsWith(envelope.type)) return JSON.stringify(envelope.data);
  return described;
}
