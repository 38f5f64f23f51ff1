import { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_VDN, MIN_VDN } from '../../contract/query.js';
import type { OpenapiLog } from '../../contract/record.js';
import { clientFor, withRemoteOptions, type RemoteOptions } from '../credentials.js';
import { filterParams, withFilterOptions, type FilterOptions } from '../filter-options.js';
import { parseDuration, parseInteger } from '../options.js';
import { tableRow } from '../record-output.js';
import { parseTimeArg } from '../time-arg.js';

interface TailOptions extends RemoteOptions, FilterOptions {
  vdn: number;
  interval: number;
  since?: string;
  json?: boolean;
}

/** Records reach the store within the writer's flush interval; polling stops this far behind now. */
const SETTLE_MS = 1000;

export function tailCommand(): Command {
  const command = new Command('tail')
    .description('follow new records of a VDN as they are recorded (until Ctrl-C)')
    .requiredOption('--vdn <n>', 'VDN to follow', parseInteger(MIN_VDN, MAX_VDN))
    .option('--interval <duration>', 'time between polls', parseDuration, 2000)
    .option('--since <time>', 'start from this time instead of now ("yyyy-MM-dd HH:mm:ss" in the server zone, or ISO-8601)')
    .option('--json', 'print NDJSON records instead of text lines');
  return withRemoteOptions(withFilterOptions(command))
    .addHelpText('after', `
Records are printed oldest first, each once, about one second behind real time.

Examples:
  $ calllogs tail --vdn 2
  $ calllogs tail --vdn 2 --url "/rest/isales/v1/openapi/campaigns/*" --since "2022-08-20 09:00:00" --json
  $ calllogs tail --vdn 2 --outcome failure --by-ak ak1`)
    .action(async (options: TailOptions) => {
      const { client, timeZone } = clientFor(options);
      const stop = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
      let cursor = { time: options.since ? parseTimeArg(options.since, timeZone) - 1 : Date.now() - SETTLE_MS, id: '' };
      const print = (r: OpenapiLog) =>
        process.stdout.write(options.json ? JSON.stringify({ ...r, vdnId: options.vdn }) + '\n' : tableRow(r).join('  ') + '\n');
      try {
        while (!stop.signal.aborted) {
          const to = Date.now() - SETTLE_MS;
          if (to >= cursor.time) {
            const fresh: OpenapiLog[] = [];
            // Newest first: everything after the first record not newer than the cursor is older still.
            for await (const r of client.records({ ...filterParams(options), vdnId: options.vdn, from: new Date(cursor.time), to: new Date(to), signal: stop.signal })) {
              const time = Date.parse(r.operTime);
              if (time < cursor.time || (time === cursor.time && r.id <= cursor.id)) break;
              if (time <= to) fresh.push(r);
            }
            fresh.reverse().forEach(print);
            const newest = fresh[fresh.length - 1];
            if (newest) cursor = { time: Date.parse(newest.operTime), id: newest.id };
          }
          await sleep(options.interval, undefined, { signal: stop.signal }).catch(() => undefined);
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      } finally {
        await client.close();
      }
    });
}
