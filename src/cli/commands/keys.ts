import { Command, InvalidArgumentError } from 'commander';
import { MAX_VDN, MIN_VDN } from '../../contract/query.js';
import { DuplicateKeyError } from '../../store/types.js';
import { collect, dbOption, parseInteger } from '../options.js';
import { keyStoreOf, withStore } from '../store-command.js';
import { formatTable } from '../table.js';
import { CliError } from '../cli-error.js';

function parseAk(value: string): string {
  if (!/^[A-Za-z0-9._~-]{1,128}$/.test(value)) throw new InvalidArgumentError('must be 1-128 characters of A-Z a-z 0-9 . _ ~ -');
  return value;
}

function parseSk(value: string): string {
  if (value.length < 8 || /\s/.test(value)) throw new InvalidArgumentError('must be at least 8 characters, no whitespace');
  return value;
}

interface CreateOptions {
  vdn: number[];
  allVdns?: boolean;
  ak?: string;
  sk?: string;
  label?: string;
  json?: boolean;
  db: string;
}

function createCommand(): Command {
  return new Command('create')
    .description('create an access key; its SK is printed once')
    .option('--vdn <n>', 'a VDN the key may act on (repeatable)', collect(parseInteger(MIN_VDN, MAX_VDN)), [])
    .option('--all-vdns', 'the key may act on every VDN')
    .option('--ak <ak>', 'use this AK instead of a generated one', parseAk)
    .option('--sk <sk>', 'use this SK instead of a generated one', parseSk)
    .option('--label <text>', 'a note about who holds the key')
    .option('--json', 'print {"ak","sk","vdns"} as JSON')
    .addOption(dbOption())
    .addHelpText('after', '\nExamples:\n  $ calllogs keys create --vdn 2 --label "crm integration"\n  $ calllogs keys create --all-vdns --json')
    .action(async (options: CreateOptions, command: Command) => {
      if (Boolean(options.allVdns) === options.vdn.length > 0) command.error('error: give --vdn N (one or more) or --all-vdns');
      await withStore(options.db, async (store) => {
        try {
          const key = await keyStoreOf(store).create({
            vdns: options.allVdns ? 'all' : options.vdn, ak: options.ak, sk: options.sk, label: options.label,
          });
          if (options.json) process.stdout.write(JSON.stringify({ ak: key.ak, sk: key.sk, vdns: key.vdns }) + '\n');
          else process.stdout.write(`AK:   ${key.ak}\nSK:   ${key.sk}\nVDNs: ${key.vdns === 'all' ? 'all' : key.vdns.join(', ')}\n` +
            'The SK is shown only now: store it safely.\n');
        } catch (error) {
          if (error instanceof DuplicateKeyError) throw new CliError(error.message);
          throw error;
        }
      });
    });
}

function listCommand(): Command {
  return new Command('list')
    .description('list access keys (never their SKs)')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .addHelpText('after', '\nExamples:\n  $ calllogs keys list\n  $ calllogs keys list --json --db /var/lib/calllogs/calllogs.db')
    .action(async (options: { json?: boolean; db: string }) => {
      await withStore(options.db, async (store) => {
        const keys = await keyStoreOf(store).list();
        if (options.json) return void process.stdout.write(JSON.stringify(keys) + '\n');
        process.stdout.write(formatTable(
          ['AK', 'VDNS', 'STATE', 'SK AT REST', 'CREATED', 'LABEL'],
          keys.map((k) => [k.ak, k.vdns === 'all' ? 'all' : k.vdns.join(','), k.disabled ? 'disabled' : 'enabled',
            k.encrypted ? 'encrypted' : 'clear', new Date(k.createdAt).toISOString(), k.label]),
        ));
      });
    });
}

function changeCommand(name: 'disable' | 'enable' | 'delete', description: string): Command {
  return new Command(name)
    .description(description)
    .argument('<ak>', 'the access key')
    .addOption(dbOption())
    .addHelpText('after', `\nExamples:\n  $ calllogs keys ${name} ak0123456789abcdef01234567`)
    .action(async (ak: string, options: { db: string }) => {
      await withStore(options.db, async (store) => {
        const keys = keyStoreOf(store);
        const done = name === 'delete' ? await keys.delete(ak) : await keys.setDisabled(ak, name === 'disable');
        if (!done) throw new CliError(`no access key ${ak}`);
        process.stdout.write(`${ak}: ${name === 'delete' ? 'deleted' : `${name}d`}\n`);
      });
    });
}

export function keysCommand(): Command {
  return new Command('keys')
    .description('manage the access keys (AK/SK) that may call the service')
    .addCommand(createCommand())
    .addCommand(listCommand())
    .addCommand(changeCommand('disable', 'refuse calls signed with a key (it stays listed)'))
    .addCommand(changeCommand('enable', 'accept a disabled key again'))
    .addCommand(changeCommand('delete', 'remove a key for good'));
}
