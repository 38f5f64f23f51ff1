import { RECORDED_PREFIX } from '../contract/request-target.js';

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
  { pattern: 'v1/openapi/campaigns/{vdnId}/calllogs/record', methods: ['POST'], name: 'calllogRecord' },
  { pattern: 'v1/openapi/campaigns/{vdnId}/calllogs/proof', methods: ['POST'], name: 'calllogProof' },
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
  /** Path parameters by catalog name (a path with one reading has no percent-encodings to decode). */
  params: Record<string, string>;
}

/** Finds the catalog interface of a path (a `RequestTarget` path that is not refused); the most specific pattern wins. */
export function matchRoute(path: string): RouteMatch {
  if (!path.startsWith(RECORDED_PREFIX)) return { route: undefined, params: {} };
  const segments = path.slice(RECORDED_PREFIX.length).split('/');
  for (const { route, segments: pattern } of COMPILED) {
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      const s = segments[i]!;
      if (!p.startsWith('{')) return p === s;
      params[p.slice(1, -1)] = s;
      return s.length > 0;
    });
    if (ok) return { route, params };
  }
  return { route: undefined, params: {} };
}
