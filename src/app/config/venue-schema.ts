import { z } from 'zod';
import { nonNegative, positive, timestamp } from './fields.ts';

/**
 * The `venues:` section: a list of named venues, one entry per connection to trade through, told
 * apart by `type`. Each venue type adds its own strict object to `venueSchema`; the rest of the
 * configuration only ever sees `name` and `type`. `accounts[].venue` names the venue an account
 * trades at (optional while there is one venue).
 *
 * The old single `venue:` section is still read, as one paper venue named `default`, with a
 * deprecation note; writing both sections is an error (see relations.ts).
 */

/** The name of the venue the old `venue:` section (or no section at all) stands for. */
export const DEFAULT_VENUE = 'default';

/** A venue name: a letter, then letters, digits, `-` or `_` (it appears in ids and log lines). */
export const VENUE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** A venue name field, in `venues[].name` and `accounts[].venue`. */
export const venueName = () =>
  z.string().regex(VENUE_NAME, 'must be a venue name: a letter, then up to 63 letters, digits, - or _');

/** The settings of the simulated paper venue, in both the new and the old form. */
const paperSettings = {
  slippageBps: nonNegative().default(0),
  feeBps: nonNegative().default(0),
  leverage: positive().default(1),
  partialFills: z.strictObject({ maxQuantityPerTick: positive() }).optional(),
  /** Scripted losses of the connection (engine clock): a drill of a venue outage. */
  outages: z.array(z.strictObject({ at: timestamp(), seconds: positive() })).default([]),
};

/** `type: paper`: a simulated exchange filling against the feed. */
export const paperVenueSchema = z.strictObject({
  name: venueName(),
  type: z.literal('paper'),
  ...paperSettings,
});

/** One entry of `venues:`. The venue issues add their types (ccxt, projectx, kalshi) here. */
export const venueSchema = z.discriminatedUnion('type', [paperVenueSchema]);

/** The old single `venue:` section (deprecated): one paper venue, read as `default`. */
export const legacyVenueSchema = z.strictObject({
  type: z.literal('paper').default('paper'),
  ...paperSettings,
});

/** One configured venue, with its defaults applied. */
export type VenueConfig = z.output<typeof venueSchema>;
/** The configuration of a venue of type `T`. */
export type VenueConfigOf<T extends VenueConfig['type']> = Extract<VenueConfig, { type: T }>;
/** A configured paper venue. */
export type PaperVenueSettings = VenueConfigOf<'paper'>;
/** The venue types this build knows. */
export const VENUE_TYPES: readonly VenueConfig['type'][] = venueSchema.options.map((o) => o.shape.type.value);

/**
 * The venues a parsed file describes: its `venues:` list; else its old `venue:` section as one
 * paper venue named `default`; else (neither written) a paper venue `default` with every default.
 */
export function resolveVenues(
  legacy: z.output<typeof legacyVenueSchema> | undefined,
  listed: readonly VenueConfig[] | undefined,
): VenueConfig[] {
  if (listed !== undefined) return [...listed];
  return [{ name: DEFAULT_VENUE, ...(legacy ?? legacyVenueSchema.parse({})) }];
}
