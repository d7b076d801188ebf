// Runs inside a lab namespace and answers the test's calls over IPC: a node (the real Takeover component) or a client.

import * as net from 'node:net';
import { RtnetlinkAdapter } from '../../../src/adapters/netlink/rtnetlink';
import { announceSettings, createPacketAnnouncer, openPacketSocket } from '../../../src/adapters/packet';
import { ETH_P_ALL } from '../../../src/adapters/packet/packet-socket';
import { openReplyCapture } from '../../../src/adapters/packet/reply-capture';
import { createSystemTickler, tickleSettings } from '../../../src/adapters/rawsock';
import { SockDiagAdapter } from '../../../src/adapters/sockdiag/sockdiag';
import { createTakeover, SocketKillMethod, Takeover } from '../../../src/adapters/takeover';
import { ip } from '../../../src/core/ip';
import { decodeAnnouncement, TcpConnection } from '../../../src/protocol/packets';

export interface ConnText { server: string; serverPort: number; client: string; clientPort: number }
type Method = (...args: never[]) => Promise<unknown>;

const epochMs = (): number => performance.timeOrigin + performance.now();
const errors: string[] = [];
const toConnection = (c: ConnText): TcpConnection => ({
  server: { address: ip(c.server), port: c.serverPort }, client: { address: ip(c.client), port: c.clientPort },
});
const address = (text: string, bits: number) => ({ address: ip(text), bits });

/** A node: the Takeover component on the kernel's adapters, and echo servers whose sockets it may kill. */
async function nodeMethods(init: { socketKill: SocketKillMethod }): Promise<Record<string, Method>> {
  const netlink = new RtnetlinkAdapter();
  await netlink.start();
  const sockdiag = new SockDiagAdapter();
  await sockdiag.start();
  const announcer = createPacketAnnouncer(announceSettings({ count: 2, spacingMs: 100, secondBurstDelayMs: 0 }), (e) => errors.push(e.message));
  const tickler = createSystemTickler(tickleSettings({ count: 1 }), (e) => errors.push(e.message));
  const takeover: Takeover = createTakeover({ socketKill: init.socketKill }, {
    addresses: netlink, announcer, tickler, connections: sockdiag, openReplyCapture: (iface) => openReplyCapture(iface),
    clock: { now: () => performance.now(), nextTurn: (callback) => setImmediate(callback) },
  });
  const serverSockets: { local: string; closed: boolean; error?: string }[] = [];
  return {
    take: async (text: string, bits: number, iface: string, tickles: ConnText[] = []) => {
      const startedAt = epochMs();
      const report = await takeover.take(address(text, bits), iface, { tickles: tickles.map(toConnection) });
      return { startedAt, report };
    },
    release: async (text: string, bits: number) => takeover.release(address(text, bits)),
    move: async (text: string, bits: number, from: string, to: string) => takeover.move(address(text, bits), from, to),
    takeMany: async (texts: string[], bits: number, iface: string) => takeover.takeMany(texts.map((t) => ({ address: address(t, bits), iface }))),
    releaseMany: async (texts: string[], bits: number) => takeover.releaseMany(texts.map((t) => address(t, bits))),
    /** An echo server on host:port that keeps each connection and notes how it ends. */
    listen: async (host: string, port: number) => {
      const server = net.createServer((socket) => {
        const entry: { local: string; closed: boolean; error?: string } = { local: host, closed: false };
        serverSockets.push(entry);
        socket.on('error', (error: NodeJS.ErrnoException) => { entry.error = error.code; });
        socket.on('close', () => { entry.closed = true; });
        socket.pipe(socket);
      });
      await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen({ host, port }, resolve); });
    },
    serverSockets: async () => serverSockets,
    errors: async () => errors,
  };
}

/** A client: TCP connections whose fate it records, and an AF_PACKET capture of announcements. */
function clientMethods(): Record<string, Method> {
  const fates = new Map<number, { code: string; at: number }>();
  const sockets = new Map<number, net.Socket>();
  let capture: { seen: string[]; close: () => void } | undefined;
  return {
    connect: async (host: string, port: number) => {
      const socket = net.connect({ host, port });
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
      const localPort = socket.localPort as number;
      sockets.set(localPort, socket);
      socket.on('error', (error: NodeJS.ErrnoException) => { if (!fates.has(localPort)) fates.set(localPort, { code: error.code ?? 'error', at: epochMs() }); });
      socket.on('close', () => { if (!fates.has(localPort)) fates.set(localPort, { code: 'closed', at: epochMs() }); });
      return { localPort, localAddress: socket.localAddress };
    },
    /** Sends a line and waits for its echo: the connection still works end to end. */
    echo: async (localPort: number, text: string) => {
      const socket = sockets.get(localPort);
      if (!socket || fates.has(localPort)) return `connection ${localPort} is gone (${fates.get(localPort)?.code})`;
      const answer = new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('no answer within 2 s'), 2000);
        socket.once('data', (chunk: Buffer) => { clearTimeout(timer); resolve(chunk.toString()); });
      });
      socket.write(text);
      return answer;
    },
    /** Waits until the connection breaks (or `timeoutMs` passes: then 'alive'). */
    fate: async (localPort: number, timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      while (!fates.has(localPort) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 2));
      return fates.get(localPort) ?? { code: 'alive', at: epochMs() };
    },
    startCapture: async (iface: string) => {
      const socket = openPacketSocket(iface, ETH_P_ALL);
      const seen: string[] = [];
      socket.startReceive((frame) => {
        const decoded = decodeAnnouncement(frame);
        if (decoded?.kind === 'arp') seen.push(`arp ${decoded.op} ${decoded.senderIp.text} ${decoded.senderMac.text}`);
        if (decoded?.kind === 'neighbor-advert') seen.push(`na ${decoded.target.text} ${decoded.targetMac?.text ?? '-'}`);
      });
      capture = { seen, close: () => socket.close() };
    },
    /** What the capture has seen so far, leaving it running. */
    peekCapture: async () => [...(capture?.seen ?? [])],
    stopCapture: async () => {
      capture?.close();
      const seen = capture?.seen ?? [];
      capture = undefined;
      return seen;
    },
  };
}

async function main(): Promise<void> {
  const [kind, initText] = process.argv.slice(1);
  const init = JSON.parse(initText) as { socketKill: SocketKillMethod };
  const methods = kind === 'node' ? await nodeMethods(init) : clientMethods();
  process.on('message', (message: { id: number; method: string; args: unknown[] }) => {
    const method = methods[message.method];
    if (!method) {
      process.send?.({ id: message.id, error: `no method ${message.method}` });
      return;
    }
    (method as (...args: unknown[]) => Promise<unknown>)(...message.args).then(
      (result) => process.send?.({ id: message.id, result }),
      (error: Error & { code?: string }) => process.send?.({ id: message.id, error: `${error.code ?? error.name}: ${error.message}` }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
