import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `calllogs` command to completion. */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export interface ServeProcess {
  endpoint: string;
  output: () => { stdout: string; stderr: string };
  /** Sends the signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Starts `calllogs serve` on a free port and waits until it listens. It runs in a folder of its own:
 * a PostgreSQL store keeps its local files (key files, credentials, spill) in `./data`, which must
 * not be the checkout's.
 */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd: tempDir(), env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // A server that dies under a test is otherwise seen only as refused connections.
    void exited.then((code) => {
      if (!stopping) console.error(`calllogs serve exited by itself (code ${code}); its standard error ends:\n${stderr.slice(-4000)}`);
    });
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 15_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({
          endpoint: m[1]!,
          output: () => ({ stdout, stderr }),
          stop: (signal = 'SIGTERM') => {
            stopping = true;
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });
}
