import { parseVdnId } from '../contract/query.js';

/** Every call below this prefix is recorded (and, on a gateway, forwarded). */
export const RECORDED_PREFIX = '/rest/isales/';
/** The version-1 OpenAPI, where an unknown interface is a 404 when no upstream is configured. */
export const OPENAPI_PREFIX = '/rest/isales/v1/openapi/';

/**
 * The vendor's OpenAPI interfaces, with the names of their path parameters, so that a recorded
 * `request` names them as the vendor does ({"campaignId":"456","vdnId":2}).
 */
export interface CatalogRoute {
  /** Path below RECORDED_PREFIX; `{name}` segments are parameters. */
  pattern: string;
  /** Methods the vendor documents for it. */
  methods: string[];
  /** A stable name, also the `route` label of the metrics. */
  name: string;
}

export const CATALOG: CatalogRoute[] = [
  { pattern: 'v1/openapi/campaigns/{vdnId}/calllogs', methods: ['POST'], name: 'queryCalllogs' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/calllogs/stats', methods: ['POST'], name: 'calllogsStats' },
  { pattern: 'v1/openapi/calllogs', methods: ['POST'], name: 'queryCalllogsWithoutVdn' },
  { pattern: 'v1/openapi/campaigns/{vdnId}', methods: ['GET', 'POST'], name: 'queryCampaigns' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/{campaignId}', methods: ['PUT', 'DELETE'], name: 'modifyCampaign' },
  { pattern: 'v2/openapi/campaigns/{vdnId}/{campaignId}', methods: ['PUT'], name: 'modifyCampaignV2' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/{campaignId}/resume', methods: ['PUT'], name: 'resumeCampaign' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/{campaignId}/pause', methods: ['PUT'], name: 'pauseCampaign' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/callNoType/query', methods: ['GET'], name: 'queryCallNoType' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/calldata/{campaignId}/{dataId}', methods: ['GET', 'PUT', 'DELETE'], name: 'callData' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/file/addServer', methods: ['POST'], name: 'addFileServer' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/{defId}/queryObsResultDetail', methods: ['GET'], name: 'queryObsResultDetail' },
  { pattern: 'v1/openapi/obs/business/tasks', methods: ['POST'], name: 'createBusinessTask' },
  { pattern: 'v1/openapi/obs/business/callnos', methods: ['POST'], name: 'addBusinessCallNos' },
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
  if (!path.startsWith(RECORDED_PREFIX)) return { route: undefined, params: {} };
  const segments = path.slice(RECORDED_PREFIX.length).split('/');
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

const CAMPAIGNS_SEGMENT = /^\/rest\/isales\/v\d+\/openapi\/campaigns\/([^/]+)/;

/** The VDN a path names: a valid `campaigns/{vdnId}` segment (any API version), else none. */
export function vdnOfPath(path: string): number | null {
  const m = CAMPAIGNS_SEGMENT.exec(path);
  return m ? validVdn(m[1]!) : null;
}

/**
 * The VDN a call belongs to: its path's `campaigns/{vdnId}` segment; for a path without one, a
 * `vdnId` field of a JSON object body (the obs/business interfaces carry it there); else none.
 * The body is asked for only when the path names no VDN.
 */
export function vdnOfCall(path: string, bodyOf: () => unknown): number | null {
  if (CAMPAIGNS_SEGMENT.test(path)) return vdnOfPath(path);
  const body = bodyOf();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const field = (body as Record<string, unknown>).vdnId;
  return typeof field === 'number' || typeof field === 'string' ? validVdn(String(field)) : null;
}

function validVdn(text: string): number | null {
  try {
    return parseVdnId(text);
  } catch {
    return null;
  }
}
