// One fault on the owner of an address, as the client lives it: an idle held connection, tcpdump, the neighbour table, a reconnect.
//
// Before the fault the connection must be known to every node (gettickles), or the new
// owner could not tickle it; the neighbour entry must be older than the ARP locktime, or
// a gratuitous ARP could not override it. Both hold for a real client; here they are
// waited for, so the fault is judged and not the set-up.

import { TicklesResult } from '../../../../src/protocol/control-results';
import { DaemonLab, waitFor } from '../../daemon/helpers/daemon-lab';
import { CapturedFrame, startCapture } from './capture';
import { hostedWithout, now, sleep, within } from './cluster';
import { arpLocktimeMs, macOf, neighbourOf } from './links';
import { connectsOnce, HeldConnection, holdConnection } from './tcp';

/** Everything one fault left behind for the tests to judge. */
export interface FaultEvidence {
  readonly address: string;
  readonly victim: number;
  readonly newOwner: number;
  readonly oldMac: string;
  readonly newMac: string;
  /** When the fault was made, ms since the epoch. */
  readonly fault: number;
  readonly connection: HeldConnection;
  readonly broken: { readonly code: string; readonly at: number };
  /** `gettickles --json` of every node before the fault, by pnn. */
  readonly tickles: ReadonlyMap<number, TicklesResult>;
  /** `gettickles` as a human reads it, from a node other than the owner. */
  readonly ticklesText: string;
  readonly neighbourBefore: string | undefined;
  readonly neighbourAfter: string | undefined;
  /** Frames tcpdump saw in the client namespace from just before the fault until the client reconnected. */
  readonly frames: readonly CapturedFrame[];
  readonly reconnected: boolean;
}

export interface FaultPlan {
  readonly address: string;
  readonly victim: number;
  readonly port: number;
  /** tcpdump filter for the frames to keep, e.g. `arp or tcp port 4450`. */
  readonly captureFilter: string;
  readonly fault: (victim: number) => Promise<unknown>;
}

/** Each node's gettickles for `address`, once every node lists the client's port. */
export function ticklesEverywhere(lab: DaemonLab, address: string, clientPort: number): Promise<Map<number, TicklesResult>> {
  const nodes = Array.from({ length: lab.nodes }, (_, pnn) => pnn);
  return waitFor(`every node to list the connection from port ${clientPort} for ${address}`, async () => {
    const results = await Promise.all(nodes.map((pnn) => lab.json<TicklesResult>(pnn, 'gettickles', address)));
    const listed = results.every((r) => r.connections.some((c) => c.clientPort === clientPort));
    return listed ? new Map(results.map((r, pnn) => [pnn, r])) : undefined;
  }, 10_000, 100);
}

/** Holds a connection to the address, makes the fault, and collects what the client saw until it reconnected. */
export async function observeFault(lab: DaemonLab, plan: FaultPlan): Promise<FaultEvidence> {
  const { address, victim, port } = plan;
  const iface = lab.publicInterface;
  const connection = await holdConnection(lab.client, address, port);
  const connectedAt = now();
  let captureStopped = false;
  let capture: Awaited<ReturnType<typeof startCapture>> | undefined;
  try {
    const tickles = await ticklesEverywhere(lab, address, connection.localPort);
    const ticklesText = (await lab.cli((victim + 1) % lab.nodes, 'gettickles', address)).stdout;
    await sleep(Math.max(0, connectedAt + arpLocktimeMs(lab.client, iface) + 200 - now()));
    const neighbourBefore = neighbourOf(lab.client, iface, address)?.mac;
    const oldMac = macOf(lab.namespace(victim), iface);
    capture = await startCapture(lab.client, iface, plan.captureFilter);
    const fault = now();
    await plan.fault(victim);
    const broken = await within(connection.broken, 10_000, `the connection to ${address} to break`);
    const newOwner = (await hostedWithout(lab, [address], victim)).get(address) as number;
    const newMac = macOf(lab.namespace(newOwner), iface);
    await waitFor(`the client's neighbour entry for ${address} to name ${newMac}`,
      () => (neighbourOf(lab.client, iface, address)?.mac === newMac ? true : undefined), 5000).catch(() => undefined);
    const neighbourAfter = neighbourOf(lab.client, iface, address)?.mac;
    const reconnected = connectsOnce(lab.client, address, port);
    captureStopped = true;
    const frames = await capture.stop();
    return {
      address, victim, newOwner, oldMac, newMac, fault, connection, broken, tickles, ticklesText,
      neighbourBefore, neighbourAfter, frames, reconnected,
    };
  } finally {
    if (capture && !captureStopped) await capture.stop();
    connection.close();
  }
}

/** TCP segments the new owner sent after the fault from the address to the held connection's client port, whose flags start with `flags` (`.` for a tickle ACK, `R` for a reset). */
export function segmentsToClient(e: FaultEvidence, client: string, port: number, flags: string): CapturedFrame[] {
  return e.frames.filter((f) => f.sourceMac === e.newMac && f.at >= e.fault
    && f.text.includes(`${e.address}.${port} > ${client}.${e.connection.localPort}: Flags [${flags}`));
}
