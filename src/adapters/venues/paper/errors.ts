import { type Retryability, VenueError } from '../../../domain/errors.ts';

/**
 * Every reason the paper venue refuses a call for, with whether retrying can help. A refused
 * order is reported by the thrown error only: nothing goes through `onExecution`.
 */
export const PAPER_ERRORS = {
  UNKNOWN_ACCOUNT: { retry: 'rejected', doc: 'The account is not configured on the paper venue.' },
  UNKNOWN_SYMBOL: { retry: 'rejected', doc: 'The symbol is not one of the configured instruments.' },
  INVALID_ORDER: { retry: 'rejected', doc: 'The request is malformed; the message names the problem.' },
  INVALID_CLIENT_ORDER_ID: {
    retry: 'rejected',
    doc: "The client order id is empty, too long or has a character the venue's `clientOrderIds` rules refuse.",
  },
  LOT_SIZE: { retry: 'rejected', doc: 'The quantity is not a whole number of lots.' },
  INSUFFICIENT_BALANCE: { retry: 'rejected', doc: 'The margin the order needs exceeds the free balance.' },
  REDUCE_ONLY: { retry: 'rejected', doc: 'A reduce-only order would increase or flip the position.' },
  NO_MARKET_PRICE: { retry: 'rejected', doc: 'A market order for a symbol that has had no tick yet.' },
  UNKNOWN_ORDER: { retry: 'rejected', doc: 'No order with this client order id on the account.' },
  ORDER_NOT_OPEN: { retry: 'rejected', doc: 'Only a resting order can be replaced.' },
  INVALID_POSITION: { retry: 'rejected', doc: 'A loaded position has a quantity or entry price ≤ 0.' },
  VENUE_UNAVAILABLE: {
    retry: 'transient',
    doc: 'The connection is down during a scripted outage (`venue.outages`); try again later.',
  },
  VENUE_CLOSED: { retry: 'fatal', doc: 'The venue was closed.' },
} as const satisfies Record<string, { retry: Retryability; doc: string }>;

export type PaperErrorReason = keyof typeof PAPER_ERRORS;

/** Builds the `VenueError` for a reason of the table. */
export function paperError(
  reason: PaperErrorReason,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): VenueError {
  return new VenueError(PAPER_ERRORS[reason].retry, reason, message, details);
}
