import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../src/adapters/stores/memory/memory-store.ts';
import { defaultConfig } from '../../src/app/config/defaults.ts';
import { runDaemon } from '../../src/app/daemon.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { WardenError } from '../../src/domain/errors.ts';
import type { CommitUnit, StoredEvent, WriterLock } from '../../src/ports/store.ts';

/*
 * A daemon whose store's writer lock is lost (PostgreSQL: its lock session ended and another
 * writer took the lock before it could take it back) stops at once, writes nothing more to the
 * store, and fails with WARDEN_STORE_LOCKED. The lock here is a hand-written fake that loses itself
 * when told; test/integration/postgres-writer-lock.test.ts shows the real one getting lost.
 */

/** A memory store that counts the commits made after `closedToUs` is set. */
class WatchedStore extends MemoryEventStore {
  closedToUs = false;
  commitsAfter = 0;

  override async commit(unit: CommitUnit): Promise<StoredEvent[]> {
    if (this.closedToUs) this.commitsAfter++;
    return super.commit(unit);
  }
}

describe('a daemon that loses its writer lock', () => {
  it('stops without writing to the store again, and fails with WARDEN_STORE_LOCKED', async () => {
    const store = new WatchedStore();
    let lose: ((error: WardenError) => void) | undefined;
    const lock: WriterLock = {
      holder: { pid: process.pid, host: hostname(), command: 'test', since: Date.now() },
      onLost: (listener) => {
        lose = listener;
      },
      release: async () => undefined,
    };
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const stopped = runDaemon({
      config: defaultConfig(),
      logger: silentLogger(),
      signal: new AbortController().signal,
      controlSocket: false,
      store: { store, name: 'memory', lock },
      onStarted: () => started(),
    });
    await running;
    expect(lose).toBeDefined();
    const taken = new WardenError('WARDEN_STORE_LOCKED', 'the store is in use: another writer holds it');
    store.closedToUs = true;
    lose!(taken);
    await expect(stopped).rejects.toBe(taken);
    expect(store.commitsAfter).toBe(0);
  });
});
