import { open } from 'node:fs/promises';
import { WardenError } from '../../domain/errors.ts';
import type { MarketDataSource, SourcedTick } from '../../ports/market-data.ts';
import { type Header, readHeader, rowToTick, splitPlain, splitQuoted } from './csv-lines.ts';
import { type Problem, problem } from './tick-fields.ts';

export { parseTickRecord } from './tick-fields.ts';

/*
 * A tick file: a header naming at least `ts`, `symbol` and `price`, then one tick a row. `bid`, `ask`
 * and `volume` are optional columns, in any order; other columns are ignored.
 *
 *   ts,symbol,price,bid,ask,volume
 *   2024-03-01T14:30:00.000Z,BTC-USD,61234.5,61234,61235,0.25
 *   1709303400250,BTC-USD,61236,,,
 *
 * `ts` is ISO 8601 with a zone (`Z` or an offset) or epoch milliseconds. An empty optional field
 * means "not given". A bad row is reported to `onProblem` with its line and skipped; only a file
 * that cannot be read or a missing header ends the run.
 */

/** Longest line kept in memory; a longer one is reported and skipped. */
const MAX_LINE_CHARS = 64 * 1024;

async function openOrThrow(path: string) {
  try {
    return await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `${path}: cannot open the tick file (${code})`, {
      path,
      cause: code,
    });
  }
}

/**
 * Streams ticks from a CSV file (see the format above). The file is read in chunks, so its size
 * does not matter. Throws `WARDEN_INPUT_NOT_FOUND` when the file cannot be opened or read and
 * `WARDEN_TICK_MALFORMED` when the header lacks a required column; both surface from the first
 * step of the iteration. Each call to `ticks` reads the file again from the start.
 *
 * A record is one line (LF or CRLF). Lines without a quote are split on commas; lines with one go
 * through csv-parse, so quoted fields work, but a quoted field cannot span lines (a tick never
 * needs one). Splitting plain lines ourselves makes this several times faster than csv-parse's
 * streaming parser with the options that keep line numbers and skip bad records.
 */
export function createCsvTickSource(path: string): MarketDataSource {
  return {
    async *ticks({ signal, onProblem }) {
      if (signal?.aborted) return;
      const handle = await openOrThrow(path);
      const file = handle.createReadStream({ encoding: 'utf8', highWaterMark: 256 * 1024 });
      let header: Header | undefined;
      let lineNo = 0;
      const scratch: string[] = [];
      const out: (SourcedTick | Problem)[] = [];

      // One line is text[from, nl); `quoted` says whether it holds a quote character.
      const onLine = (text: string, from: number, nl: number, quoted: boolean) => {
        lineNo += 1;
        let start = from;
        let end = nl;
        if (end > start && text.charCodeAt(end - 1) === 13) end -= 1;
        if (lineNo === 1 && text.charCodeAt(start) === 0xfeff) start += 1;
        if (end === start || (text.charCodeAt(start) <= 32 && text.slice(start, end).trim() === '')) return;
        const fields = quoted
          ? splitQuoted(text.slice(start, end), lineNo)
          : splitPlain(text, start, end, scratch);
        if (!Array.isArray(fields)) out.push(fields);
        else if (header === undefined) header = readHeader(path, [...fields], lineNo);
        else out.push(rowToTick(header, fields, lineNo));
      };

      let rest = '';
      // True while skipping the remainder of a line that exceeded MAX_LINE_CHARS.
      let discarding = false;
      try {
        for await (const chunk of file as AsyncIterable<string>) {
          let text = rest + chunk;
          let from = 0;
          if (discarding) {
            const nl = text.indexOf('\n');
            if (nl < 0) {
              rest = '';
              continue;
            }
            discarding = false;
            from = nl + 1;
          }
          let quoteAt = text.indexOf('"', from);
          for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
            onLine(text, from, nl, quoteAt >= 0 && quoteAt < nl);
            from = nl + 1;
            if (quoteAt >= 0 && quoteAt < from) quoteAt = text.indexOf('"', from);
          }
          rest = text.slice(from);
          text = '';
          if (rest.length > MAX_LINE_CHARS) {
            lineNo += 1;
            out.push(
              problem('WARDEN_TICK_MALFORMED', lineNo, `line is longer than ${MAX_LINE_CHARS} characters`),
            );
            rest = '';
            discarding = true;
          }
          for (const item of out) {
            if (signal?.aborted) return;
            if ('code' in item) onProblem?.(item);
            else yield item;
          }
          out.length = 0;
        }
        if (signal?.aborted) return;
        if (rest.length > 0 && !discarding) onLine(rest, 0, rest.length, rest.includes('"'));
        for (const item of out) {
          if (signal?.aborted) return;
          if ('code' in item) onProblem?.(item);
          else yield item;
        }
        if (header === undefined) {
          throw new WardenError(
            'WARDEN_TICK_MALFORMED',
            `${path}: header must contain ts, symbol, price; got an empty file`,
            { path },
          );
        }
      } catch (e) {
        if (e instanceof WardenError) throw e;
        const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw new WardenError('WARDEN_INPUT_NOT_FOUND', `${path}: cannot read the tick file (${code})`, {
          path,
          cause: code,
        });
      } finally {
        file.destroy();
      }
    },
  };
}
