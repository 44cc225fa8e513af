import type { CancelTimer, Clock } from '../../../ports/clock.ts';
import type { ConnectionEvent, ExecutionReport } from '../../../ports/venue.ts';
import { paperError } from './errors.ts';

/** A scripted loss of the connection to the paper venue, on the engine clock. */
// Sample: { from: 1735689660000, to: 1735689780000 }
export interface Outage {
  /** Epoch ms when the connection drops. */
  readonly from: number;
  /** Epoch ms when it is back. */
  readonly to: number;
}

type ConnectionListener = (event: ConnectionEvent) => void;

/**
 * The paper venue's connection, down during scripted outages so that a backtest or a drill can
 * show what a real venue outage does: every call fails as a transient error (so exits and
 * entries retry with backoff), the ConnectionLoss rule hears of it, and the venue keeps matching
 * the orders that rest at it (the exchange does not stop because the client lost it) while the
 * reports of what filled wait, to be delivered in order when the connection is back, before the
 * venue says it is connected again.
 *
 * With `redeliverFills` set, the reconnection also delivers again the last fills reported before
 * the drop (with their fill ids), oldest first and before the held reports: what a real venue's
 * resync after a reconnection does, so that a consumer shows it books each fill once.
 */
export class PaperConnection {
  private down: Outage | undefined;
  private readonly held: ExecutionReport[] = [];
  /** The latest fill reports delivered, for redelivery (only kept when `redeliverFills` > 0). */
  private readonly recent: ExecutionReport[] = [];
  private readonly listeners = new Set<ConnectionListener>();
  private readonly cancels = new Set<CancelTimer>();

  constructor(
    private readonly clock: Clock,
    outages: readonly Outage[],
    private readonly deliver: (report: ExecutionReport) => void,
    private readonly redeliverFills = 0,
  ) {
    for (const o of [...outages].sort((a, b) => a.from - b.from)) this.schedule(o);
  }

  /** True while no scripted outage holds the connection down. */
  get connected(): boolean {
    return this.down === undefined;
  }

  /** Scripts one more outage (both ends on the clock). */
  schedule(o: Outage): void {
    const once = (at: number, run: () => void) => {
      const cancel = this.clock.schedule(at, () => {
        this.cancels.delete(cancel);
        run();
      });
      this.cancels.add(cancel);
    };
    once(o.from, () => this.drop(o));
    once(o.to, () => this.restore(o));
  }

  /** Throws the transient error a call gets while the connection is down. */
  check(): void {
    const o = this.down;
    if (o === undefined) return;
    throw paperError(
      'VENUE_UNAVAILABLE',
      `the paper venue is unreachable (scripted outage until ${new Date(o.to).toISOString()})`,
      { until: new Date(o.to).toISOString() },
    );
  }

  /** Hands a report on now, or keeps it for the reconnection. */
  report(report: ExecutionReport): void {
    if (this.down === undefined) this.hand(report);
    else this.held.push(report);
  }

  onConnection(listener: ConnectionListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    this.listeners.clear();
  }

  private hand(report: ExecutionReport): void {
    if (this.redeliverFills > 0 && report.kind === 'fill') {
      this.recent.push(report);
      if (this.recent.length > this.redeliverFills) this.recent.shift();
    }
    this.deliver(report);
  }

  private drop(o: Outage): void {
    if (this.down !== undefined) {
      // Overlapping outages: the connection stays down until the later end.
      if (o.to > this.down.to) this.down = o;
      return;
    }
    this.down = o;
    const seconds = Math.round((o.to - o.from) / 1000);
    this.tell(false, `paper venue outage for ${seconds} s (scripted)`);
  }

  private restore(o: Outage): void {
    if (this.down !== o) return;
    this.down = undefined;
    const again = this.recent.splice(0);
    for (const report of again) this.deliver(report);
    this.recent.push(...again);
    const held = this.held.splice(0);
    for (const report of held) this.hand(report);
    const redelivered = again.length > 0 ? `, ${again.length} fill(s) delivered again` : '';
    this.tell(
      true,
      `paper venue reachable again; ${held.length} report(s) delivered on reconnection${redelivered}`,
    );
  }

  private tell(connected: boolean, message: string): void {
    const event: ConnectionEvent = { connected, message, at: this.clock.now() };
    for (const listener of [...this.listeners]) listener(event);
  }
}
