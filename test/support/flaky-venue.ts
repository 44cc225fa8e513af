import { VenueError } from '../../src/domain/errors.ts';
import type { Order, OrderRequest } from '../../src/domain/order.ts';
import type { OrderChanges, Venue } from '../../src/ports/venue.ts';

/** Wraps a venue: while `down`, every call fails with a transient network error. */
export class FlakyVenue implements Venue {
  down = false;
  /** The next placement is refused as a rejection. */
  rejectNext = false;
  readonly placeCalls: string[] = [];

  constructor(private readonly inner: Venue) {}

  get name(): string {
    return this.inner.name;
  }

  get capabilities() {
    return this.inner.capabilities;
  }

  private check(): void {
    if (this.down) throw new VenueError('transient', 'NETWORK', 'connection reset');
  }

  async placeOrder(request: OrderRequest): Promise<Order> {
    this.placeCalls.push(request.clientOrderId);
    this.check();
    if (this.rejectNext) {
      this.rejectNext = false;
      throw new VenueError('rejected', 'INSUFFICIENT_BALANCE', 'no margin');
    }
    return this.inner.placeOrder(request);
  }

  async cancelOrder(accountId: string, clientOrderId: string): Promise<Order> {
    this.check();
    return this.inner.cancelOrder(accountId, clientOrderId);
  }

  async replaceOrder(accountId: string, clientOrderId: string, changes: OrderChanges): Promise<Order> {
    this.check();
    return this.inner.replaceOrder(accountId, clientOrderId, changes);
  }

  get clientOrderIds() {
    return this.inner.clientOrderIds;
  }

  async connect(): Promise<void> {
    this.check();
    return this.inner.connect();
  }

  async order(accountId: string, clientOrderId: string): Promise<Order | undefined> {
    this.check();
    return this.inner.order(accountId, clientOrderId);
  }

  fills(accountId: string, since?: number) {
    return this.inner.fills(accountId, since);
  }

  balances(accountId: string) {
    return this.inner.balances(accountId);
  }

  instruments() {
    return this.inner.instruments();
  }

  onConnection(listener: Parameters<Venue['onConnection']>[0]) {
    return this.inner.onConnection(listener);
  }

  openOrders(accountId: string) {
    return this.inner.openOrders(accountId);
  }

  positions(accountId: string) {
    return this.inner.positions(accountId);
  }

  onExecution(listener: Parameters<Venue['onExecution']>[0]) {
    return this.inner.onExecution(listener);
  }

  close() {
    return this.inner.close();
  }
}
