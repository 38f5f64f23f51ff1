import type pg from 'pg';
import { DAY_MS } from '../buckets.js';

/** A UTC day's partition of `records`: records_pYYYYMMDD. */
export function partitionName(day: number): string {
  return 'records_p' + new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

/** The UTC day (epoch milliseconds / DAY_MS) a partition name stands for; undefined for other tables. */
export function dayOfPartition(name: string): number | undefined {
  const m = /^records_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS) : undefined;
}

/** Names of the partitions attached to `records` in this schema. */
export async function attachedPartitions(client: pg.Pool | pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     WHERE p.relname = 'records' AND p.relnamespace = to_regnamespace(current_schema())::oid`,
  );
  return rows.map((r) => r.name);
}

/**
 * Makes sure the day's partition exists, in the caller's transaction: made as a table of its own,
 * then attached. ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on `records`, which lets queries and
 * inserts go on, even an import's open transaction (CREATE TABLE … PARTITION OF takes ACCESS
 * EXCLUSIVE: it waits for every transaction using `records`, an import's included, and stalls
 * every reader queued behind it). Taking that lock first also serializes everyone making
 * partitions, so IF NOT EXISTS sees what another made.
 */
export async function attachDayPartition(client: pg.PoolClient, day: number): Promise<void> {
  const name = partitionName(day);
  await client.query('LOCK TABLE records IN SHARE UPDATE EXCLUSIVE MODE');
  await client.query(`CREATE TABLE IF NOT EXISTS ${name} (LIKE records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  const attached = await client.query('SELECT 1 FROM pg_inherits WHERE inhrelid = $1::regclass', [name]);
  if (attached.rowCount === 0) {
    await client.query(`ALTER TABLE records ATTACH PARTITION ${name} FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS})`);
  }
}
