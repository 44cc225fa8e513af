import { performance } from 'node:perf_hooks';
import type { SimulatedClock } from '../src/adapters/clock/simulated-clock.ts';
import { type Composition, processTick } from '../src/app/compose.ts';
import type { WardenConfig } from '../src/app/config/schema.ts';
import type { Account } from '../src/domain/account.ts';
import type { Envelope } from '../src/domain/events/envelope.ts';
import type { Instrument } from '../src/domain/instrument.ts';
import { Decimal as Dec, type Decimal, dec } from '../src/domain/money.ts';
import type { Position } from '../src/domain/position.ts';
import { priceAtPnl } from '../src/domain/risk/levels.ts';
import type { Tick } from '../src/domain/tick.ts';
import type { EventSink } from '../src/engine/event-sink.ts';
import { type AccountRisk, metricsOf } from '../src/engine/risk/account-risk.ts';
import type { Figure } from './scenarios.ts';
import { benchConfig, composeForBench, percentile, round3, START } from './support.ts';
import { random } from './triggers.ts';

/*
 * Risk engine throughput (`npm run bench -- risk`): 100,000 accounts, each with a daily loss limit
 * between 500 and 5,000 and one or two positions (half the accounts two, on two different symbols)
 * over 100 symbols of skewed popularity, and a seeded random walk of 1,000,000 ticks, 1 ms apart on
 * the simulated clock (busy symbols tick more often). Two identical compositions are built:
 *
 * A. `ticksPerSec`: per tick clock.advanceTo + engine.onTick + risk.onTick (two heap peeks, an
 *    exact re-check when a level is reached) and, after a tick that breaches, the enforcement it
 *    started (exit orders to the paper venue, fills, closes, cascaded re-checks) run to completion
 *    before the next tick; `tickPathTicksPerSec` leaves that awaited enforcement out. The paper
 *    venue, fed no ticks on this path, is handed a breached account's prices just before its exits
 *    go out. Then the naive baseline (`NaiveRiskCheck`) on a time-bounded prefix of the same ticks,
 *    from the accounts as they were before the run: its breaches must be the engine's, tick for
 *    tick. Then `enforcement*`: ticks driven to the nearest exact breach price on the 20 busiest
 *    symbols, through processTick, timed from processTick's start to the paper venue receiving the
 *    first exit order of each account the tick breached.
 * B. `pipelineTicksPerSec`: the same ticks through the full processTick (paper venue, engine, risk,
 *    monitor), and `naturalEnforcement*`: the same latency on the walk's own breaching ticks (those
 *    that breached in A). WARDEN_BENCH_RISK_PIPELINE=0 skips B.
 */

const ACCOUNTS = Number(process.env.WARDEN_BENCH_ACCOUNTS ?? 100_000);
const SYMBOLS = 100;
const TICKS = Number(process.env.WARDEN_BENCH_TICKS ?? 1_000_000);
const BASELINE_MAX_TICKS = 5_000;
const BASELINE_BUDGET_MS = 15_000;
const LATENCY_SAMPLES = 250;
/** Driven breaches go to the busiest symbols, where the nearest breach price is close. */
const DRIVEN_SYMBOLS = 20;
const SEED = 2026;
/** Popularity exponents: symbol of rank r gets positions ∝ 1/r^POSITION_SKEW, ticks ∝ 1/r^TICK_SKEW. */
const POSITION_SKEW = 0.8;
const TICK_SKEW = 0.5;
/** Typical relative size of one tick's move (one basis point). */
const STEP = 1e-4;
const BALANCE = '100000';

interface Book {
  readonly symbols: string[];
  readonly start: number[];
  readonly positions: WardenConfig['positions'];
  /** Daily loss limit of every account, in cents. */
  readonly limitCents: Int32Array;
  /** Account indices holding each symbol. */
  readonly holders: number[][];
}

/** Cumulative weights for drawing an index ∝ 1/(i+1)^skew. */
function cumulative(n: number, skew: number): Float64Array {
  const c = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** skew;
    c[i] = sum;
  }
  for (let i = 0; i < n; i++) c[i] = c[i]! / sum;
  return c;
}

function draw(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const cents = (price: number) => Math.round(price * 100);

function makeBook(rnd: () => number): Book {
  const symbols = Array.from({ length: SYMBOLS }, (_, i) => `R${i}`);
  // Start prices from 100 to 2,000 on the 0.01 grid (one grid step is at most a basis point).
  const start = symbols.map(() => cents(10 ** (2 + 1.3 * rnd())) / 100);
  const cum = cumulative(SYMBOLS, POSITION_SKEW);
  const positions: WardenConfig['positions'] = [];
  const limitCents = new Int32Array(ACCOUNTS);
  const holders: number[][] = symbols.map(() => []);
  for (let i = 0; i < ACCOUNTS; i++) {
    const limit = 50_000 + Math.floor(rnd() * 450_001);
    limitCents[i] = limit;
    const count = i % 2 === 0 ? 1 : 2;
    const s1 = draw(cum, rnd());
    let s2 = s1;
    while (count === 2 && s2 === s1) s2 = draw(cum, rnd());
    const picked = count === 1 ? [s1] : [s1, s2];
    // Entries within ±0.5% of the start price; a 1% move costs 10–40% of the limit (1–2 times
    // it for one account in fifty). Redraw until the account starts less than 90% of its limit
    // down (nothing breaches at setup). One account in two hundred is distressed: it starts 97–99%
    // of its limit down, so that breaches come early (inside the baseline's prefix) too.
    const aggressive = rnd() < 0.02;
    const distressed = rnd() < 0.005;
    for (;;) {
      let pnl = 0;
      const drafts = picked.map((s) => {
        const p = start[s]!;
        const long = rnd() < 0.5;
        const entry = Math.max(1, cents(p * (1 + (rnd() - 0.5) * 0.01))) / 100;
        const sensitivity = aggressive ? 1 + rnd() : 0.1 + 0.3 * rnd();
        const quantity = Math.max(1, Math.round((sensitivity * limit) / p));
        pnl += (long ? p - entry : entry - p) * quantity;
        return { s, long, entry, quantity };
      });
      const pnlOf = (d: (typeof drafts)[number]) =>
        (d.long ? start[d.s]! - d.entry : d.entry - start[d.s]!) * d.quantity;
      if (distressed) {
        // Move the first entry (on the grid, towards less loss) so that the account's losing
        // positions alone are 97–99% of the limit down.
        const d = drafts[0]!;
        const p = start[d.s]!;
        const others = pnl - pnlOf(d);
        const wanted = -(0.97 + 0.02 * rnd()) * (limit / 100) - Math.min(0, others);
        const cost = (-wanted / d.quantity) * 100; // cents the entry is on the losing side of p
        d.entry = (d.long ? cents(p) + Math.floor(cost) : cents(p) - Math.floor(cost)) / 100;
        if (!(d.entry > 0)) continue;
        pnl = others + pnlOf(d);
      }
      // Until its symbols' first ticks an open position counts at its entry: the losing
      // positions alone must not reach the limit either.
      const losses = drafts.reduce((sum, d) => sum + Math.min(0, pnlOf(d)), 0);
      if (losses * 100 > -0.995 * limit && (distressed || pnl * 100 > -0.9 * limit)) {
        drafts.forEach((d, k) => {
          positions.push({
            id: `p${i}-${k}`,
            account: `a${i}`,
            symbol: symbols[d.s]!,
            side: d.long ? 'long' : 'short',
            quantity: d.quantity,
            entryPrice: d.entry,
          });
          holders[d.s]!.push(i);
        });
        break;
      }
    }
  }
  return { symbols, start, positions, limitCents, holders };
}

/** The seeded walk on the 0.01 grid, as ready-made ticks 1 ms apart (after one tick per symbol). */
function makeTicks(book: Book, rnd: () => number): { ticks: Tick[]; sym: Uint8Array } {
  const cum = cumulative(SYMBOLS, TICK_SKEW);
  const level = book.start.map(cents);
  const step = book.start.map((p) => Math.max(1, Math.round(p * STEP * 100)));
  const ticks: Tick[] = new Array(TICKS);
  const sym = new Uint8Array(TICKS);
  for (let i = 0; i < TICKS; i++) {
    const s = draw(cum, rnd());
    const u = rnd();
    const k = u < 0.2 ? 0 : Math.round((rnd() - 0.5) * 2 * step[s]!) || (u < 0.6 ? 1 : -1);
    level[s] = Math.max(1, level[s]! + k);
    sym[i] = s;
    ticks[i] = { ts: START + SYMBOLS + 1 + i, symbol: book.symbols[s]!, price: level[s]! / 100 };
  }
  return { ticks, sym };
}

/** A sink that remembers which accounts broke their daily loss limit. */
interface BreachSink extends EventSink {
  /** Accounts breached since the caller last emptied it. */
  readonly fresh: string[];
}

function breachSink(): BreachSink {
  const sink: BreachSink = {
    fresh: [],
    emit(e: Envelope) {
      if (e.type === 'Risk.Limit.Breached.v1' && e.data.rule === 'DAILY_LOSS')
        sink.fresh.push(String(e.data.accountId));
    },
  };
  return sink;
}

function buildConfig(book: Book): WardenConfig {
  return benchConfig({
    accounts: ACCOUNTS,
    symbols: book.symbols,
    positions: book.positions,
    account: (i) => ({
      balance: BALANCE,
      rules: { dailyLoss: { limit: (book.limitCents[i]! / 100).toFixed(2), manualReset: false } },
    }),
  });
}

function setup(book: Book): {
  c: Composition;
  clock: SimulatedClock;
  sink: BreachSink;
  ms: number;
  /** Breaches during setup (none by construction). */
  breaches: number;
} {
  const t0 = performance.now();
  const sink = breachSink();
  const { c, clock } = composeForBench(buildConfig(book), sink);
  // One untimed tick per symbol at its start price, so every symbol has a price.
  book.symbols.forEach((symbol, s) => {
    clock.advanceTo(START + 1 + s);
    processTick(c, { ts: START + 1 + s, symbol, price: book.start[s]! });
  });
  const breaches = sink.fresh.splice(0).length;
  return { c, clock, sink, ms: performance.now() - t0, breaches };
}

/** Hands the paper venue the engine's latest price of every symbol the accounts hold. */
function syncVenue(c: Composition, accountIds: readonly string[]): void {
  for (const id of accountIds) {
    for (const p of c.engine.account(id)?.positions.values() ?? []) {
      const t = c.engine.lastTick(p.symbol);
      if (t !== undefined) c.paper!.onTick(t);
    }
  }
}

/** Records when the paper venue receives each account's first exit order. */
function watchExits(c: Composition): Map<string, number> {
  const firstExit = new Map<string, number>();
  const placeOrder = c.venue.placeOrder.bind(c.venue);
  c.venue.placeOrder = (request) => {
    if (request.intent === 'exit' && !firstExit.has(request.accountId))
      firstExit.set(request.accountId, performance.now());
    return placeOrder(request);
  };
  return firstExit;
}

/**
 * Runs ticks [from, to) through `step` until one breaches; returns the index after it (or `to`).
 * Kept synchronous: the awaits of the enforcement stay out of the hot loop.
 */
function runUntilBreach(
  ticks: readonly Tick[],
  from: number,
  to: number,
  sink: BreachSink,
  step: (t: Tick) => void,
): number {
  for (let i = from; i < to; i++) {
    step(ticks[i]!);
    if (sink.fresh.length > 0) return i + 1;
  }
  return to;
}

interface Run {
  ms: number;
  /** Part of `ms` spent running enforcement to completion after breaching ticks. */
  enforcementMs: number;
  breaches: number;
  /** Tick index → accounts breached on it. */
  breachedAt: Map<number, string[]>;
  /** Tick start → first exit order, for each account breached on a timed tick. */
  latencies: number[];
  /** Breaches on ticks that were not timed (not breaching ones in the reference run). */
  untimed: number;
  mostOnOneTick: number;
}

/**
 * Runs every tick through `step`. After a tick that breaches, the enforcement it started (exit
 * orders, fills, closes, re-checks) runs to completion before the next tick. Ticks listed in
 * `timed` are timed individually: start of `step` → the venue receiving each breached account's
 * first exit order (the caller has installed `watchExits` as `firstExit`).
 */
async function throughput(
  c: Composition,
  sink: BreachSink,
  ticks: readonly Tick[],
  step: (t: Tick) => void,
  label: string,
  options: { syncVenue: boolean; timed?: readonly number[]; firstExit?: Map<string, number> },
): Promise<Run> {
  const breachedAt = new Map<number, string[]>();
  const latencies: number[] = [];
  const timed = options.timed ?? [];
  const firstExit = options.firstExit ?? new Map<string, number>();
  let nextTimed = 0;
  let breaches = 0;
  let untimed = 0;
  let mostOnOneTick = 0;
  let enforcementMs = 0;
  let i = 0;
  let nextReport = 200_000;
  const t0 = performance.now();
  while (i < ticks.length) {
    const stopAt = Math.min(ticks.length, nextReport, timed[nextTimed] ?? ticks.length);
    let startedAt = 0;
    if (i === stopAt && i === timed[nextTimed]) {
      nextTimed++;
      firstExit.clear();
      startedAt = performance.now();
      step(ticks[i]!);
      i++;
    } else {
      i = runUntilBreach(ticks, i, stopAt, sink, step);
    }
    if (sink.fresh.length > 0) {
      const e0 = performance.now();
      const ids = sink.fresh.splice(0);
      breaches += ids.length;
      mostOnOneTick = Math.max(mostOnOneTick, ids.length);
      breachedAt.set(i - 1, ids);
      if (options.syncVenue) syncVenue(c, ids);
      if (startedAt > 0) {
        for (let spins = 0; spins < 100_000 && ids.some((id) => !firstExit.has(id)); spins++)
          await Promise.resolve();
        for (const id of ids) {
          const at = firstExit.get(id);
          if (at !== undefined) latencies.push(at - startedAt);
        }
      } else {
        untimed += ids.length;
      }
      await c.execution.idle();
      enforcementMs += performance.now() - e0;
    }
    if (i >= nextReport) {
      process.stderr.write(
        `risk: ${label} ${i} ticks, ${breaches} breaches, ${Math.round(performance.now() - t0)} ms\n`,
      );
      nextReport += 200_000;
    }
  }
  const ms = performance.now() - t0;
  await c.execution.idle();
  return { ms, enforcementMs, breaches, breachedAt, latencies, untimed, mostOnOneTick };
}

interface Holder {
  readonly index: number;
  readonly risk: AccountRisk;
  readonly account: Account;
  readonly negLimit: Decimal;
  breached: boolean;
}

/**
 * The naive design: on every tick, every account holding the symbol is marked at the latest
 * prices and its daily PnL compared with its limit, exactly (the engine's own `metricsOf`, the
 * same computation its level-triggered re-check does). A breached account is not checked again,
 * as the engine stops watching a flattening account.
 */
class NaiveRiskCheck {
  private readonly bySymbol: Holder[][];
  private readonly last = new Map<string, number>();
  private readonly priceOf = (p: Position) => this.last.get(p.symbol);
  private readonly instrument: (symbol: string) => Instrument;

  /** Takes the accounts as they are now (accounts are immutable values: later fills replace them). */
  constructor(c: Composition, book: Book) {
    const all = new Map<number, Holder>();
    const holder = (i: number): Holder => {
      let h = all.get(i);
      if (h === undefined) {
        h = {
          index: i,
          risk: c.risk.account(`a${i}`)!,
          account: c.engine.account(`a${i}`)!,
          negLimit: dec(book.limitCents[i]!).div(100).negated(),
          breached: false,
        };
        all.set(i, h);
      }
      return h;
    };
    this.bySymbol = book.holders.map((list) => list.map(holder));
    book.symbols.forEach((s, i) => {
      this.last.set(s, book.start[i]!);
    });
    this.instrument = (s) => c.engine.instrument(s)!;
  }

  onTick(s: number, t: Tick, out: number[]): void {
    this.last.set(t.symbol, t.price);
    const list = this.bySymbol[s]!;
    for (let i = 0; i < list.length; i++) {
      const h = list[i]!;
      if (h.breached) continue;
      const m = metricsOf(h.risk, h.account, this.instrument, this.priceOf);
      if (m.dailyPnl.lte(h.negLimit)) {
        h.breached = true;
        out.push(h.index);
      }
    }
  }
}

function baseline(
  naive: NaiveRiskCheck,
  ticks: readonly Tick[],
  sym: Uint8Array,
): { ticks: number; ms: number; breachedAt: Map<number, string[]> } {
  const breachedAt = new Map<number, string[]>();
  const out: number[] = [];
  const limit = Math.min(BASELINE_MAX_TICKS, ticks.length);
  let n = 0;
  const t0 = performance.now();
  while (n < limit && performance.now() - t0 < BASELINE_BUDGET_MS) {
    naive.onTick(sym[n]!, ticks[n]!, out);
    if (out.length > 0) {
      breachedAt.set(
        n,
        out.splice(0).map((i) => `a${i}`),
      );
    }
    n++;
  }
  return { ticks: n, ms: performance.now() - t0, breachedAt };
}

/** Accounts the engine and the baseline disagree about on ticks [0, n). */
function disagreements(
  engine: Map<number, string[]>,
  naive: Map<number, string[]>,
  n: number,
): { engine: number; mismatches: number } {
  const key = (m: Map<number, string[]>) => {
    const s = new Set<string>();
    for (const [i, ids] of m) if (i < n) for (const id of ids) s.add(`${i}:${id}`);
    return s;
  };
  const a = key(engine);
  const b = key(naive);
  let mismatches = 0;
  for (const k of a) if (!b.has(k)) mismatches++;
  for (const k of b) if (!a.has(k)) mismatches++;
  return { engine: a.size, mismatches };
}

/**
 * Ticks that each take one of the busiest symbols to the nearest price (on the grid, just past the
 * exact breach) at which one of its holders breaks its daily loss limit, through the full
 * processTick; the latency runs from processTick's start to the paper venue receiving the first
 * exit order of each account the tick breached.
 */
async function drivenLatency(
  c: Composition,
  clock: SimulatedClock,
  sink: BreachSink,
  book: Book,
  ts0: number,
): Promise<{ samples: number[]; ticks: number; jumpsBp: number[] }> {
  // The venue has only seen the breached accounts' prices so far.
  for (const s of book.symbols) c.paper!.onTick(c.engine.lastTick(s)!);
  const firstExit = watchExits(c);
  const busiest = book.symbols
    .map((_, s) => s)
    .sort((x, y) => book.holders[y]!.length - book.holders[x]!.length)
    .slice(0, DRIVEN_SYMBOLS);
  const samples: number[] = [];
  const jumpsBp: number[] = [];
  let ts = ts0;
  let ticks = 0;
  for (let attempt = 0; samples.length < LATENCY_SAMPLES && attempt < LATENCY_SAMPLES * 4; attempt++) {
    const s = busiest[attempt % busiest.length]!;
    const symbol = book.symbols[s]!;
    const before = c.engine.lastTick(symbol)!.price;
    const price = nearestBreachPrice(c, book, s);
    if (price === undefined) continue;
    ticks++;
    jumpsBp.push((Math.abs(price - before) / before) * 10_000);
    ts++;
    clock.advanceTo(ts);
    sink.fresh.length = 0;
    firstExit.clear();
    // Empty the young generation: the search above is the bench's garbage, not the engine's.
    minorGc();
    const t0 = performance.now();
    processTick(c, { ts, symbol, price });
    for (let spins = 0; spins < 100_000 && sink.fresh.some((id) => !firstExit.has(id)); spins++)
      await Promise.resolve();
    for (const id of sink.fresh) {
      const at = firstExit.get(id);
      if (at !== undefined) samples.push(at - t0);
    }
    sink.fresh.length = 0;
    await c.execution.idle();
  }
  return { samples, ticks, jumpsBp };
}

/**
 * The price of `s` (on the grid, just past the exact breach) nearest to its current price at
 * which one of its holders breaks its daily loss limit with every other price unchanged.
 */
function nearestBreachPrice(c: Composition, book: Book, s: number): number | undefined {
  const symbol = book.symbols[s]!;
  const now = c.engine.lastTick(symbol)!.price;
  const multiplier = c.engine.instrument(symbol)!.multiplier;
  let best: number | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const i of book.holders[s]!) {
    const id = `a${i}`;
    if (c.risk.states.flattening(id)) continue;
    const p = c.engine.account(id)?.positions.get(symbol);
    const m = c.risk.metrics(id);
    if (p === undefined || m === undefined) continue;
    const limit = dec(book.limitCents[i]!).div(100);
    // The position's PnL at which the account's daily PnL is −limit.
    const target = m.byPosition.get(p.id)!.minus(m.dailyPnl.plus(limit));
    const exact = priceAtPnl(p, multiplier, target);
    const long = p.side === 'long';
    const onGrid = exact.toDecimalPlaces(2, long ? Dec.ROUND_FLOOR : Dec.ROUND_CEIL).toNumber();
    if (!(onGrid > 0)) continue;
    const distance = long ? now - onGrid : onGrid - now;
    if (distance > 0 && distance < bestDistance) {
      bestDistance = distance;
      best = onGrid;
    }
  }
  return best;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function minorGc(): void {
  (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' });
}

function summary(latencies: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...latencies].sort((x, y) => x - y);
  return {
    p50: round3(percentile(sorted, 50)),
    p99: round3(percentile(sorted, 99)),
    max: round3(sorted[sorted.length - 1] ?? Number.NaN),
    n: sorted.length,
  };
}

export async function riskScenario(): Promise<Record<string, Figure>> {
  const rnd = random(SEED);
  const book = makeBook(rnd);
  const { ticks, sym } = makeTicks(book, rnd);
  const ticksEnd = ticks[ticks.length - 1]!.ts;

  // ── Composition A: the engine + risk tick path over every tick, then the baseline on a prefix
  // (from the accounts as they were before the run), then driven breaches for the latency.
  let a: ReturnType<typeof setup> | undefined = setup(book);
  const setupMs = a.ms;
  const setupBreaches = a.breaches;
  process.stderr.write(
    `risk: ${ACCOUNTS} accounts, ${book.positions.length} positions on ${SYMBOLS} symbols, set up in ${Math.round(setupMs)} ms\n`,
  );
  const naiveCheck = new NaiveRiskCheck(a.c, book);
  gc();
  const { c, clock } = a;
  const run = await throughput(
    c,
    a.sink,
    ticks,
    (t) => {
      clock.advanceTo(t.ts);
      c.engine.onTick(t);
      c.risk.onTick(t);
    },
    'engine+risk',
    { syncVenue: true },
  );
  gc();
  const naive = baseline(naiveCheck, ticks, sym);
  process.stderr.write(`risk: baseline ${naive.ticks} ticks in ${Math.round(naive.ms)} ms\n`);
  const check = disagreements(run.breachedAt, naive.breachedAt, naive.ticks);
  const levels = book.symbols.reduce((n, s) => n + c.risk.levelCount(s), 0);
  gc();
  const heapMB = Math.round(process.memoryUsage().heapUsed / 1e6);
  const driven = await drivenLatency(c, clock, a.sink, book, ticksEnd);
  process.stderr.write(`risk: ${driven.samples.length} driven enforcement samples\n`);
  a = undefined;
  gc();

  // ── Composition B, identical: the same ticks through the full processTick, timing the ticks
  // that breached in A (tick start → first exit order of each account they breach).
  let pipeline: Run | undefined;
  if (process.env.WARDEN_BENCH_RISK_PIPELINE !== '0') {
    let b: ReturnType<typeof setup> | undefined = setup(book);
    const bc = b.c;
    const bclock = b.clock;
    pipeline = await throughput(
      bc,
      b.sink,
      ticks,
      (t) => {
        bclock.advanceTo(t.ts);
        processTick(bc, t);
      },
      'processTick',
      {
        syncVenue: false,
        timed: [...run.breachedAt.keys()].sort((x, y) => x - y),
        firstExit: watchExits(bc),
      },
    );
    b = undefined;
  }

  const ticksPerSec = Math.round(TICKS / (run.ms / 1000));
  const tickPathTicksPerSec = Math.round(TICKS / ((run.ms - run.enforcementMs) / 1000));
  const baselineTicksPerSec = Math.round(naive.ticks / (naive.ms / 1000));
  const ratio = Number((ticksPerSec / baselineTicksPerSec).toFixed(1));
  const enforcement = summary(driven.samples);
  const natural = pipeline && summary(pipeline.latencies);
  const targets = { ticksPerSec: 500_000, ratio: 50, enforcementP99Ms: 1 };
  const holdersPerBaselineTick = Math.round(
    sym.subarray(0, naive.ticks).reduce((n, s) => n + book.holders[s]!.length, 0) / naive.ticks,
  );
  return {
    measures:
      'ticksPerSec: per tick clock.advanceTo + engine.onTick + risk.onTick, plus the enforcement a breach starts (exit orders, paper fills, closes) run to completion before the next tick; ' +
      'tickPathTicksPerSec: the same without the time spent awaiting that enforcement (enforcementWallMs); ' +
      'pipelineTicksPerSec: per tick clock.advanceTo + processTick (venue, engine, risk, monitor) on a second identical composition; ' +
      'baselineTicksPerSec: exact metricsOf of every holder of the symbol per tick, on a time-bounded prefix of the same ticks; ' +
      'enforcement*: processTick start -> paper venue receives the first exit order of each breached account, on ticks driven to the nearest breach price of one of the 20 busiest symbols (young generation emptied before each); ' +
      'naturalEnforcement*: the same on the breaching ticks of the walk, in the processTick run',
    accounts: ACCOUNTS,
    positions: book.positions.length,
    symbols: SYMBOLS,
    positionsOnBusiestSymbol: Math.max(...book.holders.map((h) => h.length)),
    ticks: TICKS,
    ticksPerSec,
    wallMs: Math.round(run.ms),
    enforcementWallMs: Math.round(run.enforcementMs),
    tickPathTicksPerSec,
    ...(pipeline && {
      pipelineTicksPerSec: Math.round(TICKS / (pipeline.ms / 1000)),
      pipelineWallMs: Math.round(pipeline.ms),
      pipelineBreaches: pipeline.breaches,
    }),
    baselineTicks: naive.ticks,
    baselineHoldersPerTick: holdersPerBaselineTick,
    baselineTicksPerSec,
    ratio,
    breaches: run.breaches,
    mostBreachesOnOneTick: run.mostOnOneTick,
    baselinePrefixBreaches: check.engine,
    baselineMismatches: check.mismatches,
    levelsAtEnd: levels,
    enforcementP50Ms: enforcement.p50,
    enforcementP99Ms: enforcement.p99,
    enforcementMaxMs: enforcement.max,
    enforcementSamples: enforcement.n,
    enforcementTicks: driven.ticks,
    drivenJumpBpP50: round3(
      percentile(
        [...driven.jumpsBp].sort((x, y) => x - y),
        50,
      ),
    ),
    ...(pipeline &&
      natural && {
        naturalEnforcementP50Ms: natural.p50,
        naturalEnforcementP99Ms: natural.p99,
        naturalEnforcementMaxMs: natural.max,
        naturalEnforcementSamples: natural.n,
        naturalUntimed: pipeline.untimed,
      }),
    setupMs: Math.round(setupMs),
    setupBreaches,
    heapMB,
    targets,
    met: {
      ticksPerSec: ticksPerSec >= targets.ticksPerSec,
      ratio: ratio >= targets.ratio,
      enforcementP99Ms: enforcement.p99 <= targets.enforcementP99Ms,
    },
  };
}
