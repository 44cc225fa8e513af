import { describe, expect, it } from 'vitest';
import {
  causalTree,
  collectPositionChain,
  explainFooter,
  explainSummary,
  formatExplain,
  formatSpan,
} from '../../src/app/inspect/explain.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { EventStore, ReadQuery, StoredEvent } from '../../src/ports/store.ts';

const P = 'POS1';
let next = 0;

/** A stored event at the next position; `cause` links it to another event of the chain. */
function ev(
  type: string,
  ts: string,
  data: Record<string, unknown>,
  cause?: StoredEvent,
  id = `E${String(++next).padStart(3, '0')}`,
): StoredEvent {
  const envelope: Envelope = {
    id,
    type,
    key: 'TS1',
    ts,
    ...(cause !== undefined
      ? {
          causationId: cause.envelope.id,
          correlationId: cause.envelope.correlationId ?? cause.envelope.id,
        }
      : {}),
    data,
  };
  return { envelope, position: next, version: next, hash: 'h'.repeat(64) };
}

const ref = { positionId: P, accountId: 'TS1', symbol: 'ES', side: 'long' };
const T0 = '2026-03-02T14:31:00.000Z';
const T1 = '2026-03-02T15:57:15.000Z';

/** An entry (edge → order → fill → open), a HOLD on an approaching stop, and a take-profit exit. */
function takeProfitChain() {
  next = 0;
  const edge = ev('Entry.Edge.Evaluated.v1', T0, {
    accountId: 'TS1',
    symbol: 'ES',
    side: 'long',
    source: 'model-a',
    edge: 0.41,
    minEdge: 0.05,
    kellyFraction: 0.12,
    quantity: 2,
    limitPrice: 5000,
    decision: 'ENTER',
  });
  const entry = ev(
    'Trading.Order.Placed.v1',
    T0,
    {
      accountId: 'TS1',
      symbol: 'ES',
      clientOrderId: 'entry-2-0',
      side: 'buy',
      type: 'limit',
      quantity: 2,
      limitPrice: 5000,
      reduceOnly: false,
      intent: 'entry',
    },
    edge,
  );
  const entryFill = ev(
    'Trading.Order.Filled.v1',
    T0,
    { clientOrderId: 'entry-2-0', side: 'buy', quantity: 2, price: 5000, fee: '1.5', remainingQuantity: 0 },
    entry,
  );
  const opened = ev(
    'Trading.Position.Opened.v1',
    T0,
    {
      ...ref,
      quantity: 2,
      entryPrice: 5000,
      stopPrice: 4993,
      targetPrice: 5030,
      openedAt: T0,
      source: 'fill',
    },
    entryFill,
  );
  const near = ev('Position.Stop.Approaching.v1', T0, {
    ...ref,
    price: 5000,
    pnl: '0',
    stopPrice: 4993,
    distancePct: 0.14,
  });
  const hold = ev(
    'Agent.Decision.Made.v1',
    T0,
    {
      ...ref,
      policy: 'rules',
      trigger: near.envelope.type,
      action: 'HOLD',
      confidence: 1,
      reasoning: 'stop is far enough',
    },
    near,
  );
  const hit = ev('Position.TakeProfit.Hit.v1', T1, { ...ref, price: 5030, pnl: '3000', targetPrice: 5030 });
  const exit = ev(
    'Trading.Order.Placed.v1',
    T1,
    {
      accountId: 'TS1',
      symbol: 'ES',
      clientOrderId: 'POS1-x1-1',
      side: 'sell',
      type: 'market',
      quantity: 2,
      reduceOnly: true,
      intent: 'exit',
      positionId: P,
      reason: 'TAKE_PROFIT',
    },
    hit,
  );
  const exitFill = ev(
    'Trading.Order.Filled.v1',
    T1,
    { clientOrderId: 'POS1-x1-1', side: 'sell', quantity: 2, price: 5030, fee: '1.5', remainingQuantity: 0 },
    exit,
  );
  const closed = ev(
    'Trading.Position.Closed.v1',
    T1,
    {
      ...ref,
      reason: 'TAKE_PROFIT',
      quantity: 2,
      entryPrice: 5000,
      exitPrice: 5030,
      realizedPnl: '3000',
      openedAt: T0,
    },
    exitFill,
  );
  return { edge, entry, entryFill, opened, near, hold, hit, exit, exitFill, closed };
}

describe('causalTree', () => {
  it('puts each event under its cause, children and roots in log order', () => {
    const c = takeProfitChain();
    const tree = causalTree(Object.values(c).reverse());
    expect(tree.map((l) => [l.stored.envelope.id, l.depth])).toEqual([
      [c.edge.envelope.id, 0],
      [c.entry.envelope.id, 1],
      [c.entryFill.envelope.id, 2],
      [c.opened.envelope.id, 3],
      [c.near.envelope.id, 0],
      [c.hold.envelope.id, 1],
      [c.hit.envelope.id, 0],
      [c.exit.envelope.id, 1],
      [c.exitFill.envelope.id, 2],
      [c.closed.envelope.id, 3],
    ]);
  });

  it('lists the children of one cause in log order, and an event whose cause is elsewhere as a root', () => {
    next = 0;
    const breach = ev('Risk.Limit.Breached.v1', T0, { accountId: 'TS1' });
    const halted = ev('Risk.Trading.Halted.v1', T0, { accountId: 'TS1' }, breach);
    const order = ev('Trading.Order.Placed.v1', T0, { clientOrderId: 'x' }, breach);
    const filled = ev('Trading.Order.Filled.v1', T0, { clientOrderId: 'y' });
    const orphan: StoredEvent = { ...filled, envelope: { ...filled.envelope, causationId: 'NOT-IN-CHAIN' } };
    const tree = causalTree([orphan, order, halted, breach]);
    expect(tree.map((l) => [l.stored.envelope.id, l.depth])).toEqual([
      [breach.envelope.id, 0],
      [halted.envelope.id, 1],
      [order.envelope.id, 1],
      [orphan.envelope.id, 0],
    ]);
  });

  it('keeps events caught in a cycle of causes instead of dropping them', () => {
    next = 0;
    const a = ev('A.B.C.v1', T0, {}, undefined, 'A');
    const b = ev('A.B.C.v1', T0, {}, a, 'B');
    const cyclic: StoredEvent = { ...a, envelope: { ...a.envelope, causationId: 'B' } };
    const tree = causalTree([cyclic, b]);
    expect(tree.map((l) => l.stored.envelope.id).sort()).toEqual(['A', 'B']);
  });
});

describe('explainSummary', () => {
  it('says what each step of an exit was', () => {
    const c = takeProfitChain();
    expect(explainSummary(c.hit.envelope)).toBe('tick 5030, target 5030, PnL 3000');
    expect(explainSummary(c.near.envelope)).toBe('tick 5000, stop 4993, 0.14% away, PnL 0');
    expect(explainSummary(c.hold.envelope)).toBe('decision HOLD by rules (confidence 1): stop is far enough');
    expect(explainSummary(c.exit.envelope)).toBe('order POS1-x1-1: sell 2 ES market (exit, TAKE_PROFIT)');
    expect(explainSummary(c.entry.envelope)).toBe('order entry-2-0: buy 2 ES limit @ 5000 (entry)');
    expect(explainSummary(c.exitFill.envelope)).toBe('fill POS1-x1-1: sell 2 @ 5030, fee 1.5');
    expect(explainSummary(c.closed.envelope)).toBe('closed (TAKE_PROFIT) 2 @ 5030, realized PnL 3000');
    expect(explainSummary(c.opened.envelope)).toBe(
      'opened long 2 ES @ 5000, stop 4993, target 5030 (from fill)',
    );
  });
});

describe('formatExplain', () => {
  it('prints a header, the indented tree with times and types, and the footer', () => {
    const c = takeProfitChain();
    expect(formatExplain(P, Object.values(c))).toBe(
      [
        'position POS1 ES long on TS1: 10 events',
        `  ${T0}  Entry.Edge.Evaluated.v1  edge ES long from model-a: 0.41 ≥ 0.05, Kelly 0.12 → 2 @ 5000`,
        `    ${T0}  Trading.Order.Placed.v1  order entry-2-0: buy 2 ES limit @ 5000 (entry)`,
        `      ${T0}  Trading.Order.Filled.v1  fill entry-2-0: buy 2 @ 5000, fee 1.5`,
        `        ${T0}  Trading.Position.Opened.v1  opened long 2 ES @ 5000, stop 4993, target 5030 (from fill)`,
        `  ${T0}  Position.Stop.Approaching.v1  tick 5000, stop 4993, 0.14% away, PnL 0`,
        `    ${T0}  Agent.Decision.Made.v1  decision HOLD by rules (confidence 1): stop is far enough`,
        `  ${T1}  Position.TakeProfit.Hit.v1  tick 5030, target 5030, PnL 3000`,
        `    ${T1}  Trading.Order.Placed.v1  order POS1-x1-1: sell 2 ES market (exit, TAKE_PROFIT)`,
        `      ${T1}  Trading.Order.Filled.v1  fill POS1-x1-1: sell 2 @ 5030, fee 1.5`,
        `        ${T1}  Trading.Position.Closed.v1  closed (TAKE_PROFIT) 2 @ 5030, realized PnL 3000`,
        `held 1h 26m 15s, closed TAKE_PROFIT at ${T1}, realized PnL 3000`,
        '',
      ].join('\n'),
    );
  });
});

describe('explainFooter', () => {
  it('adds up partial exits of a position still open', () => {
    next = 0;
    const opened = ev('Trading.Position.Opened.v1', T0, { ...ref, openedAt: T0 });
    const r1 = ev('Trading.Position.Reduced.v1', '2026-03-02T15:00:00.000Z', { ...ref, realizedPnl: '12.5' });
    const r2 = ev('Trading.Position.Reduced.v1', '2026-03-02T16:31:00.000Z', {
      ...ref,
      realizedPnl: '-2.25',
    });
    expect(explainFooter(P, [opened, r1, r2])).toBe(
      'still open, held 2h 0m 0s to its last event, realized PnL so far 10.25',
    );
  });
});

describe('formatSpan', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [1000, '1s'],
    [61_000, '1m 1s'],
    [3_600_000, '1h 0m 0s'],
    [90_061_000, '1d 1h 1m 1s'],
    [-1, '?'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatSpan(ms)).toBe(text);
  });
});

describe('collectPositionChain', () => {
  it('gathers the position events and their correlation chains, once each, in log order', async () => {
    const c = takeProfitChain();
    next = 20;
    const unrelated = ev('Risk.Trading.Resumed.v1', T1, { accountId: 'TS1' });
    const all = [...Object.values(c), unrelated];
    const queries: ReadQuery[] = [];
    // A hand-written fake of the two queries explain makes.
    const store = {
      async *read(query: ReadQuery = {}) {
        queries.push(query);
        for (const e of all) {
          const env = e.envelope;
          if (query.positionId !== undefined && env.data.positionId !== query.positionId) continue;
          if (query.correlationId !== undefined && (env.correlationId ?? env.id) !== query.correlationId)
            continue;
          yield e;
        }
      },
    } as unknown as EventStore;
    const chain = await collectPositionChain(store, P);
    expect(chain.map((e) => e.envelope.id)).toEqual(Object.values(c).map((e) => e.envelope.id));
    expect(queries[0]).toEqual({ positionId: P });
    expect(await collectPositionChain(store, 'NOPE')).toEqual([]);
  });
});
