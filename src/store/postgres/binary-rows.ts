import type pg from 'pg';
import copyStreams from 'pg-copy-streams';

/** What precedes the first row of binary COPY output: the signature, the flags, the header extension's length. */
const HEADER_BYTES = 19;

/**
 * The rows of a query read through `COPY (…) TO STDOUT (FORMAT binary)`, each field as its bytes
 * (null for NULL): text arrives as its UTF-8 bytes and is never decoded into a string, which for a
 * proof's megabytes of tiles was most of its time (node-pg hands text only as strings, and the
 * answer encodes them back). COPY takes no parameters: the query's values are written into it,
 * integers only.
 */
export async function binaryRows(pool: pg.Pool, query: string): Promise<(Buffer | null)[][]> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(copyStreams.to(`COPY (${query}) TO STDOUT (FORMAT binary)`))) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    const rows: (Buffer | null)[][] = [];
    for (let at = HEADER_BYTES; ;) {
      const fields = data.readInt16BE(at);
      at += 2;
      if (fields === -1) return rows;
      const row: (Buffer | null)[] = [];
      for (let i = 0; i < fields; i++) {
        const length = data.readInt32BE(at);
        at += 4;
        row.push(length === -1 ? null : data.subarray(at, at + length));
        at += Math.max(length, 0);
      }
      rows.push(row);
    }
  } catch (error) {
    failed = error as Error;
    throw error;
  } finally {
    // A connection whose COPY failed half-way is not given to the next caller.
    client.release(failed);
  }
}

/** An integer field's value (int4 or int8, as binary COPY sends them). */
export const integerOf = (field: Buffer | null): number => {
  if (field === null) throw new Error('an integer field is NULL');
  return field.length === 8 ? Number(field.readBigInt64BE()) : field.readInt32BE();
};
