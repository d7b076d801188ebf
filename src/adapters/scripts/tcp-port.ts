// CTDB's checktcpport: may a TCP listener bind 0.0.0.0:PORT now? "in-use" means a service listens there.

import { createServer } from 'node:net';

/**
 * Binds and closes at once, as ctdb does. A listener on [::] with dual stack also makes the
 * IPv4 bind fail, so smbd listening on IPv6 only still counts as listening.
 */
export function checkTcpPort(port: number): Promise<'free' | 'in-use'> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve('in-use');
      else reject(error);
    });
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve('free')));
  });
}
