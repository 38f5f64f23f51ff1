import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { binaryRows, copyBinaryRows, integerOf } from '../../src/store/postgres/binary-rows.js';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';

const withPostgres = await postgresAvailable();

describe.runIf(withPostgres)('binary COPY on PostgreSQL', () => {
  it('writes rows that read back field for field: integers at both widths, UTF-8 text with what COPY text would escape, bytes, NULLs', async () => {
    const pool = new pg.Pool({ connectionString: await createTestDatabase() });
    try {
      await pool.query('CREATE TABLE t (n integer, big bigint, words text, raw bytea)');
      const rows = [
        [-7, 2 ** 53 - 1, 'tab\tnewline\n back\\slash "quote" 中文 🙂', Buffer.from([0, 255, 10, 92])],
        [2 ** 31 - 1, 1_764_000_000_000, '', new Uint8Array(0)],
        [null, null, null, null],
      ] as const;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await copyBinaryRows(client, 't', [['n', 'int4'], ['big', 'int8'], ['words', 'text'], ['raw', 'bytea']], rows);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const read = await binaryRows(pool, 'SELECT n, big, words, raw FROM t ORDER BY n NULLS LAST');
      expect(read.map(([n, big, words, raw]) => [
        n && integerOf(n), big && integerOf(big), words && words.toString('utf8'), raw && [...raw],
      ])).toEqual(rows.map(([n, big, words, raw]) => [n, big, words, raw && [...raw]]));
      // The text's bytes arrive as sent: PostgreSQL checked them as UTF-8 and stored them unchanged.
      expect((await pool.query('SELECT length(words) AS chars FROM t WHERE n = -7')).rows[0].chars).toBe(rows[0][2].length - 1);
    } finally {
      await pool.end();
    }
  });

  it('fails the statement, and writes nothing, when a row does not fit the table', async () => {
    const pool = new pg.Pool({ connectionString: await createTestDatabase() });
    try {
      await pool.query('CREATE TABLE t (n integer NOT NULL)');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await expect(copyBinaryRows(client, 't', [['n', 'int4']], [[1], [null]])).rejects.toThrow(/null value/);
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      expect((await pool.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(0);
    } finally {
      await pool.end();
    }
  });
});
