import type pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** What precedes the first row of binary COPY data, either way: the signature, the flags, the header extension's length. */
const HEADER_BYTES = COPY_SIGNATURE.length + 4 + 4;

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

/** A column's type as binary COPY writes it. */
export type BinaryColumnType = 'int4' | 'int8' | 'text' | 'bytea';
type BinaryValue = number | string | Uint8Array | null;

const fieldBytes = (type: BinaryColumnType, value: BinaryValue): number =>
  value === null ? 0 : type === 'int4' ? 4 : type === 'int8' ? 8 : typeof value === 'string' ? Buffer.byteLength(value) : (value as Uint8Array).length;

/**
 * Writes `rows` into `table` through `COPY … FROM STDIN (FORMAT binary)`: text goes as its UTF-8
 * bytes, with none of the escaping that array parameters (`unnest($1::text[])`) cost on both sides
 * — for the sealer's JSON columns, most of what an insert cost. Values follow `columns` in order.
 */
export async function copyBinaryRows(
  client: pg.PoolClient,
  table: string,
  columns: readonly (readonly [name: string, type: BinaryColumnType])[],
  rows: readonly (readonly BinaryValue[])[],
): Promise<void> {
  // The header, the rows, the trailer (a field count of -1).
  let size = HEADER_BYTES + 2;
  for (const row of rows) {
    size += 2 + 4 * columns.length;
    columns.forEach(([, type], i) => (size += fieldBytes(type, row[i] ?? null)));
  }
  const data = Buffer.allocUnsafe(size);
  let at = COPY_SIGNATURE.copy(data, 0);
  at = data.writeInt32BE(0, at);
  at = data.writeInt32BE(0, at);
  for (const row of rows) {
    at = data.writeInt16BE(columns.length, at);
    for (const [i, [, type]] of columns.entries()) {
      // A field is its length, then its bytes: the length is written once they are.
      const lengthAt = at;
      const value = row[i] ?? null;
      at += 4;
      if (value === null) {
        data.writeInt32BE(-1, lengthAt);
        continue;
      }
      if (type === 'int4') at = data.writeInt32BE(value as number, at);
      else if (type === 'int8') at = data.writeBigInt64BE(BigInt(value as number), at);
      else if (typeof value === 'string') at += data.write(value, at, 'utf8');
      else {
        data.set(value as Uint8Array, at);
        at += (value as Uint8Array).length;
      }
      data.writeInt32BE(at - lengthAt - 4, lengthAt);
    }
  }
  data.writeInt16BE(-1, at);
  await pipeline(Readable.from([data]), client.query(copyStreams.from(`COPY ${table} (${columns.map(([name]) => name).join(', ')}) FROM STDIN (FORMAT binary)`)));
}
