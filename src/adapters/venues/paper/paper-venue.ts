import { accountBalance } from '../../../domain/account.ts';
import { WardenError } from '../../../domain/errors.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import { moneyString } from '../../../domain/money.ts';
import type { Order, OrderRequest } from '../../../domain/order.ts';
import type { Tick } from '../../../domain/tick.ts';
import type { Clock } from '../../../ports/clock.ts';
import type { IdGenerator } from '../../../ports/ids.ts';
import type { MarketDataConsumer } from '../../../ports/market-data.ts';
import type {
  ClientOrderIdRules,
  ExecutionReport,
  Venue,
  VenueCapabilities,
  VenueJournal,
  VenuePosition,
} from '../../../ports/venue.ts';
import { clientOrderIdProblem, requireCapability, requireOrderSupported } from '../capabilities.ts';
import { balancesOf, fillsOf, type PaperVenueState, positionsOf, restoreBooks, stateOf } from './book.ts';
import { type CheckContext, isLive } from './checks.ts';
import { paperError } from './errors.ts';
import { PaperExchange } from './exchange.ts';
import { type Outage, PaperConnection } from './outages.ts';

export type { PaperVenueState, SavedOrder } from './book.ts';
export type { Outage } from './outages.ts';

/**
 * The capabilities a paper venue can be configured without, to play a venue that lacks them (a
 * prediction market without stop orders, an exchange without order lookup). Each then throws
 * `VenueNotSupportedError`, as a real venue without it would.
 */
export type PaperOptionalCapability = Exclude<keyof VenueCapabilities, 'partialFills' | 'fillIds'>;

/**
 * The client order ids the paper venue takes by default: printable ASCII without spaces, up to
 * 64 characters, which every id Warden makes from a valid configuration fits. Set
 * `clientOrderIds` to play a stricter venue (Binance: 36 of `[A-Za-z0-9_-]` and a few more).
 */
export const PAPER_CLIENT_ORDER_IDS: ClientOrderIdRules = Object.freeze({
  maxLength: 64,
  pattern: /^[\x21-\x7e]+$/,
});

/** How many fills per account the paper venue keeps for `fills` (and saves) by default. */
export const PAPER_FILL_HISTORY = 10_000;

/** Configuration of a paper venue. */
export interface PaperVenueConfig {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly instruments: readonly Instrument[];
  /**
   * Accounts and their starting cash; `currency` is the cash's (default: the instruments'
   * currency when they share one, else USD).
   */
  readonly accounts: readonly {
    readonly id: string;
    readonly balance: number | string;
    readonly currency?: string;
  }[];
  /** Price moved against a market order, in basis points (default 0). */
  readonly slippageBps?: number;
  /** Commission per fill: notional × bps / 10 000 (default 0). */
  readonly feeBps?: number;
  /** Margin = notional / leverage (default 1: fully paid). */
  readonly leverage?: number;
  /**
   * When set, a limit order filled by a later tick fills at most this much per tick and per
   * order (use a multiple of every lot size). Market orders and limit orders marketable when
   * placed always fill in full.
   */
  readonly partialFills?: { readonly maxQuantityPerTick: number };
  /** Called with every order the venue accepts, before it can fill (its own durable order log). */
  readonly onAccepted?: (order: Order) => void;
  /** Starts from a saved state (`state()` of an earlier run) instead of the accounts' balances. */
  readonly restore?: PaperVenueState;
  /**
   * Where the venue hands its state when it changed (see `VenueJournal`): at the end of every
   * call or tick that changed cash, positions, orders or fills. Pair it with `restore`.
   */
  readonly journal?: VenueJournal<PaperVenueState>;
  /** Scripted losses of the connection, for backtests and drills (see `PaperConnection`). */
  readonly outages?: readonly Outage[];
  /**
   * On each reconnection after an outage, deliver again this many of the last fills reported
   * before it (default 0): a real venue's resync, for tests and drills of fill dedupe.
   */
  readonly redeliverFillsOnReconnect?: number;
  /** The client order ids accepted (default `PAPER_CLIENT_ORDER_IDS`). */
  readonly clientOrderIds?: ClientOrderIdRules;
  /** Capabilities turned off (all are on by default; partial fills follow `partialFills`). */
  readonly capabilities?: { readonly [K in PaperOptionalCapability]?: false };
  /** Fills kept per account for `fills` and the saved state (default `PAPER_FILL_HISTORY`). */
  readonly fillHistory?: number;
}

/** The paper venue: a `Venue` that fills against the ticks it is fed. */
export interface PaperVenue extends Venue, MarketDataConsumer {
  /**
   * Feeds a market price: remembers it as the symbol's latest tick, triggers stops (in placement
   * order), then fills the limit orders it crosses (buys, then sells, by price then time). Fills
   * reach the `onExecution` listeners before this returns. Ticks of unknown symbols are ignored.
   */
  onTick(tick: Tick): void;
  /** Cash balance of the account (starting balance + realized PnL − fees), as a decimal string. */
  balance(accountId: string): string;
  /** The venue's whole state, for `restore` after a restart (what `journal` reads). */
  state(): PaperVenueState;
  /**
   * Seeds a position held before the venue started (a restart, a configuration's initial
   * positions). It is applied as a fee-free fill at `entryPrice` that no listener hears about, so
   * loading onto an existing position nets with it like any fill.
   */
  loadPosition(position: VenuePosition): void;
  /** Scripts one more outage while running (drills, tests), as `outages` does at start. */
  scheduleOutage(outage: Outage): void;
}

function invalidConfig(message: string): WardenError {
  return new WardenError('WARDEN_CONFIG_INVALID', `paper venue: ${message}`);
}

/** The accounts' default currency: the instruments' when they share one, else USD. */
function defaultCurrency(instruments: readonly Instrument[]): string {
  const currencies = new Set(instruments.map((i) => i.currency));
  return currencies.size === 1 ? [...currencies][0]! : 'USD';
}

/**
 * Creates a paper venue. Positions and cash live in the domain `Account` of each account and
 * change only through `applyFillToAccount`, so PnL is the domain's. All work is synchronous:
 * a fill is applied and reported to the listeners before the call that caused it returns.
 *
 * Choices worth knowing:
 * - A marketable limit order (and a limit crossed by a later tick) fills at its limit price.
 * - A triggered stop fills like a market order on the triggering tick: at that tick's ask / bid
 *   (or last) plus slippage, so a gap fills at the gap price, not at the stop. A stop that is
 *   already triggered when placed fills (or, for a stop-limit, becomes its limit) at once.
 * - Limit and stop orders may be placed before the symbol's first tick; they wait for it.
 * - A client order id is consumed only by an accepted order: a rejected request may be retried
 *   with the same id once corrected.
 * - A resting reduce-only order is checked again when it fills: it fills at most the open
 *   position and the rest is cancelled with reason `REDUCE_ONLY`.
 * - A listener that throws does not stop the venue: every listener still gets every report, and
 *   the first error is rethrown by the call that emitted it once that call has finished.
 * - Fill ids come from `ids`, so they are deterministic in a replay and unique per account.
 */
export function createPaperVenue(config: PaperVenueConfig): PaperVenue {
  const { clock, ids } = config;
  const slippageBps = config.slippageBps ?? 0;
  const feeBps = config.feeBps ?? 0;
  const leverage = config.leverage ?? 1;
  const maxPerTick = config.partialFills?.maxQuantityPerTick;
  const fillHistory = config.fillHistory ?? PAPER_FILL_HISTORY;
  const redeliver = config.redeliverFillsOnReconnect ?? 0;
  if (!(slippageBps >= 0 && feeBps >= 0)) throw invalidConfig('slippageBps and feeBps must be ≥ 0');
  if (!(leverage > 0)) throw invalidConfig('leverage must be > 0');
  if (maxPerTick !== undefined && !(maxPerTick > 0)) throw invalidConfig('maxQuantityPerTick must be > 0');
  if (!(Number.isInteger(fillHistory) && fillHistory >= 0))
    throw invalidConfig('fillHistory must be an integer ≥ 0');
  if (!(Number.isInteger(redeliver) && redeliver >= 0)) {
    throw invalidConfig('redeliverFillsOnReconnect must be an integer ≥ 0');
  }
  const clientOrderIds = config.clientOrderIds ?? PAPER_CLIENT_ORDER_IDS;
  if (!(Number.isInteger(clientOrderIds.maxLength) && clientOrderIds.maxLength > 0)) {
    throw invalidConfig('clientOrderIds.maxLength must be an integer > 0');
  }
  if (clientOrderIds.pattern.global || clientOrderIds.pattern.sticky) {
    throw invalidConfig('clientOrderIds.pattern must not have the g or y flag');
  }

  const instruments = new Map<string, Instrument>();
  for (const i of config.instruments) {
    if (instruments.has(i.symbol)) throw invalidConfig(`duplicate instrument ${i.symbol}`);
    instruments.set(i.symbol, i);
  }
  const seen = new Set<string>();
  for (const a of config.accounts) {
    if (seen.has(a.id)) throw invalidConfig(`duplicate account ${a.id}`);
    seen.add(a.id);
  }
  const currency = defaultCurrency(config.instruments);
  const { books, resting, nextSeq } = restoreBooks(
    config.accounts.map((a) => ({ id: a.id, balance: a.balance, currency: a.currency ?? currency })),
    config.restore,
    instruments,
    ids,
    clock.now(),
  );

  const capabilities: VenueCapabilities = Object.freeze({
    marketOrders: true,
    limitOrders: true,
    stopOrders: true,
    stopLimitOrders: true,
    reduceOnly: true,
    replaceOrder: true,
    partialFills: maxPerTick !== undefined,
    positionQuery: true,
    orderLookup: true,
    fillIds: true,
    fillQuery: true,
    balances: true,
    instruments: true,
    connectionEvents: true,
    // Only `false` turns one off (an `undefined` left in a plain object leaves it on).
    ...Object.fromEntries(Object.entries(config.capabilities ?? {}).filter(([, on]) => on === false)),
  });
  const self = { name: 'paper', capabilities };

  const ctx: CheckContext = { instruments, leverage, slippageBps };
  const listeners = new Set<(report: ExecutionReport) => void>();
  const listenerErrors: unknown[] = [];
  let depth = 0;
  let closed = false;

  function deliver(report: ExecutionReport): void {
    for (const listener of [...listeners]) {
      try {
        listener(report);
      } catch (error) {
        listenerErrors.push(error);
      }
    }
  }
  // Reports held over an outage are delivered from a clock timer, outside any call: as one.
  const connection = new PaperConnection(
    clock,
    config.outages ?? [],
    (report) => (depth === 0 ? operation(() => deliver(report)) : deliver(report)),
    redeliver,
  );
  const exchange = new PaperExchange({
    clock,
    ids,
    ctx,
    feeBps,
    maxPerTick,
    fillHistory,
    books,
    resting,
    nextSeq,
    emit: (report) => connection.report(report),
    ...(config.onAccepted !== undefined ? { onAccepted: config.onAccepted } : {}),
  });
  const state = (): PaperVenueState => stateOf(books.values(), fillHistory);

  /**
   * Runs one venue call; when the outermost call is done, the journal hears of a change and
   * listener errors surface.
   */
  function operation<T>(fn: () => T): T {
    if (closed) throw paperError('VENUE_CLOSED', 'the paper venue is closed');
    if (depth === 0) listenerErrors.length = 0;
    depth += 1;
    let result: T;
    try {
      result = fn();
    } finally {
      depth -= 1;
      if (depth === 0 && exchange.changed) {
        exchange.changed = false;
        config.journal?.changed(state);
      }
    }
    if (depth === 0 && listenerErrors.length > 0) {
      const errors = listenerErrors.splice(0);
      throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'execution listeners threw');
    }
    return result;
  }

  /** A call from the client: refused while the connection is down. */
  function call<T>(fn: () => T): T {
    if (closed) throw paperError('VENUE_CLOSED', 'the paper venue is closed');
    connection.check();
    return operation(fn);
  }

  function checkClientOrderId(accountId: string, clientOrderId: string): void {
    const problem = clientOrderIdProblem(clientOrderIds, clientOrderId);
    if (problem !== undefined) {
      throw paperError('INVALID_CLIENT_ORDER_ID', problem, { accountId, clientOrderId });
    }
  }

  return {
    name: 'paper',
    capabilities,
    clientOrderIds,

    async connect() {
      if (closed) throw paperError('VENUE_CLOSED', 'the paper venue is closed');
    },

    async placeOrder(request: OrderRequest) {
      return call(() => {
        checkClientOrderId(request.accountId, request.clientOrderId);
        requireOrderSupported(self, request);
        return exchange.place(request);
      });
    },

    async cancelOrder(accountId, clientOrderId) {
      return call(() => exchange.cancel(accountId, clientOrderId));
    },

    async replaceOrder(accountId, clientOrderId, changes) {
      return call(() => {
        requireCapability(self, 'replaceOrder', 'replaceOrder');
        checkClientOrderId(accountId, changes.clientOrderId);
        return exchange.replace(accountId, clientOrderId, changes);
      });
    },

    async order(accountId, clientOrderId) {
      return call(() => {
        requireCapability(self, 'orderLookup', 'order');
        return exchange.bookOf(accountId).orders.get(clientOrderId)?.order;
      });
    },

    async openOrders(accountId) {
      return call(() => [...exchange.bookOf(accountId).orders.values()].filter(isLive).map((w) => w.order));
    },

    async positions(accountId) {
      return call(() => {
        requireCapability(self, 'positionQuery', 'positions');
        return positionsOf(exchange.bookOf(accountId));
      });
    },

    async fills(accountId, since) {
      return call(() => {
        requireCapability(self, 'fillQuery', 'fills');
        return fillsOf(exchange.bookOf(accountId), fillHistory, since);
      });
    },

    async balances(accountId) {
      return call(() => {
        requireCapability(self, 'balances', 'balances');
        return balancesOf(exchange.bookOf(accountId), ctx, resting.values());
      });
    },

    async instruments() {
      return call(() => {
        requireCapability(self, 'instruments', 'instruments');
        return [...instruments.values()].map((i) => ({ ...i, minQuantity: i.lotSize }));
      });
    },

    onExecution(listener) {
      const entry = (report: ExecutionReport) => listener(report);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },

    onConnection(listener) {
      if (!capabilities.connectionEvents) return () => {};
      return connection.onConnection(listener);
    },

    onTick(t) {
      if (!closed) operation(() => exchange.tick(t));
    },

    loadPosition(p) {
      operation(() => exchange.loadPosition(p));
    },

    scheduleOutage(outage) {
      if (!(outage.to > outage.from)) throw invalidConfig('an outage must end after it starts');
      connection.schedule(outage);
    },

    balance(accountId) {
      return moneyString(accountBalance(exchange.bookOf(accountId).account));
    },

    state,

    async close() {
      closed = true;
      connection.close();
      listeners.clear();
    },
  };
}
