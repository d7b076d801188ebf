// Sends gratuitous ARP (IPv4) and unsolicited NA (IPv6) in bursts, rate-limited per interface.

import { IpAddress } from '../../core/ip';
import { buildGratuitousArp, buildUnsolicitedNeighborAdvert, MacAddress } from '../../protocol/packets';
import { AnnounceError, Announcer } from './announcer';
import { AnnounceSettings } from './announce-settings';
import { FrameLink } from './frame-link';
import { HARDWARE_ETHERNET } from './packet-socket';
import { Clock } from '../clock';
import { TokenBucket } from './token-bucket';

export interface GarpAnnouncerComponents {
  /** Opens the send side of an interface; throws if it cannot. */
  readonly openLink: (iface: string) => FrameLink;
  readonly clock: Clock;
  /** Failures of later rounds, which no caller awaits (the first round's reject announce()). */
  readonly onError: (error: AnnounceError) => void;
}

/** One round for an address: request + reply for IPv4, one NA for IPv6. */
export function announcementFrames(address: IpAddress, mac: MacAddress): Buffer[] {
  return address.family === 4
    ? [buildGratuitousArp('request', mac, address), buildGratuitousArp('reply', mac, address)]
    : [buildUnsolicitedNeighborAdvert(mac, address)];
}

interface QueuedFrame {
  readonly frame: Buffer;
  readonly key: string;
  /** Set on the last frame of a first round: settles the announce() promise. */
  readonly settle?: { resolve: () => void; reject: (error: AnnounceError) => void };
}

/**
 * Round times are rounded up to this grid so that addresses announced a few ms apart
 * (a takeover adds them one by one) share a timer, and so one sendmmsg, for later rounds.
 */
const ROUND_GRID_MS = 5;

/**
 * Frames one event-loop turn sends (one sendmmsg); more wait for the next turn. The burst
 * allows 2000 by default, and the ~500 frames of a 333-address round sent in one call
 * are kernel work on the main loop's thread, beside building them.
 */
export const FRAMES_PER_TURN = 256;

/** Addresses due for a round at one moment share one timer, and so one sendmmsg. */
interface RoundGroup {
  readonly cancel: () => void;
  readonly members: Map<string, { generation: number; refresh: boolean }>;
}

interface Channel {
  readonly iface: string;
  readonly link: FrameLink;
  readonly bucket: TokenBucket;
  readonly queue: QueuedFrame[];
  /**
   * Frames in `queue` per address: a withdraw scans the queue only for an address that has
   * some there. Scanning it for each of a thousand released addresses, while the rate limit
   * kept their later rounds waiting, held the main loop ~75 ms.
   */
  readonly queuedOf: Map<string, number>;
  readonly rounds: Map<number, RoundGroup>;
  drainQueued: boolean;
  cancelDrainTimer?: () => void;
}

interface Held {
  readonly iface: string;
  readonly frames: Buffer[];
  readonly generation: number;
}

/**
 * The real Announcer. Every address's first round is queued at once; the frames of all
 * addresses announced in the same tick leave in one batch. Later rounds of addresses
 * due at the same moment are grouped the same way. A token bucket per interface caps
 * the frame rate; queued frames wait for tokens in order, so each address gets its
 * first round before any address gets its second.
 */
export function createGarpAnnouncer(settings: AnnounceSettings, components: GarpAnnouncerComponents): Announcer {
  const { clock } = components;
  const channels = new Map<string, Channel>();
  const held = new Map<string, Held>();
  let generations = 0;
  let closed = false;

  function channelFor(iface: string): Channel {
    const existing = channels.get(iface);
    if (existing) return existing;
    let link: FrameLink;
    try {
      link = components.openLink(iface);
    } catch (error) {
      throw new AnnounceError('E_ANNOUNCE_LINK', `cannot announce on ${iface}: ${(error as Error).message}`, error);
    }
    if (link.hardwareType !== HARDWARE_ETHERNET) {
      link.close();
      throw new AnnounceError('E_ANNOUNCE_NOT_ETHERNET', `${iface} is not an Ethernet interface (link type ${link.hardwareType}); public addresses need an Ethernet interface to be announced`);
    }
    const channel: Channel = {
      iface, link, queue: [], queuedOf: new Map(), rounds: new Map(), drainQueued: false,
      bucket: new TokenBucket(settings.maxFramesPerSecond, settings.burstFrames, clock.now()),
    };
    channels.set(iface, channel);
    return channel;
  }

  function requestDrain(channel: Channel): void {
    if (channel.drainQueued || channel.cancelDrainTimer) return;
    channel.drainQueued = true;
    queueMicrotask(() => {
      channel.drainQueued = false;
      drain(channel);
    });
  }

  function drain(channel: Channel): void {
    if (channels.get(channel.iface) !== channel) return;
    const now = clock.now();
    const tokens = channel.bucket.available(now);
    const count = Math.min(channel.queue.length, tokens, FRAMES_PER_TURN);
    if (count > 0) {
      const batch = channel.queue.splice(0, count);
      for (const queued of batch) unqueued(channel, queued.key);
      channel.bucket.take(count, now);
      try {
        channel.link.sendBatch(batch.map((q) => q.frame));
        for (const queued of batch) queued.settle?.resolve();
      } catch (error) {
        const sent = Number((error as { sent?: unknown }).sent ?? 0);
        for (const queued of batch.slice(0, sent)) queued.settle?.resolve();
        const failure = new AnnounceError('E_ANNOUNCE_SEND', `announcing on ${channel.iface} failed: ${(error as Error).message}; the interface will be reopened on the next announcement`, error);
        failChannel(channel, [...batch.slice(sent), ...channel.queue], failure);
        return;
      }
    }
    if (channel.queue.length > 0 && tokens > count) {
      // Stopped by the turn's share, not by the rate limit: go on at the next turn.
      let cancelled = false;
      channel.cancelDrainTimer = () => { cancelled = true; };
      clock.nextTurn(() => {
        if (cancelled) return;
        channel.cancelDrainTimer = undefined;
        drain(channel);
      });
    } else if (channel.queue.length > 0) {
      const wait = Math.max(1, channel.bucket.waitFor(1, clock.now()));
      channel.cancelDrainTimer = clock.schedule(wait, () => {
        channel.cancelDrainTimer = undefined;
        drain(channel);
      });
    }
  }

  /** Drops a broken or closing channel: every waiting caller hears why, once. */
  function failChannel(channel: Channel, lost: QueuedFrame[], failure: AnnounceError): void {
    channels.delete(channel.iface);
    channel.queue.length = 0;
    channel.queuedOf.clear();
    channel.cancelDrainTimer?.();
    for (const group of channel.rounds.values()) group.cancel();
    channel.rounds.clear();
    channel.link.close();
    let someoneWaited = false;
    for (const queued of lost) {
      if (queued.settle) {
        queued.settle.reject(failure);
        someoneWaited = true;
      }
    }
    if (!someoneWaited && failure.code !== 'E_ANNOUNCE_CLOSED') components.onError(failure);
  }

  function enqueueRound(channel: Channel, key: string, frames: Buffer[], settle?: QueuedFrame['settle']): void {
    frames.forEach((frame, i) => channel.queue.push({ frame, key, ...(settle && i === frames.length - 1 ? { settle } : {}) }));
    channel.queuedOf.set(key, (channel.queuedOf.get(key) ?? 0) + frames.length);
    requestDrain(channel);
  }

  function unqueued(channel: Channel, key: string): void {
    const left = (channel.queuedOf.get(key) ?? 0) - 1;
    if (left > 0) channel.queuedOf.set(key, left);
    else channel.queuedOf.delete(key);
  }

  function addToRound(channel: Channel, at: number, key: string, generation: number, refresh: boolean): void {
    const due = Math.ceil(at / ROUND_GRID_MS) * ROUND_GRID_MS;
    let group = channel.rounds.get(due);
    if (!group) {
      const members: RoundGroup['members'] = new Map();
      const cancel = clock.schedule(Math.max(0, due - clock.now()), () => fireRound(channel, due));
      group = { cancel, members };
      channel.rounds.set(due, group);
    }
    group.members.set(key, { generation, refresh });
  }

  function fireRound(channel: Channel, due: number): void {
    const group = channel.rounds.get(due);
    channel.rounds.delete(due);
    if (!group || channels.get(channel.iface) !== channel) return;
    for (const [key, member] of group.members) {
      const entry = held.get(key);
      if (!entry || entry.generation !== member.generation) continue;
      enqueueRound(channel, key, entry.frames);
      if (member.refresh) addToRound(channel, due + settings.refreshIntervalMs, key, member.generation, true);
    }
  }

  function withdraw(address: IpAddress): void {
    const key = address.text;
    const entry = held.get(key);
    if (!entry) return;
    held.delete(key);
    const channel = channels.get(entry.iface);
    if (!channel || !channel.queuedOf.has(key)) return;
    channel.queuedOf.delete(key);
    const failure = new AnnounceError('E_ANNOUNCE_CLOSED', `announcement of ${key} was withdrawn before it was sent`);
    for (let i = channel.queue.length - 1; i >= 0; i--) {
      if (channel.queue[i].key === key) channel.queue.splice(i, 1)[0].settle?.reject(failure);
    }
  }

  return {
    announce(address, iface) {
      if (closed) return Promise.reject(new AnnounceError('E_ANNOUNCE_CLOSED', 'the announcer is closed'));
      withdraw(address);
      let channel: Channel;
      try {
        channel = channelFor(iface);
      } catch (error) {
        return Promise.reject(error);
      }
      const key = address.text;
      const generation = ++generations;
      const frames = announcementFrames(address, channel.link.mac);
      held.set(key, { iface, frames, generation });

      const start = clock.now();
      const bursts = settings.secondBurstDelayMs > 0 ? [0, settings.secondBurstDelayMs] : [0];
      for (const burstStart of bursts) {
        for (let round = 0; round < settings.count; round++) {
          if (burstStart === 0 && round === 0) continue;
          addToRound(channel, start + burstStart + round * settings.spacingMs, key, generation, false);
        }
      }
      if (settings.refreshIntervalMs > 0) addToRound(channel, start + settings.refreshIntervalMs, key, generation, true);

      return new Promise<void>((resolve, reject) => enqueueRound(channel, key, frames, { resolve, reject }));
    },

    withdraw,

    close() {
      if (closed) return;
      closed = true;
      const failure = new AnnounceError('E_ANNOUNCE_CLOSED', 'the announcer was closed before the announcement was sent');
      for (const channel of [...channels.values()]) failChannel(channel, [...channel.queue], failure);
      held.clear();
    },
  };
}
