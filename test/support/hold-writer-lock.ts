/*
 * A process that takes a store's writer lock and holds it until it is killed, for the tests of a
 * lock left by a dead holder. Run as `node --import tsx test/support/hold-writer-lock.ts <spec>`;
 * it prints `locked <pid>` once it holds the lock.
 */
import { openEventStore } from '../../src/adapters/stores/open-store.ts';

const spec = process.argv[2];
if (spec === undefined) throw new Error('usage: hold-writer-lock.ts <store spec>');
const store = await openEventStore(spec);
const lock = await store.lockWriter({ command: 'hold-writer-lock' });
process.stdout.write(`locked ${process.pid}\n`);
// Held until killed: the test ends this process with SIGKILL, so nothing is released by hand.
// The timer keeps the store and its lock reachable: a collected connection would let go of it.
setInterval(() => void [store, lock], 1 << 30);
