import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { Dispatcher } from '../../src/engine/dispatcher.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';

function event(id: string): Envelope {
  return { id, type: 'Risk.Alert.Triggered.v1', key: 'acc', ts: '2026-01-01T00:00:00.000Z', data: {} };
}

describe('Dispatcher', () => {
  it('gives each event to the sink when emitted and to the followers in the order they were added', () => {
    const sink = new CollectingSink();
    const d = new Dispatcher(sink);
    const seen: string[] = [];
    d.follow({ name: 'a', handle: (e) => seen.push(`a:${e.id}`) });
    d.follow({ name: 'b', handle: (e) => seen.push(`b:${e.id}`) });
    d.emit(event('1'));
    d.emit(event('2'));
    expect(sink.events.map((e) => e.id)).toEqual(['1', '2']);
    expect(seen).toEqual(['a:1', 'b:1', 'a:2', 'b:2']);
  });

  it('queues an event a follower emits until every follower has read the current one (no re-entry)', () => {
    const sink = new CollectingSink();
    const d = new Dispatcher(sink);
    const seen: string[] = [];
    let depth = 0;
    let deepest = 0;
    d.follow({
      name: 'a',
      handle: (e) => {
        depth++;
        deepest = Math.max(deepest, depth);
        seen.push(`a:${e.id}`);
        if (e.id === '1') d.emit(event('1.1'));
        if (e.id === '1.1') d.emit(event('1.1.1'));
        depth--;
      },
    });
    d.follow({ name: 'b', handle: (e) => seen.push(`b:${e.id}`) });
    d.emit(event('1'));
    // The sink has them in emission order; followers read each to completion before the next.
    expect(sink.events.map((e) => e.id)).toEqual(['1', '1.1', '1.1.1']);
    expect(seen).toEqual(['a:1', 'b:1', 'a:1.1', 'b:1.1', 'a:1.1.1', 'b:1.1.1']);
    expect(deepest).toBe(1);
  });

  it('hands an observed event to the followers but not to the sink', () => {
    const sink = new CollectingSink();
    const d = new Dispatcher(sink);
    const seen: string[] = [];
    d.follow({ name: 'a', handle: (e) => seen.push(e.id) });
    d.observe(event('r'));
    expect(sink.events).toEqual([]);
    expect(seen).toEqual(['r']);
  });

  it('lets a follower error reach the emitter and delivers what was queued on the next emit', () => {
    const d = new Dispatcher(new CollectingSink());
    const seen: string[] = [];
    d.follow({
      name: 'a',
      handle: (e) => {
        if (e.id === '1') {
          d.emit(event('queued'));
          throw new Error('boom');
        }
        seen.push(e.id);
      },
    });
    expect(() => d.emit(event('1'))).toThrow('boom');
    expect(d.busy).toBe(false);
    d.emit(event('2'));
    expect(seen).toEqual(['queued', '2']);
  });
});
