// Probes held addresses on the wire: ARP probes and DAD solicitations out, every claim of them heard back for one answer window.
//
// A receiving socket per interface and family is open only while a window is: an IPv6
// socket receives every IPv6 frame of the interface (there is no socket filter in the
// addon), so between windows it must cost nothing. ARP sockets follow the same rule.

import { IpAddress } from '../../core/ip';
import {
  addressHex, announcedAddressHex, AnnouncementFrame, buildArpProbe, buildNeighborSolicitProbe, decodeAnnouncement, ETHERTYPE_ARP, ETHERTYPE_IPV6, MacAddress,
} from '../../protocol/packets';
import { HARDWARE_ETHERNET, openPacketSocket, PacketSocket } from './packet-socket';
import { AddressClaim, AddressProber, ProbeError } from './prober';
import { backgroundClock, Clock } from '../clock';

export interface AddressProberSettings {
  /**
   * How long after its probes an address's claims are collected, in ms. A host on the
   * same link answers within a millisecond; the window covers a loaded one.
   */
  readonly answerWindowMs: number;
}

type ProbeSocket = Pick<PacketSocket, 'mac' | 'hardwareType' | 'sendBatch' | 'startReceive' | 'close'>;

export interface AddressProberComponents {
  /** Opens a receiving packet socket for one EtherType on `iface`; throws PacketSocketError when it cannot. */
  readonly openSocket: (iface: string, etherType: number) => ProbeSocket;
  readonly clock: Clock;
}

const systemComponents: AddressProberComponents = {
  openSocket: (iface, etherType) => openPacketSocket(iface, etherType),
  clock: backgroundClock,
};

/** The address a frame claims for its sender, and the MAC it claims it at; undefined when it claims none. */
export function claimIn(frame: AnnouncementFrame): Pick<AddressClaim, 'address' | 'mac' | 'how'> | undefined {
  if (frame.kind === 'arp') {
    // A probe's sender address is 0.0.0.0: it asks and claims nothing (our own probes look like this).
    if (frame.senderIp.text === '0.0.0.0') return undefined;
    return { address: frame.senderIp, mac: frame.senderMac, how: frame.op === 'reply' ? 'arp-reply' : 'arp-request' };
  }
  // RFC 4861 7.1.2: an NA whose hop limit is not 255 came through a router and is not valid.
  if (frame.hopLimit !== 255) return undefined;
  return { address: frame.target, mac: frame.targetMac ?? frame.sourceMac, how: 'neighbor-advert' };
}

interface Window {
  /** The probed addresses as their bytes in hex (addressHex), matched against a frame's before it is decoded. */
  readonly hex: ReadonlySet<string>;
  readonly claims: AddressClaim[];
  readonly finish: () => void;
}

interface Channel {
  readonly socket: ProbeSocket;
  readonly windows: Set<Window>;
}

/** The real AddressProber over AF_PACKET (or the sockets a test hands in). */
export function createAddressProber(settings: AddressProberSettings, components: AddressProberComponents = systemComponents): AddressProber {
  const channels = new Map<string, Channel>();
  let closed = false;

  function channelFor(iface: string, etherType: number): Channel {
    const key = `${iface}/${etherType}`;
    const existing = channels.get(key);
    if (existing) return existing;
    let socket: ProbeSocket;
    try {
      socket = components.openSocket(iface, etherType);
    } catch (error) {
      throw new ProbeError('E_PROBE_LINK', `cannot probe on ${iface}: ${(error as Error).message}`, error);
    }
    if (socket.hardwareType !== HARDWARE_ETHERNET) {
      socket.close();
      throw new ProbeError('E_PROBE_NOT_ETHERNET', `${iface} is not an Ethernet interface (link type ${socket.hardwareType}); duplicate detection needs Ethernet`);
    }
    const channel: Channel = { socket, windows: new Set() };
    channels.set(key, channel);
    socket.startReceive((frame) => heard(channel, iface, socket.mac, frame));
    return channel;
  }

  function heard(channel: Channel, iface: string, ownMac: MacAddress, frame: Buffer): void {
    // The claimed address, read in place: only a frame some window asks about is decoded.
    const about = announcedAddressHex(frame);
    if (about === undefined) return;
    let claim: ReturnType<typeof claimIn> | null = null;
    for (const window of channel.windows) {
      if (!window.hex.has(about)) continue;
      if (claim === null) {
        const decoded = decodeAnnouncement(frame);
        claim = decoded && claimIn(decoded);
      }
      if (!claim) return;
      window.claims.push({ ...claim, iface, ownMac });
    }
  }

  /** Stops collecting for `window`; the last window of a channel closes its socket. False when it was gone already. */
  function dropWindow(key: string, channel: Channel, window: Window): boolean {
    if (!channel.windows.delete(window)) return false;
    if (channel.windows.size === 0 && channels.get(key) === channel) {
      channels.delete(key);
      channel.socket.close();
    }
    return true;
  }

  function closeWindow(key: string, channel: Channel, window: Window): void {
    if (dropWindow(key, channel, window)) window.finish();
  }

  /** Async so that a failed open rejects like a failed send, and Promise.all hears both families. */
  async function probeFamily(iface: string, etherType: number, addresses: readonly IpAddress[]): Promise<AddressClaim[]> {
    const channel = channelFor(iface, etherType);
    const key = `${iface}/${etherType}`;
    return await new Promise<AddressClaim[]>((resolve, reject) => {
      const claims: AddressClaim[] = [];
      let cancelTimer: () => void = () => undefined;
      const window: Window = {
        hex: new Set(addresses.map(addressHex)), claims,
        finish: () => { cancelTimer(); resolve(claims); },
      };
      // The window opens before the probes leave, so no answer can come before we listen.
      channel.windows.add(window);
      const mac = channel.socket.mac;
      const frames = addresses.map((a) => (a.family === 4 ? buildArpProbe(mac, a) : buildNeighborSolicitProbe(mac, a)));
      try {
        channel.socket.sendBatch(frames);
      } catch (error) {
        dropWindow(key, channel, window);
        reject(new ProbeError('E_PROBE_SEND', `probing on ${iface} failed: ${(error as Error).message}`, error));
        return;
      }
      cancelTimer = components.clock.schedule(settings.answerWindowMs, () => closeWindow(key, channel, window));
    });
  }

  return {
    async probe(iface, addresses) {
      if (closed) throw new ProbeError('E_PROBE_CLOSED', 'the prober is closed');
      const v4 = addresses.filter((a) => a.family === 4);
      const v6 = addresses.filter((a) => a.family === 6);
      const rounds = [
        ...(v4.length > 0 ? [probeFamily(iface, ETHERTYPE_ARP, v4)] : []),
        ...(v6.length > 0 ? [probeFamily(iface, ETHERTYPE_IPV6, v6)] : []),
      ];
      return (await Promise.all(rounds)).flat();
    },

    close() {
      closed = true;
      for (const [key, channel] of [...channels]) for (const window of [...channel.windows]) closeWindow(key, channel, window);
    },
  };
}
