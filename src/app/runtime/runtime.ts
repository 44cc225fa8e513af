import { isMarketDataConsumer } from '../../adapters/venues/capabilities.ts';
import type { Account } from '../../domain/account.ts';
import type { CandleInterval } from '../../domain/candles.ts';
import type { Order } from '../../domain/order.ts';
import { allPartitions, type PartitionSet, partitionOf } from '../../domain/partitioning.ts';
import type { Position } from '../../domain/position.ts';
import type { Tick } from '../../domain/tick.ts';
import type { TickRange } from '../../domain/tick-range.ts';
import type { InitialPosition } from '../../engine/engine.ts';
import type { EventSink } from '../../engine/event-sink.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DecisionPolicy } from '../../ports/decision-policy.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { MarketDataConsumer } from '../../ports/market-data.ts';
import type { DecisionRow } from '../../ports/store.ts';
import type { Venue, VenueJournal, VenuePosition } from '../../ports/venue.ts';
import {
  type Composition,
  candleIntervalsOf,
  compose,
  initialPositionsOf,
  instrumentsOf,
} from '../compose.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { StatusReport } from '../control/protocol.ts';
import { statusReport } from '../status.ts';
import { buildVenues } from '../venues/registry.ts';
import { MarketStage } from './market-stage.ts';
import { partitionVenue } from './venue-router.ts';

/** One partition this process holds: its number, its accounts and the pipeline over them. */
export interface Partition {
  readonly index: number;
  readonly accounts: readonly string[];
  readonly c: Composition;
}

export interface RuntimeOptions {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Where every event goes first (the output, the store, the transport). */
  readonly sink: EventSink;
  /**
   * The partitions this process holds, `hash(accountId) mod count`; by default every one of
   * `config.engine.partitions`. A held partition without accounts gets no pipeline.
   */
  readonly partitions?: PartitionSet;
  /** What the venues keep and restore: their saved state, their order journal, their state journal. */
  readonly venues?: {
    /** The state a venue saved in an earlier run, by venue name. */
    readonly restore?: (venue: string) => unknown;
    /** Every order a venue accepts, before it can fill. */
    readonly onAccepted?: (venue: string, order: Order) => void;
    /** Where a venue with state of its own hands it when it changed. */
    readonly journal?: (venue: string) => VenueJournal | undefined;
  };
  readonly candleIntervals?: readonly CandleInterval[];
  /** The LLM policy for profiles with `policy: llm`; by default built from `agent.llm`. */
  readonly llm?: DecisionPolicy;
  /** Wall clock of the LLM policy's rate window and budget day (tests inject one). */
  readonly wallClock?: () => number;
  /** Gets the decisions-table row of every decision. */
  readonly decisions?: (row: DecisionRow) => void;
  /**
   * The config the accounts' balances come from, when it differs from the one the pipelines are
   * built for (a recovery starts the accounts from the balances the venue kept).
   */
  readonly balances?: ReadonlyMap<string, string>;
}

/**
 * The one runtime a tick travels through, in a replay and in the daemon alike: the venue's
 * simulation (a paper venue matches resting orders first, so an exit placed on a tick fills at
 * the next one's price), then every partition's account book marks it, then the market stage
 * closes candles, then every partition's risk engine and monitor judge it, then the stale-feed
 * watchdog hears of it. Only the clock, the tick source and the pacing differ between a replay
 * and the daemon; they drive `onTick` and the clock.
 *
 * A partition is every account with `hash(accountId) mod P` equal to its number: its positions,
 * trigger levels, risk state, working orders and exit counters are its own, and so is its event
 * dispatcher. Market events (candles, feed alerts) are emitted once and handed to every partition.
 */
export class Runtime {
  readonly partitions: readonly Partition[];
  /** The venues the held accounts trade at, by name. */
  readonly venues: ReadonlyMap<string, Venue>;
  /** The venues that simulate a market from the ticks (paper): fed first on every tick. */
  private readonly simulated: MarketDataConsumer[];
  private readonly venueByAccount = new Map<string, Venue>();
  readonly market: MarketStage;
  private readonly byAccount = new Map<string, Partition>();

  constructor(
    readonly config: WardenConfig,
    options: RuntimeOptions,
  ) {
    const { clock, ids } = options;
    const set = options.partitions ?? allPartitions(config.engine.partitions);
    const heldAccounts = config.accounts
      .filter((a) => set.held.includes(partitionOf(a.id, set.count)))
      .map((a) => a.id);
    const hooks = options.venues;
    this.venues = buildVenues(config, {
      clock,
      ids,
      instruments: instrumentsOf(config),
      accounts: heldAccounts,
      ...(hooks?.restore !== undefined ? { restore: hooks.restore } : {}),
      ...(hooks?.onAccepted !== undefined ? { onAccepted: hooks.onAccepted } : {}),
      ...(hooks?.journal !== undefined ? { journal: hooks.journal } : {}),
    });
    this.simulated = [...this.venues.values()].filter((v): v is Venue & MarketDataConsumer =>
      isMarketDataConsumer(v),
    );
    for (const a of config.accounts) {
      const venue = this.venues.get(a.venue);
      if (venue !== undefined) this.venueByAccount.set(a.id, venue);
    }
    const effective: WardenConfig =
      options.balances === undefined
        ? config
        : {
            ...config,
            accounts: config.accounts.map((a) => ({
              ...a,
              balance: options.balances?.get(a.id) ?? a.balance,
            })),
          };
    const partitions: Partition[] = [];
    for (const index of set.held) {
      const accounts = config.accounts.filter((a) => partitionOf(a.id, set.count) === index).map((a) => a.id);
      if (accounts.length === 0) continue;
      const c = compose(effective, {
        clock,
        ids,
        sink: options.sink,
        accounts,
        shared: {
          venue: partitionVenue(new Map(accounts.map((a) => [a, this.venueByAccount.get(a)!]))),
        },
        ...(options.llm !== undefined ? { llm: options.llm } : {}),
        ...(options.wallClock !== undefined ? { wallClock: options.wallClock } : {}),
        ...(options.decisions !== undefined ? { decisions: options.decisions } : {}),
      });
      const partition = { index, accounts, c };
      partitions.push(partition);
      for (const a of accounts) this.byAccount.set(a, partition);
    }
    this.partitions = partitions;
    this.market = new MarketStage({
      clock,
      ids,
      candleIntervals: options.candleIntervals ?? candleIntervalsOf(config),
      staleFeedSeconds: config.engine.staleFeedSeconds,
      watched: () => this.watchedSymbols(),
      emit: (envelope) => {
        options.sink.emit(envelope);
        for (const p of this.partitions) p.c.observe(envelope);
      },
    });
  }

  /** Opens every venue's connections (a paper venue has none); resolves once all can take calls. */
  async connect(): Promise<void> {
    await Promise.all([...this.venues.values()].map((v) => v.connect()));
  }

  /** The pipeline of the partition that holds `accountId`, if this process holds it. */
  partitionOf(accountId: string): Composition | undefined {
    return this.byAccount.get(accountId)?.c;
  }

  /**
   * Starts every partition on the initial positions the config declares (the paper venue books
   * them too), arms the candle timer and starts the risk engines and the watchdog.
   */
  start(startTime: number): void {
    const initial = initialPositionsOf(this.config, startTime).filter((p) => this.byAccount.has(p.accountId));
    for (const p of initial) this.seedAtVenue(p);
    this.startPartitions(initial);
  }

  /**
   * Starts every partition on positions already known (the config's, or those a recovery rebuilt
   * and told the partitions about), then the market stage and the risk engines.
   */
  startPartitions(initial: readonly InitialPosition[], restored = false): void {
    for (const p of this.partitions) {
      if (!restored) p.c.engine.start(initial.filter((i) => p.accounts.includes(i.accountId)));
    }
    this.market.startCandles();
    for (const p of this.partitions) p.c.risk.start();
    this.market.startWatchdog();
  }

  /** One validated tick, through the whole pipeline. `range` is set for a conflated tick. */
  onTick(tick: Tick, range?: TickRange): void {
    const sim = this.simulated;
    for (let i = 0; i < sim.length; i++) sim[i]!.onTick(tick);
    const ps = this.partitions;
    for (let i = 0; i < ps.length; i++) ps[i]!.c.engine.onTick(tick);
    this.market.candleTick(tick);
    const low = range?.last.low;
    const high = range?.last.high;
    for (let i = 0; i < ps.length; i++) {
      const c = ps[i]!.c;
      // Only a partition holding the symbol has triggers or risk levels a tick of it can reach.
      if (!c.holds(tick.symbol) && !c.risk.awaitingPrice) continue;
      c.risk.onTick(tick, low, high);
      c.monitor.onTick(tick, range);
    }
    this.market.watchdogTick(tick);
  }

  /** Resolves once every decision in flight is applied; undefined when none is. */
  decisionsSettled(): Promise<void> | undefined {
    // Asked after every tick: no allocation unless something is in flight.
    const ps = this.partitions;
    if (ps.length === 1) return ps[0]!.c.monitor.settled();
    let pending: Array<Promise<void>> | undefined;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!.c.monitor.settled();
      if (p === undefined) continue;
      if (pending === undefined) pending = [p];
      else pending.push(p);
    }
    return settledOf(pending);
  }

  /** Resolves once every entry in flight reached the venue or was refused; undefined when none is. */
  entriesSettled(): Promise<void> | undefined {
    const ps = this.partitions;
    if (ps.length === 1) return ps[0]!.c.entry.settled();
    let pending: Array<Promise<void>> | undefined;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!.c.entry.settled();
      if (p === undefined) continue;
      if (pending === undefined) pending = [p];
      else pending.push(p);
    }
    return settledOf(pending);
  }

  /** Resolves when every entry and exit in flight has finished. */
  async idle(): Promise<void> {
    for (const p of this.partitions) await p.c.entry.idle();
    for (const p of this.partitions) await p.c.execution.idle();
  }

  /** Stops every timer of every partition and of the market stage. */
  stop(): void {
    for (const p of this.partitions) {
      p.c.entry.stop();
      p.c.risk.stop();
      p.c.execution.stop();
      p.c.engine.stop();
    }
    this.market.stop();
  }

  /** Every account this process holds, in the config's order. */
  accounts(): Account[] {
    const out: Account[] = [];
    for (const a of this.config.accounts) {
      const account = this.byAccount.get(a.id)?.c.engine.account(a.id);
      if (account !== undefined) out.push(account);
    }
    return out;
  }

  /** Every open position of every partition. */
  openPositions(): Position[] {
    return this.partitions.flatMap((p) => p.c.engine.openPositions());
  }

  /** The venue an account trades at, if this process holds the account. */
  venueOf(accountId: string): Venue | undefined {
    return this.venueByAccount.get(accountId);
  }

  /**
   * Books a position held outside the engine at a simulated venue (the config's initial positions,
   * a positions row another program wrote), standing in for the fill it had there. A real venue
   * holds its positions itself; nothing is done for it.
   */
  seedAtVenue(p: {
    readonly accountId: string;
    readonly symbol: string;
    readonly side: 'long' | 'short';
    readonly quantity: number;
    readonly entryPrice: number;
  }): void {
    const venue = this.venueByAccount.get(p.accountId);
    if (venue === undefined || !isSeedable(venue)) return;
    venue.loadPosition({
      accountId: p.accountId,
      symbol: p.symbol,
      side: p.side,
      quantity: p.quantity,
      entryPrice: p.entryPrice,
    });
  }

  private watchedSymbols(): Set<string> {
    const symbols = new Set<string>();
    for (const p of this.partitions)
      for (const position of p.c.engine.openPositions()) symbols.add(position.symbol);
    return symbols;
  }
}

function settledOf(pending: Array<Promise<void>> | undefined): Promise<void> | undefined {
  if (pending === undefined) return undefined;
  return pending.length === 1 ? pending[0] : Promise.all(pending).then(() => undefined);
}

/** Every held account's standing (`warden status`, `replay --status`), in the config's order. */
export function runtimeStatus(runtime: Runtime, now: number): StatusReport {
  const report = statusReport(
    runtime.partitions.map((p) => p.c),
    now,
  );
  const order = new Map(runtime.config.accounts.map((a, i) => [a.id, i]));
  const accounts = [...report.accounts].sort(
    (a, b) => (order.get(a.accountId) ?? 0) - (order.get(b.accountId) ?? 0),
  );
  return { ...report, accounts };
}

/** A simulated venue that can be told of a position held before it started (the paper venue). */
function isSeedable(venue: Venue): venue is Venue & { loadPosition(position: VenuePosition): void } {
  return typeof (venue as { loadPosition?: unknown }).loadPosition === 'function';
}
