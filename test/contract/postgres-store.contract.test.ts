import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { openPostgresStore } from '../../src/adapters/stores/postgres/postgres-store.ts';
import { requireService, testSchemas } from '../support/services.ts';
import { eventStoreContract } from './event-store.contract.ts';

const { available, url } = await requireService('postgres');

describe.skipIf(!available)('PostgreSQL event store', () => {
  // A fresh schema per store the suite opens; `reopen` opens the last one again.
  const schemas = testSchemas(url, 'warden_contract');
  afterAll(() => schemas.dropAll());

  eventStoreContract('postgres', () => openPostgresStore(url, { schema: schemas.next() }), {
    reopen: () => openPostgresStore(url, { schema: schemas.names.at(-1)! }),
    spec() {
      const spec = new URL(url);
      spec.searchParams.set('schema', schemas.names.at(-1)!);
      return spec.toString();
    },
    async tamper(_store, position) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const schema = schemas.names.at(-1)!;
        const result = await client.query(
          `UPDATE "${schema}".events SET data = '{"tampered":true}' WHERE position = $1`,
          [position],
        );
        if (result.rowCount !== 1) throw new Error(`no event at position ${position} to tamper with`);
      } finally {
        await client.end();
      }
    },
  });
});
