import {
  type Account,
  applyFillToAccount,
  createAccount,
  type TradingState,
  withPosition,
} from '../../domain/account.ts';
import { WardenError } from '../../domain/errors.ts';
import { type CloseReason, PositionModifiedV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import type { Fill } from '../../domain/order.ts';
import { openPosition, type Position } from '../../domain/position.ts';
import type { Tick } from '../../domain/tick.ts';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { Cause, EventFactory } from '../event-factory.ts';
import type { AccountBook, InitialPosition, OrderMeta } from '../trading.ts';
import { emitFillEffect, forgottenEvent, openedEvent, positionRef } from './position-events.ts';

/** What the account book is built from. */
export interface BookOptions {
  readonly clock: Clock;
  /** New position ids (a fill from flat or through flat opens a position). */
  readonly ids: IdGenerator;
  readonly events: EventFactory;
  readonly instruments: readonly Instrument[];
  readonly accounts: readonly { readonly id: string; readonly balance: string | number }[];
  readonly emit: (envelope: Envelope) => void;
}

/**
 * The account book: accounts, their positions and trading states, and the last tick (mark) of
 * each symbol. Single writer: every change to an account goes through here and emits its event.
 */
export class Book implements AccountBook {
  private readonly instruments: ReadonlyMap<string, Instrument>;
  private readonly accounts = new Map<string, Account>();
  private readonly lastTicks = new Map<string, Tick>();
  /** Where each open position lives, so a lookup by id does not scan every account. */
  private readonly homes = new Map<string, { readonly accountId: string; readonly symbol: string }>();

  constructor(private readonly options: BookOptions) {
    this.instruments = new Map(options.instruments.map((i) => [i.symbol, i]));
    for (const a of options.accounts) this.accounts.set(a.id, createAccount(a.id, a.balance));
  }

  account(id: string): Account | undefined {
    return this.accounts.get(id);
  }

  allAccounts(): Account[] {
    return [...this.accounts.values()];
  }

  openPositions(): Position[] {
    return this.allAccounts().flatMap((a) => [...a.positions.values()]);
  }

  positionById(id: string): Position | undefined {
    const home = this.homes.get(id);
    if (home === undefined) return undefined;
    const p = this.accounts.get(home.accountId)?.positions.get(home.symbol);
    return p?.id === id ? p : undefined;
  }

  instrument(symbol: string): Instrument | undefined {
    return this.instruments.get(symbol);
  }

  symbols(): string[] {
    return [...this.instruments.keys()];
  }

  lastTick(symbol: string): Tick | undefined {
    return this.lastTicks.get(symbol);
  }

  /** Marks the tick's symbol at its price. */
  mark(tick: Tick): void {
    this.lastTicks.set(tick.symbol, tick);
  }

  /** The account, or `WARDEN_UNKNOWN_ACCOUNT`. */
  requireAccount(id: string): Account {
    const account = this.accounts.get(id);
    if (account === undefined) throw new WardenError('WARDEN_UNKNOWN_ACCOUNT', `unknown account ${id}`);
    return account;
  }

  /** Opens positions the engine starts with, each with `Trading.Position.Opened.v1` (source config). */
  open(initial: readonly InitialPosition[]): void {
    for (const p of initial) this.options.emit(openedEvent(this.options.events, this.place(p), 'config'));
  }

  /**
   * Puts back positions recovered from the store without emitting anything (the log already holds
   * their opening). Returns the `Trading.Position.Opened.v1` envelopes that describe them, for the
   * components that learn positions from events; they are not emitted.
   */
  restore(positions: readonly InitialPosition[]): Envelope[] {
    return positions.map((p) => openedEvent(this.options.events, this.place(p), 'config'));
  }

  adopt(p: InitialPosition, source: 'venue' | 'config', cause: Cause = {}): Position {
    if (this.positionById(p.id) !== undefined) {
      throw new WardenError('WARDEN_INTERNAL', `position ${p.id} is already open`);
    }
    const existing = this.requireAccount(p.accountId).positions.get(p.symbol);
    if (existing !== undefined) {
      throw new WardenError(
        'WARDEN_INTERNAL',
        `account ${p.accountId} already holds ${p.symbol} as position ${existing.id}`,
      );
    }
    const position = this.place(p);
    this.options.emit(openedEvent(this.options.events, position, source, cause));
    return position;
  }

  forget(positionId: string, exitPrice: number, reason: CloseReason, cause: Cause = {}): boolean {
    const p = this.positionById(positionId);
    if (p === undefined) return false;
    const account = this.requireAccount(p.accountId);
    const positions = new Map(account.positions);
    positions.delete(p.symbol);
    this.accounts.set(account.id, { ...account, positions });
    this.homes.delete(p.id);
    this.options.emit(forgottenEvent(this.options.events, p, exitPrice, reason, cause));
    return true;
  }

  modifyPosition(
    positionId: string,
    changes: { readonly stopPrice?: number | null; readonly targetPrice?: number | null },
    source: 'AGENT' | 'USER' | 'RULE' | 'VENUE',
    cause: Cause = {},
    reasoning?: string,
  ): boolean {
    const position = this.positionById(positionId);
    if (position === undefined) return false;
    const next: { -readonly [K in keyof Position]: Position[K] } = { ...position };
    const data: Record<string, unknown> = { ...positionRef(position) };
    let changed = false;
    for (const field of ['stopPrice', 'targetPrice'] as const) {
      const value = changes[field];
      if (
        value === undefined ||
        value === position[field] ||
        (value === null && position[field] === undefined)
      )
        continue;
      changed = true;
      data[field] = value;
      data[field === 'stopPrice' ? 'previousStopPrice' : 'previousTargetPrice'] = position[field] ?? null;
      if (value === null) delete next[field];
      else next[field] = value;
    }
    if (!changed) return false;
    next.updatedAt = this.options.clock.now();
    this.accounts.set(position.accountId, withPosition(this.requireAccount(position.accountId), next));
    data.source = source;
    if (reasoning !== undefined) data.reasoning = reasoning;
    this.options.emit(
      this.options.events.create(PositionModifiedV1, position.accountId, data as never, cause),
    );
    return true;
  }

  setTradingState(accountId: string, state: TradingState): void {
    const account = this.requireAccount(accountId);
    if (account.tradingState !== state) this.accounts.set(accountId, { ...account, tradingState: state });
  }

  /**
   * Throws `WARDEN_INTERNAL` unless the fill's account and symbol are known: checked before its
   * `Trading.Order.Filled.v1` is emitted, so a fill the book cannot take leaves no trace.
   */
  checkFill(fill: Fill): void {
    if (!this.accounts.has(fill.accountId) || !this.instruments.has(fill.symbol)) {
      throw new WardenError('WARDEN_INTERNAL', `fill ${fill.fillId} for unknown account or symbol`, { fill });
    }
  }

  /**
   * Applies a fill to its account and emits the position events it causes, with the exit reason
   * and triggers of `meta` (an order Warden did not place as an exit closes `MANUAL`).
   */
  applyFill(fill: Fill, meta: OrderMeta, cause: Cause): void {
    this.checkFill(fill);
    const account = this.accounts.get(fill.accountId)!;
    const instrument = this.instruments.get(fill.symbol)!;
    const result = applyFillToAccount(account, fill, instrument, () => this.options.ids.next(), meta.open);
    this.accounts.set(account.id, result.account);
    const effect = result.effect;
    if (effect.kind === 'closed' || effect.kind === 'flipped') this.homes.delete(effect.closed.id);
    if (effect.kind === 'opened' || effect.kind === 'flipped') {
      this.homes.set(effect.position.id, { accountId: account.id, symbol: effect.position.symbol });
    }
    emitFillEffect(this.options.events, this.options.emit, result, fill, meta, cause);
  }

  private place(p: InitialPosition): Position {
    const account = this.requireAccount(p.accountId);
    const position = openPosition(
      p.id,
      {
        accountId: p.accountId,
        symbol: p.symbol,
        side: p.side === 'long' ? 'buy' : 'sell',
        quantity: p.quantity,
        price: p.entryPrice,
        ts: p.openedAt,
      },
      p.attrs,
    );
    this.accounts.set(account.id, withPosition(account, position));
    this.homes.set(position.id, { accountId: account.id, symbol: position.symbol });
    return position;
  }
}
