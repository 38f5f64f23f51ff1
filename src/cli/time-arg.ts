import { parseTimeInput } from '../contract/time.js';
import { CliError } from './cli-error.js';

/**
 * A time on the command line: `yyyy-MM-dd HH:mm:ss` in `zone`, or an ISO-8601 instant with an
 * offset. Returns epoch milliseconds of the start of that second.
 */
export function parseTimeArg(value: string, zone: string): number {
  const ms = parseTimeInput(value, zone);
  if (ms === undefined) {
    throw new CliError(`"${value}" is not a time: use "yyyy-MM-dd HH:mm:ss" or an ISO-8601 time with offset`);
  }
  return Math.floor(ms / 1000) * 1000;
}
