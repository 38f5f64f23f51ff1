import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/server/config.js';
import { startServer } from '../../src/server/serve.js';
import { SealerThread } from '../../src/server/sealer-thread.js';
import { openStore } from '../../src/store/open.js';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';
import { sealEverything } from '../helpers/sealing.js';

const withPostgres = await postgresAvailable();
const stores: [string, () => Promise<string>][] = [
  ['SQLite', async () => join(tempDir(), 'thread.db')],
  ...(withPostgres ? [['PostgreSQL', createTestDatabase] as [string, () => Promise<string>]] : []),
];

/** A logger that keeps what the sealer thread relays to it. */
function keepingLog() {
  const lines: { level: string; fields: object; message: string }[] = [];
  return {
    lines,
    info: (fields: object, message: string) => void lines.push({ level: 'info', fields, message }),
    warn: (fields: object, message: string) => void lines.push({ level: 'warn', fields, message }),
  };
}

describe.each(stores)('the sealer thread on %s', (_name, newDb) => {
  it('seals and signs at a graceful stop what the last run left, more than one seal\'s batch of it', async () => {
    const db = await newDb();
    const dir = tempDir();
    // An hour between runs: only the stop can seal these records.
    const integrity = { keyFile: join(dir, 'log-key.json'), sealIntervalMs: 3_600_000, checkpointIntervalMs: 3_600_000 };
    const server = await startServer({ ...defaultConfig(), db, port: 0, logLevel: 'silent', spillDir: join(dir, 'spill'), integrity });
    const count = server.store.integrity.sealBatch + 120;
    const records = Array.from({ length: count }, (_, i) => makeRecord({ vdnId: 2, operTime: Date.now() + i }));
    await server.store.insertBatch(records);
    expect(await server.store.integrity.unsealedCount()).toBe(count);
    await server.close();

    const store = await openStore(db);
    try {
      expect(await store.integrity.unsealedCount()).toBe(0);
      expect(await store.integrity.head(2)).toMatchObject({ size: count, checkpointSize: count });
    } finally {
      await store.close();
    }
  });

  it('relays each checkpoint as one log line, and refuses to start with the reason when the key cannot be read', async () => {
    const db = await newDb();
    const dir = tempDir();
    const settings = { db, masterKey: undefined, keyFile: join(dir, 'log-key.json'), sealIntervalMs: 3_600_000, checkpointIntervalMs: 0, walCheckpoints: false };
    const store = await openStore(db);
    try {
      await store.insertBatch([makeRecord({ vdnId: 4, operTime: Date.now() })]);
      const log = keepingLog();
      const thread = await SealerThread.start(settings, log);
      await sealEverything(store, () => thread.run(true));
      await thread.stop();
      const checkpoint = log.lines.find((line) => line.message === 'checkpoint');
      expect((checkpoint?.fields as { checkpoint?: string } | undefined)?.checkpoint).toMatch(/^calllogs-[0-9a-f]{6}\/vdn\/4\n1\n/);
      expect((await store.integrity.head(4))?.checkpointSize).toBe(1);
      const damaged = join(dir, 'damaged-key.json');
      writeFileSync(damaged, 'not a key', { mode: 0o600 });
      await expect(SealerThread.start({ ...settings, keyFile: damaged }, keepingLog())).rejects.toThrow(/damaged-key\.json: cannot be read \(not JSON\)/);
    } finally {
      await store.close();
    }
  });

  it('replaces a thread that dies, and the replacement seals what was left', async () => {
    const db = await newDb();
    const dir = tempDir();
    const settings = { db, masterKey: undefined, keyFile: join(dir, 'log-key.json'), sealIntervalMs: 200, checkpointIntervalMs: 0, walCheckpoints: false };
    const store = await openStore(db);
    const log = keepingLog();
    const thread = await SealerThread.start(settings, log);
    try {
      await store.insertBatch([makeRecord({ vdnId: 5, operTime: Date.now() })]);
      await thread.run(true);
      // As a crash would (out of memory, a fault in native code): nothing inside the thread runs again.
      const dying = (thread as unknown as { worker: Worker }).worker;
      await dying.terminate();
      expect(log.lines.map((line) => line.message)).toContain('the sealer thread stopped; another starts in one seal interval');
      // Between the death and the replacement a run has nothing to do, and does not wait for one.
      await thread.run(true);
      await store.insertBatch(Array.from({ length: 50 }, (_, i) => makeRecord({ vdnId: 5, operTime: Date.now() + i })));
      await expect.poll(async () => {
        await thread.run(true);
        return (await store.integrity.head(5))?.checkpointSize;
      }, { timeout: 10_000, message: 'the replacement seals and signs the records written after the death' }).toBe(51);
      expect((thread as unknown as { worker: Worker }).worker).not.toBe(dying);
    } finally {
      await thread.stop();
      await store.close();
    }
  });
});

/** The nice value of each of this process's threads by id (Linux: field 19 of /proc/self/task/TID/stat). */
function threadNiceValues(): Map<string, number> {
  return new Map(readdirSync('/proc/self/task').flatMap((tid): [string, number][] => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      return []; // the thread ended since the listing
    }
    return [[tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])]];
  }));
}

describe.each(stores)('the sealer thread\'s CPU priority on %s', (name, newDb) => {
  // PostgreSQL's seal blocks no writer: its thread yields the cores to the threads that record
  // calls. SQLite's holds the write lock, which a thread waiting for a core would hold up.
  const yields = name === 'PostgreSQL';
  it.runIf(process.platform === 'linux' && getPriority() < 19)(yields ? 'is lowered for that thread alone' : 'stays the writers\' priority', async () => {
    const dir = tempDir();
    const settings = { db: await newDb(), masterKey: undefined, keyFile: join(dir, 'log-key.json'), sealIntervalMs: 3_600_000, checkpointIntervalMs: 0, walCheckpoints: false };
    const lowered = Math.min(19, getPriority() + 10);
    // Threads started by this test only: an earlier test's threads may still be ending meanwhile.
    const before = new Set(threadNiceValues().keys());
    const newAtLowered = () => [...threadNiceValues()].filter(([tid, nice]) => !before.has(tid) && nice === lowered).length;
    const thread = await SealerThread.start(settings, keepingLog());
    try {
      expect(newAtLowered()).toBe(yields ? 1 : 0);
      expect(getPriority()).not.toBe(lowered);
    } finally {
      await thread.stop();
    }
    expect(newAtLowered()).toBe(0);
  });
});
