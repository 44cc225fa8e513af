import type { PriceGuard } from '../../domain/price-guard.ts';
import type { InputProblem, SourcedTick } from '../../domain/tick.ts';
import { createTickGuard, type TickGuard } from '../../domain/tick-guard.ts';
import type { TickRange } from '../../domain/tick-range.ts';
import type { WardenConfig } from '../config/schema.ts';
import { outlierProblem, priceGuardOf } from '../price-guard.ts';

/** A tick the gate let through, with the ticks it stands for. */
export interface PassedTick {
  readonly tick: SourcedTick;
  /** Set when it stands for held ticks too (a confirmed jump): their low and high. */
  readonly range?: TickRange;
  /** Input ticks it stands for: 1, or the held ones and the confirming one. */
  readonly count: number;
}

/**
 * The guard every tick passes before it reaches the runtime, from a file or a live feed alike:
 * the record checks (a known symbol, a sane price, time not going back, no duplicate), then the
 * price guard, which holds a jump back until the next ticks confirm it. The problems it finds
 * are handed to `onProblem`; a tick that passes goes on to `Runtime.onTick`.
 */
export class TickGate {
  private readonly guard: TickGuard;
  private readonly prices: PriceGuard;

  constructor(
    config: WardenConfig,
    private readonly onProblem: (problem: InputProblem) => void,
  ) {
    this.guard = createTickGuard(config.instruments.map((i) => i.symbol));
    this.prices = priceGuardOf(config);
  }

  /**
   * Checks one tick. Returns the tick to process now, or undefined when it was refused or is held
   * back. `checked` is called with a tick that passed the record checks, before the price guard.
   */
  pass(tick: SourcedTick, checked?: (tick: SourcedTick) => void): PassedTick | undefined {
    const problem = this.guard.check(tick);
    if (problem !== undefined) {
      this.onProblem(problem);
      return undefined;
    }
    checked?.(tick);
    const verdict = this.prices.push(tick);
    for (const bad of verdict.rejected) this.onProblem(outlierProblem(bad));
    return verdict.accept;
  }

  /** At the end of the input: every tick still held back is refused as unconfirmed. */
  drain(): void {
    for (const held of this.prices.drain()) this.onProblem(outlierProblem(held, true));
  }
}
