import type { Position } from '../../domain/position.ts';
import type { ShareLevel } from '../../domain/risk/account-limit-rules.ts';
import { RiskLevelIndex } from '../../domain/risk/level-index.ts';
import { adverse, favourable, type LevelDirection } from '../../domain/risk/levels.ts';
import type { AccountRisk, PositionLevels } from './account-risk.ts';

/** What a level watches: the account's lower or upper limits through this position, or the position's own. */
export type LevelKind = 'accountLow' | 'accountHigh' | 'loss' | 'profit';

/** The owner of a level handle. */
export interface LevelTarget {
  readonly account: AccountRisk;
  readonly positionId: string;
  readonly kind: LevelKind;
}

/**
 * The trigger levels of the risk limits: up to four price levels per open position (its share of
 * the account's lower and upper headroom, its own loss and profit limits) in one per-symbol index,
 * each handle remembered with the account and position it belongs to. A tick asks which handles it
 * reached; whoever set a level decides what reaching it means.
 */
export class RiskLevels {
  private readonly index = new RiskLevelIndex();
  private readonly targets: (LevelTarget | undefined)[] = [];
  private readonly hits: number[] = [];

  /**
   * The handles a tick on `symbol` reached (`low`/`high`: the tick's extremes, both its price when
   * not conflated). The array is reused by the next call.
   */
  reachedBy(symbol: string, low: number, high: number): readonly number[] {
    const reached = this.index.reachedBy(symbol, low, high);
    if (reached.length === 0) return reached;
    const hits = this.hits;
    hits.length = 0;
    for (let i = 0; i < reached.length; i++) hits.push(reached[i]!);
    return hits;
  }

  target(handle: number): LevelTarget | undefined {
    return this.targets[handle];
  }

  /** Sets each position's share of its account's headroom (undefined: that side has no limit). */
  setShares(a: AccountRisk, shares: readonly ShareLevel[]): void {
    for (const s of shares) {
      const levels = this.levelsOf(a, s.position);
      if (s.low !== undefined) this.set(levels, 'accountLow', a, adverse(s.position), s.low);
      if (s.high !== undefined) this.set(levels, 'accountHigh', a, favourable(s.position), s.high);
    }
  }

  /** Sets the position's own loss and profit limit levels (undefined: the account sets no such limit). */
  setPositionLimits(
    a: AccountRisk,
    p: Position,
    limits: { readonly loss: number | undefined; readonly profit: number | undefined },
  ): void {
    const levels = this.levelsOf(a, p);
    if (limits.loss !== undefined) this.set(levels, 'loss', a, adverse(p), limits.loss);
    if (limits.profit !== undefined) this.set(levels, 'profit', a, favourable(p), limits.profit);
  }

  /** Clears the account's share levels (it is flattening: no limit needs watching until it is flat). */
  clearAccount(a: AccountRisk): void {
    for (const levels of a.levels.values()) {
      if (levels.accountLow >= 0) this.index.clear(levels.accountLow);
      if (levels.accountHigh >= 0) this.index.clear(levels.accountHigh);
    }
  }

  /** The position closed: its levels go and their handles are free for reuse. */
  releasePosition(a: AccountRisk, positionId: string): void {
    const levels = a.levels.get(positionId);
    if (levels === undefined) return;
    for (const kind of ['accountLow', 'accountHigh', 'loss', 'profit'] as const) {
      const h = levels[kind];
      if (h >= 0) {
        this.targets[h] = undefined;
        this.index.release(h);
      }
    }
    a.levels.delete(positionId);
  }

  /** Number of levels set on a symbol (tests, metrics). */
  count(symbol: string): number {
    return this.index.size(symbol);
  }

  private levelsOf(a: AccountRisk, p: Position): PositionLevels {
    let levels = a.levels.get(p.id);
    if (levels === undefined) {
      levels = { positionId: p.id, symbol: p.symbol, accountLow: -1, accountHigh: -1, loss: -1, profit: -1 };
      a.levels.set(p.id, levels);
    }
    return levels;
  }

  private set(
    levels: PositionLevels,
    kind: LevelKind,
    account: AccountRisk,
    direction: LevelDirection,
    level: number,
  ): void {
    let h = levels[kind];
    if (h < 0) {
      h = this.index.allocate();
      levels[kind] = h;
      this.targets[h] = { account, positionId: levels.positionId, kind };
    }
    this.index.set(h, levels.symbol, direction, level);
  }
}
