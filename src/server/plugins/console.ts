import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the build puts the console (web/ → dist/console); the same path from src/ and dist/. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

// The console loads only its own files and talks only to this server.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
].join('; ');

/**
 * The web console at /console/: static files built by Vite. Hashed assets are cached for a year;
 * the page itself is revalidated every time, so a new version is picked up at once. Not an
 * OpenAPI call: not signed, not recorded (the console's own API calls are both).
 */
export async function consolePlugin(app: FastifyInstance, options: { timeZone: string }): Promise<void> {
  app.get('/console', (_request, reply) => reply.redirect('/console/'));
  app.get('/console/config.json', (_request, reply) => reply.header('cache-control', 'no-cache').send({ timeZone: options.timeZone }));
  if (!existsSync(CONSOLE_DIR)) {
    app.get('/console/', (_request, reply) => reply.code(503).type('text/plain').send('The console is not built: run npm run build.\n'));
    return;
  }
  await app.register(fastifyStatic, {
    root: CONSOLE_DIR,
    prefix: '/console/',
    cacheControl: false,
    setHeaders: (response, path) => {
      if (path.includes('/assets/')) response.setHeader('cache-control', 'public, max-age=31536000, immutable');
      else {
        response.setHeader('cache-control', 'no-cache');
        response.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      }
      response.setHeader('x-content-type-options', 'nosniff');
    },
  });
}
