import pg from 'pg';

/** The channel the `positions` insert trigger notifies on (see migrations/001_init.sql). */
export const POSITIONS_CHANNEL = 'warden_positions';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * A LISTEN on a dedicated connection (a pool connection would be handed to other work between
 * queries and lose the LISTEN). Calls `listener` with the id of each position inserted into
 * `schema`. When the connection fails it reconnects, retrying with a backoff that doubles from
 * 100 ms up to 5 s, until `stop` is called; notifications sent while it is disconnected are lost.
 */
export class PositionSubscription {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly schema: string,
    private readonly listener: (positionId: string) => void,
  ) {}

  /** Connects and listens; rejects with the connection's error if the first attempt fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Stops listening: UNLISTEN, then ends the connection. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    try {
      await client.query(`UNLISTEN ${POSITIONS_CHANNEL}`);
    } catch {
      // The connection is already gone: nothing is listening any more.
    }
    await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    let established = false;
    let lost = false;
    const onLost = () => {
      // Errors while connecting reject `connect` below; after that, any error or end is a loss.
      if (!established || lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (message) => this.deliver(message));
    try {
      await client.connect();
      await client.query(`LISTEN ${POSITIONS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    established = true;
    this.client = client;
    this.failures = 0;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures);
    this.failures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      this.connect().catch(() => this.scheduleReconnect());
    }, delay);
  }

  private deliver(message: pg.Notification): void {
    if (message.channel !== POSITIONS_CHANNEL || message.payload === undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.payload);
    } catch {
      return; // Not one of ours: the channel is open to anyone who can NOTIFY.
    }
    const { schema, id } = (parsed ?? {}) as { schema?: unknown; id?: unknown };
    if (schema === this.schema && typeof id === 'string') this.listener(id);
  }
}
