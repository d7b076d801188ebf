// Jobs that the packet integration tests run inside namespaces (started by helpers/netns-packet.ts).

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { ip } from '../../../src/core/ip';
import { createPacketAnnouncer, announceSettings, openPacketSocket, AnnounceSettings } from '../../../src/adapters/packet';
import { createRawTickler } from '../../../src/adapters/rawsock/raw-tickler';
import { openNativeIpSender } from '../../../src/adapters/rawsock/native-sender';
import { openRawSocketSender } from '../../../src/adapters/rawsock/raw-socket-sender';
import { tickleSettings, TickleSettings } from '../../../src/adapters/rawsock/tickle-settings';
import { backgroundClock } from '../../../src/adapters/clock';
import { buildTickle, decodeAnnouncement, TcpConnection } from '../../../src/protocol/packets';

type Send = (message: { type: 'ready' | 'result' | 'error'; value?: unknown; error?: string }) => void;
const send: Send = (message) => process.send?.(message);
const epochMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when jest sends `finish`; rejects after `maxMs` (or when jest goes away) so a forgotten job still ends. */
function finishRequested(maxMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type === 'finish') done(() => resolve());
    };
    const onDisconnect = () => done(() => reject(new Error('jest went away before saying finish')));
    const timer = setTimeout(() => done(() => reject(new Error(`not told to finish within ${maxMs} ms`))), maxMs);
    const done = (settle: () => void) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      settle();
    };
    process.on('message', onMessage);
    process.on('disconnect', onDisconnect);
  });
}

interface ConnText { server: string; serverPort: number; client: string; clientPort: number }
const toConnection = (c: ConnText): TcpConnection => ({
  server: { address: ip(c.server), port: c.serverPort },
  client: { address: ip(c.client), port: c.clientPort },
});

const jobs: Record<string, (arg: never) => Promise<unknown>> = {
  /**
   * Receives on `iface` with our own AF_PACKET socket and decodes ARP/NA until the test
   * says `finish`; says ready once the socket is bound, so no frame sent after that is
   * missed however long other jobs take to start. `maxMs` only ends a capture whose
   * test never said finish, as a failure.
   */
  async capture(arg: { iface: string; maxMs: number }) {
    const socket = openPacketSocket(arg.iface, 0x0003);
    const seen: string[] = [];
    socket.startReceive((frame) => {
      const decoded = decodeAnnouncement(frame);
      if (decoded?.kind === 'arp') seen.push(`arp ${decoded.op} ${decoded.senderIp.text} ${decoded.senderMac.text} -> ${decoded.targetIp.text} ${decoded.targetMac.text}`);
      if (decoded?.kind === 'neighbor-advert') {
        seen.push(`na ${decoded.target.text} ${decoded.targetMac?.text} hop ${decoded.hopLimit} ${decoded.override ? 'O' : '-'}${decoded.solicited ? 'S' : '-'} from ${decoded.sourceMac.text}`);
      }
    });
    const finished = finishRequested(arg.maxMs);
    send({ type: 'ready' });
    try {
      await finished;
      // Frames queued before `finish` came are reported in the same poll phase as the
      // message; closing one turn later lets their callback run first.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      socket.close();
    }
    return seen;
  },

  /** Announces addresses on `iface` and keeps running for `waitMs` so later rounds go out. */
  async announce(arg: { iface: string; addresses: string[]; settings: Partial<AnnounceSettings>; waitMs: number }) {
    const errors: string[] = [];
    const announcer = createPacketAnnouncer(announceSettings(arg.settings), (error) => errors.push(error.message));
    const started = performance.now();
    await Promise.all(arg.addresses.map((a) => announcer.announce(ip(a), arg.iface)));
    const firstRoundMs = performance.now() - started;
    await sleep(arg.waitMs);
    announcer.close();
    return { firstRoundMs, errors };
  },

  /** The node side of a takeover: announce the address, then tickle the recorded connections. */
  async takeover(arg: { iface: string; address: string; conns: ConnText[]; tickle: Partial<TickleSettings>; sender: 'native' | 'raw-socket'; waitMs: number }) {
    const errors: string[] = [];
    const announcer = createPacketAnnouncer(announceSettings({ count: 1, secondBurstDelayMs: 0 }), (error) => errors.push(error.message));
    await announcer.announce(ip(arg.address), arg.iface);
    const tickler = createRawTickler(tickleSettings(arg.tickle), {
      openSender: arg.sender === 'native' ? openNativeIpSender : openRawSocketSender,
      clock: backgroundClock,
      onError: (error) => errors.push(error.message),
    });
    const tickleAt = epochMs();
    const report = await tickler.tickle(arg.conns.map(toConnection));
    await sleep(arg.waitMs);
    tickler.close();
    announcer.close();
    return { tickleAt, sent: report.sent, errors };
  },

  /**
   * One raw-socket send with a full garbage collection while it waits in the package's
   * queue, and nothing but the send's own callbacks holding the sender (as a takeover's
   * first tickle round): the send must still finish.
   */
  async rawSendAcrossGc(arg: { conn: ConnText }) {
    v8.setFlagsFromString('--expose-gc');
    const collectGarbage = vm.runInNewContext('gc') as () => void;
    return new Promise((resolve, reject) => {
      const family = ip(arg.conn.server).family;
      void (async () => {
        const sender = openRawSocketSender(family);
        const sent = await sender.send([buildTickle(toConnection(arg.conn))]);
        sender.close();
        return { sent };
      })().then(resolve, reject);
      collectGarbage();
    });
  },

  /** The adapters' failures on a real kernel, as codes and messages. */
  async failures(arg: { iface: string }) {
    const caught = (fn: () => unknown) => {
      try { fn(); return 'no error'; } catch (error) {
        const e = error as { code?: string; errno?: string; message: string };
        return `${e.code}${e.errno ? `/${e.errno}` : ''}: ${e.message}`;
      }
    };
    const announcer = createPacketAnnouncer(announceSettings(), () => undefined);
    const loopback = await announcer.announce(ip('192.0.2.9'), 'lo').then(() => 'no error', (e: { code: string; message: string }) => `${e.code}: ${e.message}`);
    const missing = await announcer.announce(ip('192.0.2.9'), 'fpk-missing').then(() => 'no error', (e: { code: string; message: string }) => `${e.code}: ${e.message}`);
    announcer.close();
    const socket = openPacketSocket(arg.iface);
    socket.close();
    return {
      missingByName: caught(() => openPacketSocket('fpk-missing')),
      missingByIndex: caught(() => openPacketSocket(99999)),
      sendAfterClose: caught(() => socket.sendBatch([Buffer.alloc(60)])),
      shortFrame: caught(() => openPacketSocket(arg.iface).sendBatch([Buffer.alloc(10)])),
      loopback,
      missing,
    };
  },

  /**
   * Closing packet sockets, which the addon finishes on a thread of its own: every one is
   * really closed (the process's descriptors come back to where they were), and none hands a
   * frame to its callback after close() returned, although frames it would hear keep coming.
   */
  async closes(arg: { count: number }) {
    // This process's packet sockets: its descriptors' socket inodes that /proc/net/packet lists
    // (other descriptors of the process come and go on their own: a CI run saw one close).
    const descriptors = (): number => {
      const packetInodes = new Set(readFileSync('/proc/net/packet', 'utf8').trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/)[8]));
      let count = 0;
      for (const fd of readdirSync('/proc/self/fd')) {
        try {
          const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
          if (inode !== undefined && packetInodes.has(inode)) count++;
        } catch {
          // closed while we looked
        }
      }
      return count;
    };
    const sender = openPacketSocket('lo');
    const frame = Buffer.alloc(60);
    frame.writeUInt16BE(0x88b5, 12);
    const before = descriptors();
    let heardAfterClose = 0;
    for (let k = 0; k < arg.count; k++) {
      const socket = openPacketSocket('lo', 0x88b5);
      let closed = false;
      socket.startReceive(() => { if (closed) heardAfterClose++; });
      sender.sendBatch([frame]);
      socket.close();
      closed = true;
      sender.sendBatch([frame]);
    }
    const deadline = Date.now() + 20_000;
    while (descriptors() > before && Date.now() < deadline) await sleep(10);
    // Counted before the sender's own close, which `before` includes.
    const leftOpen = descriptors() - before;
    sender.close();
    return { leftOpen, heardAfterClose };
  },

  /**
   * Kernel receive stamps: frames looped back on `lo` while the event loop is blocked for
   * `blockMs` must carry the time they arrived, not the time the callback ran; and a flood
   * that overfills the receive buffer while we do not read shows up as drops.
   */
  async stamps(arg: { blockMs: number; flood: number }) {
    const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;
    const frame = (tag: number, size: number): Buffer => {
      const f = Buffer.alloc(size);
      f.writeUInt16BE(0x88b5, 12); // IEEE 802 local experimental EtherType
      f[14] = tag;
      return f;
    };
    const receiver = openPacketSocket('lo', 0x88b5);
    const sender = openPacketSocket('lo');
    const seen: { tag: number; receivedAt: number; handledAt: number }[] = [];
    receiver.startReceive((f, receivedAt) => seen.push({ tag: f[14], receivedAt, handledAt: hrMs() }));
    // SO_TIMESTAMPNS turns the kernel's receive stamps on through a work item
    // (net_enable_timestamp); until it has run, a frame is stamped when it is read, which on a
    // busy machine is after the block below. Warm up until a frame carries a stamp older than
    // its reading.
    let warm = false;
    for (let attempt = 0; attempt < 200 && !warm; attempt++) {
      const from = seen.length;
      const sentWarm = hrMs();
      sender.sendBatch([frame(0, 60)]);
      while (hrMs() - sentWarm < 20) { /* blocked: the frame waits in the socket */ }
      await sleep(5);
      warm = seen.slice(from).some((s) => s.tag === 0 && s.handledAt - s.receivedAt >= 10);
    }
    receiver.takeStatistics(); // start counting from here
    const sentAt = hrMs();
    sender.sendBatch([frame(1, 60)]);
    // Spin (the callback cannot run) until the kernel has queued the frame on the socket: on a
    // busy machine its softirq may run only later, and the stamp is the time it really arrived.
    let quiet = { packets: 0, drops: 0 };
    while (quiet.packets === 0 && hrMs() - sentAt < 5000) {
      const counted = receiver.takeStatistics();
      quiet = { packets: quiet.packets + counted.packets, drops: quiet.drops + counted.drops };
    }
    const queuedBy = hrMs();
    while (hrMs() - queuedBy < arg.blockMs) { /* the loop is blocked: nothing is read */ }
    await sleep(50);
    const stamped = seen.find((s) => s.tag === 1);
    const late = receiver.takeStatistics();
    quiet = { packets: quiet.packets + late.packets, drops: quiet.drops + late.drops };

    sender.sendBatch(Array.from({ length: arg.flood }, () => frame(2, 1500)));
    const flooded = receiver.takeStatistics();
    await sleep(50);
    receiver.close();
    sender.close();
    return {
      warm,
      sentAt,
      queuedBy,
      receivedAt: stamped?.receivedAt ?? null,
      handledAt: stamped?.handledAt ?? null,
      quiet,
      flooded,
      floodFramesRead: seen.filter((s) => s.tag === 2).length,
    };
  },

  /** An echo server on host:port until killed. */
  async server(arg: { host: string; port: number }) {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => server.listen(arg.port, arg.host, resolve));
    send({ type: 'ready' });
    return new Promise(() => undefined);
  },

  /** A client that holds one connection and reports when and how it breaks. */
  async client(arg: { host: string; port: number }) {
    const socket = net.connect(arg.port, arg.host);
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    socket.write('hello');
    await new Promise((resolve) => socket.once('data', resolve));
    send({ type: 'ready', value: { localPort: socket.localPort, localAddress: socket.localAddress } });
    return new Promise((resolve) => {
      socket.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code, at: epochMs() }));
      socket.on('close', () => resolve({ code: 'closed', at: epochMs() }));
    });
  },
};

export function runJob(name: string, arg: unknown): void {
  const job = jobs[name];
  if (!job) {
    send({ type: 'error', error: `no job named ${name}` });
    return;
  }
  job(arg as never).then(
    (value) => {
      send({ type: 'result', value });
      process.disconnect?.();
      setTimeout(() => process.exit(0), 50).unref();
    },
    (error: Error) => {
      send({ type: 'error', error: error.stack ?? String(error) });
      setTimeout(() => process.exit(1), 50).unref();
    },
  );
}
