// biome-ignore-all lint/suspicious/noTemplateCurlyInString: a test of ${NAME} references in the venue note.
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/app/config/load.ts';
import { paperVenueConfig, venueOfAccount, venuesInUse } from '../../src/app/config/venues.ts';
import { isWardenError, type WardenError } from '../../src/domain/errors.ts';

/** Two accounts and one instrument; `rest` adds the venue sections under test. */
function config(
  rest: string,
  accounts = '[{ id: acc-1, balance: 1000 }, { id: acc-2, balance: 2000 }]',
): string {
  return `accounts: ${accounts}\ninstruments: [{ symbol: ES, tickSize: 0.25 }]\n${rest}`;
}

function parse(text: string): { config: ReturnType<typeof parseConfig>; warnings: string[] } {
  const warnings: string[] = [];
  const parsed = parseConfig(text, { env: {}, source: 'test.yaml', onWarning: (w) => warnings.push(w) });
  return { config: parsed, warnings };
}

function problems(text: string): string[] {
  let error: WardenError | undefined;
  try {
    parseConfig(text, { env: {}, source: 'test.yaml' });
  } catch (e) {
    if (!isWardenError(e)) throw e;
    error = e;
  }
  expect(error?.code).toBe('WARDEN_CONFIG_INVALID');
  return error?.details?.problems as string[];
}

const PAPER_DEFAULTS = { type: 'paper', slippageBps: 0, feeBps: 0, leverage: 1, outages: [] };

describe('venues: the new form', () => {
  it('reads a list of named venues and the venue each account names, without a note', () => {
    const { config: c, warnings } = parse(
      config(
        `venues:
  - { name: fast, type: paper, feeBps: 1 }
  - { name: slow, type: paper, slippageBps: 5, partialFills: { maxQuantityPerTick: 2 } }
`,
        '[{ id: acc-1, balance: 1000, venue: slow }, { id: acc-2, balance: 2000, venue: fast }]',
      ),
    );
    expect(warnings).toEqual([]);
    expect(c.venues).toEqual([
      { ...PAPER_DEFAULTS, name: 'fast', feeBps: 1 },
      { ...PAPER_DEFAULTS, name: 'slow', slippageBps: 5, partialFills: { maxQuantityPerTick: 2 } },
    ]);
    expect(c.accounts.map((a) => [a.id, a.venue])).toEqual([
      ['acc-1', 'slow'],
      ['acc-2', 'fast'],
    ]);
    expect(venueOfAccount(c, 'acc-1').name).toBe('slow');
    expect(venueOfAccount(c, 'acc-2')).toMatchObject({ name: 'fast', feeBps: 1 });
  });

  it('gives an account without a venue the only venue', () => {
    const { config: c } = parse(config('venues: [{ name: sim, type: paper, leverage: 5 }]\n'));
    expect(c.accounts.map((a) => a.venue)).toEqual(['sim', 'sim']);
    expect(paperVenueConfig(c)).toEqual({ ...PAPER_DEFAULTS, name: 'sim', leverage: 5 });
  });

  it('converts outage times to epoch ms', () => {
    const { config: c } = parse(
      config(
        'venues: [{ name: sim, type: paper, outages: [{ at: "2026-01-05T14:00:00Z", seconds: 60 }] }]\n',
      ),
    );
    expect(paperVenueConfig(c).outages).toEqual([{ at: Date.UTC(2026, 0, 5, 14), seconds: 60 }]);
  });

  it('refuses an account that names an unknown venue, naming the account and listing the venues', () => {
    expect(
      problems(
        config(
          'venues: [{ name: fast, type: paper }, { name: slow, type: paper }]\n',
          '[{ id: acc-1, balance: 1000, venue: fast }, { id: acc-2, balance: 2000, venue: binance }]',
        ),
      ),
    ).toEqual(['accounts[1].venue: unknown venue "binance" for account "acc-2" (known: fast, slow)']);
  });

  it('refuses an account without a venue when there are several, naming the account and the venues', () => {
    expect(
      problems(
        config(
          'venues: [{ name: fast, type: paper }, { name: slow, type: paper }]\n',
          '[{ id: acc-1, balance: 1000 }, { id: acc-2, balance: 2000, venue: slow }]',
        ),
      ),
    ).toEqual([
      'accounts[0].venue: is required for account "acc-1" when there are several venues (known: fast, slow)',
    ]);
  });

  it('refuses duplicate names, bad names, a missing or unknown type and unknown keys', () => {
    expect(
      problems(
        config(
          `venues:
  - { name: sim, type: paper }
  - { name: sim, type: paper }
  - { name: "my venue", type: paper }
  - { name: nothing }
  - { name: binance, type: ccxt }
  - { name: typo, type: paper, feeBsp: 1 }
`,
          '[{ id: acc-1, balance: 1000, venue: sim }]',
        ),
      ),
    ).toEqual([
      'venues[1].name: duplicate venue name "sim"',
      'venues[2].name: must be a venue name: a letter, then up to 63 letters, digits, - or _',
      'venues[3].type: is required (one of: paper)',
      'venues[4].type: must be "paper"',
      'venues[5].feeBsp: unknown key; did you mean "feeBps"?',
    ]);
  });

  it('refuses an empty venues list', () => {
    expect(problems(config('venues: []\n'))).toEqual(['venues: must have at least one entry']);
  });

  it('lists the keys of the venue type when an unknown key is nothing like them', () => {
    expect(problems(config('venues: [{ name: sim, type: paper, apiKey: x }]\n'))).toEqual([
      'venues[0].apiKey: unknown key (expected one of: name, type, slippageBps, feeBps, leverage, partialFills, outages)',
    ]);
  });
});

describe('venues: the old single venue section', () => {
  const OLD = 'venue:\n  type: paper\n  slippageBps: 1\n  leverage: 20\n';

  it('is read as one paper venue named default, which every account trades at', () => {
    const { config: c } = parse(config(OLD));
    expect(c.venues).toEqual([{ ...PAPER_DEFAULTS, name: 'default', slippageBps: 1, leverage: 20 }]);
    expect(c.accounts.map((a) => a.venue)).toEqual(['default', 'default']);
    expect('venue' in c).toBe(false);
  });

  it('gives the same configuration as the new form it stands for', () => {
    const old = parse(config(OLD)).config;
    const current = parse(
      config('venues: [{ name: default, type: paper, slippageBps: 1, leverage: 20 }]\n'),
    ).config;
    expect(old).toEqual(current);
  });

  it('comes with a deprecation note saying what to write instead', () => {
    expect(parse(config(OLD)).warnings).toEqual([
      [
        'warning: test.yaml: venue: the single "venue:" section is deprecated; write a "venues:" list instead',
        '  (an account trades at the only venue, or names one with "venue:" when there are several):',
        '    venues:',
        '      - name: default',
        '        type: paper',
        '        slippageBps: 1',
        '        leverage: 20',
      ].join('\n'),
    ]);
  });

  it('shows the section as written, never a value taken from the environment', () => {
    const warnings: string[] = [];
    parseConfig(config('venue: { type: "${VENUE_TYPE}", feeBps: 2 }\n'), {
      env: { VENUE_TYPE: 'paper' },
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('\n        type: ${VENUE_TYPE}\n        feeBps: 2');
  });

  it('is not noted when no venue section is written: the default paper venue', () => {
    const { config: c, warnings } = parse(config(''));
    expect(warnings).toEqual([]);
    expect(c.venues).toEqual([{ ...PAPER_DEFAULTS, name: 'default' }]);
    expect(c.accounts.map((a) => a.venue)).toEqual(['default', 'default']);
  });

  it('lets an account name the venue "default", and no other', () => {
    expect(
      parse(config(OLD, '[{ id: acc-1, balance: 1000, venue: default }]')).config.accounts[0]?.venue,
    ).toBe('default');
    expect(problems(config(OLD, '[{ id: acc-1, balance: 1000, venue: paper }]'))).toEqual([
      'accounts[0].venue: unknown venue "paper" for account "acc-1" (known: default)',
    ]);
  });

  it('keeps its own messages for a bad type or key', () => {
    expect(problems(config('venue: { type: ccxt, feeBsp: 1 }\n'))).toEqual([
      'venue.type: must be "paper"',
      'venue.feeBsp: unknown key; did you mean "feeBps"?',
    ]);
  });

  it('cannot be written together with venues', () => {
    expect(problems(config(`${OLD}venues: [{ name: sim, type: paper }]\n`))).toEqual([
      'venue: cannot be used together with "venues": move these settings into an entry of the venues list (type: paper)',
    ]);
  });

  it('still loads the example in the old form (agent.yaml) with the note, and basic.yaml in the new form without', async () => {
    const warnings: string[] = [];
    const old = await loadConfig('examples/agent.yaml', { env: {}, onWarning: (w) => warnings.push(w) });
    expect(old.venues.map((v) => v.name)).toEqual(['default']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: examples\/agent\.yaml: venue: the single "venue:" section is deprecated/,
    );
    const none: string[] = [];
    const basic = await loadConfig('examples/basic.yaml', { env: {}, onWarning: (w) => none.push(w) });
    expect(none).toEqual([]);
    expect(basic.venues).toEqual([
      { ...PAPER_DEFAULTS, name: 'paper', slippageBps: 1, feeBps: 2, leverage: 20 },
    ]);
    expect(new Set(basic.accounts.map((a) => a.venue))).toEqual(new Set(['paper']));
  });
});

describe('venue helpers', () => {
  const two = parse(
    config(
      'venues: [{ name: fast, type: paper }, { name: slow, type: paper }, { name: idle, type: paper }]\n',
      '[{ id: acc-1, balance: 1000, venue: slow }, { id: acc-2, balance: 2000, venue: fast }]',
    ),
  ).config;

  it('lists the venues in use, in configuration order, for all or some accounts', () => {
    expect(venuesInUse(two).map((v) => v.name)).toEqual(['fast', 'slow']);
    expect(venuesInUse(two, ['acc-1']).map((v) => v.name)).toEqual(['slow']);
  });

  it('refuses an unknown account', () => {
    expect(() => venueOfAccount(two, 'acc-9')).toThrow(
      expect.objectContaining({ code: 'WARDEN_UNKNOWN_ACCOUNT' }),
    );
  });

  it('refuses to pick one paper venue when the accounts trade at several', () => {
    expect(() => paperVenueConfig(two)).toThrow(
      expect.objectContaining({
        code: 'WARDEN_CONFIG_INVALID',
        message:
          'the accounts trade at 2 venues (fast, slow); this runtime runs one paper venue, so give every account the same venue',
      }),
    );
  });
});
