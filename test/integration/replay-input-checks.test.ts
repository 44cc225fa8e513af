import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectFlagRefused, STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * Issue 12, item 4: a replay that skipped almost everything is not a success, and a mistyped time
 * must not move the clock. Each test runs the real CLI over a tick file made from an example.
 */

const BASIC = 'examples/basic.yaml';
const BASIC_TICKS = 'examples/data/basic-ticks.csv';
const MONITORING = 'examples/monitoring.yaml';
const MONITORING_TICKS = 'examples/data/monitoring-ticks.csv';

let dir: string;
let basicLines: string[];
let monitoringLines: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-input-checks-'));
  basicLines = (await readFile(BASIC_TICKS, 'utf8')).trimEnd().split('\n');
  monitoringLines = (await readFile(MONITORING_TICKS, 'utf8')).trimEnd().split('\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function temp(name: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** The events of a JSONL file but the candles (a skipped tick changes the candle it falls in). */
async function eventsButCandles(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8'))
    .trimEnd()
    .split('\n')
    .filter((line) => !line.includes('"Market.Candle.Closed.v1"'));
}

/** Shifts the `ts` of a CSV row by `ms`. */
function shifted(row: string, ms: number): string {
  const [ts, ...rest] = row.split(',');
  return [new Date(Date.parse(ts!) + ms).toISOString(), ...rest].join(',');
}

describe.concurrent('a replay over a bad tick file', () => {
  it('fails after its summary when a newest-first file skipped almost everything, and says it is reversed', async ({
    expect,
  }) => {
    const reversed = await temp('reversed.csv', [basicLines[0]!, ...basicLines.slice(1).reverse()]);
    const out = join(dir, 'reversed.jsonl');
    const run = await warden('replay', '-c', BASIC, '-t', reversed, '-o', out, '--quiet');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^ {2}ticks +20000 read, 1 accepted, 19999 skipped$/m);
    expect(run.stderr).toMatch(/^warning: 19999 of 20000 input records \(99\.99%\) were skipped$/m);
    expect(run.stderr).toMatch(
      /^warning: the tick file looks reversed \(newest first\): 19999 of 19999 steps/m,
    );
    expect(run.stderr).toContain(`{ head -n 1 ${reversed}; tail -n +2 ${reversed} | tac; } > sorted.csv`);
    expect(run.stderr).toMatch(
      /^error \[WARDEN_INPUT_TOO_MANY_SKIPPED\]: 19999 of 20000 input records \(99\.99%\) were skipped, more than the 1% allowed; the file looks reversed/m,
    );
    // The summary comes first, the error last; the events were written all the same.
    expect(run.stderr.indexOf('replay summary')).toBeLessThan(run.stderr.indexOf('error ['));
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(/^error \[WARDEN_INPUT_TOO_MANY_SKIPPED\]/);
    expect((await readFile(out, 'utf8')).length).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(STACK_FRAME);

    const allowed = await warden(
      'replay',
      '-c',
      BASIC,
      '-t',
      reversed,
      '-o',
      '/dev/null',
      '-q',
      '--allow-skips',
    );
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/^warning: the tick file looks reversed/m);
    expect(allowed.stderr).not.toContain('error [');
    const higher = await warden(
      'replay',
      '-c',
      BASIC,
      '-t',
      reversed,
      '-o',
      '/dev/null',
      '-q',
      '--max-skipped',
      '100',
    );
    expect(higher.code, higher.stderr).toBe(0);
  });

  it('fails above --max-skipped percent of bad rows, and passes at or under it', async ({ expect }) => {
    // 100 good rows and 2 bad ones: 1.96% skipped.
    const rows = basicLines.slice(0, 101);
    const bad = await temp('two-bad.csv', [...rows, '2026-01-05T15:00:00.000Z,ES,NaN,1', 'not,a,row']);
    const failed = await warden('replay', '-c', BASIC, '-t', bad, '-o', '/dev/null');
    expect(failed.code, failed.stderr).toBe(2);
    expect(failed.stderr).toContain(
      'error [WARDEN_INPUT_TOO_MANY_SKIPPED]: 2 of 102 input records (1.96%) were skipped, more than the 1% allowed; fix the input, or accept the skips with --allow-skips (or --max-skipped PCT)',
    );
    expect(failed.stderr).not.toContain('reversed');
    const passed = await warden('replay', '-c', BASIC, '-t', bad, '-o', '/dev/null', '--max-skipped', '2');
    expect(passed.code, passed.stderr).toBe(0);
    expect(passed.stderr).toMatch(/^warning: 2 of 102 input records \(1\.96%\) were skipped$/m);
    // One bad row in 102 is under 1%: a success, without a warning.
    const one = await temp('one-bad.csv', [...rows, '2026-01-05T15:00:00.000Z,ES,NaN,1']);
    const fine = await warden('replay', '-c', BASIC, '-t', one, '-o', '/dev/null');
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stderr).not.toContain('warning:');
  });

  it('refuses a --max-skipped that is not a percentage', async () => {
    expectFlagRefused(
      await warden('replay', '-c', BASIC, '-t', BASIC_TICKS, '--max-skipped', 'lots'),
      '--max-skipped',
    );
    expectFlagRefused(
      await warden('replay', '-c', BASIC, '-t', BASIC_TICKS, '--max-skipped', '101'),
      '--max-skipped',
    );
  });

  it('holds back a mistyped year: the clock stays, nothing is closed by it, no later tick is dropped', async ({
    expect,
  }) => {
    const line = 20_000;
    const typo = [...monitoringLines];
    typo[line - 1] = typo[line - 1]!.replace(/^2026/, '2027');
    const file = await temp('typo.csv', typo);
    const clean = join(dir, 'clean.jsonl');
    const typoOut = join(dir, 'typo.jsonl');
    const [a, b] = await Promise.all([
      warden('replay', '-c', MONITORING, '-t', MONITORING_TICKS, '-o', clean),
      warden('replay', '-c', MONITORING, '-t', file, '-o', typoOut),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(
      new RegExp(
        `^skipped line ${line}: BTC-USD: 2027-\\S+ jumps 365d 0h past the previous tick at 2026-\\S+ \\(the file's ticks are 5s apart\\) and the ticks after it do not follow it; held back as a mistyped time \\[WARDEN_TICK_CLOCK_JUMP\\]$`,
        'm',
      ),
    );
    expect(b.stderr).toMatch(/^ {2}ticks +60480 read, 60479 accepted, 1 skipped$/m);
    expect(b.stderr).toMatch(/^ {4}WARDEN_TICK_CLOCK_JUMP +1$/m);
    expect(b.stderr).not.toContain('warning:');
    // Every decision, trigger and order is the clean run's: the typo moved nothing.
    expect(await eventsButCandles(typoOut)).toEqual(await eventsButCandles(clean));
  });

  it('keeps a real gap (a weekend) that the ticks after it follow, and reports it', async ({ expect }) => {
    const twoDays = 2 * 86_400_000;
    const weekend = [
      basicLines[0]!,
      ...basicLines.slice(1, 10_000),
      ...basicLines.slice(10_000).map((r) => shifted(r, twoDays)),
    ];
    const file = await temp('weekend.csv', weekend);
    const run = await warden('replay', '-c', BASIC, '-t', file, '-o', '/dev/null');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^ {2}ticks +20000 read, 20000 accepted, 0 skipped$/m);
    expect(run.stderr).toMatch(
      /^warning: line 10001: the clock jumped 2d 0h, from 2026-01-05T15:23:19\.000Z to 2026-01-07T15:23:19\.500Z \(the file's ticks are 0\.5s apart, but the ticks after it went on from there, so it was taken as real\); check that line if the jump is not real$/m,
    );
  });

  it('with --strict, stops at a held-back clock jump with exit 2', async ({ expect }) => {
    const typo = [...basicLines];
    typo[99] = typo[99]!.replace(/^2026/, '2027');
    const file = await temp('typo-strict.csv', typo);
    const run = await warden('replay', '-c', BASIC, '-t', file, '-o', '/dev/null', '--strict');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /^error \[WARDEN_INPUT_STRICT_ABORT\]: line 100: .+ \[WARDEN_TICK_CLOCK_JUMP\]$/m,
    );
    expect(run.stderr).not.toMatch(/^replay summary$/m);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});
