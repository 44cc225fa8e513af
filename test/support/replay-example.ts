import { Writable } from 'node:stream';
import { createCsvTickSource } from '../../src/adapters/market-data/csv-ticks.ts';
import { loadConfig } from '../../src/app/config/load.ts';
import { loadEdges } from '../../src/app/edges-file.ts';
import { runReplay } from '../../src/app/replay.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';

/** Replays a config over a ticks file (and an edges file) in process; the JSONL lines it printed. */
export async function replayLines(config: string, ticks: string, edgesFile?: string): Promise<string[]> {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const loaded = await loadConfig(config);
  await runReplay({
    config: loaded,
    source: createCsvTickSource(ticks),
    out,
    now: () => 0,
    ...(edgesFile !== undefined ? { edges: await loadEdges(edgesFile, loaded) } : {}),
  });
  return text.trimEnd().split('\n');
}

/** The events of a replay, without candles. */
export async function replayExample(config: string, ticks: string, edgesFile?: string): Promise<Envelope[]> {
  const lines = await replayLines(config, ticks, edgesFile);
  return lines.map((l) => JSON.parse(l) as Envelope).filter((e) => e.type !== 'Market.Candle.Closed.v1');
}
