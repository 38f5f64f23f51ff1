import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parentPort, workerData } from 'node:worker_threads';
import { parseRecordLine, type CallRecord } from '../contract/record.js';
import { recordDigest } from '../integrity/leaf.js';
import { nodeHashing } from '../integrity/node-crypto.js';
import type { ProvableRecord } from '../integrity/verify-proof.js';

/** Whole lines of an export, `start` to `end` (bytes), read and hashed on a thread (export-digests.ts). */
export interface DigestJob {
  file: string;
  start: number;
  end: number;
}

export type DigestReply =
  | {
      /** Lines read, blank ones included. */
      lines: number;
      ids: string[];
      operTimes: Float64Array;
      /** 0: the call named no VDN. */
      vdns: Int32Array;
      /** 32 bytes a record; zero for a record in `partial`. */
      digests: Uint8Array;
      /** Records without the fields their digest also covers (an export from a server): hashed with the proof's. */
      partial: { at: number; record: ProvableRecord }[];
    }
  | { error: string; line: number };

const EXTRA_FIELDS = ['ak', 'clientIp', 'durationMs'] as const;

async function digestLines({ file, start, end }: DigestJob): Promise<DigestReply> {
  const ids: string[] = [];
  const operTimes: number[] = [];
  const vdns: number[] = [];
  const digests: Uint8Array[] = [];
  const partial: { at: number; record: ProvableRecord }[] = [];
  const none = new Uint8Array(32);
  let lines = 0;
  try {
    const input = createReadStream(file, { start, end: end - 1 });
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lines += 1;
      if (line.trim() === '') continue;
      const raw = JSON.parse(line) as Record<string, unknown>;
      const record = parseRecordLine(raw);
      if (record.id === undefined) throw new Error('id: is required (an export carries every record\'s id)');
      const at = ids.push(record.id) - 1;
      operTimes.push(record.operTime);
      vdns.push(record.vdnId ?? 0);
      if (EXTRA_FIELDS.every((field) => field in raw)) {
        digests.push(recordDigest(nodeHashing, record as CallRecord));
      } else {
        const held: ProvableRecord = record as CallRecord;
        for (const field of EXTRA_FIELDS) if (!(field in raw)) delete held[field];
        partial.push({ at, record: held });
        digests.push(none);
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code ? `cannot be read (${code})` : (error as Error).message, line: code ? 0 : lines };
  }
  const pack = (hashes: Uint8Array[]) => {
    const out = new Uint8Array(hashes.length * 32);
    hashes.forEach((hash, i) => out.set(hash, i * 32));
    return out;
  };
  return { lines, ids, operTimes: Float64Array.from(operTimes), vdns: Int32Array.from(vdns), digests: pack(digests), partial };
}

const reply = await digestLines(workerData as DigestJob);
const buffers = 'error' in reply ? [] : [reply.operTimes, reply.vdns, reply.digests].map((array) => array.buffer as ArrayBuffer);
parentPort!.postMessage(reply, buffers);
