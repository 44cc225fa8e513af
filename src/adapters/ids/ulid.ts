import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { monotonicFactory } from 'ulid';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';

/**
 * ULIDs whose time part is the engine clock's time. With a seed the random part comes from a
 * seeded PRNG, so a replay on a simulated clock produces the same ids every run; without one it
 * comes from the platform's crypto source. Monotonic: ids made in the same millisecond still sort.
 */
export function createUlidGenerator(options: { clock: Clock; seed?: number }): IdGenerator {
  const { clock, seed } = options;
  let factory: (time?: number) => string;
  if (seed === undefined) {
    factory = monotonicFactory();
  } else {
    const rng = xoroshiro128plus(seed);
    factory = monotonicFactory(() => unsafeUniformIntDistribution(0, 0x7fffffff, rng) / 0x80000000);
  }
  return { next: () => factory(clock.now()) };
}
