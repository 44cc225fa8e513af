import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { processTick } from '../../src/app/compose.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import type { TimedEdge } from '../../src/app/edges-file.ts';
import { runReplay } from '../../src/app/replay.ts';
import { VenueError } from '../../src/domain/errors.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { OrderRequest } from '../../src/domain/order.ts';
import type { Edge } from '../../src/engine/entry/entry-flow.ts';
import type { MarketDataSource, Tick } from '../../src/ports/market-data.ts';
import { compositionDriver, monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * The entry flow through the whole composition (engine, paper venue, risk engine, monitor) on a
 * simulated clock. Timers run one at a time, and the work each one starts settles before the
 * next, as in a replay; nothing waits on the wall clock.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Instruments and a quiet monitor; the accounts come with each test. */
const BASE = `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
instruments:
  - { symbol: ES, tickSize: 0.25, multiplier: 50 }
  - { symbol: NQ, tickSize: 0.25, multiplier: 20 }
profiles: { default: { policy: hold } }
`;

/** Leverage 100: 20 ES at 5,000 need 50,000 of margin. */
const VENUE = 'venue: { leverage: 100 }';

/** The edge of the sizing example: 60% to make 20 points before losing 10, from 5,000. */
const EDGE: Edge = {
  accountId: 'acc',
  symbol: 'ES',
  side: 'long',
  source: 'test',
  probability: 0.6,
  stopPrice: 4990,
  targetPrice: 5020,
};

/** A quote with the bid at 5,000: a buy at the bid rests until the ask comes down to it. */
const QUOTE = { bid: 5000, ask: 5000.25 };

function setup(yaml: string, base = BASE) {
  const h = monitoredHarness(`${base}\n${yaml}`);
  const { clock, c, sink } = h;

  const { settle, runTo } = compositionDriver(clock, c);

  return {
    h,
    clock,
    c,
    runTo,
    settle,
    async tick(symbol: string, price: number, at: number, extra: Partial<Tick> = {}): Promise<void> {
      await runTo(at);
      processTick(c, { ts: at, symbol, price, ...extra });
      await settle();
    },
    /** Hands an edge to the flow and waits until its first order was placed or refused. */
    async submit(edge: Partial<Edge> = {}): Promise<void> {
      await c.entry.submit({ ...EDGE, ...edge });
      await c.entry.idle();
      await settle();
    },
    of: (type: string): Envelope[] => sink.events.filter((e) => e.type === type),
    data: (type: string): Record<string, unknown>[] =>
      sink.events.filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>),
    denials: (): unknown[] =>
      sink.events.filter((e) => e.type === 'Risk.Order.Denied.v1').map((e) => e.data.reason),
    placed: (): [unknown, unknown, unknown][] =>
      sink.events
        .filter((e) => e.type === 'Trading.Order.Placed.v1')
        .map((e) => [e.data.clientOrderId, e.data.limitPrice, e.data.quantity]),
    cancelled: (): unknown[] =>
      sink.events.filter((e) => e.type === 'Trading.Order.Cancelled.v1').map((e) => e.data.clientOrderId),
    position: (symbol = 'ES', account = 'acc') => c.engine.account(account)!.positions.get(symbol),
  };
}

describe('entry flow: sizing', () => {
  it('sizes by quarter Kelly: f* = 0.4, 0.1 of 100,000 at risk over 10 points × 50 = 20 contracts', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 100000 }]\n${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    const thesis = { invalidationPrice: 4985, interval: '5m', note: 'opening drive' };
    await t.submit({ thesis });

    // b = 20 / 10 = 2, q = 0.6: f* = (2 × 0.6 − 0.4) / 2 = 0.4; quarter Kelly 0.1 of 100,000 is
    // 10,000 at risk, a contract loses 10 × 50 = 500 at the stop: 20 contracts.
    const [evaluated] = t.data('Entry.Edge.Evaluated.v1');
    expect(evaluated).toEqual({
      accountId: 'acc',
      symbol: 'ES',
      side: 'long',
      source: 'test',
      edge: expect.closeTo(0.6 - 1 / 3, 6),
      minEdge: 0.05,
      probability: 0.6,
      confidence: 1,
      kellyFraction: 0.1,
      quantity: 20,
      limitPrice: 5000, // the bid
      decision: 'ENTER',
      clientOrderId: 'entry-1-0',
    });
    expect(t.data('Trading.Order.Placed.v1')).toEqual([
      {
        accountId: 'acc',
        symbol: 'ES',
        clientOrderId: 'entry-1-0',
        side: 'buy',
        type: 'limit',
        quantity: 20,
        limitPrice: 5000,
        reduceOnly: false,
        intent: 'entry',
      },
    ]);
    // The order and the evaluation are one chain.
    const [evaluatedEvent] = t.of('Entry.Edge.Evaluated.v1');
    expect(t.of('Trading.Order.Placed.v1')[0]).toMatchObject({
      causationId: evaluatedEvent!.id,
      correlationId: evaluatedEvent!.id,
    });
    expect(t.of('Trading.Position.Opened.v1')).toEqual([]);
    expect(t.c.entry.active()).toEqual([
      { id: 'entry-1', accountId: 'acc', symbol: 'ES', quantity: 20, filled: 0, limitPrice: 5000 },
    ]);

    // The ask comes down to the limit: it fills and the position opens with the edge's levels.
    await t.tick('ES', 5000, T0 + 5 * SECOND, { bid: 4999.75, ask: 5000 });
    expect(t.data('Trading.Position.Opened.v1')).toEqual([
      expect.objectContaining({
        accountId: 'acc',
        symbol: 'ES',
        side: 'long',
        quantity: 20,
        entryPrice: 5000,
        stopPrice: 4990,
        targetPrice: 5020,
        source: 'fill',
        clientOrderId: 'entry-1-0',
      }),
    ]);
    expect(t.position()).toMatchObject({ quantity: 20, stopPrice: 4990, targetPrice: 5020, thesis });
    expect(t.c.entry.active()).toEqual([]);
    // Filled: no timeout walks it later.
    await t.runTo(T0 + 10 * MINUTE);
    expect(t.placed()).toHaveLength(1);
    expect(t.cancelled()).toEqual([]);
  });

  it('takes the limit price of the edge, rounded to the tick, as the entry price the size assumes', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 100000 }]\n${VENUE}`);
    await t.tick('ES', 5010, T0 + SECOND, { bid: 5009.75, ask: 5010.25 });
    // 5000.1 rounds to 5000: the loss to 4990 is 10 points, the size 20.
    await t.submit({ limitPrice: 5000.1 });
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({ limitPrice: 5000, quantity: 20 });
    expect(t.placed()).toEqual([['entry-1-0', 5000, 20]]);
  });

  it('scales a probability edge by its confidence', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 100000 }]\n${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    // 0.1 × 0.5 = 0.05 of 100,000 at risk: 5,000 / 500 = 10.
    await t.submit({ confidence: 0.5 });
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({
      confidence: 0.5,
      kellyFraction: 0.05,
      quantity: 10,
    });
  });

  it('sizes an expected-move edge with its confidence as the probability, not scaled again', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 100000 }]\n${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    // 0.4% of 5,000 is 20 points against a 10-point stop, 60% sure: the example bet, 20 contracts.
    await t.submit({ probability: undefined, targetPrice: undefined, expectedMove: 0.004, confidence: 0.6 });
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({
      edge: expect.closeTo(0.6 - 1 / 3, 6),
      confidence: 0.6,
      kellyFraction: 0.1,
      quantity: 20,
      decision: 'ENTER',
    });
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).not.toHaveProperty('probability');
  });

  it('sizes a binary contract on the premium: 0.7 against a price of 0.55', async () => {
    const t = setup(
      `
accounts: [{ id: acc, balance: 100000 }]
${VENUE}`,
      BASE.replace('profiles:', '  - { symbol: KX, tickSize: 0.01 }\nprofiles:'),
    );
    await t.tick('KX', 0.55, T0 + SECOND, { bid: 0.55, ask: 0.56 });
    await t.submit({
      symbol: 'KX',
      binary: true,
      probability: 0.7,
      stopPrice: undefined,
      targetPrice: undefined,
    });
    // Win 0.45, lose 0.55: edge 0.7 − 0.55 = 0.15; f* = 0.7 − 0.3 × 0.55 / 0.45 = 1/3, a quarter
    // of it is 8,333.33 at risk, 0.55 a contract: 15,151 contracts.
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({
      edge: 0.15,
      kellyFraction: expect.closeTo(1 / 12, 6),
      limitPrice: 0.55,
      quantity: 15151,
      decision: 'ENTER',
    });
    expect(t.placed()).toEqual([['entry-1-0', 0.55, 15151]]);
  });

  it('sizes a short at the ask', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 100000 }]\n${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, { bid: 4999.75, ask: 5000 });
    await t.submit({ side: 'short', stopPrice: 5010, targetPrice: 4980 });
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({
      side: 'short',
      limitPrice: 5000,
      quantity: 20,
      decision: 'ENTER',
    });
    expect(t.data('Trading.Order.Placed.v1')[0]).toMatchObject({
      side: 'sell',
      limitPrice: 5000,
      quantity: 20,
    });
  });

  it('cuts the size to maxExposurePerMarket: 2,000,000 / (5,000 × 50) = 8 contracts', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 100000, entry: { maxExposurePerMarket: 2000000 } }]
${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit();
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({
      decision: 'ENTER',
      kellyFraction: 0.1, // the Kelly fraction before the cap
      quantity: 8,
    });
    // 8 × 5,000 × 50 = 2,000,000 is at the per-market limit, not over it: the gate passes it.
    expect(t.placed()).toEqual([['entry-1-0', 5000, 8]]);
    expect(t.denials()).toEqual([]);
  });

  it('cuts the size to maxBankrollFraction of equity: 0.5 × 10,000,000 / 250,000 = 20 contracts', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 10000000, entry: { maxBankrollFraction: 0.5 } }]
${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit();
    // Kelly alone: 0.1 × 10,000,000 / 500 = 2,000 contracts.
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({ kellyFraction: 0.1, quantity: 20 });
    expect(t.placed()).toEqual([['entry-1-0', 5000, 20]]);
  });

  it('takes the smaller of the two caps', async () => {
    const t = setup(`
accounts:
  - id: acc
    balance: 10000000
    entry: { maxBankrollFraction: 0.5, maxExposurePerMarket: 1500000 }
${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit();
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({ quantity: 6 });
  });

  it('sizes on equity: an open position in profit grows the bankroll', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 100000 }]
positions: [{ id: p1, account: acc, symbol: NQ, side: long, quantity: 1, entryPrice: 20000 }]
${VENUE}`);
    // NQ up 500 points × 20 = 10,000: equity 110,000, 0.1 of it is 11,000 at risk: 22 contracts.
    await t.tick('NQ', 20500, T0 + SECOND);
    await t.tick('ES', 5000, T0 + 2 * SECOND, QUOTE);
    await t.submit();
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({ quantity: 22 });
  });
});

describe('entry flow: refusals', () => {
  const ACCOUNT = `accounts: [{ id: acc, balance: 100000 }]\n${VENUE}`;

  it('EDGE_TOO_SMALL: 34% on a 2:1 payoff is an edge of 0.0067, under the minimum 0.05', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit({ probability: 0.34 });
    const [evaluated] = t.of('Entry.Edge.Evaluated.v1');
    expect(evaluated!.data).toEqual({
      accountId: 'acc',
      symbol: 'ES',
      side: 'long',
      source: 'test',
      edge: expect.closeTo(0.34 - 1 / 3, 6),
      minEdge: 0.05,
      probability: 0.34,
      confidence: 1,
      limitPrice: 5000,
      decision: 'DENIED',
      reason: 'EDGE_TOO_SMALL',
      quantity: 0,
    });
    const [denied] = t.of('Risk.Order.Denied.v1');
    expect(denied!.data).toMatchObject({
      accountId: 'acc',
      symbol: 'ES',
      reason: 'EDGE_TOO_SMALL',
      side: 'buy',
    });
    expect(denied!.data.message).toMatch(/0\.006667 is below the minimum 0\.05/);
    expect(denied).toMatchObject({ causationId: evaluated!.id });
    expect(t.placed()).toEqual([]);
  });

  it('EDGE_TOO_SMALL below the account minEdge, ENTER at it', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 100000, entry: { minEdge: 0.3 } }]\n${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(); // 0.2667
    await t.submit({ probability: 0.65 }); // 0.3167
    expect(t.data('Entry.Edge.Evaluated.v1').map((d) => [d.decision, d.reason, d.minEdge])).toEqual([
      ['DENIED', 'EDGE_TOO_SMALL', 0.3],
      ['ENTER', undefined, 0.3],
    ]);
  });

  it('EDGE_TOO_SMALL for a negative edge', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit({ probability: 0.2 });
    expect(t.denials()).toEqual(['EDGE_TOO_SMALL']);
  });

  it('SIZE_TOO_SMALL: 0.1 of a 1,000 bankroll is 100 at risk, a fifth of one contract', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 1000 }]\n${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit();
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({
      decision: 'DENIED',
      reason: 'SIZE_TOO_SMALL',
      quantity: 0,
    });
    const [denied] = t.data('Risk.Order.Denied.v1');
    expect(denied).toMatchObject({ reason: 'SIZE_TOO_SMALL' });
    expect(denied!.message).toMatch(/0\.2 is less than one lot of 1/);
    expect(t.placed()).toEqual([]);
  });

  it('EDGE_INVALID: a long with its stop above the entry', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit({ stopPrice: 5010 });
    const [denied] = t.data('Risk.Order.Denied.v1');
    expect(denied).toMatchObject({ reason: 'EDGE_INVALID', side: 'buy' });
    expect(denied!.message).toMatch(/stop 5010 of a long entry at 5000 must be below/);
    // Nothing to evaluate: no payoff.
    expect(t.of('Entry.Edge.Evaluated.v1')).toEqual([]);
    expect(t.placed()).toEqual([]);
  });

  it('EDGE_INVALID: a short with its target above the entry', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit({ side: 'short', stopPrice: 5010, targetPrice: 5020 });
    expect(t.denials()).toEqual(['EDGE_INVALID']);
  });

  it('EDGE_INVALID: no price yet and no limit price', async () => {
    const t = setup(ACCOUNT);
    await t.submit();
    const [denied] = t.data('Risk.Order.Denied.v1');
    expect(denied).toMatchObject({ reason: 'EDGE_INVALID' });
    expect(denied!.message).toMatch(/ES has no price yet/);
    expect(t.placed()).toEqual([]);
  });

  it('places an edge with a limit price before the first tick, and the first tick fills it', async () => {
    const t = setup(ACCOUNT);
    await t.submit({ limitPrice: 5000 });
    expect(t.placed()).toEqual([['entry-1-0', 5000, 20]]);
    await t.tick('ES', 5000, T0 + SECOND, { bid: 4999.75, ask: 5000 });
    expect(t.position()).toMatchObject({ quantity: 20, entryPrice: 5000, stopPrice: 4990 });
  });

  it('EDGE_INVALID: an unknown market or account', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit({ symbol: 'ZZ' });
    await t.submit({ accountId: 'nobody' });
    expect(t.denials()).toEqual(['EDGE_INVALID', 'EDGE_INVALID']);
  });

  it('MAX_POSITIONS: a second market when the account already holds its one position', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 100000, entry: { maxPositions: 1 } }]
positions: [{ id: p1, account: acc, symbol: NQ, side: long, quantity: 1, entryPrice: 20000 }]
${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit();
    expect(t.data('Entry.Edge.Evaluated.v1')[0]).toMatchObject({ decision: 'ENTER' });
    const [denied] = t.data('Risk.Order.Denied.v1');
    expect(denied).toMatchObject({ reason: 'MAX_POSITIONS', quantity: 20, side: 'buy' });
    expect(t.placed()).toEqual([]);
    expect(t.c.entry.active()).toEqual([]);
  });

  it('EXPOSURE_TOTAL: 20 ES are 5,000,000 of notional over a 1,000,000 total limit', async () => {
    const t = setup(
      `accounts: [{ id: acc, balance: 100000, entry: { maxExposureTotal: 1000000 } }]\n${VENUE}`,
    );
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit();
    expect(t.denials()).toEqual(['EXPOSURE_TOTAL']);
    expect(t.placed()).toEqual([]);
  });

  it('DAILY_LOSS_HEADROOM: 20 contracts × 10 points × 50 = 10,000 at the stop, over a 5,000 daily limit', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 100000, rules: { dailyLoss: { limit: 5000 } } }]
${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit();
    const [denied] = t.data('Risk.Order.Denied.v1');
    expect(denied).toMatchObject({ reason: 'DAILY_LOSS_HEADROOM' });
    expect(denied!.message).toMatch(/10000.*5000/);
    expect(t.placed()).toEqual([]);
  });

  it('ORDER_RATE: the second edge within a minute of the first, the third a minute later passes', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 1000000, entry: { maxOrdersPerMinute: 1, orderTimeoutSeconds: 600 } }]
${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit({ limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 });
    await t.runTo(T0 + 30 * SECOND);
    await t.submit({ limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 });
    expect(t.denials()).toEqual(['ORDER_RATE']);
    await t.runTo(T0 + SECOND + MINUTE);
    await t.submit({ limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 });
    expect(t.denials()).toEqual(['ORDER_RATE']);
    expect(t.placed().map(([id]) => id)).toEqual(['entry-1-0', 'entry-3-0']);
  });

  it('TRADING_HALTED: an account halted by hand takes no entry', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    t.c.risk.setState('acc', 'HALTED', 'x');
    await t.submit();
    const [denied] = t.data('Risk.Order.Denied.v1');
    expect(denied).toMatchObject({ reason: 'TRADING_HALTED' });
    expect(denied!.message).toMatch(/HALTED \(MANUAL\)/);
    expect(t.placed()).toEqual([]);
  });

  it('TRADING_REDUCING: an account reducing takes no entry', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    t.c.risk.setState('acc', 'REDUCING', 'x');
    await t.submit();
    expect(t.denials()).toEqual(['TRADING_REDUCING']);
  });

  it('CORRELATION: a long ES while long NQ, the two moving together over 50 one-minute candles', async () => {
    const t = setup(
      `
risk: { correlationInterval: 1m }
accounts: [{ id: acc, balance: 1000000, entry: { maxCorrelation: 0.9 } }]
positions: [{ id: p1, account: acc, symbol: NQ, side: long, quantity: 1, entryPrice: 20000 }]
${VENUE}`,
      BASE.replace('candleIntervals: []', 'candleIntervals: [1m]'),
    );
    // NQ is always four ES: their returns are the same, correlation 1. 52 closes each (51 are
    // needed for 50 returns).
    for (let i = 0; i < 53; i++) {
      const es = 5000 + 10 * ((i * 7) % 5);
      await t.tick('ES', es, T0 + i * MINUTE + SECOND, { bid: es, ask: es + 0.25 });
      await t.tick('NQ', 4 * es, T0 + i * MINUTE + 2 * SECOND);
    }
    expect(t.c.correlations.evaluate(['ES', 'NQ'])?.correlation).toBeCloseTo(1, 9);
    await t.submit({ limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 });
    const [denied] = t.data('Risk.Order.Denied.v1');
    expect(denied).toMatchObject({ reason: 'CORRELATION' });
    expect(denied!.message).toMatch(/ES moves with the open long NQ \(correlation 1\.00, limit 0\.9\)/);
    // A short ES against the long NQ is a hedge, not more of the same bet.
    await t.submit({ side: 'short', limitPrice: 5100, stopPrice: 5110, targetPrice: 5080 });
    expect(t.denials()).toEqual(['CORRELATION']);
    expect(t.placed().map(([id]) => id)).toEqual(['entry-2-0']);
  });
});

describe('entry flow: the working order', () => {
  const WALKING = `accounts: [{ id: acc, balance: 100000, entry: { orderTimeoutSeconds: 10, walks: 2 } }]\n${VENUE}`;
  /** 20 contracts bid at 4,990 under a 5,000 market. */
  const BELOW = { limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 };

  it('walks an unfilled order one tick up after each timeout, then cancels it for good', async () => {
    const t = setup(WALKING);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    expect(t.placed()).toEqual([['entry-1-0', 4990, 20]]);

    await t.runTo(T0 + 11 * SECOND - 1);
    expect(t.cancelled()).toEqual([]);
    await t.runTo(T0 + 11 * SECOND);
    expect(t.cancelled()).toEqual(['entry-1-0']);
    expect(t.placed()).toEqual([
      ['entry-1-0', 4990, 20],
      ['entry-1-1', 4990.25, 20],
    ]);
    expect(t.of('Trading.Order.Placed.v1')[1]!.ts).toBe('2026-01-05T14:00:11.000Z');
    expect(t.c.entry.active()).toMatchObject([{ limitPrice: 4990.25, filled: 0 }]);

    await t.runTo(T0 + 21 * SECOND);
    expect(t.placed().at(-1)).toEqual(['entry-1-2', 4990.5, 20]);
    await t.runTo(T0 + 31 * SECOND);
    expect(t.cancelled()).toEqual(['entry-1-0', 'entry-1-1', 'entry-1-2']);
    expect(t.placed()).toHaveLength(3);
    expect(t.c.entry.active()).toEqual([]);

    // Nothing more, however long we wait.
    await t.runTo(T0 + 10 * MINUTE);
    expect(t.placed()).toHaveLength(3);
    expect(t.cancelled()).toHaveLength(3);
    expect(t.position()).toBeUndefined();
    // Each cancel follows its own order's placement.
    const placedIds = new Map(t.of('Trading.Order.Placed.v1').map((e) => [e.data.clientOrderId, e.id]));
    for (const e of t.of('Trading.Order.Cancelled.v1')) {
      expect(e.causationId).toBe(placedIds.get(e.data.clientOrderId));
    }
  });

  it('cancels at the first timeout with walks: 0', async () => {
    const t = setup(
      `accounts: [{ id: acc, balance: 100000, entry: { orderTimeoutSeconds: 10, walks: 0 } }]\n${VENUE}`,
    );
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    await t.runTo(T0 + 5 * MINUTE);
    expect(t.placed()).toEqual([['entry-1-0', 4990, 20]]);
    expect(t.cancelled()).toEqual(['entry-1-0']);
  });

  it('numbers the entries: the second edge walks as entry-2-N', async () => {
    const t = setup(WALKING);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    await t.runTo(T0 + 5 * SECOND);
    await t.submit({ ...BELOW, limitPrice: 4989, stopPrice: 4979 });
    await t.runTo(T0 + 16 * SECOND);
    expect(t.placed()).toEqual([
      ['entry-1-0', 4990, 20],
      ['entry-2-0', 4989, 20],
      ['entry-1-1', 4990.25, 20],
      ['entry-2-1', 4989.25, 20],
    ]);
  });

  it('walks a sell one tick down', async () => {
    const t = setup(WALKING);
    await t.tick('ES', 5000, T0 + SECOND, { bid: 4999.75, ask: 5000 });
    await t.submit({ side: 'short', limitPrice: 5010, stopPrice: 5020, targetPrice: 4990 });
    await t.runTo(T0 + 21 * SECOND);
    expect(t.placed().map(([, price]) => price)).toEqual([5010, 5009.75, 5009.5]);
  });

  it('a walk that becomes marketable fills and opens the position', async () => {
    const t = setup(WALKING);
    await t.tick('ES', 5000, T0 + SECOND, { bid: 4999.75, ask: 5000.25 });
    // At the bid, 4,999.75; the first walk bids 5,000, the second 5,000.25, the ask.
    await t.submit({ stopPrice: 4989.75, targetPrice: 5019.75 });
    await t.runTo(T0 + 11 * SECOND);
    expect(t.position()).toBeUndefined();
    await t.runTo(T0 + 21 * SECOND);
    expect(t.placed()).toEqual([
      ['entry-1-0', 4999.75, 20],
      ['entry-1-1', 5000, 20],
      ['entry-1-2', 5000.25, 20],
    ]);
    expect(t.data('Trading.Position.Opened.v1')).toEqual([
      expect.objectContaining({
        quantity: 20,
        entryPrice: 5000.25,
        stopPrice: 4989.75,
        targetPrice: 5019.75,
        clientOrderId: 'entry-1-2',
      }),
    ]);
    expect(t.c.entry.active()).toEqual([]);
    await t.runTo(T0 + 5 * MINUTE);
    expect(t.cancelled()).toEqual(['entry-1-0', 'entry-1-1']);
  });

  it('a walked order that a later tick reaches fills there', async () => {
    const t = setup(WALKING);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    await t.runTo(T0 + 11 * SECOND);
    await t.tick('ES', 4990.5, T0 + 15 * SECOND, { bid: 4990, ask: 4990.25 });
    expect(t.position()).toMatchObject({ quantity: 20, entryPrice: 4990.25 });
    await t.runTo(T0 + 5 * MINUTE);
    expect(t.placed()).toHaveLength(2);
    expect(t.cancelled()).toEqual(['entry-1-0']);
  });

  it('keeps a partial fill and walks only the rest', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 100000, entry: { orderTimeoutSeconds: 10, walks: 2 } }]
venue: { leverage: 100, partialFills: { maxQuantityPerTick: 5 } }`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    // The market touches 4,990: 5 of 20 fill.
    await t.tick('ES', 4990, T0 + 5 * SECOND, { bid: 4989.75, ask: 4990 });
    expect(t.position()).toMatchObject({ quantity: 5, entryPrice: 4990, stopPrice: 4980, targetPrice: 5010 });
    await t.tick('ES', 4995, T0 + 6 * SECOND, { bid: 4994.75, ask: 4995.25 });
    expect(t.c.entry.active()).toMatchObject([{ quantity: 20, filled: 5 }]);

    // Timeout: the 15 left are cancelled and walked one tick up as a new order of 15.
    await t.runTo(T0 + 11 * SECOND);
    expect(t.cancelled()).toEqual(['entry-1-0']);
    expect(t.placed()).toEqual([
      ['entry-1-0', 4990, 20],
      ['entry-1-1', 4990.25, 15],
    ]);
    expect(t.position()).toMatchObject({ quantity: 5 });

    // Five more fill on the walk, then the rest is walked again (10) and finally cancelled.
    await t.tick('ES', 4990.25, T0 + 12 * SECOND, { bid: 4990, ask: 4990.25 });
    expect(t.position()).toMatchObject({ quantity: 10 });
    await t.tick('ES', 4995, T0 + 13 * SECOND, { bid: 4994.75, ask: 4995.25 });
    await t.runTo(T0 + 21 * SECOND);
    expect(t.placed().at(-1)).toEqual(['entry-1-2', 4990.5, 10]);
    await t.runTo(T0 + 5 * MINUTE);
    expect(t.cancelled()).toEqual(['entry-1-0', 'entry-1-1', 'entry-1-2']);
    expect(t.position()).toMatchObject({ quantity: 10 });
    expect(t.c.entry.active()).toEqual([]);
  });

  it('finishes once partial fills add up to the whole size', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 100000, entry: { orderTimeoutSeconds: 60, walks: 2 } }]
venue: { leverage: 100, partialFills: { maxQuantityPerTick: 10 } }`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    await t.tick('ES', 4990, T0 + 5 * SECOND, { bid: 4989.75, ask: 4990 });
    await t.tick('ES', 4990, T0 + 6 * SECOND, { bid: 4989.75, ask: 4990 });
    expect(t.position()).toMatchObject({ quantity: 20 });
    expect(t.c.entry.active()).toEqual([]);
    await t.runTo(T0 + 10 * MINUTE);
    expect(t.placed()).toHaveLength(1);
    expect(t.cancelled()).toEqual([]);
  });
});

describe('entry flow: venue errors', () => {
  const ACCOUNT = `accounts: [{ id: acc, balance: 100000 }]\n${VENUE}`;

  /** Makes the paper venue fail the next `n` placements with a transient network error. */
  function flaky(t: ReturnType<typeof setup>, n: number) {
    const venue = t.c.venue;
    const place = venue.placeOrder.bind(venue);
    const calls: { id: string; at: number }[] = [];
    let failures = n;
    vi.spyOn(venue, 'placeOrder').mockImplementation(async (request: OrderRequest) => {
      calls.push({ id: request.clientOrderId, at: t.clock.now() - T0 });
      if (failures > 0) {
        failures--;
        throw new VenueError('transient', 'NETWORK', 'connection reset');
      }
      return place(request);
    });
    return calls;
  }

  it('retries a transient error with the same client order id after the backoff: one Placed', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    const calls = flaky(t, 2);
    const submitted = t.c.entry.submit(EDGE);
    await t.settle();
    expect(calls).toEqual([{ id: 'entry-1-0', at: 1000 }]);
    // 250 ms later, then 500 ms after that, on the simulated clock.
    await t.runTo(T0 + 1249);
    expect(calls).toHaveLength(1);
    await t.runTo(T0 + 1250);
    expect(calls).toHaveLength(2);
    await t.runTo(T0 + 1749);
    expect(calls).toHaveLength(2);
    await t.runTo(T0 + 1750);
    await submitted;
    expect(calls).toEqual([
      { id: 'entry-1-0', at: 1000 },
      { id: 'entry-1-0', at: 1250 },
      { id: 'entry-1-0', at: 1750 },
    ]);
    expect(t.placed()).toEqual([['entry-1-0', 5000, 20]]);
    expect(t.data('Risk.Alert.Triggered.v1')).toEqual([]);
    expect(await t.c.venue.openOrders('acc')).toMatchObject([{ clientOrderId: 'entry-1-0', quantity: 20 }]);
    // The order works as any other: it fills and opens the position.
    await t.tick('ES', 5000, T0 + 2 * SECOND, { bid: 4999.75, ask: 5000 });
    expect(t.position()).toMatchObject({ quantity: 20, stopPrice: 4990 });
  });

  it('gives up after three failures with ENTRY_FAILED', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    const calls = flaky(t, 100);
    const submitted = t.c.entry.submit(EDGE);
    await t.runTo(T0 + 10 * SECOND);
    await submitted;
    expect(calls.map((c) => c.at)).toEqual([1000, 1250, 1750]);
    expect(t.placed()).toEqual([['entry-1-0', 5000, 20]]);
    const [alert] = t.of('Risk.Alert.Triggered.v1');
    expect(alert!.data).toMatchObject({
      accountId: 'acc',
      code: 'ENTRY_FAILED',
      symbol: 'ES',
      severity: 'warning',
    });
    expect(alert!.data.message).toMatch(/entry-1-0 could not be placed: connection reset/);
    expect(t.c.entry.active()).toEqual([]);
    await t.c.entry.idle();
  });

  it('does not send the retry of an entry whose account was halted during the backoff', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    const calls = flaky(t, 1);
    const submitted = t.c.entry.submit(EDGE);
    await t.settle();
    expect(calls).toHaveLength(1);
    t.c.risk.setState('acc', 'HALTED', 'x');
    await t.runTo(T0 + 10 * SECOND);
    await submitted;
    await t.c.entry.idle();
    // The retry would skip the pre-trade checks (it is the same order): it must not be sent at all.
    expect(calls).toHaveLength(1);
    expect(await t.c.venue.openOrders('acc')).toEqual([]);
    await t.tick('ES', 5000, T0 + 11 * SECOND, { bid: 4999.75, ask: 5000 });
    expect(t.position()).toBeUndefined();
    expect(t.c.entry.active()).toEqual([]);
  });

  it('walks no order while the one before could not be cancelled: never two at once', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 100000, entry: { orderTimeoutSeconds: 10 } }]\n${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit({ limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 });
    const venue = t.c.venue;
    const cancel = venue.cancelOrder.bind(venue);
    let failures = 1;
    vi.spyOn(venue, 'cancelOrder').mockImplementation(async (accountId: string, clientOrderId: string) => {
      if (failures > 0) {
        failures--;
        throw new VenueError('transient', 'NETWORK', 'connection reset');
      }
      return cancel(accountId, clientOrderId);
    });
    await t.runTo(T0 + 11 * SECOND);
    const [alert] = t.data('Risk.Alert.Triggered.v1');
    expect(alert).toMatchObject({ code: 'ENTRY_FAILED' });
    expect(alert!.message).toMatch(/entry-1-0 could not be cancelled/);
    expect(t.placed()).toEqual([['entry-1-0', 4990, 20]]);
    expect((await venue.openOrders('acc')).map((o) => o.clientOrderId)).toEqual(['entry-1-0']);
    // The next timeout cancels it, and only then is the walk placed.
    await t.runTo(T0 + 21 * SECOND);
    expect(t.cancelled()).toEqual(['entry-1-0']);
    expect(t.placed()).toEqual([
      ['entry-1-0', 4990, 20],
      ['entry-1-1', 4990.25, 20],
    ]);
    expect((await venue.openOrders('acc')).map((o) => o.clientOrderId)).toEqual(['entry-1-1']);
  });

  it('does not retry a rejection', async () => {
    const t = setup(`accounts: [{ id: acc, balance: 100000 }]\nvenue: { leverage: 1 }`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    // Fully paid, 20 ES need 5,000,000: the paper venue rejects it.
    await t.submit();
    expect(t.placed()).toHaveLength(1);
    expect(t.data('Trading.Order.Rejected.v1')).toMatchObject([{ clientOrderId: 'entry-1-0' }]);
    expect(t.c.entry.active()).toEqual([]);
    await t.runTo(T0 + 5 * MINUTE);
    expect(t.placed()).toHaveLength(1);
  });
});

describe('entry flow: the account stops trading', () => {
  const ACCOUNT = `accounts: [{ id: acc, balance: 100000, entry: { orderTimeoutSeconds: 10 } }]\n${VENUE}`;
  const BELOW = { limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 };

  it('cancels the working entry of an account halted by hand, and walks it no more', async () => {
    const t = setup(ACCOUNT);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    await t.runTo(T0 + 5 * SECOND);
    t.c.risk.setState('acc', 'HALTED', 'x');
    await t.settle();
    await t.c.entry.idle();
    expect(t.cancelled()).toEqual(['entry-1-0']);
    expect(t.of('Trading.Order.Cancelled.v1')[0]!.ts).toBe('2026-01-05T14:00:05.000Z');
    expect(await t.c.venue.openOrders('acc')).toEqual([]);
    expect(t.c.entry.active()).toEqual([]);
    await t.runTo(T0 + 5 * MINUTE);
    expect(t.placed()).toHaveLength(1);
  });

  it('cancels it when the account goes REDUCING, and keeps a partial fill', async () => {
    const t = setup(`
accounts: [{ id: acc, balance: 100000, entry: { orderTimeoutSeconds: 10 } }]
venue: { leverage: 100, partialFills: { maxQuantityPerTick: 5 } }`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    await t.tick('ES', 4990, T0 + 3 * SECOND, { bid: 4989.75, ask: 4990 });
    t.c.risk.setState('acc', 'REDUCING', 'news');
    await t.settle();
    expect(t.cancelled()).toEqual(['entry-1-0']);
    expect(t.position()).toMatchObject({ quantity: 5 });
    await t.tick('ES', 4990, T0 + 4 * SECOND, { bid: 4989.75, ask: 4990 });
    await t.runTo(T0 + 5 * MINUTE);
    expect(t.position()).toMatchObject({ quantity: 5 });
    expect(t.placed()).toHaveLength(1);
  });

  it('leaves the entries of other accounts working', async () => {
    const t = setup(`
accounts:
  - { id: acc, balance: 100000, entry: { orderTimeoutSeconds: 60 } }
  - { id: other, balance: 100000, entry: { orderTimeoutSeconds: 60 } }
${VENUE}`);
    await t.tick('ES', 5000, T0 + SECOND, QUOTE);
    await t.submit(BELOW);
    await t.submit({ ...BELOW, accountId: 'other' });
    t.c.risk.setState('acc', 'HALTED', 'x');
    await t.settle();
    expect(t.data('Trading.Order.Cancelled.v1').map((d) => [d.accountId, d.clientOrderId])).toEqual([
      ['acc', 'entry-1-0'],
    ]);
    expect(t.c.entry.active()).toMatchObject([{ accountId: 'other', id: 'entry-2' }]);
  });
});

describe('entry flow: replay', () => {
  const CONFIG = `
engine: { seed: 3, candleIntervals: [1m], staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 100000, entry: { orderTimeoutSeconds: 20, walks: 2 } }]
instruments: [{ symbol: ES, tickSize: 0.25, multiplier: 50 }]
venue: { leverage: 100, partialFills: { maxQuantityPerTick: 5 } }
`;

  /** ES drifting down then back up, quoted a tick wide, every 5 s for 10 minutes. */
  function ticks(): Tick[] {
    return Array.from({ length: 120 }, (_, i) => {
      const price = 5000 - 0.25 * (i < 60 ? i : 120 - i);
      return { ts: T0 + i * 5 * SECOND, symbol: 'ES', price, bid: price - 0.25, ask: price };
    });
  }

  const source = (list: readonly Tick[]): MarketDataSource => ({
    async *ticks() {
      for (const t of list) yield t;
    },
  });

  const edges: TimedEdge[] = [
    { at: T0 + 30 * SECOND, edge: { ...EDGE, limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 } },
    { at: T0 + 31 * SECOND, edge: { ...EDGE, probability: 0.2 } },
    { at: T0 + 4 * MINUTE, edge: { ...EDGE, side: 'short', stopPrice: 5010, targetPrice: 4960 } },
    // Marketable when placed: fills at once.
    { at: T0 + 6 * MINUTE, edge: { ...EDGE, limitPrice: 4990, stopPrice: 4980, targetPrice: 5010 } },
  ];

  async function replay(): Promise<string> {
    let text = '';
    const out = new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    await runReplay({
      config: parseConfig(CONFIG, { source: 'test', env: {} }),
      source: source(ticks()),
      out,
      now: () => 0,
      edges,
    });
    return text;
  }

  it('writes byte-identical JSONL for the same edges over the same ticks', async () => {
    const first = await replay();
    const second = await replay();
    expect(second).toBe(first);
    const types = first
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).type as string);
    const events = first
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Envelope);
    const at = (type: string) =>
      events.filter((e) => e.type === type).map((e) => [e.ts.slice(11, 19), e.data.clientOrderId]);
    // Each order works orderTimeoutSeconds (20 s) from its placement, walks included, although the
    // ticks come every 5 s and a walk's order is placed while the replay is between two ticks.
    expect(at('Trading.Order.Placed.v1')).toEqual([
      ['14:00:30', 'entry-1-0'],
      ['14:00:50', 'entry-1-1'],
      ['14:01:10', 'entry-1-2'],
      ['14:04:00', 'entry-2-0'],
      ['14:04:20', 'entry-2-1'],
      ['14:04:40', 'entry-2-2'],
      ['14:06:00', 'entry-3-0'],
    ]);
    expect(at('Trading.Order.Filled.v1')).toEqual([['14:06:00', 'entry-3-0']]);
    expect(at('Trading.Order.Cancelled.v1')).toEqual([
      ['14:00:50', 'entry-1-0'],
      ['14:01:10', 'entry-1-1'],
      ['14:01:30', 'entry-1-2'],
      ['14:04:20', 'entry-2-0'],
      ['14:04:40', 'entry-2-1'],
      ['14:05:00', 'entry-2-2'],
    ]);
    for (const type of [
      'Entry.Edge.Evaluated.v1',
      'Trading.Order.Placed.v1',
      'Trading.Order.Filled.v1',
      'Trading.Order.Cancelled.v1',
      'Trading.Position.Opened.v1',
      'Risk.Order.Denied.v1',
    ])
      expect(types).toContain(type);
  });
});
