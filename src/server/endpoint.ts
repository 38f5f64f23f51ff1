import type { ServerConfig } from './config.js';

/** `http(s)://host:port` a server listening on `port` is reached at (an IPv6 host in brackets). */
export function endpointOf(config: Pick<ServerConfig, 'host' | 'tls'>, port: number): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${config.tls ? 'https' : 'http'}://${host}:${port}`;
}
