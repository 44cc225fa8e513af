import type { Decision } from '../../domain/agent/decision.ts';
import { roundToTick } from '../../domain/instrument.ts';
import type { DecisionContext, DecisionPolicy, PolicyResult } from '../../ports/decision-policy.ts';

/** What the rules policy does, per event; every field has a default (see `DEFAULT_RULES`). */
export interface RulesSettings {
  /** PnL % milestone from which the stop moves to break-even (default: the profile's first milestone). */
  readonly breakEvenAtPct?: number;
  /** PnL % milestone from which the stop trails, locking in `lockPct` of the open gain (default: the profile's second milestone). */
  readonly trailFromPct?: number;
  /** Share of the open gain a trailing move locks in, in % (default 50). */
  readonly lockPct: number;
  /** Target approaching while in profit: move the stop halfway towards the price, or hold. */
  readonly targetApproaching: 'tighten' | 'hold';
  /**
   * The gain below which target approaching holds instead of tightening: PnL% at least `pct`
   * and, when `atr` is set, a move of at least that many ATRs (of the decision's candles) from
   * the entry. A stop is not pulled up on a position that is barely in profit.
   */
  readonly tightenMinGain: { readonly pct: number; readonly atr?: number };
  /** Stop approaching: hold (the hard stop is the protection) or close early. */
  readonly stopApproaching: 'hold' | 'close';
  readonly thesisInvalidated: 'close' | 'hold';
  /** Time decay, for a losing and for a winning position. */
  readonly timeDecay: { readonly losing: 'close' | 'hold'; readonly winning: 'close' | 'hold' };
  /**
   * At a managed position's candle close: in profit, trail the stop to `atrMultiple` ATRs from
   * the close when that tightens it; otherwise hold. 0 holds at every close.
   */
  readonly candleClose: { readonly atrMultiple: number };
}

export const DEFAULT_RULES: RulesSettings = {
  lockPct: 50,
  targetApproaching: 'tighten',
  tightenMinGain: { pct: 1 },
  stopApproaching: 'hold',
  thesisInvalidated: 'close',
  timeDecay: { losing: 'close', winning: 'hold' },
  candleClose: { atrMultiple: 2 },
};

/**
 * The default policy: deterministic, no network. With the default settings, per event type:
 * - `Position.Profit.MilestoneReached.v1`: at the first milestone (+5% by default) the stop moves
 *   to break-even; from the second (+10%) on it trails, locking in half of the open gain.
 * - `Position.Target.Approaching.v1`: at a gain of at least 1% (`tightenMinGain`), the stop moves
 *   halfway towards the price.
 * - `Position.Stop.Approaching.v1`: HOLD — the hard stop is the protection.
 * - `Position.Thesis.Invalidated.v1`: CLOSE.
 * - `Position.Time.Decayed.v1`: CLOSE a losing position, HOLD a winning one.
 * - `Market.Candle.Closed.v1` (a managed position): in profit, the stop trails to 2 ATRs from the
 *   close when that tightens it; otherwise HOLD.
 * Anything else: HOLD. A stop it proposes is rounded to the tick towards the position's favour
 * (down for a long, up for a short); a proposal that would not tighten the stop becomes HOLD.
 */
export class RulesPolicy implements DecisionPolicy {
  readonly name = 'rules';

  constructor(private readonly settings: RulesSettings = DEFAULT_RULES) {}

  async decide(ctx: DecisionContext): Promise<PolicyResult> {
    return this.now(ctx);
  }

  /** The same answer, synchronously (the guardrails' fallback). */
  now(ctx: DecisionContext): PolicyResult {
    return { decision: decideByRules(ctx, this.settings), policy: this.name };
  }
}

export function decideByRules(ctx: DecisionContext, settings: RulesSettings = DEFAULT_RULES): Decision {
  const { position: p, price } = ctx;
  const long = p.side === 'long';
  switch (ctx.event.type) {
    case 'Position.Profit.MilestoneReached.v1': {
      const milestone = Number(ctx.event.data.milestonePct);
      const breakEven = settings.breakEvenAtPct ?? ctx.profile.milestones[0] ?? 5;
      const trailFrom = settings.trailFromPct ?? ctx.profile.milestones[1] ?? 10;
      if (milestone >= trailFrom) {
        const share = settings.lockPct / 100;
        const stop = long
          ? p.entryPrice + (price - p.entryPrice) * share
          : p.entryPrice - (p.entryPrice - price) * share;
        return tighten(
          ctx,
          stop,
          `+${milestone}% reached: stop trails, locking in ${settings.lockPct}% of the open gain`,
        );
      }
      if (milestone >= breakEven) {
        return tighten(ctx, p.entryPrice, `+${milestone}% reached: stop to break-even at ${p.entryPrice}`);
      }
      return hold(`+${milestone}% reached, below the break-even milestone (+${breakEven}%): HOLD`);
    }
    case 'Position.Target.Approaching.v1':
      if (settings.targetApproaching === 'hold') return hold('target approaching: HOLD (configured)');
      if (ctx.pnlPct <= 0) return hold('target approaching but the position is not in profit: HOLD');
      {
        const min = settings.tightenMinGain;
        if (ctx.pnlPct < min.pct)
          return hold(
            `target approaching at +${ctx.pnlPct.toFixed(2)}%, below the +${min.pct}% to tighten at: HOLD`,
          );
        if (min.atr !== undefined) {
          const atr = ctx.input.market?.atr;
          const moved = Math.abs(price - p.entryPrice);
          if (atr === undefined) return hold('target approaching: no ATR yet to judge the gain by: HOLD');
          if (moved < min.atr * atr)
            return hold(
              `target approaching after ${moved} from the entry, less than ${min.atr} ATR (${atr}): HOLD`,
            );
        }
      }
      return tighten(
        ctx,
        p.stopPrice === undefined ? p.entryPrice : (price + p.stopPrice) / 2,
        'target approaching: stop moves halfway towards the price',
      );
    case 'Position.Stop.Approaching.v1':
      return settings.stopApproaching === 'close'
        ? { action: 'CLOSE', confidence: 0.6, reasoning: 'stop approaching: closing early (configured)' }
        : hold('stop approaching: the hard stop is the protection');
    case 'Position.Thesis.Invalidated.v1':
      return settings.thesisInvalidated === 'close'
        ? {
            action: 'CLOSE',
            confidence: 0.9,
            reasoning: 'thesis invalidated: the reason for the trade is gone',
          }
        : hold('thesis invalidated: HOLD (configured); the stop protects');
    case 'Position.Time.Decayed.v1': {
      const losing = ctx.pnlPct < 0;
      const choice = losing ? settings.timeDecay.losing : settings.timeDecay.winning;
      const state = `${losing ? 'losing' : 'winning'} (${ctx.pnlPct.toFixed(2)}%)`;
      return choice === 'close'
        ? { action: 'CLOSE', confidence: 0.7, reasoning: `open too long and ${state}` }
        : hold(`open too long but ${state}: let the stop work`);
    }
    case 'Market.Candle.Closed.v1': {
      const atr = ctx.input.market?.atr;
      const k = settings.candleClose.atrMultiple;
      if (k <= 0) return hold('candle close: HOLD (trailing by ATR is off)');
      if (atr === undefined) return hold('candle close: not enough candles for ATR yet: HOLD');
      if (ctx.pnlPct <= 0) return hold(`candle close: not in profit (${ctx.pnlPct.toFixed(2)}%): HOLD`);
      return tighten(
        ctx,
        long ? price - k * atr : price + k * atr,
        `candle close: stop trails ${k} ATR (${atr}) from the close ${price}`,
      );
    }
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
  const rightSide = stop > 0 && (long ? stop < ctx.price : stop > ctx.price);
  if (!tighter || !rightSide) return hold(`${reasoning} — not tighter than the current stop, so HOLD`);
  return { action: 'ADJUST_STOP', confidence: 0.8, reasoning, details: { newStopPrice: stop } };
}

/** `policy: hold`: monitor only. Every event is raised; only the exit conditions act. */
export class HoldPolicy implements DecisionPolicy {
  readonly name = 'hold';

  async decide(): Promise<PolicyResult> {
    return {
      decision: { action: 'HOLD', confidence: 1, reasoning: 'monitor-only profile' },
      policy: this.name,
    };
  }
}
