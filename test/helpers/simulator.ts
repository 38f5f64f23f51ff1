import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const SIMULATOR = fileURLToPath(new URL('../../demo/vendor-simulator.mjs', import.meta.url));
const LENIENT_UPSTREAM = fileURLToPath(new URL('./lenient-upstream.mjs', import.meta.url));

// Registered at load: a hook added inside a test would never run.
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

export interface Simulator {
  /** `http(s)://127.0.0.1:port` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the vendor simulator (a real process) and waits until it listens. */
export function startSimulator(args: string[] = []): Promise<Simulator> {
  return startServerProcess(SIMULATOR, ['--fail-rate', '0', ...args]);
}

/** Starts the test upstream that reads every call as leniently as a Tomcat/Spring stack can (lenient-upstream.mjs). */
export function startLenientUpstream(): Promise<Simulator> {
  return startServerProcess(LENIENT_UPSTREAM, []);
}

/** Runs a script that prints "listening on <url>" and waits until it does. */
function startServerProcess(script: string, args: string[]): Promise<Simulator> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /listening on (\S+)/.exec(stdout);
      if (!m) return;
      resolve({
        url: m[1]!,
        port: Number(new URL(m[1]!).port),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
          running.delete(child);
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
  });
}
