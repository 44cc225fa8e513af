import { latencyScenario } from './latency.ts';
import { memoryScenario } from './memory.ts';
import { notifyScenario } from './notify.ts';
import { replayScenario } from './replay.ts';
import { replayStoreScenario } from './replay-store.ts';
import { riskScenario } from './risk.ts';
import { stopoutScenario } from './stopout.ts';
import { storeScenario } from './store.ts';
import { triggersScenario } from './triggers.ts';

/**
 * A benchmark scenario returns its figures, or one set per variant measured (the store scenario:
 * one per database); `main.ts` adds the scenario name and core count and prints a line for each.
 */
export type Scenario = () => Promise<Record<string, Figure> | Array<Record<string, Figure>>>;

/** One figure of a scenario's output: a number, a note, or a small table (targets, met). */
export type Figure = number | string | { readonly [name: string]: number | boolean };

export const scenarios: Record<string, Scenario> = {
  replay: replayScenario,
  triggers: triggersScenario,
  memory: memoryScenario,
  latency: latencyScenario,
  stopout: stopoutScenario,
  risk: riskScenario,
  store: storeScenario,
  'replay-store': replayStoreScenario,
  notify: notifyScenario,
};
