import type { Clock } from '../../../ports/clock.ts';
import type { ExecutionReport } from '../../../ports/venue.ts';
import { paperError } from './errors.ts';

/** A scripted loss of the connection to the paper venue, on the engine clock. */
export interface Outage {
  /** Epoch ms when the connection drops. */
  readonly from: number;
  /** Epoch ms when it is back. */
  readonly to: number;
}

type ConnectionListener = (connected: boolean, message: string) => void;

/**
 * The paper venue's connection, down during scripted outages so that a backtest or a drill can
 * show what a real venue outage does: every call fails as a transient error (so exits and
 * entries retry with backoff), the ConnectionLoss rule hears of it, and the venue keeps matching
 * the orders that rest at it (the exchange does not stop because the client lost it) while the
 * reports of what filled wait, to be delivered in order when the connection is back, before the
 * venue says it is connected again.
 */
export class PaperConnection {
  private down: Outage | undefined;
  private readonly held: ExecutionReport[] = [];
  private readonly listeners = new Set<ConnectionListener>();
  private readonly cancels: (() => void)[] = [];

  constructor(
    clock: Clock,
    outages: readonly Outage[],
    private readonly deliver: (report: ExecutionReport) => void,
  ) {
    for (const o of [...outages].sort((a, b) => a.from - b.from)) {
      this.cancels.push(clock.schedule(o.from, () => this.drop(o)));
      this.cancels.push(clock.schedule(o.to, () => this.restore(o)));
    }
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
    if (this.down === undefined) this.deliver(report);
    else this.held.push(report);
  }

  onConnection(listener: ConnectionListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    for (const cancel of this.cancels.splice(0)) cancel();
    this.listeners.clear();
  }

  private drop(o: Outage): void {
    this.down = o;
    const seconds = Math.round((o.to - o.from) / 1000);
    this.tell(false, `paper venue outage for ${seconds} s (scripted)`);
  }

  private restore(o: Outage): void {
    if (this.down !== o) return;
    this.down = undefined;
    const held = this.held.splice(0);
    for (const report of held) this.deliver(report);
    this.tell(true, `paper venue reachable again; ${held.length} report(s) delivered on reconnection`);
  }

  private tell(connected: boolean, message: string): void {
    for (const listener of [...this.listeners]) listener(connected, message);
  }
}
