import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/app/event-lines.ts';
import { summarizeEvent } from '../../src/app/inspect/summary.ts';
import { CATALOG } from '../../src/domain/events/catalog.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';

/*
 * Every event of the catalog reads as a sentence: in the daemon's log (describeEvent) and as the
 * summary of `warden events` (summarizeEvent), never its raw type name nor its payload as JSON.
 * A new catalog type fails here until it has a sample below and a line of its own.
 */

const TS = '2026-03-02T15:57:15.000Z';
const position = { positionId: 'P1', accountId: 'TS1', symbol: 'ES', side: 'long' };
const trigger = { ...position, price: 5015, entryPrice: 5000, quantity: 2, pnl: '1500', pnlPct: 0.3 };
const challenge = { accountId: 'TS1', preset: 'topstep-50k', phase: 'Trading Combine' };

/** A valid payload of every catalog type (each is checked against its schema). */
const SAMPLES: Record<string, Record<string, unknown>> = {
  'Trading.Position.Opened.v1': {
    ...position,
    quantity: 2,
    entryPrice: 5000,
    stopPrice: 4993,
    targetPrice: 5030,
    openedAt: TS,
    source: 'fill',
  },
  'Trading.Position.Increased.v1': {
    ...position,
    addedQuantity: 1,
    fillPrice: 5010,
    quantity: 3,
    entryPrice: 5003.33,
  },
  'Trading.Position.Modified.v1': { ...position, stopPrice: 5005, previousStopPrice: 4993, source: 'AGENT' },
  'Trading.Position.Reduced.v1': {
    ...position,
    reducedQuantity: 1,
    quantity: 1,
    exitPrice: 5020,
    realizedPnl: '1000',
  },
  'Trading.Position.Closed.v1': {
    ...position,
    reason: 'TAKE_PROFIT',
    quantity: 2,
    entryPrice: 5000,
    exitPrice: 5030,
    realizedPnl: '3000',
    openedAt: TS,
  },
  'Trading.Order.Placed.v1': {
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
  'Trading.Order.Filled.v1': {
    accountId: 'TS1',
    symbol: 'ES',
    clientOrderId: 'entry-2-0',
    venueOrderId: 'V1',
    fillId: 'F1',
    side: 'buy',
    quantity: 2,
    price: 5000,
    fee: '0',
    filledQuantity: 2,
    remainingQuantity: 0,
  },
  'Trading.Order.Cancelled.v1': {
    accountId: 'TS1',
    symbol: 'ES',
    clientOrderId: 'entry-2-0',
    reason: 'timeout',
  },
  'Trading.Order.Rejected.v1': {
    accountId: 'TS1',
    symbol: 'ES',
    clientOrderId: 'entry-2-0',
    reason: 'LOT_SIZE',
    message: 'quantity 2.5 is not a multiple of the lot size 1',
  },
  'Position.Stop.Approaching.v1': { ...trigger, stopPrice: 4993, distancePct: 0.4 },
  'Position.Target.Approaching.v1': { ...trigger, targetPrice: 5030, distancePct: 0.3 },
  'Position.Profit.MilestoneReached.v1': { ...trigger, milestonePct: 5 },
  'Position.Exit.StageReached.v1': { ...trigger, stage: 'partial_exit:1', levelPct: 3, exitQuantity: 1 },
  'Position.Time.Decayed.v1': { ...trigger, openedAt: TS, ageHours: 72.000277777 },
  'Position.Thesis.Invalidated.v1': {
    ...trigger,
    interval: '15m',
    close: 4985,
    level: 4990,
    kind: 'INVALIDATION_PRICE',
  },
  'Position.Volatility.Spiked.v1': { ...trigger, interval: '15m', atr: 12.345678, atrMean: 4.1 },
  'Position.Correlation.Spiked.v1': {
    accountId: 'TS1',
    interval: '1h',
    correlation: 0.934567,
    symbols: ['ES', 'NQ'],
  },
  'Position.StopLoss.Hit.v1': { ...trigger, stopPrice: 4993 },
  'Position.TakeProfit.Hit.v1': { ...trigger, targetPrice: 5030 },
  'Position.TrailingStop.Hit.v1': { ...trigger, trailingStopPrice: 5010, peakPrice: 5025 },
  'Risk.Limit.Breached.v1': {
    accountId: 'TS1',
    rule: 'DAILY_LOSS',
    limit: '-1000',
    value: '-1050',
    action: 'FLATTEN',
  },
  'Risk.Order.Denied.v1': {
    accountId: 'TS1',
    symbol: 'ES',
    reason: 'TRADING_HALTED',
    message: 'the account is HALTED',
  },
  'Risk.Trading.Halted.v1': {
    accountId: 'TS1',
    state: 'HALTED',
    previousState: 'ACTIVE',
    reason: 'DAILY_LOSS',
    until: TS,
  },
  'Risk.Trading.Resumed.v1': {
    accountId: 'TS1',
    state: 'ACTIVE',
    previousState: 'HALTED',
    reason: 'DAILY_RESET',
  },
  'Risk.CircuitBreaker.Tripped.v1': {
    accountId: 'TS1',
    breaker: 'DAILY_LOSS',
    message: 'daily loss limit reached',
    manualReset: false,
  },
  'Risk.Alert.Triggered.v1': {
    accountId: 'TS1',
    code: 'FEED_STALE',
    severity: 'warning',
    message: 'no tick for ES in 120 s',
  },
  'Agent.Decision.Made.v1': {
    ...position,
    policy: 'rules',
    trigger: 'Position.Target.Approaching.v1',
    action: 'HOLD',
    confidence: 1,
    reasoning: 'target approaching below the gain to tighten at',
    latencyMs: 0,
  },
  'Position.LowEvents.Summarized.v1': {
    accountId: 'TS1',
    interval: '15m',
    counts: { 'Position.Volatility.Spiked.v1': 2 },
  },
  'Market.Candle.Closed.v1': {
    symbol: 'ES',
    interval: '1m',
    openTime: '2026-03-02T15:56:00.000Z',
    closeTime: '2026-03-02T15:57:00.000Z',
    open: 5000,
    high: 5002,
    low: 4999,
    close: 5001,
    volume: 10,
    ticks: 4,
  },
  'Challenge.Phase.Completed.v1': {
    ...challenge,
    profit: '3150',
    profitTarget: '3000',
    tradingDays: 3,
    minTradingDays: 2,
    bestDay: '1500',
  },
  'Challenge.Failed.v1': {
    ...challenge,
    rule: 'MAX_LOSS',
    limit: '48000',
    value: '47950',
    message: 'equity fell below the maximum loss floor',
  },
  'Evaluation.Rule.Violated.v1': {
    ...challenge,
    rule: 'DAILY_LOSS',
    limit: '-1000',
    value: '-1050',
    consequence: 'ENFORCED',
  },
  'Challenge.Metrics.Updated.v1': {
    ...challenge,
    tradingDay: '2026-03-02',
    status: 'IN_PROGRESS',
    balance: '53000',
    dayPnl: '3000',
    profit: '3000',
    profitTarget: '3000',
    progressPct: 100,
    tradingDays: 1,
    minTradingDays: 2,
    bestDay: '3000',
  },
  'Entry.Edge.Evaluated.v1': {
    accountId: 'TS1',
    symbol: 'ES',
    side: 'long',
    source: 'model-a',
    edge: 0.41,
    minEdge: 0.05,
    confidence: 1,
    kellyFraction: 0.12,
    quantity: 2,
    limitPrice: 5000,
    decision: 'ENTER',
  },
  'Position.Edge.Updated.v1': {
    ...position,
    source: 'model-a',
    price: 5000,
    edge: 0.41,
    opposite: false,
  },
};

function envelope(type: string): Envelope {
  return { id: '01KJQM96VR5HHJTJK7D96N28H0', type, key: 'TS1', ts: TS, data: SAMPLES[type] ?? {} };
}

describe('the readable line of every catalog type', () => {
  it.each(CATALOG.map((d) => [d.type]))('%s reads as a sentence, not its type name', (type) => {
    const definition = CATALOG.find((d) => d.type === type)!;
    expect(SAMPLES[type], `add a sample payload of ${type} above`).toBeDefined();
    expect(definition.schema.safeParse(SAMPLES[type]).success, `the sample of ${type} is invalid`).toBe(true);
    const e = envelope(type);
    const versionless = type.replace(/\.v\d+$/, '');
    const line = describeEvent(e);
    expect(line, type).toBeDefined();
    for (const text of [line!.text, summarizeEvent(e)]) {
      // Neither its own type nor any other (a decision's trigger, a summary's counts) in raw form.
      for (const other of CATALOG) expect(text).not.toContain(other.type.replace(/\.v\d+$/, ''));
      expect(text.startsWith(versionless)).toBe(false);
      expect(text.startsWith('{')).toBe(false);
      expect(text).not.toContain('undefined');
      expect(text).toMatch(/^[A-Za-z#\d]/);
      expect(text.split(' ').length, text).toBeGreaterThan(2);
    }
  });

  it('reads the lines added for the types that printed their raw name', () => {
    const text = (type: string) => describeEvent(envelope(type))!.text;
    expect(text('Trading.Order.Placed.v1')).toBe('order placed entry-2-0: buy 2 ES limit @ 5000 (entry)');
    expect(text('Trading.Order.Filled.v1')).toBe('order filled entry-2-0: buy 2 @ 5000, fee 0');
    expect(text('Trading.Order.Cancelled.v1')).toBe('order entry-2-0 cancelled (timeout)');
    expect(text('Position.Exit.StageReached.v1')).toBe(
      'exit stage partial_exit:1 reached: ES long at 5015 (+3%), PnL 1500; exiting 1 [P1]',
    );
    expect(text('Position.Time.Decayed.v1')).toBe(
      `time decayed: ES long open 72.0003 h (since ${TS}), at 5015, PnL 1500 [P1]`,
    );
    expect(text('Position.Thesis.Invalidated.v1')).toBe(
      'thesis invalidated: ES long 15m candle closed at 4985, beyond the invalidation price 4990 [P1]',
    );
    expect(text('Position.Volatility.Spiked.v1')).toBe(
      'volatility spiked: ES long 15m ATR 12.3457, its mean 4.1 [P1]',
    );
    expect(text('Position.Correlation.Spiked.v1')).toBe(
      'correlation spiked on TS1: ES, NQ move together (1h correlation 0.9346)',
    );
    expect(text('Evaluation.Rule.Violated.v1')).toBe(
      'evaluation rule DAILY_LOSS broken on TS1 (topstep-50k): -1050 against -1000 → enforced',
    );
    expect(text('Challenge.Metrics.Updated.v1')).toBe(
      'challenge day 2026-03-02 closed on TS1 (topstep-50k): day PnL 3000, profit 3000 of 3000 (100%), 1/2 trading days, IN_PROGRESS',
    );
    expect(text('Agent.Decision.Made.v1')).toBe(
      'decision (rules) on target approaching: HOLD — target approaching below the gain to tighten at [P1]',
    );
    expect(text('Position.LowEvents.Summarized.v1')).toBe('LOW events for TS1 over 15m: 2 volatility spiked');
  });

  it('names a type this Warden does not know, the only line that does', () => {
    expect(describeEvent(envelope('Position.Something.New.v2'))?.text).toBe('Position.Something.New.v2');
  });
});
