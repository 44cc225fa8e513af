import { WardenError } from '../../domain/errors.ts';
import type { DeliveryOptions, SubscribeOptions } from '../../ports/transport.ts';

const DEFAULT_MAX_ATTEMPTS = 5;

/** Backoff before retry n (1-based): 10·2^(n−1) ms, capped at 1 s. */
export const defaultBackoff = (attempt: number): number => Math.min(10 * 2 ** (attempt - 1), 1_000);

/** Subscribe options checked, with their defaults filled in. */
export interface CheckedSubscribeOptions {
  /** A static set of partitions (ascending), or a member id of a membership group. */
  readonly holds:
    | { readonly kind: 'static'; readonly partitions: readonly number[] }
    | { readonly kind: 'member'; readonly member: string };
  readonly maxAttempts: number;
  readonly backoffMs: (attempt: number) => number;
  readonly fromOffset: number | undefined;
  readonly onAssigned: DeliveryOptions['onAssigned'];
  readonly onRevoked: DeliveryOptions['onRevoked'];
  readonly onError: DeliveryOptions['onError'];
}

function invalid(group: string, problem: string, details: Record<string, unknown> = {}): WardenError {
  return new WardenError(
    'WARDEN_TRANSPORT_SUBSCRIBE_INVALID',
    `cannot subscribe to group ${group}: ${problem}`,
    {
      group,
      ...details,
    },
  );
}

/**
 * Checks what a transport can check of `subscribe`'s options without looking at the group (ids,
 * ranges, numbers), for a transport of `partitions` partitions. Throws
 * `WARDEN_TRANSPORT_SUBSCRIBE_INVALID` naming the problem.
 */
export function checkSubscribeOptions(
  group: string,
  partitions: number,
  options: SubscribeOptions = {},
): CheckedSubscribeOptions {
  if (group === '') throw invalid(group, 'the group name is empty');
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw invalid(group, `maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  const fromOffset = options.fromOffset;
  if (fromOffset !== undefined && (!Number.isInteger(fromOffset) || fromOffset < 0)) {
    throw invalid(group, `fromOffset must be a non-negative integer, got ${fromOffset}`);
  }
  let holds: CheckedSubscribeOptions['holds'];
  if (options.member !== undefined) {
    if (options.partitions !== undefined) {
      throw invalid(
        group,
        'give either partitions (a static assignment) or member (group membership), not both',
      );
    }
    if (typeof options.member !== 'string' || options.member === '') {
      throw invalid(group, 'the member id is empty');
    }
    holds = { kind: 'member', member: options.member };
  } else {
    const given = options.partitions === undefined ? undefined : [...options.partitions];
    const out = given?.filter((p) => !Number.isInteger(p) || p < 0 || p >= partitions) ?? [];
    if (out.length > 0) {
      throw invalid(group, `partitions ${out.join(', ')} are not in 0..${partitions - 1}`, {
        partitions: out,
      });
    }
    const held =
      given === undefined
        ? Array.from({ length: partitions }, (_, p) => p)
        : [...new Set(given)].sort((a, b) => a - b);
    holds = { kind: 'static', partitions: held };
  }
  return {
    holds,
    maxAttempts,
    backoffMs: options.backoffMs ?? defaultBackoff,
    fromOffset,
    onAssigned: options.onAssigned,
    onRevoked: options.onRevoked,
    onError: options.onError,
  };
}

/** The error for a subscription whose way of holding partitions does not fit its group now. */
export function subscribeConflict(
  group: string,
  problem: string,
  details: Record<string, unknown> = {},
): WardenError {
  return invalid(group, problem, details);
}
