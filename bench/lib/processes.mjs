// Child processes of the gateway benchmarks: the gateway, the vendor simulator.
import { spawn } from 'node:child_process';

/** Spawns a process and resolves once its output says it listens, with the URL it printed. */
export function listening(command, args, pattern = /listening on (\S+)/) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const look = (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${out}`)));
  });
}

/** Stops a process with SIGTERM (the gateway then flushes and exits) and waits for its exit. */
export async function stop(child) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
