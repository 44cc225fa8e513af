import type { DecisionInput } from '../../domain/agent/decision.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { moneyString } from '../../domain/money.ts';
import { type Position, pnlPercent, unrealizedPnl } from '../../domain/position.ts';
import { candleOf } from '../candle-watch.ts';
import { CandleHistory } from './market-context.ts';

/** Events kept per position for a policy to see. */
const RECENT = 10;
/** Payload fields worth a policy's attention, in this order. */
const SUMMARY_FIELDS = [
  'price',
  'pnlPct',
  'milestonePct',
  'stopPrice',
  'targetPrice',
  'trailingStopPrice',
  'action',
  'reason',
  'quantity',
  'exitPrice',
  'realizedPnl',
] as const;

/** The account part of an input, as the risk engine sees the account. */
export type AccountView = (accountId: string) => DecisionInput['account'] | undefined;

/**
 * Builds what a policy is shown for one decision (`DecisionInput`): the trigger, the position at
 * the price, the account's standing, recent candles with ATR, RSI and swing levels, and the
 * position's last events. Follows the event stream (`observe`) for candles and position events.
 */
export class DecisionInputs {
  readonly candles = new CandleHistory();
  private readonly recent = new Map<string, DecisionInput['recentEvents'][number][]>();

  constructor(private readonly account: AccountView = () => undefined) {}

  observe(envelope: Envelope): void {
    if (envelope.type === 'Market.Candle.Closed.v1') {
      this.candles.onCandle(candleOf(envelope.data));
      return;
    }
    const id = envelope.data.positionId;
    if (typeof id !== 'string') return;
    if (envelope.type === 'Trading.Position.Closed.v1') {
      this.recent.delete(id);
      return;
    }
    let list = this.recent.get(id);
    if (list === undefined) {
      list = [];
      this.recent.set(id, list);
    }
    const parts: string[] = [];
    for (const f of SUMMARY_FIELDS) {
      const v = envelope.data[f];
      if (v !== undefined && v !== null && typeof v !== 'object') parts.push(`${f}=${String(v)}`);
    }
    list.push({ type: envelope.type, ts: envelope.ts, summary: parts.join(' ') });
    if (list.length > RECENT) list.shift();
  }

  /**
   * The input for `trigger` about `position` at `price`. Candles are of `interval` when given
   * (a managed position's), else of the shortest interval the symbol has.
   */
  build(args: {
    readonly trigger: Envelope;
    readonly position: Position;
    readonly instrument: Instrument;
    readonly price: number;
    readonly now: number;
    readonly interval?: string;
  }): DecisionInput {
    const { position: p, instrument, price, trigger } = args;
    const interval = args.interval ?? this.candles.intervals(p.symbol)[0];
    const market = interval === undefined ? undefined : this.candles.context(p.symbol, interval, price);
    const account = this.account(p.accountId);
    return {
      trigger: {
        type: trigger.type,
        ...(trigger.urgency !== undefined ? { urgency: trigger.urgency } : {}),
        ts: trigger.ts,
        data: trigger.data,
      },
      position: {
        id: p.id,
        accountId: p.accountId,
        symbol: p.symbol,
        side: p.side,
        quantity: p.quantity,
        entryPrice: p.entryPrice,
        ...(p.stopPrice !== undefined ? { stopPrice: p.stopPrice } : {}),
        ...(p.targetPrice !== undefined ? { targetPrice: p.targetPrice } : {}),
        price,
        pnl: moneyString(unrealizedPnl(p, instrument, price)),
        pnlPct: Number(pnlPercent(p, price).toFixed(4)),
        ageHours: Number(((args.now - p.openedAt) / 3_600_000).toFixed(3)),
        lotSize: instrument.lotSize,
        tickSize: instrument.tickSize,
      },
      ...(account !== undefined ? { account } : {}),
      ...(market !== undefined ? { market } : {}),
      recentEvents: [...(this.recent.get(p.id) ?? [])],
    };
  }
}
