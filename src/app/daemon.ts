import { SystemClock } from '../adapters/clock/system-clock.ts';
import { createUlidGenerator } from '../adapters/ids/ulid.ts';
import { createSyntheticFeed } from '../adapters/market-data/synthetic.ts';
import { MemoryTransport } from '../adapters/transports/memory/memory-transport.ts';
import { WardenError } from '../domain/errors.ts';
import { EventRegistry } from '../domain/events/registry.ts';
import { moneyFixed } from '../domain/money.ts';
import { pnlPercent, unrealizedPnl } from '../domain/position.ts';
import { createTickGuard } from '../domain/tick-guard.ts';
import { DemoEdgeSource } from '../engine/demo-edge-source.ts';
import type { EventSink } from '../engine/event-sink.ts';
import { TickConflator } from '../engine/tick-conflator.ts';
import type { EventStore } from '../ports/store.ts';
import { type Composition, compose, processTick, startWithInitialPositions } from './compose.ts';
import type { WardenConfig } from './config/schema.ts';
import { DEFAULT_CONTROL_SOCKET } from './control/protocol.ts';
import { startControlServer } from './control/server.ts';
import { describeEvent } from './event-lines.ts';
import type { Logger } from './logger.ts';
import { DurableEngine, type StartReport } from './persistence/durable.ts';
import { statusReport } from './status.ts';

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
  readonly store?: { readonly store: EventStore; readonly name: string };
  /** Seconds between snapshots (default 60); one is also taken on a graceful stop. */
  readonly snapshotEverySeconds?: number;
  /** Called once started, with how the start went (for tests). */
  readonly onStarted?: (c: Composition, report: StartReport | undefined) => void;
}

/**
 * The live daemon on the paper venue: a synthetic feed at live pace, the demo edge source, and
 * readable log lines of what happens. Every event is validated and published to the in-memory
 * transport; the log printer is a consumer group on it. Resolves after a graceful stop.
 */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const { config, logger, signal } = options;
  const feedConfig = config.feed;
  if (feedConfig === undefined) {
    throw new WardenError('WARDEN_CONFIG_INVALID', 'warden run needs a feed', {
      problems: [
        'feed: required by `warden run` (a synthetic feed: seed, tickIntervalMs, symbols with startPrice)',
      ],
    });
  }
  const clock = new SystemClock();
  const ids = createUlidGenerator({ clock });
  const transport = new MemoryTransport({ partitions: config.engine.partitions, clock });
  const registry = new EventRegistry();
  const sink: EventSink = {
    emit(envelope) {
      registry.parse(envelope);
      void transport.publish(envelope);
    },
  };
  const durable =
    options.store !== undefined
      ? new DurableEngine({ config, store: options.store.store, clock, ids, sink })
      : undefined;
  const printer = await transport.subscribe('console', async (envelope) => {
    const line = describeEvent(envelope);
    if (line !== undefined) logger[line.level](line.text);
  });

  const start = clock.now();
  let c: Composition;
  let report: StartReport | undefined;
  if (durable !== undefined) {
    report = await durable.start();
    c = durable.c;
    logStart(logger, options.store!.name, report);
  } else {
    c = compose(config, { clock, ids, sink });
    startWithInitialPositions(c, config, start);
  }
  // Group commit: whatever the engine emitted since the last commit goes in one transaction, a
  // few milliseconds after the first event; a failed commit keeps it pending and counts towards
  // the store-error circuit breaker, while hard stops keep being enforced from memory.
  let commitTimer: NodeJS.Timeout | undefined;
  let committing: Promise<void> | undefined;
  const commitSoon = (delayMs = 5) => {
    if (durable === undefined || commitTimer !== undefined) return;
    commitTimer = setTimeout(() => {
      commitTimer = undefined;
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
          durable.snapshot().catch((error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            logger.warn(`snapshot failed: ${message}`);
          });
        }, snapshotMs);
  const unlisten =
    durable !== undefined
      ? await durable.listenForPositions((line) => {
          logger.info(line);
          commitSoon();
        })
      : undefined;
  options.onStarted?.(c, report);
  const control =
    options.controlSocket === false
      ? undefined
      : await startControlServer({
          path: options.controlSocket ?? DEFAULT_CONTROL_SOCKET,
          log: logger,
          handler: {
            status: () => statusReport(c.risk, clock.now()),
            setState(accountId, state, reason) {
              if (c.risk.account(accountId) === undefined) {
                throw new WardenError('WARDEN_UNKNOWN_ACCOUNT', `unknown account ${accountId}`);
              }
              const r = c.risk.setState(accountId, state, reason);
              return { accountId, ...r, changed: r.previousState !== r.state };
            },
          },
        });
  if (control !== undefined) logger.info(`control socket: ${control.path} (warden status, warden state)`);
  logger.info(
    `warden started: ${config.accounts.length} account(s), ${config.instruments.length} instrument(s), paper venue, synthetic feed every ${feedConfig.tickIntervalMs} ms`,
  );

  const demo = config.demo.enabled
    ? new DemoEdgeSource(c.engine, clock, {
        accountId: config.demo.account ?? config.accounts[0]!.id,
        everySeconds: config.demo.everySeconds,
        maxOpenPositions: config.demo.maxOpenPositions,
        stopPct: config.demo.stopPct,
        targetPct: config.demo.targetPct,
        ...(config.demo.maxHoldSeconds !== undefined ? { maxHoldSeconds: config.demo.maxHoldSeconds } : {}),
        seed: feedConfig.seed,
        submit: (edge) => c.entry.submit(edge),
      })
    : undefined;

  const statusMs = (options.statusEverySeconds ?? 5) * 1000;
  // The first status line comes after 3 s so a new user sees a position being watched quickly.
  let cancelStatus = clock.schedule(start + Math.min(statusMs, 3_000), function status() {
    for (const p of c.engine.openPositions()) {
      const tick = c.engine.lastTick(p.symbol);
      const instrument = c.engine.instrument(p.symbol);
      if (tick === undefined || instrument === undefined) continue;
      const pnl = unrealizedPnl(p, instrument, tick.price);
      const pct = pnlPercent(p, tick.price);
      logger.info(
        `watching ${p.symbol} ${p.side} ${p.quantity} @ ${p.entryPrice}: last ${tick.price}, PnL ${moneyFixed(pnl)} (${pct >= 0 ? '+' : ''}${pct.toFixed(2)}%)` +
          `${p.stopPrice !== undefined ? `, stop ${p.stopPrice}` : ''}${p.targetPrice !== undefined ? `, target ${p.targetPrice}` : ''} [${p.id}]`,
      );
    }
    cancelStatus = clock.schedule(clock.now() + statusMs, status);
  });

  const guard = createTickGuard(config.instruments.map((i) => i.symbol));
  const feed = createSyntheticFeed({
    seed: feedConfig.seed,
    symbols: feedConfig.symbols.map((s) => ({
      symbol: s.symbol,
      startPrice: s.startPrice,
      tickSize: c.engine.instrument(s.symbol)?.tickSize ?? 0.01,
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
      if (t.count > 1) processTick(c, t, t.range);
      else processTick(c, t);
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
      const problem = guard.check(tick);
      if (problem !== undefined) {
        logger.warn(`skipped tick: ${problem.message} [${problem.code}]`);
        continue;
      }
      conflator.push(tick);
      if (!drainScheduled) {
        drainScheduled = true;
        setImmediate(drain);
      }
    }
  } finally {
    logger.info(`stopping: draining events (${conflator.conflated} tick(s) conflated under load)`);
    drain();
    await c.entry.idle();
    await c.execution.idle();
    c.entry.stop();
    c.risk.stop();
    c.execution.stop();
    c.watchdog?.stop();
    await control?.close();
    demo?.stop();
    cancelStatus();
    if (durable !== undefined) {
      if (snapshotTimer !== undefined) clearInterval(snapshotTimer);
      if (commitTimer !== undefined) clearTimeout(commitTimer);
      await unlisten?.();
      await committing;
      try {
        await durable.snapshot();
        logger.info(`snapshot written to ${options.store!.name}`);
      } catch (error) {
        logger.error(
          `final snapshot failed: ${error instanceof Error ? error.message : String(error)}; the next start recovers from the log`,
        );
      }
    }
    c.engine.stop();
    await printer.close();
    await transport.close();
    logger.info(`stopped; ${c.engine.openPositions().length} position(s) still open`);
  }
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
      `reconciliation: ${d.kind} ${d.accountId} ${d.symbol}: warden ${JSON.stringify(d.warden)}, venue ${JSON.stringify(d.venue)}`,
    );
  }
}
