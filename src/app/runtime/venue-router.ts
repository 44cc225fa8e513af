import { WardenError } from '../../domain/errors.ts';
import type { ConnectionEvent } from '../../ports/market-data.ts';
import type { ExecutionReport, Venue, VenueCapabilities } from '../../ports/venue.ts';

/**
 * The venue one partition trades through: each account's calls go to the venue it trades at,
 * and only the execution reports of the partition's own accounts come back (another partition
 * books the rest). With one venue it is that venue with the reports filtered; with several, a
 * call for an account goes to its venue, and the capabilities and client order id rules are those
 * every one of them meets (the smallest length; the pattern of the venue with the smallest).
 */
export function partitionVenue(venueOf: ReadonlyMap<string, Venue>): Venue {
  const accounts = new Set(venueOf.keys());
  const venues = [...new Set(venueOf.values())];
  const onExecution: Venue['onExecution'] = (listener) => {
    const offs = venues.map((v) =>
      v.onExecution((report: ExecutionReport) => {
        if (accounts.has(report.order.accountId)) listener(report);
      }),
    );
    return () => {
      for (const off of offs) off();
    };
  };
  const onConnection: Venue['onConnection'] = (listener: (event: ConnectionEvent) => void) => {
    const offs = venues.map((v) => v.onConnection(listener));
    return () => {
      for (const off of offs) off();
    };
  };
  if (venues.length === 1) {
    const only = venues[0]!;
    return new Proxy(only, {
      get(target, property) {
        if (property === 'onExecution') return onExecution;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
  const of = (accountId: string): Venue => {
    const venue = venueOf.get(accountId);
    if (venue === undefined) {
      throw new WardenError('WARDEN_UNKNOWN_ACCOUNT', `no venue for account ${accountId} in this partition`);
    }
    return venue;
  };
  const strictest = venues.reduce((a, b) =>
    b.clientOrderIds.maxLength < a.clientOrderIds.maxLength ? b : a,
  );
  const capabilities = Object.fromEntries(
    Object.keys(venues[0]!.capabilities).map((k) => [
      k,
      venues.every((v) => v.capabilities[k as keyof VenueCapabilities]),
    ]),
  ) as unknown as VenueCapabilities;
  return {
    name: venues.map((v) => v.name).join('+'),
    capabilities,
    clientOrderIds: strictest.clientOrderIds,
    connect: async () => {
      await Promise.all(venues.map((v) => v.connect()));
    },
    placeOrder: (request) => of(request.accountId).placeOrder(request),
    cancelOrder: (accountId, clientOrderId) => of(accountId).cancelOrder(accountId, clientOrderId),
    replaceOrder: (accountId, clientOrderId, changes) =>
      of(accountId).replaceOrder(accountId, clientOrderId, changes),
    order: (accountId, clientOrderId) => of(accountId).order(accountId, clientOrderId),
    openOrders: (accountId) => of(accountId).openOrders(accountId),
    positions: (accountId) => of(accountId).positions(accountId),
    fills: (accountId, since) => of(accountId).fills(accountId, since),
    balances: (accountId) => of(accountId).balances(accountId),
    instruments: () => venues[0]!.instruments(),
    onExecution,
    onConnection,
    close: async () => {
      await Promise.all(venues.map((v) => v.close()));
    },
  };
}
