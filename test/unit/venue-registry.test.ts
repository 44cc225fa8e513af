import { describe, expect, it } from 'vitest';
import type { PaperVenue } from '../../src/adapters/venues/paper/paper-venue.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import type { VenueConfig } from '../../src/app/config/schema.ts';
import {
  BUILTIN_VENUE_FACTORIES,
  buildVenues,
  createVenue,
  type VenueContext,
  type VenueFactories,
} from '../../src/app/venues/registry.ts';
import { defineInstrument } from '../../src/domain/instrument.ts';
import type { Fill, Order } from '../../src/domain/order.ts';
import type { Venue } from '../../src/ports/venue.ts';
import { FakeClock, FakeIds } from '../support/venue-fakes.ts';

const XYZ = defineInstrument({ symbol: 'XYZ', tickSize: 0.25, lotSize: 1, multiplier: 1 });

/** Three venues, two in use: acc-1 and acc-3 at slow, acc-2 at fast; idle has no account. */
const CONFIG = parseConfig(
  `accounts:
  - { id: acc-1, balance: 1000, venue: slow }
  - { id: acc-2, balance: 2000, venue: fast }
  - { id: acc-3, balance: 3000, venue: slow }
instruments: [{ symbol: XYZ, tickSize: 0.25 }]
venues:
  - { name: fast, type: paper, feeBps: 10 }
  - { name: idle, type: paper }
  - { name: slow, type: paper, feeBps: 50 }
`,
  { env: {}, source: 'test.yaml' },
);

function context(): { clock: FakeClock; ids: FakeIds; instruments: (typeof XYZ)[] } {
  return { clock: new FakeClock(1_000), ids: new FakeIds(), instruments: [XYZ] };
}

/** A market buy of one XYZ at 100 on the venue; the fill it reported. */
async function buyAt100(venue: Venue, accountId: string, clock: FakeClock): Promise<Fill> {
  const fills: Fill[] = [];
  venue.onExecution((r) => {
    if (r.kind === 'fill') fills.push(r.fill);
  });
  (venue as PaperVenue).onTick({ ts: clock.now(), symbol: 'XYZ', price: 100 });
  await venue.placeOrder({
    accountId,
    symbol: 'XYZ',
    side: 'buy',
    type: 'market',
    quantity: 1,
    clientOrderId: 'b-1',
  });
  expect(fills).toHaveLength(1);
  return fills[0]!;
}

describe('buildVenues', () => {
  it('builds each venue in use by name, in configuration order, and no venue without accounts', () => {
    const venues = buildVenues(CONFIG, context());
    expect([...venues.keys()]).toEqual(['fast', 'slow']);
    expect(venues.get('fast')?.name).toBe('paper');
  });

  it('gives each paper venue its own settings and only the accounts that trade at it', async () => {
    const ctx = context();
    const venues = buildVenues(CONFIG, ctx);
    const fast = venues.get('fast') as PaperVenue;
    const slow = venues.get('slow') as PaperVenue;
    expect(fast.balance('acc-2')).toBe('2000');
    expect(slow.balance('acc-1')).toBe('1000');
    expect(slow.balance('acc-3')).toBe('3000');
    expect(() => fast.balance('acc-1')).toThrow(/unknown account acc-1/);
    // 1 × 100 × 10 bps = 0.1 at fast; 1 × 100 × 50 bps = 0.5 at slow.
    expect((await buyAt100(fast, 'acc-2', ctx.clock)).fee).toBe('0.1');
    expect((await buyAt100(slow, 'acc-1', ctx.clock)).fee).toBe('0.5');
  });

  it('builds only the venues of the accounts a process holds, each with only those accounts', () => {
    const venues = buildVenues(CONFIG, { ...context(), accounts: ['acc-1'] });
    expect([...venues.keys()]).toEqual(['slow']);
    const slow = venues.get('slow') as PaperVenue;
    expect(slow.balance('acc-1')).toBe('1000');
    expect(() => slow.balance('acc-3')).toThrow(/unknown account acc-3/);
  });

  it('journals accepted orders with the venue name and restores a venue from its saved state', async () => {
    const accepted: [string, string][] = [];
    const first = buildVenues(CONFIG, {
      ...context(),
      onAccepted: (venue, order: Order) => accepted.push([venue, order.clientOrderId]),
    });
    const request = { symbol: 'XYZ', side: 'buy', type: 'limit', quantity: 1, limitPrice: 90 } as const;
    await first.get('slow')?.placeOrder({ ...request, accountId: 'acc-1', clientOrderId: 'l-1' });
    await first.get('fast')?.placeOrder({ ...request, accountId: 'acc-2', clientOrderId: 'l-2' });
    expect(accepted).toEqual([
      ['slow', 'l-1'],
      ['fast', 'l-2'],
    ]);

    const saved = (first.get('slow') as PaperVenue).state();
    const asked: string[] = [];
    const again = buildVenues(CONFIG, {
      ...context(),
      restore: (venue) => {
        asked.push(venue);
        return venue === 'slow' ? saved : undefined;
      },
    });
    expect(asked).toEqual(['fast', 'slow']);
    expect((await again.get('slow')?.openOrders('acc-1'))?.map((o) => o.clientOrderId)).toEqual(['l-1']);
    expect(await again.get('fast')?.openOrders('acc-2')).toEqual([]);
  });

  it('hands a factory the venue configuration and the context of its accounts', () => {
    const calls: [VenueConfig, VenueContext][] = [];
    const factories: VenueFactories = {
      paper: (venue, ctx) => {
        calls.push([venue, ctx]);
        return BUILTIN_VENUE_FACTORIES.paper(venue, ctx);
      },
    };
    const ctx = context();
    buildVenues(CONFIG, { ...ctx, factories });
    expect(calls.map(([venue, c]) => [venue.name, venue.type, c.accounts])).toEqual([
      ['fast', 'paper', [{ id: 'acc-2', balance: '2000' }]],
      [
        'slow',
        'paper',
        [
          { id: 'acc-1', balance: '1000' },
          { id: 'acc-3', balance: '3000' },
        ],
      ],
    ]);
    expect(calls[0]?.[0]).toMatchObject({ feeBps: 10, slippageBps: 0, leverage: 1 });
    expect(calls[0]?.[1]).toMatchObject({ clock: ctx.clock, ids: ctx.ids, instruments: [XYZ] });
    expect(calls[0]?.[1].restore).toBeUndefined();
  });

  it('refuses a venue type without a factory clearly, before building any venue', () => {
    // A type the schema does not know yet (the venue issues add them), as a build without its factory sees it.
    const future = { name: 'binance', type: 'ccxt' } as unknown as VenueConfig;
    const config = {
      ...CONFIG,
      venues: [...CONFIG.venues, future],
      accounts: CONFIG.accounts.map((a) => (a.id === 'acc-3' ? { ...a, venue: 'binance' } : a)),
    };
    let built = 0;
    const counting: VenueFactories = {
      paper: (venue, ctx) => {
        built++;
        return BUILTIN_VENUE_FACTORIES.paper(venue, ctx);
      },
    };
    expect(() => buildVenues(config, { ...context(), factories: counting })).toThrow(
      expect.objectContaining({
        code: 'WARDEN_CONFIG_INVALID',
        message: 'venue "binance": no venue of type "ccxt" can be built here (known types: paper)',
        details: { venue: 'binance', type: 'ccxt', knownTypes: ['paper'] },
      }),
    );
    expect(built).toBe(0);
    expect(() => createVenue(CONFIG.venues[0]!, { ...context(), accounts: [] }, {})).toThrow(
      'venue "fast": no venue of type "paper" can be built here (known types: none)',
    );
  });
});
