// A peer for bench/gateway.mjs: @fastify/http-proxy in front of an upstream, one pino JSON line per
// call (Fastify's own logger, its two default request lines replaced by one, as an access log).
// Usage: node fastify-proxy.mjs UPSTREAM_URL PORT LOG_FILE
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const [upstream, port, logFile] = process.argv.slice(2);
const app = Fastify({ logger: { level: 'info', file: logFile }, disableRequestLogging: true });
app.addHook('onResponse', async (request, reply) => {
  request.log.info({ method: request.method, uri: request.url, status: reply.statusCode, requestTime: reply.elapsedTime / 1000 }, 'call');
});
await app.register(proxy, { upstream });
await app.listen({ port: Number(port), host: '127.0.0.1' });
