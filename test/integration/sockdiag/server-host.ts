// In the server namespace: TCP listeners that keep every connection open, and the sock_diag adapter served over IPC.

import * as net from 'node:net';
import { SockDiagAdapter, decodeDumpReply, nativeDumper } from '../../../src/adapters/sockdiag/sockdiag';
import { encodeDumpRequest, stateMask } from '../../../src/protocol/sockdiag';
import { ip } from '../../../src/core/ip';

/** The addon's dump of every ESTABLISHED IPv4 socket, with the request's family byte set to `family`: the sockets found, or the error. */
async function dumpAsFamily(family: number): Promise<number> {
  const request = encodeDumpRequest(4, stateMask(['ESTABLISHED']));
  request[0] = family;
  return decodeDumpReply(await nativeDumper()(request), `dump of family ${family}`).length;
}

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

process.on('message', (message: { id: number; method: 'listEstablished' | 'destroyConnections' | 'dumpAsFamily'; args: string[] }) => {
  void (async () => {
    try {
      const result = message.method === 'listEstablished'
        ? await adapter.listEstablished(message.args.map(ip))
        : message.method === 'dumpAsFamily' ? await dumpAsFamily(Number(message.args[0]))
          : await adapter.destroyConnections(ip(message.args[0]));
      process.send?.({ id: message.id, result });
    } catch (error) {
      process.send?.({ id: message.id, error: (error as Error).message });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
main().catch((error) => { process.stderr.write(`${(error as Error).stack}\n`); process.exit(1); });
