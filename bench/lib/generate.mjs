// Synthetic invocation records for benchmarks and large tests: deterministic (seeded), spread
// evenly over `days` ending at `endMs`, oldest first. 100 VDNs, VDN 1 holding 30 % of the calls;
// 26 interface URLs per VDN (10 interface templates; the 4 that carry an id take 5 ids each), drawn
// from 50 Zipf-weighted choices; about 8 % failures. Each VDN has three integrators (access keys
// `ak-<vdn>-1` … `-3`, taking 60, 30 and 10 % of its calls, each from four client addresses); a call
// refused for its signature (401) has no verified key.
import { createIdGenerator } from '../../dist/record/ids.js';

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative weights 1/rank^s, for picking index i with probability ∝ 1/(i+1)^s. */
function zipf(n, s) {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / total));
}

function pick(cumulative, r) {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const TEMPLATES = [
  ['GET', 'campaigns/{vdn}'], ['PUT', 'campaigns/{vdn}/{id}/resume'], ['PUT', 'campaigns/{vdn}/{id}/pause'],
  ['GET', 'campaigns/{vdn}/callNoType/query'], ['GET', 'campaigns/{vdn}/calldata/{id}/{id2}'], ['POST', 'campaigns/{vdn}/file/addServer'],
  ['GET', 'campaigns/{vdn}/{id}/queryObsResultDetail'], ['POST', 'obs/business/tasks'], ['POST', 'obs/business/callnos'],
  ['POST', 'campaigns/{vdn}/calllogs'],
];
const FAILURES = [[400, '02000007', 'limit: must be between 1 and 100'], [401, '0200401', 'Authorization: signature does not match the request'],
  [500, '0200500', 'internal error'], [404, '0200404', 'url: no such interface']];

export const HOT_VDN = 1;
/** Which integrator of its VDN makes the i-th call (by i mod 10): 60, 30, 10 %. */
const INTEGRATOR_SHARE = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3];

/** Yields `count` records; a url is one of 50 weighted choices (a template and one of 5 ids). */
export function* generateRecords({ count, days = 30, endMs = Date.UTC(2026, 9, 31), seed = 42 }) {
  const random = mulberry32(seed);
  const nextId = createIdGenerator(seed);
  const vdnWeights = zipf(99, 1.1);
  const urlWeights = zipf(50, 1.0);
  const span = days * 86_400_000;
  const start = endMs - span;
  for (let i = 0; i < count; i++) {
    const operTime = start + Math.floor((i * span) / count);
    const vdnId = random() < 0.3 ? HOT_VDN : 2 + pick(vdnWeights, random());
    const u = pick(urlWeights, random());
    const [type, template] = TEMPLATES[u % TEMPLATES.length];
    const id = 1000 + Math.floor(u / TEMPLATES.length);
    const url = '/rest/isales/v1/openapi/' + template.replace('{vdn}', vdnId).replace('{id}', id).replace('{id2}', id * 7);
    const failed = random() < 0.08 ? FAILURES[Math.floor(random() * FAILURES.length)] : undefined;
    const phone = `138****${String(Math.floor(random() * 10_000)).padStart(4, '0')}`;
    const integrator = INTEGRATOR_SHARE[i % INTEGRATOR_SHARE.length];
    yield {
      id: nextId(operTime),
      operTime,
      url,
      request: JSON.stringify({ vdnId, campaignId: String(id), calledNo: phone, callerNo: '0755****0000', priority: Math.floor(random() * 5) }),
      resultCode: failed ? failed[1] : '0200000',
      resultDesc: failed ? failed[2] : `${template.split('/').pop()} success`,
      httpStatus: failed ? failed[0] : 200,
      type,
      vdnId,
      ak: failed?.[0] === 401 ? undefined : `ak-${vdnId}-${integrator}`,
      clientIp: `10.${Math.floor(vdnId / 256)}.${vdnId % 256}.${integrator * 4 + (Math.floor(i / 10) % 4)}`,
      durationMs: Math.round(random() * 2000) / 10,
    };
  }
}
