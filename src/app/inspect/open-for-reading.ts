import { stat } from 'node:fs/promises';
import { describeStore, openEventStore } from '../../adapters/stores/open-store.ts';
import { WardenError } from '../../domain/errors.ts';
import type { EventStore } from '../../ports/store.ts';

/** True for a spec that names a SQLite file (not `memory`, not a PostgreSQL URL). */
export function isFileSpec(spec: string): boolean {
  return spec !== 'memory' && !/^postgres(ql)?:\/\//i.test(spec);
}

/** A store opened for reading and how to name it in messages (no password of a URL). */
export interface ReadableStore {
  readonly store: EventStore;
  readonly name: string;
}

/**
 * Opens a store to read from. A SQLite file must exist already: opening a missing one would
 * create an empty database, and a typo in `--store` would then read as "no events". A missing
 * file (or a directory) is `WARDEN_STORE_NOT_FOUND`, bad input (exit 2), naming the store.
 */
export async function openStoreForReading(spec: string): Promise<ReadableStore> {
  const name = describeStore(spec);
  if (isFileSpec(spec)) {
    const info = await stat(spec).catch(() => undefined);
    if (info === undefined || !info.isFile()) {
      throw new WardenError(
        'WARDEN_STORE_NOT_FOUND',
        info === undefined
          ? `no store at ${name}: the SQLite file does not exist (reading never creates one)`
          : `no store at ${name}: it is not a SQLite file but a ${info.isDirectory() ? 'directory' : 'special file'}`,
        { store: name },
      );
    }
  }
  return { store: await openEventStore(spec), name };
}
