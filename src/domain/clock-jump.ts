import type { InputProblem, SourcedTick } from '../domain/tick.ts';

/*
 * A replay's clock follows its ticks, so one mistyped timestamp (2027 for 2026) would move it a
 * year ahead: time decay fires, sessions end, positions close, and every correct tick after it is
 * older than the clock and dropped. A tick that jumps far beyond the file's cadence is therefore
 * held back until the ticks after it say whether the clock really moved:
 *
 *   - a jump is a gap to the last accepted tick of more than a day AND more than 1,000 times the
 *     median of the recent gaps (judged once 10 gaps are known);
 *   - it is confirmed when the next 3 ticks are not older than it (a weekend, a halt, a file that
 *     skips a day), or when every tick after it to the end of the file (at least one) is not;
 *   - it is refused as `WARDEN_TICK_CLOCK_JUMP` as soon as a tick after it is older than it (the
 *     file went on where it was: a typo). The ticks held with it are judged again in order.
 *
 * Confirmed jumps are processed as they came, in file order, and reported, so a replay stays
 * deterministic and its output is the same as without the check whenever no jump is refused.
 */

/** A gap at or below this is never a jump, whatever the cadence (a day). */
export const CLOCK_JUMP_MIN_MS = 86_400_000;
/** A jump is a gap more than this many times the median recent gap. */
export const CLOCK_JUMP_FACTOR = 1_000;
/** Ticks after a jump that confirm it. */
export const CLOCK_JUMP_CONFIRMATIONS = 3;
/** Gaps needed before the cadence is known. */
const MIN_GAPS = 10;
/** Recent gaps kept for the median. */
const WINDOW = 101;

/** A jump the clock made: the ticks after it confirmed it, or it came before the cadence was known. */
export interface ClockJump {
  /** The line of the tick that moved the clock, when it came from a file. */
  readonly line?: number;
  readonly fromTs: number;
  readonly toTs: number;
  /** The median gap it was judged against, ms; absent when fewer than 10 gaps were known. */
  readonly medianGapMs?: number;
}

/** What to do with the input now: ticks to check and process in order, or a tick refused. */
export type JumpOutcome =
  | { readonly tick: SourcedTick; readonly problem?: undefined }
  | { readonly problem: InputProblem; readonly tick?: undefined };

export interface ClockJumpFilter {
  /**
   * Takes the next tick of the file. Null: it goes on now, alone (the usual case, without an
   * allocation); else what can go on now, in order (nothing while a jump is held).
   */
  push(tick: SourcedTick): JumpOutcome[] | null;
  /** Tells the filter a tick was accepted downstream: it moves the clock and teaches the cadence. */
  accepted(tick: SourcedTick): void;
  /** At the end of the input: settles a held jump. */
  flush(): JumpOutcome[];
  /** Every jump of more than a day the clock made (accepted ticks), in file order. */
  readonly jumps: readonly ClockJump[];
}

/** ISO text for a message; Date cannot represent every finite number. */
function iso(ts: number): string {
  return Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : String(ts);
}

/** `400d 1h`, `2d 3h`, `5h 20m`: a gap for a message. */
export function describeGap(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes % 60}m`;
  if (minutes > 0) return `${minutes}m`;
  return `${ms / 1000}s`;
}

/** A clock-jump filter for one feed (see above). */
export function createClockJumpFilter(): ClockJumpFilter {
  // The recent gaps, a ring: one store a tick, no array shifting.
  const gaps = new Float64Array(WINDOW);
  let gapCount = 0;
  let gapAt = 0;
  let lastTs: number | undefined;
  let held: { jump: SourcedTick; median: number; after: SourcedTick[] } | undefined;
  const jumps: ClockJump[] = [];

  const median = (): number => {
    const sorted = gaps.slice(0, gapCount).sort();
    return sorted[gapCount >> 1] as number;
  };

  /** The median gap when `tick` jumps, else undefined. */
  const jumpOf = (tick: SourcedTick): number | undefined => {
    if (lastTs === undefined || gapCount < MIN_GAPS) return undefined;
    const gap = tick.ts - lastTs;
    if (!(gap > CLOCK_JUMP_MIN_MS)) return undefined;
    const m = median();
    return gap > CLOCK_JUMP_FACTOR * m ? m : undefined;
  };

  const refuse = (h: NonNullable<typeof held>): InputProblem => {
    const t = h.jump;
    const message = `${t.symbol}: ${iso(t.ts)} jumps ${describeGap(t.ts - (lastTs as number))} past the previous tick at ${iso(lastTs as number)} (the file's ticks are ${describeGap(h.median)} apart) and the ticks after it do not follow it; held back as a mistyped time`;
    return t.line === undefined
      ? { code: 'WARDEN_TICK_CLOCK_JUMP', message }
      : { line: t.line, code: 'WARDEN_TICK_CLOCK_JUMP', message: `line ${t.line}: ${message}` };
  };

  const release = (h: NonNullable<typeof held>): JumpOutcome[] =>
    [h.jump, ...h.after].map((tick) => ({ tick }));

  const push = (tick: SourcedTick): JumpOutcome[] | null => {
    if (held === undefined) {
      const m = jumpOf(tick);
      if (m === undefined) return null;
      held = { jump: tick, median: m, after: [] };
      return [];
    }
    const h = held;
    if (tick.ts >= h.jump.ts) {
      h.after.push(tick);
      if (h.after.length < CLOCK_JUMP_CONFIRMATIONS) return [];
      held = undefined;
      return release(h);
    }
    // The file went on from before the jump: refuse it, then judge what was held with it afresh.
    held = undefined;
    const out: JumpOutcome[] = [{ problem: refuse(h) }];
    for (const t of [...h.after, tick]) out.push(...(push(t) ?? [{ tick: t }]));
    return out;
  };

  return {
    push,
    accepted(tick) {
      const ts = tick.ts;
      if (lastTs !== undefined && ts > lastTs) {
        const gap = ts - lastTs;
        // Every jump the clock made is reported, also one made before the cadence was known.
        if (gap > CLOCK_JUMP_MIN_MS) {
          const m = gapCount >= MIN_GAPS ? median() : undefined;
          if (m === undefined || gap > CLOCK_JUMP_FACTOR * m) {
            jumps.push({
              ...(tick.line !== undefined ? { line: tick.line } : {}),
              fromTs: lastTs,
              toTs: ts,
              ...(m !== undefined ? { medianGapMs: m } : {}),
            });
          }
        }
        gaps[gapAt] = gap;
        gapAt = (gapAt + 1) % WINDOW;
        if (gapCount < WINDOW) gapCount++;
      }
      if (lastTs === undefined || ts > lastTs) lastTs = ts;
    },
    flush() {
      const h = held;
      if (h === undefined) return [];
      held = undefined;
      // At the end of the file, the ticks after a jump (if any) are all there is to confirm it.
      return h.after.length > 0 ? release(h) : [{ problem: refuse(h) }];
    },
    get jumps() {
      return jumps;
    },
  };
}
