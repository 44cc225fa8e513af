import { createPaperVenue, type PaperVenueConfig } from '../../src/adapters/venues/paper/paper-venue.ts';
import { defineInstrument } from '../../src/domain/instrument.ts';
import { FakeClock, FakeIds } from '../support/venue-fakes.ts';
import { describeVenueContract, type VenueHarness } from './venue.contract.ts';

const instrument = defineInstrument({ symbol: 'ESZ5', tickSize: 0.25, lotSize: 1, multiplier: 50 });

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
    return {
      venue,
      accountId: 'acc-1',
      symbol: instrument.symbol,
      instrument,
      basePrice: 4500,
      balance: 1_000_000,
      async setPrice(price) {
        clock.time += 1000;
        venue.onTick({ ts: clock.now(), symbol: instrument.symbol, price });
      },
    };
  };
}

describeVenueContract('paper', paperHarness());
describeVenueContract('paper with partial fills', paperHarness({ partialFills: { maxQuantityPerTick: 1 } }));
