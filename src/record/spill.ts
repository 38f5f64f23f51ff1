import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CallRecord } from '../contract/record.js';

const SPILL = /^spill-.+\.ndjson$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A line of a spill file; a line cut short by a crash while appending is skipped. */
function parseLine(line: string): CallRecord | undefined {
  try {
    return line === '' ? undefined : (JSON.parse(line) as CallRecord);
  } catch {
    return undefined;
  }
}

/**
 * Records that could not reach the store, kept on local disk until they can: NDJSON files in one
 * folder. Each writer appends to its own file; replay claims a file by renaming it, so instances
 * sharing the folder never replay the same file at once. Replays may repeat a record (a crash
 * between insert and unlink); the stores skip ids they hold, so every record lands exactly once.
 */
export class SpillFile {
  private readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, `spill-${Date.now()}-${process.pid}.ndjson`);
  }

  /** Appends the records and flushes them to the disk. */
  async append(records: CallRecord[]): Promise<void> {
    // Records are private: an owner-only folder and file, whatever the process's umask.
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await appendFile(this.file, records.map((r) => JSON.stringify(r) + '\n').join(''), { mode: 0o600 });
    const handle = await open(this.file, 'r');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  /** Puts back files whose replay was cut short by a process that is gone. */
  async recoverOrphans(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = /^replaying-(\d+)-(spill-.+\.ndjson)$/.exec(name);
      if (m && !isAlive(Number(m[1]))) await rename(join(this.dir, name), join(this.dir, m[2]!)).catch(() => undefined);
    }
  }

  /** Spill files waiting for replay (this writer's and any left by earlier processes). */
  async pending(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => SPILL.test(f)).sort();
    } catch {
      return [];
    }
  }

  /**
   * Writes every pending file through `insert` in batches, deleting each once it is stored. On a
   * failure the file is put back for the next replay and the error is rethrown.
   */
  async replay(insert: (batch: CallRecord[]) => Promise<void>, batchSize: number): Promise<number> {
    let replayed = 0;
    for (const name of await this.pending()) {
      const claimed = join(this.dir, `replaying-${process.pid}-${name}`);
      try {
        await rename(join(this.dir, name), claimed);
      } catch {
        continue; // another instance took it
      }
      try {
        let batch: CallRecord[] = [];
        for await (const line of createInterface({ input: createReadStream(claimed), crlfDelay: Infinity })) {
          const record = parseLine(line);
          if (!record) continue;
          batch.push(record);
          if (batch.length >= batchSize) {
            await insert(batch);
            replayed += batch.length;
            batch = [];
          }
        }
        if (batch.length > 0) await insert(batch);
        replayed += batch.length;
        await unlink(claimed);
      } catch (error) {
        await rename(claimed, join(this.dir, name));
        throw error;
      }
    }
    return replayed;
  }
}
