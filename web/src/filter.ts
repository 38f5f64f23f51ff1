import { fromInput, shiftWall, wallTime, WALL_TIME } from './time.js';
import type { WindowBody } from './api.js';

/** What the console shows; kept in the URL's hash so a view can be linked and reloaded. */
export interface Filter {
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

export function defaultFilter(vdn = 1): Filter {
  return { vdn, range: '24h', begin: '', end: '', url: '', outcome: '', page: 1 };
}

export function filterFromHash(hash: string, fallbackVdn: number): Filter {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const base = defaultFilter(fallbackVdn);
  const vdn = Number(p.get('vdn'));
  const range = p.get('range');
  const outcome = p.get('outcome');
  const page = Number(p.get('page'));
  return {
    vdn: Number.isInteger(vdn) && vdn >= 1 && vdn <= 9999 ? vdn : base.vdn,
    range: range === '1h' || range === '24h' || range === '7d' || range === 'custom' ? range : base.range,
    begin: WALL_TIME.test(p.get('begin') ?? '') ? p.get('begin')! : '',
    end: WALL_TIME.test(p.get('end') ?? '') ? p.get('end')! : '',
    url: p.get('url') ?? '',
    outcome: outcome === 'success' || outcome === 'failure' ? outcome : '',
    page: Number.isInteger(page) && page >= 1 ? page : 1,
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
  if (f.page > 1) p.set('page', String(f.page));
  return '#' + p.toString();
}

/** The interface body of a filter; presets end now (in the server's zone). */
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
  return { beginTime, endTime, ...(f.url ? { url: f.url } : {}), ...(f.outcome ? { outcome: f.outcome } : {}) };
}
