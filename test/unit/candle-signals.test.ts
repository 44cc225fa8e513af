import { describe, expect, it } from 'vitest';
import {
  CorrelationSpikedV1,
  ThesisInvalidatedV1,
  VolatilitySpikedV1,
} from '../../src/domain/events/catalog.ts';
import {
  correlationSpikedPayload,
  type TriggerContext,
  thesisInvalidatedPayload,
  volatilitySpikedPayload,
} from '../../src/domain/monitoring/candle-signals.ts';

const context: TriggerContext = {
  positionId: 'p-1',
  accountId: 'acc-1',
  symbol: 'BTC',
  side: 'long',
  price: 99.9,
  entryPrice: 105,
  quantity: 2,
  pnl: '-10.2',
  pnlPct: -4.857,
};

describe('candle signal payloads', () => {
  it('build data that passes the catalog schemas', () => {
    const thesis = thesisInvalidatedPayload(context, '15m', { kind: 'SWING_BREAK', level: 100, close: 99.9 });
    expect(ThesisInvalidatedV1.schema.parse(thesis)).toEqual({
      ...context,
      interval: '15m',
      kind: 'SWING_BREAK',
      level: 100,
      close: 99.9,
    });

    const vol = volatilitySpikedPayload(context, '1h', {
      atr: 5,
      atrMean: 2,
      spiked: true,
      risingEdge: true,
    });
    expect(VolatilitySpikedV1.schema.parse(vol)).toEqual({ ...context, interval: '1h', atr: 5, atrMean: 2 });

    const symbols = ['BTC', 'ETH'];
    const corr = correlationSpikedPayload('acc-1', '15m', { correlation: 0.93, symbols });
    expect(CorrelationSpikedV1.schema.parse(corr)).toEqual({
      accountId: 'acc-1',
      interval: '15m',
      correlation: 0.93,
      symbols: ['BTC', 'ETH'],
    });
    expect(corr.symbols).not.toBe(symbols);
  });
});
