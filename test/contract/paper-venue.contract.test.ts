import { createPaperVenue, type PaperVenueConfig } from '../../src/adapters/venues/paper/paper-venue.ts';
import { defineInstrument } from '../../src/domain/instrument.ts';
import { FakeClock, FakeIds } from '../support/venue-fakes.ts';
import { describeVenueContract, type VenueHarness } from './venue.contract.ts';

const instrument = defineInstrument({ symbol: 'ESZ5', tickSize: 0.25, lotSize: 1, multiplier: 50 });

/** How long a harness outage lasts on the clock; `setPrice` moves the clock 1 s. */
const OUTAGE_MS = 60_000;

function paperHarness(extra: Partial<PaperVenueConfig> = {}): () => Promise<VenueHarness> {
  return async () => {
    const clock = new FakeClock();
    const venue = createPaperVenue({
      clock,
      ids: new FakeIds(),
      instruments: [instrument],
      accounts: [{ id: 'acc-1', balance: '1000000' }],
      ...extra,
    });
    let outageEnds: number | undefined;
    return {
      venue,
      accountId: 'acc-1',
      symbol: instrument.symbol,
      instrument,
      basePrice: 4500,
      balance: 1_000_000,
      ...(extra.redeliverFillsOnReconnect !== undefined && {
        redeliversFills: extra.redeliverFillsOnReconnect > 0,
      }),
      async setPrice(price) {
        clock.time += 1000;
        venue.onTick({ ts: clock.now(), symbol: instrument.symbol, price });
      },
      // A scripted outage from now: the clock reaching its start drops the connection.
      async disconnect() {
        const from = clock.now() + 1;
        outageEnds = from + OUTAGE_MS;
        venue.scheduleOutage({ from, to: outageEnds });
        clock.time = from;
      },
      async reconnect() {
        if (outageEnds === undefined) throw new Error('reconnect before disconnect');
        if (clock.now() >= outageEnds) throw new Error('the harness outage ran out: fewer setPrice calls');
        clock.time = outageEnds;
        outageEnds = undefined;
      },
    };
  };
}

describeVenueContract('paper', paperHarness());
describeVenueContract('paper with partial fills', paperHarness({ partialFills: { maxQuantityPerTick: 1 } }));
describeVenueContract(
  'paper redelivering fills on reconnection',
  paperHarness({ redeliverFillsOnReconnect: 3 }),
);
describeVenueContract(
  'paper without optional features',
  paperHarness({
    capabilities: {
      stopOrders: false,
      stopLimitOrders: false,
      reduceOnly: false,
      replaceOrder: false,
      positionQuery: false,
      orderLookup: false,
      fillQuery: false,
      balances: false,
      instruments: false,
      connectionEvents: false,
    },
  }),
);
