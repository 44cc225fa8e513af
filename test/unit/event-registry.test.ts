import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isWardenError } from '../../src/domain/errors.ts';
import { CATALOG, type EventDefinition } from '../../src/domain/events/catalog.ts';
import { EventRegistry } from '../../src/domain/events/registry.ts';

const DESIGN_TYPES = [
  'Trading.Position.Opened.v1',
  'Trading.Position.Modified.v1',
  'Trading.Position.Reduced.v1',
  'Trading.Position.Closed.v1',
  'Trading.Order.Placed.v1',
  'Trading.Order.Filled.v1',
  'Trading.Order.Cancelled.v1',
  'Trading.Order.Rejected.v1',
  'Position.Stop.Approaching.v1',
  'Position.Target.Approaching.v1',
  'Position.Profit.MilestoneReached.v1',
  'Position.Time.Decayed.v1',
  'Position.Thesis.Invalidated.v1',
  'Position.Volatility.Spiked.v1',
  'Position.Correlation.Spiked.v1',
  'Position.StopLoss.Hit.v1',
  'Position.TakeProfit.Hit.v1',
  'Position.TrailingStop.Hit.v1',
  'Risk.Limit.Breached.v1',
  'Risk.Order.Denied.v1',
  'Risk.Trading.Halted.v1',
  'Risk.Trading.Resumed.v1',
  'Risk.CircuitBreaker.Tripped.v1',
  'Risk.Alert.Triggered.v1',
  'Agent.Decision.Made.v1',
  'Market.Candle.Closed.v1',
];

const closed = {
  id: '01KE77A8R0RNBD58JGTEFAMZNZ',
  type: 'Trading.Position.Closed.v1',
  key: 'acc-1',
  ts: '2026-01-05T14:00:00.000Z',
  data: {
    positionId: 'pos-1',
    accountId: 'acc-1',
    symbol: 'ES',
    side: 'long',
    reason: 'STOP_LOSS',
    quantity: 2,
    entryPrice: 5000,
    exitPrice: 4980,
    realizedPnl: '-2000',
    openedAt: '2026-01-05T13:00:00.000Z',
  },
};

function parseError(registry: EventRegistry, raw: unknown): { code: string; message: string } {
  try {
    registry.parse(raw);
  } catch (e) {
    if (isWardenError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected parse to fail');
}

describe('event catalog', () => {
  it('registers every event type DESIGN.md names, with the urgencies it gives', () => {
    const registry = new EventRegistry();
    for (const t of DESIGN_TYPES) expect(registry.get(t), t).toBeDefined();
    expect(registry.get('Position.StopLoss.Hit.v1')?.urgency).toBe('CRITICAL');
    expect(registry.get('Position.TakeProfit.Hit.v1')?.urgency).toBe('CRITICAL');
    expect(registry.get('Position.Stop.Approaching.v1')?.urgency).toBe('HIGH');
    expect(registry.get('Position.Target.Approaching.v1')?.urgency).toBe('MEDIUM');
    expect(registry.get('Position.TrailingStop.Hit.v1')?.urgency).toBe('HIGH');
    expect(registry.get('Position.Volatility.Spiked.v1')?.urgency).toBe('LOW');
    expect(registry.get('Risk.CircuitBreaker.Tripped.v1')?.urgency).toBe('CRITICAL');
  });

  it('has no duplicate types and every type follows Domain.Entity.Action.vN', () => {
    const types = CATALOG.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    for (const t of types) expect(t).toMatch(/^[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*){1,3}\.v\d+$/);
  });

  it('accepts a valid event and rejects a payload with a wrong field, naming the path', () => {
    const registry = new EventRegistry();
    expect(registry.parse(closed).data).toMatchObject({ reason: 'STOP_LOSS' });
    const bad = { ...closed, data: { ...closed.data, exitPrice: -1 } };
    const err = parseError(registry, bad);
    expect(err.code).toBe('WARDEN_EVENT_INVALID');
    expect(err.message).toContain('data.exitPrice');
  });

  it('rejects money given as a float and unknown payload fields', () => {
    const registry = new EventRegistry();
    expect(
      parseError(registry, { ...closed, data: { ...closed.data, realizedPnl: -2000 } }).message,
    ).toContain('data.realizedPnl');
    expect(parseError(registry, { ...closed, data: { ...closed.data, extra: 1 } }).message).toContain(
      'extra',
    );
  });

  it('rejects an unknown type and a malformed envelope with distinct codes', () => {
    const registry = new EventRegistry();
    expect(parseError(registry, { ...closed, type: 'Trading.Position.Exploded.v1' }).code).toBe(
      'WARDEN_EVENT_UNKNOWN_TYPE',
    );
    const envelopeErr = parseError(registry, { ...closed, id: 'not-a-ulid', ts: 'yesterday' });
    expect(envelopeErr.code).toBe('WARDEN_EVENT_INVALID');
    expect(envelopeErr.message).toContain('id');
    expect(envelopeErr.message).toContain('ts');
  });

  it('upcasts an old version to the newest one, validating both', () => {
    const v1: EventDefinition = {
      type: 'Test.Thing.Happened.v1',
      description: 'v1',
      schema: z.strictObject({ amount: z.number() }),
    };
    const v2: EventDefinition = {
      type: 'Test.Thing.Happened.v2',
      description: 'v2',
      schema: z.strictObject({ amount: z.string(), currency: z.string() }),
    };
    const v3: EventDefinition = {
      type: 'Test.Thing.Happened.v3',
      description: 'v3',
      schema: z.strictObject({ amount: z.string(), currency: z.string(), source: z.string() }),
    };
    const registry = new EventRegistry([v1, v2, v3]);
    registry.registerUpcaster(v1.type, v2.type, (d) => ({ amount: String(d.amount), currency: 'USD' }));
    registry.registerUpcaster(v2.type, v3.type, (d) => ({ ...d, source: 'upcast' }));
    const old = { ...closed, type: v1.type, data: { amount: 12.5 } };
    const parsed = registry.parse(old);
    expect(parsed.type).toBe('Test.Thing.Happened.v3');
    expect(parsed.data).toEqual({ amount: '12.5', currency: 'USD', source: 'upcast' });
    expect(parsed.id).toBe(closed.id);
    // A v1 payload that is itself invalid is reported against v1, before any upcast.
    const err = parseError(registry, { ...old, data: { amount: 'x' } });
    expect(err.message).toContain('Test.Thing.Happened.v1');
  });
});
