import cluster from 'node:cluster';
import { isStopMessage } from './cluster/messages.js';

/**
 * Calls `stop` when the process is asked to stop. Alone (or as a cluster's primary): SIGTERM or
 * SIGINT stops gracefully, a second one at once (`forced`). A worker of a cluster stops gracefully
 * on anything (SIGTERM, SIGINT, the primary's message, the primary gone) and at once only when
 * the primary says so: a terminal's Ctrl-C and a service manager's stop reach every process of
 * the group, and together with the primary's relay they must not count as a second request.
 */
export function onStopRequests(stop: (reason: string, forced: boolean) => void): void {
  let stopping = false;
  if (cluster.isWorker) {
    const graceful = (reason: string) => {
      if (stopping) return;
      stopping = true;
      stop(reason, false);
    };
    process.on('SIGTERM', () => graceful('SIGTERM'));
    process.on('SIGINT', () => graceful('SIGINT'));
    process.on('disconnect', () => graceful('primary gone'));
    process.on('message', (message) => {
      if (!isStopMessage(message)) return;
      if (message.force) stop('primary', true);
      else graceful('primary');
    });
    return;
  }
  const signalled = (signal: string) => {
    stop(signal, stopping);
    stopping = true;
  };
  process.on('SIGTERM', () => signalled('SIGTERM'));
  process.on('SIGINT', () => signalled('SIGINT'));
}
