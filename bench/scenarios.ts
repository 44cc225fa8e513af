import { latencyScenario } from './latency.ts';
import { memoryScenario } from './memory.ts';
import { replayScenario } from './replay.ts';
import { stopoutScenario } from './stopout.ts';
import { triggersScenario } from './triggers.ts';

/** A benchmark scenario returns its figures; `main.ts` adds the scenario name and core count. */
export type Scenario = () => Promise<Record<string, number | string>>;

export const scenarios: Record<string, Scenario> = {
  replay: replayScenario,
  triggers: triggersScenario,
  memory: memoryScenario,
  latency: latencyScenario,
  stopout: stopoutScenario,
};
