// The ARP prober's child: in the client namespace, asks for every public address each round and reports two MACs answering one question.
//
// argv: IFACE CLIENT_IPV4 CLIENT_IPV6|- ROUND_MS ADDRESS... Each round sends an ARP
// request (IPv4) or a neighbour solicitation (IPv6) for every address; the answers that
// arrive before the next round belong to it. Two different MACs answering one round
// for one address is what a client sees of a duplicate: one JSON line
// {"type":"duplicate", t, address, macs}, `t` in CLOCK_MONOTONIC ms (shared-clock.ts: the
// parent puts it on the soak's clock, as it does the address samplers'). On end of stdin:
// {"type":"totals", ...}.

import { ip, IpAddress } from '../core/ip';
import { buildArpRequest, buildNeighborSolicit, decodeAnnouncement } from '../protocol/packets';
import { openPacketSocket } from '../adapters/packet/packet-socket';
import { monotonicMs as now } from './shared-clock';

const ETH_P_ALL = 0x0003;

function main(): void {
  const [iface, v4Text, v6Text, roundText, ...addressTexts] = process.argv.slice(2);
  const clientV4 = ip(v4Text);
  const clientV6: IpAddress | undefined = v6Text === '-' ? undefined : ip(v6Text);
  const roundMs = Number(roundText);
  const addresses = addressTexts.map((text) => ip(text)).filter((a) => a.family === 4 || clientV6 !== undefined);
  const socket = openPacketSocket(iface, ETH_P_ALL);
  const probes = addresses.map((a) => (a.family === 4 ? buildArpRequest(socket.mac, clientV4, a) : buildNeighborSolicit(socket.mac, clientV6 as IpAddress, a)));
  const wanted = new Set(addresses.map((a) => a.text));
  const totals = { rounds: 0, questions: 0, answers: 0, unanswered: 0, duplicates: 0 };
  let answers = new Map<string, Set<string>>();

  socket.startReceive((frame) => {
    const decoded = decodeAnnouncement(frame);
    if (decoded === undefined) return;
    if (decoded.kind === 'arp') {
      // Only answers addressed to the client's own question; gratuitous announcements name the address as target.
      if (decoded.op !== 'reply' || decoded.targetIp.text !== clientV4.text || !wanted.has(decoded.senderIp.text)) return;
      record(decoded.senderIp.text, decoded.senderMac.text);
    } else if (decoded.solicited && wanted.has(decoded.target.text)) {
      record(decoded.target.text, (decoded.targetMac ?? decoded.sourceMac).text);
    }
  });
  function record(address: string, mac: string): void {
    const macs = answers.get(address) ?? new Set<string>();
    macs.add(mac);
    answers.set(address, macs);
    totals.answers++;
  }
  function closeRound(): void {
    for (const address of wanted) {
      const macs = answers.get(address);
      if (macs === undefined) totals.unanswered++;
      else if (macs.size > 1) {
        totals.duplicates++;
        process.stdout.write(`${JSON.stringify({ type: 'duplicate', t: now(), address, macs: [...macs].sort() })}\n`);
      }
    }
  }
  const timer = setInterval(() => {
    if (totals.rounds > 0) closeRound();
    answers = new Map();
    totals.rounds++;
    totals.questions += probes.length;
    try {
      socket.sendBatch(probes);
    } catch (error) {
      process.stderr.write(`probe send failed: ${(error as Error).message}\n`);
    }
  }, roundMs);
  process.stdout.write(`${JSON.stringify({ type: 'ready', t: now(), mac: socket.mac.text })}\n`);
  process.stdin.on('end', () => {
    clearInterval(timer);
    socket.stopReceive();
    socket.close();
    process.stdout.write(`${JSON.stringify({ type: 'totals', ...totals })}\n`);
    process.exit(0);
  });
  process.stdin.resume();
}

main();
