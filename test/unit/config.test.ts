// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about ${NAME} references.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_CONFIG_YAML, defaultConfig } from '../../src/app/config/defaults.ts';
import { loadConfig, parseConfig } from '../../src/app/config/load.ts';
import { isWardenError, type WardenError } from '../../src/domain/errors.ts';

const FIXTURES = 'test/fixtures/config';
type Env = Record<string, string | undefined>;
type Edit = readonly [path: readonly (string | number)[], value: unknown];

/** A valid configuration covering every list section. */
function base(): Record<string, unknown> {
  return {
    accounts: [
      { id: 'acc-1', balance: 50000 },
      { id: 'acc-2', balance: '25000.10' },
    ],
    instruments: [
      { symbol: 'BTC-USD', tickSize: 0.01, lotSize: 0.001 },
      { symbol: 'ES', tickSize: 0.25, multiplier: 50 },
    ],
    positions: [
      {
        id: 'pos-1',
        account: 'acc-1',
        symbol: 'ES',
        side: 'long',
        quantity: 2,
        entryPrice: 5000,
        stopPrice: 4980,
        targetPrice: 5050,
      },
      {
        id: 'pos-2',
        account: 'acc-1',
        symbol: 'BTC-USD',
        side: 'short',
        quantity: 0.5,
        entryPrice: 64000,
        stopPrice: 64800,
        targetPrice: 62500,
      },
    ],
    orders: [
      {
        at: '2026-01-05T14:30:00Z',
        account: 'acc-2',
        symbol: 'ES',
        side: 'buy',
        type: 'limit',
        quantity: 1,
        limitPrice: 4995,
      },
    ],
  };
}

/** The base configuration as YAML after some edits; an `undefined` value deletes the key. */
function variant(...edits: Edit[]): string {
  const config = base();
  for (const [path, value] of edits) {
    let node = config as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) {
      const part = path[i]!;
      node[part] ??= typeof path[i + 1] === 'number' ? [] : {};
      node = node[part] as Record<string | number, unknown>;
    }
    const last = path[path.length - 1]!;
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return stringify(config);
}

function thrown(run: () => unknown): WardenError {
  try {
    run();
  } catch (e) {
    if (isWardenError(e)) return e;
    throw e;
  }
  throw new Error('expected a WardenError');
}

/** The problems of an invalid configuration, after checking the code and the message. */
function problems(text: string, env: Env = {}): string[] {
  const error = thrown(() => parseConfig(text, { env, source: 'test.yaml' }));
  expect(error.code).toBe('WARDEN_CONFIG_INVALID');
  const list = error.details?.problems as string[];
  expect(error.message).toBe(`test.yaml: ${list.length} ${list.length === 1 ? 'problem' : 'problems'}`);
  return list;
}

describe('valid configurations', () => {
  it('applies every default to a minimal file', async () => {
    const config = await loadConfig(`${FIXTURES}/minimal.yaml`, { env: {} });
    expect(config).toEqual({
      engine: {
        seed: 42,
        partitions: 8,
        candleIntervals: ['1m', '5m', '15m', '1h', '4h', '1d'],
        staleFeedSeconds: 120,
        priceGuard: { maxJumpPct: 10, confirmTicks: 2 },
      },
      accounts: [{ id: 'acc-1', balance: '10000', currency: 'USD', venue: 'default' }],
      instruments: [{ symbol: 'ES', tickSize: 0.25, lotSize: 1, multiplier: 1, currency: 'USD' }],
      positions: [],
      profiles: {},
      orders: [],
      venues: [{ name: 'default', type: 'paper', slippageBps: 0, feeBps: 0, leverage: 1, outages: [] }],
      feed: undefined,
      demo: {
        enabled: false,
        account: 'acc-1',
        everySeconds: 15,
        maxOpenPositions: 3,
        stopPct: 1,
        targetPct: 2,
      },
      logging: { level: 'info' },
      risk: {
        day: { resetTime: '17:00', timezone: 'America/Chicago' },
        rules: {},
        entry: {},
        breakers: {
          venueErrors: 5,
          venueWindowSeconds: 300,
          venueProbeSeconds: 60,
          storeErrors: 3,
          storeWindowSeconds: 60,
        },
        correlationInterval: '5m',
      },
      agent: {
        rules: {
          lockPct: 50,
          targetApproaching: 'tighten',
          tightenMinGain: { pct: 1 },
          stopApproaching: 'hold',
          thesisInvalidated: 'close',
          timeDecay: { losing: 'close', winning: 'hold' },
          candleClose: { atrMultiple: 2 },
        },
      },
    });
  });

  it('converts times to epoch ms and keeps balances as exact decimal strings', () => {
    const config = parseConfig(
      variant(
        [['positions', 0, 'openedAt'], '2026-01-05T08:00:00-06:00'],
        [['instruments', 1, 'expiry'], '2026-03-20T13:30:00.250Z'],
      ),
      { env: {} },
    );
    expect(config.accounts.map((a) => a.balance)).toEqual(['50000', '25000.1']);
    expect(config.positions[0]!.openedAt).toBe(Date.UTC(2026, 0, 5, 14));
    expect(config.positions[1]!.openedAt).toBeUndefined();
    expect(config.instruments[1]!.expiry).toBe(Date.UTC(2026, 2, 20, 13, 30, 0, 250));
    expect(config.orders[0]).toMatchObject({ at: Date.UTC(2026, 0, 5, 14, 30), reduceOnly: false });
  });

  it('accepts a lot multiple that is not exact in binary floating point', () => {
    const config = parseConfig(variant([['positions', 1, 'quantity'], 0.003]), { env: {} });
    expect(config.positions[1]!.quantity).toBe(0.003);
  });

  it('treats an empty positions or orders section as none', () => {
    const text = `${stringify({ accounts: base().accounts, instruments: base().instruments })}positions:\norders:\n`;
    const config = parseConfig(text, { env: {} });
    expect(config.positions).toEqual([]);
    expect(config.orders).toEqual([]);
  });

  it('resolves the feed seed to engine.seed and the demo account to the first account', () => {
    const config = parseConfig(
      variant(
        [['engine'], { seed: 9 }],
        [['feed'], { symbols: [{ symbol: 'ES', startPrice: 5000 }] }],
        [['demo'], {}],
      ),
      { env: {} },
    );
    expect(config.feed).toEqual({
      type: 'synthetic',
      seed: 9,
      tickIntervalMs: 250,
      symbols: [{ symbol: 'ES', startPrice: 5000, annualVolatility: 0.2 }],
    });
    expect(config.demo).toMatchObject({ enabled: true, account: 'acc-1' });
  });

  it('loads examples/basic.yaml', async () => {
    const config = await loadConfig('examples/basic.yaml', { env: {} });
    expect(config.accounts.map((a) => a.id)).toEqual(['acc-1', 'acc-2', 'acc-3']);
    expect(config.instruments.map((i) => i.symbol)).toEqual(['BTC-USD', 'ES']);
    expect(config.positions.map((p) => [p.id, p.side])).toEqual([
      ['pos-1', 'long'],
      ['pos-2', 'short'],
      ['pos-3', 'long'],
      ['pos-4', 'short'],
    ]);
    expect(config.positions.every((p) => p.openedAt === Date.UTC(2026, 0, 5, 14))).toBe(true);
    expect(Object.keys(config.profiles)).toEqual(['futures', 'trend']);
    expect(
      config.positions.every(
        (p) => p.stopPrice !== undefined && (p.targetPrice !== undefined || p.profile === 'trend'),
      ),
    ).toBe(true);
    expect(config.orders).toHaveLength(2);
  });

  it('builds the defaults from valid YAML', () => {
    const config = defaultConfig();
    expect(config).toEqual(parseConfig(DEFAULT_CONFIG_YAML, { env: {} }));
    expect(config.accounts).toEqual([{ id: 'demo', balance: '100000', currency: 'USD', venue: 'paper' }]);
    expect(config.venues.map((v) => [v.name, v.type])).toEqual([['paper', 'paper']]);
    expect(config.instruments).toEqual([
      { symbol: 'BTC-USD', tickSize: 0.01, lotSize: 0.001, multiplier: 1, currency: 'USD' },
      { symbol: 'ETH-USD', tickSize: 0.01, lotSize: 0.01, multiplier: 1, currency: 'USD' },
      { symbol: 'ES', tickSize: 0.25, lotSize: 1, multiplier: 50, currency: 'USD' },
    ]);
    expect(config.feed?.symbols.map((s) => s.symbol)).toEqual(['BTC-USD', 'ETH-USD', 'ES']);
    expect(config.feed?.tickIntervalMs).toBe(250);
    expect(config.demo).toEqual({
      enabled: true,
      account: 'demo',
      everySeconds: 10,
      maxOpenPositions: 3,
      stopPct: 1,
      targetPct: 2,
    });
    expect(config.positions).toEqual([]);
  });
});

describe('schema problems', () => {
  it('names a misspelt key and suggests the right one', () => {
    expect(problems(variant([['instruments', 0, 'tickSzie'], 0.01]))).toEqual([
      'instruments[0].tickSzie: unknown key; did you mean "tickSize"?',
    ]);
    expect(problems(variant([['positions', 0, 'stop_price'], 4980]))).toEqual([
      'positions[0].stop_price: unknown key; did you mean "stopPrice"?',
    ]);
  });

  it('lists the allowed keys when nothing is close', () => {
    expect(problems(variant([['engine', 'workers'], 4]))).toEqual([
      'engine.workers: unknown key (expected one of: seed, partitions, candleIntervals, staleFeedSeconds, priceGuard)',
    ]);
  });

  it('reports wrong types without showing the value', () => {
    expect(
      problems(
        variant(
          [['instruments', 1, 'tickSize'], '0.25'],
          [['engine', 'partitions'], 2.5],
          [['positions', 0, 'side'], 'buy'],
          [['orders', 0, 'reduceOnly'], 'no'],
        ),
      ),
    ).toEqual([
      'instruments[1].tickSize: must be a number, got a string',
      'positions[0].side: must be one of: long, short',
      'orders[0].reduceOnly: must be true or false, got a string',
      'engine.partitions: must be a whole number',
    ]);
  });

  it('reports missing required fields and sections', () => {
    expect(problems(stringify({ instruments: base().instruments }))).toEqual(['accounts: is required']);
    expect(problems(variant([['positions', 1, 'entryPrice'], undefined]))).toEqual([
      'positions[1].entryPrice: is required',
    ]);
    expect(problems(variant([['accounts'], []]))).toContain('accounts: must have at least one entry');
  });

  it('checks ranges', () => {
    expect(
      problems(
        variant(
          [['accounts', 0, 'balance'], 0],
          [['accounts', 1, 'balance'], '12,5'],
          [['positions', 0, 'quantity'], -1],
        ),
      ),
    ).toEqual([
      'accounts[0].balance: must be greater than 0',
      'accounts[1].balance: must be a decimal number such as 50000 or "50000.00"',
      'positions[0].quantity: must be greater than 0',
    ]);
  });

  it('refuses timestamps without a zone or seconds, impossible dates and numbers', () => {
    const message = 'must be an ISO 8601 timestamp with seconds and a zone, e.g. 2026-01-05T14:00:00Z';
    expect(
      problems(
        variant(
          [['positions', 0, 'openedAt'], '2026-01-05'],
          [['positions', 1, 'openedAt'], '2026-01-05T14:00:00'],
          [['orders', 0, 'at'], '2026-02-30T14:00:00Z'],
          [['instruments', 1, 'expiry'], 1767621600000],
        ),
      ),
    ).toEqual([
      `instruments[1].expiry: ${message}`,
      `positions[0].openedAt: ${message}`,
      `positions[1].openedAt: ${message}`,
      `orders[0].at: ${message}`,
    ]);
  });
});

describe('relations between values', () => {
  it('finds duplicate ids and symbols', () => {
    const instruments = base().instruments as unknown[];
    expect(
      problems(
        variant(
          [['accounts', 2], { id: 'acc-1', balance: 1 }],
          [['instruments', 2], instruments[1]],
          [['positions', 1, 'id'], 'pos-1'],
          [['orders', 0, 'clientOrderId'], 'x-1'],
          [['orders', 1], { ...(base().orders as object[])[0], clientOrderId: 'x-1' }],
          [
            ['feed'],
            {
              symbols: [
                { symbol: 'ES', startPrice: 1 },
                { symbol: 'ES', startPrice: 2 },
              ],
            },
          ],
        ),
      ),
    ).toEqual([
      'accounts[2].id: duplicate account id "acc-1"',
      'instruments[2].symbol: duplicate symbol "ES"',
      'positions[1].id: duplicate position id "pos-1"',
      'orders[1].clientOrderId: duplicate clientOrderId "x-1"',
      'feed.symbols[1].symbol: duplicate symbol "ES"',
    ]);
  });

  it('finds references to unknown accounts, symbols and profiles', () => {
    expect(
      problems(
        variant(
          [['positions', 0, 'account'], 'acc-9'],
          [['positions', 1, 'symbol'], 'NQ'],
          [['positions', 1, 'profile'], 'scalper'],
          [['orders', 0, 'account'], 'acc-3'],
          [['orders', 0, 'symbol'], 'ETH-USD'],
          [['feed'], { symbols: [{ symbol: 'CL', startPrice: 70 }] }],
          [['demo'], { account: 'acc-0' }],
          [['profiles'], { swing: { policy: 'hold' } }],
        ),
      ),
    ).toEqual([
      'positions[0].account: unknown account "acc-9" (known: acc-1, acc-2)',
      'positions[1].symbol: unknown symbol "NQ" (known: BTC-USD, ES)',
      'positions[1].profile: unknown profile "scalper" (known: default, swing)',
      'orders[0].account: unknown account "acc-3" (known: acc-1, acc-2)',
      'orders[0].symbol: unknown symbol "ETH-USD" (known: BTC-USD, ES)',
      'feed.symbols[0].symbol: unknown symbol "CL" (known: BTC-USD, ES)',
      'demo.account: unknown account "acc-0" (known: acc-1, acc-2)',
    ]);
  });

  it('accepts "default" without a profiles section, and no other undefined profile', () => {
    expect(() => parseConfig(variant([['positions', 0, 'profile'], 'default']), { env: {} })).not.toThrow();
    expect(problems(variant([['positions', 0, 'profile'], 'scalper']))).toEqual([
      'positions[0].profile: unknown profile "scalper" (known: default)',
    ]);
    const text = variant([['positions', 0, 'profile'], 'default'], [['profiles'], { swing: {} }]);
    expect(parseConfig(text, { env: {} }).profiles).toEqual({ swing: {} });
  });

  it('checks profile settings and names the path of a bad one', () => {
    expect(
      problems(
        variant([
          ['profiles'],
          {
            swing: {
              stopApproach: { enterPct: 3, rearmPct: 2 },
              milestones: [10, 5],
              trailingStop: { distancePct: -1 },
              exits: {
                partialExits: {
                  stages: [
                    { pct: 15, fraction: 0.8 },
                    { pct: 25, fraction: 0.5 },
                  ],
                },
              },
              polciy: 'hold',
            },
          },
        ]),
      ),
    ).toEqual([
      'profiles.swing.stopApproach: rearmPct must be at least enterPct (the re-arm distance lies outside the zone)',
      'profiles.swing.milestones: must be ascending without repeats',
      'profiles.swing.trailingStop.distancePct: must be greater than 0',
      'profiles.swing.exits.partialExits.stages: fractions must add up to at most 1',
      'profiles.swing.polciy: unknown key; did you mean "policy"?',
    ]);
  });

  it('refuses a second position of one account in one symbol', () => {
    expect(problems(variant([['positions', 1, 'symbol'], 'ES'], [['positions', 1, 'quantity'], 1]))).toEqual([
      'positions[1].symbol: account "acc-1" already has a position in "ES" (positions[0]); positions are netted per account and symbol',
    ]);
  });

  it('checks stops, targets and thesis levels of a long position', () => {
    expect(
      problems(
        variant(
          [['positions', 0, 'stopPrice'], 5000],
          [['positions', 0, 'targetPrice'], 4990],
          [['positions', 0, 'thesis'], { invalidationPrice: 5001 }],
        ),
      ),
    ).toEqual([
      'positions[0].stopPrice: must be below entryPrice for a long position',
      'positions[0].targetPrice: must be above entryPrice for a long position',
      'positions[0].thesis.invalidationPrice: must be below entryPrice for a long position',
    ]);
  });

  it('checks stops, targets and thesis levels of a short position', () => {
    expect(
      problems(
        variant(
          [['positions', 1, 'stopPrice'], 63000],
          [['positions', 1, 'targetPrice'], 64000],
          [['positions', 1, 'thesis'], { invalidationPrice: 63999 }],
        ),
      ),
    ).toEqual([
      'positions[1].stopPrice: must be above entryPrice for a short position',
      'positions[1].targetPrice: must be below entryPrice for a short position',
      'positions[1].thesis.invalidationPrice: must be above entryPrice for a short position',
    ]);
  });

  it('requires quantities in whole lots', () => {
    expect(
      problems(variant([['positions', 1, 'quantity'], 0.0015], [['orders', 0, 'quantity'], 1.5])),
    ).toEqual([
      'positions[1].quantity: must be a multiple of the lot size of BTC-USD (0.001)',
      'orders[0].quantity: must be a multiple of the lot size of ES (1)',
    ]);
  });

  it('requires the prices each order type uses, and only those', () => {
    const order = (base().orders as Record<string, unknown>[])[0]!;
    const text = variant(
      [['orders', 0, 'limitPrice'], undefined],
      [['orders', 1], { ...order, type: 'stop', limitPrice: undefined }],
      [['orders', 2], { ...order, type: 'market' }],
      [['orders', 3], { ...order, type: 'stop_limit', stopPrice: 5001, limitPrice: undefined }],
    );
    expect(problems(text)).toEqual([
      'orders[0].limitPrice: is required for a limit order',
      'orders[1].stopPrice: is required for a stop order',
      'orders[2].limitPrice: is not used by a market order',
      'orders[3].limitPrice: is required for a stop_limit order',
    ]);
  });

  it('checks the protection an order gives the position it opens', () => {
    const order = (base().orders as Record<string, unknown>[])[0]!;
    const text = variant(
      [['orders', 0, 'protect'], { stopPrice: 4996, targetPrice: 4990 }],
      [
        ['orders', 1],
        {
          ...order,
          side: 'sell',
          type: 'market',
          limitPrice: undefined,
          protect: { stopPrice: 10, targetPrice: 20 },
        },
      ],
      [['orders', 2], { ...order, reduceOnly: true, protect: { stopPrice: 4975 } }],
    );
    expect(problems(text)).toEqual([
      'orders[0].protect.stopPrice: must be below limitPrice for a buy order',
      'orders[0].protect.targetPrice: must be above limitPrice for a buy order',
      'orders[1].protect.targetPrice: must be below protect.stopPrice for a sell order',
      'orders[2].protect: a reduce-only order opens no position to protect',
    ]);
  });
});

describe('environment variables', () => {
  const text = variant(
    [['accounts', 0, 'id'], '${ACCOUNT_ID}'],
    [['accounts', 0, 'balance'], '${BALANCE:-75000}'],
  );

  it('substitutes variables and fallbacks', () => {
    const config = parseConfig(text, { env: { ACCOUNT_ID: 'acc-1' } });
    expect(config.accounts[0]).toEqual({ id: 'acc-1', balance: '75000', currency: 'USD', venue: 'default' });
    const set = parseConfig(text, { env: { ACCOUNT_ID: 'acc-1', BALANCE: '120000.5' } });
    expect(set.accounts[0]!.balance).toBe('120000.5');
  });

  it('uses the fallback for an empty variable, and keeps $${ literal', () => {
    const withNote = variant(
      [['accounts', 0, 'balance'], '${BALANCE:-75000}'],
      [['positions', 0, 'thesis'], { note: 'see https://${HOST}/chart and $${NOT_A_VAR}' }],
    );
    const config = parseConfig(withNote, { env: { BALANCE: '', HOST: 'example.com' } });
    expect(config.accounts[0]!.balance).toBe('75000');
    expect(config.positions[0]!.thesis?.note).toBe('see https://example.com/chart and ${NOT_A_VAR}');
  });

  it('reports a missing variable by path and name with its own code', async () => {
    const error = await loadConfig(`${FIXTURES}/secrets.yaml`, { env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WARDEN_CONFIG_SECRET_MISSING',
      message: `${FIXTURES}/secrets.yaml: 1 problem`,
      details: {
        problems: ['accounts[0].balance: environment variable WARDEN_BALANCE is not set'],
        missingVariables: ['WARDEN_BALANCE'],
      },
    });
  });

  it('collects a missing variable with the other problems', () => {
    const broken = variant(
      [['accounts', 0, 'balance'], '${BALANCE}'],
      [['positions', 0, 'account'], 'acc-9'],
    );
    expect(problems(broken)).toEqual([
      'accounts[0].balance: environment variable BALANCE is not set',
      'positions[0].account: unknown account "acc-9" (known: acc-1, acc-2)',
    ]);
  });

  it('never shows a value taken from the environment', () => {
    const secret = 's3cr3t-value';
    const leaky = variant([['accounts', 1, 'id'], '${ACCOUNT}'], [['positions', 0, 'account'], '${OTHER}']);
    const list = problems(leaky, { ACCOUNT: secret, OTHER: `${secret}-2` });
    expect(list).toEqual([
      'positions[0].account: unknown account (a value from the environment) (known: acc-1, (hidden))',
      'orders[0].account: unknown account "acc-2" (known: acc-1, (hidden))',
    ]);
    expect(JSON.stringify(list)).not.toContain(secret);
    expect(problems(leaky, { ACCOUNT: 'acc-1', OTHER: 'acc-1' })).toEqual([
      'accounts[1].id: duplicate account id (a value from the environment)',
      'orders[0].account: unknown account "acc-2" (known: acc-1)',
    ]);
  });

  it('does not report references to a name that could not be substituted', () => {
    const error = thrown(() => parseConfig(variant([['accounts', 1, 'id'], '${ACCOUNT}']), { env: {} }));
    expect(error.code).toBe('WARDEN_CONFIG_SECRET_MISSING');
    expect(error.details?.problems).toEqual(['accounts[1].id: environment variable ACCOUNT is not set']);
  });

  it('reports a malformed reference', () => {
    expect(problems(variant([['accounts', 1, 'id'], '${ACCOUNT']))).toEqual([
      'accounts[1].id: malformed environment variable reference: write ${NAME} or ${NAME:-default}, or $${ for a literal ${',
    ]);
  });
});

describe('files and syntax', () => {
  it('reports a YAML syntax error with its line and column', async () => {
    const error = await loadConfig(`${FIXTURES}/syntax-error.yaml`).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WARDEN_CONFIG_INVALID',
      message: `${FIXTURES}/syntax-error.yaml: 1 problem`,
      details: { problems: ['line 6, column 15: Nested mappings are not allowed in compact mappings'] },
    });
  });

  it('reports duplicate keys as a syntax error', () => {
    expect(problems('accounts: []\naccounts: []\n')).toEqual(['line 2, column 1: Map keys must be unique']);
  });

  it('explains an empty file and a file that is not a mapping', () => {
    expect(problems('')).toEqual([
      'the configuration is empty; it needs at least "accounts" and "instruments"',
    ]);
    expect(problems('# only a comment\n')).toEqual([
      'the configuration is empty; it needs at least "accounts" and "instruments"',
    ]);
    expect(problems('- accounts\n')).toEqual([
      'the configuration must be a mapping of sections (accounts, instruments, …), got a list',
    ]);
  });

  it('reports every problem of a file at once, in file order', async () => {
    const error = await loadConfig(`${FIXTURES}/many-problems.yaml`, { env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WARDEN_CONFIG_INVALID',
      message: `${FIXTURES}/many-problems.yaml: 9 problems`,
      details: {
        source: `${FIXTURES}/many-problems.yaml`,
        problems: [
          'engine.partitons: unknown key; did you mean "partitions"?',
          'accounts[1].balance: must be greater than 0',
          'instruments[1].symbol: duplicate symbol "ES"',
          'positions[0].account: unknown account "acc-9" (known: acc-1, acc-2)',
          'positions[1].quantity: must be a multiple of the lot size of ES (1)',
          'positions[1].stopPrice: must be below entryPrice for a long position',
          'positions[1].openedAt: must be an ISO 8601 timestamp with seconds and a zone, e.g. 2026-01-05T14:00:00Z',
          'orders[0].limitPrice: is required for a limit order',
          'logging.level: must be one of: trace, debug, info, warn, error',
        ],
      },
    });
  });

  it('reports a missing file with its path', async () => {
    const path = `${FIXTURES}/does-not-exist.yaml`;
    const error = await loadConfig(path).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WARDEN_CONFIG_NOT_FOUND',
      message: `config file not found: ${path}`,
      details: { path },
    });
  });

  it('reports a directory as unreadable', async () => {
    const error = await loadConfig(FIXTURES).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WARDEN_CONFIG_NOT_FOUND', details: { path: FIXTURES } });
  });
});

describe('risk sections', () => {
  const MIN = `instruments: [{ symbol: ES, tickSize: 0.25 }]\n`;

  it('lists every problem of the risk fields with its path', () => {
    expect(
      problems(`accounts:
  - id: a
    balance: 100
    challenge: { minTradingDays: 3 }
    rules:
      session: { timezone: Mars/Olympus, open: "25:00", close: "15:00" }
      dailyLoss: { limit: -5 }
      tradeFrequency: { cooldownSeconds: 60 }
    preset: nope
${MIN}`).sort(),
    ).toEqual(
      [
        'accounts[0].preset: must be one of: topstep-50k, ftmo-100k, retail-crypto',
        'accounts[0].rules.dailyLoss.limit: must be greater than 0',
        'accounts[0].rules.tradeFrequency: needs perMinute, perHour or perSession',
        'accounts[0].rules.session.timezone: must be an IANA time zone such as America/Chicago or UTC',
        'accounts[0].rules.session.open: must be a time of day as HH:mm, e.g. 17:00 or 09:30',
      ].sort(),
    );
  });

  it('requires a profit target for a challenge without a preset', () => {
    expect(problems(`accounts: [{ id: a, balance: 100, challenge: { minTradingDays: 3 } }]\n${MIN}`)).toEqual(
      [
        'accounts[0].challenge.profitTarget: is required for an account without a preset (the target that completes the evaluation)',
      ],
    );
  });

  it('refuses a profile that asks the llm policy without an agent.llm endpoint, and checks the endpoint', () => {
    const base = `accounts: [{ id: a, balance: 100 }]\n${MIN}`;
    expect(problems(`${base}profiles: { fast: { policy: llm } }\n`)).toEqual([
      'profiles.fast.policy: is llm but there is no agent.llm section (baseUrl and model of an OpenAI-compatible endpoint)',
    ]);
    expect(problems(`${base}agent: { llm: { baseUrl: not a url, model: m, temperature: 3 } }\n`)).toEqual([
      'agent.llm.baseUrl: must be a URL such as https://api.openai.com/v1',
      'agent.llm.temperature: must be at most 2',
    ]);
    const ok = parseConfig(
      `${base}profiles: { fast: { policy: llm, manage: { interval: 15m } } }\nagent: { llm: { baseUrl: 'http://localhost:11434/v1', model: llama3.1 } }\n`,
      { env: {}, source: 'test.yaml' },
    );
    expect(ok.agent.llm).toMatchObject({
      timeoutSeconds: 30,
      maxConcurrency: 4,
      requestsPerMinute: 60,
      temperature: 0,
    });
  });

  it('resolves a preset with overrides, and null switches a preset rule off', async () => {
    const { riskSpecOf } = await import('../../src/app/config/risk.ts');
    const config = parseConfig(
      `accounts:
  - { id: t, balance: 50000, preset: topstep-50k, rules: { maxContracts: { limit: 3 }, session: null, dailyLoss: { limit: 800 } } }
  - { id: f, balance: 200000, preset: ftmo-100k, challenge: { minTradingDays: 10 } }
${MIN}`,
      { env: {}, source: 'test.yaml' },
    );
    const t = riskSpecOf(config, config.accounts[0]!);
    expect(t.rules.maxContracts).toEqual({ limit: 3 });
    expect(t.rules.session).toBeUndefined();
    expect(t.rules.dailyLoss?.limit.toString()).toBe('800');
    expect(t.rules.maxLoss?.amount.toString()).toBe('2000');
    expect(t.rules.maxLoss?.trailing).toBe('eod');
    expect(t.challenge?.profitTarget.toString()).toBe('3000');
    const f = riskSpecOf(config, config.accounts[1]!);
    // FTMO's limits are shares of the starting balance: 5% and 10% of 200,000.
    expect(f.rules.dailyLoss?.limit.toString()).toBe('10000');
    expect(f.rules.maxLoss?.amount.toString()).toBe('20000');
    expect(f.rules.day).toEqual({ time: '00:00', timezone: 'Europe/Prague' });
    expect(f.challenge?.profitTarget.toString()).toBe('20000');
    expect(f.challenge?.minTradingDays).toBe(10);
  });
});
