import { Presets, SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { MAX_VDN, MIN_VDN, proofWindows } from '../../contract/query.js';
import { toRecordLine, type RecordLine } from '../../contract/record.js';
import { processTimeZone } from '../../contract/time.js';
import { logProofJsonParts } from '../../contract/proof.js';
import { proofFileBytes } from '../../integrity/proof-file.js';
import { buildProof } from '../../integrity/proofs.js';
import { windowProof } from '../../client/window-proofs.js';
import { readCheckpointNotes, unsignedCheckpoint } from '../saved-checkpoints.js';
import { CliError } from '../cli-error.js';
import { clientFor, withRemoteOptions, type RemoteOptions } from '../credentials.js';
import { filterParams, scanFilters, withFilterOptions, type FilterOptions } from '../filter-options.js';
import { parseInteger } from '../options.js';
import { writeRecords, type RecordFormat } from '../record-output.js';
import { withStore } from '../store-command.js';
import { parseTimeArg } from '../time-arg.js';

/** The last instant a Date can hold: a window without --to runs to it. */
const LAST_INSTANT_MS = 8.64e15;

interface ExportOptions extends RemoteOptions, FilterOptions {
  db?: string;
  vdn?: string;
  from?: string;
  to?: string;
  tz?: string;
  format: RecordFormat;
  out?: string;
  proof?: string;
  since?: string;
}

export function exportCommand(): Command {
  const command = new Command('export')
    .description('write records as NDJSON or CSV: from a server (signed, any range) or, with --db, straight from a store')
    .option('--vdn <n|none>', 'VDN (required from a server; "none": calls that name no VDN, store only)')
    .option('--from <time>', 'first second: "yyyy-MM-dd HH:mm:ss" (server zone, or --tz for a store) or ISO-8601 with offset')
    .option('--to <time>', 'last second, same formats')
    .addOption(new Option('--format <format>', 'output format').choices(['ndjson', 'csv']).default('ndjson'))
    .option('--out <file>', 'write to a file instead of standard output')
    .addOption(new Option('--db <path>', 'read this SQLite store directly instead of a server').env('CALLLOGS_DB'))
    .addOption(new Option('--tz <zone>', 'with --db: zone of --from/--to without offset (default: this machine\'s)'))
    .option('--proof <file>', 'also write the proof of these records\' log to this file (one VDN, NDJSON; check with calllogs verify)')
    .option('--since <file>', 'with --proof: a checkpoint saved earlier (GET /checkpoints/latest): prove the log extends it');
  return withRemoteOptions(withFilterOptions(command))
    .addHelpText('after', `
From a server, records come newest first; any range works (it is read in windows of under 7 days,
100 records a call), with a progress bar when standard error is a terminal. From a store (--db),
records come grouped by VDN, oldest first within each.

Examples:
  $ calllogs export --vdn 2 --from "2022-08-01 00:00:00" --to "2022-08-30 23:59:59" --format csv --out august.csv
  $ calllogs export --profile prod --vdn 2 --from 2022-08-01T00:00:00+08:00 --to 2022-08-02T00:00:00+08:00 | jq .url
  $ calllogs export --db ./data/calllogs.db --vdn none > unscoped.ndjson
  $ calllogs export --db ./data/calllogs.db --vdn 2 --outcome failure --by-ak ak1 --format csv > failures.csv
  $ calllogs export --vdn 2 --from "2022-08-01 00:00:00" --to "2022-08-07 23:59:59" --out week.ndjson --proof week.proof.json`)
    .action(async (options: ExportOptions) => {
      if (options.proof) checkProofOptions(options);
      if (options.db) await exportFromStore(options, options.db);
      else await exportFromServer(options);
    });
}

async function exportFromStore(options: ExportOptions, db: string): Promise<void> {
  const zone = options.tz ?? processTimeZone();
  const vdnId = options.vdn === undefined ? undefined : options.vdn === 'none' ? null : parseVdn(options.vdn);
  const fromMs = options.from === undefined ? undefined : parseTimeArg(options.from, zone);
  const toMs = options.to === undefined ? undefined : parseTimeArg(options.to, zone) + 1000;
  const filters = scanFilters(options);
  await withStore(db, async (store) => {
    async function* lines(): AsyncGenerator<RecordLine> {
      for await (const record of store.scan({ vdnId, fromMs, toMs, ...filters })) yield toRecordLine(record);
    }
    await writeRecords(lines(), options.format, options.out);
    if (!options.proof) return;
    const window = { fromMs: fromMs ?? 0, toMs: toMs ?? LAST_INSTANT_MS };
    const fromTreeSize = savedTreeSize(options, vdnId ?? null);
    // From the store itself any range is one proof, however many leaves it spans; the records
    // written carry every field their digests cover, so the proof need not repeat any.
    const proof = await buildProof(store.integrity, vdnId ?? 0, { window }, { fromTreeSize, maxLeaves: Infinity, extraFields: false });
    writeFileSync(options.proof, proofFileBytes(vdnId ?? null, [{ ...window, proofJson: logProofJsonParts(proof) }]));
  });
}

/** A proof covers one VDN's log, every record of the window: no filter may thin the records out. */
function checkProofOptions(options: ExportOptions): void {
  if (options.vdn === undefined) throw new CliError('--proof: needs --vdn (a proof is of one VDN\'s log)');
  if (options.format !== 'ndjson') throw new CliError('--proof: needs --format ndjson (what calllogs verify reads)');
  if (!options.out) throw new CliError('--proof: needs --out (the records file calllogs verify checks)');
  if (Object.values(filterParams(options)).some((v) => v !== undefined)) throw new CliError('--proof: filters would leave records of the window out; export the whole window');
}

/** The tree size of the VDN's checkpoint in --since, if given. */
function savedTreeSize(options: ExportOptions, vdnId: number | null): number | undefined {
  if (!options.since) return undefined;
  const suffix = `/vdn/${vdnId ?? 'none'}`;
  const saved = readCheckpointNotes(options.since, '--since').map(unsignedCheckpoint).find((c) => c?.origin.endsWith(suffix));
  if (!saved) throw new CliError(`--since ${options.since}: holds no checkpoint of ${vdnId === null ? 'the no-VDN log' : `VDN ${vdnId}`}`);
  return saved.size;
}

async function exportFromServer(options: ExportOptions): Promise<void> {
  if (options.vdn === undefined || options.from === undefined || options.to === undefined) {
    throw new CliError('--vdn, --from and --to are required to export from a server (or pass --db to read a store)');
  }
  const vdnId = parseVdn(options.vdn);
  const { client, timeZone } = clientFor(options);
  const fromMs = parseTimeArg(options.from, timeZone);
  const toMs = parseTimeArg(options.to, timeZone);
  if (toMs < fromMs) throw new CliError('--to: must not be before --from');
  const bar = process.stderr.isTTY
    ? new SingleBar({ stream: process.stderr, format: 'exporting [{bar}] {percentage}% of the range | {records} records', hideCursor: true }, Presets.shades_classic)
    : undefined;
  bar?.start(100, 0, { records: 0 });
  let count = 0;
  async function* lines(): AsyncGenerator<RecordLine> {
    for await (const log of client.records({ ...filterParams(options), vdnId, from: new Date(fromMs), to: new Date(toMs) })) {
      count += 1;
      if (count % 100 === 0) bar?.update(Math.floor((100 * (toMs - Date.parse(log.operTime))) / Math.max(1, toMs - fromMs)), { records: count });
      yield { ...log, vdnId };
    }
  }
  try {
    await writeRecords(lines(), options.format, options.out);
    bar?.update(100, { records: count });
    if (options.proof) {
      // The interface proves at most 7 days at a time, like the query: one proof per window.
      const fromTreeSize = savedTreeSize(options, vdnId);
      const windows: Parameters<typeof proofFileBytes>[1] = [];
      for (const window of proofWindows(fromMs, toMs)) {
        const proof = await windowProof(client, { vdnId, window, timeZone, fromTreeSize });
        windows.push({ ...window, proofJson: [JSON.stringify(proof)] });
      }
      writeFileSync(options.proof, proofFileBytes(vdnId, windows));
    }
  } finally {
    bar?.stop();
    await client.close();
  }
}

function parseVdn(value: string): number {
  try {
    return parseInteger(MIN_VDN, MAX_VDN)(value);
  } catch (error) {
    throw new CliError(`--vdn: ${(error as Error).message}`);
  }
}
