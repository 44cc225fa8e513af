import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeStore, openEventStore } from '../adapters/stores/open-store.ts';
import { WardenError } from '../domain/errors.ts';
import type { WriterLock } from '../ports/store.ts';
import { isFileSpec, type ReadableStore } from './inspect/open-for-reading.ts';

/** Options of `openStoreForWriting`. */
export interface OpenForWritingOptions {
  /**
   * Create a SQLite file's missing directory: only for the default store, `data/warden.db`, whose
   * `data/` a fresh checkout lacks. A path a person gave must be in a directory that exists.
   */
  readonly createDirectory?: boolean;
  /**
   * What the writer is, recorded with its writer lock for a refused writer to name (default
   * `warden <command>` from the command line, e.g. `warden replay`).
   */
  readonly command?: string;
}

/** A store opened for writing: its writer lock is held until the store is closed. */
export interface WritableStore extends ReadableStore {
  readonly lock: WriterLock;
}

/**
 * Opens the store a writer (`warden run`, `warden replay --store`) commits to, creating a new
 * SQLite file if there is none. Its directory must exist: a typo in `--store` would otherwise
 * scatter directories and a store nobody looks at. A missing directory is
 * `WARDEN_STORE_NOT_FOUND` (bad input, exit 2) naming it, unless `createDirectory` says to create
 * it; the adapters' own failures are `WARDEN_STORE_UNAVAILABLE`.
 */
export async function openStoreForWriting(
  spec: string,
  options: OpenForWritingOptions = {},
): Promise<WritableStore> {
  const name = describeStore(spec);
  if (isFileSpec(spec) && options.createDirectory !== true) {
    const directory = dirname(spec);
    const info = await stat(directory).catch(() => undefined);
    if (info === undefined || !info.isDirectory()) {
      throw new WardenError(
        'WARDEN_STORE_NOT_FOUND',
        info === undefined
          ? `cannot create the store ${name}: the directory ${directory} does not exist (Warden does not create it: mkdir -p ${directory} first)`
          : `cannot create the store ${name}: ${directory} is not a directory`,
        { store: name, directory },
      );
    }
  }
  const store = await openEventStore(spec);
  // One writer per store: a second `warden run` or `replay --store` on it is refused, naming the
  // first, before it reads or writes anything; closing the store releases the lock.
  try {
    const lock = await store.lockWriter({ command: options.command ?? defaultCommand() });
    return { store, name, lock };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** `warden <subcommand>`, from the command line this process runs. */
function defaultCommand(): string {
  const sub = process.argv[2];
  return sub !== undefined && /^[a-z-]+$/.test(sub) ? `warden ${sub}` : 'warden';
}
