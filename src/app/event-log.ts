import { asWardenEvent } from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import { describeEvent } from './event-lines.ts';
import type { Logger } from './logger.ts';

/** The fields of a log line about a position, an account or a symbol (JSON lines carry them). */
export interface LogFields {
  readonly event?: string;
  readonly eventId?: string;
  readonly positionId?: string;
  readonly accountId?: string;
  readonly symbol?: string;
  /** How many times this cause was logged, for a repeated refusal. */
  readonly repeats?: number;
  /** A time decay that fired at start: the position's age then and its limit, in hours. */
  readonly decayedAtStart?: { readonly ageHours: number; readonly limitHours: number };
}

/**
 * The position, account and symbol an event is about, with its type and id. Read by shape: many
 * types carry them, and so may a type this Warden does not know.
 */
export function eventFields(e: Envelope): LogFields {
  const d = e.data;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const positionId = text(d.positionId);
  const accountId = text(d.accountId);
  const symbol = text(d.symbol);
  return {
    event: e.type,
    eventId: e.id,
    ...(positionId !== undefined ? { positionId } : {}),
    ...(accountId !== undefined ? { accountId } : {}),
    ...(symbol !== undefined ? { symbol } : {}),
  };
}

export interface EventLogOptions {
  /** When the daemon started (epoch ms). */
  readonly startedAt?: number;
  /** The time decay limit of a watched position, in hours (the monitor's). */
  readonly timeDecayHours?: (positionId: string) => number | undefined;
}

/**
 * The daemon's log of events: one readable line per event worth one (see event-lines.ts), with
 * the event's position, account and symbol as fields. A refusal (an order denied, an edge refused)
 * is logged at its level the first time for its cause (account, symbol, reason), then at debug
 * with a count, so a cause that lasts does not fill the log; an entry accepted on the account and
 * symbol ends the cause. A time decay that fired at start, because the position was already older
 * than its limit when the daemon started, says so.
 */
export class EventLog {
  private readonly repeats = new Map<string, number>();
  /** What a line adds to an event's text and fields, by event id, found as it was emitted. */
  private readonly notes = new Map<string, { readonly text: string; readonly fields: LogFields }>();

  constructor(
    private readonly logger: Pick<Logger, 'debug' | 'info' | 'warn'>,
    private readonly options: EventLogOptions = {},
  ) {}

  /**
   * Hears an event as it is emitted, before it is printed: the position it is about is still
   * watched then (a decay may close it before its line is printed).
   */
  emitted(envelope: Envelope): void {
    const e = asWardenEvent(envelope);
    if (e.type !== 'Position.Time.Decayed.v1' || this.options.startedAt === undefined) return;
    const limit = this.options.timeDecayHours?.(e.data.positionId);
    const openedAt = Date.parse(e.data.openedAt);
    if (limit === undefined || Number.isNaN(openedAt)) return;
    const startedAt = this.options.startedAt;
    if (openedAt + limit * 3_600_000 >= startedAt) return;
    const age = Math.round(((startedAt - openedAt) / 3_600_000) * 10) / 10;
    this.notes.set(e.id, {
      text: `; fired at start: the position was already ${age} h old when warden started, past its ${limit} h time limit`,
      fields: { decayedAtStart: { ageHours: age, limitHours: limit } },
    });
  }

  print(e: Envelope): void {
    const described = describeEvent(e);
    if (described === undefined) return;
    const note = this.notes.get(e.id);
    if (note !== undefined) this.notes.delete(e.id);
    const line = note === undefined ? described : { ...described, text: `${described.text}${note.text}` };
    const fields = { ...eventFields(e), ...note?.fields };
    const cause = this.causeOf(e, fields);
    if (cause === undefined) {
      this.logger[line.level](fields, line.text);
      return;
    }
    const n = (this.repeats.get(cause) ?? 0) + 1;
    this.repeats.set(cause, n);
    if (n === 1) this.logger[line.level](fields, `${line.text} (repeats are logged at debug)`);
    else this.logger.debug({ ...fields, repeats: n }, `${line.text} (${n} times)`);
  }

  /**
   * The cause of a repeating refusal, or undefined for any other event (which may end a cause).
   * Refusals repeat as long as their cause lasts: the demo asks for the same entry every few
   * seconds, and an entry too small for a lot is refused every time.
   */
  private causeOf(envelope: Envelope, fields: LogFields): string | undefined {
    const e = asWardenEvent(envelope);
    if (e.type !== 'Risk.Order.Denied.v1' && e.type !== 'Entry.Edge.Evaluated.v1') return undefined;
    const where = `${fields.accountId ?? ''}\u0000${fields.symbol ?? ''}\u0000`;
    if (e.type === 'Entry.Edge.Evaluated.v1' && e.data.decision === 'ENTER') {
      for (const key of this.repeats.keys()) if (key.startsWith(where)) this.repeats.delete(key);
      return undefined;
    }
    return `${where}${e.type}\u0000${e.data.reason}`;
  }
}
