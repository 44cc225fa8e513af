import type { InputProblem, SourcedTick, Tick } from '../domain/tick.ts';

/** Checks each tick of one feed against the configuration and the ticks accepted before it. */
export interface TickGuard {
  /**
   * Undefined when the tick is accepted (and remembered), else the problem with it; a rejected
   * tick changes nothing, so the next tick is compared with the last accepted one.
   */
  check(tick: SourcedTick): InputProblem | undefined;
}

function isPositivePrice(x: number): boolean {
  return x > 0 && x !== Number.POSITIVE_INFINITY;
}

/** ISO text for a message; Date cannot represent every finite number. */
function formatTs(ts: number): string {
  return Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : String(ts);
}

function sameTick(a: Tick, b: Tick): boolean {
  return (
    a.ts === b.ts &&
    a.price === b.price &&
    a.bid === b.bid &&
    a.ask === b.ask &&
    a.volume === b.volume &&
    a.symbol === b.symbol
  );
}

/**
 * A guard for one feed. Checks run in this order and the first failure is returned:
 * a finite timestamp (`WARDEN_TICK_MALFORMED`), a configured symbol (`WARDEN_TICK_UNKNOWN_SYMBOL`),
 * a positive finite price and, when present, bid and ask that are positive and not crossed
 * (`WARDEN_TICK_BAD_PRICE`; ticks can come from generators and venues, not only from a parsed
 * file), a timestamp not older than the last accepted tick of the feed, whatever its symbol
 * (`WARDEN_TICK_OUT_OF_ORDER`; equal timestamps are fine), and not an exact repeat of the last
 * accepted tick of the same symbol (`WARDEN_TICK_DUPLICATE`).
 */
export function createTickGuard(knownSymbols: Iterable<string>): TickGuard {
  const known = new Set(knownSymbols);
  const lastBySymbol = new Map<string, Tick>();
  let lastTs = Number.NEGATIVE_INFINITY;

  const reject = (tick: SourcedTick, code: InputProblem['code'], message: string): InputProblem =>
    tick.line === undefined
      ? { code, message: `${tick.symbol}: ${message}` }
      : { line: tick.line, code, message: `line ${tick.line}: ${tick.symbol}: ${message}` };

  return {
    check(tick) {
      if (!Number.isFinite(tick.ts))
        return reject(tick, 'WARDEN_TICK_MALFORMED', `timestamp ${tick.ts} is not finite`);
      if (!known.has(tick.symbol))
        return reject(tick, 'WARDEN_TICK_UNKNOWN_SYMBOL', 'symbol is not configured');
      if (!isPositivePrice(tick.price)) {
        return reject(tick, 'WARDEN_TICK_BAD_PRICE', `price ${tick.price} is not a positive finite number`);
      }
      if (tick.bid !== undefined && !isPositivePrice(tick.bid)) {
        return reject(tick, 'WARDEN_TICK_BAD_PRICE', `bid ${tick.bid} is not a positive finite number`);
      }
      if (tick.ask !== undefined && !isPositivePrice(tick.ask)) {
        return reject(tick, 'WARDEN_TICK_BAD_PRICE', `ask ${tick.ask} is not a positive finite number`);
      }
      if (tick.bid !== undefined && tick.ask !== undefined && tick.bid > tick.ask) {
        return reject(
          tick,
          'WARDEN_TICK_BAD_PRICE',
          `crossed quote: bid ${tick.bid} is above ask ${tick.ask}`,
        );
      }
      if (tick.ts < lastTs) {
        return reject(
          tick,
          'WARDEN_TICK_OUT_OF_ORDER',
          `${formatTs(tick.ts)} is older than the previous tick of the feed at ${formatTs(lastTs)}`,
        );
      }
      const previous = lastBySymbol.get(tick.symbol);
      if (previous !== undefined && sameTick(previous, tick)) {
        return reject(tick, 'WARDEN_TICK_DUPLICATE', 'repeats the previous tick of this symbol exactly');
      }
      lastTs = tick.ts;
      lastBySymbol.set(tick.symbol, tick);
      return undefined;
    },
  };
}
