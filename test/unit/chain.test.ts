import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, linkHash, verifyChain } from '../../src/adapters/stores/chain.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { StoredEvent } from '../../src/ports/store.ts';

const envelope = (id: string, data: Record<string, unknown>): Envelope => ({
  id,
  type: 'Risk.Alert.Triggered.v1',
  key: 'acc',
  ts: '2026-04-06T10:00:00.000Z',
  data,
});

async function* of(events: StoredEvent[]) {
  yield* events;
}

describe('canonicalJson', () => {
  it('writes one text whatever the key order, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: { c: 'x', d: [1, { y: 2, z: 1 }] }, b: 1 })).toBe(
      canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } }),
    );
  });

  it('leaves out undefined members and writes a Date as its ISO text, as JSON.stringify does', () => {
    const value = { when: new Date(Date.UTC(2026, 3, 6)), gone: undefined, list: [undefined, 1] };
    expect(canonicalJson(value)).toBe('{"list":[null,1],"when":"2026-04-06T00:00:00.000Z"}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });
});

describe('hash chain', () => {
  const chain = (datas: Record<string, unknown>[]): StoredEvent[] => {
    let previous = GENESIS_HASH;
    return datas.map((data, i) => {
      const e = envelope(`E${i}`, data);
      previous = linkHash(previous, i + 1, i + 1, e);
      return { envelope: e, position: i + 1, version: i + 1, hash: previous };
    });
  };

  it('verifies an intact chain and returns its head hash', async () => {
    const events = chain([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await verifyChain(of(events))).toEqual({ ok: true, checked: 3, headHash: events[2]!.hash });
  });

  it('names the edited event, and the next one when the edited hash was recomputed too', async () => {
    const events = chain([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const edited = { ...events[1]!, envelope: envelope('E1', { n: 20 }) };
    const result = await verifyChain(of([events[0]!, edited, events[2]!]));
    expect(result).toMatchObject({
      ok: false,
      checked: 1,
      broken: { position: 2, id: 'E1', actual: events[1]!.hash },
    });

    const rehashed = { ...edited, hash: linkHash(events[0]!.hash, 2, 2, edited.envelope) };
    expect(await verifyChain(of([events[0]!, rehashed, events[2]!]))).toMatchObject({
      ok: false,
      broken: { position: 3, id: 'E2' },
    });
  });

  it('names a gap where an event was deleted', async () => {
    const events = chain([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await verifyChain(of([events[0]!, events[2]!]))).toMatchObject({
      ok: false,
      broken: { position: 3 },
    });
  });
});
