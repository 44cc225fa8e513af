import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { maskUrl } from '../../src/adapters/stores/postgres/errors.ts';

/** An external service a test file needs. */
export type ServiceName = 'postgres' | 'redis' | 'nats';

/** What `requireService` found. */
export interface ServiceCheck {
  readonly available: boolean;
  /** The URL that was tried (use it to connect). */
  readonly url: string;
}

interface ServiceInfo {
  readonly label: string;
  readonly envVar: string;
  readonly defaultUrl: string;
  readonly defaultPort: number;
}

const SERVICES: Readonly<Record<ServiceName, ServiceInfo>> = {
  postgres: {
    label: 'PostgreSQL',
    envVar: 'WARDEN_TEST_POSTGRES_URL',
    defaultUrl: 'postgres://root@127.0.0.1:5432/test',
    defaultPort: 5432,
  },
  redis: {
    label: 'Redis',
    envVar: 'WARDEN_TEST_REDIS_URL',
    defaultUrl: 'redis://127.0.0.1:6379',
    defaultPort: 6379,
  },
  nats: {
    label: 'NATS',
    envVar: 'WARDEN_TEST_NATS_URL',
    defaultUrl: 'nats://127.0.0.1:4222',
    defaultPort: 4222,
  },
};

const CHECK_TIMEOUT_MS = 3_000;

/**
 * Checks, at the top of a test file, that a service the file needs answers: PostgreSQL by
 * connecting and running `SELECT 1`, Redis and NATS by opening a TCP connection. The URL is
 * `url`, else `WARDEN_TEST_<NAME>_URL`, else the local default (PostgreSQL:
 * `postgres://root@127.0.0.1:5432/test`).
 *
 * When the service is unreachable it prints `SKIPPED: …` and returns `available: false`, for the
 * file to use `describe.skipIf(!available)`; but with `WARDEN_REQUIRE_SERVICES=1` (as in CI) it
 * throws instead, so the file fails rather than passing with nothing run.
 */
export async function requireService(name: ServiceName, url?: string): Promise<ServiceCheck> {
  const info = SERVICES[name];
  const target = url ?? nonEmpty(process.env[info.envVar]) ?? info.defaultUrl;
  const problem = await reach(name, target, info);
  if (problem === undefined) return { available: true, url: target };
  const where = `${info.label} unreachable at ${maskUrl(target)}: ${problem}`;
  if (process.env.WARDEN_REQUIRE_SERVICES === '1') {
    throw new Error(
      `${where}. WARDEN_REQUIRE_SERVICES=1, so this fails instead of skipping: start ${info.label} or set ${info.envVar}.`,
    );
  }
  console.warn(`SKIPPED: ${where} (set ${info.envVar}; WARDEN_REQUIRE_SERVICES=1 makes this a failure)`);
  return { available: false, url: target };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Undefined when the service answers, else why not. */
async function reach(name: ServiceName, url: string, info: ServiceInfo): Promise<string | undefined> {
  if (name === 'postgres') {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message || String(error) : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname || '127.0.0.1';
    port = parsed.port === '' ? info.defaultPort : Number(parsed.port);
  } catch {
    return `not a URL: ${url}`;
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: CHECK_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`);
    });
    socket.once('error', (error) => resolve(error.message));
  });
}

/** PostgreSQL schemas a test file creates, each with a unique name, all dropped at the end. */
export interface TestSchemas {
  /** A new unique schema name (lower case, safe unquoted), remembered for `dropAll`. */
  next(): string;
  /** Every name `next` returned so far. */
  readonly names: readonly string[];
  /** Drops every schema `next` named, with everything in it (call it in `afterAll`). */
  dropAll(): Promise<void>;
}

/**
 * Unique schema names for a test file, `<prefix>_<pid>_<random>_<n>`, so that files and runs
 * sharing one database never see each other's tables; `dropAll` removes them afterwards.
 */
export function testSchemas(url: string, prefix = 'warden_test'): TestSchemas {
  const run = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const names: string[] = [];
  return {
    names,
    next() {
      const name = `${run}_${names.length + 1}`;
      names.push(name);
      return name;
    },
    async dropAll() {
      if (names.length === 0) return;
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
      await client.connect();
      try {
        for (const name of names.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
