import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { isValidTimeZone } from '../../contract/time.js';
import { CliError } from '../cli-error.js';
import { parseHttpUrl } from '../options.js';
import { configPath, DEFAULT_PROFILE, saveProfile } from '../profiles.js';

interface ConfigureOptions {
  profile: string;
  endpoint: string;
  ak: string;
  sk: string;
  ca?: string;
  serverTz?: string;
}

function parseEndpoint(value: string): string {
  parseHttpUrl(value, 'https://10.0.0.5:8443');
  return value.replace(/\/+$/, '');
}

export function configureCommand(): Command {
  return new Command('configure')
    .description('save connection settings as a named profile in a file only you can read (mode 0600)')
    .option('--profile <name>', 'profile name', DEFAULT_PROFILE)
    .requiredOption('--endpoint <url>', 'server, e.g. https://10.0.0.5:8443', parseEndpoint)
    .requiredOption('--ak <ak>', 'access key')
    .requiredOption('--sk <sk>', 'secret key; "-" reads it from standard input (keeps it out of ps and shell history)')
    .option('--ca <file>', 'PEM CA bundle to trust')
    .option('--server-tz <zone>', "the server's time zone (IANA), in which it reads beginTime/endTime")
    .addHelpText('after', `
The file is $CALLLOGS_CONFIG, else $XDG_CONFIG_HOME/calllogs/config.json (~/.config/calllogs/config.json).
Commands use the "default" profile when it exists, or the one named by --profile / CALLLOGS_PROFILE.

Examples:
  $ printf '%s' "$SK" | calllogs configure --endpoint https://10.0.0.5:8443 --ak ak123 --sk - --ca vendor-ca.pem --server-tz Asia/Shanghai
  $ calllogs configure --profile lab --endpoint http://127.0.0.1:8080 --ak ak123 --sk -`)
    .action((options: ConfigureOptions) => {
      const sk = options.sk === '-' ? readFileSync(0, 'utf8').trim() : options.sk;
      if (!sk) throw new CliError('--sk: empty secret key');
      if (options.serverTz && !isValidTimeZone(options.serverTz)) throw new CliError(`--server-tz: "${options.serverTz}" is not an IANA time zone`);
      saveProfile(options.profile, { endpoint: options.endpoint, ak: options.ak, sk, ca: options.ca, timeZone: options.serverTz });
      process.stdout.write(`saved profile "${options.profile}" in ${configPath()}\n`);
    });
}
