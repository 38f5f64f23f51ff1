// The floor for bench/gateway-cpu.mjs: the least a Node forwarding proxy does per call — node:http
// in, undici's dispatch out over keep-alive connections (a body streamed), the answer buffered and
// sent on, one JSON access-log line — with no checks and no record. What any Node proxy pays here.
// Usage: node bare-proxy.mjs UPSTREAM_URL PORT LOG_FILE   (prints "listening on <url>")
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [upstream, port, logFile] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 64 });
const log = createWriteStream(logFile, { flags: 'a' });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

const server = createServer((req, res) => {
  const started = performance.now();
  const chunks = [];
  let status = 502;
  let headers = {};
  // A request body streams on as it arrives (bench/gateway-cpu.mjs --body).
  pool.dispatch({ method: req.method, path: req.url, headers: req.headers, body: req.headers['content-length'] ? req : undefined }, {
    onRequestStart() {},
    onResponseStart(_controller, statusCode, answerHeaders) {
      status = statusCode;
      headers = answerHeaders;
    },
    onResponseData(_controller, chunk) {
      chunks.push(chunk);
    },
    onResponseEnd() {
      const body = Buffer.concat(chunks);
      const sent = { 'content-length': String(body.length) };
      for (const name in headers) if (!HOP_BY_HOP.has(name) && name !== 'content-length') sent[name] = headers[name];
      res.writeHead(status, sent).end(body);
      log.write(`${JSON.stringify({ time: new Date().toISOString(), client: req.socket.remoteAddress, method: req.method, uri: req.url,
        status, requestTime: (performance.now() - started) / 1000 })}\n`);
    },
    onResponseError() {
      res.writeHead(502).end();
    },
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
