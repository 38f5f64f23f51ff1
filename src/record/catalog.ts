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
  /** The parameter's name at each `{name}` segment, undefined at a literal one. */
  names: (string | undefined)[];
  literals: number;
}

const COMPILED: CompiledRoute[] = CATALOG.map((route) => {
  const segments = route.pattern.split('/');
  const names = segments.map((s) => (s.startsWith('{') ? s.slice(1, -1) : undefined));
  return { route, segments, names, literals: names.filter((n) => n === undefined).length };
}).sort((a, b) => b.literals - a.literals);

export interface RouteMatch {
  route: CatalogRoute | undefined;
  /** Path parameters by catalog name (a path with one reading has no percent-encodings to decode). */
  params: Record<string, string>;
}

function matches({ segments: pattern, names }: CompiledRoute, segments: string[]): boolean {
  if (pattern.length !== segments.length) return false;
  for (let i = 0; i < pattern.length; i += 1) {
    if (names[i] === undefined ? pattern[i] !== segments[i] : segments[i] === '') return false;
  }
  return true;
}

/** Finds the catalog interface of a path (a `RequestTarget` path that is not refused); the most specific pattern wins. */
export function matchRoute(path: string): RouteMatch {
  if (!path.startsWith(RECORDED_PREFIX)) return { route: undefined, params: {} };
  const segments = path.slice(RECORDED_PREFIX.length).split('/');
  const found = COMPILED.find((compiled) => matches(compiled, segments));
  if (!found) return { route: undefined, params: {} };
  const params: Record<string, string> = {};
  found.names.forEach((name, i) => {
    if (name !== undefined) params[name] = segments[i]!;
  });
  return { route: found.route, params };
}
