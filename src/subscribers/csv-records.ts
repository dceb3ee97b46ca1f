/**
 * Streams CSV records out of a byte stream, with the line each record starts on.
 *
 * Files come from spreadsheets and other tools: UTF-8 with or without a byte-order mark, CRLF
 * or LF line ends, and comma, semicolon or tab as the delimiter (detected from the header).
 * Quoting follows RFC 4180 (csv-parse). Only one chunk and one record are held at a time.
 */
import { parse } from 'csv-parse';
import { Readable } from 'node:stream';

export interface CsvRecord {
  /** The line of the file the record starts on, counting from 1. */
  line: number;
  values: string[];
}

export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
}

/** Picks the delimiter that occurs most often outside quotes in the header line (comma on a tie). */
export function detectDelimiter(headerLine: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === ',' || char === ';' || char === '\t')) counts[char]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[',']) return '\t';
  return ',';
}

/**
 * Decodes UTF-8 (dropping a byte-order mark) and turns CRLF into LF, so csv-parse counts lines
 * the same way for every file. A CR at the end of one chunk waits for the next one.
 */
async function* normalisedText(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  for await (const chunk of source) {
    let text = carry + decoder.decode(chunk, { stream: true });
    carry = '';
    if (text.endsWith('\r')) {
      carry = '\r';
      text = text.slice(0, -1);
    }
    if (text) yield text.replace(/\r\n/g, '\n');
  }
  const rest = carry + decoder.decode();
  if (rest) yield rest.replace(/\r\n/g, '\n');
}

/** Reads the text up to the first line end, keeping what was read for the parser. */
async function splitHeader(text: AsyncGenerator<string>): Promise<{ headerLine: string; head: string }> {
  let head = '';
  for (;;) {
    const newline = head.indexOf('\n');
    if (newline >= 0) return { headerLine: head.slice(0, newline), head };
    const next = await text.next();
    if (next.done) return { headerLine: head, head };
    head += next.value;
  }
}

/**
 * Yields the records of a CSV stream, the header first. A record's `line` is where it starts;
 * a quoted field with line breaks spans several lines. Malformed quoting ends the stream with a
 * `CsvFormatError` naming the line, because nothing after it can be read reliably.
 */
export async function* readCsvRecords(source: AsyncIterable<Uint8Array>): AsyncGenerator<CsvRecord> {
  const text = normalisedText(source);
  const { headerLine, head } = await splitHeader(text);
  const delimiter = detectDelimiter(headerLine);

  async function* all(): AsyncGenerator<string> {
    if (head) yield head;
    yield* text;
  }

  const parser = Readable.from(all()).pipe(
    parse({ delimiter, info: true, relax_column_count: true, skip_empty_lines: true, bom: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // With LF line ends, `info.lines` is the line the record ends on; line breaks inside
      // quoted fields move its start back.
      let breaks = 0;
      for (const value of record) {
        for (let at = value.indexOf('\n'); at >= 0; at = value.indexOf('\n', at + 1)) breaks++;
      }
      yield { line: info.lines - breaks, values: record };
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code?.startsWith('CSV_')) {
      const line = (error as { lines?: number }).lines;
      throw new CsvFormatError(`The file is not valid CSV${line ? ` at line ${line}` : ''}: ${(error as Error).message}`);
    }
    throw error;
  }
}
