import { describe, expect, it } from 'vitest';
import { defineInstrument } from '../../src/domain/instrument.ts';
import { dec, moneyString } from '../../src/domain/money.ts';
import type { Fill } from '../../src/domain/order.ts';
import { applyFill, type Position } from '../../src/domain/position.ts';

const BTC = defineInstrument({ symbol: 'BTC', tickSize: 0.01, lotSize: 0.001 });

let n = 0;
const fill = (side: 'buy' | 'sell', quantity: number, price: number): Fill => ({
  fillId: `f${++n}`,
  accountId: 'acc',
  symbol: 'BTC',
  side,
  quantity,
  price,
  fee: '0',
  clientOrderId: `c${n}`,
  venueOrderId: `v${n}`,
  ts: n,
});

describe('partial exits of a position bought at several prices', () => {
  it('realize plain decimals that add up to the exact total', () => {
    // Average cost 300.07 / 3 = 100.02333…: no decimal holds it.
    let p: Position | undefined;
    for (const price of [100.01, 100.02, 100.04]) {
      const e = applyFill(p, fill('buy', 1, price), BTC, () => 'p');
      p = 'position' in e ? e.position : undefined;
    }
    const realized: string[] = [];
    for (const [q, price] of [
      [1, 100.05],
      [1, 99.99],
      [1, 100.03],
    ] as const) {
      const e = applyFill(p, fill('sell', q, price), BTC, () => 'x');
      if (e.kind === 'reduced' || e.kind === 'closed') realized.push(moneyString(e.realized));
      p = e.kind === 'reduced' ? e.position : undefined;
    }
    // No 40-digit tails: at most 18 decimals each.
    for (const r of realized) expect(r.split('.')[1]?.length ?? 0).toBeLessThanOrEqual(18);
    // Sold 300.07, bought 300.07: the exits add up to exactly 0.
    const total = realized.reduce((sum, r) => sum.plus(r), dec(0));
    expect(moneyString(total)).toBe('0');
  });
});
