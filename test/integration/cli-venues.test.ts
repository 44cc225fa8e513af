import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { STACK_FRAME, warden } from '../support/warden-cli.ts';

/* The CLI prints the deprecation note of the old single `venue:` section on stderr. */

const NOTE = 'venue: the single "venue:" section is deprecated; write a "venues:" list instead';
const BASE = `accounts: [{ id: acc-1, balance: 1000 }]
instruments: [{ symbol: ES, tickSize: 0.25 }]
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-venues-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function temp(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe.concurrent('venues in the CLI', () => {
  it('validate-config accepts the old venue section with the note and what to write instead', async ({
    expect,
  }) => {
    const config = await temp('old.yaml', `${BASE}venue: { leverage: 10 }\n`);
    const { code, stdout, stderr } = await warden('validate-config', config);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`${config}: valid`);
    expect(stderr).toContain(`warning: ${config}: ${NOTE}`);
    expect(stderr).toContain(
      '    venues:\n      - name: default\n        type: paper\n        leverage: 10\n',
    );
  });

  it('validate-config prints no note for the venues list', async ({ expect }) => {
    const { code, stdout, stderr } = await warden('validate-config', 'examples/basic.yaml');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('examples/basic.yaml: valid');
    expect(stderr).toBe('');
  });

  it('replay prints the note on stderr and its events on stdout', async ({ expect }) => {
    const config = await temp('old-replay.yaml', `${BASE}venue: { leverage: 10 }\n`);
    const ticks = await temp('ticks.csv', 'ts,symbol,price,volume\n2026-01-05T14:00:00Z,ES,5000,1\n');
    const { code, stdout, stderr } = await warden('replay', '-c', config, '-t', ticks);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`warning: ${config}: ${NOTE}`);
    expect(stdout).not.toContain('warning');
  });

  it('refuses both forms at once and an account at an unknown venue', async ({ expect }) => {
    const config = await temp(
      'both.yaml',
      `accounts: [{ id: acc-1, balance: 1000, venue: nowhere }]
instruments: [{ symbol: ES, tickSize: 0.25 }]
venue: { leverage: 10 }
venues: [{ name: sim, type: paper }]
`,
    );
    const { code, stderr } = await warden('validate-config', config);
    expect(code).toBe(2);
    expect(stderr).toContain(`error [WARDEN_CONFIG_INVALID]: ${config}: 2 problems`);
    expect(stderr).toContain(
      '  - accounts[0].venue: unknown venue "nowhere" for account "acc-1" (known: sim)',
    );
    expect(stderr).toContain('  - venue: cannot be used together with "venues"');
    expect(stderr).not.toContain('warning');
    expect(stderr).not.toMatch(STACK_FRAME);
  });
});
