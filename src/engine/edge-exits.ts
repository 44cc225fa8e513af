import { type EdgeHolder, edgeAt, edgeLevel, type HeldEdge } from '../domain/monitoring/edge.ts';
import type { MonitorProfile } from '../domain/monitoring/profile.ts';
import type { Position } from '../domain/position.ts';
import type { Cause } from './event-factory.ts';
import { type ExitCondition, resolveConflict } from './execution/exit-table.ts';

/** The edge conditions a profile switched on, each with the edge it exits below. */
function thresholdsOf(profile: MonitorProfile): { condition: ExitCondition; below: number }[] {
  const out: { condition: ExitCondition; below: number }[] = [];
  if (profile.exits.edgeDisappeared.enabled) out.push({ condition: 'edge_disappeared', below: 0 });
  if (profile.exits.earlyExit.enabled)
    out.push({ condition: 'early_exit', below: profile.exits.earlyExit.minEdge });
  return out;
}

/** The edge conditions that hold for this edge. */
function conditionsBelow(profile: MonitorProfile, edge: number): ExitCondition[] {
  return thresholdsOf(profile)
    .filter((t) => edge < t.below)
    .map((t) => t.condition);
}

interface Watch {
  readonly positionId: string;
  readonly symbol: string;
  holder: EdgeHolder;
  readonly edge: HeldEdge;
  readonly profile: MonitorProfile;
  /** Which price of a tick it is judged at (the profile's: last, mid, bid or ask). */
  readonly feed: Feed;
  /** The event that made the edge known: the cause of its exit. */
  readonly cause: Cause;
  /** The price beyond which the first edge condition may fire; undefined when none can. */
  level: number | undefined;
}

/** The prices of one tick, by the name of the price a profile watches. */
export type Feed = 'last' | 'mid' | 'bid' | 'ask';
export type FeedPrices = Readonly<Record<Feed, number>>;

/** Starts an exit; false when it could not start (another exit of the position works). */
export type EdgeExitStarter = (
  positionId: string,
  condition: ExitCondition,
  conflicting: readonly ExitCondition[],
  cause: Cause,
) => boolean;

/**
 * The profile's edge exits (`early_exit`, `edge_disappeared`) for positions whose edge is known.
 * An edge is judged when it becomes known and then on every tick of the symbol, through one
 * price level per position: the per-tick cost is one comparison per symbol and direction unless
 * a price passes the nearest level. When both conditions hold the exit table decides
 * (`edge_disappeared` wins). An exit that cannot start now (another exit works) is tried again at
 * the next tick; a started one disarms the position until its edge is known anew.
 */
export class EdgeExits {
  private readonly watched = new Map<string, Watch>();
  private readonly bySymbol = new Map<string, Set<Watch>>();

  constructor(private readonly start: EdgeExitStarter) {}

  /** The edge known for a position (for snapshots), if any. */
  edgeOf(positionId: string): HeldEdge | undefined {
    return this.watched.get(positionId)?.edge;
  }

  /** A position's edge became known (or changed): judged at `price` now, then watched. */
  set(
    position: Position,
    edge: HeldEdge,
    watch: { readonly profile: MonitorProfile; readonly feed: Feed; readonly cause: Cause },
    price: number | undefined,
  ): void {
    this.remove(position.id);
    const { profile } = watch;
    const w: Watch = {
      positionId: position.id,
      symbol: position.symbol,
      holder: holderOf(position),
      edge,
      profile,
      feed: watch.feed,
      cause: watch.cause,
      level: undefined,
    };
    if (thresholdsOf(profile).length === 0) return;
    this.watched.set(position.id, w);
    let set = this.bySymbol.get(w.symbol);
    if (set === undefined) {
      set = new Set();
      this.bySymbol.set(w.symbol, set);
    }
    set.add(w);
    if (price !== undefined && this.judge(w, price)) return;
    this.arm(w, price);
  }

  /** The stop or target moved: the estimate is judged against the new levels, at `price`. */
  moved(position: Position, price: number | undefined): void {
    const w = this.watched.get(position.id);
    if (w === undefined) return;
    w.holder = holderOf(position);
    if (price !== undefined && this.judge(w, price)) return;
    this.arm(w, price);
  }

  remove(positionId: string): void {
    const w = this.watched.get(positionId);
    if (w === undefined) return;
    this.watched.delete(positionId);
    const set = this.bySymbol.get(w.symbol);
    set?.delete(w);
    if (set?.size === 0) this.bySymbol.delete(w.symbol);
  }

  onTick(symbol: string, prices: FeedPrices): void {
    const set = this.bySymbol.get(symbol);
    if (set === undefined) return;
    for (const w of [...set]) {
      if (w.level === undefined) continue;
      const price = prices[w.feed];
      const beyond = w.holder.side === 'long' ? price >= w.level : price <= w.level;
      if (beyond) this.judge(w, price);
    }
  }

  /**
   * Judges a held edge given as a number (an edge for the other side of the market, which cannot
   * be followed as the price moves): exits now if a condition holds.
   */
  judgeOnce(positionId: string, edge: number, profile: MonitorProfile, cause: Cause): void {
    const resolved = resolveConflict(conditionsBelow(profile, edge));
    if (resolved !== undefined) this.start(positionId, resolved.winner, resolved.conflicting, cause);
  }

  /** Exits if an edge condition holds at `price`; true when an exit started. */
  private judge(w: Watch, price: number): boolean {
    const edge = edgeAt(w.holder, w.edge, price);
    if (edge === undefined) return false;
    const resolved = resolveConflict(conditionsBelow(w.profile, edge));
    if (resolved === undefined) return false;
    if (!this.start(w.positionId, resolved.winner, resolved.conflicting, w.cause)) return false;
    this.remove(w.positionId);
    return true;
  }

  /** Sets the nearest level at which some condition may fire, searching from `from`. */
  private arm(w: Watch, from: number | undefined): void {
    let level: number | undefined;
    const start = from ?? startingPrice(w.holder, w.edge);
    if (start === undefined) {
      w.level = undefined;
      return;
    }
    for (const t of thresholdsOf(w.profile)) {
      const l = edgeLevel(w.holder, w.edge, t.below, start);
      if (l === undefined) continue;
      if (level === undefined || (w.holder.side === 'long' ? l < level : l > level)) level = l;
    }
    w.level = level;
  }
}

function holderOf(position: Position): EdgeHolder {
  return {
    side: position.side,
    ...(position.stopPrice !== undefined ? { stopPrice: position.stopPrice } : {}),
    ...(position.targetPrice !== undefined ? { targetPrice: position.targetPrice } : {}),
  };
}

/**
 * A price to search from when none is at hand (no tick yet): where the edge is largest, just
 * inside the stop, or at the far end of a binary contract's range.
 */
function startingPrice(holder: EdgeHolder, edge: HeldEdge): number | undefined {
  const long = holder.side === 'long';
  if (edge.binary === true) return long ? 1e-9 : 1 - 1e-9;
  if (holder.stopPrice === undefined) return undefined;
  return holder.stopPrice * (long ? 1 + 1e-9 : 1 - 1e-9);
}
