// Child processes of the gateway benchmarks: the gateway, the vendor simulator.
import { spawn, spawnSync } from 'node:child_process';

/**
 * The command line that runs `command` on the listed CPUs only ("0", "1", "0,1"): taskset, which
 * sets the affinity and then becomes the command, so the pid is the command's and every thread and
 * child process it starts inherits the CPUs. As it is when `cpus` is undefined.
 */
export function onCpus(cpus, command, args) {
  return cpus === undefined ? [command, args] : ['taskset', ['--cpu-list', cpus, command, ...args]];
}

/** Confines this process, all its threads, to the listed CPUs. */
export function confineSelf(cpus) {
  const r = spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset could not confine the benchmark to CPUs ${cpus}: ${r.stderr || r.error}`);
}

/** Spawns a process (on `cpus` when given) and resolves once its output says it listens, with the URL it printed. */
export function listening(command, args, pattern = /listening on (\S+)/, { cpus } = {}) {
  const child = spawn(...onCpus(cpus, command, args), { stdio: ['ignore', 'pipe', 'pipe'] });
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
