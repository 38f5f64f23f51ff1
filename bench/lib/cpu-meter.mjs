// CPU time spent by this process (all its threads) and by PostgreSQL's processes, for benchmarks
// that compare the work two variants cost rather than their throughput (which on a shared 2-core
// machine swings by tens of percent from minute to minute).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_A_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** The fields of /proc/PID/stat after the command's name, or undefined when the process is gone. */
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), fields: text.slice(text.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL's CPU so far, in µs: every running postgres process's own, plus what the postmaster
 * was charged for its children that exited (a benchmark's connections end before it is read).
 * Undefined where /proc cannot tell (not Linux, or the server belongs to another user's namespace).
 */
function postgresMicros() {
  let ticks;
  try {
    for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      const stat = statFields(pid);
      if (stat?.name !== 'postgres') continue;
      // utime, stime; and for the postmaster (its parent is not postgres) cutime, cstime.
      const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(stat.fields[i]));
      const parent = statFields(stat.fields[1]);
      ticks = (ticks ?? 0) + utime + stime + (parent?.name === 'postgres' ? 0 : cutime + cstime);
    }
  } catch {
    return undefined;
  }
  return ticks === undefined ? undefined : (ticks / TICKS_A_SECOND) * 1e6;
}

/** Starts counting; the function returned gives the CPU µs spent since, by this process and by PostgreSQL. */
export function startCpuMeter() {
  const node = process.cpuUsage();
  const postgres = postgresMicros();
  return () => {
    const used = process.cpuUsage(node);
    const now = postgresMicros();
    return { node: used.user + used.system, postgres: now === undefined || postgres === undefined ? undefined : now - postgres };
  };
}
