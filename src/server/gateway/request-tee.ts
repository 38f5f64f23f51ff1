import { PassThrough, type Readable } from 'node:stream';

export interface TeedBody {
  /** What to forward: every byte the caller sends, as it arrives. */
  body: Readable;
  /** The first bytes (at most `maxBytes`), and whether they are the whole body. */
  prefix(): { bytes: Buffer; complete: boolean };
}

/**
 * Passes a request body on as it streams in, keeping only its first `maxBytes` for the record: an
 * upload of any size goes through with bounded memory.
 */
export function teeRequestBody(stream: Readable, maxBytes: number): TeedBody {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  let ended = false;
  const body = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (keptBytes < maxBytes) {
      const piece = chunk.subarray(0, maxBytes - keptBytes);
      kept.push(piece);
      keptBytes += piece.length;
    }
  });
  stream.once('end', () => (ended = true));
  stream.pipe(body);
  return {
    body,
    prefix: () => ({ bytes: Buffer.concat(kept, keptBytes), complete: ended && total === keptBytes }),
  };
}
