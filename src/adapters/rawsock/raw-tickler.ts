// Sends TCP tickles and resets through raw IP sockets, with repeated rounds on the injected clock.

import { Family } from '../../core/ip';
import { buildTcpReset, buildTickle } from '../../protocol/packets';
import { Clock } from '../clock';
import { OpenIpPacketSender, IpPacketSender } from './ip-packet-sender';
import { TickleError, Tickler } from './tickler';
import { TickleSettings } from './tickle-settings';

export interface RawTicklerComponents {
  /** Opens a raw IP socket of one family; throws if it cannot (no CAP_NET_RAW, say). */
  readonly openSender: OpenIpPacketSender;
  readonly clock: Clock;
  /** Failures of later rounds, which no caller awaits. */
  readonly onError: (error: TickleError) => void;
}

export function createRawTickler(settings: TickleSettings, components: RawTicklerComponents): Tickler {
  const senders = new Map<Family, IpPacketSender>();
  const pending = new Set<() => void>();
  let closed = false;

  function senderFor(family: Family): IpPacketSender {
    let sender = senders.get(family);
    if (!sender) {
      try {
        sender = components.openSender(family);
      } catch (error) {
        throw new TickleError('E_TICKLE_SOCKET', `cannot open a raw IPv${family} socket: ${(error as Error).message}; floatipd needs root or CAP_NET_RAW`, error);
      }
      senders.set(family, sender);
    }
    return sender;
  }

  /** Sends IPv4 and IPv6 packets through their own sockets; rejects with a TickleError. */
  async function sendAll(byFamily: ReadonlyMap<Family, Buffer[]>, what: string): Promise<number> {
    if (closed) throw new TickleError('E_TICKLE_CLOSED', 'the tickler is closed');
    let sent = 0;
    for (const [family, packets] of byFamily) {
      const sender = senderFor(family);
      try {
        sent += await sender.send(packets);
      } catch (error) {
        // A broken socket is reopened next time rather than reused.
        senders.delete(family);
        sender.close();
        throw new TickleError('E_TICKLE_SEND', `sending ${what} failed after ${sent + Number((error as { sent?: unknown }).sent ?? 0)} packets: ${(error as Error).message}`, error);
      }
    }
    return sent;
  }

  function scheduleRound(byFamily: ReadonlyMap<Family, Buffer[]>, round: number): void {
    if (round >= settings.count) return;
    const cancel = components.clock.schedule(settings.spacingMs, () => {
      pending.delete(cancel);
      sendAll(byFamily, `tickle round ${round + 1}`).then(
        () => scheduleRound(byFamily, round + 1),
        (error: TickleError) => components.onError(error),
      );
    });
    pending.add(cancel);
  }

  return {
    async tickle(connections) {
      const byFamily = new Map<Family, Buffer[]>();
      for (const conn of connections) {
        const family = conn.server.address.family;
        const packets = byFamily.get(family) ?? [];
        packets.push(buildTickle(conn));
        byFamily.set(family, packets);
      }
      if (connections.length === 0) return { sent: 0 };
      const sent = await sendAll(byFamily, `tickles for ${connections.length} connections`);
      scheduleRound(byFamily, 1);
      return { sent };
    },

    async sendReset(conn, seq, ack) {
      const packet = buildTcpReset(conn, seq, ack);
      await sendAll(new Map([[conn.server.address.family, [packet]]]), `a reset to ${conn.client.address.text}:${conn.client.port}`);
    },

    close() {
      closed = true;
      for (const cancel of pending) cancel();
      pending.clear();
      for (const sender of senders.values()) sender.close();
      senders.clear();
    },
  };
}
