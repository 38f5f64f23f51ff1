import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpillFile } from '../../src/record/spill.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startServe } from '../helpers/cli.js';
import { makeRecord } from '../helpers/records.js';
import { startTestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

// Class 5 of issue #11: records and keys are readable by the service's user only, from the first byte.

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(3, '0');

describe('data files are owner-only', () => {
  let previousUmask: number;
  // The most permissive umask a machine could have: only the modes we create files with protect them.
  beforeAll(() => {
    previousUmask = process.umask(0);
  });
  afterAll(() => {
    process.umask(previousUmask);
  });

  it('a first start creates the data folder 0700 and the database, its WAL and the credentials 0600', async () => {
    const dataDir = join(tempDir(), 'data');
    const server = await startTestServer({ db: join(dataDir, 'calllogs.db') });
    try {
      await server.store.insertBatch([makeRecord()]);
      expect(modeOf(dataDir)).toBe('700');
      const files = readdirSync(dataDir).sort();
      expect(files).toEqual(expect.arrayContaining(['calllogs.db', 'calllogs.db-shm', 'calllogs.db-wal', 'credentials.json']));
      for (const file of files) expect([file, modeOf(join(dataDir, file))]).toEqual([file, '600']);
    } finally {
      await server.close();
    }
  });

  it('spill files and their folder are created owner-only', async () => {
    const dir = join(tempDir(), 'spill');
    const spill = new SpillFile(dir);
    await spill.append([makeRecord()]);
    expect(modeOf(dir)).toBe('700');
    const [file] = await spill.pending();
    expect(modeOf(join(dir, file!))).toBe('600');
  });

  it('an existing database and WAL open to others are narrowed to 0600 and reported', async () => {
    const dir = tempDir();
    const db = join(dir, 'old.db');
    await SqliteStore.open(db).close();
    for (const suffix of ['', '-wal', '-shm']) writeFileSync(db + suffix, '', { flag: 'a' });
    for (const suffix of ['', '-wal', '-shm']) chmodSync(db + suffix, 0o644);
    const warnings: string[] = [];
    const store = SqliteStore.open(db, { warn: (m) => warnings.push(m) });
    for (const suffix of ['', '-wal', '-shm']) expect(modeOf(db + suffix)).toBe('600');
    await store.close();
    expect(warnings.filter((w) => w.includes('changed to 0600'))).toHaveLength(3);
    // A folder that is not ours to narrow (the working directory, say) is reported, not changed.
    const shared = join(dir, 'shared');
    mkdirSync(shared, { mode: 0o755 });
    chmodSync(shared, 0o755);
    const more: string[] = [];
    await SqliteStore.open(join(shared, 'x.db'), { warn: (m) => more.push(m) }).close();
    expect(modeOf(shared)).toBe('755');
    expect(more).toEqual([expect.stringContaining('other users can list the files in it')]);
  });

  it('calllogs serve fixes a world-readable store at start and says so in its log', async () => {
    const dataDir = join(tempDir(), 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const db = join(dataDir, 'calllogs.db');
    await SqliteStore.open(db).close();
    chmodSync(db, 0o644);
    const server = await startServe(['--db', db, '--log-level', 'info']);
    try {
      expect(modeOf(db)).toBe('600');
      for (const file of readdirSync(dataDir)) expect([file, modeOf(join(dataDir, file))]).toEqual([file, '600']);
      expect(server.output().stdout).toContain('readable by other users: changed to 0600');
    } finally {
      await server.stop();
    }
  });
});
