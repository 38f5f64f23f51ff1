import { Command, Option } from 'commander';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_VDN, MIN_VDN } from '../../contract/query.js';
import { toRecordLine } from '../../contract/record.js';
import { processTimeZone } from '../../contract/time.js';
import { CliError } from '../cli-error.js';
import { dbOption, parseInteger } from '../options.js';
import { withStore } from '../store-command.js';
import { parseTimeArg } from '../time-arg.js';

interface ExportOptions {
  db: string;
  vdn?: string;
  from?: string;
  to?: string;
  tz: string;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write stored records as NDJSON (the format import reads); no server needed')
    .addOption(dbOption())
    .option('--vdn <n|none>', 'only this VDN ("none": calls that name no VDN)')
    .option('--from <time>', 'first second to include: "yyyy-MM-dd HH:mm:ss" (in --tz) or ISO-8601 with offset')
    .option('--to <time>', 'last second to include, same formats')
    .addOption(new Option('--tz <zone>', 'zone of --from/--to without offset').env('CALLLOGS_TZ').default(processTimeZone()))
    .addHelpText('after', `
Records come grouped by VDN (ascending, calls with no VDN first), oldest first within each.

Examples:
  $ calllogs export > all.ndjson
  $ calllogs export --vdn 2 --from "2022-08-01 00:00:00" --to "2022-08-31 23:59:59" --tz Asia/Shanghai`)
    .action(async (options: ExportOptions) => {
      const vdnId = options.vdn === undefined ? undefined : options.vdn === 'none' ? null : parseVdn(options.vdn);
      const fromMs = options.from === undefined ? undefined : parseTimeArg(options.from, options.tz);
      const toMs = options.to === undefined ? undefined : parseTimeArg(options.to, options.tz) + 1000;
      await withStore(options.db, async (store) => {
        async function* lines() {
          for await (const record of store.scan({ vdnId, fromMs, toMs })) yield JSON.stringify(toRecordLine(record)) + '\n';
        }
        await pipeline(Readable.from(lines()), process.stdout, { end: false });
      });
    });
}

function parseVdn(value: string): number {
  try {
    return parseInteger(MIN_VDN, MAX_VDN)(value);
  } catch (error) {
    throw new CliError(`--vdn: ${(error as Error).message} or "none"`);
  }
}
