import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { CalllogsClient } from '../../client/calllogs-client.js';
import { MAX_LIMIT, MAX_OFFSET, MAX_VDN, MIN_VDN } from '../../contract/query.js';
import { resolveCredentials, type CredentialFlags } from '../credentials.js';
import { parseInteger } from '../options.js';
import { formatTable } from '../table.js';

interface QueryOptions extends CredentialFlags {
  vdn: number;
  begin: string;
  end: string;
  url?: string;
  offset: number;
  limit: number;
  json?: boolean;
  ca?: string;
}

export function queryCommand(): Command {
  return new Command('query')
    .description('call the calllogs interface of a server (signed) and print one page of records')
    .requiredOption('--vdn <n>', 'VDN to query', parseInteger(MIN_VDN, MAX_VDN))
    .requiredOption('--begin <time>', 'beginTime, "yyyy-MM-dd HH:mm:ss" in the server\'s time zone')
    .requiredOption('--end <time>', 'endTime, same format, at most 7 days after --begin')
    .option('--url <path>', 'only this interface path; a trailing * matches a prefix')
    .option('--offset <n>', 'records to skip', parseInteger(0, MAX_OFFSET), 0)
    .option('--limit <n>', 'records per page (1-100)', parseInteger(1, MAX_LIMIT), 20)
    .option('--json', 'print the raw response')
    .addOption(new Option('--endpoint <url>', 'server, e.g. https://10.0.0.5:8443').env('CALLLOGS_ENDPOINT'))
    .addOption(new Option('--ak <ak>', 'access key').env('CALLLOGS_AK'))
    .addOption(new Option('--sk <sk>', 'secret key (prefer CALLLOGS_SK: flags show in ps)').env('CALLLOGS_SK'))
    .addOption(new Option('--credentials <file>', 'JSON file with ak, sk and endpoint').env('CALLLOGS_CREDENTIALS'))
    .option('--ca <file>', 'PEM CA bundle to trust (self-signed server certificates)')
    .addHelpText('after', `
Without --ak/--sk the credentials file that 'calllogs serve' writes on a first start is used.

Examples:
  $ calllogs query --vdn 2 --begin "2022-08-20 00:00:00" --end "2022-08-23 23:59:59"
  $ calllogs query --vdn 2 --begin "2022-08-20 00:00:00" --end "2022-08-20 23:59:59" --url "/rest/isales/v1/openapi/campaigns/*" --json`)
    .action(async (options: QueryOptions) => {
      const credentials = resolveCredentials(options);
      const client = new CalllogsClient({ ...credentials, ca: options.ca ? readFileSync(options.ca) : undefined });
      try {
        const page = await client.page({
          vdnId: options.vdn, offset: options.offset, limit: options.limit,
          beginTime: options.begin, endTime: options.end, url: options.url,
        });
        if (options.json) return void process.stdout.write(JSON.stringify(page) + '\n');
        process.stdout.write(formatTable(
          ['OPER TIME (UTC)', 'TYPE', 'HTTP', 'RESULT', 'URL', 'DESCRIPTION'],
          page.result.map((r) => [r.operTime.slice(0, 23).replace('T', ' '), r.type, String(r.httpStatus), r.resultCode, r.url, r.resultDesc]),
        ));
        const last = options.offset + page.result.length;
        process.stdout.write(`records ${page.result.length ? options.offset + 1 : 0}-${last} of ${page.count}\n`);
      } finally {
        await client.close();
      }
    });
}
