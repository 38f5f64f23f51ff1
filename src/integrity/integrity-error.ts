/** What a verification found wrong; its message names the record, leaf or checkpoint. */
export class IntegrityError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IntegrityError';
  }
}
