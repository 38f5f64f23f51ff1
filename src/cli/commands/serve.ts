import { Command, InvalidArgumentError, Option } from 'commander';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { isValidTimeZone } from '../../contract/time.js';
import { loadRedactionRules } from '../../record/redaction-config.js';
import { DEFAULT_UPSTREAM, defaultConfig, type AuthMode, type ServerConfig, type UpstreamConfig } from '../../server/config.js';
import { onStopRequests } from '../../server/stop-requests.js';
import { describeStore } from '../../store/db-url.js';
import { dbOption, parseDuration, parseHttpUrl, parseInteger, parseSize } from '../options.js';
import { masterKeyFromEnv } from '../store-command.js';

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
  upstream?: string;
  authMode: AuthMode;
  upstreamAk?: string;
  upstreamSk?: string;
  upstreamCa?: string;
  upstreamConnectTimeout: number;
  upstreamTimeout: number;
  upstreamConnections: number;
  durable: boolean;
  recording: boolean;
  redaction?: string;
  workers: number;
  logKey?: string;
  checkpointInterval: number;
}

function parseZone(value: string): string {
  if (!isValidTimeZone(value)) throw new InvalidArgumentError('must be an IANA time zone such as Asia/Shanghai');
  return value;
}

function parseUpstream(value: string): string {
  const url = parseHttpUrl(value, 'https://10.0.0.5:28080');
  if (url.pathname !== '/' || url.search || url.username) {
    throw new InvalidArgumentError('must be only scheme, host and port: paths are forwarded as they are called');
  }
  return url.origin;
}

const MAX_WORKERS = 256;

function parseWorkers(value: string): number {
  return value === 'auto' ? availableParallelism() : parseInteger(1, MAX_WORKERS)(value);
}

/** What a newcomer needs to see once the service listens (the SK only on a terminal). */
function startNotice(
  config: ServerConfig,
  started: { endpoint: string; bootstrapped: { ak: string; sk: string; file: string } | undefined },
  workers: number,
): string {
  const served = workers > 1 ? `, ${workers} workers` : '';
  let notice = `calllogs: listening on ${started.endpoint} (store: ${describeStore(config.db)}, time zone: ${config.timeZone}${served})\n`;
  if (config.upstream) notice += `calllogs: forwarding to ${config.upstream.url} (auth: ${config.upstream.authMode}${config.durable ? ', durable' : ''})\n`;
  if (started.bootstrapped) {
    const { ak, sk, file } = started.bootstrapped;
    // The SK goes to a terminal only: a service's captured output ends up in logs.
    const shown = process.stderr.isTTY ? `\n  SK: ${sk}` : '';
    notice += `calllogs: no keys existed, created an all-VDN key\n  AK: ${ak}${shown}\n  credentials written to ${file} (mode 0600)\n`;
  }
  return notice;
}

function upstreamConfig(options: ServeOptions, fail: (message: string) => never): UpstreamConfig | undefined {
  if (!options.upstream) {
    const stray = ['upstreamAk', 'upstreamSk', 'upstreamCa'].filter((k) => options[k as keyof ServeOptions] !== undefined);
    if (stray.length > 0 || options.authMode !== DEFAULT_UPSTREAM.authMode) fail('error: the upstream options need --upstream');
    return undefined;
  }
  const resign = options.authMode === 'resign';
  if (resign && !(options.upstreamAk && options.upstreamSk)) fail('error: --auth-mode resign needs --upstream-ak and --upstream-sk (or CALLLOGS_UPSTREAM_SK)');
  if (!resign && (options.upstreamAk || options.upstreamSk)) fail('error: --upstream-ak/--upstream-sk are used only with --auth-mode resign');
  return {
    url: options.upstream,
    authMode: options.authMode,
    credentials: resign ? { ak: options.upstreamAk!, sk: options.upstreamSk! } : undefined,
    caFile: options.upstreamCa,
    connectTimeoutMs: options.upstreamConnectTimeout,
    timeoutMs: options.upstreamTimeout,
    connections: options.upstreamConnections,
  };
}

export function serveCommand(): Command {
  const defaults = defaultConfig();
  return new Command('serve')
    .description('start the service: the calllogs interface, recording every OpenAPI call; with --upstream, a recording gateway')
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
    .addOption(new Option('--upstream <url>', 'gateway: forward calls under /rest/isales/ other than ours to this server')
      .env('CALLLOGS_UPSTREAM').argParser(parseUpstream))
    .addOption(new Option('--auth-mode <mode>', 'gateway: verify callers and forward, pass signatures through, or verify and re-sign')
      .env('CALLLOGS_AUTH_MODE').choices(['verify', 'passthrough', 'resign']).default(DEFAULT_UPSTREAM.authMode))
    .addOption(new Option('--upstream-ak <ak>', 'gateway: the access key that re-signs forwarded calls (resign)').env('CALLLOGS_UPSTREAM_AK'))
    .addOption(new Option('--upstream-sk <sk>', 'gateway: its secret key (prefer CALLLOGS_UPSTREAM_SK: arguments show in ps)')
      .env('CALLLOGS_UPSTREAM_SK'))
    .addOption(new Option('--upstream-ca <file>', 'gateway: PEM bundle trusted for the upstream\'s certificate').env('CALLLOGS_UPSTREAM_CA'))
    .addOption(new Option('--upstream-connect-timeout <duration>', 'gateway: longest wait for a connection (then 504)')
      .env('CALLLOGS_UPSTREAM_CONNECT_TIMEOUT').default(DEFAULT_UPSTREAM.connectTimeoutMs, '5s').argParser(parseDuration))
    .addOption(new Option('--upstream-timeout <duration>', 'gateway: longest wait for the answer, and between its body\'s chunks (then 504)')
      .env('CALLLOGS_UPSTREAM_TIMEOUT').default(DEFAULT_UPSTREAM.timeoutMs, '30s').argParser(parseDuration))
    .addOption(new Option('--upstream-connections <n>', 'gateway: keep-alive connections to the upstream, at most')
      .env('CALLLOGS_UPSTREAM_CONNECTIONS').default(DEFAULT_UPSTREAM.connections).argParser(parseInteger(1, 10_000)))
    .addOption(new Option('--durable', 'answer a call only once its record has committed (group commit); 503 when the queue is full')
      .env('CALLLOGS_DURABLE'))
    .addOption(new Option('--no-recording', 'forward and answer without recording (to measure the gateway alone)'))
    .addOption(new Option('--log-key <file>', 'the key that signs the logs\' checkpoints (default: log-signing-key.json beside the data)')
      .env('CALLLOGS_LOG_KEY'))
    .addOption(new Option('--checkpoint-interval <duration>', 'how often a grown log gets a new signed checkpoint').env('CALLLOGS_CHECKPOINT_INTERVAL')
      .default(defaults.integrity.checkpointIntervalMs, '10s').argParser(parseDuration))
    .addOption(new Option('--workers <n>', 'event loops serving the one port, each recording its own calls (auto: one per core)')
      .env('CALLLOGS_WORKERS').default(1).argParser(parseWorkers))
    .addOption(new Option('--redaction <file>', 'JSON or YAML file adding to (or replacing) the masking rules').env('CALLLOGS_REDACTION'))
    .addHelpText('after', `
Secret keys are encrypted at rest when CALLLOGS_MASTER_KEY is set.

Examples:
  $ calllogs serve
  $ calllogs serve --port 8443 --tls-cert cert.pem --tls-key key.pem --tz Asia/Shanghai
  $ CALLLOGS_DB=/var/lib/calllogs/calllogs.db calllogs serve --host 0.0.0.0 --retention-days 90
  $ calllogs serve --db postgres://calllogs@db.internal:5432/calllogs --pool-size 20 --port 8081
  $ calllogs serve --upstream https://10.0.0.5:28080 --upstream-ca vendor-ca.pem --durable
  $ calllogs serve --upstream https://10.0.0.5:28080 --workers auto
  $ CALLLOGS_UPSTREAM_SK=... calllogs serve --upstream https://10.0.0.5:28080 --auth-mode resign --upstream-ak gwak`)
    .action(async (options: ServeOptions, command: Command) => {
      if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) command.error('error: --tls-cert and --tls-key go together');
      const upstream = upstreamConfig(options, (message) => command.error(message));
      let redaction = defaults.redaction;
      try {
        if (options.redaction) redaction = loadRedactionRules(options.redaction);
      } catch (error) {
        command.error(`error: ${(error as Error).message}`);
      }
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
        masterKey: masterKeyFromEnv(),
        upstream,
        durable: Boolean(options.durable),
        recording: options.recording,
        redaction,
        integrity: { ...defaults.integrity, keyFile: options.logKey, checkpointIntervalMs: options.checkpointInterval },
      };
      if (options.workers > 1 && cluster.isPrimary) {
        const { startCluster } = await import('../../server/cluster/primary.js');
        const running = await startCluster(config, options.workers);
        process.stderr.write(startNotice(config, running, options.workers));
        onStopRequests((reason, forced) => {
          if (!forced) running.log.info({ reason }, 'shutting down: every worker finishes its requests and writes its queued records');
          running.stop(forced);
        });
        process.exit(await running.exited);
      }
      // Loaded here: the server's modules (Fastify and the rest) would slow every other command's start.
      const [{ startServer }, { announceReady, workerRole }] = await Promise.all([
        import('../../server/serve.js'),
        import('../../server/cluster/worker.js'),
      ]);
      const role = workerRole();
      const starting = startServer(config, role);
      // Heard from the start: the server answers calls before it has finished starting (its sealer
      // starts after it listens), so a stop asked for meanwhile waits for it, then writes their records.
      onStopRequests((reason, forced) => {
        if (forced) process.exit(1);
        void starting.then((server) => {
          server.app.log.info({ reason }, 'shutting down: finishing requests and writing queued records');
          server.close().then(
            () => process.exit(0),
            (error: Error) => {
              server.app.log.error({ errMessage: error.message }, 'shutdown failed');
              process.exit(1);
            },
          );
        }, () => undefined); // a failed start is reported below
      });
      const server = await starting;
      if (role) announceReady(server.endpoint);
      else process.stderr.write(startNotice(config, server, 1));
    });
}
