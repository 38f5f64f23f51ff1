import { fromInput, shiftWall, wallTime, WALL_TIME } from './time.js';
import type { WindowBody } from './api.js';

/** The record filters of the interface (issue 12), as the console holds them. */
export interface RecordFilter {
  ak: string[];
  resultCode: string[];
  httpStatus: number[];
  /** HTTP methods (the interface's `type`). */
  type: string[];
  clientIp: string;
  /** '' for none; else a number of milliseconds. */
  minDurationMs: string;
  text: string;
}

/** What the console shows; kept in the URL's hash so a view can be linked and reloaded. */
export interface Filter extends RecordFilter {
  vdn: number;
  range: '1h' | '24h' | '7d' | 'custom';
  /** Custom range only: wall times in the server's zone. */
  begin: string;
  end: string;
  /** Exact interface, or a prefix ending in `*`. */
  url: string;
  outcome: '' | 'success' | 'failure';
  page: number;
}

export const PRESETS = { '1h': 3600, '24h': 86_400, '7d': 7 * 86_400 } as const;
export const PAGE_SIZE = 20;
export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

export const NO_RECORD_FILTER: RecordFilter = { ak: [], resultCode: [], httpStatus: [], type: [], clientIp: '', minDurationMs: '', text: '' };

export function defaultFilter(vdn = 1): Filter {
  return { vdn, range: '24h', begin: '', end: '', url: '', outcome: '', page: 1, ...NO_RECORD_FILTER };
}

/** Whether any record filter is set (the "clear" control shows then). */
export function hasRecordFilter(f: RecordFilter): boolean {
  return f.ak.length + f.resultCode.length + f.httpStatus.length + f.type.length > 0 || f.clientIp !== '' || f.minDurationMs !== '' || f.text !== '';
}

/** Values of a comma-separated field, trimmed, empty ones dropped, each once. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(',').map((v) => v.trim()).filter(Boolean))];
}

const isStatus = (v: number) => Number.isInteger(v) && v >= 100 && v <= 599;
const isDuration = (text: string) => text === '' || (Number.isFinite(Number(text)) && Number(text) >= 0);

export function filterFromHash(hash: string, fallbackVdn: number): Filter {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const base = defaultFilter(fallbackVdn);
  const vdn = Number(p.get('vdn'));
  const range = p.get('range');
  const outcome = p.get('outcome');
  const page = Number(p.get('page'));
  const minDurationMs = p.get('minDurationMs') ?? '';
  return {
    vdn: Number.isInteger(vdn) && vdn >= 1 && vdn <= 9999 ? vdn : base.vdn,
    range: range === '1h' || range === '24h' || range === '7d' || range === 'custom' ? range : base.range,
    begin: WALL_TIME.test(p.get('begin') ?? '') ? p.get('begin')! : '',
    end: WALL_TIME.test(p.get('end') ?? '') ? p.get('end')! : '',
    url: p.get('url') ?? '',
    outcome: outcome === 'success' || outcome === 'failure' ? outcome : '',
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    ak: [...new Set(p.getAll('ak').filter(Boolean))],
    resultCode: [...new Set(p.getAll('resultCode').filter(Boolean))],
    httpStatus: [...new Set(p.getAll('httpStatus').map(Number).filter(isStatus))],
    type: [...new Set(p.getAll('type').filter((m) => /^[A-Z]{1,16}$/.test(m)))],
    clientIp: p.get('clientIp') ?? '',
    minDurationMs: isDuration(minDurationMs) ? minDurationMs : '',
    text: p.get('text') ?? '',
  };
}

export function hashOf(f: Filter): string {
  const p = new URLSearchParams({ vdn: String(f.vdn), range: f.range });
  if (f.range === 'custom') {
    p.set('begin', f.begin);
    p.set('end', f.end);
  }
  if (f.url) p.set('url', f.url);
  if (f.outcome) p.set('outcome', f.outcome);
  for (const name of ['ak', 'resultCode', 'httpStatus', 'type'] as const) for (const v of f[name]) p.append(name, String(v));
  for (const name of ['clientIp', 'minDurationMs', 'text'] as const) if (f[name]) p.set(name, f[name]);
  if (f.page > 1) p.set('page', String(f.page));
  return '#' + p.toString();
}

/** The interface body of a filter (the window, url, outcome and record filters); presets end now (in the server's zone). */
export function windowOf(f: Filter, timeZone: string, nowMs = Date.now()): WindowBody {
  let beginTime: string;
  let endTime: string;
  if (f.range === 'custom') {
    beginTime = fromInput(f.begin);
    endTime = fromInput(f.end);
  } else {
    endTime = wallTime(nowMs, timeZone);
    beginTime = shiftWall(endTime, -PRESETS[f.range]);
  }
  return {
    beginTime,
    endTime,
    ...(f.url ? { url: f.url } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.ak.length ? { ak: f.ak } : {}),
    ...(f.resultCode.length ? { resultCode: f.resultCode } : {}),
    ...(f.httpStatus.length ? { httpStatus: f.httpStatus } : {}),
    ...(f.type.length ? { type: f.type } : {}),
    ...(f.clientIp ? { clientIp: f.clientIp } : {}),
    ...(f.minDurationMs !== '' ? { minDurationMs: Number(f.minDurationMs) } : {}),
    ...(f.text ? { text: f.text } : {}),
  };
}
