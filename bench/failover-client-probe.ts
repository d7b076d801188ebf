// The failover bench's probe in the client namespace: sees announcements, asks ARP, and connects like a client would.
//
// Run by the bench as `ip netns exec CLIENT-NS node failover-client-probe.js IFACE`; takes
// ClientCommand lines on stdin and answers ClientProbeLine lines on stdout.
//
// While a trial is armed it:
// - captures every frame on the client's interface (AF_PACKET through the project's
//   native addon) and notes the first gratuitous ARP / unsolicited NA for each watched
//   address from a survivor's MAC;
// - sends an ARP request for every watched IPv4 address each round and flags a round
//   that two MACs answered. The requests come from a MAC and IP of their own (.251 of
//   the address's /24, a locally administered MAC), so the answers never touch the
//   client kernel's neighbour table: that table must learn the move from the daemon's
//   announcements alone, as a real client's would;
// - from the moment a survivor holds an address or announced it, sends it a TCP SYN every
//   few ms (raw, one sendmmsg per round, routed by the client kernel so its neighbour table
//   picks the MAC, as for any connect), until a survivor's MAC answers with a SYN-ACK; then
//   makes one real connection to confirm that a survivor's listener names its node. Raw
//   SYNs keep no state: hundreds of moving addresses cost one batch per round, where
//   hundreds of connects timing out against the dead node swamped this process.
//
// Times are the kernel's receive stamps of the frames (CLOCK_MONOTONIC, like every other
// probe), not the moment this process got round to them: with 1000 moving addresses it
// handles thousands of frames at once on a small machine, and reading late must not count
// as the failover being slow. An address is reached at the first SYN-ACK that a survivor's
// MAC sent it, once the confirming connection delivered the survivor's node number; the
// time that connection's callback ran is reported beside it.

import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createInterface } from 'node:readline';
import { ip, IpAddress, ipBytes } from '../src/core/ip';
import { openPacketSocket, PacketSocket } from '../src/adapters/packet';
import { openNativeIpSender } from '../src/adapters/rawsock/native-sender';
import { IpPacketSender } from '../src/adapters/rawsock/ip-packet-sender';
import { ETH_P_ALL } from '../src/adapters/packet/packet-socket';
import { buildTcpPacket, decodeAnnouncement, decodeTcpSegment, mac, macFromBytes, TCP_FLAG_ACK, TCP_FLAG_SYN } from '../src/protocol/packets';
import { buildArpRequest } from '../src/protocol/packets';
import { ArpDuplicate, ClientAddressReport, ClientCommand, ClientProbeLine, monotonicMs, PROBE_PORT } from './failover-messages';

/** The ARP prober's own hardware address: locally administered, "fbf" for this bench. */
const PROBER_MAC = mac('02:66:62:66:00:01');
/** Host part of the prober's IPv4 address in each /24 (the lab puts its client at .250, public addresses at .1-.239). */
const PROBER_HOST = 251;
const SYN_EVERY_MS = 5;
/** Source ports of the raw SYNs: above Linux's ephemeral range (32768-60999), so no real connect of ours collides. */
const SYN_PORT_BASE = 61000;
const CONFIRM_TIMEOUT_MS = 2000;
const CONFIRM_TRIES = 5;
const PRIME_TIMEOUT_MS = 2000;
const PRIME_PARALLEL = 64;

function emit(line: ClientProbeLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function proberAddressFor(target: IpAddress): IpAddress {
  const [a, b, c] = ipBytes(target);
  return ip(`${a}.${b}.${c}.${PROBER_HOST}`);
}

interface Watched {
  readonly address: string;
  announced: number | null;
  announcedBy: number | null;
  reached: number | null;
  reachedBy: number | null;
  /** When the connect callback ran for the connection that counted. */
  reachedApp: number | null;
  /** First SYN-ACK from a survivor's MAC for this address (kernel stamp). */
  synAck: number | null;
  /** SYNs sent. */
  attempts: number;
  /** The SYN this prober sends it, built once. */
  readonly syn: Buffer;
  /** Sending SYNs: a survivor holds it or announced it. */
  active: boolean;
  confirming: boolean;
}

interface Trial {
  readonly victim: number;
  readonly watched: Map<string, Watched>;
  readonly macs: ReadonlyMap<string, number>;
  readonly arpFrames: Buffer[];
  readonly proberAddresses: Set<string>;
  arpTimer: NodeJS.Timeout | undefined;
  synTimer: NodeJS.Timeout | undefined;
  arpRounds: number;
  /** Answers to the latest ARP round: address -> MACs. */
  roundAnswers: Map<string, Set<string>>;
  readonly arpDuplicates: ArpDuplicate[];
  readonly connectErrors: Map<string, number>;
}

let trial: Trial | undefined;
let socket: PacketSocket;
let senders: Record<4 | 6, IpPacketSender>;
/** The client's own addresses on the probed interface. */
let ownAddresses: IpAddress[] = [];

/** The client address a SYN to `target` comes from: same family, the same /24 for IPv4. */
function sourceFor(target: IpAddress): IpAddress {
  const sameFamily = ownAddresses.filter((a) => a.family === target.family);
  const prefix = (a: IpAddress): string => ipBytes(a).slice(0, 3).join('.');
  const match = target.family === 4 ? sameFamily.find((a) => prefix(a) === prefix(target)) : sameFamily[0];
  if (match === undefined) throw new Error(`the client has no IPv${target.family} address to probe ${target.text} from`);
  return match;
}

function synTo(target: IpAddress, index: number): Buffer {
  const seq = Math.floor(Math.random() * 0xffffffff);
  // buildTcpPacket builds "server to client": here the client is the sender.
  return buildTcpPacket(
    { server: { address: sourceFor(target), port: SYN_PORT_BASE + (index % 4000) }, client: { address: target, port: PROBE_PORT } },
    { seq, ack: 0, flags: TCP_FLAG_SYN, window: 64240 },
  );
}

/** One connection; resolves with the node number the listener sent, or undefined. */
function connectOnce(address: string, timeoutMs: number, onError: (code: string) => void): Promise<{ pnn: number; connectedAt: number } | undefined> {
  return new Promise((resolve) => {
    const conn = connect({ host: address, port: PROBE_PORT });
    let connectedAt = 0;
    let text = '';
    const finish = (answer: { pnn: number; connectedAt: number } | undefined): void => {
      clearTimeout(timer);
      conn.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => { onError('timeout'); finish(undefined); }, timeoutMs);
    conn.once('connect', () => { connectedAt = monotonicMs(); });
    conn.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) finish({ pnn: Number(text.trim()), connectedAt });
    });
    conn.on('error', (error: NodeJS.ErrnoException) => { onError(error.code ?? 'error'); finish(undefined); });
    conn.on('end', () => finish(undefined));
  });
}

function countError(current: Trial, code: string): void {
  current.connectErrors.set(code, (current.connectErrors.get(code) ?? 0) + 1);
}

/** One real connection after a survivor's SYN-ACK: the listener must name a survivor. */
function confirm(current: Trial, watched: Watched, triesLeft: number): void {
  watched.confirming = true;
  void connectOnce(watched.address, CONFIRM_TIMEOUT_MS, (code) => countError(current, code)).then((answer) => {
    if (trial !== current || watched.reached !== null) return;
    if (answer === undefined || answer.pnn === current.victim) {
      // An answer from the victim itself is the old owner still serving (a duplicate shows in the other checks).
      if (triesLeft > 1) setTimeout(() => confirm(current, watched, triesLeft - 1), SYN_EVERY_MS);
      else watched.confirming = false;
      return;
    }
    watched.reached = Math.min(watched.synAck ?? answer.connectedAt, answer.connectedAt);
    watched.reachedBy = answer.pnn;
    watched.reachedApp = answer.connectedAt;
    emit({ e: 'reached', t: watched.reached, app: answer.connectedAt, address: watched.address, by: answer.pnn });
  });
}

/** One SYN to each of `targets`, a batch per address family. */
function sendSyns(current: Trial, targets: Iterable<Watched>): void {
  const batches: Record<4 | 6, Buffer[]> = { 4: [], 6: [] };
  for (const watched of targets) {
    watched.attempts++;
    batches[watched.syn[0] >> 4 === 4 ? 4 : 6].push(watched.syn);
  }
  for (const family of [4, 6] as const) {
    if (batches[family].length === 0) continue;
    senders[family].send(batches[family]).catch((error: Error) => countError(current, `syn: ${error.message}`));
  }
}

function synRound(current: Trial): void {
  sendSyns(current, [...current.watched.values()].filter((w) => w.active && w.synAck === null));
}

function activate(current: Trial, watched: Watched): void {
  if (watched.active || watched.reached !== null) return;
  watched.active = true;
  current.synTimer ??= setInterval(() => synRound(current), SYN_EVERY_MS);
  // The first SYN at once, on its own: the next round picks it up with the others.
  sendSyns(current, [watched]);
}

/** A survivor's SYN-ACK to one of our connects: the address answers from its new node. */
function onSegment(current: Trial, frame: Buffer, t: number): void {
  const by = current.macs.get(macFromBytes(frame.subarray(6, 12)).text);
  if (by === undefined || by === current.victim) return;
  const segment = decodeTcpSegment(frame);
  if (segment === undefined || segment.source.port !== PROBE_PORT || (segment.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) !== (TCP_FLAG_SYN | TCP_FLAG_ACK)) return;
  const watched = current.watched.get(segment.source.address.text);
  if (watched === undefined || watched.synAck !== null) return;
  watched.synAck = t;
  if (!watched.confirming) confirm(current, watched, CONFIRM_TRIES);
}

function onFrame(frame: Buffer, t: number): void {
  const current = trial;
  if (current === undefined) return;
  const decoded = decodeAnnouncement(frame);
  if (decoded === undefined) {
    onSegment(current, frame, t);
    return;
  }
  let announced: { address: string; mac: string } | undefined;
  if (decoded.kind === 'arp') {
    if (decoded.senderIp.text === decoded.targetIp.text) announced = { address: decoded.senderIp.text, mac: decoded.senderMac.text };
    else if (decoded.op === 'reply' && current.proberAddresses.has(decoded.targetIp.text) && decoded.targetMac.text === PROBER_MAC.text) {
      const address = decoded.senderIp.text;
      const macs = current.roundAnswers.get(address) ?? new Set<string>();
      current.roundAnswers.set(address, macs);
      macs.add(decoded.senderMac.text);
      if (macs.size === 2) current.arpDuplicates.push({ address, t, macs: [...macs] });
    }
  } else if (!decoded.solicited) {
    announced = { address: decoded.target.text, mac: (decoded.targetMac ?? decoded.sourceMac).text };
  }
  if (announced === undefined) return;
  const watched = current.watched.get(announced.address);
  const by = current.macs.get(announced.mac);
  if (watched === undefined || by === undefined || by === current.victim || watched.announced !== null) return;
  watched.announced = t;
  watched.announcedBy = by;
  emit({ e: 'announced', t, address: watched.address, by });
  activate(current, watched);
}

function arpRound(current: Trial): void {
  current.roundAnswers = new Map();
  current.arpRounds++;
  try {
    socket.sendBatch(current.arpFrames);
  } catch (error) {
    emit({ e: 'error', message: `ARP round failed: ${(error as Error).message}` });
  }
}

function arm(command: Extract<ClientCommand, { cmd: 'arm' }>): void {
  const targets = command.addresses.map((a) => ip(a));
  const v4 = targets.filter((a) => a.family === 4);
  const current: Trial = {
    victim: command.victim,
    watched: new Map(targets.map((target, index) => [target.text, {
      address: target.text, announced: null, announcedBy: null, reached: null, reachedBy: null, reachedApp: null, synAck: null,
      attempts: 0, syn: synTo(target, index), active: false, confirming: false,
    }])),
    macs: new Map(Object.entries(command.macs)),
    arpFrames: v4.map((target) => buildArpRequest(PROBER_MAC, proberAddressFor(target), target)),
    proberAddresses: new Set(v4.map((target) => proberAddressFor(target).text)),
    arpTimer: undefined,
    synTimer: undefined,
    arpRounds: 0,
    roundAnswers: new Map(),
    arpDuplicates: [],
    connectErrors: new Map(),
  };
  trial = current;
  socket.takeStatistics(); // count capture drops from here
  if (current.arpFrames.length > 0) {
    arpRound(current);
    current.arpTimer = setInterval(() => arpRound(current), command.arpIntervalMs);
  }
  emit({ e: 'armed', t: monotonicMs() });
}

function disarm(): void {
  const current = trial;
  trial = undefined;
  if (current === undefined) {
    emit({ e: 'error', message: 'disarm without arm' });
    return;
  }
  if (current.arpTimer) clearInterval(current.arpTimer);
  if (current.synTimer) clearInterval(current.synTimer);
  const addresses: ClientAddressReport[] = [...current.watched.values()].map((w) => ({
    address: w.address, announced: w.announced, announcedBy: w.announcedBy, reached: w.reached, reachedBy: w.reachedBy, reachedApp: w.reachedApp, attempts: w.attempts,
  }));
  const capture = socket.takeStatistics();
  emit({
    e: 'report', addresses, arpRounds: current.arpRounds, arpDuplicates: current.arpDuplicates, connectErrors: Object.fromEntries(current.connectErrors),
    captureDrops: capture.drops,
  });
}

async function prime(addresses: readonly string[]): Promise<void> {
  const holders: Record<string, number | null> = {};
  for (let i = 0; i < addresses.length; i += PRIME_PARALLEL) {
    await Promise.all(addresses.slice(i, i + PRIME_PARALLEL).map(async (address) => {
      holders[address] = (await connectOnce(address, PRIME_TIMEOUT_MS, () => undefined))?.pnn ?? null;
    }));
  }
  emit({ e: 'primed', holders });
}

function main(): void {
  const [iface] = process.argv.slice(2);
  socket = openPacketSocket(iface, ETH_P_ALL);
  socket.startReceive(onFrame);
  senders = { 4: openNativeIpSender(4), 6: openNativeIpSender(6) };
  ownAddresses = (networkInterfaces()[iface] ?? []).filter((a) => !a.internal && !a.address.startsWith('fe80')).map((a) => ip(a.address));
  createInterface({ input: process.stdin }).on('line', (line) => {
    const command = JSON.parse(line) as ClientCommand;
    switch (command.cmd) {
      case 'prime': void prime(command.addresses); break;
      case 'arm': arm(command); break;
      case 'present': {
        const watched = trial?.watched.get(command.address);
        if (trial && watched) activate(trial, watched);
        break;
      }
      case 'disarm': disarm(); break;
    }
  });
  process.stdin.on('end', () => {
    socket.close();
    senders[4].close();
    senders[6].close();
    process.exit(0);
  });
  emit({ e: 'ready', mac: socket.mac.text });
}

try {
  main();
} catch (error) {
  emit({ e: 'error', message: (error as Error).stack ?? String(error) });
  process.exit(1);
}
