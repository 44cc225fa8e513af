import { describeGap } from '../domain/clock-jump.ts';
import { WardenError } from '../domain/errors.ts';
import type { ReplaySummary } from './replay.ts';

/*
 * What a replay says about its input when it ends. A replay that skipped most of its ticks, or
 * whose clock jumped far beyond the file's cadence, is not a success: it warns, names the likely
 * cause (a file newest-first, a file out of order, a mistyped time), and fails with
 * `WARDEN_INPUT_TOO_MANY_SKIPPED` (exit 2) above the skipped share allowed.
 */

/** Skipped input above this share (%) is warned about, whatever is allowed. */
const WARN_SKIPPED_PCT = 1;
/** A file looks reversed when at least this share of its steps in time go back. */
const REVERSED_SHARE = 0.9;
/** Confirmed clock jumps described one by one; the rest are counted. */
const JUMPS_LISTED = 5;

/** Counts the steps in time between consecutive ticks of a file, in file order. */
export class TimeSteps {
  forward = 0;
  backward = 0;
  private last: number | undefined;

  add(ts: number): void {
    const last = this.last;
    this.last = ts;
    if (last === undefined || ts === last) return;
    if (ts > last) this.forward++;
    else this.backward++;
  }
}

export interface InputCheckOptions {
  /** Fail when more than this share (%) of the input records was skipped; undefined: never. */
  readonly maxSkippedPct?: number;
  /** The tick file, for the advice. */
  readonly ticksPath?: string;
}

/** Warnings for stderr and, when the input was too bad, the error to end with. */
export interface InputVerdict {
  readonly warnings: readonly string[];
  readonly failure?: WardenError;
}

function iso(ts: number): string {
  return new Date(ts).toISOString();
}

/** A share as a percentage for a message, rounded down (19,999 of 20,000 is `99.99%`, not 100%). */
function percent(part: number, whole: number): string {
  const hundredths = Math.floor((part / whole) * 10_000);
  return hundredths === 0 && part > 0 ? 'under 0.01%' : `${hundredths / 100}%`;
}

/** Judges a finished replay's input (see above). */
export function checkReplayInput(summary: ReplaySummary, options: InputCheckOptions = {}): InputVerdict {
  const warnings: string[] = [];
  const read = summary.ticksRead;
  const skipped = read - summary.ticksAccepted;
  const file = options.ticksPath ?? 'ticks.csv';
  const { forward, backward, jumps } = summary.timeline;
  const reversed = backward >= 2 && backward >= REVERSED_SHARE * (forward + backward);

  if (read > 0 && (skipped / read) * 100 > WARN_SKIPPED_PCT) {
    warnings.push(`warning: ${skipped} of ${read} input records (${percent(skipped, read)}) were skipped`);
  }
  if (reversed) {
    warnings.push(
      `warning: the tick file looks reversed (newest first): ${backward} of ${forward + backward} steps between consecutive ticks go back in time; put it oldest first, keeping the header: { head -n 1 ${file}; tail -n +2 ${file} | tac; } > sorted.csv`,
    );
  } else {
    const late = summary.problems.WARDEN_TICK_OUT_OF_ORDER ?? 0;
    if (read > 0 && (late / read) * 100 > WARN_SKIPPED_PCT) {
      warnings.push(
        `warning: the tick file is not in time order: ${late} tick(s) were older than the clock and skipped; sort it by ts, oldest first`,
      );
    }
  }
  for (const j of jumps.slice(0, JUMPS_LISTED)) {
    const at = j.line !== undefined ? `line ${j.line}: ` : '';
    const why =
      j.medianGapMs !== undefined
        ? `the file's ticks are ${describeGap(j.medianGapMs)} apart, but the ticks after it went on from there, so it was taken as real`
        : 'too early in the file to know its cadence, so it was not held back';
    warnings.push(
      `warning: ${at}the clock jumped ${describeGap(j.toTs - j.fromTs)}, from ${iso(j.fromTs)} to ${iso(j.toTs)} (${why}); check that line if the jump is not real`,
    );
  }
  if (jumps.length > JUMPS_LISTED) {
    warnings.push(`warning: … and ${jumps.length - JUMPS_LISTED} more clock jumps of over a day`);
  }

  const max = options.maxSkippedPct;
  if (max === undefined || read === 0 || (skipped / read) * 100 <= max) return { warnings };
  const cause = reversed ? '; the file looks reversed (newest first)' : '';
  return {
    warnings,
    failure: new WardenError(
      'WARDEN_INPUT_TOO_MANY_SKIPPED',
      `${skipped} of ${read} input records (${percent(skipped, read)}) were skipped, more than the ${max}% allowed${cause}; fix the input, or accept the skips with --allow-skips (or --max-skipped PCT)`,
      { skipped, read, maxSkippedPct: max },
    ),
  };
}
