/** What a verification found wrong; its message names the record, leaf or checkpoint. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}
