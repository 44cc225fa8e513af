import { replayScenario } from './replay.ts';

/** A benchmark scenario returns its figures; `main.ts` adds the scenario name and core count. */
export type Scenario = () => Promise<Record<string, number | string>>;

export const scenarios: Record<string, Scenario> = {
  replay: replayScenario,
};
