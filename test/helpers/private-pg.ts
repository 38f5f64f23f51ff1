import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

export interface PrivatePostgres {
  url: string;
  start(): void;
  stop(): void;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort().pop();
  return version && existsSync(join(root, version, 'bin', 'pg_ctl')) ? join(root, version, 'bin') : undefined;
}

/**
 * Whether a throwaway PostgreSQL cluster can be made here (the server's binaries, and root to run
 * them as the postgres user). Under CI=true a missing piece fails the file; elsewhere it skips.
 */
export function privatePostgresAvailable(): boolean {
  const ok = binDir() !== undefined && process.getuid?.() === 0;
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error('the outage test needs the PostgreSQL server binaries and root, both present in CI');
  console.warn('\n[skip] PostgreSQL outage test: needs /usr/lib/postgresql/*/bin and root\n');
  return false;
}

/**
 * A port below the kernel's ephemeral range: while the test has the cluster stopped, an outgoing
 * connection of the suite could otherwise be given the port, and the restart would fail to bind.
 */
function clusterPort(): number {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const top = Math.min(Number.isInteger(low) ? low : 32768, 32768);
  return 10000 + Math.floor(Math.random() * (top - 10000));
}

/** A fresh cluster of our own on a free port, which a test may stop and start at will. */
export function createPrivatePostgres(): PrivatePostgres {
  const bin = binDir()!;
  const dir = tempDir();
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const port = clusterPort();
  const asPostgres = (tool: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { stdio: 'ignore', timeout: 60_000 });
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']),
    stop: () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
  };
  cluster.start();
  return cluster;
}
