import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import { DurableEngine, ENGINE_SNAPSHOT } from '../../src/app/persistence/durable.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import { monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * Staged partial exits (DESIGN.md "Exits": +15% exit 50%, +25% exit 25%, each stage once) and the
 * profit target: every stage exits its fraction exactly once, in order, also when a tick gaps
 * through several or a stage is reached while another exit is working.
 */

const config = (exits: string) => `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 100000 }]
instruments: [{ symbol: BTC, tickSize: 0.01, lotSize: 1 }]
profiles: { default: { policy: hold, milestones: [], exits: ${exits} } }
positions:
  - { id: p, account: acc, symbol: BTC, side: long, quantity: 8, entryPrice: 100, stopPrice: 50 }
`;

const STAGES = '{ partialExits: { enabled: true } }';

describe('staged partial exits', () => {
  it('exits each stage once, in order, when one tick gaps through both', async () => {
    const h = monitoredHarness(config(STAGES));
    await h.tick('BTC', 100, T0 + 1_000);
    await h.tick('BTC', 130, T0 + 2_000); // +30%: past +15% and +25% at once
    await h.tick('BTC', 130, T0 + 3_000);
    const of = (type: string) => h.sink.events.filter((e) => e.type === type);
    expect(of('Position.Exit.StageReached.v1').map((e) => [e.data.stage, e.data.exitQuantity])).toEqual([
      ['partial_exit:0', 4],
      ['partial_exit:1', 2],
    ]);
    // 50% and then 25% of the 8 the position opened with.
    expect(of('Trading.Position.Reduced.v1').map((e) => [e.data.reducedQuantity, e.data.quantity])).toEqual([
      [4, 4],
      [2, 2],
    ]);
    const exits = of('Trading.Order.Placed.v1').filter((e) => e.data.intent === 'exit');
    expect(exits.map((e) => e.causationId)).toEqual(of('Position.Exit.StageReached.v1').map((e) => e.id));
    // Once: further ticks above the levels exit nothing more.
    await h.tick('BTC', 135, T0 + 4_000);
    expect(of('Trading.Position.Reduced.v1')).toHaveLength(2);
    expect(h.c.engine.positionById('p')?.quantity).toBe(2);
  });

  it('waits for a working exit and then sends the stage', async () => {
    const h = monitoredHarness(config(STAGES));
    await h.tick('BTC', 100, T0 + 1_000);
    // A manual reduction by 1 that cannot fill: a limit above the market.
    h.c.execution.exit({ position: h.c.engine.positionById('p')!, quantity: 1, condition: 'agent' });
    expect(h.c.execution.isExiting('p')).toBe(true);
    await h.tick('BTC', 116, T0 + 2_000); // +16%: stage 1 reached while the agent exit works
    const of = (type: string) => h.sink.events.filter((e) => e.type === type);
    expect(of('Position.Exit.StageReached.v1').map((e) => e.data.stage)).toEqual(['partial_exit:0']);
    // The agent exit ends (walks to market and fills); the stage goes after it.
    for (let t = 3; t <= 60; t++) await h.tick('BTC', 116, T0 + t * 1_000);
    const reduced = of('Trading.Position.Reduced.v1').map((e) => e.data.reducedQuantity);
    expect(reduced).toEqual([1, 4]);
    expect(h.c.engine.positionById('p')?.quantity).toBe(3);
  });
});

describe('the profit target and the stage at the same level', () => {
  it('closes the position by the profit target and records the superseded stage', async () => {
    const h = monitoredHarness(
      config('{ partialExits: { enabled: true }, profitTarget: { enabled: true } }'),
    );
    await h.tick('BTC', 100, T0 + 1_000);
    await h.tick('BTC', 116, T0 + 2_000); // stage 1: 4 of 8
    await h.tick('BTC', 125, T0 + 3_000); // the profit target (25%) and stage 2 (25%) on one tick
    await h.tick('BTC', 125, T0 + 4_000);
    const of = (type: string) => h.sink.events.filter((e) => e.type === type);
    expect(of('Position.Exit.StageReached.v1').map((e) => e.data.stage)).toEqual([
      'partial_exit:0',
      'profit_target',
      'partial_exit:1',
    ]);
    expect(of('Trading.Position.Reduced.v1').map((e) => e.data.reducedQuantity)).toEqual([4]);
    expect(of('Trading.Position.Closed.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({
        quantity: 4,
        reason: 'EXIT_CONDITION',
        conflictingTriggers: ['partial_exit_target'],
      }),
    ]);
  });
});

describe('exit stages across restarts', () => {
  const yaml = config(STAGES);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-stages-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(path: string, clock: SimulatedClock, seed: number) {
    const store = await openEventStore(path);
    const sink = new CollectingSink();
    const durable = new DurableEngine({
      config: parseConfig(yaml, { source: 'test', env: {} }),
      store,
      clock,
      ids: createUlidGenerator({ clock, seed }),
      sink,
    });
    await durable.start();
    const c = durable.c;
    return {
      durable,
      c,
      of: (type: string) => sink.events.filter((e) => e.type === type),
      async tick(price: number, at: number) {
        clock.advanceTo(at);
        durable.rt.onTick({ ts: at, symbol: 'BTC', price });
        await c.monitor.settled();
        await c.execution.idle();
      },
      async stop() {
        c.risk.stop();
        c.execution.stop();
        c.engine.stop();
        await store.close();
      },
    };
  }

  it('does not exit a stage again after a restart whose snapshot predates it', async () => {
    const path = join(dir, 'warden.db');
    const clock = new SimulatedClock(T0);
    const first = await start(path, clock, 1);
    await first.tick(100, T0 + 1_000);
    await first.tick(130, T0 + 2_000);
    await first.tick(130, T0 + 3_000);
    expect(first.of('Trading.Position.Reduced.v1').map((e) => e.data.reducedQuantity)).toEqual([4, 2]);
    // Committed, but the last snapshot is the one from the start: the stages are only in the log.
    await first.durable.commit();
    await first.stop();

    const second = await start(path, clock, 2);
    await second.tick(131, T0 + 60_000);
    await second.tick(132, T0 + 61_000);
    expect(second.of('Position.Exit.StageReached.v1')).toEqual([]);
    expect(second.of('Trading.Order.Placed.v1')).toEqual([]);
    expect(second.c.engine.positionById('p')?.quantity).toBe(2);
    await second.stop();
  });

  it('sends a stage that was waiting when Warden stopped at the first tick after the restart', async () => {
    const path = join(dir, 'warden.db');
    const clock = new SimulatedClock(T0);
    const first = await start(path, clock, 1);
    await first.tick(100, T0 + 1_000);
    await first.durable.commit();
    await first.stop();
    // A snapshot taken while stage 1 waited for another exit (which then ended while Warden was
    // down): the position with the stage reached, its exit not sent.
    const store = await openEventStore(path);
    await store.commit({
      snapshot: {
        name: ENGINE_SNAPSHOT,
        data: {
          version: 1,
          takenAt: T0 + 2_000,
          positions: [
            {
              id: 'p',
              accountId: 'acc',
              symbol: 'BTC',
              side: 'long',
              quantity: 8,
              entryPrice: 100,
              openedAt: T0,
              attrs: { stopPrice: 50 },
              memory: {
                fired: ['partial_exit:0@15'],
                stopApproachLatched: false,
                targetApproachLatched: false,
              },
              pendingStages: [
                { tag: 'partial_exit:0', quantity: 4, eventId: 'stage-event', correlationId: 'stage-event' },
              ],
            },
          ],
        },
      },
    });
    await store.close();

    const second = await start(path, clock, 2);
    expect(second.of('Trading.Order.Placed.v1')).toEqual([]);
    await second.tick(116, T0 + 60_000);
    await second.tick(116, T0 + 61_000);
    const placed = second.of('Trading.Order.Placed.v1');
    expect(placed.map((e) => [e.data.quantity, e.causationId])).toEqual([[4, 'stage-event']]);
    expect(second.c.engine.positionById('p')?.quantity).toBe(4);
    // Not reached again: the level was remembered as fired.
    expect(second.of('Position.Exit.StageReached.v1')).toEqual([]);
    await second.stop();
  });
});
