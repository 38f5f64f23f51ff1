import { SUCCESS_CODE } from './codes.js';

/**
 * Result codes that mean success: the vendor's `0200000`, a bare `0`, and none at all (a forwarded
 * answer that names no code). A call failed when its HTTP status is 400 or more, or its answer
 * names any other code (vendors also answer failures with HTTP 200).
 */
export const SUCCESS_RESULT_CODES: readonly string[] = ['', '0', SUCCESS_CODE];

export function isFailure(r: { httpStatus: number; resultCode: string }): boolean {
  return r.httpStatus >= 400 || !SUCCESS_RESULT_CODES.includes(r.resultCode);
}
