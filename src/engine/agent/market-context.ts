import { ATR, RSI } from 'trading-signals';
import type { DecisionInput, InputCandle } from '../../domain/agent/decision.ts';
import type { Candle } from '../../domain/candles.ts';
import { isoTime } from '../../domain/events/envelope.ts';

/** Candles kept per symbol and interval, and shown to a policy (the most recent). */
const KEEP = 60;
const SHOWN = 20;
const ATR_PERIOD = 14;
const RSI_PERIOD = 14;
/** Swing levels: the highest high and lowest low of the last SWING candles. */
const SWING = 20;

/**
 * Recent candles of every symbol and interval, from the engine's `Market.Candle.Closed.v1`
 * events, and the indicators a policy is shown over them: ATR(14) and RSI(14) (trading-signals,
 * Wilder's smoothing) and the swing high and low of the last 20 candles.
 */
export class CandleHistory {
  private readonly series = new Map<string, Candle[]>();

  onCandle(candle: Candle): void {
    const key = `${candle.symbol}\u0000${candle.interval}`;
    let list = this.series.get(key);
    if (list === undefined) {
      list = [];
      this.series.set(key, list);
    }
    list.push(candle);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  }

  /** The intervals with candles for `symbol`, shortest series first as they were configured. */
  intervals(symbol: string): string[] {
    const out: string[] = [];
    for (const key of this.series.keys()) {
      const [s, interval] = key.split('\u0000');
      if (s === symbol) out.push(interval!);
    }
    return out;
  }

  /** The market part of a decision's input, or undefined before the first candle. */
  context(symbol: string, interval: string, price: number): DecisionInput['market'] | undefined {
    const list = this.series.get(`${symbol}\u0000${interval}`);
    if (list === undefined || list.length === 0) return undefined;
    const atr = new ATR(ATR_PERIOD);
    const rsi = new RSI(RSI_PERIOD);
    let atrValue: number | undefined;
    let rsiValue: number | undefined;
    for (const c of list) {
      const a = atr.add({ high: c.high, low: c.low, close: c.close });
      const r = rsi.add(c.close);
      if (a !== null && a !== undefined) atrValue = Number(a);
      if (r !== null && r !== undefined) rsiValue = Number(r);
    }
    const recent = list.slice(-SWING);
    const swingHigh = Math.max(...recent.map((c) => c.high));
    const swingLow = Math.min(...recent.map((c) => c.low));
    const round = (x: number) => Number(x.toPrecision(10));
    return {
      interval,
      candles: list.slice(-SHOWN).map(
        (c): InputCandle => ({
          openTime: isoTime(c.openTime),
          open: c.open,
          high: c.high,
          low: c.low,
          close: c.close,
          volume: c.volume,
        }),
      ),
      ...(atrValue !== undefined ? { atr: round(atrValue) } : {}),
      ...(rsiValue !== undefined ? { rsi: round(rsiValue) } : {}),
      swingHigh,
      swingLow,
      toSwingHighPct: round(((swingHigh - price) / price) * 100),
      toSwingLowPct: round(((swingLow - price) / price) * 100),
    };
  }
}
