import { Command } from 'commander';
import { MAX_LIMIT, MAX_OFFSET, MAX_VDN, MIN_VDN } from '../../contract/query.js';
import { clientFor, withRemoteOptions, type RemoteOptions } from '../credentials.js';
import { filterParams, withFilterOptions, type FilterOptions } from '../filter-options.js';
import { parseInteger } from '../options.js';
import { TABLE_HEADER, tableRow } from '../record-output.js';
import { formatTable } from '../table.js';

interface QueryOptions extends RemoteOptions, FilterOptions {
  vdn: number;
  begin: string;
  end: string;
  offset: number;
  limit: number;
  json?: boolean;
}

export function queryCommand(): Command {
  const command = new Command('query')
    .description('call the calllogs interface of a server (signed) and print one page of records')
    .requiredOption('--vdn <n>', 'VDN to query', parseInteger(MIN_VDN, MAX_VDN))
    .requiredOption('--begin <time>', 'beginTime, "yyyy-MM-dd HH:mm:ss" in the server\'s time zone')
    .requiredOption('--end <time>', 'endTime, same format, at most 7 days after --begin')
    .option('--offset <n>', 'records to skip', parseInteger(0, MAX_OFFSET), 0)
    .option('--limit <n>', 'records per page (1-100)', parseInteger(1, MAX_LIMIT), 20)
    .option('--json', 'print the raw response');
  return withRemoteOptions(withFilterOptions(command))
    .addHelpText('after', `
Credentials come from --ak/--sk, CALLLOGS_AK/CALLLOGS_SK, a profile (calllogs configure), or the
credentials file that 'calllogs serve' writes on a first start.

Examples:
  $ calllogs query --vdn 2 --begin "2022-08-20 00:00:00" --end "2022-08-23 23:59:59"
  $ calllogs query --profile prod --vdn 2 --begin "2022-08-20 00:00:00" --end "2022-08-20 23:59:59" --url "/rest/isales/v1/openapi/campaigns/*" --json
  $ calllogs query --vdn 2 --begin "2022-08-20 00:00:00" --end "2022-08-26 23:59:59" --by-ak ak1 --by-ak ak2 --status 500 --status 502
  $ calllogs query --vdn 2 --begin "2022-08-20 00:00:00" --end "2022-08-20 23:59:59" --result-code 02000007 --min-duration 2s --text "138****1234"`)
    .action(async (options: QueryOptions) => {
      const { client } = clientFor(options);
      try {
        const page = await client.page({
          ...filterParams(options), vdnId: options.vdn, offset: options.offset, limit: options.limit, beginTime: options.begin, endTime: options.end,
        });
        if (options.json) return void process.stdout.write(JSON.stringify(page) + '\n');
        process.stdout.write(formatTable(TABLE_HEADER, page.result.map(tableRow)));
        const last = options.offset + page.result.length;
        process.stdout.write(`records ${page.result.length ? options.offset + 1 : 0}-${last} of ${page.count}\n`);
      } finally {
        await client.close();
      }
    });
}
