import { describe, expect, it } from 'vitest';
import { at, MINUTE, RISK_BASE, riskHarness, SECOND, T0 } from '../support/risk-harness.ts';

/*
 * Rules triggered by fills, closes, orders and the clock (DESIGN.md "Risk"), each at its boundary.
 * T0 is Monday 2026-01-05 14:00Z, 08:00 in Chicago.
 */

const RTY = 'CON.F.US.RTY.H25';

function account(rules: string, positions = ''): string {
  return `${RISK_BASE}
accounts: [{ id: acc, balance: 50000 }]
risk: { rules: ${rules} }
${positions === '' ? '' : `positions:\n${positions}`}
`;
}

describe('MaxContracts', () => {
  it('closes the excess of a fill from the newest position', async () => {
    const h = riskHarness(account('{ maxContracts: { limit: 5 } }'));
    await h.tick('ES', 5000, T0 + SECOND);
    await h.tick('BTC', 100, T0 + SECOND);
    // Both resting orders pass the gate while the account is flat (3 ≤ 5 and 4 ≤ 5).
    await h.order({ symbol: 'ES', side: 'buy', quantity: 3, type: 'limit', limitPrice: 4990 });
    await h.order({ symbol: 'BTC', side: 'buy', quantity: 4, type: 'limit', limitPrice: 99 });
    await h.tick('ES', 4990, T0 + 2 * SECOND); // 3 contracts
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.tick('BTC', 99, T0 + 3 * SECOND); // 3 + 4 = 7 > 5: the excess is 2, taken from BTC (newest)
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'MAX_CONTRACTS', limit: '5', value: '7', action: 'CLOSE_EXCESS' },
    ]);
    const exit = h.of('Trading.Order.Placed.v1').filter((e) => e.data.intent === 'exit');
    expect(exit.map((e) => e.data)).toEqual([
      expect.objectContaining({
        symbol: 'BTC',
        side: 'sell',
        quantity: 2,
        reason: 'RISK_RULE',
        reduceOnly: true,
      }),
    ]);
    expect(h.of('Trading.Position.Reduced.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ symbol: 'BTC', reducedQuantity: 2, quantity: 2 }),
    ]);
    expect(h.of('Trading.Position.Closed.v1')).toHaveLength(0);
    expect(h.c.engine.account('acc')!.positions.get('ES')!.quantity).toBe(3);
    // The gate now refuses what would go over: 5 held, +1 is 6.
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').at(-1)!.data).toMatchObject({ reason: 'MAX_CONTRACTS' });
  });

  it('sums fractional quantities exactly: 0.34 + 0.56 + 0.1 is at a limit of 1, not over it', async () => {
    const h = riskHarness(
      account(
        '{ maxContracts: { limit: 1 } }',
        [
          '  - { id: b, account: acc, symbol: BTC, side: long, quantity: 0.34, entryPrice: 100 }',
          '  - { id: e, account: acc, symbol: ETH, side: long, quantity: 0.1, entryPrice: 10 }',
        ].join('\n'),
      ).replace('instruments:', 'instruments:\n  - { symbol: ETH, tickSize: 0.01, lotSize: 0.01 }'),
    );
    await h.tick('BTC', 100, T0 + SECOND);
    await h.tick('ETH', 10, T0 + SECOND);
    // In floats 0.34 + 0.56 + 0.1 is 1.0000000000000002: the old sums refused this order.
    expect(await h.order({ symbol: 'BTC', side: 'buy', quantity: 0.56 })).toBeDefined();
    await h.tick('BTC', 100, T0 + 2 * SECOND);
    expect(h.of('Risk.Order.Denied.v1')).toEqual([]);
    expect(h.of('Risk.Limit.Breached.v1')).toEqual([]);
    expect(h.c.engine.account('acc')!.positions.get('BTC')!.quantity).toBe(0.9);
  });

  it('applies a per-instrument limit given for the root symbol', async () => {
    const h = riskHarness(account('{ maxContractsPerInstrument: { symbols: { RTY: 2 } } }'));
    await h.tick(RTY, 2000, T0 + SECOND);
    // RTY covers CON.F.US.RTY.H25: 3 > 2 is refused up front.
    expect(await h.order({ symbol: RTY, side: 'buy', quantity: 3 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ symbol: RTY, reason: 'MAX_CONTRACTS', quantity: 3 }),
    ]);
    // Two resting orders of 2 and 1 each pass while flat; together they fill 3.
    await h.order({ symbol: RTY, side: 'buy', quantity: 2, type: 'limit', limitPrice: 1990 });
    await h.order({ symbol: RTY, side: 'buy', quantity: 1, type: 'limit', limitPrice: 1990 });
    await h.tick(RTY, 1990, T0 + 2 * SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        rule: 'MAX_CONTRACTS_PER_INSTRUMENT',
        limit: '2',
        value: '3',
        action: 'CLOSE_EXCESS',
        positionId: expect.any(String),
        symbol: RTY,
      },
    ]);
    expect(h.of('Trading.Position.Reduced.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ symbol: RTY, reducedQuantity: 1, quantity: 2 }),
    ]);
  });
});

describe('SymbolBlock', () => {
  it('closes a configured position in a blocked root symbol', async () => {
    const h = riskHarness(
      account(
        '{ symbolBlock: { symbols: [RTY] } }',
        `  - { id: p1, account: acc, symbol: ${RTY}, side: long, quantity: 1, entryPrice: 2000 }`,
      ),
    );
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        rule: 'SYMBOL_BLOCK',
        limit: '0',
        value: '1',
        action: 'CLOSE_POSITION',
        positionId: 'p1',
        symbol: RTY,
      },
    ]);
    await h.tick(RTY, 2001, T0 + SECOND);
    await h.runTo(T0 + 10 * SECOND);
    expect(h.of('Trading.Position.Closed.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ positionId: 'p1', reason: 'RISK_RULE', exitPrice: 2001 }),
    ]);
  });

  it('refuses an entry in a blocked symbol and closes a fill that arrives from elsewhere', async () => {
    const h = riskHarness(account('{ symbolBlock: { symbols: [RTY] } }'));
    await h.tick(RTY, 2000, T0 + SECOND);
    expect(await h.order({ symbol: RTY, side: 'buy', quantity: 1 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ symbol: RTY, reason: 'SYMBOL_BLOCKED' }),
    ]);
    // A fill Warden did not place (the trader's own platform) is still watched.
    await h.c.venue.placeOrder({
      accountId: 'acc',
      symbol: RTY,
      side: 'sell',
      type: 'market',
      quantity: 2,
      clientOrderId: 'outside-1',
    });
    await h.settle();
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ rule: 'SYMBOL_BLOCK', value: '2', action: 'CLOSE_POSITION', symbol: RTY }),
    ]);
    expect(h.of('Trading.Position.Closed.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ symbol: RTY, side: 'short', reason: 'RISK_RULE', quantity: 2 }),
    ]);
  });
});

describe('TradeFrequencyLimit', () => {
  const yaml = account('{ tradeFrequency: { perMinute: 2, cooldownSeconds: 300 } }');
  const t = T0 + SECOND;

  it('cools down on the third entry fill within a minute, refuses entries, and resumes after', async () => {
    const h = riskHarness(yaml);
    for (const dt of [0, 10 * SECOND, 20 * SECOND]) {
      await h.tick('ES', 5000, t + dt);
      expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeDefined();
    }
    // Three fills within (t + 20 s − 60 s, t + 20 s]: 3 > 2.
    const breached = h.of('Risk.Limit.Breached.v1');
    expect(breached.map((e) => e.data)).toEqual([
      expect.objectContaining({ rule: 'TRADE_FREQUENCY', limit: '2', value: '3', action: 'COOLDOWN' }),
    ]);
    // Until t + 20 s + 300 s.
    const until = new Date(t + 20 * SECOND + 300 * SECOND).toISOString();
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'REDUCING', previousState: 'ACTIVE', reason: 'TRADE_FREQUENCY', until },
    ]);
    expect(h.of('Risk.Trading.Halted.v1')[0]!.causationId).toBe(breached[0]!.id);
    // A cooldown does not close anything.
    expect(h.c.engine.account('acc')!.positions.get('ES')!.quantity).toBe(3);
    await h.tick('ES', 5000, t + 30 * SECOND);
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data.reason)).toEqual(['COOLDOWN']);
    // Reducing still passes.
    expect(await h.order({ symbol: 'ES', side: 'sell', quantity: 1 })).toBeDefined();

    await h.runTo(Date.parse(until) - 1);
    expect(h.of('Risk.Trading.Resumed.v1')).toHaveLength(0);
    await h.runTo(Date.parse(until));
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'ACTIVE', previousState: 'REDUCING', reason: 'TRADE_FREQUENCY_ENDED' },
    ]);
    await h.tick('ES', 5000, Date.parse(until) + SECOND);
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeDefined();
  });

  it('counts a minute as a sliding window: a fill 60 s after the first one is the second', async () => {
    const h = riskHarness(yaml);
    // Fills at t, t + 30 s, t + 60 s: at t + 60 s the window (t, t + 60 s] holds 2.
    for (const dt of [0, 30 * SECOND, 60 * SECOND]) {
      await h.tick('ES', 5000, t + dt);
      await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    }
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    // t + 60.5 s: (t + 0.5 s, t + 60.5 s] holds t + 30 s, t + 60 s and this one: 3.
    await h.tick('ES', 5000, t + 60_500);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data.value)).toEqual(['3']);
  });
});

describe('CooldownAfterLoss', () => {
  const yaml = account(
    '{ cooldownAfterLoss: { tiers: [ { loss: 200, minutes: 15 }, { consecutiveLosses: 3, minutes: 60 } ] } }',
  );

  /** Buys 1 BTC at `entry` and closes it at `exit` (BTC has multiplier 1: PnL = exit − entry). */
  async function trade(h: ReturnType<typeof riskHarness>, when: number, entry: number, exit: number) {
    await h.tick('BTC', entry, when);
    expect(await h.order({ symbol: 'BTC', side: 'buy', quantity: 1 })).toBeDefined();
    await h.tick('BTC', exit, when + SECOND);
    await h.close('BTC');
  }

  it('refuses entries for 15 minutes after a single loss of 200, not after 199.99', async () => {
    const h = riskHarness(yaml);
    const t = T0 + MINUTE;
    await trade(h, t, 10000, 9800.01); // −199.99
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await trade(h, t + MINUTE, 10000, 9800); // −200
    const closedAt = t + MINUTE + SECOND;
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'COOLDOWN_AFTER_LOSS', limit: '200', value: '200', action: 'COOLDOWN' },
    ]);
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        state: 'REDUCING',
        previousState: 'ACTIVE',
        reason: 'COOLDOWN_AFTER_LOSS',
        until: new Date(closedAt + 15 * MINUTE).toISOString(),
      },
    ]);
    expect(await h.order({ symbol: 'BTC', side: 'buy', quantity: 1 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data.reason)).toEqual(['COOLDOWN']);
    await h.runTo(closedAt + 15 * MINUTE);
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', state: 'ACTIVE', previousState: 'REDUCING', reason: 'COOLDOWN_AFTER_LOSS_ENDED' },
    ]);
  });

  it('refuses entries for 60 minutes after three losses in a row; a win breaks the run', async () => {
    const h = riskHarness(yaml);
    let t = T0 + MINUTE;
    await trade(h, t, 10000, 9990); // −10, 1 in a row
    t += MINUTE;
    await trade(h, t, 10000, 9990); // −10, 2
    t += MINUTE;
    await trade(h, t, 10000, 10010); // +10: the run ends
    t += MINUTE;
    await trade(h, t, 10000, 9990); // 1
    t += MINUTE;
    await trade(h, t, 10000, 9990); // 2
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    t += MINUTE;
    await trade(h, t, 10000, 9990); // 3
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'COOLDOWN_AFTER_LOSS', limit: '3', value: '3', action: 'COOLDOWN' },
    ]);
    expect(h.of('Risk.Trading.Halted.v1')[0]!.data).toMatchObject({
      state: 'REDUCING',
      reason: 'COOLDOWN_AFTER_LOSS',
      until: new Date(t + SECOND + 60 * MINUTE).toISOString(),
    });
  });
});

describe('CooldownAfterLoss with a running cooldown', () => {
  it('never cuts a longer cooldown short with a shorter tier', async () => {
    const h = riskHarness(
      account(
        '{ cooldownAfterLoss: { tiers: [ { loss: 200, minutes: 15 }, { consecutiveLosses: 3, minutes: 60 } ] } }',
        `  - { id: win, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4000 }
  - { id: big, account: acc, symbol: ${RTY}, side: long, quantity: 1, entryPrice: 2000, stopPrice: 1000 }`,
      ),
    );
    // Three BTC losses of 10 in a row: the third, closed at t3, starts 60 minutes.
    let t = T0 + MINUTE;
    for (let i = 0; i < 3; i++) {
      await h.tick('BTC', 10000, t);
      await h.order({ symbol: 'BTC', side: 'buy', quantity: 1 });
      await h.tick('BTC', 9990, t + SECOND);
      await h.close('BTC');
      t += MINUTE;
    }
    const t3 = t - MINUTE + SECOND;
    const until = new Date(t3 + 60 * MINUTE).toISOString();
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data.until)).toEqual([until]);
    // During it: a win ends the run, then a single loss of (1996 − 2000)·50 = −200 hits the
    // 15-minute tier. Its 15 minutes end before the 60 do: the 60 stand.
    await h.tick('ES', 5001, t);
    await h.close('ES');
    await h.tick(RTY, 1996, t + SECOND);
    await h.close(RTY);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => [e.data.limit, e.data.value])).toEqual([
      ['3', '3'],
      ['200', '200'],
    ]);
    await h.runTo(t + SECOND + 15 * MINUTE);
    expect(h.c.risk.states.state('acc')).toBe('REDUCING');
    await h.runTo(Date.parse(until));
    expect(h.of('Risk.Trading.Resumed.v1').map((e) => [e.ts, e.data.reason])).toEqual([
      [until, 'COOLDOWN_AFTER_LOSS_ENDED'],
    ]);
  });
});

describe('NoStopLossGrace', () => {
  const yaml = account('{ noStopLossGrace: { seconds: 30 } }');
  const t = T0 + SECOND;

  it('closes a fill without a stop at exactly +30 s, not at +29.999 s', async () => {
    const h = riskHarness(yaml);
    await h.tick('ES', 5000, t);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    await h.runTo(t + 29_999);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.runTo(t + 30_000);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        rule: 'NO_STOP_LOSS',
        limit: '30',
        value: '30',
        action: 'CLOSE_POSITION',
        positionId: expect.any(String),
        symbol: 'ES',
      },
    ]);
    const closed = h.of('Trading.Position.Closed.v1');
    expect(closed.map((e) => e.data)).toEqual([
      expect.objectContaining({ reason: 'RISK_RULE', exitPrice: 5000 }),
    ]);
    expect(closed[0]!.ts).toBe(new Date(t + 30_000).toISOString());
  });

  it('leaves a position with its stop on the loss side alone', async () => {
    const h = riskHarness(yaml);
    await h.tick('ES', 5000, t);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1, openStop: 4990 });
    await h.runTo(t + 5 * MINUTE);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    expect(h.c.engine.account('acc')!.positions.get('ES')).toBeDefined();
  });

  it('counts a working protective stop order below entry for a long', async () => {
    const h = riskHarness(yaml);
    await h.tick('ES', 5000, t);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    await h.order({
      symbol: 'ES',
      side: 'sell',
      quantity: 1,
      type: 'stop',
      stopPrice: 4990,
      intent: 'protective',
    });
    await h.runTo(t + 5 * MINUTE);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    expect(h.c.engine.account('acc')!.positions.get('ES')).toBeDefined();
  });

  it('counts a profit-locking stop order above entry for a long', async () => {
    const h = riskHarness(yaml);
    await h.tick('ES', 5000, t);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    await h.tick('ES', 5020, t + SECOND);
    // A sell stop at 5010 locks in profit: it protects more than one below the entry would.
    await h.order({
      symbol: 'ES',
      side: 'sell',
      quantity: 1,
      type: 'stop',
      stopPrice: 5010,
      intent: 'protective',
    });
    await h.runTo(t + 5 * MINUTE);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    expect(h.c.engine.account('acc')!.positions.get('ES')).toBeDefined();
  });

  it('keeps a winner whose stop the rules policy moved to break-even', async () => {
    const h = riskHarness(yaml.replace('policy: hold', 'policy: rules'));
    await h.tick('ES', 5000, t);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1, openStop: 4900 });
    // +5%: the first milestone, and the default rules policy moves the stop to the entry.
    await h.tick('ES', 5250, t + 10 * SECOND);
    const p = h.c.engine.account('acc')!.positions.get('ES')!;
    expect(p.stopPrice).toBe(5000);
    await h.tick('ES', 5260, t + 5 * MINUTE);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    expect(h.of('Trading.Position.Closed.v1')).toHaveLength(0);
  });

  it('counts the grace from the moment the stop is removed; a change that leaves none does not extend it', async () => {
    const h = riskHarness(yaml);
    await h.tick('ES', 5000, t);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1, openStop: 4990 });
    await h.tick('ES', 5020, t + 10 * SECOND);
    const p = h.c.engine.account('acc')!.positions.get('ES')!;
    // Moved into profit at +10 s: still protected.
    expect(h.c.engine.modifyPosition(p.id, { stopPrice: 5010 }, 'USER')).toBe(true);
    await h.runTo(t + MINUTE);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    // Removed at +60 s: unprotected from then; a target set at +70 s does not restart the grace.
    expect(h.c.engine.modifyPosition(p.id, { stopPrice: null }, 'USER')).toBe(true);
    await h.runTo(t + MINUTE + 10 * SECOND);
    expect(h.c.engine.modifyPosition(p.id, { targetPrice: 5100 }, 'USER')).toBe(true);
    await h.runTo(t + MINUTE + 29_999);
    expect(h.of('Trading.Position.Closed.v1')).toHaveLength(0);
    await h.runTo(t + MINUTE + 30_000);
    const closed = h.of('Trading.Position.Closed.v1');
    expect(closed.map((e) => e.data.reason)).toEqual(['RISK_RULE']);
    expect(closed[0]!.ts).toBe(new Date(t + MINUTE + 30_000).toISOString());
  });

  it('starts a new grace when the protective stop order is cancelled', async () => {
    const h = riskHarness(yaml);
    await h.tick('ES', 5000, t);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 1 });
    await h.order({
      symbol: 'ES',
      side: 'sell',
      quantity: 1,
      type: 'stop',
      stopPrice: 4990,
      intent: 'protective',
      clientOrderId: 'stop-1',
    });
    await h.runTo(t + MINUTE);
    expect(h.of('Risk.Limit.Breached.v1')).toHaveLength(0);
    await h.c.engine.cancelOrder('acc', 'stop-1');
    await h.settle();
    // Cancelled at t + 60 s: unprotected from then, closed 30 s later.
    await h.runTo(t + MINUTE + 29_999);
    expect(h.of('Trading.Position.Closed.v1')).toHaveLength(0);
    await h.runTo(t + MINUTE + 30_000);
    expect(h.of('Trading.Position.Closed.v1').map((e) => e.data.reason)).toEqual(['RISK_RULE']);
  });
});

describe('SessionWindow with a flat-by time across the daylight-saving change', () => {
  // CME equity futures hours: Sunday–Friday 17:00 to 15:10 Chicago, flat by 15:10. Chicago moves
  // from CST (UTC−6) to CDT (UTC−5) on Sunday 2026-03-08 at 02:00.
  const yaml = `${account(
    '{ session: { timezone: America/Chicago, open: "17:00", close: "15:10", flatBy: "15:10" } }',
    '  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4000 }',
  )}`;
  const start = at('2026-03-06T20:00:00Z'); // Friday 14:00 CST

  it('flattens at 15:10 Chicago on both sides of the change and refuses entries while closed', async () => {
    const h = riskHarness(yaml, { start });
    await h.tick('ES', 5000, start + SECOND);
    // Friday 15:10 CST = 21:10Z.
    await h.runTo(at('2026-03-06T21:09:59.999Z'));
    expect(h.of('Trading.Position.Closed.v1')).toHaveLength(0);
    await h.runTo(at('2026-03-06T21:10:00Z'));
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      { accountId: 'acc', rule: 'SESSION_FLAT_BY', limit: '0', value: '1', action: 'FLATTEN' },
    ]);
    const friday = h.of('Trading.Position.Closed.v1');
    expect(friday.map((e) => e.data)).toEqual([
      expect.objectContaining({ positionId: 'p1', reason: 'SESSION_END' }),
    ]);
    expect(friday[0]!.ts).toBe('2026-03-06T21:10:00.000Z');

    // Saturday noon: no session.
    await h.tick('ES', 5000, at('2026-03-07T18:00:00Z'));
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeUndefined();
    // Sunday 16:59 CDT = 21:59Z: still closed. 17:00 CDT = 22:00Z: Monday's session opens.
    await h.tick('ES', 5000, at('2026-03-08T21:59:00Z'));
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data.reason)).toEqual([
      'SESSION_CLOSED',
      'SESSION_CLOSED',
    ]);
    await h.tick('ES', 5000, at('2026-03-08T22:00:00Z'));
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1, openStop: 4000 })).toBeDefined();
    expect(h.of('Trading.Position.Opened.v1').at(-1)!.data).toMatchObject({ source: 'fill', symbol: 'ES' });

    // Monday 15:10 CDT = 20:10Z.
    await h.tick('ES', 5001, at('2026-03-09T19:00:00Z'));
    await h.runTo(at('2026-03-09T20:09:59.999Z'));
    expect(h.of('Trading.Position.Closed.v1')).toHaveLength(1);
    await h.runTo(at('2026-03-09T20:10:00Z'));
    const monday = h.of('Trading.Position.Closed.v1');
    expect(monday).toHaveLength(2);
    expect(monday[1]!.data).toMatchObject({ reason: 'SESSION_END', exitPrice: 5001 });
    expect(monday[1]!.ts).toBe('2026-03-09T20:10:00.000Z');
  });

  it('closes a resting entry that fills after the flat-by time', async () => {
    const h = riskHarness(yaml, { start });
    await h.tick('ES', 5000, start + SECOND);
    await h.order({ symbol: 'ES', side: 'sell', quantity: 1, intent: 'exit' }); // flat
    // Friday 15:00 CST: a resting buy below the market passes the gate.
    await h.order({
      symbol: 'ES',
      side: 'buy',
      quantity: 1,
      type: 'limit',
      limitPrice: 4990,
      openStop: 4000,
    });
    expect(h.of('Risk.Order.Denied.v1')).toHaveLength(0);
    // It fills at 15:20 CST (21:20Z), after the flat-by time.
    await h.tick('ES', 4990, at('2026-03-06T21:20:00Z'));
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ rule: 'SESSION_WINDOW', action: 'CLOSE_POSITION', symbol: 'ES', value: '1' }),
    ]);
    expect(h.of('Trading.Position.Closed.v1').at(-1)!.data).toMatchObject({
      reason: 'RISK_RULE',
      exitPrice: 4990,
    });
  });
});

describe('trading states at the gate', () => {
  const yaml = account(
    '{}',
    '  - { id: p1, account: acc, symbol: ES, side: long, quantity: 2, entryPrice: 5000, stopPrice: 4950 }',
  );

  it('REDUCING lets a reduction through and refuses additions and flips through flat', async () => {
    const h = riskHarness(yaml);
    await h.tick('ES', 5000, T0 + SECOND);
    expect(h.c.risk.setState('acc', 'REDUCING', 'test')).toEqual({
      previousState: 'ACTIVE',
      state: 'REDUCING',
    });
    expect(h.of('Risk.Trading.Halted.v1').map((e) => e.data)).toEqual([
      {
        accountId: 'acc',
        state: 'REDUCING',
        previousState: 'ACTIVE',
        reason: 'MANUAL: test',
        manualReset: true,
      },
    ]);
    // Long 2: selling 3 would go through flat to short 1.
    expect(await h.order({ symbol: 'ES', side: 'sell', quantity: 3 })).toBeUndefined();
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data.reason)).toEqual([
      'FLIP_THROUGH_FLAT',
      'TRADING_REDUCING',
    ]);
    expect(await h.order({ symbol: 'ES', side: 'sell', quantity: 1 })).toBeDefined();
    expect(h.c.engine.positionById('p1')!.quantity).toBe(1);
  });

  it('HALTED refuses every order that is not an exit, while a stop-loss exit still closes', async () => {
    const h = riskHarness(yaml);
    await h.tick('ES', 5000, T0 + SECOND);
    h.c.risk.setState('acc', 'REDUCING', 'first');
    const mark = h.mark();
    expect(h.c.risk.setState('acc', 'HALTED', 'then halted')).toEqual({
      previousState: 'REDUCING',
      state: 'HALTED',
    });
    // One state change, one event: REDUCING → HALTED, with nothing in between.
    expect(h.types(mark).filter((t) => t.startsWith('Risk.Trading.'))).toEqual(['Risk.Trading.Halted.v1']);
    expect(h.of('Risk.Trading.Halted.v1', mark)[0]!.data).toEqual({
      accountId: 'acc',
      state: 'HALTED',
      previousState: 'REDUCING',
      reason: 'MANUAL: then halted',
      manualReset: true,
    });
    expect(await h.order({ symbol: 'ES', side: 'sell', quantity: 1 })).toBeUndefined();
    expect(await h.order({ symbol: 'ES', side: 'buy', quantity: 1 })).toBeUndefined();
    expect(
      await h.order({
        symbol: 'ES',
        side: 'sell',
        quantity: 2,
        type: 'stop',
        stopPrice: 4960,
        intent: 'protective',
      }),
    ).toBeUndefined();
    expect(h.of('Risk.Order.Denied.v1').map((e) => e.data.reason)).toEqual([
      'TRADING_HALTED',
      'TRADING_HALTED',
      'TRADING_HALTED',
    ]);
    await h.tick('ES', 4950, T0 + 2 * SECOND);
    expect(h.of('Trading.Position.Closed.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ positionId: 'p1', reason: 'STOP_LOSS', exitPrice: 4950 }),
    ]);
  });
});

describe('evaluation order', () => {
  it('a fill that breaks a symbol block and the contract limit raises only the symbol block', async () => {
    const h = riskHarness(account('{ maxContracts: { limit: 5 }, symbolBlock: { symbols: [RTY] } }'));
    await h.tick(RTY, 2000, T0 + SECOND);
    await h.c.venue.placeOrder({
      accountId: 'acc',
      symbol: RTY,
      side: 'buy',
      type: 'market',
      quantity: 7,
      clientOrderId: 'outside-1',
    });
    await h.settle();
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data.rule)).toEqual(['SYMBOL_BLOCK']);
    expect(h.of('Trading.Position.Closed.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ symbol: RTY, reason: 'RISK_RULE', quantity: 7 }),
    ]);
    expect(h.of('Trading.Position.Reduced.v1')).toHaveLength(0);
  });

  it('a fill in the session that breaks the contract limit and the frequency raises contracts first', async () => {
    const h = riskHarness(
      account(`{ maxContracts: { limit: 5 }, tradeFrequency: { perMinute: 1, cooldownSeconds: 60 },
        session: { timezone: America/Chicago, open: "17:00", close: "15:10" } }`),
    );
    await h.tick('ES', 5000, T0 + SECOND);
    await h.tick('BTC', 100, T0 + SECOND);
    await h.order({ symbol: 'ES', side: 'buy', quantity: 3, type: 'limit', limitPrice: 4990 });
    await h.order({ symbol: 'BTC', side: 'buy', quantity: 4, type: 'limit', limitPrice: 99 });
    await h.tick('ES', 4990, T0 + 2 * SECOND); // 1 fill this minute, 3 contracts
    await h.tick('BTC', 99, T0 + 3 * SECOND); // 2 fills this minute, 7 contracts
    expect(h.of('Risk.Limit.Breached.v1').map((e) => [e.data.rule, e.data.value])).toEqual([
      ['MAX_CONTRACTS', '7'],
      ['TRADE_FREQUENCY', '2'],
    ]);
  });

  it('a tick that breaks the daily loss and a position loss limit at once flattens as the breaker', async () => {
    // Long 2 ES at 5000: at 4997 the position is at (4997 − 5000)·100 = −300, which is both the
    // position limit (300) and the daily limit (300). The account limit comes first.
    const h = riskHarness(
      account(
        '{ dailyLoss: { limit: 300 }, unrealizedLoss: { limit: 300 } }',
        '  - { id: p1, account: acc, symbol: ES, side: long, quantity: 2, entryPrice: 5000 }',
      ),
    );
    await h.tick('ES', 4997, T0 + SECOND);
    expect(h.of('Risk.Limit.Breached.v1').map((e) => e.data.rule)).toEqual(['DAILY_LOSS']);
    expect(h.of('Trading.Position.Closed.v1')[0]!.data).toMatchObject({ reason: 'CIRCUIT_BREAKER' });
  });
});
