import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { formatVerifierKey, parseVerifierKey, UnpinnedSignerError, verifyCheckpoint, type Checkpoint, type NoteKey } from '../../integrity/checkpoint.js';
import { logKeyPathFor, readLogKeyIfAny } from '../../integrity/key-file.js';
import { nodeHashing, verifyEd25519 } from '../../integrity/node-crypto.js';
import { verifyStoreLogs } from '../../integrity/verify-logs.js';
import { IntegrityError } from '../../integrity/integrity-error.js';
import { isProofFile, olderProofFileFormat } from '../../integrity/proof-file.js';
import { logName, logOrigin } from '../../integrity/seal.js';
import { verifyProofRange, verifyRecordsInRange, type HeldRecord } from '../../integrity/verify-proof.js';
import { readExportDigested } from '../export-digests.js';
import { readCheckpointNotes } from '../saved-checkpoints.js';
import { dataDirFor } from '../../server/bootstrap-key.js';
import { warnOnStderr } from '../../store/private-files.js';
import { CliError } from '../cli-error.js';
import { dbOption } from '../options.js';
import { masterKeyFromEnv, withStore } from '../store-command.js';

interface VerifyOptions {
  db: string;
  proof?: string;
  publicKey?: string;
  since?: string;
  logKey?: string;
}

/** The key file `serve` uses for this store (`--log-key`, else beside the data). */
const keyFileOf = (options: { db: string; logKey?: string }) => options.logKey ?? logKeyPathFor(dataDirFor(options.db));

/** The pinned verifier key: given (text or a file holding it), else this machine's signing key's. */
function pinnedKey(options: VerifyOptions): NoteKey {
  const given = options.publicKey;
  if (given) {
    const text = existsSync(given) ? readFileSync(given, 'utf8') : given;
    try {
      return parseVerifierKey(nodeHashing, text);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  const own = readLogKeyIfAny(keyFileOf(options), masterKeyFromEnv(), warnOnStderr);
  if (!own) throw new CliError('no public key to verify with: pass --public-key (what `calllogs log-key` printed where the service runs)');
  return own.note;
}

/**
 * What to add to a failure when the pinned key was not given: a checkpoint signed by another key
 * then most often means this machine's key file belongs to another instance, not tampering.
 */
function defaultKeyHint(error: unknown, options: VerifyOptions): string {
  const unpinned = error instanceof UnpinnedSignerError || (error instanceof Error && error.cause instanceof UnpinnedSignerError);
  if (!unpinned || options.publicKey) return '';
  return ` (the key pinned is this machine's, read from ${keyFileOf(options)} as no --public-key was given:`
    + ' pass --public-key with what `calllogs log-key` prints where the service that signed runs)';
}

/** Checkpoints saved earlier, each verified with the pinned key. */
async function savedCheckpoints(file: string, key: NoteKey, options: VerifyOptions): Promise<Checkpoint[]> {
  const saved: Checkpoint[] = [];
  for (const note of readCheckpointNotes(file, '--since')) {
    try {
      saved.push(await verifyCheckpoint(note, key, verifyEd25519));
    } catch (error) {
      throw new CliError(`--since ${file}: ${(error as Error).message}${defaultKeyHint(error, options)}`);
    }
  }
  return saved;
}

/** Exported records against the proof file written beside them: each window's records with its proof. */
async function verifyExport(file: string, options: VerifyOptions, key: NoteKey, since: Checkpoint[]): Promise<void> {
  const proofPath = options.proof ?? `${file}.proof.json`;
  // The records are read and hashed on other threads while this one parses and checks the proof.
  const reading = readExportDigested(file);
  reading.catch(() => undefined); // reported below, after any fault of the proof file
  let proofFile: unknown;
  try {
    proofFile = JSON.parse(readFileSync(proofPath, 'utf8'));
  } catch (error) {
    throw new CliError(`proof file ${proofPath}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'not JSON'})`);
  }
  const older = olderProofFileFormat(proofFile);
  if (older) throw new CliError(`proof file ${proofPath}: written by an older calllogs (${older}): export it again`);
  if (!isProofFile(proofFile)) throw new CliError(`proof file ${proofPath}: not a proof file written by calllogs export --proof`);
  const saved = since.find((c) => c.origin === logOrigin(key.name, proofFile.vdnId ?? 0));
  if (options.since && !saved) throw new CliError(`--since ${options.since}: holds no checkpoint of this log`);
  const { windows } = proofFile;
  // Each window's proof against its checkpoint while the other threads still hash the records.
  const proven = [];
  for (const window of windows) {
    proven.push(await verifyProofRange(window.proof, { hashing: nodeHashing, verifySignature: verifyEd25519, key, since: saved && { size: saved.size, root: saved.root } }));
  }
  const records = await reading;
  // Each record goes with every window it was received in (one pass: exports hold millions).
  const held = windows.map((): HeldRecord[] => []);
  for (const record of records) {
    let placed = false;
    for (let i = 0; i < windows.length; i++) {
      if (record.operTime >= windows[i]!.fromMs && record.operTime < windows[i]!.toMs) {
        held[i]!.push(record);
        placed = true;
      }
    }
    if (!placed) throw new IntegrityError(`record ${record.id} is outside every window the proof covers`);
  }
  for (const [i, window] of windows.entries()) {
    const result = verifyRecordsInRange(held[i]!, proven[i]!, { hashing: nodeHashing, window });
    const leaves = result.firstLeaf === null ? 'no leaves' : `leaves ${result.firstLeaf}..${result.lastLeaf}`;
    process.stdout.write(`verified: ${result.records} records, ${leaves} of ${logName(proofFile.vdnId ?? 0)}, checkpoint size ${result.treeSize}\n`);
  }
}

export function verifyCommand(): Command {
  return new Command('verify')
    .description("check records against their tamper-evident logs: an export with its proof file, offline, or a whole store (--db)")
    .argument('[file]', 'records written by calllogs export --proof (NDJSON); without it, the store of --db is checked')
    .option('--proof <file>', 'the proof file of FILE (default: FILE.proof.json)')
    .addOption(dbOption())
    .option('--public-key <key|file>', 'the verifier key to pin (default: the one of this machine\'s signing key)')
    .option('--since <file>', 'checkpoints saved earlier (a signed note, or GET /checkpoints/latest): prove the logs still extend them')
    .addOption(new Option('--log-key <file>', 'the signing key file, for its public key (default: beside the data)').env('CALLLOGS_LOG_KEY'))
    .addHelpText('after', `
Exits 0 and prints one line per log (or proof window) when everything verifies; exits 1 naming
the first record, leaf or checkpoint that does not.

Examples:
  $ calllogs verify week.ndjson --proof week.proof.json --public-key "calllogs-1a2b3c+…"
  $ calllogs verify --db ./data/calllogs.db
  $ curl -s localhost:8080/checkpoints/latest > saved.json   # now, then later:
  $ calllogs verify --db postgres://calllogs@db/calllogs --public-key "$(cat calllogs.pub)" --since saved.json`)
    .action(async (file: string | undefined, options: VerifyOptions) => {
      const key = pinnedKey(options);
      const since = options.since ? await savedCheckpoints(options.since, key, options) : [];
      const failed = (error: unknown) => {
        if (error instanceof IntegrityError) throw new CliError(`verification failed: ${error.message}${defaultKeyHint(error, options)}`);
        throw error;
      };
      if (file) return verifyExport(file, options, key, since).catch(failed);
      const result = await withStore(options.db, (store) => verifyStoreLogs(store.integrity, key, since).catch(failed));
      for (const log of result.logs) {
        const retained = log.retained > 0 ? `, ${log.retained} removed by retention` : '';
        process.stdout.write(`verified: ${log.leaves} records, leaves 0..${log.leaves - 1} of ${log.vdn === 0 ? 'no VDN' : `VDN ${log.vdn}`}, checkpoint size ${log.checkpointSize}${retained}\n`);
      }
      const total = result.logs.reduce((sum, log) => sum + log.leaves, 0);
      process.stdout.write(`verified: ${total} records in ${result.logs.length} logs with ${formatVerifierKey(key)}${result.unsealed ? `; ${result.unsealed} records not sealed yet` : ''}\n`);
    });
}

export function logKeyCommand(): Command {
  return new Command('log-key')
    .description('print the verifier key of the logs\' checkpoint signing key (pin it where you verify)')
    .addOption(dbOption())
    .addOption(new Option('--log-key <file>', 'the signing key file (default: beside the data)').env('CALLLOGS_LOG_KEY'))
    .addHelpText('after', `
Examples:
  $ calllogs log-key > calllogs.pub
  $ calllogs log-key --db postgres://calllogs@db.internal/calllogs --log-key /etc/calllogs/log-signing-key.json`)
    .action((options: { db: string; logKey?: string }) => {
      const key = readLogKeyIfAny(keyFileOf(options), masterKeyFromEnv(), warnOnStderr);
      if (!key) throw new CliError(`no log signing key at ${keyFileOf(options)}: \`calllogs serve\` creates it on its first start`);
      process.stdout.write(`${formatVerifierKey(key.note)}\n`);
    });
}
