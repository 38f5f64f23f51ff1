import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { IntegrityRepository } from '../../store/types.js';

/**
 * `GET /checkpoints/latest`: every log's latest signed checkpoint and the verifier key they are
 * signed with: heads only, no record data, so it is served without authentication for witnesses
 * to copy into another trust domain (docs/integrity.md). Not an OpenAPI call: not recorded.
 */
export const checkpointsPlugin = fp(async (app: FastifyInstance, options: { logs: IntegrityRepository }) => {
  const { logs } = options;
  app.get('/checkpoints/latest', async (_request, reply) => {
    const [publicKey, heads] = await Promise.all([logs.registeredKey(), logs.heads()]);
    reply.header('cache-control', 'no-store');
    return {
      publicKey,
      checkpoints: heads
        .filter((head) => head.checkpoint !== null)
        .map((head) => ({ vdnId: head.vdn === 0 ? null : head.vdn, size: head.checkpointSize, checkpoint: head.checkpoint })),
    };
  });
});
