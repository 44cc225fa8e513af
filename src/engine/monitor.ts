/**
 * The monitor, as the rest of the engine imports it. It lives in `./monitor/` split along its
 * ideas: `monitor.ts` (the orchestrator), `index-upkeep.ts`, `router.ts`, `agent-handler.ts`,
 * `exit-stages.ts`, `time-decay.ts`, `low-summaries.ts` and `types.ts`.
 */
export { Monitor } from './monitor/monitor.ts';
export type {
  ExitExecutor,
  MonitorOptions,
  PendingStage,
  RestoredMemory,
  RulesFallback,
} from './monitor/types.ts';
