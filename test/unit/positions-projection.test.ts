import { describe, expect, it } from 'vitest';
import { PositionsProjection } from '../../src/app/persistence/projections.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';

/*
 * The positions table follows the position events through the shared reading of
 * `Trading.Position.Modified.v1` (domain/position-fold.ts): a trailing stop's move leaves the row,
 * null removes a level, an absent level stays, a number sets it.
 */

const ref = { positionId: 'P1', accountId: 'TS1', symbol: 'ES', side: 'long' };
let n = 0;

function event(type: string, data: Record<string, unknown>, ts = '2026-03-02T15:00:00.000Z'): Envelope {
  n++;
  return { id: `E${n}`, type, key: 'TS1', ts, data: { ...ref, ...data } };
}

function opened(): PositionsProjection {
  const p = new PositionsProjection();
  p.apply(
    event('Trading.Position.Opened.v1', {
      quantity: 2,
      entryPrice: 5000,
      stopPrice: 4990,
      targetPrice: 5030,
      openedAt: '2026-03-02T15:00:00.000Z',
      source: 'fill',
    }),
  );
  p.takeDirty();
  return p;
}

describe('PositionsProjection', () => {
  it('opens a row from Trading.Position.Opened.v1', () => {
    const p = new PositionsProjection();
    expect(
      p.apply(
        event('Trading.Position.Opened.v1', {
          quantity: 2,
          entryPrice: 5000,
          stopPrice: 4990,
          profile: 'scalp',
          openedAt: '2026-03-02T15:00:00.000Z',
          source: 'config',
        }),
      ),
    ).toBe(true);
    expect(p.takeDirty()).toEqual([
      {
        id: 'P1',
        accountId: 'TS1',
        symbol: 'ES',
        side: 'long',
        quantity: 2,
        entryPrice: 5000,
        stopPrice: 4990,
        profile: 'scalp',
        openedAt: Date.parse('2026-03-02T15:00:00.000Z'),
        status: 'open',
        attrs: { source: 'config' },
      },
    ]);
  });

  it('leaves the row alone when a trailing stop moves', () => {
    const p = opened();
    const moved = event('Trading.Position.Modified.v1', {
      source: 'TRAILING_STOP',
      trailingStopPrice: 5005,
      peakPrice: 5015,
    });
    expect(p.apply(moved)).toBe(false);
    expect(p.takeDirty()).toEqual([]);
  });

  it('removes a level given as null, keeps one absent, sets one given', () => {
    const p = opened();
    expect(
      p.apply(event('Trading.Position.Modified.v1', { source: 'AGENT', stopPrice: null, targetPrice: 5040 })),
    ).toBe(true);
    const [row] = p.takeDirty();
    expect(row).toMatchObject({ quantity: 2, entryPrice: 5000, targetPrice: 5040 });
    expect(row && 'stopPrice' in row).toBe(false);

    p.apply(event('Trading.Position.Modified.v1', { source: 'USER', stopPrice: 4995 }));
    expect(p.takeDirty()).toMatchObject([{ stopPrice: 4995, targetPrice: 5040 }]);
  });

  it('follows the quantity and closes the row', () => {
    const p = opened();
    p.apply(
      event('Trading.Position.Increased.v1', {
        addedQuantity: 1,
        fillPrice: 5010,
        quantity: 3,
        entryPrice: 5003,
      }),
    );
    p.apply(
      event('Trading.Position.Reduced.v1', {
        reducedQuantity: 1,
        quantity: 2,
        exitPrice: 5020,
        realizedPnl: '850',
      }),
    );
    expect(p.takeDirty()).toMatchObject([{ quantity: 2, entryPrice: 5003, stopPrice: 4990 }]);
    p.apply(
      event(
        'Trading.Position.Closed.v1',
        {
          reason: 'TAKE_PROFIT',
          quantity: 2,
          entryPrice: 5003,
          exitPrice: 5030,
          realizedPnl: '2700',
          openedAt: '2026-03-02T15:00:00.000Z',
        },
        '2026-03-02T16:00:00.000Z',
      ),
    );
    expect(p.takeDirty()).toMatchObject([
      { status: 'closed', closedAt: Date.parse('2026-03-02T16:00:00.000Z') },
    ]);
  });

  it('ignores events about no position and types it does not follow', () => {
    const p = opened();
    expect(
      p.apply({ id: 'X1', type: 'Risk.Alert.Triggered.v1', key: 'TS1', ts: 'x', data: { code: 'A' } }),
    ).toBe(false);
    expect(p.apply(event('Position.Something.New.v2', { price: 5000 }))).toBe(false);
    expect(p.takeDirty()).toEqual([]);
  });
});
