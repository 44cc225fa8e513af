import { roundToTick } from '../../domain/instrument.ts';
import type { Decision, DecisionContext, DecisionPolicy } from '../../ports/decision-policy.ts';

/**
 * The default policy: deterministic, no network. Per event type:
 * - `Position.Profit.MilestoneReached.v1`: at the first milestone (+5% by default) the stop moves
 *   to break-even; at later milestones it moves to lock in half of the open gain.
 * - `Position.Target.Approaching.v1`: in profit, the stop moves halfway towards the price.
 * - `Position.Stop.Approaching.v1`: HOLD — the hard stop is the protection.
 * - `Position.Thesis.Invalidated.v1`: CLOSE.
 * - `Position.Time.Decayed.v1`: CLOSE a losing position, HOLD a winning one.
 * Anything else: HOLD. A stop it proposes is rounded to the tick towards the position's favour
 * (down for a long, up for a short, so that it never sits above the price it was derived from);
 * a proposal that would not tighten the stop becomes HOLD.
 */
export class RulesPolicy implements DecisionPolicy {
  readonly name = 'rules';

  async decide(ctx: DecisionContext): Promise<Decision> {
    return decideByRules(ctx);
  }
}

export function decideByRules(ctx: DecisionContext): Decision {
  const { position: p, price } = ctx;
  const long = p.side === 'long';
  switch (ctx.event.type) {
    case 'Position.Profit.MilestoneReached.v1': {
      const milestone = Number(ctx.event.data.milestonePct);
      const first = ctx.profile.milestones[0];
      const stop =
        milestone === first
          ? p.entryPrice
          : long
            ? p.entryPrice + (price - p.entryPrice) / 2
            : p.entryPrice - (p.entryPrice - price) / 2;
      return tighten(
        ctx,
        stop,
        milestone === first
          ? `+${milestone}% reached: stop to break-even at ${p.entryPrice}`
          : `+${milestone}% reached: stop locks in half of the open gain`,
      );
    }
    case 'Position.Target.Approaching.v1':
      if (ctx.pnlPct <= 0) return hold('target approaching but the position is not in profit: HOLD');
      return tighten(
        ctx,
        p.stopPrice === undefined ? p.entryPrice : (price + p.stopPrice) / 2,
        'target approaching: stop moves halfway towards the price',
      );
    case 'Position.Stop.Approaching.v1':
      return hold('stop approaching: the hard stop is the protection');
    case 'Position.Thesis.Invalidated.v1':
      return {
        action: 'CLOSE',
        confidence: 0.9,
        reasoning: 'thesis invalidated: the reason for the trade is gone',
      };
    case 'Position.Time.Decayed.v1':
      return ctx.pnlPct < 0
        ? {
            action: 'CLOSE',
            confidence: 0.7,
            reasoning: `open too long and losing (${ctx.pnlPct.toFixed(2)}%)`,
          }
        : hold(`open too long but winning (${ctx.pnlPct.toFixed(2)}%): let the stop work`);
    default:
      return hold(`no rule for ${ctx.event.type}`);
  }
}

function hold(reasoning: string): Decision {
  return { action: 'HOLD', confidence: 1, reasoning };
}

function tighten(ctx: DecisionContext, proposed: number, reasoning: string): Decision {
  const long = ctx.position.side === 'long';
  const stop = roundToTick(ctx.instrument, proposed, long ? 'down' : 'up');
  const current = ctx.position.stopPrice;
  const tighter = current === undefined || (long ? stop > current : stop < current);
  const rightSide = long ? stop < ctx.price : stop > ctx.price;
  if (!tighter || !rightSide) return hold(`${reasoning} — not tighter than the current stop, so HOLD`);
  return { action: 'ADJUST_STOP', confidence: 0.8, reasoning, details: { newStopPrice: stop } };
}

/** `policy: hold`: monitor only. Every event is raised; only the exit conditions act. */
export class HoldPolicy implements DecisionPolicy {
  readonly name = 'hold';

  async decide(): Promise<Decision> {
    return { action: 'HOLD', confidence: 1, reasoning: 'monitor-only profile' };
  }
}
