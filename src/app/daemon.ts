import { SystemClock } from '../adapters/clock/system-clock.ts';
import { createUlidGenerator } from '../adapters/ids/ulid.ts';
import { createSyntheticFeed } from '../adapters/market-data/synthetic.ts';
import { MemoryTransport } from '../adapters/transports/memory/memory-transport.ts';
import { WardenError } from '../domain/errors.ts';
import { EventRegistry } from '../domain/events/registry.ts';
import { moneyFixed } from '../domain/money.ts';
import { pnlPercent, unrealizedPnl } from '../domain/position.ts';
import { DemoEdgeSource } from '../engine/demo-edge-source.ts';
import type { EventSink } from '../engine/event-sink.ts';
import { TickConflator } from '../engine/tick-conflator.ts';
import type { EventStore, WriterLock } from '../ports/store.ts';
import { CleanupStack } from './cleanup.ts';
import type { WardenConfig } from './config/schema.ts';
import { DEFAULT_CONTROL_SOCKET } from './control/protocol.ts';
import { startControlServer } from './control/server.ts';
import { DAEMON_TRADES_KEPT, withClosedTrades } from './control/status-trades.ts';
import { EventLog } from './event-log.ts';
import { continuedSeed, feedRecord, loadFeedState } from './feed-resume.ts';
import type { Logger } from './logger.ts';
import { DurableEngine, type StartReport } from './persistence/durable.ts';
import { Runtime, runtimeStatus } from './runtime/runtime.ts';
import { TickGate } from './runtime/tick-gate.ts';
import { loadTradeLedger, TradeLedger } from './trade-report.ts';

export interface DaemonOptions {
  readonly config: WardenConfig;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Seconds between "watching" status lines (default 5). */
  readonly statusEverySeconds?: number;
  /** Unix socket for `warden status` and `warden state`; false for none. */
  readonly controlSocket?: string | false;
  /**
   * The durable store (`--store`): events, positions, decisions and the paper venue's state
   * commit to it; a start recovers from it. The daemon closes it on stop. None: in memory only.
   */
  readonly store?: { readonly store: EventStore; readonly name: string; readonly lock?: WriterLock };
  /** Seconds between snapshots (default 60); one is also taken on a graceful stop. */
  readonly snapshotEverySeconds?: number;
  /** Called once started, with how the start went (for tests). */
  readonly onStarted?: (runtime: Runtime, report: StartReport | undefined) => void;
}

/**
 * The live daemon on the paper venue: a synthetic feed at live pace, the demo edge source, and
 * readable log lines of what happens. Every event is validated and published to the in-memory
 * transport; the log printer is a consumer group on it. Resolves after a graceful stop. A start
 * that fails rejects at once, having released whatever it opened (timers, listeners, the control
 * socket); so does a daemon that lost its store's writer lock (`WARDEN_STORE_LOCKED`), without
 * writing to the store again.
 */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const cleanup = new CleanupStack();
  let stopped: string;
  try {
    stopped = await runUntilStopped(options, cleanup);
  } finally {
    // Also after a failed start: a daemon that cannot start must exit, not linger on a timer.
    await cleanup.run((step, error) =>
      options.logger.warn(
        `stopping: ${step} failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }
  options.logger.info(stopped);
}

/** Starts the daemon, runs it until its signal, drains; returns the last line to log. */
async function runUntilStopped(options: DaemonOptions, cleanup: CleanupStack): Promise<string> {
  const { config, logger } = options;
  const feedConfig = config.feed;
  if (feedConfig === undefined) {
    throw new WardenError('WARDEN_CONFIG_INVALID', 'warden run needs a feed', {
      problems: [
        'feed: required by `warden run` (a synthetic feed: seed, tickIntervalMs, symbols with startPrice)',
      ],
    });
  }
  // The daemon stops on the caller's signal, or by itself when it loses its store's writer lock.
  const stopping = new AbortController();
  const signal = AbortSignal.any([options.signal, stopping.signal]);
  let lockLost: WardenError | undefined;
  options.store?.lock?.onLost((error) => {
    lockLost = error;
    logger.error(
      `lost the store's writer lock: ${error.message}; stopping without writing to the store again`,
    );
    stopping.abort();
  });
  const clock = new SystemClock();
  const ids = createUlidGenerator({ clock });
  const transport = new MemoryTransport({ partitions: config.engine.partitions, clock });
  cleanup.add('close the transport', () => transport.close());
  const registry = new EventRegistry();
  // The closed trades for `warden status`: those of the store's history, then every new one.
  const trades =
    options.store !== undefined
      ? await loadTradeLedger(options.store.store, DAEMON_TRADES_KEPT)
      : new TradeLedger(DAEMON_TRADES_KEPT);
  // Log lines of events; a time decay is explained while its position is still watched.
  const eventLog = new EventLog(logger, {
    startedAt: clock.now(),
    timeDecayHours: (id) => timeDecayHoursOf(started ?? durable?.composed, id),
  });
  const sink: EventSink = {
    emit(envelope) {
      registry.parse(envelope);
      trades.emit(envelope);
      eventLog.emitted(envelope);
      void transport.publish(envelope);
    },
  };
  const durable =
    options.store !== undefined
      ? new DurableEngine({ config, store: options.store.store, clock, ids, sink })
      : undefined;
  const printer = await transport.subscribe('console', async (envelope) => eventLog.print(envelope));
  cleanup.add('close the log printer', () => printer.close());

  // The control socket comes first: a path another daemon listens on fails the start before the
  // store is recovered or written. Until the start is done it answers that warden is starting.
  let started: Runtime | undefined;
  const ready = (): Runtime => {
    if (started !== undefined) return started;
    throw new WardenError(
      'WARDEN_CONTROL_UNAVAILABLE',
      'warden is starting (recovering from its store); ask again in a moment',
    );
  };
  const control =
    options.controlSocket === false
      ? undefined
      : await startControlServer({
          path: options.controlSocket ?? DEFAULT_CONTROL_SOCKET,
          log: logger,
          handler: {
            status: () => withClosedTrades(runtimeStatus(ready(), clock.now()), trades.report()),
            setState(accountId, state, reason) {
              const c = ready().partitionOf(accountId);
              if (c?.risk.account(accountId) === undefined) {
                throw new WardenError('WARDEN_UNKNOWN_ACCOUNT', `unknown account ${accountId}`);
              }
              const r = c.risk.setState(accountId, state, reason);
              return { accountId, ...r, changed: r.previousState !== r.state };
            },
          },
        });
  if (control !== undefined) cleanup.add('close the control socket', () => control.close());

  const start = clock.now();
  let c: Runtime;
  let report: StartReport | undefined;
  if (durable !== undefined) {
    // A start that fails half-way may have built and started the engine already.
    cleanup.add('stop the engine', () => durable.composed?.stop());
    report = await durable.start();
    c = durable.rt;
    logStart(logger, options.store!.name, report);
  } else {
    const composed = new Runtime(config, { clock, ids, sink });
    cleanup.add('stop the engine', () => composed.stop());
    await composed.connect();
    composed.start(start);
    c = composed;
  }
  started = c;
  // The synthetic feed goes on from where it stood at the last commit on this store, with a new
  // random stream, rather than from its seed prices: a recovered position sees new prices.
  const feedState = durable !== undefined ? await loadFeedState(options.store!.store) : undefined;
  const feedPrices: Record<string, number> = { ...feedState?.prices };
  let feedTicks = feedState?.ticks ?? 0;
  let feedRecordedAt = 0;
  const recordFeed = () => {
    feedRecordedAt = clock.now();
    durable?.writer.put(feedRecord({ prices: { ...feedPrices }, ticks: feedTicks }));
  };
  if (feedState !== undefined && Object.keys(feedState.prices).length > 0) {
    const prices = Object.entries(feedState.prices).map(([symbol, price]) => `${symbol} ${price}`);
    logger.info(
      { prices: feedState.prices, ticks: feedState.ticks },
      `synthetic feed: going on from the last stored prices (${prices.join(', ')}) after ${feedState.ticks} tick(s)`,
    );
  }
  // Group commit: whatever the engine emitted since the last commit goes in one transaction, a
  // few milliseconds after the first event; a failed commit keeps it pending and counts towards
  // the store-error circuit breaker, while hard stops keep being enforced from memory.
  let commitTimer: NodeJS.Timeout | undefined;
  let committing: Promise<void> | undefined;
  const commitSoon = (delayMs = 5) => {
    if (durable === undefined || commitTimer !== undefined || lockLost !== undefined) return;
    commitTimer = setTimeout(() => {
      commitTimer = undefined;
      // Where the feed stands, with the events: at most once a second.
      if (clock.now() - feedRecordedAt >= 1_000) recordFeed();
      committing = durable
        .commit()
        .then(() => undefined)
        .catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          logger.warn(`store commit failed (kept pending, retrying): ${message}`);
          commitSoon(1_000);
        });
    }, delayMs);
  };
  const snapshotMs = (options.snapshotEverySeconds ?? 60) * 1000;
  const snapshotTimer =
    durable === undefined
      ? undefined
      : setInterval(() => {
          if (lockLost !== undefined) return;
          durable.snapshot().catch((error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            logger.warn(`snapshot failed: ${message}`);
          });
        }, snapshotMs);
  cleanup.add('stop the store timers', () => {
    if (snapshotTimer !== undefined) clearInterval(snapshotTimer);
    if (commitTimer !== undefined) clearTimeout(commitTimer);
  });
  let unlisten =
    durable !== undefined
      ? await durable.listenForPositions((line) => {
          logger.info(line);
          commitSoon();
        })
      : undefined;
  const stopListening = async () => {
    const stop = unlisten;
    unlisten = undefined;
    await stop?.();
  };
  cleanup.add('stop listening for positions rows', stopListening);
  options.onStarted?.(c, report);
  if (control !== undefined) logger.info(`control socket: ${control.path} (warden status, warden state)`);
  logger.info(
    `warden started: ${config.accounts.length} account(s), ${config.instruments.length} instrument(s), paper venue, synthetic feed every ${feedConfig.tickIntervalMs} ms`,
  );

  const demoAccount = config.demo.account ?? config.accounts[0]!.id;
  const demoPartition = c.partitionOf(demoAccount) ?? c.partitions[0]!.c;
  const demo = config.demo.enabled
    ? new DemoEdgeSource(demoPartition.engine, clock, {
        accountId: demoAccount,
        everySeconds: config.demo.everySeconds,
        maxOpenPositions: config.demo.maxOpenPositions,
        stopPct: config.demo.stopPct,
        targetPct: config.demo.targetPct,
        ...(config.demo.maxHoldSeconds !== undefined ? { maxHoldSeconds: config.demo.maxHoldSeconds } : {}),
        seed: feedConfig.seed,
        submit: (edge) => demoPartition.entry.submit(edge),
      })
    : undefined;
  cleanup.add('stop the demo', () => demo?.stop());

  const statusMs = (options.statusEverySeconds ?? 5) * 1000;
  // The first status line comes after 3 s so a new user sees a position being watched quickly.
  let cancelStatus = clock.schedule(start + Math.min(statusMs, 3_000), function status() {
    for (const p of c.openPositions()) {
      const engine = c.partitionOf(p.accountId)?.engine;
      const tick = engine?.lastTick(p.symbol);
      const instrument = engine?.instrument(p.symbol);
      if (tick === undefined || instrument === undefined) continue;
      const pnl = unrealizedPnl(p, instrument, tick.price);
      const pct = pnlPercent(p, tick.price);
      logger.info(
        { positionId: p.id, accountId: p.accountId, symbol: p.symbol, price: tick.price },
        `watching ${p.symbol} ${p.side} ${p.quantity} @ ${p.entryPrice}: last ${tick.price}, PnL ${moneyFixed(pnl)} (${pct >= 0 ? '+' : ''}${pct.toFixed(2)}%)` +
          `${p.stopPrice !== undefined ? `, stop ${p.stopPrice}` : ''}${p.targetPrice !== undefined ? `, target ${p.targetPrice}` : ''} [${p.id}]`,
      );
    }
    cancelStatus = clock.schedule(clock.now() + statusMs, status);
  });
  cleanup.add('stop the status lines', () => cancelStatus());

  // Record checks and the price guard, as in a replay: a refused tick is logged and skipped.
  const gate = new TickGate(config, (p) => logger.warn(`skipped tick: ${p.message} [${p.code}]`));
  const feed = createSyntheticFeed({
    seed: continuedSeed(feedConfig.seed, feedTicks),
    symbols: feedConfig.symbols.map((s) => ({
      symbol: s.symbol,
      startPrice: feedPrices[s.symbol] ?? s.startPrice,
      tickSize: config.instruments.find((i) => i.symbol === s.symbol)?.tickSize ?? 0.01,
      ...(s.annualVolatility !== undefined ? { annualVolatility: s.annualVolatility } : {}),
    })),
    tickIntervalMs: feedConfig.tickIntervalMs,
    startTime: start,
    pace: 'live',
  });
  // Ticks go through a conflator: when the feed outruns the engine, a symbol's pending tick is
  // replaced by the newest while keeping the low and high of each price, so no stop crossing is lost.
  const conflator = new TickConflator();
  let drainScheduled = false;
  let first = true;
  const drain = () => {
    drainScheduled = false;
    for (let t = conflator.shift(); t !== undefined; t = conflator.shift()) {
      const { low, high } = t.range.last;
      // A range wider than the tick itself (conflation, a confirmed jump) goes along with it.
      if (t.count > 1 || low !== high) c.onTick(t, t.range);
      else c.onTick(t);
      if (first) {
        first = false;
        demo?.start();
        // Open one position right away so a new user sees one within seconds.
        void demo?.step();
      }
    }
    commitSoon();
  };
  try {
    for await (const tick of feed.ticks({ signal, onProblem: (p) => logger.warn(`feed: ${p.message}`) })) {
      // A jump beyond the price guard waits for the next ticks: confirmed, it goes with their range.
      const passed = gate.pass(tick, () => feedTicks++);
      if (passed === undefined) continue;
      feedPrices[tick.symbol] = tick.price;
      conflator.push(passed.tick, passed.range);
      if (!drainScheduled) {
        drainScheduled = true;
        setImmediate(drain);
      }
    }
  } finally {
    logger.info(`stopping: draining events (${conflator.conflated} tick(s) conflated under load)`);
    drain();
    await c.idle();
    demo?.stop();
    cancelStatus();
    if (durable !== undefined) {
      if (snapshotTimer !== undefined) clearInterval(snapshotTimer);
      if (commitTimer !== undefined) clearTimeout(commitTimer);
      await stopListening();
      await committing;
      // A daemon that lost the lock leaves the store to its new writer.
      if (lockLost === undefined) {
        recordFeed();
        try {
          await durable.snapshot();
          logger.info(`snapshot written to ${options.store!.name}`);
        } catch (error) {
          logger.error(
            `final snapshot failed: ${error instanceof Error ? error.message : String(error)}; the next start recovers from the log`,
          );
        }
      }
    }
  }
  if (lockLost !== undefined) throw lockLost;
  return `stopped; ${c.openPositions().length} position(s) still open`;
}

/** How long a position's time decay took to fire, from whichever partition watches it. */
function timeDecayHoursOf(runtime: Runtime | undefined, positionId: string): number | undefined {
  for (const p of runtime?.partitions ?? []) {
    const hours = p.c.monitor.timeDecayHours(positionId);
    if (hours !== undefined) return hours;
  }
  return undefined;
}

function logStart(logger: Logger, store: string, r: StartReport): void {
  if (!r.recovered) {
    logger.info(`store ${store}: new, ${r.positions} position(s) from the configuration`);
    return;
  }
  logger.info(
    `store ${store}: recovered ${r.positions} open position(s) from ${r.snapshotPosition !== undefined ? `the snapshot at event ${r.snapshotPosition}` : 'the log (no snapshot)'} and ${r.tailEvents} event(s) after it`,
  );
  if (r.discrepancies.length === 0) logger.info('reconciled with the venue: no discrepancy');
  for (const d of r.discrepancies) {
    logger.warn(
      { accountId: d.accountId, symbol: d.symbol },
      `reconciliation: ${d.kind} ${d.accountId} ${d.symbol}: warden ${JSON.stringify(d.warden)}, venue ${JSON.stringify(d.venue)}`,
    );
  }
}
