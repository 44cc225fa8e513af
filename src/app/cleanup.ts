/**
 * Release steps of something being started (timers, listeners, sockets, a store), run in the
 * reverse order of their adding, each once, whatever the others do. A start that fails half-way
 * runs the steps added so far, so nothing it opened keeps the process alive.
 */
export class CleanupStack {
  private readonly steps: { readonly name: string; readonly run: () => unknown }[] = [];

  /** Adds a step, to run before every step added earlier. `name` says what it does, for errors. */
  add(name: string, run: () => unknown): void {
    this.steps.push({ name, run });
  }

  /** Runs every step added so far, last first; a failing step is reported and the rest still run. */
  async run(onError: (step: string, error: unknown) => void): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        onError(step.name, error);
      }
    }
  }
}
