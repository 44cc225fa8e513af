import { WardenError } from '../../domain/errors.ts';
import type { AccountConfig, WardenConfig } from './shapes.ts';
import type { PaperVenueSettings, VenueConfig } from './venue-schema.ts';

/** Which venue each account trades at, read from a validated configuration. */

/** The venue an account trades at. Throws `WARDEN_UNKNOWN_ACCOUNT` for an account not configured. */
export function venueOfAccount(config: WardenConfig, accountId: string): VenueConfig {
  const account = config.accounts.find((a) => a.id === accountId);
  if (account === undefined) {
    throw new WardenError('WARDEN_UNKNOWN_ACCOUNT', `unknown account "${accountId}"`, { accountId });
  }
  return venueNamed(config, account.venue);
}

/** The accounts that trade at the venue `name`, in configuration order. */
export function accountsOfVenue(config: WardenConfig, name: string): AccountConfig[] {
  return config.accounts.filter((a) => a.venue === name);
}

/**
 * The venues the accounts trade at, in configuration order: of `accounts` when given (one
 * partition's), else of every account. A venue no account trades at is left out.
 */
export function venuesInUse(config: WardenConfig, accounts?: readonly string[]): VenueConfig[] {
  const held = accounts === undefined ? undefined : new Set(accounts);
  const used = new Set(
    config.accounts.filter((a) => held === undefined || held.has(a.id)).map((a) => a.venue),
  );
  return config.venues.filter((v) => used.has(v.name));
}

/**
 * The one paper venue every account trades at: what the composition builds until it takes its
 * venues from the registry (src/app/venues/registry.ts). Throws `WARDEN_CONFIG_INVALID` when the
 * accounts trade at several venues or at one that is not a paper venue.
 */
export function paperVenueConfig(config: WardenConfig): PaperVenueSettings {
  const used = venuesInUse(config);
  const only = used.length === 1 ? used[0] : undefined;
  if (only === undefined) {
    const names = used.map((v) => v.name).join(', ');
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `the accounts trade at ${used.length} venues (${names}); this runtime runs one paper venue, so give every account the same venue`,
      { venues: used.map((v) => v.name) },
    );
  }
  if (only.type === 'paper') return only;
  // Unreachable while paper is the only type; the venue issues add others.
  const other: { readonly name: string; readonly type: string } = only;
  throw new WardenError(
    'WARDEN_CONFIG_INVALID',
    `venue "${other.name}" is of type ${other.type}; this runtime runs a paper venue only`,
    { venue: other.name, type: other.type },
  );
}

function venueNamed(config: WardenConfig, name: string): VenueConfig {
  const venue = config.venues.find((v) => v.name === name);
  // The schema resolves every account's venue and the relations check that it exists.
  if (venue === undefined) {
    throw new WardenError('WARDEN_INTERNAL', `account venue "${name}" is not configured`, { venue: name });
  }
  return venue;
}
