/** Where the durable store lives when nothing says otherwise: a SQLite file under `./data/`. */
export const DEFAULT_STORE = 'data/warden.db';

/**
 * The store to use: the `--store` flag, else `WARDEN_STORE`, else the default SQLite file. A spec
 * is `memory`, a `postgres://…` URL, or a SQLite file path.
 */
export function resolveStoreSpec(
  flag: string | undefined,
  fromEnv: string | undefined = process.env.WARDEN_STORE,
): string {
  if (flag !== undefined && flag !== '') return flag;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_STORE;
}

/** Help text shared by every command that takes `--store`. */
export const STORE_OPTION_HELP =
  'the event store: a SQLite file, a postgres:// URL, or `memory` (default: $WARDEN_STORE, else data/warden.db)';
