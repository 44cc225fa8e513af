import { describe, expect, it } from 'vitest';
import { CLOSE_REASONS } from '../../src/domain/events/catalog.ts';
import { defineInstrument } from '../../src/domain/instrument.ts';
import {
  conditionForReason,
  EXIT_CONDITIONS,
  EXIT_TABLE,
  exitLimitPrice,
  reasonForCondition,
  resolveConflict,
} from '../../src/engine/execution/exit-table.ts';

const ES = defineInstrument({ symbol: 'ES', tickSize: 0.25, lotSize: 1, multiplier: 50 });
const BTC = defineInstrument({ symbol: 'BTC-USD', tickSize: 0.01, lotSize: 0.001 });

describe('exit table', () => {
  it('holds the DESIGN.md values', () => {
    const row = (c: keyof typeof EXIT_TABLE) => {
      const s = EXIT_TABLE[c];
      return [s.priority, s.style, s.timeoutMs, s.escalation, s.walks];
    };
    expect(row('stop_loss')).toEqual(['CRITICAL', 'market', 5_000, 'immediate_market', 0]);
    expect(row('circuit_breaker')).toEqual(['CRITICAL', 'market', 5_000, 'immediate_market', 0]);
    expect(row('take_profit')).toEqual(['CRITICAL', 'market', 5_000, 'immediate_market', 0]);
    expect(row('trailing_stop')).toEqual(['HIGH', 'aggressive', 10_000, 'walk_then_market', 2]);
    expect(row('time_based_urgent')).toEqual(['HIGH', 'aggressive', 10_000, 'walk_then_market', 2]);
    expect(row('liquidity_dried_up')).toEqual(['HIGH', 'aggressive', 15_000, 'walk_then_market', 3]);
    expect(row('profit_target')).toEqual(['MEDIUM', 'fair', 30_000, 'walk_price', 5]);
    expect(row('partial_exit_target')).toEqual(['MEDIUM', 'fair', 30_000, 'walk_price', 5]);
    expect(row('early_exit')).toEqual(['LOW', 'conservative', 60_000, 'walk_slowly', 10]);
    expect(row('edge_disappeared')).toEqual(['LOW', 'fair', 30_000, 'walk_price', 5]);
    expect(row('agent')).toEqual(['HIGH', 'aggressive', 10_000, 'walk_then_market', 2]);
    for (const c of ['risk_rule', 'session_end', 'manual'] as const) {
      expect(row(c)).toEqual(['CRITICAL', 'market', 5_000, 'immediate_market', 0]);
    }
    expect(Object.keys(EXIT_TABLE)).toEqual([...EXIT_CONDITIONS]);
  });

  it('maps conditions to close reasons and back', () => {
    expect(reasonForCondition('stop_loss')).toBe('STOP_LOSS');
    expect(reasonForCondition('take_profit')).toBe('TAKE_PROFIT');
    expect(reasonForCondition('trailing_stop')).toBe('TRAILING_STOP');
    expect(reasonForCondition('circuit_breaker')).toBe('CIRCUIT_BREAKER');
    expect(reasonForCondition('risk_rule')).toBe('RISK_RULE');
    expect(reasonForCondition('agent')).toBe('AGENT');
    expect(reasonForCondition('session_end')).toBe('SESSION_END');
    expect(reasonForCondition('manual')).toBe('MANUAL');
    for (const c of [
      'time_based_urgent',
      'liquidity_dried_up',
      'profit_target',
      'partial_exit_target',
      'early_exit',
      'edge_disappeared',
    ] as const) {
      expect(reasonForCondition(c)).toBe('EXIT_CONDITION');
    }
    for (const reason of CLOSE_REASONS) {
      const condition = conditionForReason(reason);
      if (reason === 'EXIT_CONDITION') expect(condition).toBeUndefined();
      else expect(reasonForCondition(condition!)).toBe(reason);
    }
  });

  it('resolves conflicts by priority, then table order', () => {
    expect(resolveConflict(['profit_target', 'stop_loss', 'trailing_stop'])).toEqual({
      winner: 'stop_loss',
      conflicting: ['trailing_stop', 'profit_target'],
    });
    expect(resolveConflict(['take_profit', 'stop_loss', 'take_profit'])).toEqual({
      winner: 'stop_loss',
      conflicting: ['take_profit'],
    });
    // Both fire when the edge turns negative: the edge gone wins (fair limit, not conservative).
    expect(resolveConflict(['early_exit', 'edge_disappeared'])).toEqual({
      winner: 'edge_disappeared',
      conflicting: ['early_exit'],
    });
    expect(resolveConflict(['agent', 'trailing_stop'])?.winner).toBe('trailing_stop');
    expect(resolveConflict([])).toBeUndefined();
  });
});

describe('exit limit prices', () => {
  const quote = { price: 5000.25, bid: 5000, ask: 5000.5 };

  it('prices a sell: aggressive = bid − 1 tick, fair = mid, conservative = ask', () => {
    const sell = (style: 'aggressive' | 'fair' | 'conservative', walk = 0) =>
      exitLimitPrice({ instrument: ES, side: 'sell', style, quote, walk });
    expect(sell('aggressive')).toBe(4999.75);
    expect(sell('fair')).toBe(5000.25);
    expect(sell('conservative')).toBe(5000.5);
    // Each walk is one more tick towards the bid.
    expect(sell('aggressive', 1)).toBe(4999.5);
    expect(sell('aggressive', 2)).toBe(4999.25);
    expect(sell('fair', 3)).toBe(4999.5);
    expect(sell('conservative', 2)).toBe(5000);
  });

  it('mirrors it for a buy (closing a short)', () => {
    const buy = (style: 'aggressive' | 'fair' | 'conservative', walk = 0) =>
      exitLimitPrice({ instrument: ES, side: 'buy', style, quote, walk });
    expect(buy('aggressive')).toBe(5000.75);
    expect(buy('fair')).toBe(5000.25);
    expect(buy('conservative')).toBe(5000);
    expect(buy('aggressive', 2)).toBe(5001.25);
    expect(buy('conservative', 1)).toBe(5000.25);
  });

  it('rounds to the tick in the aggressive direction: sells down, buys up', () => {
    // Mid of 5000 / 5000.25 is 5000.125.
    const q = { price: 5000, bid: 5000, ask: 5000.25 };
    expect(exitLimitPrice({ instrument: ES, side: 'sell', style: 'fair', quote: q })).toBe(5000);
    expect(exitLimitPrice({ instrument: ES, side: 'buy', style: 'fair', quote: q })).toBe(5000.25);
    // Decimal arithmetic: no float drift on a 0.01 tick.
    const b = { price: 100.03, bid: 100.03, ask: 100.06 };
    expect(exitLimitPrice({ instrument: BTC, side: 'sell', style: 'aggressive', quote: b, walk: 1 })).toBe(
      100.01,
    );
    expect(exitLimitPrice({ instrument: BTC, side: 'sell', style: 'fair', quote: b })).toBe(100.04);
    expect(exitLimitPrice({ instrument: BTC, side: 'buy', style: 'fair', quote: b })).toBe(100.05);
  });

  it('uses the last price for bid and ask without quotes', () => {
    const q = { price: 5000 };
    expect(exitLimitPrice({ instrument: ES, side: 'sell', style: 'aggressive', quote: q })).toBe(4999.75);
    expect(exitLimitPrice({ instrument: ES, side: 'sell', style: 'conservative', quote: q })).toBe(5000);
    expect(exitLimitPrice({ instrument: ES, side: 'buy', style: 'aggressive', quote: q })).toBe(5000.25);
  });

  it('never walks to a less aggressive price than before, and stays at least one tick', () => {
    const up = { price: 5010, bid: 5009, ask: 5011 };
    expect(
      exitLimitPrice({ instrument: ES, side: 'sell', style: 'fair', quote: up, walk: 1, previous: 5000 }),
    ).toBe(5000);
    expect(
      exitLimitPrice({ instrument: ES, side: 'buy', style: 'fair', quote: quote, walk: 1, previous: 5002 }),
    ).toBe(5002);
    expect(
      exitLimitPrice({ instrument: ES, side: 'sell', style: 'aggressive', quote: { price: 0.25 }, walk: 3 }),
    ).toBe(0.25);
  });
});
