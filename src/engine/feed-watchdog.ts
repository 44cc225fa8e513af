import type { Clock } from '../ports/clock.ts';

export interface FeedWatchdogOptions {
  readonly clock: Clock;
  /** A symbol is stale after this long without a tick. */
  readonly staleMs: number;
  /** How often to look (default staleMs / 4, at most 5 s). */
  readonly checkEveryMs?: number;
  /** Symbols that matter now: those with open positions. */
  readonly watched: () => Iterable<string>;
  readonly onStale: (symbol: string, lastTickAt: number | undefined) => void;
  readonly onRecovered: (symbol: string, silentForMs: number) => void;
}

/**
 * Raises an alert when a symbol with open positions has had no tick for `staleMs`, and again when
 * it recovers. Checks periodically on the engine clock (work per check: one look per watched
 * symbol), so the per-tick cost is one map write.
 */
export class FeedWatchdog {
  private readonly lastTick = new Map<string, number>();
  private readonly stale = new Set<string>();
  private cancel: (() => void) | undefined;
  private startedAt: number;

  constructor(private readonly options: FeedWatchdogOptions) {
    this.startedAt = options.clock.now();
  }

  /** Starts watching; silence is counted from now (a replay's clock only now sits at its first tick). */
  start(): void {
    this.startedAt = this.options.clock.now();
    const every =
      this.options.checkEveryMs ?? Math.min(5_000, Math.max(1, Math.floor(this.options.staleMs / 4)));
    const loop = () => {
      this.check();
      this.cancel = this.options.clock.schedule(this.options.clock.now() + every, loop);
    };
    this.cancel = this.options.clock.schedule(this.options.clock.now() + every, loop);
  }

  stop(): void {
    this.cancel?.();
  }

  onTick(symbol: string, ts: number): void {
    const previous = this.lastTick.get(symbol);
    this.lastTick.set(symbol, ts);
    if (this.stale.delete(symbol)) this.options.onRecovered(symbol, ts - (previous ?? this.startedAt));
  }

  /** Looks at every watched symbol now; exposed for tests. */
  check(): void {
    const now = this.options.clock.now();
    for (const symbol of this.options.watched()) {
      if (this.stale.has(symbol)) continue;
      const last = this.lastTick.get(symbol);
      if (now - (last ?? this.startedAt) >= this.options.staleMs) {
        this.stale.add(symbol);
        this.options.onStale(symbol, last);
      }
    }
  }

  isStale(symbol: string): boolean {
    return this.stale.has(symbol);
  }
}
