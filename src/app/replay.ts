import type { Writable } from 'node:stream';
import { SimulatedClock } from '../adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../adapters/ids/ulid.ts';
import { accountBalance } from '../domain/account.ts';
import { type ClockJump, createClockJumpFilter } from '../domain/clock-jump.ts';
import { WardenError } from '../domain/errors.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import { EventRegistry } from '../domain/events/registry.ts';
import { Decimal, moneyString } from '../domain/money.ts';
import type { Order } from '../domain/order.ts';
import type { TickRange } from '../domain/tick-range.ts';
import { CountingSink, fanOut } from '../engine/event-sink.ts';
import type { InputProblem, MarketDataSource, SourcedTick } from '../ports/market-data.ts';
import type { DecisionRow, EventStore } from '../ports/store.ts';
import type { WardenConfig } from './config/schema.ts';
import type { StatusReport } from './control/protocol.ts';
import type { TimedEdge } from './edges-file.ts';
import { JsonlSink } from './jsonl-sink.ts';
import { PrintFrom, type ResumePrint } from './persistence/replay-output.ts';
import {
  configHash,
  openReplayRun,
  progressRecord,
  type ReplayOutput,
  type ReplayProgress,
} from './persistence/replay-run.ts';
import { StoreWriter } from './persistence/store-writer.ts';
import { TimeSteps } from './replay-checks.ts';
import { Runtime, runtimeStatus } from './runtime/runtime.ts';
import { TickGate } from './runtime/tick-gate.ts';
import { TradeLedger, type TradeReport } from './trade-report.ts';

export interface ReplayOptions {
  readonly config: WardenConfig;
  readonly source: MarketDataSource;
  /** Where the JSONL events go. */
  readonly out: Writable;
  /** Stop at the first bad input instead of skipping it. */
  readonly strict?: boolean;
  /** Called for every bad input record (after it was counted). */
  readonly onProblem?: (problem: InputProblem) => void;
  /** Called every `progressEvery` ticks with the number read so far. */
  readonly onProgress?: (ticksRead: number) => void;
  readonly progressEvery?: number;
  readonly signal?: AbortSignal;
  /** Wall clock for the summary's timing; injected so tests stay deterministic. */
  readonly now?: () => number;
  /** Edges handed to the entry flow when the simulated clock reaches them (`--edges`). */
  readonly edges?: readonly TimedEdge[];
  /** Put every account's standing at the end of the run in the summary (`--status`). */
  readonly status?: boolean;
  /**
   * Persist the run: events, positions and decisions rows, the paper venue's order log and the
   * run's progress, committed together every `commitEveryTicks` ticks (`--store`).
   */
  readonly store?: {
    readonly store: EventStore;
    /** For messages: the store as the user named it. */
    readonly name: string;
    /** Identifies the inputs (see `inputHash`), so a resume cannot mix runs. */
    readonly inputHash: string;
    /** Continue the run the store holds from its last committed tick (`--resume`). */
    readonly resume?: boolean;
    /** Ticks per commit (default 5,000; also when 20,000 events are pending). */
    readonly commitEveryTicks?: number;
    /** Where this run prints, recorded in the store before it prints anything (for a later resume). */
    readonly output?: ReplayOutput;
    /**
     * On resume, which events to print (see `planResumeOutput`); by default those after the last
     * commit, which the earlier output may lack or repeat.
     */
    readonly print?: ResumePrint;
  };
}

export interface ReplaySummary {
  readonly ticksRead: number;
  readonly ticksAccepted: number;
  readonly problems: Readonly<Record<string, number>>;
  readonly events: number;
  readonly eventsByType: Readonly<Record<string, number>>;
  readonly positionsOpened: number;
  readonly positionsClosed: number;
  /** Net realized PnL over every account (realized − fees), as a decimal string. */
  readonly realizedPnl: string;
  readonly openPositions: number;
  readonly wallMs: number;
  readonly ticksPerSec: number;
  /** Every account's standing at the end, when asked for. */
  readonly status?: StatusReport;
  /** With a store: input records re-derived from it on resume, and events it holds for the run. */
  readonly store?: { readonly resumedAfter: number; readonly events: number; readonly commits: number };
  /** How the file's times ran: steps forward and back between consecutive ticks, and clock jumps. */
  readonly timeline: {
    readonly forward: number;
    readonly backward: number;
    /** Every jump of more than a day the clock made (confirmed by the ticks after it). */
    readonly jumps: readonly ClockJump[];
  };
  /** The closed trades: per account, and per position in the order they closed. */
  readonly trades: TradeReport;
}

/**
 * Runs the engine over a tick source on a simulated clock at full speed. The clock starts at the
 * first accepted tick; scripted orders fire when the clock reaches them. Bad records are counted
 * and skipped, or stop the run with `WARDEN_INPUT_STRICT_ABORT` in strict mode.
 */
export async function runReplay(options: ReplayOptions): Promise<ReplaySummary> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { config } = options;
  const clock = new SimulatedClock();
  const ids = createUlidGenerator({ clock, seed: config.engine.seed });
  const counter = new CountingSink();
  const trades = new TradeLedger();
  const jsonl = new JsonlSink(options.out, new EventRegistry());
  const persist = options.store;
  let run: ReplayProgress | undefined;
  let writer: StoreWriter | undefined;
  if (persist !== undefined) {
    const opened = await openReplayRun(
      persist.store,
      persist.name,
      { configHash: configHash(config), inputHash: persist.inputHash },
      persist.resume === true,
    );
    run = {
      ...opened.progress,
      ...(persist.output !== undefined ? { output: persist.output } : {}),
    };
    writer = new StoreWriter({
      store: persist.store,
      verifyFirst: { count: run.events, afterPosition: run.startPosition },
    });
    // The run is recorded before its first tick, so a kill at any moment leaves something to resume;
    // and its output before anything is printed, so the next resume knows where to look.
    if (!opened.resumed) await writer.commit({ records: [progressRecord(run)] });
    else if (persist.output !== undefined) await persist.store.commit({ records: [progressRecord(run)] });
  }
  const gate =
    writer !== undefined && persist?.resume === true && persist.print !== undefined
      ? new PrintFrom(jsonl, persist.print, persist.name)
      : undefined;
  // By default a resume prints what follows the last commit (what the store adds).
  const printed =
    writer === undefined ? jsonl : (gate ?? { emit: (e: Envelope) => writer.live && jsonl.emit(e) });
  const rt = new Runtime(config, {
    clock,
    ids,
    sink: writer === undefined ? fanOut(counter, trades, jsonl) : fanOut(counter, trades, writer, printed),
    ...(writer !== undefined ? { decisions: (row: DecisionRow) => writer.recordDecision(row) } : {}),
    ...(writer !== undefined
      ? {
          venues: {
            onAccepted: (_venue: string, order: Order) =>
              writer.put({
                collection: 'paper.orders',
                id: `${order.accountId}/${order.clientOrderId}`,
                value: order,
              }),
          },
        }
      : {}),
  });
  const commitEvery = persist?.commitEveryTicks ?? 5_000;
  let sinceCommit = 0;
  let commits = 0;
  const commit = async (finished: boolean) => {
    if (writer === undefined || run === undefined) return;
    run = {
      ...run,
      ticksRead: handled,
      events: run.events + writer.pending,
      finished,
    };
    await writer.commit({ records: [progressRecord(run)] });
    sinceCommit = 0;
    commits++;
  };
  /** After each processed tick: verify (resume) or commit when due. */
  const afterTick = async () => {
    if (writer === undefined || run === undefined) return;
    gate?.check();
    if (!writer.live) {
      if (handled >= run.ticksRead) await writer.goLive();
      else if (handled % 1_000 === 0) await writer.verify();
      return;
    }
    if (++sinceCommit >= commitEvery || writer.pending >= 20_000) await commit(false);
  };
  const problems: Record<string, number> = {};
  const report = (problem: InputProblem) => {
    problems[problem.code] = (problems[problem.code] ?? 0) + 1;
    options.onProblem?.(problem);
    if (options.strict) {
      throw new WardenError('WARDEN_INPUT_STRICT_ABORT', problemText(problem), { problem });
    }
  };

  /** Input records read, and (a held clock jump aside) disposed of: what a resume counts. */
  let ticksRead = 0;
  let handled = 0;
  const resumedAfter = persist?.resume === true && run !== undefined ? run.ticksRead : 0;
  let ticksAccepted = 0;
  let started_ = false;
  const progressEvery = options.progressEvery ?? 10_000;
  const pending: Promise<unknown>[] = [];
  const steps = new TimeSteps();
  const jumps = createClockJumpFilter();
  /** A tick the clock-jump filter held back and refused. */
  const refuse = (problem: InputProblem) => {
    handled++;
    report(problem);
  };
  // Record checks and the price guard: a problem counts as handled input.
  const ticks = new TickGate(config, refuse);
  const accepted = (checked: SourcedTick) => jumps.accepted(checked);
  /**
   * One tick the clock-jump filter let through: checked, then past the price guard, which may
   * hold it back until the next ticks confirm the move (it is processed then, with their range).
   */
  /** After each processed tick: decisions and entries settle, the output and the store keep up. */
  const afterProcessed = async (
    settling = rt.decisionsSettled(),
    entering: Promise<void> | undefined | null = null,
  ) => {
    // Decisions are async (a policy may call out); settle them before the next tick so that
    // every run applies them at the same point. (`null`: entries not asked yet.)
    if (settling !== undefined) await settling;
    const entries = entering === null ? rt.entriesSettled() : entering;
    if (entries !== undefined) await entries;
    if (jsonl.full) await jsonl.flush();
    if (writer !== undefined) await afterTick();
  };
  /** What starts a timer settles at the timer's own time, before the next timer or the tick. */
  const settleTimers = async (tick: SourcedTick, range: TickRange | undefined) => {
    do {
      const afterTimer = rt.decisionsSettled();
      if (afterTimer !== undefined) await afterTimer;
      const entries = rt.entriesSettled();
      if (entries !== undefined) await entries;
    } while (clock.runNextTimer(tick.ts));
    clock.advanceTo(tick.ts);
    rt.onTick(tick, range);
    await afterProcessed();
  };
  /**
   * One tick the clock-jump filter let through: checked, then past the price guard, which may
   * hold it back until the next ticks confirm the move (it is processed then, with their range).
   * Returns a promise only when something must be awaited: the common tick costs no await.
   */
  const take = (input: SourcedTick): Promise<void> | undefined => {
    const passed = ticks.pass(input, accepted);
    if (passed === undefined) return undefined;
    const { tick, range, count } = passed;
    handled += count;
    ticksAccepted += count;
    if (!started_) {
      started_ = true;
      clock.advanceTo(tick.ts);
      rt.start(tick.ts);
      for (const { at, edge } of options.edges ?? []) {
        clock.schedule(at, () => {
          // An edge for an account the config lacks is refused by the first partition.
          const c = rt.partitionOf(edge.accountId) ?? rt.partitions[0]!.c;
          pending.push(c.entry.submit(edge));
        });
      }
      for (const [i, o] of (config.orders ?? []).entries()) {
        clock.schedule(o.at, () => {
          pending.push(
            rt.partitionOf(o.account)!.engine.placeOrder(
              {
                accountId: o.account,
                symbol: o.symbol,
                side: o.side,
                type: o.type,
                quantity: o.quantity,
                ...(o.limitPrice !== undefined ? { limitPrice: o.limitPrice } : {}),
                ...(o.stopPrice !== undefined ? { stopPrice: o.stopPrice } : {}),
                reduceOnly: o.reduceOnly,
                clientOrderId: o.clientOrderId ?? `order-${i + 1}`,
                intent: o.reduceOnly ? 'exit' : 'entry',
              },
              o.reduceOnly
                ? { intent: 'exit', reason: 'MANUAL' }
                : { intent: 'entry', ...(o.protect !== undefined ? { open: o.protect } : {}) },
            ),
          );
        });
      }
    }
    // Timers one at a time (candle closes, time decay, exit timeouts).
    if (clock.runNextTimer(tick.ts)) return settleTimers(tick, range);
    clock.advanceTo(tick.ts);
    rt.onTick(tick, range);
    const settling = rt.decisionsSettled();
    if (settling === undefined && writer === undefined && !jsonl.full) {
      const entering = rt.entriesSettled();
      return entering === undefined ? undefined : afterProcessed(undefined, entering);
    }
    return afterProcessed(settling);
  };
  try {
    for await (const tick of options.source.ticks({
      onProblem: (p) => {
        ticksRead++;
        handled++;
        report(p);
      },
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    })) {
      ticksRead++;
      if (options.onProgress !== undefined && ticksRead % progressEvery === 0) options.onProgress(ticksRead);
      steps.add(tick.ts);
      const outcomes = jumps.push(tick);
      if (outcomes === null) {
        const taking = take(tick);
        if (taking !== undefined) await taking;
      } else for (const o of outcomes) await (o.tick !== undefined ? take(o.tick) : refuse(o.problem));
    }
    for (const o of jumps.flush()) await (o.tick !== undefined ? take(o.tick) : refuse(o.problem));
    ticks.drain();
    await Promise.all(pending);
    await rt.idle();
    if (writer !== undefined) {
      await writer.goLive();
      await commit(true);
    }
    // The store holds the whole run either way; the output must have found its place in it.
    gate?.check(true);
  } finally {
    rt.stop();
    await jsonl.flush();
  }

  const wallMs = now() - started;
  const eventsByType = Object.fromEntries(
    [...counter.byType.entries()].sort(([a], [b]) => a.localeCompare(b)),
  );
  let realized = new Decimal(0);
  for (const a of rt.accounts()) realized = realized.plus(accountBalance(a).minus(a.startingBalance));
  return {
    ticksRead,
    ticksAccepted,
    problems,
    events: counter.total,
    eventsByType,
    positionsOpened: counter.byType.get('Trading.Position.Opened.v1') ?? 0,
    positionsClosed: counter.byType.get('Trading.Position.Closed.v1') ?? 0,
    realizedPnl: moneyString(realized),
    openPositions: rt.openPositions().length,
    wallMs,
    ticksPerSec: wallMs > 0 ? Math.round((ticksAccepted / wallMs) * 1000) : 0,
    ...(options.status ? { status: runtimeStatus(rt, clock.now()) } : {}),
    ...(persist !== undefined && run !== undefined
      ? { store: { resumedAfter: resumedAfter, events: run.events, commits } }
      : {}),
    timeline: { forward: steps.forward, backward: steps.backward, jumps: jumps.jumps },
    trades: trades.report(),
  };
}

/** One line for a person: the message, prefixed with its line unless the source already put it there. */
export function problemText(problem: InputProblem): string {
  // The CSV reader and the tick guard both start their messages with `line N: `.
  const at = problem.line !== undefined ? `line ${problem.line}: ` : '';
  const prefix = problem.message.startsWith(at) ? '' : at;
  return `${prefix}${problem.message} [${problem.code}]`;
}
