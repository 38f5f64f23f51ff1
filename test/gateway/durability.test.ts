import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/auth/sign-request.js';
import type { CallRecord } from '../../src/contract/record.js';
import { DEFAULT_WRITER_OPTIONS } from '../../src/record/writer.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LogStore } from '../../src/store/types.js';
import { startApp, type RunningApp } from '../helpers/app.js';
import { startServe } from '../helpers/cli.js';
import { call } from '../helpers/server.js';
import { startSimulator, type Simulator } from '../helpers/simulator.js';
import { tempDir } from '../helpers/tmp.js';

const API = '/rest/isales/v1/openapi';

/** A real store whose commits wait until the gate opens. */
function gated(store: LogStore) {
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const view = Object.assign(Object.create(store) as LogStore, {
    insertBatch: async (records: CallRecord[]) => {
      await gate;
      return store.insertBatch(records);
    },
  });
  return {
    store: view,
    open: () => open(),
    close: () => (gate = new Promise<void>((r) => (open = r))),
  };
}

async function storedCount(store: LogStore): Promise<number> {
  return store.countRecords();
}

const settled = <T>(p: Promise<T>) => {
  const state = { done: false, value: undefined as T | undefined };
  void p.then((v) => Object.assign(state, { done: true, value: v }));
  return state;
};

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('durable mode', () => {
  let store: SqliteStore;
  let gate: ReturnType<typeof gated>;
  let app: RunningApp;
  beforeAll(async () => {
    store = SqliteStore.open(join(tempDir(), 'durable.db'));
    gate = gated(store);
    app = await startApp(store, store, [], { durable: true, writer: { ...DEFAULT_WRITER_OPTIONS, maxQueue: 3 } }, gate.store);
  });
  afterAll(async () => {
    gate.open();
    await app.close();
    await store.close();
  });

  it('releases an answer only once its record has committed; a full queue is 503 at once, and counted', async () => {
    const first = [1, 2, 3].map(() => settled(call(app.endpoint, `${API}/x`, { method: 'GET' })));
    await wait(300);
    expect(first.every((s) => !s.done)).toBe(true);
    expect(await storedCount(store)).toBe(0);

    const refused = await call(app.endpoint, `${API}/x`, { method: 'GET' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json.resultCode).toBe('0200503');
    expect(await app.metrics.queueFull.get()).toMatchObject({ values: [{ labels: { action: 'rejected' }, value: 1 }] });

    gate.open();
    await wait(200);
    expect(first.every((s) => s.done && s.value!.status === 401)).toBe(true);
    await app.writer.flush();
    // The three answered calls and the refused one: every answer has its record.
    expect(await storedCount(store)).toBe(4);
  });
});

describe('default mode with a full queue', () => {
  it('holds new requests back until there is room, instead of dropping or refusing', async () => {
    const store = SqliteStore.open(join(tempDir(), 'default.db'));
    const gate = gated(store);
    const app = await startApp(store, store, [], { writer: { ...DEFAULT_WRITER_OPTIONS, maxQueue: 3, flushIntervalMs: 1 } }, gate.store);
    try {
      for (let i = 0; i < 3; i++) expect((await call(app.endpoint, `${API}/x`, { method: 'GET' })).status).toBe(401);
      const held = settled(call(app.endpoint, `${API}/x`, { method: 'GET' }));
      await wait(300);
      expect(held.done).toBe(false);
      gate.open();
      await wait(200);
      expect(held.value?.status).toBe(401);
      await app.writer.flush();
      expect(await storedCount(store)).toBe(4);
      expect(await app.metrics.queueFull.get()).toMatchObject({ values: [{ labels: { action: 'waited' }, value: 1 }] });
    } finally {
      gate.open();
      await app.close();
      await store.close();
    }
  });
});

describe('kill -9 of a durable gateway under load', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.stop());

  it('loses no record of any answer a client received', async () => {
    const dir = tempDir();
    const db = join(dir, 'gw.db');
    const gw = await startServe(['--db', db, '--upstream', sim.url, '--durable', '--log-level', 'warn']);
    const key = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as { ak: string; sk: string };
    const received: number[] = [];
    let seq = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const n = seq++;
        const url = `${gw.endpoint}${API}/campaigns/2?seq=${n}`;
        try {
          const response = await request(url, { headers: signRequest({ ...key, method: 'GET', url }) });
          await response.body.text();
          if (response.statusCode === 200) received.push(n);
        } catch {
          return; // the gateway is gone
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await wait(1500);
    killed = true;
    await gw.stop('SIGKILL');
    await Promise.all(workers);
    expect(received.length).toBeGreaterThan(50);

    const store = SqliteStore.open(db);
    try {
      const recorded = new Set<number>();
      for await (const r of store.scan({})) recorded.add(Number(JSON.parse(r.request).seq));
      expect(received.filter((n) => !recorded.has(n))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
