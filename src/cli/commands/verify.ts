import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { formatVerifierKey, parseVerifierKey, verifyCheckpoint, type Checkpoint, type NoteKey } from '../../integrity/checkpoint.js';
import { logKeyPathFor, readLogKeyIfAny } from '../../integrity/key-file.js';
import { nodeHashing, verifyEd25519 } from '../../integrity/node-crypto.js';
import { IntegrityError, verifyStoreLogs } from '../../integrity/verify-logs.js';
import { dataDirFor } from '../../server/bootstrap-key.js';
import { warnOnStderr } from '../../store/private-files.js';
import { CliError } from '../cli-error.js';
import { dbOption } from '../options.js';
import { withStore } from '../store-command.js';

interface VerifyOptions {
  db: string;
  publicKey?: string;
  since?: string;
  logKey?: string;
}

const masterKey = () => process.env.CALLLOGS_MASTER_KEY || undefined;

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
  const own = readLogKeyIfAny(keyFileOf(options), masterKey(), warnOnStderr);
  if (!own) throw new CliError('no public key to verify with: pass --public-key (what `calllogs log-key` printed where the service runs)');
  return own.note;
}

/** Checkpoints saved earlier: a signed note, or what GET /checkpoints/latest answered; each must verify. */
async function savedCheckpoints(file: string, key: NoteKey): Promise<Checkpoint[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`--since ${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  let notes = [text];
  if (text.trimStart().startsWith('{')) {
    const parsed = JSON.parse(text) as { checkpoints?: { checkpoint?: unknown }[] };
    notes = (parsed.checkpoints ?? []).map((c) => String(c.checkpoint));
  }
  const saved: Checkpoint[] = [];
  for (const note of notes) {
    try {
      saved.push(await verifyCheckpoint(note, key, verifyEd25519));
    } catch (error) {
      throw new CliError(`--since ${file}: ${(error as Error).message}`);
    }
  }
  return saved;
}

export function verifyCommand(): Command {
  return new Command('verify')
    .description("check a store's tamper-evident logs: every record against its VDN's log and the signed checkpoints")
    .addOption(dbOption())
    .option('--public-key <key|file>', 'the verifier key to pin (default: the one of this machine\'s signing key)')
    .option('--since <file>', 'checkpoints saved earlier (a signed note, or GET /checkpoints/latest): prove the logs still extend them')
    .addOption(new Option('--log-key <file>', 'the signing key file, for its public key (default: beside the data)').env('CALLLOGS_LOG_KEY'))
    .addHelpText('after', `
Exits 0 and prints one line per log when everything verifies; exits 1 naming the first record,
leaf or checkpoint that does not.

Examples:
  $ calllogs verify --db ./data/calllogs.db
  $ curl -s localhost:8080/checkpoints/latest > saved.json   # now, then later:
  $ calllogs verify --db postgres://calllogs@db/calllogs --public-key "$(cat calllogs.pub)" --since saved.json`)
    .action(async (options: VerifyOptions) => {
      const key = pinnedKey(options);
      const since = options.since ? await savedCheckpoints(options.since, key) : [];
      const result = await withStore(options.db, async (store) => {
        try {
          return await verifyStoreLogs(store.integrity, key, since);
        } catch (error) {
          if (error instanceof IntegrityError) throw new CliError(`verification failed: ${error.message}`);
          throw error;
        }
      });
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
    .action((options: { db: string; logKey?: string }) => {
      const key = readLogKeyIfAny(keyFileOf(options), masterKey(), warnOnStderr);
      if (!key) throw new CliError(`no log signing key at ${keyFileOf(options)}: \`calllogs serve\` creates it on its first start`);
      process.stdout.write(`${formatVerifierKey(key.note)}\n`);
    });
}
