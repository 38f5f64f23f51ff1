// A peer for bench/gateway.mjs: node-http-proxy (`http-proxy`) in front of an upstream over
// keep-alive connections, one JSON access-log line per call.
// Usage: node node-http-proxy.mjs UPSTREAM_URL PORT LOG_FILE
import httpProxy from 'http-proxy';
import { createWriteStream } from 'node:fs';
import { Agent, createServer } from 'node:http';

const [upstream, port, logFile] = process.argv.slice(2);
const proxy = httpProxy.createProxyServer({ target: upstream, agent: new Agent({ keepAlive: true, maxSockets: 64 }) });
const log = createWriteStream(logFile, { flags: 'a' });
const server = createServer((req, res) => {
  const start = performance.now();
  res.on('finish', () => {
    log.write(`${JSON.stringify({ time: new Date().toISOString(), client: req.socket.remoteAddress, method: req.method, uri: req.url,
      status: res.statusCode, requestTime: (performance.now() - start) / 1000 })}\n`);
  });
  proxy.web(req, res, {}, () => {
    res.statusCode = 502;
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1');
