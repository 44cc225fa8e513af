import type { PositionStanding } from '../../src/app/control/protocol.ts';

/** An open ES long as `warden status` reports it, for the status fixtures of several tests. */
export const SAMPLE_POSITION: PositionStanding = {
  positionId: 'P1',
  symbol: 'ES',
  side: 'long',
  quantity: '2',
  entryPrice: '5000',
  price: '4999.5',
  unrealizedPnl: '-50',
  stopPrice: '4990',
  targetPrice: '5030',
  openedAt: '2026-01-05T14:31:00.000Z',
};
