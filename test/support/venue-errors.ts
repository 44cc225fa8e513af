import { VenueError } from '../../src/domain/errors.ts';

/** Awaits a promise that must reject with a VenueError, and returns that error. */
export async function rejection(promise: Promise<unknown>): Promise<VenueError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof VenueError)) throw new Error(`expected a VenueError, got ${String(error)}`);
  return error;
}
