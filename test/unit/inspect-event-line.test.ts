import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { envelopeJson, formatEventLine } from '../../src/app/inspect/event-line.ts';
import { LineWriter } from '../../src/app/inspect/line-writer.ts';
import { summarizeEvent } from '../../src/app/inspect/summary.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { StoredEvent } from '../../src/ports/store.ts';
import { eventually } from '../support/eventually.ts';

const TS = '2026-03-02T15:57:15.000Z';

function stored(envelope: Envelope, position = 7): StoredEvent {
  return { envelope, position, version: 1, hash: '0'.repeat(64) };
}

const placed: Envelope = {
  id: '01KJQM96VR5HHJTJK7D96N28H0',
  type: 'Trading.Order.Placed.v1',
  key: 'TS1',
  ts: TS,
  causationId: '01KJQM96VR5HHJTJK7D96N28GZ',
  correlationId: '01KJQM96VR5HHJTJK7D96N28GZ',
  data: {
    accountId: 'TS1',
    symbol: 'ES',
    clientOrderId: 'P1-x1-1',
    side: 'sell',
    type: 'market',
    quantity: 2,
    reduceOnly: true,
    intent: 'exit',
    positionId: 'P1',
    reason: 'TAKE_PROFIT',
  },
};

describe('formatEventLine', () => {
  it('prints #position, time, type padded to the longest catalog type, key and summary', () => {
    const line = formatEventLine(stored(placed, 1234));
    expect(line).toBe(
      `#1234  ${TS}  Trading.Order.Placed.v1              TS1  P1-x1-1: sell 2 ES market (exit, TAKE_PROFIT)`,
    );
    expect(line.split(/ {2,}/)).toEqual([
      '#1234',
      TS,
      'Trading.Order.Placed.v1',
      'TS1',
      'P1-x1-1: sell 2 ES market (exit, TAKE_PROFIT)',
    ]);
  });
});

describe('summarizeEvent', () => {
  it('uses the log line of describeEvent where it has one', () => {
    const closed: Envelope = {
      ...placed,
      type: 'Trading.Position.Closed.v1',
      data: {
        positionId: 'P1',
        accountId: 'TS1',
        symbol: 'ES',
        side: 'long',
        reason: 'TAKE_PROFIT',
        quantity: 2,
        entryPrice: 5000,
        exitPrice: 5030,
        realizedPnl: '3000',
        openedAt: TS,
      },
    };
    expect(summarizeEvent(closed)).toBe('closed ES long 2 @ 5030 (TAKE_PROFIT), PnL 3000 [P1]');
  });

  it('prints orders and fills with their own lines', () => {
    const filled: Envelope = {
      ...placed,
      type: 'Trading.Order.Filled.v1',
      data: {
        clientOrderId: 'C1',
        side: 'buy',
        quantity: 1,
        price: 101.5,
        fee: '0.25',
        remainingQuantity: 2,
      },
    };
    expect(summarizeEvent(filled)).toBe('C1: buy 1 @ 101.5, fee 0.25, 2 left');
    const cancelled: Envelope = {
      ...placed,
      type: 'Trading.Order.Cancelled.v1',
      data: { clientOrderId: 'C1' },
    };
    expect(summarizeEvent(cancelled)).toBe('C1 cancelled');
    const stopLimit: Envelope = {
      ...placed,
      data: { ...placed.data, type: 'stop_limit', limitPrice: 99, stopPrice: 100, intent: 'protective' },
    };
    expect(summarizeEvent(stopLimit)).toBe(
      'P1-x1-1: sell 2 ES stop_limit @ 99, stop 100 (protective, TAKE_PROFIT)',
    );
  });

  it('prints the payload as compact JSON for a type this Warden does not know', () => {
    const newer: Envelope = {
      ...placed,
      type: 'Challenge.Metrics.Revised.v9',
      data: { accountId: 'TS1', profit: '3000', tradingDays: 1 },
    };
    expect(summarizeEvent(newer)).toBe('{"accountId":"TS1","profit":"3000","tradingDays":1}');
  });
});

describe('envelopeJson', () => {
  it('writes the members in the engine order, whatever order the store built the object in', () => {
    const scrambled = {
      data: placed.data,
      correlationId: placed.correlationId,
      ts: placed.ts,
      key: placed.key,
      causationId: placed.causationId,
      type: placed.type,
      id: placed.id,
    } as Envelope;
    expect(envelopeJson(scrambled)).toBe(JSON.stringify(placed));
  });

  it('leaves out absent optional members', () => {
    const bare: Envelope = { id: 'A', type: 'X.Y.Z.v1', key: 'K', ts: TS, urgency: 'LOW', data: {} };
    expect(envelopeJson(bare)).toBe(
      `{"id":"A","type":"X.Y.Z.v1","key":"K","ts":"${TS}","urgency":"LOW","data":{}}`,
    );
  });
});

describe('LineWriter', () => {
  it('writes every line once, in order, waiting for a slow reader', async () => {
    const chunks: string[] = [];
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk, _enc, done) {
        chunks.push(chunk.toString());
        setImmediate(done);
      },
    });
    const out = new LineWriter(slow);
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    for (const l of lines) await out.line(l);
    await out.end();
    expect(chunks.join('')).toBe(`${lines.join('\n')}\n`);
  });

  it('marks itself closed when the reader goes away (EPIPE) instead of throwing', async () => {
    const gone = new Writable({
      write(_chunk, _enc, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const out = new LineWriter(gone);
    await out.line('one');
    await out.flush();
    await eventually(() => out.closed);
    expect(out.closed).toBe(true);
    await out.line('two');
    await out.end();
  });
});
