import { VenueError } from '../../domain/errors.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { addQty } from '../../domain/money.ts';
import type { Order } from '../../domain/order.ts';
import type { Position } from '../../domain/position.ts';
import type { Clock } from '../../ports/clock.ts';
import type { ExecutionReport } from '../../ports/venue.ts';
import type { EventFactory } from '../event-factory.ts';
import type { BookView, OrderGateway } from '../trading.ts';
import type { ExitMemory } from './exit-memory.ts';
import { ExitRegistry } from './exit-registry.ts';
import {
  describeError,
  type ExitAlertCode,
  type ExitRequest,
  type ExitStatus,
  exitAlert,
  exitMeta,
  exitOrderId,
  exitQuantity,
  exitRequest,
  isLive,
  isTransient,
  leftoversOf,
  newExit,
  type Step,
  statusOf,
  type Target,
  upgradeExit,
  type WorkingExit,
} from './exit-state.ts';

export type { ExitMemory } from './exit-memory.ts';
export type { ExitRequest, ExitStatus } from './exit-state.ts';

export interface ExecutionServiceOptions {
  /** The engine clock: every timeout and retry is scheduled on it, never on the wall clock. */
  readonly clock: Clock;
  readonly engine: BookView & OrderGateway;
  /** Builds the service's own events (alerts). */
  readonly events: EventFactory;
  /** Where alerts go, normally the engine's sink. */
  readonly emit: (envelope: Envelope) => void;
  /** Backoff after a transient venue error: first delay, doubled per retry up to the cap. */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Called when an exit ends, however it ended, so the monitor can re-arm a position still open. */
  readonly onReleased?: (positionId: string) => void;
}

const MARKET: Target = { kind: 'market' };
const GIVE_UP: Target = { kind: 'give_up' };

/**
 * Carries out exits with the escalation of the exit table (DESIGN.md "Exits"):
 * - `immediate_market`: a reduce-only market order; a transient venue error is retried with the
 *   SAME client order id after a backoff (250 ms doubling, capped at 2 s), so a retry can never
 *   double an exit. Unfilled at each timeout, it raises `EXIT_FAILED` (critical) and keeps going.
 * - `walk_then_market`: a limit at the style's price; at each timeout it cancels and places the
 *   next order (a new attempt) one walk more aggressive, priced from the quote at that moment,
 *   with the quantity still to exit; after the last walk it goes to market as above.
 * - `walk_price` / `walk_slowly`: the same walks, then it cancels, raises `EXIT_FAILED` (warning)
 *   and releases the position, which stays open and can be exited again.
 * A rejected order raises `EXIT_REJECTED` and releases. One exit per position: a second request
 * is ignored, except that a CRITICAL request upgrades a working limit exit, which cancels its
 * order and goes to market with the new condition (the old one joins the conflicting triggers).
 * Nothing here rate-limits orders, so emergency exits are never held back.
 *
 * Exit order ids are `{positionId}-x{n}-{a}`: the n-th exit of the position, its a-th order. The
 * counts and the working exits survive a restart through `memory()` and `restore()`, so an id is
 * never used twice for two orders, even across restarts.
 */
export class ExecutionService {
  private readonly exits = new ExitRegistry();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;
  private readonly initialRetryMs: number;
  private readonly maxRetryMs: number;

  constructor(private readonly options: ExecutionServiceOptions) {
    this.initialRetryMs = options.retry?.initialMs ?? 250;
    this.maxRetryMs = options.retry?.maxMs ?? 2_000;
    this.unsubscribe = options.engine.onExecutionApplied((report) => this.onReport(report));
  }

  /**
   * Starts exiting a position. False when there is nothing to do: the position is no longer
   * open, the quantity rounds down to zero lots, or an exit of it is already working (unless
   * this request upgrades it, see the class comment).
   */
  exit(request: ExitRequest): boolean {
    const { position, condition } = request;
    const current = this.positionOf(position.accountId, position.symbol);
    if (current === undefined || current.id !== position.id) return false;
    const working = this.exits.get(position.id);
    if (working !== undefined) return this.upgrade(working, request, current);
    const instrument = this.options.engine.instrument(position.symbol);
    if (instrument === undefined) return false;
    const quantity = exitQuantity(instrument, request.quantity, current.quantity);
    if (quantity <= 0) return false;
    const exitNumber = this.exits.count(position.id) + 1;
    this.exits.setCount(position.accountId, position.symbol, position.id, exitNumber);
    const exit = newExit({
      position: current,
      instrument,
      exitNumber,
      startedAt: this.options.clock.now(),
      condition,
      conflicting: request.conflicting ?? [],
      cause: request.cause,
      quantity,
      retryDelayMs: this.initialRetryMs,
    });
    this.exits.add(exit);
    this.transition(exit, exit.spec.style === 'market' ? MARKET : { kind: 'limit', walk: 0 });
    return true;
  }

  /** True while an exit of the position is working. */
  isExiting(positionId: string): boolean {
    return this.exits.get(positionId) !== undefined;
  }

  /** Stops working the exit of a position and cancels its order. False when none was working. */
  cancel(positionId: string): boolean {
    const exit = this.exits.get(positionId);
    if (exit === undefined) return false;
    this.finish(exit);
    return true;
  }

  /** The exits working now, for status and snapshots. */
  active(): ExitStatus[] {
    return [...this.exits.all()].map(statusOf);
  }

  /**
   * Resolves once no venue call of any exit is under way (a waiting retry or timeout is not
   * one): for a replay's end or a shutdown.
   */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Stops listening and drops every timer; orders at the venue are left as they are. */
  stop(): void {
    this.unsubscribe();
    for (const exit of this.exits.all()) {
      exit.done = true;
      exit.timeout?.();
      exit.retryTimer?.();
    }
    this.exits.clear();
  }

  /**
   * What to keep across a restart, as plain JSON: the exit counts of the open positions and the
   * exits working now (see `ExitMemory`). Take it with the order gateway's `orderMemory()`.
   */
  memory(): ExitMemory {
    return this.exits.memory((id) => this.options.engine.positionById(id) !== undefined);
  }

  /**
   * Takes back what `memory()` gave, after the engine restored its positions and order memory and
   * before the first tick. Each remembered exit goes on where it was (a step under way is sent again
   * with the same client order id; timeouts keep their deadlines); one whose position is flat ends.
   */
  restore(memory: ExitMemory): void {
    for (const exit of this.exits.restore(memory, this.options.engine)) this.resume(exit);
  }

  private upgrade(exit: WorkingExit, request: ExitRequest, current: Position): boolean {
    if (!upgradeExit(exit, request, current)) return false;
    this.transition(exit, MARKET);
    return true;
  }

  /** Moves to the next order (or to giving up): a new attempt that first cancels what may work. */
  private transition(exit: WorkingExit, target: Target): void {
    exit.retryTimer?.();
    exit.retryTimer = undefined;
    exit.retryAt = undefined;
    const enteringMarket = target.kind === 'market' && exit.phase !== 'market';
    // At market the timeout is the alert period: a re-placed market order does not restart it.
    if (target.kind !== 'market' || enteringMarket) {
      exit.timeout?.();
      exit.timeout = undefined;
      exit.timeoutAt = undefined;
    }
    const cancel = [...(exit.step?.cancel ?? [])];
    if (exit.step?.sent && exit.step.clientOrderId !== undefined) cancel.push(exit.step.clientOrderId);
    if (exit.working !== undefined && !exit.ended.has(exit.working.clientOrderId)) {
      cancel.push(exit.working.clientOrderId);
    }
    let clientOrderId: string | undefined;
    if (target.kind !== 'give_up') {
      exit.attempt += 1;
      clientOrderId = exitOrderId(exit);
      exit.orderIds.add(clientOrderId);
    }
    if (target.kind === 'limit') exit.walks = target.walk;
    if (target.kind === 'market') exit.phase = 'market';
    exit.step = { target, clientOrderId, cancel: [...new Set(cancel)], sent: false };
    exit.retryDelayMs = this.initialRetryMs;
    if (target.kind === 'limit' || enteringMarket) this.armTimeout(exit);
    const step = exit.step;
    this.enqueue(exit, () => this.runStep(exit, step));
  }

  private armTimeout(exit: WorkingExit, at = this.options.clock.now() + exit.spec.timeoutMs): void {
    exit.timeoutAt = at;
    exit.timeout = this.options.clock.schedule(at, () => this.onTimeout(exit));
  }

  /**
   * A restored exit takes up its work where it was: its timeout and its retry keep their times,
   * a step under way runs again (same client order id); else it waits on its working order.
   */
  private resume(exit: WorkingExit): void {
    if (this.completeIfDone(exit)) return;
    const now = this.options.clock.now();
    if (exit.timeoutAt !== undefined) this.armTimeout(exit, Math.max(exit.timeoutAt, now));
    const step = exit.step;
    const again =
      step !== undefined
        ? () => this.enqueue(exit, () => this.runStep(exit, step))
        : () => this.transition(exit, MARKET);
    if (exit.retryAt !== undefined) this.retryAt(exit, Math.max(exit.retryAt, now), again);
    else if (step !== undefined) again();
  }

  /** Runs `then` once the exit's backoff (doubled each time, up to the cap) has passed. */
  private backoff(exit: WorkingExit, then: () => void): void {
    const delay = exit.retryDelayMs;
    exit.retryDelayMs = Math.min(delay * 2, this.maxRetryMs);
    this.retryAt(exit, this.options.clock.now() + delay, then);
  }

  private retryAt(exit: WorkingExit, at: number, then: () => void): void {
    exit.retryAt = at;
    exit.retryTimer = this.options.clock.schedule(at, () => {
      exit.retryAt = undefined;
      if (!exit.done) then();
    });
  }

  private onTimeout(exit: WorkingExit): void {
    if (exit.done) return;
    exit.timeout = undefined;
    exit.timeoutAt = undefined;
    if (exit.phase === 'market') {
      const elapsed = this.options.clock.now() - exit.startedAt;
      this.alert(exit, 'EXIT_FAILED', 'critical', `exit not filled after ${elapsed} ms; still trying`);
      this.armTimeout(exit);
      return;
    }
    this.advance(exit);
  }

  /** The escalation step after an unfilled limit: walk, go to market, or give up. */
  private advance(exit: WorkingExit): void {
    if (exit.walks < exit.spec.walks) this.transition(exit, { kind: 'limit', walk: exit.walks + 1 });
    else this.transition(exit, exit.spec.escalation === 'walk_then_market' ? MARKET : GIVE_UP);
  }

  private enqueue(exit: WorkingExit, work: () => Promise<void>): void {
    const chain = exit.chain.then(work).catch((error: unknown) => {
      this.alert(exit, 'EXIT_FAILED', 'critical', `exit crashed: ${describeError(error)}`);
      if (!exit.done) this.finish(exit);
    });
    exit.chain = chain;
    this.inFlight.add(chain);
    void chain.finally(() => this.inFlight.delete(chain));
  }

  private async runStep(exit: WorkingExit, step: Step): Promise<void> {
    if (exit.done || exit.step !== step) return;
    exit.retryTimer = undefined;
    try {
      while (step.cancel.length > 0) {
        await this.cancelOrder(exit, step.cancel[0]!);
        step.cancel.shift();
        if (exit.done || exit.step !== step) return;
      }
      if (this.completeIfDone(exit)) return;
      if (step.target.kind === 'give_up') {
        this.alert(
          exit,
          'EXIT_FAILED',
          'warning',
          `exit gave up after ${exit.walks} walks; position left open`,
        );
        this.finish(exit);
        return;
      }
      if (step.request === undefined) {
        const open = this.positionOf(exit.accountId, exit.symbol)?.quantity ?? 0;
        const quote = this.options.engine.lastTick(exit.symbol);
        const request = exitRequest(exit, step.target, step.clientOrderId!, open, quote);
        if (request === undefined) {
          this.fail(exit, 'EXIT_FAILED', `no price for ${exit.symbol} to place an exit limit at`);
          return;
        }
        if (request.limitPrice !== undefined) exit.lastLimitPrice = request.limitPrice;
        step.request = request;
      }
      step.sent = true;
      exit.sends += 1;
      const order = await this.options.engine.placeOrder(step.request, exitMeta(exit));
      this.placed(exit, step, order);
    } catch (error) {
      this.stepFailed(exit, step, error);
    }
  }

  private placed(exit: WorkingExit, step: Step, order: Order | undefined): void {
    if (order !== undefined && !isLive(order)) exit.ended.add(order.clientOrderId);
    if (exit.done) {
      // Released (or flat) while the order was on its way: take it back.
      if (order !== undefined && isLive(order)) this.cancelLeftovers(exit, [order.clientOrderId]);
      return;
    }
    if (exit.step !== step) return; // Superseded: the newer step cancels this order first.
    exit.step = undefined;
    exit.retryDelayMs = this.initialRetryMs;
    if (order === undefined) {
      exit.ended.add(step.clientOrderId!);
      if (!this.completeIfDone(exit)) this.fail(exit, 'EXIT_REJECTED', 'the venue rejected the exit order');
      return;
    }
    exit.working = {
      clientOrderId: order.clientOrderId,
      ...(order.limitPrice !== undefined ? { limitPrice: order.limitPrice } : {}),
    };
    if (order.status === 'rejected') this.fail(exit, 'EXIT_REJECTED', 'the venue rejected the exit order');
    else if (order.status === 'cancelled') this.orderLost(exit);
    else this.completeIfDone(exit);
  }

  private stepFailed(exit: WorkingExit, step: Step, error: unknown): void {
    if (exit.done || exit.step !== step) return;
    exit.lastError = describeError(error);
    if (!isTransient(error)) {
      this.fail(exit, 'EXIT_FAILED', `exit order failed: ${exit.lastError}`);
      return;
    }
    exit.retries += 1;
    this.backoff(exit, () => this.enqueue(exit, () => this.runStep(exit, step)));
  }

  /** Cancels one of the exit's orders; "nothing to cancel" (a rejection) counts as done. */
  private async cancelOrder(exit: WorkingExit, clientOrderId: string): Promise<void> {
    exit.cancelling.add(clientOrderId);
    try {
      await this.options.engine.cancelOrder(exit.accountId, clientOrderId);
    } catch (error) {
      if (!(error instanceof VenueError && error.retry === 'rejected')) throw error;
    }
    exit.ended.add(clientOrderId);
  }

  private onReport(report: ExecutionReport): void {
    const { accountId, symbol, clientOrderId } = report.order;
    if (report.kind === 'fill') {
      this.exits.pruneCounts(accountId, symbol, (id) => this.options.engine.positionById(id) !== undefined);
    }
    const concerned = this.exits.concerning(accountId, symbol);
    if (concerned === undefined) return;
    for (const exit of [...concerned]) {
      const ours = exit.orderIds.has(clientOrderId);
      if (ours && !isLive(report.order)) exit.ended.add(clientOrderId);
      if (report.kind === 'fill') {
        if (ours) exit.filled = addQty(exit.filled, report.fill.quantity);
        this.completeIfDone(exit);
        continue;
      }
      // Reports of an order still being placed are handled when its placement returns.
      if (exit.working?.clientOrderId !== clientOrderId || exit.step !== undefined) continue;
      if (report.kind === 'rejected') this.fail(exit, 'EXIT_REJECTED', report.message);
      else if (!exit.cancelling.has(clientOrderId)) this.orderLost(exit);
    }
  }

  /** The venue cancelled the working order on its own: place the next one. */
  private orderLost(exit: WorkingExit): void {
    if (this.completeIfDone(exit)) return;
    if (exit.phase !== 'market') {
      this.advance(exit);
      return;
    }
    // After a backoff, so that a venue that keeps cancelling cannot make us spin.
    this.backoff(exit, () => this.transition(exit, MARKET));
  }

  /** Ends the exit when the position is flat or the exit quantity has filled. */
  private completeIfDone(exit: WorkingExit): boolean {
    if (exit.done) return true;
    const position = this.positionOf(exit.accountId, exit.symbol);
    if (position?.id === exit.positionId && exit.filled < exit.quantity) return false;
    this.finish(exit);
    return true;
  }

  private fail(exit: WorkingExit, code: ExitAlertCode, message: string): void {
    const critical = exit.spec.priority === 'CRITICAL' || exit.phase === 'market';
    this.alert(exit, code, critical ? 'critical' : 'warning', message);
    this.finish(exit);
  }

  /** Releases the position and cancels whatever of the exit may still be working. */
  private finish(exit: WorkingExit): void {
    if (exit.done) return;
    exit.done = true;
    exit.timeout?.();
    exit.retryTimer?.();
    this.exits.remove(exit);
    this.options.onReleased?.(exit.positionId);
    this.cancelLeftovers(exit, leftoversOf(exit));
  }

  private cancelLeftovers(exit: WorkingExit, clientOrderIds: readonly string[]): void {
    for (const id of new Set(clientOrderIds)) {
      this.enqueue(exit, async () => {
        try {
          await this.cancelOrder(exit, id);
        } catch (error) {
          this.alert(
            exit,
            'EXIT_CANCEL_FAILED',
            'warning',
            `could not cancel ${id}: ${describeError(error)}`,
          );
        }
      });
    }
  }

  private alert(exit: WorkingExit, code: ExitAlertCode, severity: 'warning' | 'critical', message: string) {
    this.options.emit(exitAlert(this.options.events, exit, code, severity, message));
  }

  private positionOf(accountId: string, symbol: string): Position | undefined {
    return this.options.engine.account(accountId)?.positions.get(symbol);
  }
}
