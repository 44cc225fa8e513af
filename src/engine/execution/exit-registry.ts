import type { Instrument } from '../../domain/instrument.ts';
import type { Position } from '../../domain/position.ts';
import { type ExitMemory, rememberExit, revivedExit } from './exit-memory.ts';
import type { WorkingExit } from './exit-state.ts';

/**
 * The execution service's books: the exit working on each position, the same exits by account
 * and symbol (so a venue report visits only the exits it concerns), and how many exits each
 * position has had (the `x{n}` of its exit order ids). Counts of positions that closed are
 * dropped at the next report of their market, so they do not pile up over a day.
 */
export class ExitRegistry {
  private readonly exits = new Map<string, WorkingExit>();
  private readonly byMarket = new Map<string, Set<WorkingExit>>();
  private readonly counts = new Map<string, number>();
  private readonly countsByMarket = new Map<string, Set<string>>();

  /** The exit working on the position, if any. */
  get(positionId: string): WorkingExit | undefined {
    return this.exits.get(positionId);
  }

  /** Every working exit. */
  all(): IterableIterator<WorkingExit> {
    return this.exits.values();
  }

  /** The working exits of an account's symbol. */
  concerning(accountId: string, symbol: string): ReadonlySet<WorkingExit> | undefined {
    return this.byMarket.get(marketKey(accountId, symbol));
  }

  add(exit: WorkingExit): void {
    this.exits.set(exit.positionId, exit);
    const market = marketKey(exit.accountId, exit.symbol);
    const set = this.byMarket.get(market) ?? new Set<WorkingExit>();
    set.add(exit);
    this.byMarket.set(market, set);
  }

  remove(exit: WorkingExit): void {
    if (this.exits.get(exit.positionId) === exit) this.exits.delete(exit.positionId);
    const market = marketKey(exit.accountId, exit.symbol);
    const set = this.byMarket.get(market);
    if (set?.delete(exit) && set.size === 0) this.byMarket.delete(market);
  }

  clear(): void {
    this.exits.clear();
    this.byMarket.clear();
  }

  /** Exits the position has had so far. */
  count(positionId: string): number {
    return this.counts.get(positionId) ?? 0;
  }

  /** Raises the position's count to at least `exits` (a new exit, or one remembered). */
  setCount(accountId: string, symbol: string, positionId: string, exits: number): void {
    if (exits <= this.count(positionId)) return;
    this.counts.set(positionId, exits);
    const market = marketKey(accountId, symbol);
    const set = this.countsByMarket.get(market) ?? new Set<string>();
    set.add(positionId);
    this.countsByMarket.set(market, set);
  }

  /** Drops the counts of the market's positions for which `isOpen` says no. */
  pruneCounts(accountId: string, symbol: string, isOpen: (positionId: string) => boolean): void {
    const market = marketKey(accountId, symbol);
    const set = this.countsByMarket.get(market);
    if (set === undefined) return;
    for (const id of set) {
      if (isOpen(id)) continue;
      set.delete(id);
      this.counts.delete(id);
    }
    if (set.size === 0) this.countsByMarket.delete(market);
  }

  /** Counts and working exits of the positions `isOpen` says are open, as plain JSON. */
  memory(isOpen: (positionId: string) => boolean): ExitMemory {
    return {
      version: 1,
      counts: [...this.counts]
        .filter(([positionId]) => isOpen(positionId))
        .map(([positionId, exits]) => ({ positionId, exits })),
      working: [...this.exits.values()].filter((e) => !e.done && isOpen(e.positionId)).map(rememberExit),
    };
  }

  /**
   * Takes back the counts of `memory` whose positions `book` holds open, and its working exits
   * (where none works now); returns the exits revived, for the service to resume, which ends
   * those whose position closed meanwhile.
   */
  restore(
    memory: ExitMemory,
    book: {
      positionById(id: string): Position | undefined;
      instrument(symbol: string): Instrument | undefined;
    },
  ): WorkingExit[] {
    for (const c of memory.counts) {
      const p = book.positionById(c.positionId);
      if (p !== undefined) this.setCount(p.accountId, p.symbol, p.id, c.exits);
    }
    const revived: WorkingExit[] = [];
    for (const r of memory.working) {
      const p = book.positionById(r.positionId);
      const instrument = book.instrument(r.symbol);
      if (instrument === undefined || this.exits.has(r.positionId)) continue;
      const exit = revivedExit(r, instrument);
      if (p !== undefined) this.setCount(p.accountId, p.symbol, p.id, exit.exitNumber);
      this.add(exit);
      revived.push(exit);
    }
    return revived;
  }
}

function marketKey(accountId: string, symbol: string): string {
  return `${accountId}\u0000${symbol}`;
}
