// In the server namespace: TCP listeners that keep every connection open, and the sock_diag adapter served over IPC.

import * as net from 'node:net';
import { SockDiagAdapter } from '../../../src/adapters/sockdiag/sockdiag';
import { ip } from '../../../src/core/ip';

const listeners: [string, number][] = JSON.parse(process.argv[2]);
const kept: net.Socket[] = [];
const adapter = new SockDiagAdapter();

async function main(): Promise<void> {
  await adapter.start();
  await Promise.all(listeners.map(([host, port]) => new Promise<void>((resolve, reject) => {
    const server = net.createServer((socket) => { kept.push(socket); socket.on('error', () => undefined); });
    server.on('error', reject);
    server.listen({ host, port, ipv6Only: false }, resolve);
  })));
  process.send?.({ ready: true });
}

process.on('message', (message: { id: number; method: 'listEstablished' | 'destroyConnections'; args: string[] }) => {
  void (async () => {
    try {
      const result = message.method === 'listEstablished'
        ? await adapter.listEstablished(message.args.map(ip))
        : await adapter.destroyConnections(ip(message.args[0]));
      process.send?.({ id: message.id, result });
    } catch (error) {
      process.send?.({ id: message.id, error: (error as Error).message });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
main().catch((error) => { process.stderr.write(`${(error as Error).stack}\n`); process.exit(1); });
