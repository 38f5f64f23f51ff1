import { Command, InvalidArgumentError, Option } from 'commander';
import { isValidTimeZone } from '../../contract/time.js';
import { defaultConfig, type ServerConfig } from '../../server/config.js';
import { startServer } from '../../server/serve.js';
import { describeStore } from '../../store/db-url.js';
import { dbOption, parseDuration, parseInteger, parseSize } from '../options.js';

interface ServeOptions {
  host: string;
  port: number;
  db: string;
  tz: string;
  tlsCert?: string;
  tlsKey?: string;
  skew: number;
  bodyLimit: number;
  rateLimit: number;
  logLevel: string;
  trustProxy: boolean;
  poolSize: number;
  retentionDays: number;
  spillDir?: string;
  queueMax: number;
}

function parseZone(value: string): string {
  if (!isValidTimeZone(value)) throw new InvalidArgumentError('must be an IANA time zone such as Asia/Shanghai');
  return value;
}

export function serveCommand(): Command {
  const defaults = defaultConfig();
  return new Command('serve')
    .description('start the service on the SQLite store: the calllogs interface, recording every OpenAPI call')
    .addOption(new Option('--host <host>', 'address to listen on').env('CALLLOGS_HOST').default(defaults.host))
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').env('CALLLOGS_PORT')
      .default(defaults.port).argParser(parseInteger(0, 65535)))
    .addOption(dbOption())
    .addOption(new Option('--tz <zone>', 'IANA zone in which beginTime/endTime are read').env('CALLLOGS_TZ')
      .default(defaults.timeZone).argParser(parseZone))
    .addOption(new Option('--tls-cert <file>', 'PEM certificate: serve HTTPS').env('CALLLOGS_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'PEM private key for --tls-cert').env('CALLLOGS_TLS_KEY'))
    .addOption(new Option('--skew <duration>', 'allowed clock skew of signatures').env('CALLLOGS_SKEW')
      .default(defaults.skewMs, '15m').argParser(parseDuration))
    .addOption(new Option('--body-limit <size>', 'largest request body').env('CALLLOGS_BODY_LIMIT')
      .default(defaults.bodyLimit, '1mb').argParser(parseSize))
    .addOption(new Option('--rate-limit <n>', 'requests per second per access key (0: off)').env('CALLLOGS_RATE_LIMIT')
      .default(defaults.rateLimit).argParser(parseInteger(0, 1_000_000)))
    .addOption(new Option('--log-level <level>', 'log level').env('CALLLOGS_LOG_LEVEL').default(defaults.logLevel)
      .choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent']))
    .addOption(new Option('--trust-proxy', 'take the client address from X-Forwarded-For').env('CALLLOGS_TRUST_PROXY'))
    .addOption(new Option('--pool-size <n>', 'PostgreSQL connections of this instance').env('CALLLOGS_POOL_SIZE')
      .default(defaults.poolSize).argParser(parseInteger(1, 1000)))
    .addOption(new Option('--retention-days <n>', 'remove records older than this many days, in the background (0: keep all)')
      .env('CALLLOGS_RETENTION_DAYS').default(defaults.retentionDays).argParser(parseInteger(0, 100_000)))
    .addOption(new Option('--queue-max <n>', 'records waiting in memory before new requests wait (or, while the store is down, spill at half)')
      .env('CALLLOGS_QUEUE_MAX').default(defaults.writer.maxQueue).argParser(parseInteger(10, 10_000_000)))
    .addOption(new Option('--spill-dir <dir>', 'where records wait on disk while the store is down (default: spill/ beside the data)')
      .env('CALLLOGS_SPILL_DIR'))
    .addHelpText('after', `
Secret keys are encrypted at rest when CALLLOGS_MASTER_KEY is set.

Examples:
  $ calllogs serve
  $ calllogs serve --port 8443 --tls-cert cert.pem --tls-key key.pem --tz Asia/Shanghai
  $ CALLLOGS_DB=/var/lib/calllogs/calllogs.db calllogs serve --host 0.0.0.0 --retention-days 90
  $ calllogs serve --db postgres://calllogs@db.internal:5432/calllogs --pool-size 20 --port 8081`)
    .action(async (options: ServeOptions, command: Command) => {
      if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) command.error('error: --tls-cert and --tls-key go together');
      const config: ServerConfig = {
        ...defaults,
        host: options.host,
        port: options.port,
        db: options.db,
        timeZone: options.tz,
        tls: options.tlsCert && options.tlsKey ? { cert: options.tlsCert, key: options.tlsKey } : undefined,
        skewMs: options.skew,
        bodyLimit: options.bodyLimit,
        rateLimit: options.rateLimit,
        logLevel: options.logLevel,
        trustProxy: Boolean(options.trustProxy),
        poolSize: options.poolSize,
        retentionDays: options.retentionDays,
        spillDir: options.spillDir,
        writer: { ...defaults.writer, maxQueue: options.queueMax },
        masterKey: process.env.CALLLOGS_MASTER_KEY || undefined,
      };
      const server = await startServer(config);
      let notice = `calllogs: listening on ${server.endpoint} (store: ${describeStore(config.db)}, time zone: ${config.timeZone})\n`;
      if (server.bootstrapped) {
        const { ak, sk, file } = server.bootstrapped;
        // The SK goes to a terminal only: a service's captured output ends up in logs.
        const shown = process.stderr.isTTY ? `\n  SK: ${sk}` : '';
        notice += `calllogs: no keys existed, created an all-VDN key\n  AK: ${ak}${shown}\n  credentials written to ${file} (mode 0600)\n`;
      }
      process.stderr.write(notice);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        server.app.log.info({ signal }, 'shutting down: finishing requests and writing queued records');
        server.close().then(
          () => process.exit(0),
          (error: Error) => {
            server.app.log.error({ errMessage: error.message }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
