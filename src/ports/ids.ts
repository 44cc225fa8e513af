/** Produces unique, sortable identifiers (ULIDs). Seeded and deterministic in a replay. */
export interface IdGenerator {
  /** A new ULID whose time part is the engine clock's current time. */
  next(): string;
}
