import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { canonicalJson } from '../../adapters/stores/chain.ts';
import { WardenError } from '../../domain/errors.ts';
import type { EventStore, StateRecord } from '../../ports/store.ts';
import type { WardenConfig } from '../config/schema.ts';

/** Where a replay keeps its progress in the store: committed with the events it covers. */
export const REPLAY_RUN = { collection: 'replay', id: 'run' } as const;

/** A replay's progress as committed: enough to resume it and to refuse resuming another one. */
export interface ReplayProgress {
  /** SHA-256 of the canonical config. */
  readonly configHash: string;
  /** SHA-256 of the inputs (ticks and edges files), as the caller identifies them. */
  readonly inputHash: string;
  /** The store's head before the run's first event. */
  readonly startPosition: number;
  /** Input records read (ticks and bad records) up to the last committed tick. */
  readonly ticksRead: number;
  /** Events of the run committed so far. */
  readonly events: number;
  readonly finished: boolean;
  /**
   * Where the latest run (first or resumed) prints its JSONL, recorded before it prints anything,
   * so that the next `--resume` can find the last event it flushed. Absent in older stores.
   */
  readonly output?: ReplayOutput;
}

/** Where a run's JSONL goes, and where in the run's events it starts. */
export interface ReplayOutput {
  /** The file, as an absolute path; null for stdout. */
  readonly path: string | null;
  /** The id of the last event printed before this output; null when it starts at the run's first. */
  readonly after: string | null;
}

export function configHash(config: WardenConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** SHA-256 over the contents of the input files, in order (a missing optional file counts as empty). */
export async function inputHash(paths: readonly (string | undefined)[]): Promise<string> {
  const hash = createHash('sha256');
  for (const p of paths) {
    hash.update(p === undefined ? '-' : await readFile(p));
    hash.update('\u0000');
  }
  return hash.digest('hex');
}

export function progressRecord(progress: ReplayProgress): StateRecord {
  return { ...REPLAY_RUN, value: progress };
}

/** The replay a store holds, as last committed, or undefined. */
export async function savedReplayRun(store: EventStore): Promise<ReplayProgress | undefined> {
  return (await store.record(REPLAY_RUN.collection, REPLAY_RUN.id)) as ReplayProgress | undefined;
}

/**
 * Why a new run cannot go into a store that holds events, and what to do instead. `--resume` is
 * suggested only where it would work: an unfinished replay of the same config and inputs.
 */
function usedStoreMessage(
  storeName: string,
  head: number,
  saved: ReplayProgress | undefined,
  identity: { readonly configHash: string; readonly inputHash: string },
): string {
  const fresh = `replay into a new store (another --store path${storeName === 'memory' ? '' : `, or delete ${storeName}`})`;
  if (saved === undefined) {
    return `${storeName} already holds ${head} event(s), not of a replay (a daemon's store?); ${fresh}`;
  }
  const same = saved.configHash === identity.configHash && saved.inputHash === identity.inputHash;
  const other =
    saved.configHash !== identity.configHash ? 'another configuration' : 'other input files (ticks or edges)';
  if (saved.finished) {
    return `${storeName} already holds a finished replay (${head} event(s))${same ? '' : ` of ${other}`}; ${fresh}`;
  }
  if (same) {
    return `${storeName} already holds this replay, stopped after ${saved.ticksRead} input record(s); add --resume to continue it, or ${fresh}`;
  }
  return `${storeName} already holds an unfinished replay of ${other} (stopped after ${saved.ticksRead} input record(s)); ${fresh}, or resume that one with the config and files it was started with`;
}

/**
 * Checks that `store` can take this replay: for a new run it must hold no events and no run; for
 * `resume` it must hold an unfinished run of the same config and inputs, which is returned.
 */
export async function openReplayRun(
  store: EventStore,
  storeName: string,
  identity: { readonly configHash: string; readonly inputHash: string },
  resume: boolean,
): Promise<{ readonly progress: ReplayProgress; readonly resumed: boolean }> {
  const saved = await savedReplayRun(store);
  const head = await store.head();
  if (!resume) {
    if (saved !== undefined || head > 0) {
      throw new WardenError('WARDEN_RESUME_MISMATCH', usedStoreMessage(storeName, head, saved, identity), {
        store: storeName,
        events: head,
      });
    }
    return {
      progress: { ...identity, startPosition: head, ticksRead: 0, events: 0, finished: false },
      resumed: false,
    };
  }
  if (saved === undefined) {
    throw new WardenError('WARDEN_RESUME_MISMATCH', `${storeName} holds no replay to resume`, {
      store: storeName,
    });
  }
  if (saved.configHash !== identity.configHash) {
    throw new WardenError(
      'WARDEN_RESUME_MISMATCH',
      `${storeName} holds a replay of another configuration; resume with the config it was started with`,
      { store: storeName },
    );
  }
  if (saved.inputHash !== identity.inputHash) {
    throw new WardenError(
      'WARDEN_RESUME_MISMATCH',
      `${storeName} holds a replay of other input files (ticks or edges changed); resume with the files it was started with`,
      { store: storeName },
    );
  }
  return { progress: saved, resumed: true };
}
