// IpPacketSender over the `raw-socket` package: one sendto per packet, queued on its poll watcher.

import { Family } from '../../core/ip';
import { IpPacketSender } from './ip-packet-sender';

/** The part of raw-socket 1.8 we use (it ships no types). */
interface RawSocketModule {
  createSocket(options: { addressFamily: number; protocol: number }): RawSocket;
  AddressFamily: { IPv4: number; IPv6: number };
}
interface RawSocket {
  send(buffer: Buffer, offset: number, length: number, address: string, after: (error: Error | null, bytes: number) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}

const IPPROTO_RAW = 255;

function destinationOf(packet: Buffer, family: Family): string {
  if (family === 4) return `${packet[16]}.${packet[17]}.${packet[18]}.${packet[19]}`;
  const groups: string[] = [];
  for (let i = 24; i < 40; i += 2) groups.push(packet.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/**
 * Kept beside the native sender as the path that needs no addon of ours. It sends one
 * packet per writable event of its poll watcher, so the first packet leaves a loop turn
 * later and a batch costs more: 10,000 tickles took 67 ms (p50) against 33 ms through
 * the addon's sendmmsg in bench/packets.ts, and the tickle integration test saw the
 * client reset 8-68 ms after the tickle call against 2-6 ms.
 */
export function openRawSocketSender(family: Family): IpPacketSender {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const raw = require('raw-socket') as RawSocketModule;
  const socket = raw.createSocket({ addressFamily: family === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6, protocol: IPPROTO_RAW });
  let socketError: Error | undefined;
  socket.on('error', (error) => { socketError = error; });
  return {
    family,
    send(packets) {
      if (socketError) return Promise.reject(socketError);
      return new Promise<number>((resolve, reject) => {
        let done = 0;
        let failed = false;
        if (packets.length === 0) resolve(0);
        for (const packet of packets) {
          socket.send(packet, 0, packet.length, destinationOf(packet, family), (error) => {
            if (failed) return;
            if (error) {
              failed = true;
              reject(Object.assign(error, { sent: done }));
              return;
            }
            if (++done === packets.length) resolve(done);
          });
        }
      });
    },
    close: () => socket.close(),
  };
}
