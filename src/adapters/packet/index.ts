// The packet adapter wired to the real kernel: AF_PACKET announcer on real time.

import { AnnounceError, Announcer } from './announcer';
import { AnnounceSettings } from './announce-settings';
import { openPacketLink } from './frame-link';
import { createGarpAnnouncer } from './garp-announcer';
import { backgroundClock } from '../clock';

export * from './announcer';
export * from './announce-settings';
export { openPacketSocket, PacketSocketError } from './packet-socket';
export type { PacketSocket } from './packet-socket';

/** The Announcer the daemon uses: AF_PACKET sockets through the native addon, real time (timers that keep no process alive). */
export function createPacketAnnouncer(settings: AnnounceSettings, onError: (error: AnnounceError) => void): Announcer {
  return createGarpAnnouncer(settings, { openLink: openPacketLink, clock: backgroundClock, onError });
}

export * from './prober';
export { createAddressProber } from './address-prober';
export type { AddressProberSettings } from './address-prober';
