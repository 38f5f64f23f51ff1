// What reading a large call costs the gateway's event loop, per call, in the pure parts that read
// it (src/contract, src/record): the result code of an upstream's answer (at most its first 64 KiB),
// a forwarded JSON body's VDN, and the record's `request` of that body (redaction, serialization,
// the 64 KiB cap); a small answer beside them. Microseconds per call after warm-up, the median of
// --rounds; with --baseline DIR, another checkout's build measured alternately in the same run, and
// the ratio. The whole gateway with such a body: bench/gateway-cpu.mjs --body 65536.
// Usage: npm run build && node bench/large-calls.mjs [--baseline DIR] [--rounds 5]
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { baseline: { type: 'string' }, rounds: { type: 'string', default: '5' } } });
const builds = { this: new URL('../dist/', import.meta.url).href };
if (values.baseline) builds.baseline = new URL(`file://${values.baseline.replace(/\/?$/, '/')}dist/`).href;

const rows = Array.from({ length: 2000 }, (_, i) => ({ campaignId: String(1000 + i), name: `campaign ${i}`, vdnId: 2, status: i % 3, remark: 'call back "later"' }));
const cap = (text) => text.slice(0, 64 * 1024);
const ANSWERS = {
  'answer: campaigns list, 3 rows (253 B, returnCode)': JSON.stringify({ returnCode: '0200000', returnDesc: 'query success', result: rows.slice(0, 3) }),
  'answer: 64 KiB, resultCode and resultDesc first': cap(JSON.stringify({ resultCode: '0200000', resultDesc: 'success', result: rows })),
  'answer: 64 KiB, returnCode first (read to its end)': cap(JSON.stringify({ returnCode: '0200000', returnDesc: 'success', result: rows })),
};
// A bulk call: numbers to call (phone fields, masked) and tasks (other fields, scanned for numbers).
const BODY = Buffer.from(JSON.stringify({ vdnId: 2, callNos: rows.map((_, i) => String(13800000000 + i)), tasks: rows.slice(0, 400) }));
const size = `${Math.round(BODY.length / 1024)} KiB`;

function microseconds(fn, n) {
  for (let i = 0; i < n / 10; i += 1) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) fn();
  return Number(process.hrtime.bigint() - start) / n / 1000;
}

const cases = {};
const add = (label, name, fn, n) => ((cases[label] ??= {})[name] = [fn, n]);
for (const [name, href] of Object.entries(builds)) {
  const { extractResult } = await import(`${href}record/response-result.js`);
  const { forwardedCallVdn } = await import(`${href}contract/call-vdn.js`);
  const { describeRequest } = await import(`${href}record/request-params.js`);
  const { createRedactor } = await import(`${href}record/redact.js`);
  const redact = createRedactor();
  for (const [label, text] of Object.entries(ANSWERS)) add(label, name, () => extractResult(text), text.length > 1000 ? 2000 : 200_000);
  const call = { path: '/rest/isales/v1/openapi/obs/business/tasks', query: '', contentType: 'application/json', body: BODY };
  add(`body (${size}): its VDN`, name, () => forwardedCallVdn(call), 500);
  const value = JSON.parse(BODY.toString('utf8'));
  add(`body (${size}): the record's request`, name, () => describeRequest({ pathParams: {}, query: '', body: value }, redact), 300);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [label, byBuild] of Object.entries(cases)) {
  const times = Object.fromEntries(Object.keys(byBuild).map((name) => [name, []]));
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const [name, [fn, n]] of Object.entries(byBuild)) times[name].push(microseconds(fn, n));
  }
  const line = Object.entries(times).map(([name, xs]) => `${name} ${median(xs).toFixed(1).padStart(8)} µs`).join('   ');
  const ratio = times.baseline ? `   this / baseline ${((100 * median(times.this)) / median(times.baseline)).toFixed(1)} %` : '';
  console.log(`${label.padEnd(52)} ${line}${ratio}`);
}
