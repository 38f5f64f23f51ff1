import { Command } from 'commander';
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parseRecordLine, type CallRecord } from '../../contract/record.js';
import { createIdGenerator } from '../../record/ids.js';
import { ImportRowError, type ImportSession } from '../../store/types.js';
import { CliError } from '../cli-error.js';
import { ImportProgress } from '../import-progress.js';
import { dbOption } from '../options.js';
import { withStore } from '../store-command.js';

const BATCH = 5000;

function badLine(lineNumber: number, message: string): CliError {
  return new CliError(`line ${lineNumber}: ${message}; nothing was imported`);
}

/** Input line numbers of records: a record's ordinal plus the blank lines skipped before it. */
class LineNumbers {
  /** For each blank line, how many records came before it. */
  private readonly blanks: number[] = [];

  blank(recordsBefore: number): void {
    this.blanks.push(recordsBefore);
  }

  of(ordinal: number): number {
    let lo = 0;
    let hi = this.blanks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.blanks[mid]! <= ordinal) lo = mid + 1;
      else hi = mid;
    }
    return ordinal + 1 + lo;
  }
}

/** Reads the NDJSON input into the session in batches; returns how many records it added. */
async function load(input: Readable, session: ImportSession, progress: ImportProgress): Promise<number> {
  const newId = createIdGenerator();
  const lines = new LineNumbers();
  let bytes = 0;
  input.on('data', (chunk: Buffer) => (bytes += chunk.length));
  let batch: CallRecord[] = [];
  let records = 0;
  const add = async (): Promise<void> => {
    await session.add(batch);
    records += batch.length;
    batch = [];
    progress.update(bytes, records);
  };
  try {
    let lineNumber = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lineNumber += 1;
      if (line.trim() === '') {
        lines.blank(records + batch.length);
        continue;
      }
      let record;
      try {
        record = parseRecordLine(JSON.parse(line));
      } catch (error) {
        throw badLine(lineNumber, error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message);
      }
      record.id ??= newId(record.operTime);
      batch.push(record as CallRecord);
      if (batch.length >= BATCH) await add();
    }
    await add();
    await session.commit();
    return records;
  } catch (error) {
    await session.rollback();
    if (error instanceof ImportRowError) throw badLine(lines.of(error.ordinal), error.message);
    throw error;
  }
}

export function importCommand(): Command {
  return new Command('import')
    .description('load NDJSON records into the store, all or none (one transaction); no server needed')
    .argument('[file]', 'NDJSON file, or - for standard input', '-')
    .addOption(dbOption())
    .addHelpText('after', `
Each line is a record as 'calllogs export' writes it:
  {"vdnId":2,"operTime":"2022-08-19T14:18:31.000+00:00","url":"/rest/isales/v1/openapi/campaigns/2/456/queryObsResultDetail",
   "request":"{\\"defId\\":\\"456\\",\\"vdnId\\":2}","resultCode":"0200000","resultDesc":"ok","httpStatus":200,"type":"GET"}
An "id" (30 digits) is kept when given and generated when absent. Blank lines are skipped.
On a terminal a progress bar shows the bytes read, the records loaded and an ETA; otherwise one
summary line is printed at the end.

Examples:
  $ calllogs import records.ndjson
  $ zcat old.ndjson.gz | calllogs import --db /var/lib/calllogs/calllogs.db
  $ calllogs export --db ./data/calllogs.db | calllogs import --db postgres://calllogs@db/calllogs   # SQLite to PostgreSQL`)
    .action(async (file: string, options: { db: string }) => {
      const progress = new ImportProgress(file === '-' ? undefined : statSync(file, { throwIfNoEntry: false })?.size);
      let imported: number;
      try {
        imported = await withStore(options.db, async (store) => {
          const session = await store.beginImport();
          // Opened only now: lines read while the store was opening would be lost to the reader.
          return load(file === '-' ? process.stdin : createReadStream(file), session, progress);
        });
      } finally {
        progress.stop();
      }
      process.stderr.write(progress.summary(imported));
    });
}
