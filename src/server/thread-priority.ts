import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread's CPU priority by `steps` nice levels, up to the lowest (19), and
 * says whether it did. Linux gives each thread a priority of its own (/proc/thread-self names the
 * thread); elsewhere, or where it is refused, the thread keeps the process's priority.
 */
export function lowerThreadPriority(steps: number): boolean {
  try {
    const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(thread, Math.min(19, getPriority(thread) + steps));
    return true;
  } catch {
    return false;
  }
}
