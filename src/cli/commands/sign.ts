import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { signRequest } from '../../auth/sign-request.js';
import { CliError } from '../cli-error.js';
import { resolveRemote, withRemoteOptions, type RemoteOptions } from '../credentials.js';

interface SignOptions extends RemoteOptions {
  method: string;
  url: string;
  data?: string;
  dataFile?: string;
  contentType?: string;
  value?: boolean;
}

export function signCommand(): Command {
  const command = new Command('sign')
    .description('print the C2 Authorization header for one request (for curl and other HTTP tools)')
    .option('--method <method>', 'HTTP method', 'POST')
    .requiredOption('--url <url>', 'full URL the request goes to, query included')
    .option('--data <body>', 'the exact body that will be sent')
    .option('--data-file <file>', 'read the exact body from a file')
    .option('--content-type <type>', 'Content-Type that will be sent (it is signed)')
    .option('--value', 'print only the header value');
  return withRemoteOptions(command)
    .addHelpText('after', `
The signature covers the method, path, query, Host, Content-Type and the body byte for byte:
send exactly what you signed, within the server's clock-skew window (15 minutes by default).

Examples:
  $ BODY='{"offset":0,"limit":10,"beginTime":"2022-08-20 00:00:00","endTime":"2022-08-20 23:59:59"}'
  $ URL=http://127.0.0.1:8080/rest/isales/v1/openapi/campaigns/2/calllogs
  $ curl -s "$URL" -H 'Content-Type: application/json' -d "$BODY" \\
      -H "$(calllogs sign --url "$URL" --content-type application/json --data "$BODY")"`)
    .action((options: SignOptions) => {
      if (options.data !== undefined && options.dataFile !== undefined) throw new CliError('--data and --data-file: give one');
      let url: URL;
      try {
        url = new URL(options.url);
      } catch {
        throw new CliError(`--url: "${options.url}" is not a URL`);
      }
      const body = options.dataFile !== undefined ? readFileSync(options.dataFile) : options.data;
      const { ak, sk } = resolveRemote(options);
      const headers = signRequest({
        ak, sk, method: options.method.toUpperCase(), url, body,
        headers: options.contentType ? { 'content-type': options.contentType } : {},
      });
      process.stdout.write(options.value ? `${headers.authorization}\n` : `Authorization: ${headers.authorization}\n`);
    });
}
