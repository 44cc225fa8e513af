import { createMemoryEventStore } from '../../src/adapters/stores/memory/memory-store.ts';
import { eventStoreContract } from './event-store.contract.ts';

eventStoreContract('memory', async () => createMemoryEventStore());
