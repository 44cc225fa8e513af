import { MemoryTransport } from '../../src/adapters/transports/memory/memory-transport.ts';
import { transportContract } from './transport.contract.ts';

transportContract('memory', async ({ partitions, clock }) => new MemoryTransport({ partitions, clock }));
