import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { MemoryTransport } from '../../src/adapters/transports/memory/memory-transport.ts';
import { inboxHandler } from '../../src/app/persistence/inbox.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { EventStore } from '../../src/ports/store.ts';
import { eventually } from '../support/eventually.ts';

const alert = (id: string, accountId: string): Envelope => ({
  id,
  type: 'Risk.Alert.Triggered.v1',
  key: accountId,
  ts: '2026-04-06T10:00:00.000Z',
  data: { accountId, code: 'TEST', severity: 'info', message: `alert ${id}` },
});

let dir: string;
let store: EventStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-inbox-'));
  store = await openEventStore(join(dir, 'inbox.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The effect under test: a per-account alert counter, kept as a state record. */
async function counted(accountId: string): Promise<number> {
  return ((await store.record('alert-count', accountId)) as number | undefined) ?? 0;
}

describe('inbox', () => {
  it('applies each event once when the transport redelivers it after the effect committed', async () => {
    const clock = new SimulatedClock(0);
    const transport = new MemoryTransport({ partitions: 2, clock });
    const handle = inboxHandler(store, 'alert-counter', async (e) => ({
      records: [{ collection: 'alert-count', id: e.key, value: (await counted(e.key)) + 1 }],
    }));
    // The first delivery of A2 commits its effect, then "crashes" before the acknowledgement.
    let crashedOnce = false;
    const deliveries: string[] = [];
    const sub = await transport.subscribe(
      'alert-counter',
      async (e, d) => {
        deliveries.push(`${e.id}#${d.attempt}`);
        await handle(e);
        if (e.id === 'A2' && !crashedOnce) {
          crashedOnce = true;
          throw new Error('process died before the ack');
        }
      },
      { backoffMs: () => 0 },
    );
    for (const e of [alert('A1', 'acc'), alert('A2', 'acc'), alert('A3', 'acc'), alert('B1', 'other')])
      await transport.publish(e);
    await eventually(() => deliveries.includes('A2#1'));
    // The retry waits for its backoff on the transport's clock.
    clock.advanceBy(1);
    await eventually(() => deliveries.includes('A3#1') && deliveries.includes('B1#1'));
    await sub.close();
    await transport.close();

    expect(deliveries.filter((d) => d.startsWith('A2'))).toEqual(['A2#1', 'A2#2']);
    expect(await counted('acc')).toBe(3);
    expect(await counted('other')).toBe(1);
    expect(await store.processed('alert-counter', 'A2')).toBe(true);
    // Another consumer has its own inbox.
    expect(await store.processed('someone-else', 'A2')).toBe(false);
  });

  it('a replay of the same events has no second effect', async () => {
    const handle = inboxHandler(store, 'alert-counter', async (e) => ({
      records: [{ collection: 'alert-count', id: e.key, value: (await counted(e.key)) + 1 }],
    }));
    const events = [alert('A1', 'acc'), alert('A2', 'acc')];
    for (const e of events) await handle(e);
    for (const e of events) await handle(e);
    expect(await counted('acc')).toBe(2);
  });
});
