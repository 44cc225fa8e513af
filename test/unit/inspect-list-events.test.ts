import { describe, expect, it } from 'vitest';
import { followEvents, listEvents } from '../../src/app/inspect/list-events.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { EventStore, ReadQuery, StoredEvent } from '../../src/ports/store.ts';

/** A hand-written fake of the two store members the listing uses: `read` (key, type, limit) and `head`. */
class FakeLog {
  readonly events: StoredEvent[] = [];
  readonly reads: ReadQuery[] = [];

  add(type: string, key = 'A1'): void {
    const position = this.events.length + 1;
    const envelope: Envelope = { id: `E${position}`, type, key, ts: '2026-03-02T14:31:00.000Z', data: {} };
    this.events.push({ envelope, position, version: position, hash: '' });
  }

  get store(): EventStore {
    const log = this;
    return {
      async head() {
        return log.events.length;
      },
      async *read(query: ReadQuery = {}) {
        log.reads.push(query);
        let n = 0;
        for (const e of log.events.slice(query.afterPosition ?? 0)) {
          if (query.type !== undefined && e.envelope.type !== query.type) continue;
          if (query.key !== undefined && e.envelope.key !== query.key) continue;
          if (query.limit !== undefined && n >= query.limit) return;
          n++;
          yield e;
        }
      },
    } as unknown as EventStore;
  }
}

describe('listEvents', () => {
  it('prints what matches and returns the last position printed', async () => {
    const log = new FakeLog();
    for (const t of ['A.B.C.v1', 'X.Y.Z.v1', 'A.B.C.v1', 'X.Y.Z.v1']) log.add(t);
    const seen: number[] = [];
    const after = await listEvents(log.store, {}, async (e) => {
      seen.push(e.position);
      return true;
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(after).toBe(4);
  });

  it('returns the head when a limit or a filter stops short of it, so a follow prints only new events', async () => {
    const log = new FakeLog();
    for (const t of ['A.B.C.v1', 'A.B.C.v1', 'A.B.C.v1', 'X.Y.Z.v1']) log.add(t);
    const print = async () => true;
    expect(await listEvents(log.store, { limit: 1 }, print)).toBe(4);
    expect(await listEvents(log.store, { type: 'A.B.C.v1' }, print)).toBe(4);
  });

  it('stops reading when the printer says so', async () => {
    const log = new FakeLog();
    for (let i = 0; i < 5; i++) log.add('A.B.C.v1');
    const seen: number[] = [];
    await listEvents(log.store, {}, async (e) => {
      seen.push(e.position);
      return seen.length < 2;
    });
    expect(seen).toEqual([1, 2]);
  });
});

describe('followEvents', () => {
  it('prints the events appended after the cursor that match, without the listing limit, until aborted', async () => {
    const log = new FakeLog();
    log.add('A.B.C.v1');
    const stop = new AbortController();
    const seen: string[] = [];
    let polls = 0;
    const store = log.store;
    const counting: EventStore = {
      ...store,
      head: async () => {
        polls++;
        // New events arrive between polls: two on the 2nd poll, one of another key on the 3rd.
        if (polls === 2) {
          log.add('A.B.C.v1');
          log.add('X.Y.Z.v1');
        }
        if (polls === 3) log.add('A.B.C.v1', 'B2');
        if (polls === 4) log.add('A.B.C.v1');
        return store.head();
      },
      read: store.read,
    };
    const done = followEvents(
      counting,
      { key: 'A1', limit: 1, afterPosition: 99 },
      1,
      async (e) => {
        seen.push(`${e.position} ${e.envelope.type}`);
        if (seen.length === 3) stop.abort();
        return true;
      },
      stop.signal,
      1,
    );
    await done;
    expect(seen).toEqual(['2 A.B.C.v1', '3 X.Y.Z.v1', '5 A.B.C.v1']);
    // Every poll reads from past the last event it saw, with the listing's filter but no limit.
    expect(log.reads.every((q) => q.limit === undefined && q.key === 'A1')).toBe(true);
    expect(log.reads.map((q) => q.afterPosition)).toEqual([1, 1, 3, 4]);
  });

  it('returns at once when the signal is already aborted', async () => {
    const log = new FakeLog();
    const stop = new AbortController();
    stop.abort();
    await followEvents(log.store, {}, 0, async () => true, stop.signal, 1);
    expect(log.reads).toEqual([]);
  });
});

describe('listEvents and followEvents with a filter the store cannot apply', () => {
  it('prints only what `keep` keeps, counting the limit in printed events, not in events read', async () => {
    const log = new FakeLog();
    for (const t of ['C.v1', 'A.v1', 'C.v1', 'B.v1', 'C.v1', 'A.v1']) log.add(t);
    const seen: number[] = [];
    const after = await listEvents(
      log.store,
      { limit: 2 },
      async (e) => {
        seen.push(e.position);
        return true;
      },
      (e) => e.envelope.type !== 'C.v1',
    );
    expect(seen).toEqual([2, 4]);
    // The store is asked without the limit, which it would count over events `keep` drops.
    expect(log.reads).toEqual([{}]);
    expect(after).toBe(6);
  });

  it('follows with the same filter', async () => {
    const log = new FakeLog();
    const stop = new AbortController();
    const store = log.store;
    let polls = 0;
    const seen: string[] = [];
    const growing: EventStore = {
      ...store,
      head: async () => {
        polls++;
        if (polls === 1) for (const t of ['C.v1', 'A.v1', 'C.v1', 'B.v1']) log.add(t);
        return store.head();
      },
      read: store.read,
    };
    await followEvents(
      growing,
      {},
      0,
      async (e) => {
        seen.push(e.envelope.type);
        if (seen.length === 2) stop.abort();
        return true;
      },
      stop.signal,
      1,
      (e) => e.envelope.type !== 'C.v1',
    );
    expect(seen).toEqual(['A.v1', 'B.v1']);
  });
});
