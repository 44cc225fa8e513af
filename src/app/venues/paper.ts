import {
  createPaperVenue,
  type PaperVenue,
  type PaperVenueConfig,
  type PaperVenueState,
} from '../../adapters/venues/paper/paper-venue.ts';
import { WardenError } from '../../domain/errors.ts';
import type { VenueJournal } from '../../ports/venue.ts';
import type { PaperVenueSettings } from '../config/venue-schema.ts';
import type { VenueContext } from './registry.ts';

/**
 * The factory of `type: paper` venues: a simulated exchange over the configured instruments,
 * holding the cash and positions of the accounts that trade at it.
 */
export function paperVenueFactory(venue: PaperVenueSettings, context: VenueContext): PaperVenue {
  return createPaperVenue({
    clock: context.clock,
    ids: context.ids,
    instruments: context.instruments,
    accounts: context.accounts.map((a) => ({ id: a.id, balance: a.balance })),
    ...paperVenueOptions(venue),
    ...(context.onAccepted !== undefined ? { onAccepted: context.onAccepted } : {}),
    ...(context.journal !== undefined ? { journal: context.journal as VenueJournal<PaperVenueState> } : {}),
    ...(context.restore !== undefined ? { restore: paperStateOf(venue.name, context.restore) } : {}),
  });
}

/** The paper venue's own settings (fees, slippage, leverage, partial fills, scripted outages). */
export function paperVenueOptions(
  venue: PaperVenueSettings,
): Pick<PaperVenueConfig, 'slippageBps' | 'feeBps' | 'leverage' | 'partialFills' | 'outages'> {
  return {
    slippageBps: venue.slippageBps,
    feeBps: venue.feeBps,
    leverage: venue.leverage,
    ...(venue.partialFills !== undefined ? { partialFills: venue.partialFills } : {}),
    outages: venue.outages.map((o) => ({ from: o.at, to: o.at + o.seconds * 1000 })),
  };
}

/** A saved paper venue state, checked for its outline: the store's record may be of another kind. */
function paperStateOf(name: string, saved: unknown): PaperVenueState {
  const accounts =
    typeof saved === 'object' && saved !== null ? (saved as { accounts?: unknown }).accounts : undefined;
  if (!Array.isArray(accounts)) {
    throw new WardenError(
      'WARDEN_INTERNAL',
      `venue "${name}": the saved state is not a paper venue's state`,
      {
        venue: name,
      },
    );
  }
  return saved as PaperVenueState;
}
