import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CRASH_CONFIG, crashInputs } from '../support/crash-inputs.ts';
import { runAndKill } from '../support/replay-kill.ts';
import { warden } from '../support/warden-cli.ts';

/*
 * Issue 12, item 5: a replay killed with SIGKILL and resumed must print every event its earlier
 * output lacks, and none it already holds. The JSONL is buffered, so when the kill comes the file
 * may lag the store's last commit or lead it. Whether each resume writes a new file (the README's
 * pattern) or appends to the same one, the outputs concatenated in order must be the
 * uninterrupted run's output, byte for byte.
 */

const TICKS = 40_000;

let dir: string;
let ticks: string;
let edges: string;
/** The uninterrupted run's output. */
let whole: string;

function replayArgs(store: string, out: string | undefined, resume: boolean): string[] {
  return [
    'replay',
    '-c',
    CRASH_CONFIG,
    '-t',
    ticks,
    '-e',
    edges,
    '--store',
    store,
    '--commit-every',
    '700',
    '--quiet',
    ...(out !== undefined ? ['-o', out] : []),
    ...(resume ? ['--resume'] : []),
  ];
}

/** Kill points over the run (input records read), one per interrupted attempt. */
const KILLS = [6_000, 17_000, 29_000];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-resume-output-'));
  ({ ticks, edges } = await crashInputs(dir, TICKS, 'resume-output-test'));
  const out = join(dir, 'whole.jsonl');
  const run = await warden(...replayArgs(join(dir, 'whole.db'), out, false));
  if (run.code !== 0) throw new Error(run.stderr);
  whole = readFileSync(out, 'utf8');
}, 180_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('replay --resume output after SIGKILL', () => {
  it('each resume into a new file: the files concatenated are the uninterrupted output', async ({
    expect,
  }) => {
    // The run is worth the name: positions, orders and trades throughout.
    expect(whole.split('\n').length).toBeGreaterThan(500);
    expect(whole).toContain('"Trading.Position.Closed.v1"');
    const store = join(dir, 'parts.db');
    const parts: string[] = [];
    for (const [i, killAt] of KILLS.entries()) {
      const part = join(dir, `part${i + 1}.jsonl`);
      parts.push(part);
      const ended = await runAndKill(replayArgs(store, part, i > 0), killAt);
      expect(ended.signal, `attempt ${i + 1} was not killed:\n${ended.stderr}`).toBe('SIGKILL');
    }
    const last = join(dir, `part${KILLS.length + 1}.jsonl`);
    parts.push(last);
    const finished = await warden(...replayArgs(store, last, true));
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stderr).toMatch(
      /^output: .*part3\.jsonl (ends with event [0-9A-Z]{26}; printing|holds no event)/m,
    );
    const joined = parts.map((p) => readFileSync(p, 'utf8')).join('');
    const lines = (text: string) => text.trimEnd().split('\n');
    // Event for event first, for a readable failure; then byte for byte.
    expect(lines(joined).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(
      lines(whole).map((l) => (JSON.parse(l) as { id: string }).id),
    );
    expect(joined).toBe(whole);
  });

  it('each resume into the same file: it appends after the last event the file holds', async ({ expect }) => {
    const store = join(dir, 'same.db');
    const out = join(dir, 'same.jsonl');
    for (const [i, killAt] of KILLS.entries()) {
      const ended = await runAndKill(replayArgs(store, out, i > 0), killAt + 1_500);
      expect(ended.signal, `attempt ${i + 1} was not killed:\n${ended.stderr}`).toBe('SIGKILL');
    }
    const finished = await warden(...replayArgs(store, out, true));
    expect(finished.code, finished.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(whole);
  });

  it('cuts off a torn last line before it appends', async ({ expect }) => {
    const store = join(dir, 'torn.db');
    const out = join(dir, 'torn.jsonl');
    const ended = await runAndKill(replayArgs(store, out, false), 12_000);
    expect(ended.signal).toBe('SIGKILL');
    // The write the kill cut: half an event, no newline.
    const torn = '{"id":"01KJQFB950MD8YY34D644SVJ4C","type":"Trading.Or';
    appendFileSync(out, torn);
    const finished = await warden(...replayArgs(store, out, true));
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stderr).toContain(`note: ${out}: cut off a torn last line (${torn.length} bytes)`);
    expect(readFileSync(out, 'utf8')).toBe(whole);
  });

  it('refuses to guess when the earlier output was replaced by something that is not an event', async ({
    expect,
  }) => {
    const store = join(dir, 'replaced.db');
    const out = join(dir, 'replaced.jsonl');
    const ended = await runAndKill(replayArgs(store, out, false), 8_000);
    expect(ended.signal).toBe('SIGKILL');
    writeFileSync(out, 'ts,symbol,price\n');
    const refused = await warden(...replayArgs(store, join(dir, 'replaced-2.jsonl'), true));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `error [WARDEN_RESUME_MISMATCH]: ${out}: its last line is not an event, so it is not the output of the replay ${store} holds`,
    );
    // Moved away, the resume prints what follows the last commit, and says so.
    rmSync(out);
    const resumed = await warden(...replayArgs(store, join(dir, 'replaced-2.jsonl'), true));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`note: the earlier run's output ${out} is gone`);
  });

  it('after a run that printed to stdout, says what it cannot check and prints what follows the commit', async ({
    expect,
  }) => {
    const store = join(dir, 'stdout.db');
    const ended = await runAndKill(replayArgs(store, undefined, false), 12_000);
    expect(ended.signal).toBe('SIGKILL');
    const out = join(dir, 'after-stdout.jsonl');
    const finished = await warden(...replayArgs(store, out, true));
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stderr).toContain(
      `note: the earlier run printed its events to stdout, so the output cannot be checked: printing the events after the last commit; ones the earlier output did not flush are missing from it, and \`warden events --store ${store} --json\` prints the complete log`,
    );
    // What it printed is the tail of the uninterrupted output.
    const printed = readFileSync(out, 'utf8');
    expect(printed.length).toBeGreaterThan(0);
    expect(whole.endsWith(printed)).toBe(true);
    // And the store holds the complete log, as the note says.
    const events = await warden('events', '--store', store, '--json');
    expect(events.code, events.stderr).toBe(0);
    expect(events.stdout).toBe(whole);
  });
});
