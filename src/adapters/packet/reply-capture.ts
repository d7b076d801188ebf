// Captures clients' answers to tickles on one interface (AF_PACKET): the numbers killtcp's reset needs.

import { ClientReply, ReplyCapture } from '../sockdiag/port';
import { decodeTcpSegment, TCP_FLAG_ACK, TCP_FLAG_RST, TCP_FLAG_SYN, TcpConnection } from '../../protocol/packets';
import { ETH_P_ALL, openPacketSocket, PacketSocket } from './packet-socket';
import { backgroundClock, Clock } from '../clock';

/** A ReplyCapture bound to one interface; close() ends the waits (they resolve undefined) and the socket. */
export interface InterfaceReplyCapture extends ReplyCapture {
  readonly iface: string;
  close(): void;
}

export interface ReplyCaptureComponents {
  /** Opens a receiving packet socket on `iface`; throws PacketSocketError when it cannot. */
  readonly openSocket: (iface: string) => Pick<PacketSocket, 'startReceive' | 'stopReceive' | 'close'>;
  readonly clock: Clock;
}

const systemComponents: ReplyCaptureComponents = {
  openSocket: (iface) => openPacketSocket(iface, ETH_P_ALL),
  clock: backgroundClock,
};

interface Waiter {
  readonly resolve: (reply: ClientReply | undefined) => void;
  readonly cancelTimer: () => void;
}

/** `client:port>server:port`, the direction of the answer we wait for. */
function answerKey(from: TcpConnection['client'], to: TcpConnection['server']): string {
  return `${from.address.text}:${from.port}>${to.address.text}:${to.port}`;
}

/**
 * Opens the capture at once, so a missing interface or permission fails here and not in
 * the middle of a release. Frames are read only while someone waits: between releases
 * the socket costs nothing but its file descriptor.
 */
export function openReplyCapture(iface: string, components: ReplyCaptureComponents = systemComponents): InterfaceReplyCapture {
  const socket = components.openSocket(iface);
  const waiters = new Map<string, Set<Waiter>>();
  let receiving = false;
  let closed = false;

  function onFrame(frame: Buffer): void {
    const segment = decodeTcpSegment(frame);
    // A SYN (a client opening a new connection on the same ports) carries no answer to our tickle.
    if (!segment || (segment.flags & TCP_FLAG_ACK) === 0 || (segment.flags & (TCP_FLAG_RST | TCP_FLAG_SYN)) !== 0) return;
    const key = answerKey(segment.source, segment.destination);
    const waiting = waiters.get(key);
    if (!waiting) return;
    waiters.delete(key);
    for (const waiter of waiting) {
      waiter.cancelTimer();
      waiter.resolve({ seq: segment.seq, ack: segment.ack });
    }
    stopWhenIdle();
  }

  function stopWhenIdle(): void {
    if (waiters.size > 0 || !receiving) return;
    receiving = false;
    socket.stopReceive();
  }

  function remove(key: string, waiter: Waiter): void {
    const waiting = waiters.get(key);
    if (!waiting?.delete(waiter)) return;
    if (waiting.size === 0) waiters.delete(key);
    stopWhenIdle();
  }

  return {
    iface,

    awaitReply(conn, timeoutMs) {
      if (closed) return Promise.resolve(undefined);
      const key = answerKey(conn.client, conn.server);
      return new Promise<ClientReply | undefined>((resolve) => {
        const waiter: Waiter = {
          resolve,
          cancelTimer: components.clock.schedule(timeoutMs, () => {
            remove(key, waiter);
            resolve(undefined);
          }),
        };
        const waiting = waiters.get(key) ?? new Set<Waiter>();
        waiting.add(waiter);
        waiters.set(key, waiting);
        if (!receiving) {
          receiving = true;
          socket.startReceive(onFrame);
        }
      });
    },

    close() {
      if (closed) return;
      closed = true;
      for (const waiting of waiters.values()) {
        for (const waiter of waiting) {
          waiter.cancelTimer();
          waiter.resolve(undefined);
        }
      }
      waiters.clear();
      receiving = false;
      socket.close();
    },
  };
}
