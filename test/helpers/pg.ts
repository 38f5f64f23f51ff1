import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';

/** The server tests create their databases on; CI starts it (.ci/run). */
export const PG_ADMIN_URL = process.env.CALLLOGS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether PostgreSQL tests can run: under CI=true an unreachable server fails the file; elsewhere
 * the PostgreSQL tests are skipped with a message.
 */
export async function postgresAvailable(): Promise<boolean> {
  if (await reachable()) return true;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI and is not reachable at ${PG_ADMIN_URL}`);
  console.warn(`\n[skip] PostgreSQL tests: no server at ${PG_ADMIN_URL} (set CALLLOGS_TEST_PG, or start PostgreSQL)\n`);
  return false;
}

function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  return onDatabase(PG_ADMIN_URL, work);
}

// Registered when a test file loads this module: hooks added later (inside a test or another hook)
// would never run.
const created: string[] = [];
afterAll(async () => {
  for (const name of created.splice(0)) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
});

/** A fresh database for this test file, dropped (with its connections) after it. */
export async function createTestDatabase(): Promise<string> {
  const name = `calllogs_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  created.push(name);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs SQL on a test database (to inspect or break it from outside the store). */
export async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
