import type { Instrument } from '../domain/instrument.ts';
import type { MonitorProfile } from '../domain/monitoring/profile.ts';
import type { Position } from '../domain/position.ts';
import type { Tick } from '../domain/tick.ts';
import type { Clock } from '../ports/clock.ts';
import type { ExitCondition } from './execution/exit-table.ts';

/**
 * Exit conditions that come from the instrument and the market rather than from the position's
 * price levels, each switched on per profile:
 * - `time_based_urgent`: a timer at the instrument's expiry minus `minutesBeforeExpiry`;
 * - `liquidity_dried_up`: a quote whose spread, in % of the mid, exceeds `maxSpreadPct`.
 * The per-tick cost is one comparison per symbol unless a spread is wider than the tightest
 * threshold among the symbol's positions.
 */
export class MarketExits {
  private readonly expiryTimers = new Map<string, () => void>();
  /** Positions watching the spread, per symbol, with their thresholds. */
  private readonly spreadWatch = new Map<string, Map<string, number>>();
  private readonly tightest = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (positionId: string, condition: ExitCondition, detail: string) => void,
  ) {}

  add(position: Position, instrument: Instrument, profile: MonitorProfile): void {
    const urgent = profile.exits.timeBasedUrgent;
    if (urgent.enabled && instrument.expiry !== undefined) {
      const at = instrument.expiry - urgent.minutesBeforeExpiry * 60_000;
      this.expiryTimers.set(
        position.id,
        this.clock.schedule(at, () =>
          this.fire(
            position.id,
            'time_based_urgent',
            `${urgent.minutesBeforeExpiry} min to expiry of ${instrument.symbol}`,
          ),
        ),
      );
    }
    const liquidity = profile.exits.liquidityDriedUp;
    if (liquidity.enabled) {
      const watch = this.spreadWatch.get(position.symbol) ?? new Map<string, number>();
      watch.set(position.id, liquidity.maxSpreadPct);
      this.spreadWatch.set(position.symbol, watch);
      this.updateTightest(position.symbol);
    }
  }

  remove(position: Pick<Position, 'id' | 'symbol'>): void {
    this.expiryTimers.get(position.id)?.();
    this.expiryTimers.delete(position.id);
    const watch = this.spreadWatch.get(position.symbol);
    if (watch?.delete(position.id)) this.updateTightest(position.symbol);
  }

  onTick(tick: Tick): void {
    if (tick.bid === undefined || tick.ask === undefined) return;
    const tightest = this.tightest.get(tick.symbol);
    if (tightest === undefined) return;
    const mid = (tick.bid + tick.ask) / 2;
    const spreadPct = ((tick.ask - tick.bid) / mid) * 100;
    if (!(spreadPct > tightest)) return;
    for (const [positionId, max] of [...this.spreadWatch.get(tick.symbol)!]) {
      if (spreadPct > max)
        this.fire(positionId, 'liquidity_dried_up', `spread ${spreadPct.toFixed(3)}% above ${max}%`);
    }
  }

  private updateTightest(symbol: string): void {
    const watch = this.spreadWatch.get(symbol);
    if (watch === undefined || watch.size === 0) {
      this.tightest.delete(symbol);
      this.spreadWatch.delete(symbol);
      return;
    }
    this.tightest.set(symbol, Math.min(...watch.values()));
  }
}
