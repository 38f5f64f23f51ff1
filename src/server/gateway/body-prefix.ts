import { Readable } from 'node:stream';

export interface BodyWithPrefix {
  /** The first bytes of the body (at least `maxBytes` of them when the body is longer). */
  prefix: Buffer;
  /** The whole body was read. */
  complete: boolean;
  /** The body to send on: the prefix again followed by whatever was not read yet. */
  body: Buffer | Readable;
}

/**
 * Reads a stream until `maxBytes` arrived or it ended. A short body is returned whole; a long one
 * continues as a stream, so a large download passes through with only the prefix held in memory.
 */
export async function readPrefix(stream: Readable, maxBytes: number): Promise<BodyWithPrefix> {
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  while (length < maxBytes) {
    const next = await iterator.next();
    if (next.done) {
      const whole = Buffer.concat(chunks, length);
      return { prefix: whole, complete: true, body: whole };
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const prefix = Buffer.concat(chunks, length);
  async function* rest(): AsyncGenerator<Buffer> {
    yield prefix;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const body = Readable.from(rest(), { objectMode: false });
  // The caller going away stops the download instead of leaving it to finish unread.
  body.once('close', () => void iterator.return?.());
  return { prefix, complete: false, body };
}
