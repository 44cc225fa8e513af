import type { Writable } from 'node:stream';
import type { Envelope } from '../domain/events/envelope.ts';
import type { EventRegistry } from '../domain/events/registry.ts';
import type { EventSink } from '../engine/event-sink.ts';

const FLUSH_BYTES = 64 * 1024;

/**
 * Writes each event as one JSON line. The output is a boundary, so every envelope is validated
 * against the catalog first (a failure is a bug and throws `WARDEN_EVENT_INVALID`). Lines are
 * buffered; call `flush()` from the async loop to respect the stream's backpressure.
 */
export class JsonlSink implements EventSink {
  private buffer: string[] = [];
  private bytes = 0;

  constructor(
    private readonly out: Writable,
    private readonly registry?: EventRegistry,
  ) {}

  emit(envelope: Envelope): void {
    this.registry?.parse(envelope);
    const line = `${JSON.stringify(envelope)}\n`;
    this.buffer.push(line);
    this.bytes += line.length;
  }

  /** True when enough is buffered that the caller should `flush()`. */
  get full(): boolean {
    return this.bytes >= FLUSH_BYTES;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.bytes = 0;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          this.out.off('drain', onDrain);
          this.out.off('error', done);
          if (error) reject(error);
          else resolve();
        };
        const onDrain = () => done();
        this.out.once('drain', onDrain);
        this.out.once('error', done);
      });
    }
  }
}
