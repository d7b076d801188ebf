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
// - connects to an address, every few ms, from the moment a survivor holds it or
//   announced it, and notes the first connection a survivor's listener accepted (the
//   listener names its node). A captured announcement starts one connect at once: the
//   kernel has applied it by the time the capture hands it to us.

import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { ip, IpAddress, ipBytes } from '../src/core/ip';
import { openPacketSocket, PacketSocket } from '../src/adapters/packet';
import { ETH_P_ALL } from '../src/adapters/packet/packet-socket';
import { decodeAnnouncement, mac } from '../src/protocol/packets';
import { buildArpRequest } from '../src/soak/probe-frames';
import { ArpDuplicate, ClientAddressReport, ClientCommand, ClientProbeLine, monotonicMs, PROBE_PORT } from './failover-messages';

/** The ARP prober's own hardware address: locally administered, "fbf" for this bench. */
const PROBER_MAC = mac('02:66:62:66:00:01');
/** Host part of the prober's IPv4 address in each /24 (the lab puts its client at .250, public addresses at .1-.239). */
const PROBER_HOST = 251;
const CONNECT_EVERY_MS = 5;
const CONNECT_TIMEOUT_MS = 50;
/** Connections in flight across all watched addresses, so 1000 moving addresses cannot swamp a 2-core machine. */
const IN_FLIGHT_BUDGET = 400;
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
  attempts: number;
  inFlight: number;
  /** Connecting: a survivor holds it or announced it. */
  active: boolean;
}

interface Trial {
  readonly victim: number;
  readonly watched: Map<string, Watched>;
  readonly macs: ReadonlyMap<string, number>;
  readonly arpFrames: Buffer[];
  readonly proberAddresses: Set<string>;
  readonly perAddressInFlight: number;
  arpTimer: NodeJS.Timeout | undefined;
  connectTimer: NodeJS.Timeout | undefined;
  arpRounds: number;
  /** Answers to the latest ARP round: address -> MACs. */
  roundAnswers: Map<string, Set<string>>;
  readonly arpDuplicates: ArpDuplicate[];
  readonly connectErrors: Map<string, number>;
}

let trial: Trial | undefined;
let socket: PacketSocket;

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

function attempt(current: Trial, watched: Watched): void {
  watched.attempts++;
  watched.inFlight++;
  const count = (code: string): void => { current.connectErrors.set(code, (current.connectErrors.get(code) ?? 0) + 1); };
  void connectOnce(watched.address, CONNECT_TIMEOUT_MS, count).then((answer) => {
    watched.inFlight--;
    // An answer from the victim itself is the old owner still serving (a duplicate shows in the other checks).
    if (answer === undefined || answer.pnn === current.victim || watched.reached !== null) return;
    watched.reached = answer.connectedAt;
    watched.reachedBy = answer.pnn;
    emit({ e: 'reached', t: answer.connectedAt, address: watched.address, by: answer.pnn });
  });
}

function connectTick(current: Trial): void {
  for (const watched of current.watched.values()) {
    if (watched.active && watched.reached === null && watched.inFlight < current.perAddressInFlight) attempt(current, watched);
  }
}

function activate(current: Trial, watched: Watched, now: boolean): void {
  if (watched.reached !== null) return;
  watched.active = true;
  if (now) attempt(current, watched);
  current.connectTimer ??= setInterval(() => connectTick(current), CONNECT_EVERY_MS);
}

function onFrame(frame: Buffer): void {
  const current = trial;
  if (current === undefined) return;
  const decoded = decodeAnnouncement(frame);
  if (decoded === undefined) return;
  const t = monotonicMs();
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
  activate(current, watched, true);
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
    watched: new Map(command.addresses.map((address) => [address, {
      address, announced: null, announcedBy: null, reached: null, reachedBy: null, attempts: 0, inFlight: 0, active: false,
    }])),
    macs: new Map(Object.entries(command.macs)),
    arpFrames: v4.map((target) => buildArpRequest(PROBER_MAC, proberAddressFor(target), target)),
    proberAddresses: new Set(v4.map((target) => proberAddressFor(target).text)),
    perAddressInFlight: Math.max(2, Math.min(CONNECT_TIMEOUT_MS / CONNECT_EVERY_MS, Math.floor(IN_FLIGHT_BUDGET / Math.max(1, targets.length)))),
    arpTimer: undefined,
    connectTimer: undefined,
    arpRounds: 0,
    roundAnswers: new Map(),
    arpDuplicates: [],
    connectErrors: new Map(),
  };
  trial = current;
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
  if (current.connectTimer) clearInterval(current.connectTimer);
  const addresses: ClientAddressReport[] = [...current.watched.values()].map((w) => ({
    address: w.address, announced: w.announced, announcedBy: w.announcedBy, reached: w.reached, reachedBy: w.reachedBy, attempts: w.attempts,
  }));
  emit({ e: 'report', addresses, arpRounds: current.arpRounds, arpDuplicates: current.arpDuplicates, connectErrors: Object.fromEntries(current.connectErrors) });
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
  createInterface({ input: process.stdin }).on('line', (line) => {
    const command = JSON.parse(line) as ClientCommand;
    switch (command.cmd) {
      case 'prime': void prime(command.addresses); break;
      case 'arm': arm(command); break;
      case 'present': {
        const watched = trial?.watched.get(command.address);
        if (trial && watched) activate(trial, watched, true);
        break;
      }
      case 'disarm': disarm(); break;
    }
  });
  process.stdin.on('end', () => {
    socket.close();
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
