// The trigram indexes issue 12 names for `text` (SQLite FTS5 `trigram`, PostgreSQL `pg_trgm`),
// measured on the hot VDN's 7-day window and not shipped: what filling one costs a record beside a
// plain table of the same rows, and what a query costs (the index's candidates, then the exact
// check every candidate needs). The index holds only that window here, the best case: a real one
// would hold every VDN and day.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BATCH = 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const escapeLike = (text) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function timeRepeated(times, work) {
  const spent = [];
  let result;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    result = work();
    spent.push(performance.now() - started);
  }
  return { ms: median(spent), result };
}

/** SQLite: `rows` are [request, result_desc] of the window. */
export function probeSqlite(rows, needles) {
  const dir = mkdtempSync(join(tmpdir(), 'calllogs-text-probe-'));
  const db = new Database(join(dir, 'probe.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE plain (request TEXT, result_desc TEXT);
    CREATE VIRTUAL TABLE trigrams USING fts5(request, result_desc, tokenize = 'trigram case_sensitive 0', content = '')`);
  const fill = (table) => {
    const insert = db.prepare(`INSERT INTO ${table} (rowid, request, result_desc) VALUES (?, ?, ?)`);
    const batch = db.transaction((from) => rows.slice(from, from + BATCH).forEach((r, i) => insert.run(from + i + 1, r[0], r[1])));
    const started = performance.now();
    for (let from = 0; from < rows.length; from += BATCH) batch(from);
    return ((performance.now() - started) * 1000) / rows.length;
  };
  const plainUs = fill('plain');
  const indexUs = fill('trigrams');
  const out = { plainUs, indexUs, needles: [] };
  for (const needle of needles) {
    const phrase = `"${needle.replace(/"/g, '""')}"`;
    const like = `%${escapeLike(needle.toLowerCase())}%`;
    const candidates = timeRepeated(5, () => db.prepare('SELECT count(*) FROM trigrams WHERE trigrams MATCH ?').pluck().get(phrase));
    const exact = timeRepeated(5, () => db.prepare(`SELECT count(*) FROM plain WHERE rowid IN (SELECT rowid FROM trigrams WHERE trigrams MATCH ?)
      AND (request LIKE ? ESCAPE '\\' OR result_desc LIKE ? ESCAPE '\\')`).pluck().get(phrase, like, like));
    const scan = timeRepeated(5, () => db.prepare(`SELECT count(*) FROM plain WHERE request LIKE ? ESCAPE '\\' OR result_desc LIKE ? ESCAPE '\\'`).pluck().get(like, like));
    out.needles.push({ needle, candidates: candidates.result, candidatesMs: candidates.ms, exact: exact.result, exactMs: exact.ms, scanMs: scan.ms });
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/** PostgreSQL: the window's rows copied into scratch tables of `client`'s database (dropped after). */
export async function probePostgres(client, windowSql, windowValues, needles) {
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  const timed = async (sql, values) => {
    const started = performance.now();
    await client.query(sql, values);
    return performance.now() - started;
  };
  const out = { needles: [] };
  try {
    await client.query('DROP TABLE IF EXISTS text_probe_plain, text_probe_indexed');
    await client.query('CREATE TABLE text_probe_plain (request text, result_desc text)');
    await client.query('CREATE TABLE text_probe_indexed (request text, result_desc text)');
    await client.query('CREATE INDEX ON text_probe_indexed USING gin (request gin_trgm_ops, result_desc gin_trgm_ops)');
    await client.query(`CREATE TEMP TABLE text_probe_source AS SELECT row_number() OVER () AS n, request, result_desc FROM (${windowSql}) w`, windowValues);
    const total = Number((await client.query('SELECT count(*) AS n FROM text_probe_source')).rows[0].n);
    // Batches of 1,000, each its own transaction, as the store writes.
    const fill = async (table) => {
      let ms = 0;
      for (let from = 0; from < total; from += BATCH) {
        ms += await timed(`INSERT INTO ${table} SELECT request, result_desc FROM text_probe_source WHERE n > $1 AND n <= $2`, [from, from + BATCH]);
      }
      return (ms * 1000) / total;
    };
    out.plainUs = await fill('text_probe_plain');
    out.indexUs = await fill('text_probe_indexed');
    await client.query('VACUUM ANALYZE text_probe_plain, text_probe_indexed');
    const folded = (column) => `lower(${column} COLLATE "C") LIKE $1 ESCAPE '\\'`;
    for (const needle of needles) {
      const like = `%${escapeLike(needle.toLowerCase())}%`;
      const count = async (table, where) => {
        const spent = [];
        let n;
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          n = Number((await client.query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, [like])).rows[0].n);
          spent.push(performance.now() - started);
        }
        return { n, ms: median(spent) };
      };
      // ILIKE is what the trigram index answers; the exact A–Z fold is checked on its candidates.
      const candidates = await count('text_probe_indexed', '(request ILIKE $1 OR result_desc ILIKE $1)');
      const exact = await count('text_probe_indexed', `(request ILIKE $1 OR result_desc ILIKE $1) AND (${folded('request')} OR ${folded('result_desc')})`);
      const scan = await count('text_probe_plain', `${folded('request')} OR ${folded('result_desc')}`);
      out.needles.push({ needle, candidates: candidates.n, candidatesMs: candidates.ms, exact: exact.n, exactMs: exact.ms, scanMs: scan.ms });
    }
  } finally {
    await client.query('DROP TABLE IF EXISTS text_probe_plain, text_probe_indexed');
  }
  return out;
}

/** Prints a probe's figures. */
export function reportProbe(label, probe, recordUs) {
  console.log(`\n${label}: a trigram index on the hot VDN's 7 days (not shipped; bench/lib/text-probe.mjs)`);
  console.log(`  fill: ${probe.indexUs.toFixed(1)} µs a record into the index's table vs ${probe.plainUs.toFixed(1)} µs into a plain one` +
    (recordUs ? ` (a record's whole ingest: ~${recordUs.toFixed(0)} µs)` : ''));
  for (const n of probe.needles) {
    console.log(`  ${JSON.stringify(n.needle).padEnd(24)} candidates ${String(n.candidates).padStart(7)} in ${n.candidatesMs.toFixed(1).padStart(6)} ms;` +
      ` exact ${String(n.exact).padStart(7)} in ${n.exactMs.toFixed(1).padStart(6)} ms; the same rows scanned: ${n.scanMs.toFixed(1)} ms`);
  }
}
