/**
 * The configuration schema, in three files: shapes.ts (the zod schemas and the types of a
 * validated configuration), messages.ts (zod's issues in the words of the file format) and
 * relations.ts (checks across values); venue-schema.ts holds the `venues:` section. This module
 * gathers what the rest of Warden imports.
 */

export {
  configErrorMap,
  describe,
  knownKeysAt,
  legacyVenueNote,
  type Problem,
  unknownKeyMessage,
} from './messages.ts';
export { checkRelations, type EnvPaths } from './relations.ts';
export {
  type AccountConfig,
  type DemoConfig,
  type FeedConfig,
  type InstrumentConfig,
  type OrderConfig,
  type PositionConfig,
  type WardenConfig,
  wardenConfigSchema,
} from './shapes.ts';
export {
  DEFAULT_VENUE,
  type PaperVenueSettings,
  VENUE_TYPES,
  type VenueConfig,
  type VenueConfigOf,
} from './venue-schema.ts';
