/**
 * Waits until `condition` holds, yielding to the event loop between checks (never sleeping on
 * the wall clock). Fails after `maxTurns` turns so a broken condition cannot hang a test.
 */
export async function eventually(condition: () => boolean, maxTurns = 10_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition not met after ${maxTurns} event-loop turns`);
}
