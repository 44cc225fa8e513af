import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { roundToTick } from '../domain/instrument.ts';
import type { Clock } from '../ports/clock.ts';
import type { Edge } from './entry/entry-flow.ts';
import type { BookView, OrderGateway } from './trading.ts';

export interface DemoOptions {
  readonly accountId: string;
  readonly everySeconds: number;
  readonly maxOpenPositions: number;
  /** Stop distance in % of the entry price. */
  readonly stopPct: number;
  /** Target distance in % of the entry price. */
  readonly targetPct: number;
  /** Where the demo's edges go: the entry flow. */
  readonly submit: (edge: Edge) => Promise<void>;
  /** Closes a position by hand after this long (default: never), so the demo also shows exits. */
  readonly maxHoldSeconds?: number;
  readonly seed: number;
}

/**
 * A demo edge source for `warden run`: now and then it sends the entry flow an edge on a symbol
 * that has a price, with a stop and a target around it and a made-up probability, so the flow's
 * checks, Kelly sizing and limit orders can be watched. It makes no claim to an edge.
 */
export class DemoEdgeSource {
  private readonly rng;
  private cancel: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly engine: BookView & OrderGateway,
    private readonly clock: Clock,
    private readonly options: DemoOptions,
  ) {
    this.rng = xoroshiro128plus(options.seed);
  }

  start(): void {
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  private arm(): void {
    if (this.stopped) return;
    this.cancel = this.clock.schedule(this.clock.now() + this.options.everySeconds * 1000, () => {
      this.step().catch(() => {});
      this.arm();
    });
  }

  /** One decision: maybe close a position held too long, then maybe open one. */
  async step(): Promise<void> {
    const account = this.engine.account(this.options.accountId);
    if (account === undefined) return;
    const now = this.clock.now();
    if (this.options.maxHoldSeconds !== undefined) {
      for (const p of account.positions.values()) {
        if (now - p.openedAt < this.options.maxHoldSeconds * 1000) continue;
        await this.engine.placeOrder(
          {
            accountId: p.accountId,
            symbol: p.symbol,
            side: p.side === 'long' ? 'sell' : 'buy',
            type: 'market',
            quantity: p.quantity,
            reduceOnly: true,
            clientOrderId: `${p.id}-demo-exit`,
            intent: 'exit',
          },
          { intent: 'exit', reason: 'MANUAL', positionId: p.id },
        );
      }
    }
    if (account.positions.size >= this.options.maxOpenPositions) return;
    // Symbols with a price, not yet held.
    const candidates = this.engine
      .symbols()
      .filter((s) => !account.positions.has(s) && this.engine.lastTick(s) !== undefined);
    if (candidates.length === 0) return;
    const symbol = candidates[this.pick(candidates.length)]!;
    const instrument = this.engine.instrument(symbol)!;
    const price = this.engine.lastTick(symbol)!.price;
    const long = this.pick(2) === 0;
    const stopOffset = (price * this.options.stopPct) / 100;
    const targetOffset = (price * this.options.targetPct) / 100;
    const stopPrice = roundToTick(instrument, long ? price - stopOffset : price + stopOffset);
    const targetPrice = roundToTick(instrument, long ? price + targetOffset : price - targetOffset);
    // A made-up conviction between 55% and 65%: the entry flow checks, sizes and places it.
    const probability = 0.55 + this.pick(11) / 100;
    await this.options.submit({
      accountId: account.id,
      symbol,
      side: long ? 'long' : 'short',
      probability,
      source: 'demo',
      limitPrice: price,
      stopPrice,
      targetPrice,
    });
  }

  private pick(n: number): number {
    return unsafeUniformIntDistribution(0, n - 1, this.rng);
  }
}
