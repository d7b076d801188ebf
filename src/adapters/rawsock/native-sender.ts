// IpPacketSender over the native addon's IPPROTO_RAW socket: thousands of packets per sendmmsg.

import { Family } from '../../core/ip';
import { nativeAddon } from '../packet/native';
import { IpPacketSender } from './ip-packet-sender';

/** Packets per addon call; keeps one call (and so the event loop stall) under a few ms. */
const CALL_CHUNK = 2048;

export function openNativeIpSender(family: Family): IpPacketSender {
  const socket = new (nativeAddon().RawIpSocket)(family);
  return {
    family,
    async send(packets) {
      let sent = 0;
      for (let at = 0; at < packets.length; at += CALL_CHUNK) {
        try {
          sent += socket.sendBatch(packets.slice(at, at + CALL_CHUNK));
        } catch (error) {
          const before = Number((error as { sent?: unknown }).sent ?? 0);
          throw Object.assign(error as Error, { sent: sent + before });
        }
      }
      return sent;
    },
    close: () => socket.close(),
  };
}
