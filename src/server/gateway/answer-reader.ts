import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** The upstream's answer once its first bytes are here. */
export interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** `performance.now()` when the answer's headers arrived. */
  headersAt: number;
  /** The first bytes of the body (at least the reader's `prefixBytes` when it is longer): the whole body when `body` is a Buffer. */
  prefix: Buffer;
  /** The body to send on: the bytes when all arrived, else the prefix followed by the rest as it streams in. */
  body: Buffer | Readable;
}

/**
 * An undici dispatch handler that reads an answer up to `prefixBytes`: a short answer (nearly all
 * of them) arrives whole as one Buffer; a longer one continues as a stream whose reader paces the
 * upstream connection, so a large download passes through with only the prefix held.
 */
export class AnswerReader implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private headersAt = 0;
  private chunks: Buffer[] = [];
  private length = 0;
  private stream: Readable | undefined;

  constructor(
    private readonly prefixBytes: number,
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.headers = headers;
    this.headersAt = performance.now();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.stream) {
      if (!this.stream.push(chunk)) controller.pause();
      return;
    }
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length >= this.prefixBytes) this.continueAsStream();
  }

  onResponseEnd(): void {
    if (this.stream) {
      this.stream.push(null);
      return;
    }
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    this.resolve({ status: this.status, headers: this.headers, headersAt: this.headersAt, prefix: whole, body: whole });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.stream) this.stream.destroy(error);
    else this.reject(error);
  }

  private continueAsStream(): void {
    const prefix = Buffer.concat(this.chunks, this.length);
    this.chunks = [];
    const controller = this.controller!;
    let ended = false;
    this.stream = new Readable({
      read: () => controller.resume(),
      // The caller went away: stop the download rather than read it to the end.
      destroy: (error, done) => {
        if (!ended) controller.abort(error ?? new Error('the answer was not read to its end'));
        done(error);
      },
    });
    this.stream.once('end', () => (ended = true));
    this.stream.push(prefix);
    this.resolve({ status: this.status, headers: this.headers, headersAt: this.headersAt, prefix, body: this.stream });
  }
}
