import { Command, Option } from 'commander';
import type { FilterParams } from '../client/filters.js';
import { CalllogsError } from '../contract/codes.js';
import { readFilters } from '../contract/filters.js';
import { readOutcome, readUrlFilter } from '../contract/query.js';
import type { ScanFilter } from '../store/types.js';
import { CliError } from './cli-error.js';
import { collect, parseDuration, parseInteger } from './options.js';

/** The record filters of `query`, `export` and `tail`, as commander hands them over. */
export interface FilterOptions {
  url?: string;
  outcome?: 'success' | 'failure';
  byAk?: string[];
  resultCode?: string[];
  status?: number[];
  method?: string[];
  clientIp?: string;
  minDuration?: number;
  text?: string;
}

/** Adds the record filters to a command that reads records; a repeated option means any of its values. */
export function withFilterOptions(command: Command): Command {
  return command
    .option('--url <path>', 'only this interface path; a trailing * matches a prefix')
    .addOption(new Option('--outcome <outcome>', 'only calls that succeeded, or failed').choices(['success', 'failure']))
    .option('--by-ak <ak>', 'only calls signed by this access key (repeat for any of several)', collect(String))
    .option('--result-code <code>', 'only calls answered with this result code (repeatable)', collect(String))
    .option('--status <code>', 'only calls answered with this HTTP status (repeatable)', collect(parseInteger(100, 599)))
    .option('--method <method>', 'only calls of this HTTP method (repeatable)', collect((m: string) => m.toUpperCase()))
    .option('--client-ip <address>', 'only calls from this client address, as recorded')
    .option('--min-duration <duration>', 'only calls at least this slow: 500ms, 2s (a bare number is seconds)', parseDuration)
    .option('--text <text>', 'only calls whose request or result description contains this (3-200 characters, A-Z match a-z)');
}

/** The options as the interfaces' filter fields. */
export function filterParams(o: FilterOptions): FilterParams {
  return {
    url: o.url, outcome: o.outcome, ak: o.byAk, resultCode: o.resultCode, httpStatus: o.status, type: o.method,
    clientIp: o.clientIp, minDurationMs: o.minDuration, text: o.text,
  };
}

/** The options read as a server reads the same fields (one set of rules), for a store's scan. */
export function scanFilters(o: FilterOptions): Pick<ScanFilter, 'url' | 'outcome' | 'filters'> {
  const fields = filterParams(o);
  try {
    return { url: readUrlFilter(fields.url), outcome: readOutcome(fields.outcome), filters: readFilters({ ...fields }) };
  } catch (error) {
    if (error instanceof CalllogsError) throw new CliError(error.message);
    throw error;
  }
}
