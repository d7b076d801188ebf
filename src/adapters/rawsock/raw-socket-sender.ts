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

/** A send that can never complete: the socket failed or was closed with packets still queued. */
export class RawSocketSendError extends Error {
  constructor(readonly code: 'E_RAWSOCK_FAILED' | 'E_RAWSOCK_CLOSED', message: string, readonly sent: number) {
    super(message);
    this.name = 'RawSocketSendError';
  }
}

const IPPROTO_RAW = 255;

/**
 * Every socket opened here and not yet closed. raw-socket's C++ SocketWrap is a weak
 * ObjectWrap and its libuv poll handle does not root the JS object, so a socket whose only
 * holders are its own queued callbacks (a caller awaiting its first send) is garbage: a GC
 * before the next writable event runs its destructor, which closes the fd and the watcher,
 * drops the queue without calling back, and lets the event loop empty with the send pending.
 */
const openSockets = new Set<RawSocket>();

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
  openSockets.add(socket);
  /** Why no further send can succeed, once the socket failed or was closed. */
  let broken: { code: RawSocketSendError['code']; message: string } | undefined;
  /** Rejecters of the sends still queued in the package, which drops them on error and close. */
  const unfinished = new Set<() => void>();
  const failUnfinished = () => {
    for (const fail of [...unfinished]) fail();
    unfinished.clear();
  };
  // The package reports a poll failure (libuv stops the watcher on POLLERR) as an Error whose
  // message is only libuv's status number, and drops the queued sends without calling back.
  socket.on('error', (error) => {
    broken ??= { code: 'E_RAWSOCK_FAILED', message: `the raw IPv${family} socket failed (${/^-?\d+$/.test(error.message) ? `libuv status ${error.message}` : error.message}); open a new sender` };
    openSockets.delete(socket);
    socket.close();
    failUnfinished();
  });
  return {
    family,
    send(packets) {
      if (broken) return Promise.reject(new RawSocketSendError(broken.code, broken.message, 0));
      if (packets.length === 0) return Promise.resolve(0);
      return new Promise<number>((resolve, reject) => {
        let done = 0;
        const fail = () => {
          unfinished.delete(fail);
          reject(new RawSocketSendError(broken?.code ?? 'E_RAWSOCK_CLOSED', broken?.message ?? 'the raw socket was closed', done));
        };
        unfinished.add(fail);
        for (const packet of packets) {
          socket.send(packet, 0, packet.length, destinationOf(packet, family), (error) => {
            if (!unfinished.has(fail)) return;
            if (error) {
              unfinished.delete(fail);
              reject(Object.assign(error, { sent: done }));
              return;
            }
            if (++done === packets.length) {
              unfinished.delete(fail);
              resolve(done);
            }
          });
        }
      });
    },
    close() {
      broken ??= { code: 'E_RAWSOCK_CLOSED', message: 'the raw socket was closed' };
      openSockets.delete(socket);
      socket.close();
      failUnfinished();
    },
  };
}
