import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/auth/sign-request.js';
import { runCli, startServe, type ServeProcess } from '../helpers/cli.js';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';
import { startSimulator, type Simulator } from '../helpers/simulator.js';
import { tempDir } from '../helpers/tmp.js';

const withPostgres = await postgresAvailable();
const key = { ak: 'ak-workers', sk: 'sk-workers-secret' };
const PATH = '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3';
const agents: Agent[] = [];
afterAll(() => Promise.all(agents.map((agent) => agent.close())));

const stores: [string, () => Promise<string>][] = [
  ['SQLite', async () => join(tempDir(), 'workers.db')],
  ...(withPostgres ? [['PostgreSQL', createTestDatabase] as [string, () => Promise<string>]] : []),
];

/** Keep-alive connections enough to reach both workers (the primary hands them out in turn). */
function newAgent(): Agent {
  const agent = new Agent({ connections: 12 });
  agents.push(agent);
  return agent;
}

async function forwarded(endpoint: string, agent: Agent): Promise<number> {
  const url = endpoint + PATH;
  const answer = await request(url, { headers: signRequest({ ...key, method: 'GET', url }), dispatcher: agent });
  await answer.body.dump();
  return answer.statusCode;
}

/** `calls` signed gateway calls, `concurrency` at a time; every one must be answered 200. */
async function callThrough(endpoint: string, calls: number, agent: Agent, concurrency = 12): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < calls) expect(await forwarded(endpoint, agent)).toBe(200);
  }));
}

/** The ids of every stored record, read by `calllogs export` (any store). */
async function storedIds(db: string): Promise<string[]> {
  const result = await runCli(['export', '--db', db]);
  expect(result.code).toBe(0);
  return result.stdout.trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id);
}

/** An id ends with the 11-digit node number its process drew (ids.ts): one per worker. */
const writers = (ids: string[]) => new Set(ids.map((id) => id.slice(19))).size;

async function metricSum(endpoint: string, pattern: RegExp): Promise<number> {
  const text = await (await request(`${endpoint}/metrics`)).body.text();
  return text.split('\n').filter((line) => pattern.test(line)).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function startWorkers(db: string, upstream: Simulator, extra: string[] = []): Promise<ServeProcess> {
  expect((await runCli(['keys', 'create', '--all-vdns', '--ak', key.ak, '--sk', key.sk, '--db', db])).code).toBe(0);
  const gw = await startServe(['--db', db, '--upstream', upstream.url, '--workers', '2', '--spill-dir', tempDir(), ...extra]);
  expect(gw.output().stderr).toMatch(/listening on \S+ \(store: .*, 2 workers\)/);
  return gw;
}

describe.each(stores)('serve --workers 2 on %s', (_store, newDb) => {
  it('answers on one port from two event loops, sums /metrics over both, and writes every record on SIGTERM', async () => {
    const [db, upstream] = await Promise.all([newDb(), startSimulator()]);
    const gw = await startWorkers(db, upstream);
    const agent = newAgent();
    try {
      await callThrough(gw.endpoint, 300, agent);
      // Whichever worker answers /metrics, it counts both workers' calls.
      for (let i = 0; i < 4; i++) {
        expect(await metricSum(gw.endpoint, /^calllogs_http_requests_total\{route="queryCampaigns"/)).toBe(300);
      }

      // Calls keep coming while the service stops: each one answered has its record, written once.
      let answered = 300;
      let stopped: Promise<number | null> | undefined;
      await Promise.all(Array.from({ length: 12 }, async () => {
        for (;;) {
          try {
            expect(await forwarded(gw.endpoint, agent)).toBe(200);
          } catch {
            return; // refused or closed once the workers stop listening: not answered, not recorded
          }
          if (++answered === 500) stopped = gw.stop();
        }
      }));
      expect(await stopped).toBe(0);
      const ids = await storedIds(db);
      expect(ids.length).toBe(answered);
      expect(new Set(ids).size).toBe(ids.length);
      expect(writers(ids)).toBe(2);
    } finally {
      await gw.stop();
      await upstream.stop();
    }
  }, 90_000);

  it('with --durable, has committed each call before its answer leaves, whichever worker answered', async () => {
    const [db, upstream] = await Promise.all([newDb(), startSimulator()]);
    const gw = await startWorkers(db, upstream, ['--durable']);
    try {
      await callThrough(gw.endpoint, 200, newAgent());
      const ids = await storedIds(db); // another process, before any flush could still be due
      expect(ids.length).toBe(200);
      expect(writers(ids)).toBe(2);
      expect(await gw.stop()).toBe(0);
    } finally {
      await gw.stop();
      await upstream.stop();
    }
  }, 90_000);
});

/** The workers' process ids, from their "Server listening" log lines. */
const workerPids = (gw: ServeProcess) => [...gw.output().stdout.matchAll(/"pid":(\d+)[^\n]*Server listening/g)].map((m) => Number(m[1]));

describe('serve --workers 2: signals and failures', () => {
  it('takes a Ctrl-C that reaches every process of the group as one graceful stop', async () => {
    const [db, upstream] = await Promise.all([join(tempDir(), 'group.db'), startSimulator()]);
    const gw = await startWorkers(db, upstream);
    try {
      await callThrough(gw.endpoint, 200, newAgent());
      for (const pid of workerPids(gw)) process.kill(pid, 'SIGINT');
      expect(await gw.stop('SIGINT')).toBe(0);
      expect((await storedIds(db)).length).toBe(200);
    } finally {
      await gw.stop();
      await upstream.stop();
    }
  }, 90_000);

  it('starts another worker in place of one that dies and keeps serving on the same port', async () => {
    const [db, upstream] = await Promise.all([join(tempDir(), 'respawn.db'), startSimulator()]);
    const gw = await startWorkers(db, upstream, ['--durable']);
    try {
      await callThrough(gw.endpoint, 40, newAgent());
      const pids = () => workerPids(gw);
      const [victim] = pids();
      process.kill(victim!, 'SIGKILL');
      await expect.poll(() => pids().length, { timeout: 15_000, message: 'a new worker listens' }).toBe(3);
      expect(gw.output().stdout).toMatch(/"worker":\d,"code":null,"signal":"SIGKILL","msg":"worker died; starting another in its place"/);
      await callThrough(gw.endpoint, 40, newAgent());
      expect(await gw.stop()).toBe(0);
      expect((await storedIds(db)).length).toBe(80); // durable: nothing answered was lost with the worker
    } finally {
      await gw.stop();
      await upstream.stop();
    }
  }, 90_000);

  it('stops, with every record, when asked while the worker it replaces is still starting', async () => {
    const [db, upstream] = await Promise.all([join(tempDir(), 'restarting.db'), startSimulator()]);
    const gw = await startWorkers(db, upstream, ['--durable']);
    try {
      await callThrough(gw.endpoint, 40, newAgent());
      process.kill(workerPids(gw)[0]!, 'SIGKILL');
      await expect.poll(() => gw.output().stdout, { timeout: 15_000, interval: 5 }).toContain('worker died; starting another');
      const exit = gw.stop(); // the replacement is not listening yet: it must still hear of the stop
      const late = new Promise((resolve) => setTimeout(resolve, 30_000, 'still running 30 s later'));
      expect(await Promise.race([exit, late])).toBe(0);
      expect((await storedIds(db)).length).toBe(40);
    } finally {
      await gw.stop('SIGKILL');
      await upstream.stop();
    }
  }, 90_000);

  it('exits 1 with the reason when a worker cannot start', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as AddressInfo).port);
      const result = await runCli(['serve', '--port', port, '--db', join(tempDir(), 'taken.db'), '--workers', '2']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`EADDRINUSE 127.0.0.1:${port}`);
    } finally {
      taken.close();
    }
  }, 30_000);
});
