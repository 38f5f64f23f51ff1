import { stringify } from 'csv-stringify/browser/esm/sync';
import { queryPage, type Credentials, type OpenapiLog, type WindowBody } from './api.js';

/** An export is capped so that a browser tab is never asked to hold millions of rows. */
export const EXPORT_LIMIT = 100_000;
const PAGE = 100;
const COLUMNS: (keyof OpenapiLog)[] = ['id', 'operTime', 'url', 'type', 'httpStatus', 'resultCode', 'resultDesc', 'request'];

/**
 * Every record of the current filter (not of everything), newest first, as CSV text. Pages are
 * read one after another; `progress` reports rows read and the total.
 */
export async function exportCsv(
  credentials: Credentials,
  vdn: number,
  body: WindowBody,
  progress: (done: number, total: number) => void,
): Promise<{ csv: string; rows: number; total: number }> {
  const rows: OpenapiLog[] = [];
  let total = Infinity;
  while (rows.length < Math.min(total, EXPORT_LIMIT)) {
    const page = await queryPage(credentials, vdn, body, rows.length, PAGE);
    total = page.count;
    rows.push(...page.result);
    progress(rows.length, total);
    if (page.result.length === 0) break;
  }
  const csv = stringify(rows.slice(0, EXPORT_LIMIT), { header: true, columns: COLUMNS });
  return { csv, rows: Math.min(rows.length, EXPORT_LIMIT), total };
}
