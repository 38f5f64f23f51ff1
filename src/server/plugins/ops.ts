import type { FastifyInstance } from 'fastify';
import type { RecordWriter } from '../../record/writer.js';
import type { LogStore } from '../../store/types.js';

/**
 * Liveness and readiness for load balancers and orchestrators (not OpenAPI calls: not recorded).
 * Ready means the store answers, records are being written, and the queue has room.
 */
export async function opsPlugin(app: FastifyInstance, options: { store: LogStore; writer: RecordWriter }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const problems: string[] = [];
    try {
      await options.store.ping();
    } catch {
      problems.push('store: unreachable');
    }
    if (!options.writer.healthy) problems.push('records: the last write failed (queued or spilled until the store answers)');
    if (options.writer.isFull) problems.push('records: the queue is full');
    return reply.code(problems.length ? 503 : 200).send({ status: problems.length ? 'not ready' : 'ready', problems, queued: options.writer.depth });
  });
}
