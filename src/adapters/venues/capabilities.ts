import { VenueNotSupportedError } from '../../domain/errors.ts';
import type { OrderRequest, OrderType } from '../../domain/order.ts';
import type { MarketDataConsumer } from '../../ports/market-data.ts';
import type { ClientOrderIdRules, Venue, VenueCapabilities } from '../../ports/venue.ts';

/**
 * Helpers every venue adapter shares: capability gates that throw `VenueNotSupportedError`, the
 * check of client order ids against a venue's rules, and the test for a simulated venue.
 */

/** The capability each order type needs. */
const ORDER_TYPE_CAPABILITY: Readonly<Record<OrderType, keyof VenueCapabilities>> = {
  market: 'marketOrders',
  limit: 'limitOrders',
  stop: 'stopOrders',
  stop_limit: 'stopLimitOrders',
};

/** Throws `VenueNotSupportedError` naming the venue and `operation` unless it has `capability`. */
export function requireCapability(
  venue: Pick<Venue, 'name' | 'capabilities'>,
  capability: keyof VenueCapabilities,
  operation: string,
): void {
  if (!venue.capabilities[capability])
    throw new VenueNotSupportedError(venue.name, operation, { capability });
}

/**
 * Throws `VenueNotSupportedError` for an order whose type or `reduceOnly` flag the venue cannot
 * take. An unknown order type is left to the adapter's own validation (an invalid order).
 */
export function requireOrderSupported(
  venue: Pick<Venue, 'name' | 'capabilities'>,
  request: OrderRequest,
): void {
  const capability = ORDER_TYPE_CAPABILITY[request.type] as keyof VenueCapabilities | undefined;
  if (capability !== undefined) requireCapability(venue, capability, `${request.type} orders`);
  if (request.reduceOnly === true) requireCapability(venue, 'reduceOnly', 'reduce-only orders');
}

/**
 * What is wrong with a client order id under a venue's rules (empty, too long, a character the
 * venue refuses), or undefined when it fits.
 */
export function clientOrderIdProblem(rules: ClientOrderIdRules, id: string): string | undefined {
  if (typeof id !== 'string' || id.length === 0) return 'client order id is empty';
  if (id.length > rules.maxLength) {
    return `client order id ${JSON.stringify(id)} has ${id.length} characters; the venue takes at most ${rules.maxLength}`;
  }
  if (!rules.pattern.test(id)) {
    return `client order id ${JSON.stringify(id)} does not match ${rules.pattern} (the characters the venue takes)`;
  }
  return undefined;
}

/** True for a venue that matches against the ticks it is fed (a simulated venue, the paper venue). */
export function isMarketDataConsumer(venue: unknown): venue is MarketDataConsumer {
  return (
    typeof venue === 'object' &&
    venue !== null &&
    typeof (venue as Partial<MarketDataConsumer>).onTick === 'function'
  );
}
