// The proxies a user might pick instead of the gateway, for bench/gateway.mjs: each started in front
// of the same upstream with one core's worth of threads and one JSON access-log line per call, or
// skipped (undefined) when its binary is not installed. Debian: apt-get install nginx haproxy caddy.
import { spawn, spawnSync } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { onCpus } from './processes.mjs';

const NODE_PEER = (name) => new URL(`./${name}`, import.meta.url).pathname;

function installed(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** A port nothing listens on now: the kernel's pick for a listener opened and closed at once. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port (within 10 s). */
async function accepting(port) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `command` (on `cpus` when given; its output to `logFile` when given) and waits for the port. */
async function run(command, args, port, { env, logFile, cpus } = {}) {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(...onCpus(cpus, command, args), { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await accepting(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}

function nginxConfig(dir, upstreamPort, port) {
  return `
worker_processes 1;
daemon off;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  log_format calls escape=json '{"time":"$time_iso8601","client":"$remote_addr","method":"$request_method",'
    '"uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,"requestTime":$request_time,'
    '"upstreamTime":"$upstream_response_time"}';
  access_log ${dir}/nginx-access.json calls;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  upstream isales { server 127.0.0.1:${upstreamPort}; keepalive 64; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 10000000;
    location / {
      proxy_pass http://isales;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
    }
  }
}`;
}

function haproxyConfig(upstreamPort, port) {
  return `
global
  nbthread 1
  maxconn 4096
  log stdout format raw local0
defaults
  mode http
  log global
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  log-format '{"time":"%t","client":"%ci","method":"%HM","uri":"%HU","status":%ST,"bytes":%B,"requestTime":%Ta}'
frontend calls
  bind 127.0.0.1:${port}
  default_backend isales
backend isales
  http-reuse always
  server upstream 127.0.0.1:${upstreamPort}
`;
}

function caddyConfig(dir, upstreamPort, port) {
  return `{
  admin off
  auto_https off
}
http://127.0.0.1:${port} {
  reverse_proxy 127.0.0.1:${upstreamPort}
  log {
    output file ${dir}/caddy-access.json
    format json
  }
}
`;
}

/** The peers by name: each takes the upstream's URL, a scratch folder and the CPUs it runs on (undefined: any). */
export const PEERS = {
  'nginx, JSON access log': async (upstream, dir, cpus) => {
    const nginx = installed('nginx');
    if (!nginx) return undefined;
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, new URL(upstream).port, port));
    return run(nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir], port, { cpus });
  },
  'HAProxy, JSON log': async (upstream, dir, cpus) => {
    const haproxy = installed('haproxy');
    if (!haproxy) return undefined;
    const port = await freePort();
    writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(new URL(upstream).port, port));
    return run(haproxy, ['-db', '-f', join(dir, 'haproxy.cfg')], port, { logFile: join(dir, 'haproxy-access.json'), cpus });
  },
  'Caddy, JSON log': async (upstream, dir, cpus) => {
    const caddy = installed('caddy');
    if (!caddy) return undefined;
    const port = await freePort();
    writeFileSync(join(dir, 'Caddyfile'), caddyConfig(dir, new URL(upstream).port, port));
    return run(caddy, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], port,
      { env: { GOMAXPROCS: '1', XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, cpus });
  },
  '@fastify/http-proxy + pino': async (upstream, dir, cpus) => {
    const port = await freePort();
    return run(process.execPath, [NODE_PEER('fastify-proxy.mjs'), upstream, String(port), join(dir, 'fastify-access.json')], port, { cpus });
  },
  'http-proxy + JSON log line': async (upstream, dir, cpus) => {
    const port = await freePort();
    return run(process.execPath, [NODE_PEER('node-http-proxy.mjs'), upstream, String(port), join(dir, 'http-proxy-access.json')], port, { cpus });
  },
};
