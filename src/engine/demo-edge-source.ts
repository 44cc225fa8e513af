import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { floorToLot, roundToTick } from '../domain/instrument.ts';
import { Decimal } from '../domain/money.ts';
import type { Clock } from '../ports/clock.ts';
import type { Engine } from './engine.ts';

export interface DemoOptions {
  readonly accountId: string;
  readonly everySeconds: number;
  readonly maxOpenPositions: number;
  /** Stop distance in % of the entry price. */
  readonly stopPct: number;
  /** Target distance in % of the entry price. */
  readonly targetPct: number;
  /** Share of the account balance one entry commits, in % (default 5). */
  readonly sizePct?: number;
  /** Closes a position by hand after this long (default: never), so the demo also shows exits. */
  readonly maxHoldSeconds?: number;
  readonly seed: number;
}

/**
 * A demo strategy for `warden run`: now and then it opens a position with a market order, with a
 * stop and a target around the entry, on a symbol that has a price. It is a stand-in for a real
 * edge source and makes no claim to an edge.
 */
export class DemoEdgeSource {
  private readonly rng;
  private cancel: (() => void) | undefined;
  private sequence = 0;
  private stopped = false;

  constructor(
    private readonly engine: Engine,
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
    const budget = account.startingBalance.times(this.options.sizePct ?? 5).div(100);
    // Symbols with a price, not yet held, where the budget buys at least one lot.
    const candidates = this.engine
      .symbols()
      .filter((s) => !account.positions.has(s))
      .map((symbol) => {
        const instrument = this.engine.instrument(symbol)!;
        const price = this.engine.lastTick(symbol)?.price;
        if (price === undefined) return undefined;
        const quantity = floorToLot(
          instrument,
          budget.div(new Decimal(price).times(instrument.multiplier)).toNumber(),
        );
        return quantity > 0 ? { symbol, instrument, price, quantity } : undefined;
      })
      .filter((c) => c !== undefined);
    if (candidates.length === 0) return;
    const { symbol, instrument, price, quantity } = candidates[this.pick(candidates.length)]!;
    const long = this.pick(2) === 0;
    const stopOffset = (price * this.options.stopPct) / 100;
    const targetOffset = (price * this.options.targetPct) / 100;
    const stopPrice = roundToTick(instrument, long ? price - stopOffset : price + stopOffset);
    const targetPrice = roundToTick(instrument, long ? price + targetOffset : price - targetOffset);
    this.sequence++;
    await this.engine.placeOrder(
      {
        accountId: account.id,
        symbol,
        side: long ? 'buy' : 'sell',
        type: 'market',
        quantity,
        clientOrderId: `demo-${now}-${this.sequence}`,
        intent: 'entry',
      },
      { intent: 'entry', open: { stopPrice, targetPrice } },
    );
  }

  private pick(n: number): number {
    return unsafeUniformIntDistribution(0, n - 1, this.rng);
  }
}
