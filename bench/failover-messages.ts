// The lines the failover bench's probes and its parent exchange (JSON, one per line), and the clock they share.
//
// Every process stamps times with CLOCK_MONOTONIC (process.hrtime), which is one clock
// for all processes of a host, so a time seen in a node namespace and one seen in the
// client namespace can be subtracted directly.

/** Milliseconds on the host's monotonic clock. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** What a node probe reports: its own state, then every change of public address or link in its namespace. */
export type NodeProbeLine =
  | { readonly e: 'ready'; readonly t: number; readonly mac: string; readonly addresses: readonly string[] }
  | { readonly e: 'add' | 'del'; readonly t: number; readonly address: string }
  | { readonly e: 'link'; readonly t: number; readonly name: string; readonly state: 'up' | 'down' }
  | { readonly e: 'error'; readonly message: string };

/** Orders to the client probe. */
export type ClientCommand =
  /** One connection to each address; answers `primed` with the node that accepted each (or null). */
  | { readonly cmd: 'prime'; readonly addresses: readonly string[] }
  /** Start watching a trial: record announcements and answers for these addresses, probe ARP for the IPv4 ones. */
  | { readonly cmd: 'arm'; readonly victim: number; readonly addresses: readonly string[]; readonly macs: Readonly<Record<string, number>>; readonly arpIntervalMs: number }
  /** A survivor holds `address` now: start connecting to it. */
  | { readonly cmd: 'present'; readonly address: string }
  /** End the trial: answers `report`. */
  | { readonly cmd: 'disarm' };

/** One address of a trial as the client saw it; times are monotonic ms, null when it never happened. */
export interface ClientAddressReport {
  readonly address: string;
  /** First gratuitous ARP / unsolicited NA for it from a survivor's MAC. */
  readonly announced: number | null;
  readonly announcedBy: number | null;
  /** First TCP connect to it that a survivor accepted: the kernel's stamp of the survivor's SYN-ACK. */
  readonly reached: number | null;
  readonly reachedBy: number | null;
  /** When the probe's connect callback ran for that connection (later when the probe is busy). */
  readonly reachedApp: number | null;
  readonly attempts: number;
}

/** ARP answers from two MACs to one request of ours: both nodes answered for the address at once. */
export interface ArpDuplicate {
  readonly address: string;
  readonly t: number;
  readonly macs: readonly string[];
}

export type ClientProbeLine =
  | { readonly e: 'ready'; readonly mac: string }
  | { readonly e: 'primed'; readonly holders: Readonly<Record<string, number | null>> }
  | { readonly e: 'armed'; readonly t: number }
  | { readonly e: 'announced'; readonly t: number; readonly address: string; readonly by: number }
  | { readonly e: 'reached'; readonly t: number; readonly app: number; readonly address: string; readonly by: number }
  | {
    readonly e: 'report'; readonly addresses: readonly ClientAddressReport[]; readonly arpRounds: number; readonly arpDuplicates: readonly ArpDuplicate[];
    readonly connectErrors: Readonly<Record<string, number>>;
    /** Frames the capture lost for a full receive buffer while armed: announcements or SYN-ACKs may be missing or late. */
    readonly captureDrops: number;
  }
  | { readonly e: 'error'; readonly message: string };

/** The port every node probe listens on (all addresses); it answers each connection with its node number. */
export const PROBE_PORT = 8445;
