#!/usr/bin/env node
// TEST UPSTREAM — A PESSIMISTIC STAND-IN FOR A TOMCAT + SPRING + JACKSON/FASTJSON SERVER.
// It reads every request as leniently as such stacks can be configured to, and answers with every
// VDN it could have acted on, so a test can assert the gateway never forwards a call that some
// upstream reads as another VDN than the one the gateway's scope check approved:
//   path:  ';' parameters stripped per segment (before and after decoding), percent-decoded
//          (UTF-8, else Latin-1), '\' read as '/', empty and dot segments resolved; a VDN segment read
//          like Spring converts a path variable (all whitespace trimmed, +/-, 0x/# hex, any Unicode
//          decimal digits, a '.suffix' dropped).
//   query and form bodies: every parameter whose name is vdnId ignoring case, '_' and '-'.
//   JSON bodies: UTF-8/16/32 detected from a BOM or zero bytes, BOM skipped; every vdnId-like key at
//          any depth, single quotes and bare keys too, each duplicate; numbers truncated, numeric
//          strings trimmed, one-element arrays unwrapped.
// GET /__log answers the list of calls received. Prints "listening on <url>".
import { createServer } from 'node:http';

const log = [];
const fieldKey = (name) => name.toLowerCase().replace(/[_-]/g, '');

/** A Unicode decimal digit's value, as Java's Character.digit(c, 10) gives it. */
function digitValue(ch) {
  if (!/\p{Nd}/u.test(ch)) return -1;
  let cp = ch.codePointAt(0);
  let zero = cp;
  while (zero > 0 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1)) && cp - zero < 9) zero -= 1;
  return (cp - zero) % 10;
}

/** What Spring's NumberUtils.parseNumber(text, Integer.class) would make of a text, or NaN. */
function springInteger(text) {
  let s = String(text).replace(/\s/gu, '');
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (/^(0x|#)[0-9a-f]+$/i.test(s)) return sign * parseInt(s.replace(/^(0x|#)/i, ''), 16);
  const chars = [...s];
  if (chars.length === 0 || chars.some((c) => digitValue(c) < 0)) return NaN;
  return sign * chars.reduce((n, c) => n * 10 + digitValue(c), 0);
}

/** Every integer a lenient JSON binder could make of a value. */
function lenientIntegers(value) {
  if (typeof value === 'number') return [Math.trunc(value)];
  if (typeof value === 'string') return [springInteger(value), springInteger(value.split('.')[0])];
  if (Array.isArray(value) && value.length === 1) return lenientIntegers(value[0]);
  return [];
}

function decodePercent(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9a-f]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
}

function normalizePath(path) {
  const kept = [];
  for (const segment of path.replace(/\\/g, '/').split('/')) {
    const name = segment.split(';')[0];
    if (name === '..') kept.pop();
    else if (name !== '' && name !== '.') kept.push(name);
  }
  return '/' + kept.join('/');
}

/** The paths a Tomcat/Spring stack could route this raw path to. */
function pathReadings(raw) {
  const stripped = raw.split('/').map((s) => s.split(';')[0]).join('/');
  return [...new Set([normalizePath(decodePercent(stripped)), normalizePath(decodePercent(raw)), normalizePath(decodePercent(decodePercent(raw)))])];
}

function pathVdns(path) {
  const m = /^\/rest\/isales\/v\d+\/openapi\/campaigns\/([^/]+)/.exec(path);
  if (!m) return [];
  return [springInteger(m[1]), springInteger(m[1].split('.')[0])];
}

function parameterVdns(text) {
  const found = [];
  for (const [name, value] of new URLSearchParams(text)) if (fieldKey(name) === 'vdnid') found.push(springInteger(value));
  return found;
}

function bodyText(bytes) {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  if (bytes.length > 1 && bytes[1] === 0 && bytes[0] !== 0) return bytes.toString('utf16le');
  if (bytes.length > 1 && bytes[0] === 0 && bytes[1] !== 0) return Buffer.from(bytes.subarray(0, bytes.length & ~1)).swap16().toString('utf16le');
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

function jsonVdns(text) {
  const found = [];
  const visit = (value) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (fieldKey(k) === 'vdnid') found.push(...lenientIntegers(v));
        visit(v);
      }
    }
  };
  try {
    visit(JSON.parse(text));
  } catch {
    // not strict JSON: the pattern below is what a lenient parser still reads
  }
  // Duplicates, quotes of any kind or none, escapes already decoded by JSON.parse above.
  const pattern = /["']?([A-Za-z_-]+)["']?\s*:\s*(\[\s*[^\]]*?\s*\]|"[^"]*"|'[^']*'|[^,}\]\s]+)/g;
  for (const [, key, raw] of text.matchAll(pattern)) {
    if (fieldKey(key) !== 'vdnid') continue;
    const inner = raw.replace(/^\[\s*|\s*\]$/g, '').replace(/^["']|["']$/g, '');
    found.push(...lenientIntegers(inner), springInteger(inner), Math.trunc(Number(inner)));
  }
  return found;
}

function vdnsOf(req, bytes) {
  const url = req.url;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const found = pathReadings(path).flatMap(pathVdns);
  if (q >= 0) found.push(...parameterVdns(url.slice(q + 1)));
  if (bytes.length > 0) {
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    const text = bodyText(bytes);
    if (type.startsWith('application/x-www-form-urlencoded')) found.push(...parameterVdns(text));
    else found.push(...jsonVdns(text));
  }
  return [...new Set(found.filter((n) => Number.isFinite(n)))].sort((a, b) => a - b);
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const bytes = Buffer.concat(chunks);
  let answer;
  if (req.url === '/__log') answer = { calls: log };
  else {
    const entry = { method: req.method, target: req.url, paths: pathReadings(req.url.split('?')[0]), vdns: vdnsOf(req, bytes), headers: req.headers };
    log.push(entry);
    answer = { resultCode: '0200000', resultDesc: 'lenient upstream', ...entry };
  }
  const text = JSON.stringify(answer);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
