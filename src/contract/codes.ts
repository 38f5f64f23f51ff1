/**
 * Every result code the service can answer with, declared once: the seed's Table 6 parameter
 * codes and our `0200` + HTTP-status extensions (contract.md §2). The validator, the auth layer,
 * the server and the tests all refer to codes by these names.
 */
export const SUCCESS_CODE = '0200000';

export const CODES = {
  PARAMETER_ERROR: { code: '0200001', status: 400 },
  EMPTY_PARAMETER: { code: '02000001', status: 400 },
  INVALID_CHARACTERS: { code: '02000002', status: 400 },
  TOO_LONG: { code: '02000003', status: 400 },
  TOO_SHORT: { code: '02000004', status: 400 },
  LENGTH_OUT_OF_RANGE: { code: '02000005', status: 400 },
  WRONG_TYPE: { code: '02000006', status: 400 },
  WRONG_VALUE: { code: '02000007', status: 400 },
  CONVERSION_ERROR: { code: '02000008', status: 400 },
  WRONG_COMBINATION: { code: '02000009', status: 400 },
  HOUR_MINUTE_TOGETHER: { code: '02000010', status: 400 },
  TOO_MANY_PARAMETERS: { code: '02000011', status: 400 },
  UNAUTHORIZED: { code: '0200401', status: 401 },
  FORBIDDEN: { code: '0200403', status: 403 },
  NOT_FOUND: { code: '0200404', status: 404 },
  METHOD_NOT_ALLOWED: { code: '0200405', status: 405 },
  REQUEST_TIMEOUT: { code: '0200408', status: 408 },
  BODY_TOO_LARGE: { code: '0200413', status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { code: '0200415', status: 415 },
  RATE_LIMITED: { code: '0200429', status: 429 },
  HEADERS_TOO_LARGE: { code: '0200431', status: 431 },
  INTERNAL: { code: '0200500', status: 500 },
  BAD_GATEWAY: { code: '0200502', status: 502 },
  UNAVAILABLE: { code: '0200503', status: 503 },
  GATEWAY_TIMEOUT: { code: '0200504', status: 504 },
} as const;

export type CodeName = keyof typeof CODES;

/** An answer that is not a success: carries the wire code, the HTTP status and a description. */
export class CalllogsError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds a client should wait before retrying (429 / 503). */
  readonly retryAfter: number | undefined;

  constructor(name: CodeName, description: string, retryAfter?: number) {
    super(description);
    this.name = 'CalllogsError';
    this.code = CODES[name].code;
    this.status = CODES[name].status;
    this.retryAfter = retryAfter;
  }
}

/** Builds the error for `field` breaking `rule`, worded as `"field: rule"`. */
export function fieldError(name: CodeName, field: string, rule: string): CalllogsError {
  return new CalllogsError(name, `${field}: ${rule}`);
}
