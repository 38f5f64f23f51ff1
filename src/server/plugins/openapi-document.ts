import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';

/** The OpenAPI 3.1 document shipped in the package (docs/openapi.json), from src/ and dist/ alike. */
export const OPENAPI_DOCUMENT_PATH = new URL('../../../docs/openapi.json', import.meta.url);

/** Serves the interface's OpenAPI document at /openapi.json (public; not an OpenAPI call, not recorded). */
export async function openapiDocumentPlugin(app: FastifyInstance): Promise<void> {
  const document = readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8');
  app.get('/openapi.json', (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=300').send(document));
}
