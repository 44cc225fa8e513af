import { WardenError } from '../../domain/errors.ts';
import type { Instrument } from '../../domain/instrument.ts';
import type { Order } from '../../domain/order.ts';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { Venue, VenueJournal } from '../../ports/venue.ts';
import type { WardenConfig } from '../config/shapes.ts';
import type { VenueConfig, VenueConfigOf } from '../config/venue-schema.ts';
import { accountsOfVenue } from '../config/venues.ts';
import { paperVenueFactory } from './paper.ts';

/**
 * Venues as data: each `venues:` entry of the configuration is built by the factory registered
 * for its `type`. Adding a venue type is a schema variant (src/app/config/venue-schema.ts), a
 * factory, and one line in `BUILTIN_VENUE_FACTORIES`; nothing else asks which venue it talks to.
 */

/** An account as a venue needs it: its id and starting balance (a decimal string). */
export interface VenueAccount {
  readonly id: string;
  readonly balance: string;
}

/** What a factory gets besides the venue's own configuration. */
export interface VenueContext {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Every configured instrument. */
  readonly instruments: readonly Instrument[];
  /** The accounts that trade at this venue (and that this process holds), in configuration order. */
  readonly accounts: readonly VenueAccount[];
  /** The state the venue saved in an earlier run (its own persistence), to start from. */
  readonly restore?: unknown;
  /** Called with every order the venue accepts, before it can fill: a journal of its orders. */
  readonly onAccepted?: (order: Order) => void;
  /** Where a venue with state of its own hands it when it changed, to commit with the events. */
  readonly journal?: VenueJournal;
}

/** Builds a venue of one type from its configuration. */
export type VenueFactory<C extends VenueConfig = VenueConfig> = (venue: C, context: VenueContext) => Venue;

/** The venue types this build knows. */
export type VenueType = VenueConfig['type'];

/** Factories by venue type. */
export type VenueFactories = { readonly [T in VenueType]?: VenueFactory<VenueConfigOf<T>> };

/** The factory of every venue type the configuration schema accepts (the compiler keeps them in step). */
export const BUILTIN_VENUE_FACTORIES: Readonly<Required<VenueFactories>> = Object.freeze({
  paper: paperVenueFactory,
});

/**
 * Builds one venue with the factory of its type. Throws `WARDEN_CONFIG_INVALID` when `factories`
 * has none for it (a type this build, or this process, cannot run).
 */
export function createVenue(
  venue: VenueConfig,
  context: VenueContext,
  factories: VenueFactories = BUILTIN_VENUE_FACTORIES,
): Venue {
  return factoryOf(venue, factories)(venue, context);
}

function factoryOf(venue: VenueConfig, factories: VenueFactories): VenueFactory {
  const factory = factories[venue.type] as VenueFactory | undefined;
  if (factory !== undefined) return factory;
  const known = Object.keys(factories).filter((t) => factories[t as VenueType] !== undefined);
  throw new WardenError(
    'WARDEN_CONFIG_INVALID',
    `venue "${venue.name}": no venue of type "${venue.type}" can be built here (known types: ${known.join(', ') || 'none'})`,
    { venue: venue.name, type: venue.type, knownTypes: known },
  );
}

/** What `buildVenues` shares among the venues it builds. */
export interface VenuesContext {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly instruments: readonly Instrument[];
  /**
   * The accounts this process holds (its partitions'); every configured account by default.
   * Only the venues they trade at are built, each with those of them that trade there.
   */
  readonly accounts?: readonly string[];
  /** The state each venue saved in an earlier run, by venue name (`undefined`: start afresh). */
  readonly restore?: (venue: string) => unknown;
  /** Called with every order a venue accepts, before it can fill, with the venue's name. */
  readonly onAccepted?: (venue: string, order: Order) => void;
  /** The journal each venue hands its changed state to, by venue name. */
  readonly journal?: (venue: string) => VenueJournal | undefined;
  /** The factories to build with; `BUILTIN_VENUE_FACTORIES` by default. */
  readonly factories?: VenueFactories;
}

/**
 * The venues the accounts trade at, by venue name, in configuration order. A venue no (held)
 * account trades at is not built. Throws `WARDEN_CONFIG_INVALID` for a venue whose type has no
 * factory, before building any venue, so that none is left half-started.
 */
export function buildVenues(config: WardenConfig, context: VenuesContext): Map<string, Venue> {
  const factories = context.factories ?? BUILTIN_VENUE_FACTORIES;
  const held = context.accounts === undefined ? undefined : new Set(context.accounts);
  const plans = config.venues
    .map((venue) => ({
      venue,
      accounts: accountsOfVenue(config, venue.name).filter((a) => held === undefined || held.has(a.id)),
    }))
    .filter((p) => p.accounts.length > 0);
  const built = plans.map((plan) => ({ ...plan, factory: factoryOf(plan.venue, factories) }));
  const venues = new Map<string, Venue>();
  for (const { venue, accounts, factory } of built) {
    const restore = context.restore?.(venue.name);
    const onAccepted = context.onAccepted;
    const journal = context.journal?.(venue.name);
    venues.set(
      venue.name,
      factory(venue, {
        clock: context.clock,
        ids: context.ids,
        instruments: context.instruments,
        accounts: accounts.map((a) => ({ id: a.id, balance: a.balance })),
        ...(restore !== undefined ? { restore } : {}),
        ...(onAccepted !== undefined ? { onAccepted: (order: Order) => onAccepted(venue.name, order) } : {}),
        ...(journal !== undefined ? { journal } : {}),
      }),
    );
  }
  return venues;
}
