import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What `/metrics` exposes (Prometheus text format). One registry per server, so tests stay apart. */
export interface Metrics {
  registry: Registry;
  /** What `GET /metrics` answers: this registry, or in a worker of a cluster, every worker's summed. */
  render: () => Promise<string>;
  /** `calllogs_http_requests_total{route,method,status}`: requests answered. */
  requests: { inc: (labels: RequestLabels) => void };
  /** `calllogs_upstream_duration_seconds{route}`: time from forwarding a call to the upstream's answer headers. */
  upstreamSeconds: { observe: (route: string, seconds: number) => void };
  upstreamFailures: Counter<'reason'>;
  batchSize: Histogram;
  commitSeconds: Histogram;
  recordsWritten: Counter;
  /** Records lost: only a shutdown that could neither write nor spill them counts here. */
  recordsDropped: Counter;
  recordsSpilled: Counter;
  /** Requests that met a full record queue: `waited` for room, or `rejected` with 503 (durable). */
  queueFull: Counter<'action'>;
}

export interface RequestLabels {
  route: string;
  method: string;
  status: number;
}

/** How many label sets of answered requests are held, at most, before they are counted. */
const REQUEST_COUNTS_HELD = 1024;

/**
 * The answered-requests counter, fed in bulk like the durations below: prom-client's `inc` (labels
 * checked, sorted and hashed) was ~1.3 % of a forwarded call's event loop (perf). Calls are counted
 * per label set here and added to the counter whenever the registry is read.
 */
function requestCounts(registers: Registry[]): Metrics['requests'] {
  const held = new Map<string, { labels: RequestLabels; n: number }>();
  const countHeld = (): void => {
    for (const { labels, n } of held.values()) counter.inc(labels, n);
    held.clear();
  };
  const counter = new Counter<keyof RequestLabels>({
    name: 'calllogs_http_requests_total',
    help: 'Requests answered, by route (catalog interface name or server route), method and status',
    labelNames: ['route', 'method', 'status'],
    registers,
    collect: countHeld,
  });
  return {
    inc(labels) {
      // A method is an HTTP token and a route one of ours: neither holds a line break.
      const key = `${labels.route}\n${labels.method}\n${labels.status}`;
      const entry = held.get(key);
      if (entry) entry.n += 1;
      else if (held.set(key, { labels: { ...labels }, n: 1 }).size >= REQUEST_COUNTS_HELD) countHeld();
    },
  };
}

/** How many upstream durations wait, at most, before they are observed together. */
const DURATIONS_HELD = 1024;

/**
 * The upstream-duration histogram, fed in bulk: prom-client's `observe` (labels checked and hashed,
 * buckets searched) cost ~1.8 us of a forwarded call when made per call (bench/gateway-profile.mjs).
 * Durations are held and observed in one loop once DURATIONS_HELD wait and whenever the registry is
 * read, so every scrape sees every call answered before it.
 */
function upstreamDurations(registers: Registry[]): Metrics['upstreamSeconds'] {
  const routes: string[] = [];
  const durations: number[] = [];
  const observeHeld = (): void => {
    for (let i = 0; i < routes.length; i += 1) histogram.observe({ route: routes[i]! }, durations[i]!);
    routes.length = 0;
    durations.length = 0;
  };
  const histogram = new Histogram<'route'>({
    name: 'calllogs_upstream_duration_seconds',
    help: 'Time from forwarding a call to the upstream answer headers',
    labelNames: ['route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
    collect: observeHeld,
  });
  return {
    observe(route, seconds) {
      routes.push(route);
      durations.push(seconds);
      if (routes.length >= DURATIONS_HELD) observeHeld();
    },
  };
}

export function createMetrics(queueDepth: () => number): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'calllogs_process_' });
  const registers = [registry];
  new Gauge({
    name: 'calllogs_writer_queue_depth',
    help: 'Records waiting to be written',
    registers,
    collect() {
      this.set(queueDepth());
    },
  });
  return {
    registry,
    render: () => registry.metrics(),
    requests: requestCounts(registers),
    upstreamSeconds: upstreamDurations(registers),
    upstreamFailures: new Counter({
      name: 'calllogs_upstream_failures_total',
      help: 'Forwarded calls the upstream did not answer: unreachable (502) or timed out (504)',
      labelNames: ['reason'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'calllogs_writer_batch_size',
      help: 'Records per committed batch',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'calllogs_writer_commit_seconds',
      help: 'Time to commit one batch of records',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    recordsWritten: new Counter({ name: 'calllogs_records_written_total', help: 'Records committed to the store', registers }),
    recordsDropped: new Counter({ name: 'calllogs_records_dropped_total', help: 'Records lost (stays 0)', registers }),
    recordsSpilled: new Counter({ name: 'calllogs_records_spilled_total', help: 'Records written to the spill file while the store was down', registers }),
    queueFull: new Counter({
      name: 'calllogs_queue_full_total',
      help: 'Requests that found the record queue full: waited for room, or rejected with 503 in durable mode',
      labelNames: ['action'],
      registers,
    }),
  };
}
