import { parseVdnId } from '../contract/query.js';

/**
 * The vendor's OpenAPI interfaces under /rest/isales/v1/openapi/, with the names of their path
 * parameters, so that a recorded `request` names them as the vendor does ({"defId":"456","vdnId":2}).
 */
export const OPENAPI_PREFIX = '/rest/isales/v1/openapi/';

export interface CatalogRoute {
  /** Path below OPENAPI_PREFIX; `{name}` segments are parameters. */
  pattern: string;
  /** Methods the vendor documents for it. */
  methods: string[];
  name: string;
}

export const CATALOG: CatalogRoute[] = [
  { pattern: 'campaigns/{vdnId}/calllogs', methods: ['POST'], name: 'queryCalllogs' },
  { pattern: 'campaigns/{vdnId}', methods: ['GET'], name: 'queryCampaigns' },
  { pattern: 'campaigns/{vdnId}/{campaignId}/resume', methods: ['PUT'], name: 'resumeCampaign' },
  { pattern: 'campaigns/{vdnId}/{campaignId}/pause', methods: ['PUT'], name: 'pauseCampaign' },
  { pattern: 'campaigns/{vdnId}/callNoType/query', methods: ['GET'], name: 'queryCallNoType' },
  { pattern: 'campaigns/{vdnId}/calldata/{campaignId}/{dataId}', methods: ['GET', 'PUT', 'DELETE'], name: 'callData' },
  { pattern: 'campaigns/{vdnId}/file/addServer', methods: ['POST'], name: 'addFileServer' },
  { pattern: 'campaigns/{vdnId}/{defId}/queryObsResultDetail', methods: ['GET'], name: 'queryObsResultDetail' },
  { pattern: 'obs/business/tasks', methods: ['POST'], name: 'createBusinessTask' },
  { pattern: 'obs/business/callnos', methods: ['POST'], name: 'addBusinessCallNos' },
];

interface CompiledRoute {
  route: CatalogRoute;
  segments: string[];
  literals: number;
}

const COMPILED: CompiledRoute[] = CATALOG.map((route) => {
  const segments = route.pattern.split('/');
  return { route, segments, literals: segments.filter((s) => !s.startsWith('{')).length };
}).sort((a, b) => b.literals - a.literals);

export interface RouteMatch {
  route: CatalogRoute | undefined;
  /** Path parameters by catalog name (raw text, percent-decoded). */
  params: Record<string, string>;
}

/** Finds the catalog interface of a path; the most specific pattern wins. */
export function matchRoute(path: string): RouteMatch {
  if (!path.startsWith(OPENAPI_PREFIX)) return { route: undefined, params: {} };
  const segments = path.slice(OPENAPI_PREFIX.length).split('/');
  for (const { route, segments: pattern } of COMPILED) {
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      const s = segments[i]!;
      if (!p.startsWith('{')) return p === s;
      params[p.slice(1, -1)] = safeDecode(s);
      return s.length > 0;
    });
    if (ok) return { route, params };
  }
  return { route: undefined, params: {} };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The VDN a path names: a valid `campaigns/{vdnId}` segment, else none. */
export function vdnOfPath(path: string): number | null {
  const m = /^\/rest\/isales\/v\d+\/openapi\/campaigns\/([^/]+)/.exec(path);
  if (!m) return null;
  try {
    return parseVdnId(m[1]!);
  } catch {
    return null;
  }
}
