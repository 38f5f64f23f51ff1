/**
 * The filter fields of the calllogs and stats interfaces (our extension; docs/openapi.json). A list
 * means any of its values; across fields, all must match.
 */
export interface FilterParams {
  /** Exact interface path, or a prefix ending in `*`. */
  url?: string;
  /** Only calls that succeeded, or failed. */
  outcome?: 'success' | 'failure';
  /** The verified access key of the call (calls without one never match). */
  ak?: string | string[];
  resultCode?: string | string[];
  httpStatus?: number | number[];
  /** HTTP methods, in capitals. */
  type?: string | string[];
  /** The client address exactly as recorded. */
  clientIp?: string;
  /** Calls at least this slow. */
  minDurationMs?: number;
  /** A substring of the recorded `request` or `resultDesc` (3–200 characters; A–Z match a–z). */
  text?: string;
}
