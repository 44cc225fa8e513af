import type { CandleInterval } from '../candles.ts';
import type {
  CorrelationSpikedV1,
  PayloadOf,
  ThesisInvalidatedV1,
  VolatilitySpikedV1,
} from '../events/catalog.ts';
import type { CorrelationReading } from './correlation.ts';
import type { ThesisBreak } from './thesis.ts';
import type { VolatilityReading } from './volatility.ts';

export { type CorrelationCheck, CorrelationMonitor, type CorrelationReading } from './correlation.ts';
export { type ThesisBreak, ThesisWatch, type ThesisWatchState } from './thesis.ts';
export { VolatilityMonitor, type VolatilityReading } from './volatility.ts';

/**
 * Where the position stood when a candle signal fired (`positionId` … `pnlPct`): the caller
 * holds the position and the price, so it supplies these and the builders below add the signal.
 */
export type TriggerContext = Omit<
  PayloadOf<typeof ThesisInvalidatedV1>,
  'interval' | 'close' | 'level' | 'kind'
>;

/** The `data` of `Position.Thesis.Invalidated.v1`. */
export function thesisInvalidatedPayload(
  context: TriggerContext,
  interval: CandleInterval,
  hit: ThesisBreak,
): PayloadOf<typeof ThesisInvalidatedV1> {
  return { ...context, interval, close: hit.close, level: hit.level, kind: hit.kind };
}

/** The `data` of `Position.Volatility.Spiked.v1`, for a reading on its rising edge. */
export function volatilitySpikedPayload(
  context: TriggerContext,
  interval: CandleInterval,
  reading: VolatilityReading & { readonly atrMean: number },
): PayloadOf<typeof VolatilitySpikedV1> {
  return { ...context, interval, atr: reading.atr, atrMean: reading.atrMean };
}

/** The `data` of `Position.Correlation.Spiked.v1`. */
export function correlationSpikedPayload(
  accountId: string,
  interval: CandleInterval,
  reading: CorrelationReading,
): PayloadOf<typeof CorrelationSpikedV1> {
  return { accountId, interval, correlation: reading.correlation, symbols: [...reading.symbols] };
}
