import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RECORD_COLUMNS, rowValues } from '../../src/store/rows.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';

const migration = (name: string) => readFileSync(new URL(`../../src/store/sqlite/migrations/${name}`, import.meta.url), 'utf8');

it('0003 backfills the failure counts of a store written before it', async () => {
  const path = join(tempDir(), 'old.db');
  const db = new Database(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  db.exec(migration('0001_init.sql'));
  const t = Date.UTC(2022, 7, 20, 10);
  const records = [
    makeRecord({ operTime: t }), makeRecord({ operTime: t + 1, httpStatus: 404, resultCode: '0200404' }),
    makeRecord({ operTime: t + 2, resultCode: '02000001' }), makeRecord({ operTime: t + 3, resultCode: '' }),
    makeRecord({ operTime: t + 3_600_000, httpStatus: 502, resultCode: '' }),
  ];
  const insert = db.prepare(`INSERT INTO records (${RECORD_COLUMNS.join(', ')}) VALUES (${RECORD_COLUMNS.map(() => '?').join(', ')})`);
  for (const r of records) insert.run(...rowValues(r));
  db.exec(migration('0002_record_counts.sql'));
  db.prepare('INSERT INTO schema_migrations VALUES (1, ?, 0), (2, ?, 0)').run('0001_init.sql', '0002_record_counts.sql');
  db.close();

  const store = SqliteStore.open(path);
  try {
    const stats = await store.stats({ vdnId: 2, fromMs: t, toMs: t + 7_200_000, url: undefined, bucketMs: 3_600_000 });
    expect(stats.buckets.map((b) => [b.calls, b.failures])).toEqual([[4, 2], [1, 1]]);
  } finally {
    await store.close();
  }
});
