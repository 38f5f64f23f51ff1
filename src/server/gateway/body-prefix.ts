import { PassThrough, type Readable } from 'node:stream';

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
 * Listeners rather than an async iterator: this runs for every forwarded answer.
 */
export function readPrefix(stream: Readable, maxBytes: number): Promise<BodyWithPrefix> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const detach = () => {
      stream.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length < maxBytes) return;
      stream.pause();
      detach();
      const prefix = Buffer.concat(chunks, length);
      resolve({ prefix, complete: false, body: continuation(prefix, stream) });
    };
    const onEnd = () => {
      detach();
      const whole = Buffer.concat(chunks, length);
      resolve({ prefix: whole, complete: true, body: whole });
    };
    const onError = (error: Error) => {
      detach();
      reject(error);
    };
    stream.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** The prefix followed by the rest of `stream`; the caller going away stops the download. */
function continuation(prefix: Buffer, stream: Readable): Readable {
  const body = new PassThrough();
  body.write(prefix);
  stream.once('error', (error) => body.destroy(error));
  body.once('close', () => stream.destroy());
  stream.pipe(body);
  return body;
}
