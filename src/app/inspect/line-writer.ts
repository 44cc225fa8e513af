import type { Writable } from 'node:stream';

const FLUSH_BYTES = 64 * 1024;

/**
 * Buffers output lines and writes them in chunks, waiting for `drain` so that listing a large log
 * into a slow pipe does not hold it all in memory. A reader that goes away (`warden events | head`
 * closes the pipe: EPIPE) sets `closed` instead of crashing, so callers can stop reading.
 */
export class LineWriter {
  private buffer: string[] = [];
  private bytes = 0;
  private gone = false;
  private readonly onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') this.gone = true;
    else this.failure = error;
  };
  private failure: Error | undefined;

  constructor(private readonly out: Writable) {
    out.on('error', this.onError);
  }

  /** True once the reader closed the output; further lines are dropped. */
  get closed(): boolean {
    return this.gone;
  }

  /** Queues one line (without its newline); flushes when enough is buffered. */
  async line(text: string): Promise<void> {
    if (this.gone) return;
    this.buffer.push(text, '\n');
    this.bytes += text.length + 1;
    if (this.bytes >= FLUSH_BYTES) await this.flush();
  }

  /** Writes what is buffered and waits until the stream accepts more. */
  async flush(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.buffer.length === 0 || this.gone) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.bytes = 0;
    if (this.out.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('error', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('error', done);
      this.out.on('close', done);
    });
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Flushes what is left. The error listener stays: the last chunk can still fail with EPIPE after
   * this resolves, and that is not worth a crash.
   */
  async end(): Promise<void> {
    await this.flush();
  }
}
