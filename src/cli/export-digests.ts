import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { digestAt } from '../integrity/seal.js';
import type { HeldRecord } from '../integrity/verify-proof.js';
import { CliError } from './cli-error.js';
import type { DigestJob, DigestReply } from './export-digests-worker.js';

// Under the test runner this module is TypeScript source, which a worker cannot load: it runs
// the built worker instead (`npm test` builds first).
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/cli/export-digests-worker.js', import.meta.url)
  : new URL('./export-digests-worker.js', import.meta.url);

/** Below this many bytes a thread's start costs more than it saves. */
const MIN_CHUNK_BYTES = 4 * 2 ** 20;

/** Offsets that cut the file into `parts` runs of whole lines (each cut just after a newline). */
function lineCuts(file: string, size: number, parts: number): number[] {
  const cuts = [0];
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    for (let k = 1; k < parts; k++) {
      let at = Math.max(Math.floor((size * k) / parts), cuts.at(-1)!);
      for (let newline = -1; newline < 0 && at < size; ) {
        const read = readSync(fd, buffer, 0, buffer.length, at);
        newline = buffer.subarray(0, read).indexOf(0x0a);
        at = newline < 0 ? at + read : at + newline + 1;
      }
      if (at < size && at > cuts.at(-1)!) cuts.push(at);
    }
  } finally {
    closeSync(fd);
  }
  return [...cuts, size];
}

function digestOnThread(job: DigestJob): Promise<DigestReply> {
  return new Promise((resolve, reject) => {
    new Worker(WORKER_URL, { workerData: job }).once('message', resolve).once('error', reject);
  });
}

/**
 * The records of an export (NDJSON, as `calllogs export` wrote them), in file order, each already
 * hashed when it carries every field its digest covers: the file is cut into runs of whole lines
 * read and hashed on one thread each (hashing is most of a verification's work).
 */
export async function readExportDigested(file: string): Promise<HeldRecord[]> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new CliError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (size === 0) return [];
  const parts = Math.max(1, Math.min(availableParallelism(), Math.ceil(size / MIN_CHUNK_BYTES)));
  const cuts = lineCuts(file, size, parts);
  const replies = await Promise.all(cuts.slice(1).map((end, i) => digestOnThread({ file, start: cuts[i]!, end })));
  const held: HeldRecord[] = [];
  let linesBefore = 0;
  for (const reply of replies) {
    if ('error' in reply) throw new CliError(reply.line > 0 ? `${file}: line ${linesBefore + reply.line}: ${reply.error}` : `${file}: ${reply.error}`);
    linesBefore += reply.lines;
    const first = held.length;
    reply.ids.forEach((id, i) => held.push({
      id,
      operTime: reply.operTimes[i]!,
      vdnId: reply.vdns[i] === 0 ? null : reply.vdns[i]!,
      digest: digestAt(reply.digests, i),
    }));
    for (const { at, record } of reply.partial) held[first + at] = record;
  }
  return held;
}
