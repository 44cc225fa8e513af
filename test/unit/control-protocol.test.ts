import { describe, expect, it } from 'vitest';
import {
  controlResponseSchema,
  MAX_SOCKET_PATH_BYTES,
  parseControlRequest,
  parseControlResponse,
  type StatusReport,
  socketPathProblem,
  statusReportSchema,
} from '../../src/app/control/protocol.ts';
import { SAMPLE_POSITION } from '../support/status-fixtures.ts';

const report: StatusReport = {
  generatedAt: '2026-01-05T15:12:30.000Z',
  accounts: [
    {
      accountId: 'A1',
      state: 'HALTED',
      holds: [
        {
          reason: 'daily loss limit reached',
          state: 'HALTED',
          since: '2026-01-05T15:10:00.000Z',
          until: '2026-01-05T23:00:00.000Z',
          manualReset: false,
        },
      ],
      preset: 'topstep-50k',
      balance: '48950.00',
      equity: '48900.00',
      dailyPnl: '-1050.00',
      tradingDay: '2026-01-05',
      openPositions: 1,
      positions: [SAMPLE_POSITION],
      limits: [{ rule: 'DailyLoss', limit: '1000.00', value: '1050.00', headroom: '-50.00', unit: 'money' }],
      challenge: {
        phase: 'phase-1',
        status: 'IN_PROGRESS',
        profitTarget: '3000.00',
        profit: '1250.00',
        progressPct: 41.7,
        tradingDays: 3,
        minTradingDays: 5,
        bestDay: '600.00',
        consistencyPct: 48,
        consistencyLimitPct: 50,
      },
    },
    {
      accountId: 'A2',
      state: 'ACTIVE',
      holds: [],
      balance: '10000',
      equity: '10000',
      dailyPnl: '0',
      tradingDay: '2026-01-05',
      openPositions: 0,
      positions: [],
      limits: [],
    },
  ],
};

/** The report with one field of its first account replaced (or removed, with undefined). */
function withAccount(field: string, value: unknown): unknown {
  const [first, ...rest] = report.accounts;
  const account: Record<string, unknown> = { ...first };
  if (value === undefined) delete account[field];
  else account[field] = value;
  return { ...report, accounts: [account, ...rest] };
}

describe('control requests', () => {
  it('accepts status and setState for each trading state', () => {
    expect(parseControlRequest({ op: 'status' })).toEqual({ ok: true, value: { op: 'status' } });
    for (const state of ['ACTIVE', 'REDUCING', 'HALTED']) {
      const request = { op: 'setState', accountId: 'A1', state, reason: 'news event' };
      expect(parseControlRequest(request)).toEqual({ ok: true, value: request });
    }
  });

  it('trims the reason and accepts 200 characters', () => {
    const request = { op: 'setState', accountId: 'A1', state: 'HALTED', reason: '  news  ' };
    expect(parseControlRequest(request)).toEqual({ ok: true, value: { ...request, reason: 'news' } });
    const long = { ...request, reason: 'x'.repeat(200) };
    expect(parseControlRequest(long).ok).toBe(true);
  });

  it.each([
    ['an unknown op', { op: 'flatten' }, /^op: /],
    ['no op', {}, /^op: /],
    ['an extra key', { op: 'status', verbose: true }, /"verbose"/],
    ['a lower-case state', { op: 'setState', accountId: 'A1', state: 'halted', reason: 'x' }, /^state: /],
    ['an empty reason', { op: 'setState', accountId: 'A1', state: 'HALTED', reason: '' }, /^reason: /],
    ['a blank reason', { op: 'setState', accountId: 'A1', state: 'HALTED', reason: '   ' }, /^reason: /],
    [
      'a reason of 201 characters',
      { op: 'setState', accountId: 'A1', state: 'HALTED', reason: 'x'.repeat(201) },
      /^reason: must be at most 200 characters$/,
    ],
    ['no reason', { op: 'setState', accountId: 'A1', state: 'HALTED' }, /^reason: /],
    ['an empty account', { op: 'setState', accountId: '', state: 'HALTED', reason: 'x' }, /^accountId: /],
    [
      'a number for the account',
      { op: 'setState', accountId: 7, state: 'HALTED', reason: 'x' },
      /^accountId: /,
    ],
    ['a string', 'status', /expected object/],
    ['null', null, /expected object/],
  ])('rejects %s, naming the problem', (_name, request, problem) => {
    const parsed = parseControlRequest(request);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});

describe('the status report', () => {
  it('accepts a full report, and one without accounts', () => {
    expect(statusReportSchema.parse(report)).toEqual(report);
    expect(statusReportSchema.safeParse({ generatedAt: report.generatedAt, accounts: [] }).success).toBe(
      true,
    );
  });

  it('accepts times with an offset', () => {
    const report2 = { ...report, generatedAt: '2026-01-05T10:12:30-05:00' };
    expect(statusReportSchema.safeParse(report2).success).toBe(true);
  });

  it.each([
    ['money as a number', withAccount('balance', 48950), 'accounts[0].balance'],
    ['money with a comma', withAccount('equity', '48,900.00'), 'accounts[0].equity'],
    ['money with an exponent', withAccount('dailyPnl', '1e3'), 'accounts[0].dailyPnl'],
    [
      'a trading day with a time',
      withAccount('tradingDay', '2026-01-05T00:00:00Z'),
      'accounts[0].tradingDay',
    ],
    ['a fractional position count', withAccount('openPositions', 1.5), 'accounts[0].openPositions'],
    ['no positions list', withAccount('positions', undefined), 'accounts[0].positions'],
    [
      'a quantity as a number',
      withAccount('positions', [{ ...report.accounts[0]!.positions[0]!, quantity: 1.6380000000000001 }]),
      'accounts[0].positions[0].quantity',
    ],
    ['an unknown state', withAccount('state', 'PAUSED'), 'accounts[0].state'],
    ['an unknown key', withAccount('leverage', 3), 'accounts[0]'],
    ['no limits', withAccount('limits', undefined), 'accounts[0].limits'],
    [
      'an ACTIVE hold',
      withAccount('holds', [{ reason: 'x', state: 'ACTIVE', since: report.generatedAt, manualReset: false }]),
      'accounts[0].holds[0].state',
    ],
    [
      'a hold time that is not ISO 8601',
      withAccount('holds', [{ reason: 'x', state: 'HALTED', since: 'yesterday', manualReset: false }]),
      'accounts[0].holds[0].since',
    ],
    [
      'an unknown limit unit',
      withAccount('limits', [{ rule: 'R', limit: '1', value: '0', headroom: '1', unit: 'percent' }]),
      'accounts[0].limits[0].unit',
    ],
    ['a time without a zone', { ...report, generatedAt: '2026-01-05T15:12:30' }, 'generatedAt'],
  ])('rejects %s', (_name, value, path) => {
    const parsed = parseControlResponse('status', { ok: true, status: value });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(`status.${path}`);
  });
});

describe('control responses', () => {
  const changed = { accountId: 'A1', previousState: 'ACTIVE', state: 'HALTED', changed: true };

  it('accepts each kind of response in the union', () => {
    for (const response of [
      { ok: true, status: report },
      { ok: true, state: changed },
      { ok: false, code: 'WARDEN_UNKNOWN_ACCOUNT', message: 'unknown account A9' },
    ]) {
      expect(controlResponseSchema.safeParse(response).success).toBe(true);
    }
  });

  it('checks an answer against the op it answers, or as an error', () => {
    expect(parseControlResponse('status', { ok: true, status: report }).ok).toBe(true);
    expect(parseControlResponse('setState', { ok: true, state: changed }).ok).toBe(true);
    const error = { ok: false, code: 'WARDEN_INTERNAL', message: 'boom' };
    expect(parseControlResponse('status', error)).toEqual({ ok: true, value: error });
    expect(parseControlResponse('setState', error)).toEqual({ ok: true, value: error });

    const crossed = parseControlResponse('status', { ok: true, state: changed });
    expect(crossed.ok).toBe(false);
    if (!crossed.ok) expect(crossed.problem).toMatch(/status: .*; .*"state"/);
  });

  it('rejects an error without a code, a state result with extra keys, and a non-object', () => {
    const noCode = parseControlResponse('status', { ok: false, message: 'x' });
    expect(noCode).toEqual({ ok: false, problem: expect.stringMatching(/^code: /) });
    const extra = parseControlResponse('setState', { ok: true, state: { ...changed, reason: 'x' } });
    expect(extra).toEqual({ ok: false, problem: expect.stringMatching(/^state: .*"reason"/) });
    expect(parseControlResponse('status', 'ok').ok).toBe(false);
    expect(controlResponseSchema.safeParse({ ok: true }).success).toBe(false);
  });
});

describe('socketPathProblem', () => {
  it('accepts a path the system can bind and refuses an empty or too long one', () => {
    expect(socketPathProblem('data/warden.sock')).toBeUndefined();
    expect(socketPathProblem('x'.repeat(MAX_SOCKET_PATH_BYTES))).toBeUndefined();
    expect(socketPathProblem('')).toBe('the socket path is empty');
    expect(socketPathProblem('x'.repeat(MAX_SOCKET_PATH_BYTES + 1))).toMatch(
      new RegExp(`is ${MAX_SOCKET_PATH_BYTES + 1} bytes long`),
    );
    // Bytes, not characters: each é is two.
    expect(socketPathProblem('é'.repeat(Math.floor(MAX_SOCKET_PATH_BYTES / 2) + 1))).toBeDefined();
  });
});
