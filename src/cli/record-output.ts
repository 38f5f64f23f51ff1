import { stringify } from 'csv-stringify';
import { createWriteStream } from 'node:fs';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { OpenapiLog, RecordLine } from '../contract/record.js';

export type RecordFormat = 'ndjson' | 'csv';

export const CSV_COLUMNS: (keyof RecordLine)[] = [
  'id', 'operTime', 'vdnId', 'type', 'url', 'httpStatus', 'resultCode', 'resultDesc', 'request', 'ak', 'clientIp', 'durationMs',
];

/** Table columns for people: time (UTC, to the millisecond), method, status, result, url, description. */
export const TABLE_HEADER = ['OPER TIME (UTC)', 'TYPE', 'HTTP', 'RESULT', 'URL', 'DESCRIPTION'];

export function tableRow(r: OpenapiLog): string[] {
  return [r.operTime.slice(0, 23).replace('T', ' '), r.type, String(r.httpStatus), r.resultCode, r.url, r.resultDesc];
}

function encoder(format: RecordFormat): Transform {
  if (format === 'csv') return stringify({ header: true, columns: CSV_COLUMNS as string[] });
  return new Transform({
    writableObjectMode: true,
    transform(line: RecordLine, _encoding, done) {
      done(null, JSON.stringify(line) + '\n');
    },
  });
}

/**
 * Writes records as NDJSON or CSV (with a header row) to `out` (a file path) or standard output,
 * with back-pressure, so any number of records streams in bounded memory.
 */
export async function writeRecords(lines: AsyncIterable<RecordLine>, format: RecordFormat, out: string | undefined): Promise<void> {
  const target: Writable = out ? createWriteStream(out) : process.stdout;
  await pipeline(Readable.from(lines), encoder(format), target, { end: out !== undefined });
}
