import type { Envelope } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import type { Position } from '../../domain/position.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventFactory } from '../event-factory.ts';
import type { ExitExecutor } from '../monitor.ts';
import type { BookView } from '../trading.ts';
import { type AccountMetrics, type AccountRisk, metricsOf } from './account-risk.ts';
import type { ChallengeTracker } from './challenge.ts';
import type { TradingStates } from './trading-states.ts';

/** What the risk engine reads of the account book: accounts, positions, instruments, last prices. */
export type RiskBook = Pick<BookView, 'account' | 'positionById' | 'lastTick' | 'instrument'>;

/** What the parts of the risk engine share: its ports, the book it reads, and the accounts' risk state. */
export interface RiskContext {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly book: RiskBook;
  readonly execution: ExitExecutor;
  /** The risk state of every account the engine enforces rules on, by account id. */
  readonly accounts: ReadonlyMap<string, AccountRisk>;
  readonly states: TradingStates;
  readonly challenges: ChallengeTracker;
}

/** The account's open positions, in a fresh array. */
export function positionsOf(ctx: RiskContext, a: AccountRisk): Position[] {
  return [...(ctx.book.account(a.id)?.positions.values() ?? [])];
}

/** The instrument of a symbol the book holds a position in (always known). */
export function instrumentOf(ctx: RiskContext, symbol: string): Instrument {
  return ctx.book.instrument(symbol)!;
}

/** The account's money with every position at its symbol's last price (undefined: no such account). */
export function lastMetrics(ctx: RiskContext, a: AccountRisk): AccountMetrics | undefined {
  const account = ctx.book.account(a.id);
  if (account === undefined) return undefined;
  return metricsOf(
    a,
    account,
    (s) => instrumentOf(ctx, s),
    (p) => ctx.book.lastTick(p.symbol)?.price,
  );
}
