import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread's CPU priority by `steps` nice levels, down to the lowest (19). Linux
 * gives each thread a priority of its own (/proc/thread-self names the thread); elsewhere, or where
 * it is refused, the thread keeps the process's priority: a matter of speed, not of correctness.
 */
export function lowerThreadPriority(steps: number): void {
  try {
    const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(thread, Math.min(19, getPriority(thread) + steps));
  } catch {
    // not Linux, or refused
  }
}
