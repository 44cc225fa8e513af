import { TriggerIndex } from '../src/domain/monitoring/trigger-index.ts';
import type { FiredTrigger } from '../src/domain/monitoring/types.ts';
import { newSpec, POSITIONS, random, SYMBOLS, symbolOf } from './triggers.ts';

/*
 * Memory per open position in the trigger index (DESIGN.md "Performance targets": ≤ 1 KB): the
 * growth of the V8 heap plus ArrayBuffer backing stores (the index's typed columns and heaps live
 * there, outside `heapUsed`) when 100,000 positions are added, after full collections. The specs
 * stay alive across the measurement, so the growth is what the index adds; the id strings, which
 * the index shares with its caller, are measured apart and added to `bytesPerPosition` anyway.
 */

type Gc = () => void;

function settle(gc: Gc): { heap: number; buffers: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

const NO_GC =
  'the memory scenario needs global.gc: run `node --expose-gc --import tsx bench/main.ts memory` ' +
  '(or add --expose-gc to the bench script in package.json)';

export async function memoryScenario(): Promise<Record<string, number | string>> {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc === undefined) {
    process.stderr.write(`error: ${NO_GC}\n`);
    return { error: NO_GC };
  }
  const rnd = random(7);
  const empty = settle(gc);
  // Fresh id strings, as a store or a venue would hand them over; the caller keeps them anyway.
  const ids: string[] = [];
  for (let i = 0; i < POSITIONS; i++) ids.push(`pos-${(1_000_000 + i).toString(36)}-${i}`);
  const withIds = settle(gc);
  const specs = ids.map((id, i) => newSpec(id, symbolOf(i), SYMBOLS[symbolOf(i)]!.start, rnd));
  const before = settle(gc);
  const index = new TriggerIndex();
  for (const spec of specs) index.add(spec);
  const added = settle(gc);

  // After trading: trailing stops active, levels fired, latches set — memory must not grow.
  const out: FiredTrigger[] = [];
  const walk = random(8);
  const prices = SYMBOLS.map((s) => s.start);
  for (let i = 0; i < 200_000; i++) {
    const s = i % SYMBOLS.length;
    prices[s] = Math.round(prices[s]! * (1 + (walk() - 0.5) * 4e-4) * SYMBOLS[s]!.m) / SYMBOLS[s]!.m;
    index.onTick(SYMBOLS[s]!.symbol, prices[s]!, out);
    out.length = 0;
  }
  const traded = settle(gc);

  const total = (m: { heap: number; buffers: number }) => m.heap + m.buffers;
  const perPosition = (bytes: number) => Math.round(bytes / POSITIONS);
  const idBytes = total(withIds) - total(empty);
  return {
    positions: index.size,
    bytesPerPosition: perPosition(total(added) - total(before) + idBytes),
    indexBytesPerPosition: perPosition(total(added) - total(before)),
    idStringBytesPerPosition: perPosition(idBytes),
    heapBytesPerPosition: perPosition(added.heap - before.heap),
    arrayBufferBytesPerPosition: perPosition(added.buffers - before.buffers),
    bytesPerPositionAfterTicks: perPosition(total(traded) - total(before) + idBytes),
    specsAlive: specs.length,
  };
}
