// The door's cost per request: reading the target and a forwarded call's VDN (src/contract), and
// the C2 check of the benchmark's signed GET (src/auth), in nanoseconds per call, after warm-up.
// Usage: npm run build && node bench/request-reading.mjs
import { computeSignature, parseAuthorization, signaturesEqual } from '../dist/auth/c2.js';
import { signRequest } from '../dist/auth/sign-request.js';
import { forwardedCallVdn } from '../dist/contract/call-vdn.js';
import { readRequestTarget } from '../dist/contract/request-target.js';

const TARGET = '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3';
const BODY = Buffer.from('{"vdnId":2,"callNos":["13812341234","13812341235"],"remark":"call back"}');
const N = 300_000;

function time(label, fn) {
  for (let i = 0; i < 20_000; i += 1) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1) fn();
  console.log(`${label.padEnd(52)} ${(Number(process.hrtime.bigint() - start) / N).toFixed(0).padStart(6)} ns`);
}

const target = readRequestTarget(TARGET);
time('readRequestTarget (a campaigns GET with a query)', () => readRequestTarget(TARGET));
time('readRequestTarget (refused: %33)', () => readRequestTarget('/rest/isales/v1/openapi/campaigns/%33/calllogs'));
time('forwardedCallVdn (the same GET)', () => forwardedCallVdn({ path: target.path, query: target.query, contentType: undefined, body: undefined }));
time(`forwardedCallVdn (a ${BODY.length}-byte JSON body)`, () =>
  forwardedCallVdn({ path: '/rest/isales/v1/openapi/obs/business/tasks', query: '', contentType: 'application/json', body: BODY }));
time(`JSON.parse of the same body (for scale)`, () => JSON.parse(BODY.toString('utf8')));

// The signature check as the verifier makes it (verify.ts, less the key lookup): parse, recompute, compare.
const KEY = { ak: 'a'.repeat(32), sk: 's'.repeat(64) };
const headers = signRequest({ ...KEY, method: 'GET', url: `http://127.0.0.1:8080${TARGET}` });
const { authorization } = headers;
const signed = { method: 'GET', path: target.path, query: target.query, headers, body: '' };
time('C2 check of the same GET (parse, HMAC, compare)', () => {
  const parts = parseAuthorization(authorization);
  return signaturesEqual(computeSignature(KEY.sk, parts, signed), parts.signature);
});
