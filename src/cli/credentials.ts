import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { CalllogsClient } from '../client/calllogs-client.js';
import { isValidTimeZone, processTimeZone } from '../contract/time.js';
import { credentialsPathFor, type Credentials } from '../server/bootstrap-key.js';
import { DEFAULT_DB } from '../server/config.js';
import { CliError } from './cli-error.js';
import { DEFAULT_PROFILE, readProfiles, type Profile } from './profiles.js';

/** The options every command that calls a server takes. */
export interface RemoteOptions {
  endpoint?: string;
  ak?: string;
  sk?: string;
  profile?: string;
  credentials?: string;
  ca?: string;
  serverTz?: string;
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080';

/** Adds the connection options (each with its CALLLOGS_* variable) to a command. */
export function withRemoteOptions(command: Command): Command {
  return command
    .addOption(new Option('--endpoint <url>', 'server, e.g. https://10.0.0.5:8443').env('CALLLOGS_ENDPOINT'))
    .addOption(new Option('--ak <ak>', 'access key').env('CALLLOGS_AK'))
    .addOption(new Option('--sk <sk>', 'secret key (prefer CALLLOGS_SK or a profile: flags show in ps)').env('CALLLOGS_SK'))
    .addOption(new Option('--profile <name>', 'profile saved by "calllogs configure"').env('CALLLOGS_PROFILE'))
    .addOption(new Option('--credentials <file>', 'JSON file with ak, sk and endpoint').env('CALLLOGS_CREDENTIALS'))
    .addOption(new Option('--ca <file>', 'PEM CA bundle to trust (self-signed server certificates)').env('CALLLOGS_CA'))
    .addOption(new Option('--server-tz <zone>', "the server's time zone (default: the profile's, else this machine's)").env('CALLLOGS_SERVER_TZ'));
}

/**
 * The connection to use, each setting taken from the first that has it: flags (and their
 * CALLLOGS_* variables), the profile (`--profile`, else "default" when it exists), the credentials
 * file (`--credentials`, else the one `serve` writes beside the default database).
 */
export function resolveRemote(options: RemoteOptions): Required<Omit<Profile, 'ca'>> & { ca?: string } {
  const profiles = readProfiles();
  const profileName = options.profile ?? DEFAULT_PROFILE;
  const profile: Partial<Profile> | undefined = profiles[profileName];
  if (options.profile && !profile) throw new CliError(`no profile "${options.profile}": create it with calllogs configure --profile ${options.profile}`);
  const file = options.credentials ?? credentialsPathFor(process.env.CALLLOGS_DB ?? DEFAULT_DB);
  let stored: Partial<Credentials> = {};
  if ((!(options.ak ?? profile?.ak) || !(options.sk ?? profile?.sk)) && existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    } catch {
      throw new CliError(`${file}: not a credentials file (JSON with ak and sk)`);
    }
  }
  const ak = options.ak ?? profile?.ak ?? stored.ak;
  const sk = options.sk ?? profile?.sk ?? stored.sk;
  if (!ak || !sk) {
    throw new CliError('no credentials: pass --ak and --sk, set CALLLOGS_AK and CALLLOGS_SK, save a profile with calllogs configure, ' +
      `or pass --credentials FILE (looked for ${file})`);
  }
  const timeZone = options.serverTz ?? profile?.timeZone ?? processTimeZone();
  if (!isValidTimeZone(timeZone)) throw new CliError(`--server-tz: "${timeZone}" is not an IANA time zone`);
  return { ak, sk, endpoint: options.endpoint ?? profile?.endpoint ?? stored.endpoint ?? DEFAULT_ENDPOINT, timeZone, ca: options.ca ?? profile?.ca };
}

export function clientFor(options: RemoteOptions): { client: CalllogsClient; timeZone: string } {
  const remote = resolveRemote(options);
  let ca: Buffer | undefined;
  if (remote.ca) {
    try {
      ca = readFileSync(remote.ca);
    } catch {
      throw new CliError(`--ca: cannot read ${remote.ca}`);
    }
  }
  return { client: new CalllogsClient({ ...remote, ca }), timeZone: remote.timeZone };
}
