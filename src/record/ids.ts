import { randomInt } from 'node:crypto';

/**
 * Record ids: 30 decimal digits = 13 of epoch milliseconds, a 6-digit sequence within the
 * millisecond, and an 11-digit random node number drawn once per process. Ids of one process
 * increase with time; instances sharing a store collide only if they draw the same node number
 * (one chance in 10^11 per pair) and stamp the same millisecond and sequence.
 */
export type IdGenerator = (epochMs: number) => string;

export function createIdGenerator(node: number = randomInt(0, 1e11)): IdGenerator {
  const nodeDigits = String(node).padStart(11, '0');
  let lastMs = -1;
  let sequence = 0;
  return (epochMs) => {
    // A clock that steps back must not make ids go back: stay on the last millisecond.
    const ms = Math.max(epochMs, lastMs);
    sequence = ms === lastMs ? sequence + 1 : 0;
    lastMs = ms;
    return String(ms).padStart(13, '0') + String(sequence).padStart(6, '0') + nodeDigits;
  };
}
