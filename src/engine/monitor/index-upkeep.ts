import { type MonitorProfile, thresholdsOf, zonesFor } from '../../domain/monitoring/profile.ts';
import { TriggerIndex } from '../../domain/monitoring/trigger-index.ts';
import type { FiredTrigger, TriggerMemory, TriggerThresholds } from '../../domain/monitoring/types.ts';
import type { Position } from '../../domain/position.ts';
import type { LevelChange } from '../../domain/position-fold.ts';
import type { Tick } from '../../domain/tick.ts';
import type { TickRange } from '../../domain/tick-range.ts';
import type { Feed, FeedPrices } from '../edge-exits.ts';
import type { RestoredMemory, Watched } from './types.ts';

/** What the index upkeep reads: the profiles and the last tick of a symbol. */
export interface IndexUpkeepDeps {
  readonly profiles: ReadonlyMap<string, MonitorProfile>;
  /** Profile per account (from its preset) for positions that name none. */
  readonly accountProfiles?: ReadonlyMap<string, string>;
  readonly lastTick: (symbol: string) => Tick | undefined;
}

/** A position just put under watch, with the memory a restart handed it, if any. */
export interface NewlyWatched {
  readonly watched: Watched;
  readonly restored?: RestoredMemory;
}

/**
 * The trigger indexes (one per price a profile can watch: last, mid, bid, ask) kept in step with
 * the positions: which positions are watched and how, their entry and levels, the memory a
 * restart hands them, and the managed positions of each symbol and candle interval.
 */
export class IndexUpkeep {
  private readonly indexes: Record<Feed, TriggerIndex> = {
    last: new TriggerIndex(),
    mid: new TriggerIndex(),
    bid: new TriggerIndex(),
    ask: new TriggerIndex(),
  };
  private readonly watched = new Map<string, Watched>();
  private readonly thresholds = new WeakMap<MonitorProfile, TriggerThresholds>();
  /** Managed positions by `symbol\u0000interval`, so a candle close visits only its own. */
  private readonly managed = new Map<string, Set<string>>();
  private readonly restored = new Map<string, RestoredMemory>();

  constructor(private readonly deps: IndexUpkeepDeps) {}

  /** The watch entry of a position, if it is watched. */
  get(positionId: string): Watched | undefined {
    return this.watched.get(positionId);
  }

  /** Whether a position is watched. */
  has(positionId: string): boolean {
    return this.watched.has(positionId);
  }

  /** Memory to start a position from when it is next watched (recovery). */
  restore(positionId: string, memory: RestoredMemory): void {
    this.restored.set(positionId, memory);
  }

  /**
   * Puts a position in the index of the price its profile watches, with its levels, its
   * profile's thresholds and the memory a restart handed it; undefined when it is already watched.
   */
  watch(position: Position): NewlyWatched | undefined {
    if (this.watched.has(position.id)) return undefined;
    const restored = this.restored.get(position.id);
    this.restored.delete(position.id);
    const profile = this.profileOf(position);
    const feed: Feed =
      profile.price === 'mid'
        ? 'mid'
        : profile.price === 'bidask'
          ? position.side === 'long'
            ? 'bid'
            : 'ask'
          : 'last';
    this.indexes[feed].add({
      id: position.id,
      symbol: position.symbol,
      side: position.side,
      entryPrice: position.entryPrice,
      ...(position.stopPrice !== undefined ? { stopPrice: position.stopPrice } : {}),
      ...(position.targetPrice !== undefined ? { targetPrice: position.targetPrice } : {}),
      thresholds: zonesFor(this.thresholdsOf(profile), position),
      ...(restored?.triggers !== undefined ? { memory: restored.triggers } : {}),
    });
    const manage = position.manage ?? profile.manage;
    const watched: Watched = {
      feed,
      symbol: position.symbol,
      profile,
      initialQuantity: position.quantity,
      ...(manage !== undefined ? { manage } : {}),
      // Only candles that close after the position opened, each once (also across restarts).
      managedThrough: Math.max(position.openedAt, restored?.managedThrough ?? 0),
      // Sent at the symbol's next tick, not while recovery is still putting positions back.
      stages: [...(restored?.pendingStages ?? [])],
    };
    this.watched.set(position.id, watched);
    if (manage !== undefined) {
      const key = `${position.symbol}\u0000${manage.interval}`;
      let ids = this.managed.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.managed.set(key, ids);
      }
      ids.add(position.id);
    }
    return restored === undefined ? { watched } : { watched, restored };
  }

  /** Takes a position out of its index; its watch entry, or undefined when it was not watched. */
  unwatch(positionId: string): Watched | undefined {
    const w = this.watched.get(positionId);
    if (w === undefined) return undefined;
    if (w.manage !== undefined) this.managed.get(`${w.symbol}\u0000${w.manage.interval}`)?.delete(positionId);
    this.indexes[w.feed].remove(positionId);
    this.watched.delete(positionId);
    return w;
  }

  /** A fill scaled into a watched position: its new average entry. */
  setEntry(positionId: string, entryPrice: number): void {
    const w = this.watched.get(positionId);
    if (w !== undefined) this.indexes[w.feed].setEntry(positionId, entryPrice);
  }

  /** A stop or target of a watched position was set or removed (the shared reading of the log). */
  changeLevels(positionId: string, change: LevelChange): void {
    const w = this.watched.get(positionId);
    if (w === undefined) return;
    if (change.stop !== undefined) this.indexes[w.feed].setStop(positionId, change.stop.to);
    if (change.target !== undefined) this.indexes[w.feed].setTarget(positionId, change.target.to);
  }

  /** Re-arms a position the index suspended (its exit was given up). */
  resume(positionId: string): void {
    const w = this.watched.get(positionId);
    if (w !== undefined) this.indexes[w.feed].resume(positionId);
  }

  /** Trigger memory of a watched position (for snapshots and tests). */
  memory(positionId: string): TriggerMemory | undefined {
    const w = this.watched.get(positionId);
    return w === undefined ? undefined : this.indexes[w.feed].memory(positionId);
  }

  /**
   * Judges a tick of `symbol` in every index at the price it watches, appending what fired to
   * `out`. `range` is set for a conflated tick: each index is judged against its extremes.
   */
  evaluate(symbol: string, prices: FeedPrices, out: FiredTrigger[], range?: TickRange): void {
    const i = this.indexes;
    if (range === undefined) {
      i.last.onTick(symbol, prices.last, out);
      i.mid.onTick(symbol, prices.mid, out);
      i.bid.onTick(symbol, prices.bid, out);
      i.ask.onTick(symbol, prices.ask, out);
    } else {
      i.last.onTick(symbol, prices.last, out, range.last.low, range.last.high);
      i.mid.onTick(symbol, prices.mid, out, range.mid.low, range.mid.high);
      i.bid.onTick(symbol, prices.bid, out, range.bid.low, range.bid.high);
      i.ask.onTick(symbol, prices.ask, out, range.ask.low, range.ask.high);
    }
  }

  /** The managed positions of a symbol at a candle interval, if any. */
  managedAt(symbol: string, interval: string): ReadonlySet<string> | undefined {
    return this.managed.get(`${symbol}\u0000${interval}`);
  }

  /** The last price of the position's symbol as its profile reads it, if any. */
  feedPrice(w: Watched): number | undefined {
    const tick = this.deps.lastTick(w.symbol);
    if (tick === undefined) return undefined;
    if (w.feed === 'last' || tick.bid === undefined || tick.ask === undefined) return tick.price;
    return w.feed === 'mid' ? (tick.bid + tick.ask) / 2 : w.feed === 'bid' ? tick.bid : tick.ask;
  }

  /** One thresholds object per profile, so positions share its compiled rules in the index. */
  private thresholdsOf(profile: MonitorProfile): TriggerThresholds {
    let t = this.thresholds.get(profile);
    if (t === undefined) {
      t = thresholdsOf(profile);
      this.thresholds.set(profile, t);
    }
    return t;
  }

  private profileOf(position: Position): MonitorProfile {
    const name = position.profile ?? this.deps.accountProfiles?.get(position.accountId) ?? 'default';
    return this.deps.profiles.get(name) ?? this.deps.profiles.get('default')!;
  }
}
