import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { compose, processTick, startWithInitialPositions } from '../../src/app/compose.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import type { DecisionRow } from '../../src/ports/store.ts';
import {
  type FakeOpenAI,
  type FakeReply,
  good,
  held,
  injection,
  malformed,
  refusal,
  schemaInvalid,
  startFakeOpenAI,
  status,
} from '../support/fake-openai.ts';

// The LLM policy inside the engine: a BTC long from 100 with its stop at 90 reaches its first
// milestone (+5%) at 105, a MEDIUM event the `llm` profile sends to the model (a fake
// OpenAI-compatible server on 127.0.0.1, through the real client). Whatever the model answers,
// the decision that acts is valid and guarded, and the event and the decisions row say what
// happened. The rules policy's answer here is "stop to break-even": 100.
//
// Timing: the policy's deadline runs on the real clock, so every test but the timeout's gives it
// HANG_GUARD_SECONDS, a hang guard that a busy machine cannot reach. The timeout's test uses a
// short deadline and a fake that withholds its answer, so the deadline is the only way out.
// Each test has its own fake server, so a reply one test scripted cannot answer the next one's
// request; and each checks its request took the reply it scripted. Nothing sleeps: tests wait on
// the engine (`settled`, `idle`) and on the fake (`untilRequests`).

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const PRICES = { inputPerMillion: 2.5, outputPerMillion: 10 };
/** The LLM deadline of every test that is not about the deadline: a hang guard, not a check. */
const HANG_GUARD_SECONDS = 30;
/** The deadline of the timeout test; the fake never answers within it, however long it is. */
const SHORT_TIMEOUT_SECONDS = 0.2;

type Composed = ReturnType<typeof compose>;

let fake: FakeOpenAI;
let started: Composed[];
beforeEach(async () => {
  fake = await startFakeOpenAI();
  started = [];
});
afterEach(async () => {
  // Every engine a test composed stops here, passed or failed; closing drops any held request.
  for (const c of started) stopAll(c);
  await fake.close();
});

function stopAll(c: Composed): void {
  c.risk.stop();
  c.execution.stop();
  c.engine.stop();
}

function config(timeoutSeconds = HANG_GUARD_SECONDS) {
  return parseConfig(
    `
engine: { seed: 9, candleIntervals: [], staleFeedSeconds: 0 }
accounts:
  - { id: acc, balance: 100000 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
profiles:
  default: { policy: llm, minConfidence: 0.5 }
positions:
  - { id: btc, account: acc, symbol: BTC-USD, side: long, quantity: 1, entryPrice: 100, stopPrice: 90, targetPrice: 150 }
agent:
  llm:
    baseUrl: ${fake.baseUrl}
    model: fake-model
    apiKey: test-key
    timeoutSeconds: ${timeoutSeconds}
    maxRetries: 0
    prices: { inputPerMillion: ${PRICES.inputPerMillion}, outputPerMillion: ${PRICES.outputPerMillion} }
`,
    { source: 'test', env: {} },
  );
}

interface RunOptions {
  readonly price?: number;
  readonly timeoutSeconds?: number;
}

/** Composes the engine on `cfg` with a simulated clock at T0; stopped after the test. */
function start(cfg = config(), extra: { decisions?: (row: DecisionRow) => void } = {}) {
  const clock = new SimulatedClock(T0);
  const sink = new CollectingSink();
  const c = compose(cfg, { clock, ids: createUlidGenerator({ clock, seed: 1 }), sink, ...extra });
  started.push(c);
  startWithInitialPositions(c, cfg, T0);
  return { c, clock, sink };
}

/**
 * One run: the position, the model's scripted reply, a tick at `price`; what happened. Checks
 * that the one request of the run took the scripted reply, unless the deadline is short (then the
 * client may give up before its request reaches the fake).
 */
async function run(reply: FakeReply, options: RunOptions = {}) {
  const { price = 105, timeoutSeconds = HANG_GUARD_SECONDS } = options;
  fake.enqueue(reply);
  const rows: DecisionRow[] = [];
  const { c, clock, sink } = start(config(timeoutSeconds), { decisions: (row) => rows.push(row) });
  clock.advanceTo(T0 + 60_000);
  processTick(c, { ts: clock.now(), symbol: 'BTC-USD', price });
  await c.monitor.settled();
  await c.execution.idle();
  const decisions = sink.ofType('Agent.Decision.Made.v1');
  expect(decisions).toHaveLength(1);
  expect(rows).toHaveLength(1);
  if (timeoutSeconds >= HANG_GUARD_SECONDS) {
    expect(fake.count).toBe(1);
    expect(fake.scripted).toBe(0);
  }
  const position = c.engine.positionById('btc');
  return { event: decisions[0]! as Envelope, row: rows[0]!, stop: position?.stopPrice, sink };
}

describe('the LLM policy in the engine', () => {
  it('a good answer acts, and its record has the model, tokens, cost and prompt version', async () => {
    const { event, row, stop } = await run(
      good({
        action: 'ADJUST_STOP',
        confidence: 0.8,
        reasoning: 'lock in gains',
        details: { newStopPrice: 101 },
      }),
    );
    expect(event.data).toMatchObject({ policy: 'llm', action: 'ADJUST_STOP', model: 'fake-model' });
    expect(event.data.fallbackReason).toBeUndefined();
    expect(stop).toBe(101);
    const tokens = { prompt: 812, completion: 64 };
    expect(row).toMatchObject({
      policy: 'llm',
      model: 'fake-model',
      promptVersion: 'manage-position.v1',
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      actionDetails: { newStopPrice: 101 },
    });
    expect(row.cost).toBeCloseTo(
      (tokens.prompt * PRICES.inputPerMillion + tokens.completion * PRICES.outputPerMillion) / 1e6,
      12,
    );
    expect(JSON.parse(row.rawResponse!)).toMatchObject({ action: 'ADJUST_STOP' });
    // The inputs are on the row: the position at the price, the account, the trigger.
    expect(row.stateAtDecision).toMatchObject({
      position: { id: 'btc', price: 105, stopPrice: 90, pnlPct: 5 },
      account: { state: 'ACTIVE' },
      trigger: { type: 'Position.Profit.MilestoneReached.v1' },
    });
    // The prompt the model saw carried the same input.
    const last = fake.requests.at(-1)!;
    expect(JSON.stringify(last.body)).toContain('Position.Profit.MilestoneReached.v1');
  });

  it.each([
    ['malformed JSON', malformed(), 'MALFORMED_JSON'],
    ['a schema-invalid object', schemaInvalid(), 'SCHEMA_INVALID'],
    ['HTTP 429', status(429), 'HTTP_429'],
    ['HTTP 500', status(500), 'HTTP_500'],
    ['a refusal', refusal('I cannot help with trading'), 'REFUSED'],
  ])('%s falls back to the rules policy and says why', async (_name, reply, code) => {
    const { event, row, stop } = await run(reply);
    expect(event.data).toMatchObject({
      policy: 'rules',
      action: 'ADJUST_STOP',
      details: { newStopPrice: 100 },
    });
    expect(String(event.data.fallbackReason)).toMatch(new RegExp(`^llm: ${code}\\b`));
    expect(row.fallbackReason).toBe(event.data.fallbackReason);
    expect(stop).toBe(100);
  });

  it('no answer within timeoutSeconds falls back to the rules policy and says why', async () => {
    // The fake holds the request and never releases it: only the deadline can end the call, so
    // TIMEOUT is the one possible outcome however busy the machine is. The held answer would
    // have moved the stop to 101.
    const { event, row, stop } = await run(
      held(
        good({
          action: 'ADJUST_STOP',
          confidence: 0.9,
          reasoning: 'too late',
          details: { newStopPrice: 101 },
        }),
      ),
      { timeoutSeconds: SHORT_TIMEOUT_SECONDS },
    );
    expect(event.data).toMatchObject({
      policy: 'rules',
      action: 'ADJUST_STOP',
      details: { newStopPrice: 100 },
    });
    expect(String(event.data.fallbackReason)).toBe(
      `llm: TIMEOUT: no answer within ${SHORT_TIMEOUT_SECONDS * 1000} ms`,
    );
    expect(row.fallbackReason).toBe(event.data.fallbackReason);
    expect(stop).toBe(100);
  });

  it('a timeoutSeconds that is no whole number of ms in binary (32.01 s) still builds the policy', async () => {
    // 32.01 * 1000 is 32009.999999999996, which the policy's options refuse unless rounded.
    const { event, stop } = await run(
      good({ action: 'ADJUST_STOP', confidence: 0.8, reasoning: 'lock in', details: { newStopPrice: 101 } }),
      { timeoutSeconds: 32.01 },
    );
    expect(event.data).toMatchObject({ policy: 'llm', action: 'ADJUST_STOP' });
    expect(event.data.fallbackReason).toBeUndefined();
    expect(stop).toBe(101);
  });

  it('an answer that talks its way out of the stop is refused by the guardrails; the rules policy answers', async () => {
    const { event, row, stop } = await run(injection(50));
    expect(event.data).toMatchObject({
      policy: 'rules',
      action: 'ADJUST_STOP',
      details: { newStopPrice: 100 },
    });
    expect(String(event.data.fallbackReason)).toMatch(/^GUARDRAIL_STOP_WIDENED: llm's decision refused/);
    expect(row.rejected).toMatchObject({
      policy: 'llm',
      rule: 'STOP_WIDENED',
      proposed: { action: 'ADJUST_STOP', details: { newStopPrice: 50 } },
    });
    // The stop only ever tightened: 90 → 100, never to 50.
    expect(stop).toBe(100);
  });

  it('a low-confidence answer is held', async () => {
    const { event, stop } = await run(good({ action: 'CLOSE', confidence: 0.2, reasoning: 'maybe close?' }));
    expect(event.data).toMatchObject({ policy: 'llm', action: 'HOLD' });
    expect(String(event.data.fallbackReason)).toMatch(/^LOW_CONFIDENCE: 0.2 < 0.5/);
    expect(stop).toBe(90);
  });

  it('ADJUST_STOP also moves the working protective stop order at the venue', async () => {
    fake.enqueue(
      good({ action: 'ADJUST_STOP', confidence: 0.9, reasoning: 'protect', details: { newStopPrice: 101 } }),
    );
    const { c, clock, sink } = start();
    // A reduce-only stop at 90 protects the position at the venue.
    await c.engine.placeOrder(
      {
        accountId: 'acc',
        symbol: 'BTC-USD',
        side: 'sell',
        type: 'stop',
        quantity: 1,
        stopPrice: 90,
        reduceOnly: true,
        clientOrderId: 'guard-1',
        intent: 'protective',
      },
      { intent: 'protective', positionId: 'btc' },
    );
    clock.advanceTo(T0 + 60_000);
    processTick(c, { ts: clock.now(), symbol: 'BTC-USD', price: 105 });
    await c.monitor.settled();
    await c.execution.idle();
    const open = await c.venue.openOrders('acc');
    expect(open.map((o) => [o.clientOrderId, o.type, o.stopPrice, o.reduceOnly])).toEqual([
      ['guard-1-m1', 'stop', 101, true],
    ]);
    expect(
      sink.ofType('Trading.Order.Cancelled.v1').map((e) => [e.data.clientOrderId, e.data.reason]),
    ).toEqual([['guard-1', 'REPLACED']]);
    const placed = sink.ofType('Trading.Order.Placed.v1').at(-1)!;
    expect(placed.data).toMatchObject({ clientOrderId: 'guard-1-m1', intent: 'protective', stopPrice: 101 });
    // Caused by the decision.
    expect(placed.causationId).toBe(sink.ofType('Agent.Decision.Made.v1')[0]!.id);
    expect(fake.count).toBe(1);
    expect(fake.scripted).toBe(0);
  });

  it('a CRITICAL stop hit does not wait for a model that is still thinking', async () => {
    // The model is held (no deadline can end the call within the test): the answer is pending
    // until the test releases it, after the stop has closed the position.
    fake.enqueue(
      held(
        good({
          action: 'ADJUST_STOP',
          confidence: 0.9,
          reasoning: 'thinking',
          details: { newStopPrice: 101 },
        }),
      ),
    );
    const { c, clock, sink } = start();
    clock.advanceTo(T0 + 60_000);
    processTick(c, { ts: clock.now(), symbol: 'BTC-USD', price: 105 }); // the model is asked, and stalls
    await fake.untilRequests(1);
    expect(fake.held).toBe(1);
    clock.advanceTo(T0 + 120_000);
    processTick(c, { ts: clock.now(), symbol: 'BTC-USD', price: 89 }); // through the stop
    await c.execution.idle();
    // Closed while the model's answer is still pending.
    expect(fake.held).toBe(1);
    expect(sink.ofType('Agent.Decision.Made.v1')).toEqual([]);
    expect(sink.ofType('Trading.Position.Closed.v1').map((e) => e.data.reason)).toEqual(['STOP_LOSS']);
    // The answer comes after all; the closed position stays closed.
    fake.release();
    await c.monitor.settled();
    await c.execution.idle();
    expect(sink.ofType('Trading.Position.Closed.v1')).toHaveLength(1);
    expect(fake.scripted).toBe(0);
  });
});
