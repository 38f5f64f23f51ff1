/** The server answered with an error body: `resultCode` is the contract code (e.g. `0200401`). */
export class CalllogsApiError extends Error {
  constructor(
    readonly status: number,
    readonly resultCode: string,
    readonly resultDesc: string,
    /** Seconds the server asked to wait (429 / 503), when it said. */
    readonly retryAfter?: number,
  ) {
    super(`${resultCode} (HTTP ${status}): ${resultDesc}`);
    this.name = 'CalllogsApiError';
  }
}

/** The server could not be reached, or answered something that is not the interface's JSON. */
export class CalllogsTransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CalllogsTransportError';
  }
}
