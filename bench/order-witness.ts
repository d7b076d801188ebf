// Which node held an address when, in the kernel's own order of changes: one `ip monitor` for every node namespace, read from the switch's namespace.
//
// The node probes stamp each change when their process reads it, through the netlink
// adapter's notification reader: under load one probe ran 20 ms or more behind another, and the
// bench counted an address as on two nodes at once when only the stamps overlapped. The
// kernel serialises address changes (RTNL), and one socket listening to every namespace
// (NETLINK_LISTEN_ALL_NSID, `ip monitor address all-nsid`) receives them in that order. So
// whether an add on one node came before the delete on another is read from the order of
// lines here, not from clocks. The stamps still give the durations, and those can err by
// this process's lag.
//
// A notification lost to a full socket buffer (ENOBUFS) loses the order; the witness then
// reports a loss, which the bench counts like a duplicate, so a loss never reads as "none".

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { monotonicMs } from './failover-messages';

/** One address change of a node, as `ip -o monitor address all-nsid` printed it. */
export interface WitnessedChange {
  readonly node: number;
  readonly e: 'add' | 'del';
  readonly address: string;
}

/**
 * Reads one line of `ip -o monitor address all-nsid`, e.g.
 * `[nsid 0]Deleted 2: if2    inet 198.51.100.3/24 scope global fxo0\ ...`; undefined for a
 * namespace that is no node's, or a line that is no address change.
 */
export function parseMonitorLine(line: string, nodeOfNsid: ReadonlyMap<number, number>): WitnessedChange | undefined {
  const match = /^\[nsid (\d+)\]\s*(Deleted )?\d+: \S+\s+inet6? ([0-9a-fA-F.:]+)\//.exec(line);
  if (match === null) return undefined;
  const node = nodeOfNsid.get(Number(match[1]));
  if (node === undefined) return undefined;
  return { node, e: match[2] === undefined ? 'add' : 'del', address: match[3] };
}

/** A stretch of time an address was on two nodes at once, in the kernel's order, stamped by the witness. */
export interface WitnessedOverlap {
  readonly address: string;
  readonly nodes: [number, number];
  readonly from: number;
  to: number;
}

/** Holdings and overlaps built from changes in the order the kernel made them. */
export class OrderedHoldings {
  private readonly holders = new Map<string, Set<number>>();
  /** Addresses a change was seen for, per node: a late seed must not undo them. */
  private readonly touched = new Map<number, Set<string>>();
  private readonly open = new Map<string, WitnessedOverlap>();
  private closed: WitnessedOverlap[] = [];

  constructor(private readonly isPublic: (address: string) => boolean) {}

  /** What a node's probe listed when it started: kept only for addresses no change was seen for yet. */
  seed(node: number, addresses: readonly string[], t: number): void {
    const seen = this.touched.get(node) ?? new Set<string>();
    for (const address of addresses) if (!seen.has(address)) this.apply({ node, e: 'add', address }, t, false);
  }

  apply(change: WitnessedChange, t: number, touch = true): void {
    if (!this.isPublic(change.address)) return;
    if (touch) this.touched.set(change.node, (this.touched.get(change.node) ?? new Set()).add(change.address));
    const holders = this.holders.get(change.address) ?? new Set<number>();
    this.holders.set(change.address, holders);
    if (change.e === 'add') {
      // A promoted secondary is announced again with RTM_NEWADDR: already held, nothing new.
      if (holders.has(change.node)) return;
      const other = [...holders][0];
      holders.add(change.node);
      if (other !== undefined && !this.open.has(change.address)) {
        this.open.set(change.address, { address: change.address, nodes: [other, change.node], from: t, to: Infinity });
      }
    } else {
      holders.delete(change.node);
      const overlap = this.open.get(change.address);
      if (overlap !== undefined && holders.size < 2) {
        overlap.to = t;
        this.closed.push(overlap);
        this.open.delete(change.address);
      }
    }
  }

  /** Overlaps that touch `from`..`to`. */
  overlaps(from: number, to: number): WitnessedOverlap[] {
    return [...this.closed, ...this.open.values()].filter((o) => o.to >= from && o.from <= to);
  }

  forgetBefore(t: number): void {
    this.closed = this.closed.filter((o) => o.to >= t);
  }
}

/** The running witness: `ip monitor` in the switch namespace, with an nsid given to every node namespace there. */
export class OrderWitness {
  readonly holdings: OrderedHoldings;
  /** When a notification was lost (the monitor's socket overflowed), on the monotonic clock. */
  readonly losses: number[] = [];
  private child: ChildProcess | undefined;

  constructor(isPublic: (address: string) => boolean) {
    this.holdings = new OrderedHoldings(isPublic);
  }

  /** Starts listening; resolves once the monitor runs (changes from then on are seen). */
  async start(switchNamespace: string, nodeNamespaces: ReadonlyArray<{ readonly pnn: number; readonly namespace: string }>): Promise<void> {
    const nodeOfNsid = new Map<number, number>();
    for (const { pnn, namespace } of nodeNamespaces) {
      try {
        execFileSync('ip', ['-n', switchNamespace, 'netns', 'set', namespace, 'auto'], { stdio: 'ignore' });
      } catch {
        // It had an nsid there already (a veth peer gets one): list-id below finds it.
      }
      const listed = execFileSync('ip', ['-n', switchNamespace, 'netns', 'list-id'], { encoding: 'utf8' });
      const nsid = new RegExp(`nsid (\\d+) \\(iproute2 netns name: ${namespace}\\)`).exec(listed);
      if (nsid === null) throw new Error(`no nsid for ${namespace} in ${switchNamespace}: ${listed.trim()}`);
      nodeOfNsid.set(Number(nsid[1]), pnn);
    }
    const child = spawn('ip', ['-n', switchNamespace, '-o', 'monitor', 'address', 'all-nsid'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const change = parseMonitorLine(line, nodeOfNsid);
      if (change !== undefined) this.holdings.apply(change, monotonicMs());
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      if (/No buffer space|ENOBUFS|\(105\)/.test(line)) this.losses.push(monotonicMs());
    });
    // `ip monitor` prints nothing when it starts: a change made after spawn may come before its socket is open.
    // The seeds from the probes (started after this) cover what was there; a change in between is the probes' too.
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  /** Overlaps in `from`..`to`, plus one line per loss of notifications in it (the order is unknown then). */
  describe(from: number, to: number): Array<{ address: string; nodes: [number, number]; from: number; to: number }> {
    const lost = this.losses.filter((t) => t >= from && t <= to).map((t) => ({ address: 'notifications lost (ENOBUFS): order unknown', nodes: [-1, -1] as [number, number], from: t, to: t }));
    return [...this.holdings.overlaps(from, to), ...lost];
  }

  stop(): void {
    this.child?.kill();
  }
}
