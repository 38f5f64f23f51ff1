import { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseRecordLine, type CallRecord } from '../../contract/record.js';
import { createIdGenerator } from '../../record/ids.js';
import { ImportRowError } from '../../store/types.js';
import { dbOption } from '../options.js';
import { CliError } from '../cli-error.js';
import { withStore } from '../store-command.js';

const BATCH = 1000;

function badLine(lineNumber: number, message: string): CliError {
  return new CliError(`line ${lineNumber}: ${message}; nothing was imported`);
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

Examples:
  $ calllogs import records.ndjson
  $ zcat old.ndjson.gz | calllogs import --db /var/lib/calllogs/calllogs.db`)
    .action(async (file: string, options: { db: string }) => {
      const newId = createIdGenerator();
      const imported = await withStore(options.db, async (store) => {
        const session = await store.beginImport();
        let batch: CallRecord[] = [];
        let batchLines: number[] = [];
        let lineNumber = 0;
        let total = 0;
        const flush = async () => {
          try {
            await session.add(batch);
          } catch (error) {
            if (error instanceof ImportRowError) throw badLine(batchLines[error.index]!, error.message);
            throw error;
          }
          total += batch.length;
          batch = [];
          batchLines = [];
        };
        try {
          // Created only now: lines read while the store was opening would be lost to the iterator.
          const input = file === '-' ? process.stdin : createReadStream(file);
          for await (const line of createInterface({ input, crlfDelay: Infinity })) {
            lineNumber += 1;
            if (line.trim() === '') continue;
            let record;
            try {
              record = parseRecordLine(JSON.parse(line));
            } catch (error) {
              throw badLine(lineNumber, error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message);
            }
            batchLines.push(lineNumber);
            batch.push({ ...record, id: record.id ?? newId(record.operTime) });
            if (batch.length >= BATCH) await flush();
          }
          await flush();
          await session.commit();
          return total;
        } catch (error) {
          await session.rollback();
          throw error;
        }
      });
      process.stderr.write(`imported ${imported} records\n`);
    });
}
