/**
 * How a membership group spreads its partitions: round robin over the members' ids in sorted
 * order, partition `p` to the `(p mod n)`-th member. Deterministic, so every transport (and every
 * process of a broker transport) computes the same assignment from the same membership.
 * Returns, for each partition from 0, the id of the member that gets it (none when no members).
 */
export function roundRobin(members: Iterable<string>, partitions: number): Array<string | undefined> {
  const sorted = [...new Set(members)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Array.from({ length: partitions }, (_, p) =>
    sorted.length === 0 ? undefined : sorted[p % sorted.length],
  );
}
