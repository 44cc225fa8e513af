import { open, stat, truncate } from 'node:fs/promises';
import { devNull } from 'node:os';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { WardenError } from '../../domain/errors.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { EventSink } from '../../engine/event-sink.ts';
import type { EventStore } from '../../ports/store.ts';
import { openOutputFile } from '../output-file.ts';
import { openReplayRun, type ReplayOutput, type ReplayProgress } from './replay-run.ts';

/*
 * Where a resumed replay starts printing. A killed run's output is rarely where its store is: the
 * JSONL is buffered, so the file may lag the last commit (events stored but never printed) or lead
 * it (printed but not stored). The store records each run's output before anything is printed
 * (`ReplayProgress.output`); a resume reads that output's last complete line and prints every
 * event after it, whatever file it prints to, so that the outputs concatenated in order are the
 * uninterrupted run's output: no gap, no duplicate. A torn last line (the write the kill cut) is
 * cut off first.
 */

/** Which re-derived events a resumed run prints: those after `after` (all of them when null). */
export interface ResumePrint {
  readonly after: string | null;
  /** The line the earlier output holds for `after`: the re-derived event must print the same. */
  readonly line?: string;
  /** The earlier output the line comes from, for messages. */
  readonly source?: string;
}

/** How a resumed run prints: where from, whether to append, what to record, what to tell the user. */
export interface ResumeOutputPlan {
  readonly print: ResumePrint;
  /** Append to the output file (it is the earlier run's own) rather than start it afresh. */
  readonly append: boolean;
  /** The output to record in the store for this run. */
  readonly output: ReplayOutput;
  /** Lines for stderr: what was found and done. */
  readonly notes: readonly string[];
}

/** The last complete line of a file and how many bytes follow it (a torn line), read from the end. */
export async function lastCompleteLine(path: string): Promise<{ line?: string; torn: number; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const chunk = 64 * 1024;
    let end = size;
    let tail = Buffer.alloc(0);
    let torn: number | undefined;
    // Walk back until the newline that ends the last complete line, then the one before it.
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - start);
      await handle.read(buf, 0, buf.length, start);
      tail = Buffer.concat([buf, tail]);
      end = start;
      if (torn === undefined) {
        const nl = tail.lastIndexOf(10);
        if (nl === -1) continue;
        torn = tail.length - nl - 1;
      }
      const lastNl = tail.length - torn - 1;
      // (lastIndexOf counts a negative offset from the end: no search before the first byte.)
      const before = lastNl === 0 ? -1 : tail.lastIndexOf(10, lastNl - 1);
      if (before !== -1 || end === 0) {
        return { line: tail.subarray(before + 1, lastNl).toString('utf8'), torn, size };
      }
    }
    return { torn: torn ?? tail.length, size };
  } finally {
    await handle.close();
  }
}

/** The id of the run's last stored event, or null when it has none. */
async function lastStoredId(store: EventStore, run: ReplayProgress): Promise<string | null> {
  if (run.events === 0) return null;
  for await (const e of store.read({ afterPosition: run.startPosition + run.events - 1, limit: 1 })) {
    return e.envelope.id;
  }
  return null;
}

/** Whether `path` is a regular file (not missing, a device, a pipe), so its end can be read. */
async function regularFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true;
}

/**
 * Plans a resumed run's output (`next`: an absolute path, or null for stdout) from what the
 * store says of the earlier run's. Cuts a torn last line off the earlier output file. Throws
 * `WARDEN_RESUME_MISMATCH` when that file's last line is not an event.
 */
export async function planResumeOutput(
  store: EventStore,
  storeName: string,
  run: ReplayProgress,
  next: string | null,
): Promise<ResumeOutputPlan> {
  const previous = run.output;
  const notes: string[] = [];
  const path = previous?.path ?? null;
  if (previous === undefined || path === null || !(await regularFile(path))) {
    // Nothing to read: print what follows the last commit, as much as can be known.
    const after = await lastStoredId(store, run);
    if (previous?.path !== devNull) {
      const where =
        previous === undefined
          ? 'the store does not say where the earlier run printed its events'
          : previous.path === null
            ? 'the earlier run printed its events to stdout'
            : `the earlier run's output ${previous.path} is gone`;
      notes.push(
        `note: ${where}, so the output cannot be checked: printing the events after the last commit; ones the earlier output did not flush are missing from it, and \`warden events --store ${storeName} --json\` prints the complete log`,
      );
    }
    return { print: { after }, append: false, output: { path: next, after }, notes };
  }
  const last = await lastCompleteLine(path);
  if (last.torn > 0) {
    await truncate(path, last.size - last.torn);
    notes.push(`note: ${path}: cut off a torn last line (${last.torn} bytes) the killed run left`);
  }
  let print: ResumePrint;
  if (last.line === undefined) {
    print = { after: previous.after };
  } else {
    let id: unknown;
    try {
      id = (JSON.parse(last.line) as { id?: unknown }).id;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'string') {
      throw new WardenError(
        'WARDEN_RESUME_MISMATCH',
        `${path}: its last line is not an event, so it is not the output of the replay ${storeName} holds (was it replaced?); restore it, or move it away and resume again to print the events after the last commit (\`warden events --store ${storeName} --json\` prints the complete log)`,
        { store: storeName, output: path },
      );
    }
    print = { after: id, line: last.line, source: path };
  }
  const same = next === path;
  notes.push(
    print.after === null
      ? `output: ${path} holds no event; printing the run from its first event`
      : `output: ${path} ends with event ${print.after}; ${same ? 'appending' : 'printing'} the events after it`,
  );
  return {
    print,
    append: same,
    output: { path: next, after: same ? previous.after : print.after },
    notes,
  };
}

/**
 * Passes a resumed run's events on from the one after `print.after`; the re-derived event with
 * that id must print as the earlier output's line did. `check()` throws `WARDEN_RESUME_MISMATCH`
 * when it did not, or, at the end, when it never came: the file was another run's output.
 */
export class PrintFrom implements EventSink {
  private passing: boolean;
  private mismatch: WardenError | undefined;

  private readonly source: string;
  private readonly advice: string;

  constructor(
    private readonly inner: EventSink,
    private readonly print: ResumePrint,
    /** The store as the user named it, for the advice. */
    storeName?: string,
  ) {
    this.passing = print.after === null;
    this.source = print.source ?? 'the earlier output';
    this.advice =
      storeName === undefined
        ? ''
        : `; the store holds the run's complete log: \`warden events --store ${storeName} --json\` prints it`;
  }

  emit(envelope: Envelope): void {
    if (this.passing) {
      this.inner.emit(envelope);
      return;
    }
    if (envelope.id !== this.print.after) return;
    this.passing = true;
    if (this.print.line !== undefined && JSON.stringify(envelope) !== this.print.line) {
      this.mismatch = new WardenError(
        'WARDEN_RESUME_MISMATCH',
        `${this.source}: its last event ${envelope.id} differs from the one this replay emits, so it is not this run's output (was it replaced?)${this.advice}`,
        { output: this.source, id: envelope.id },
      );
    }
  }

  /** Throws a mismatch found so far; with `ended`, also when the earlier output's last event never came. */
  check(ended = false): void {
    if (this.mismatch !== undefined) throw this.mismatch;
    if (ended && !this.passing) {
      throw new WardenError(
        'WARDEN_RESUME_MISMATCH',
        `${this.source}: its last event ${this.print.after} is not one this replay emits, so it is not this run's output (was it replaced?)${this.advice}`,
        { output: this.source, id: this.print.after },
      );
    }
  }
}

/** A replay's output with a store: the stream (none for stdout) and what to record and print. */
export interface ReplayOutputStream {
  /** The `--out` file opened for writing; undefined for stdout. */
  readonly stream?: Writable;
  readonly output: ReplayOutput;
  /** On resume: which events to print. */
  readonly print?: ResumePrint;
  readonly notes: readonly string[];
}

/**
 * Opens the output of a replay that persists to a store. A new run empties `--out` (stdout when
 * undefined); a resume first checks the store holds this run (`openReplayRun`), then plans from
 * the earlier output (`planResumeOutput`) and appends when `--out` names that same file.
 */
export async function openReplayOutput(options: {
  readonly store: EventStore;
  readonly storeName: string;
  readonly identity: { readonly configHash: string; readonly inputHash: string };
  readonly resume: boolean;
  readonly out: string | undefined;
}): Promise<ReplayOutputStream> {
  const path = options.out !== undefined ? resolve(options.out) : null;
  if (!options.resume) {
    const stream = options.out !== undefined ? await openOutputFile(options.out) : undefined;
    return { ...(stream !== undefined ? { stream } : {}), output: { path, after: null }, notes: [] };
  }
  const { progress } = await openReplayRun(options.store, options.storeName, options.identity, true);
  const plan = await planResumeOutput(options.store, options.storeName, progress, path);
  const stream =
    options.out === undefined
      ? undefined
      : plan.append
        ? (await open(options.out, 'a')).createWriteStream()
        : await openOutputFile(options.out);
  return {
    ...(stream !== undefined ? { stream } : {}),
    output: plan.output,
    print: plan.print,
    notes: plan.notes,
  };
}
