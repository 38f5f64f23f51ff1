#!/usr/bin/env node
// SIMULATOR — NOT THE VENDOR'S SERVER AND NOT PART OF THE SERVICE.
// A small stand-in for a CC-iSales server, for the demo, the gateway tests and the gateway
// benchmark: a handful of the catalog's interfaces with vendor-shaped answers, a share of them
// failing, plus a few /rest/isales/v1/openapi/simulator/* hooks (echo, slow, blob, release, upload) for tests.
//
//   node demo/vendor-simulator.mjs [--port 0] [--host 127.0.0.1] [--fail-rate 0.2]
//                                  [--ak AK --sk SK]   (then every call must be C2-signed by that key)
//                                  [--tls-cert cert.pem --tls-key key.pem]
// Prints "listening on <url>" on its first line of standard output.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'fail-rate': { type: 'string', default: '0.2' },
    ak: { type: 'string' },
    sk: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
});
const failRate = Number(opts['fail-rate']);
/** Blob answers paused by `holdAfter`, resumed by the `release` hook. */
const held = new Set();
const verifier = opts.ak && opts.sk ? await import('../dist/auth/index.js') : undefined;

const ok = (result) => ({ resultCode: '0200000', resultDesc: 'success', ...(result === undefined ? {} : { result }) });
const vendorError = (code, desc) => ({ resultCode: code, resultDesc: desc });

/** The simulated interfaces: [method, pattern, handler(params, query, body) → [status, json]]. */
const ROUTES = [
  ['GET', /^\/rest\/isales\/v1\/openapi\/campaigns\/(\d+)$/, ([vdnId], query) => [200, {
    returnCode: '0200000', returnDesc: 'query success',
    result: Array.from({ length: Math.min(Number(query.get('rowsPerPage') ?? 3), 10) }, (_, i) => ({
      campaignId: String(1000 + i), name: `campaign ${i}`, vdnId: Number(vdnId), status: i % 2,
    })),
  }]],
  ['PUT', /^\/rest\/isales\/v1\/openapi\/campaigns\/(\d+)\/(\d+)\/resume$/, () => [200, ok()]],
  ['PUT', /^\/rest\/isales\/v1\/openapi\/campaigns\/(\d+)\/(\d+)\/pause$/, () => [200, ok()]],
  ['PUT', /^\/rest\/isales\/v2\/openapi\/campaigns\/(\d+)\/(\d+)$/, (_p, _q, body) =>
    body && typeof body.name === 'string' ? [200, ok()] : [400, vendorError('02000001', 'name: is required')]],
  ['GET', /^\/rest\/isales\/v1\/openapi\/campaigns\/(\d+)\/callNoType\/query$/, () => [200, ok([{ typeId: 1, typeName: 'mobile' }])]],
  ['POST', /^\/rest\/isales\/v1\/openapi\/campaigns\/(\d+)\/file\/addServer$/, () => [200, ok({ serverId: '7' })]],
  ['POST', /^\/rest\/isales\/v1\/openapi\/obs\/business\/tasks$/, () => [200, ok({ taskId: String(Date.now()) })]],
  ['POST', /^\/rest\/isales\/v1\/openapi\/obs\/business\/callnos$/, (_p, _q, body) =>
    Array.isArray(body?.callNos) ? [200, ok({ accepted: body.callNos.length })] : [400, vendorError('02000001', 'callNos: is required')]],
];

function send(res, status, json, headers = {}) {
  const text = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Test hooks of the simulator itself. */
function simulatorHook(name, query, req, res, raw) {
  if (name === 'echo') {
    return send(res, 200, { ...ok(), method: req.method, url: req.url, headers: req.headers, body: raw.toString('utf8') }, { 'x-simulator': 'echo' });
  }
  if (name === 'upload') return send(res, 200, { ...ok(), received: raw.length });
  if (name === 'release') {
    for (const resume of held) resume();
    held.clear();
    return send(res, 200, ok());
  }
  if (name === 'slow') return setTimeout(() => send(res, 200, ok()), Number(query.get('ms') ?? 1000));
  if (name === 'blob') {
    // A large JSON answer (resultCode first) written in chunks with back-pressure; with holdAfter,
    // it stops after that many bytes until the release hook is called.
    let left = Number(query.get('bytes') ?? 1_000_000);
    let holdAt = query.has('holdAfter') ? left - Number(query.get('holdAfter')) : -1;
    const head = '{"resultCode":"0200000","resultDesc":"blob","data":"';
    const chunk = 'x'.repeat(64 * 1024);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': left + head.length + 2 });
    res.write(head);
    const pump = () => {
      while (left > 0) {
        if (left <= holdAt) {
          holdAt = -1;
          return held.add(pump);
        }
        const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
        left -= piece.length;
        if (!res.write(piece)) return res.once('drain', pump);
      }
      res.end('"}');
    };
    return pump();
  }
  return send(res, 404, vendorError('0200404', 'no such simulator hook'));
}

async function handle(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks);
  const url = new URL(req.url, 'http://simulator');
  if (verifier) {
    try {
      await verifier.authenticate(req.headers.authorization, {
        method: req.method, path: url.pathname, query: url.search.slice(1), headers: req.headers, body: raw,
      }, { nowMs: Date.now(), skewMs: 15 * 60_000, findKey: async (ak) => (ak === opts.ak ? { ak, sk: opts.sk, vdns: 'all', disabled: false } : undefined) });
    } catch (error) {
      return send(res, 401, vendorError('0200401', error.message));
    }
  }
  const hook = /^\/rest\/isales\/v1\/openapi\/simulator\/(\w+)$/.exec(url.pathname);
  if (hook) return simulatorHook(hook[1], url.searchParams, req, res, raw);
  let body;
  try {
    body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch {
    return send(res, 400, vendorError('02000008', 'body: is not valid JSON'));
  }
  for (const [method, pattern, handler] of ROUTES) {
    const m = pattern.exec(url.pathname);
    if (!m || method !== req.method) continue;
    if (Math.random() < failRate) return send(res, 500, vendorError('0200500', 'simulated failure: the campaign service is busy'));
    const [status, json] = handler(m.slice(1), url.searchParams, body);
    return send(res, status, json);
  }
  return send(res, 404, vendorError('0200404', 'no such interface'));
}

const listener = (req, res) => handle(req, res).catch(() => send(res, 500, vendorError('0200500', 'simulator error')));
const server = opts['tls-cert']
  ? createTlsServer({ cert: readFileSync(opts['tls-cert']), key: readFileSync(opts['tls-key']) }, listener)
  : createServer(listener);
server.keepAliveTimeout = 65_000;
server.listen(Number(opts.port), opts.host, () => {
  const { port } = server.address();
  process.stdout.write(`listening on ${opts['tls-cert'] ? 'https' : 'http'}://${opts.host}:${port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
