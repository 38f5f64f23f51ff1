import type { IncomingMessage } from 'node:http';

/** How much of a refused body is read and thrown away before the answer, at most. */
export interface DiscardBound {
  maxBytes: number;
  maxMs: number;
}

/**
 * Reads and throws away the rest of a request body, within a bound, so that a client still
 * sending it can read the answer: a server that answers and closes on unread data makes its
 * kernel reset the connection, and the reset destroys the answer in the client's receive buffer
 * (the "lingering close" of Apache and nginx). A body declared larger than the bound is not read.
 */
export function discardBody(raw: IncomingMessage, bound: DiscardBound): Promise<void> {
  const declared = Number(raw.headers['content-length'] ?? 0);
  if (raw.complete || raw.destroyed || declared > bound.maxBytes) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const finish = (): void => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', finish).off('close', finish).off('error', finish);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read > bound.maxBytes) finish();
    };
    const timer = setTimeout(finish, bound.maxMs);
    raw.on('data', onData).once('end', finish).once('close', finish).once('error', finish);
    raw.resume();
  });
}
