// The one table of floatip.toml options: kind, default, unit, range and doc text of every option.
// A new option is one entry here; the loader, the defaults and docs/configuration.md follow from it.

import {
  address, boolean, choice, duration, integer, option, optional, OptionSpec, path, textWith, TIMING_PROFILES,
} from './option-kinds';
import { formatClusterLock, parseClusterLock } from './cluster-lock';
import { formatListenAddress, parseListenAddress } from './listen-address';
import { formatMonitorSchedule, parseMonitorSchedule } from './monitor-schedule';
import { formatTieBreaker, parseTieBreaker } from './tie-breaker';
import { ip } from '../core/ip';
import { Milliseconds } from './duration';

import { EVENT_NAMES, EventName } from '../core/events';
import { FULL_HEARTBEAT_EVERY } from '../protocol/frame-session';

export { EVENT_NAMES };
export type { EventName };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * takeip and releaseip run inside a takeover run, one per address, on the node that takes or
 * releases it: a hung one must end (TIMEDOUT) before the run's deadline, or the run fails
 * and the address waits for the script (30 s of CTDB's default left an address unserved for
 * 60-100 s). So their default is short, and the configuration check keeps one of each inside
 * `timing.takeover_deadline` (cross-checks.ts).
 */
const IN_RUN_EVENT_TIMEOUT = 2 * SECOND;

const eventTimeouts = Object.fromEntries(EVENT_NAMES.map((name) => [name, name === 'takeip' || name === 'releaseip'
  ? option(duration(100, HOUR), {
    default: IN_RUN_EVENT_TIMEOUT,
    doc: `Timeout of the \`${name}\` event (it runs inside a takeover run, for each address). Not \`events.default_timeout\`: `
      + '`timeouts.takeip` + `timeouts.releaseip` must be shorter than `timing.takeover_deadline`, so a hung script ends '
      + 'before the run does. A timed-out takeip releases the address again and it goes to another node.',
  })
  : optional(duration(100, HOUR), {
    meaning: '`events.default_timeout`',
    doc: `Timeout of the \`${name}\` event, overriding \`events.default_timeout\`.`,
  })])) as Record<EventName, OptionSpec<Milliseconds | undefined>>;

const SELF_FROM_LOCAL = 'the daemon picks the node whose `nodes` address is configured on this host (as CTDB does)';

export const schema = {
  node: {
    pnn: optional(integer(0, 65535), {
      meaning: SELF_FROM_LOCAL,
      doc: 'This node\'s number: its line in `nodes`, counted from 0, deleted lines included. '
        + 'Set it (or `address`) when the host carries several addresses from `nodes`, as in a lab on one machine.',
    }),
    address: optional(address(), {
      meaning: SELF_FROM_LOCAL,
      doc: 'This node\'s private address; it must be a line of `nodes`. An alternative to `pnn`; if both are set they must agree.',
    }),
    bind_address: optional(address(), {
      meaning: 'this node\'s address from `nodes`',
      doc: 'Address the peer mesh listens on and connects from.',
    }),
    port: option(integer(1, 65535), {
      default: 4390, unit: 'TCP port',
      doc: 'Port of the peer mesh on every node. 4390 lets floatip run beside ctdbd (4379).',
    }),
  },
  cluster: {
    key_file: option(path(), {
      default: '/etc/floatip/cluster.key',
      doc: 'File holding the shared cluster key that authenticates every peer frame (HMAC-SHA256). Same on all nodes, readable by root only.',
    }),
    nodes_file: option(path(), {
      default: '/etc/floatip/nodes',
      doc: 'The `nodes` file (CTDB\'s format, see below). Identical on all nodes. A relative path is relative to the directory of floatip.toml.',
    }),
    public_addresses_file: option(path(), {
      default: '/etc/floatip/public_addresses',
      doc: 'The `public_addresses` file (CTDB\'s format, see below). May differ per node. A relative path is relative to the directory of floatip.toml.',
    }),
    cluster_lock: optional(textWith('cluster lock', parseClusterLock, formatClusterLock), {
      meaning: 'no cluster lock: quorum is a strict majority of the nodes',
      doc: 'A lock only one partition can hold: `"fcntl:/path"` or CTDB\'s plain `"/path"` (fcntl lock on a cluster file system), '
        + '`"!/path/to/helper ARGS"` (a mutex helper, as CTDB\'s `!` form), or `"etcd:http://HOST:PORT/KEY"`. '
        + 'Needed for `quorum = "lock"` and advised for two-node clusters.',
    }),
    quorum: option(choice(['majority', 'lock'] as const), {
      default: 'majority',
      doc: 'When a partition may host addresses: `majority` = more than half of the non-deleted nodes; '
        + '`lock` = the partition that holds `cluster_lock`.',
    }),
    last_man_standing_window: option(duration(SECOND, HOUR, 'never lower expected votes after failures'), {
      default: 10 * SECOND,
      doc: 'Last man standing (corosync votequorum): after nodes fail (not leave), a partition that has stayed quorate with the same '
        + 'members this long counts only its members as expected votes, so a cluster degrades 6 -> 4 -> 3 -> 2 one failure at a time. '
        + 'A partition without quorum never lowers them. The window starts when the partition last changed, that is after `dead_after` '
        + 'of silence or a closed stream. '
        + 'Needs `wait_for_all` (docs/reliability.md gives the safety argument).',
    }),
    wait_for_all: option(boolean(), {
      default: true,
      doc: 'A daemon that starts counts itself quorate only once it has seen every node of `nodes` at once, or joined a quorate '
        + 'partition (which tells it the expected votes): two halves that boot apart never both serve. When a node is known dead and the '
        + 'rest must serve after a cold start, comment out its line in `nodes` on the others (or set this to false on one side only, '
        + 'then back); see docs/deploying.md.',
    }),
    tie_breaker: option(textWith('tie-breaker order', parseTieBreaker, formatTieBreaker), {
      default: [],
      doc: 'When a partition holds exactly half of the expected votes: `"lowest"` = the half with the lowest-numbered expected voter '
        + 'keeps quorum, `"3,1"` = the first expected voter of that list does (then the lowest), `"none"` = neither half does. Both '
        + 'halves decide alike without talking. A tie needs an even number of voters, so this only ever acts then.',
    }),
    lock_recheck_interval: option(duration(100, MINUTE), {
      default: SECOND,
      doc: 'fcntl lock (`"fcntl:/path"` or `"/path"`): how often the holder checks that the lock file is still the one it locked, '
        + 'as CTDB\'s helper does; a removed or replaced file counts as a lost lock.',
    }),
    lock_lease_ttl: option(duration(2 * SECOND, HOUR), {
      default: 5 * SECOND,
      doc: 'etcd lock (`"etcd:..."`): time-to-live of the lease that holds the key, rounded up to whole seconds. '
        + 'A holder that etcd stops hearing loses the lock after this long; the holder itself gives it up a little earlier.',
    }),
    lock_helper_timeout: option(duration(100, 10 * MINUTE), {
      default: 10 * SECOND,
      doc: 'Mutex helper lock (`"!/path/to/helper ARGS"`): how long the helper may take to answer whether it got the lock; '
        + 'a slower helper is stopped and the try counts as failed.',
    }),
  },
  timing: {
    profile: option(choice(TIMING_PROFILES), {
      default: 'default',
      doc: 'Named defaults for the three failure-detection times below: `default` (200 ms / 1000 ms / 700 ms) '
        + 'for ordinary LANs, `fast` (50 ms / 250 ms / 175 ms) for quiet dedicated networks, `ultra` (15 ms / 80 ms / 45 ms) '
        + 'for a handful of addresses per node on quiet dedicated networks and nodes that are never overloaded (a whole-process '
        + 'stall of 30 ms fences the node; docs/benchmarks.md has its figures). Each can still be set by hand.',
    }),
    heartbeat_interval: option(duration(10, 10 * SECOND), {
      default: { byProfile: { default: 200, fast: 50, ultra: 15 } },
      doc: 'How often each node sends a heartbeat to every peer. Must be shorter than `fence_after`.',
    }),
    dead_after: option(duration(20, MINUTE), {
      default: { byProfile: { default: 1000, fast: 250, ultra: 80 } },
      doc: 'Silence after which a peer counts as DISCONNECTED and its addresses move. A closed TCP stream counts at once. '
        + 'Its addresses move no earlier than `fence_after` + 0.1 ms per address it held (the time its guardian needs to delete them), '
        + 'unless its guardian reports them deleted first; the configuration check warns when that is later than `dead_after`. '
        + `It also warns when \`dead_after\` is not more than ${FULL_HEARTBEAT_EVERY + 1} heartbeat intervals: a peer that had to refuse one heartbeat `
        + `hears the node again only ${FULL_HEARTBEAT_EVERY + 1} intervals after the last one it took (docs/protocol.md, HEARTBEAT-BRIEF).`,
    }),
    fence_after: option(duration(15, MINUTE), {
      default: { byProfile: { default: 700, fast: 175, ultra: 45 } },
      doc: 'A node that lost quorum releases all its public addresses within this time. Must be shorter than `dead_after`, '
        + 'so the majority never takes an address the minority still holds.',
    }),
    takeover_deadline: option(duration(100, 10 * MINUTE), {
      default: 5 * SECOND,
      doc: 'Overall deadline of one takeover run (release, take, ipreallocated). Must be longer than `dead_after`, '
        + 'because a silent node counts as released only after `dead_after`.',
    }),
    reconcile_interval: option(duration(100, MINUTE), {
      default: SECOND,
      doc: 'How often each node compares its kernel addresses with its assignment and repairs drift.',
    }),
    crash_grace: option(duration(0, 10 * SECOND), {
      default: 250,
      doc: 'When a peer\'s connection breaks without a LEAVING message (the daemon crashed or was killed), '
        + 'its addresses are re-placed only this long after the break, unless its guardian reports sooner that it deleted them '
        + '(its FENCED notice: ~10 ms after the break with one address, 55-70 ms with 333, so the grace costs nothing when the notice comes). '
        + 'It bounds how long the guardian may take to delete them on the dead node, so no address is ever on two nodes: 10-22 ms on a '
        + 'quiet machine, 128 ms measured under a load average of 16-72 (40 ms, the old default, was too short there). 0.1 ms per address the node '
        + 'held is added, in whole ms (its guardian deletes them in batches: 333 in 2-6 ms). 0 takes them at once.',
    }),
  },
  ipalloc: {
    algorithm: option(choice(['lcp2', 'deterministic', 'nondeterministic'] as const), {
      default: 'lcp2',
      doc: 'How addresses are spread over the healthy nodes: CTDB\'s LCP2 (balances by address distance), '
        + '`deterministic` (address index modulo node count) or `nondeterministic` (fewest addresses first).',
    }),
    no_ip_failback: option(boolean(), {
      default: false,
      doc: 'CTDB\'s NoIPFailback: once moved, an address stays where it is when its former node comes back.',
    }),
    no_ip_takeover: option(boolean(), {
      default: false,
      doc: 'CTDB\'s NoIPTakeover: this node takes no addresses from other healthy nodes to rebalance; '
        + 'it still takes addresses nobody hosts.',
    }),
    home_nodes_file: optional(path(), {
      meaning: 'no home nodes',
      doc: 'File naming a preferred node per address, for `algorithm = "deterministic"` only.',
    }),
  },
  garp: {
    count: option(integer(1, 100), {
      default: 3, unit: 'rounds',
      doc: 'Rounds per burst after taking an address; a round is one ARP request and one ARP reply (IPv4) '
        + 'or one unsolicited Neighbor Advertisement (IPv6).',
    }),
    spacing: option(duration(1, MINUTE, 'back to back'), {
      default: 200,
      doc: 'Time between the rounds of one burst. The first round goes out at once.',
    }),
    second_burst_delay: option(duration(1, HOUR, 'no second burst'), {
      default: 5 * SECOND,
      doc: 'Delay of a second burst after the first, for switches and hosts that missed the first while a link was '
        + 'still settling (keepalived\'s garp_master_delay).',
    }),
    refresh_interval: option(duration(1, 24 * HOUR, 'off'), {
      default: MINUTE,
      doc: 'Re-announce every hosted address this often, one round each, for networks that forget. '
        + 'Must be at least one burst long (`count` x `spacing`). On by default: a switch forgets a MAC address '
        + 'that sent nothing for its aging time (300 s by default on most switches and Linux bridges) while a '
        + 'router keeps its ARP entry far longer (20 min, 4 h on Cisco IOS), and a quiet address then stops '
        + 'receiving (MetalLB #2910; keepalived #20 and #166). 60 s gives five refreshes per 300 s aging period, '
        + 'so one lost frame changes nothing, for 2 frames (IPv4) or 1 (IPv6) per address a minute: 1000 addresses '
        + 'are about 33 frames/s, well under `rate_limit`.',
    }),
    rate_limit: option(integer(1, 10_000_000), {
      default: 10_000, unit: 'frames/s per interface',
      doc: 'Upper bound on ARP/NA frames per second on one interface, so taking thousands of addresses cannot flood '
        + 'a switch\'s control plane. Rounds wait in a queue behind it.',
    }),
    burst_frames: option(integer(1, 1_000_000), {
      default: 2000, unit: 'frames',
      doc: 'Frames an idle interface may send at once before `rate_limit` applies, so the first round for '
        + '1000 IPv4 addresses leaves without waiting.',
    }),
  },
  duplicates: {
    probe_interval: option(duration(SECOND, 24 * HOUR, 'no probing, not even at take time'), {
      default: 30 * SECOND,
      doc: 'Each hosted address is probed for a duplicate when it is taken and then about this often: an ARP probe '
        + '(sender 0.0.0.0) or a DAD Neighbor Solicitation (source ::), which change no neighbour\'s cache. The '
        + 'probes are spread over the interval, one slice per second, so 1000 addresses at 30 s are ~34 small frames a second. '
        + 'Another MAC answering is a duplicate: logged, counted (`floatip_duplicate_addresses`), shown in `floatip status` '
        + 'and `floatip ip -v`, and the address is announced again from this node.',
    }),
    answer_window: option(duration(10, 10 * SECOND), {
      default: 250,
      doc: 'How long after a slice of probes the answers are listened for. A host on the same link answers within a '
        + 'millisecond; the window allows for a loaded one. While it is open the node reads every ARP frame, or every '
        + 'IPv6 frame for IPv6 addresses, of the interface.',
    }),
  },
  tickle: {
    count: option(integer(1, 100), {
      default: 3, unit: 'packets',
      doc: 'TCP tickle ACKs sent to each recorded client of a taken address, so clients learn at once that their connection is gone.',
    }),
    spacing: option(duration(1, MINUTE, 'back to back'), {
      default: 500,
      doc: 'Time between the tickles of one connection. Linux answers such segments at most once per 500 ms per socket '
        + '(net.ipv4.tcp_invalid_ratelimit), so a shorter spacing is ignored by the client.',
    }),
    scan_interval: option(duration(100, MINUTE), {
      default: SECOND,
      doc: 'How often the node lists the established TCP connections on its public addresses and shares them with peers.',
    }),
  },
  takeover: {
    socket_kill: option(choice(['destroy', 'killtcp', 'auto'] as const), {
      default: 'auto',
      doc: 'How releasing an address ends the TCP connections on it: `destroy` = SOCK_DESTROY through sock_diag '
        + '(the kernel resets each client); `killtcp` = CTDB\'s ctdb_killtcp (tickle each client, capture its answer, '
        + 'send a matching RST); `auto` = `destroy`, and `killtcp` where the kernel lacks SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY).',
    }),
  },
  events: {
    dir: option(path(), {
      default: '/etc/floatip/events.d',
      doc: 'Directory of event scripts `NN.name` or CTDB\'s `NN.name.script` (CTDB\'s own run unchanged); executable = enabled.',
    }),
    ctdb_dir: option(path(), {
      default: '/etc/ctdb',
      doc: 'CTDB\'s configuration directory, for CTDB\'s own scripts: its `functions` (floatip\'s compatible one when it has none), '
        + '`nfs-checks.d`, `statd-callout`, `static-routes` and the rest are linked into their `CTDB_BASE` as they are.',
    }),
    default_timeout: option(duration(100, HOUR), {
      default: 30 * SECOND,
      doc: 'Timeout of one event (all its scripts), unless `events.timeouts.EVENT` says otherwise. CTDB\'s EventScriptTimeout.',
    }),
    timeouts: eventTimeouts,
    monitor_schedule: option(textWith('duration or cron expression', parseMonitorSchedule, formatMonitorSchedule), {
      default: { kind: 'interval', every: 5 * SECOND },
      doc: 'When the `monitor` event runs: a duration (`"5s"`) or a node-cron expression (`"*/10 * * * * *"`). '
        + 'Runs never overlap.',
    }),
    monitor_fall: option(integer(1, 100), {
      default: 1, unit: 'runs',
      doc: 'Consecutive failed `monitor` runs before the node is UNHEALTHY.',
    }),
    monitor_rise: option(integer(1, 100), {
      default: 1, unit: 'runs',
      doc: 'Consecutive good `monitor` runs before an UNHEALTHY node is healthy again.',
    }),
    monitor_timeouts_before_failure: option(integer(1, 1000), {
      default: 20, unit: 'runs',
      doc: 'Timed-out `monitor` runs in a row before timeouts count as failures; fewer are ignored, so a busy node '
        + 'is not failed by a few slow runs. CTDB\'s MonitorTimeoutCount.',
    }),
    monitor_recheck_after_change: option(duration(100, MINUTE), {
      default: SECOND,
      doc: 'After a health change the next `monitor` runs this soon, then twice as late each time until '
        + '`monitor_schedule` is reached, so a recovered service is noticed quickly.',
    }),
    monitor_flap_flips: option(integer(0, 1000), {
      default: 3, unit: 'changes',
      doc: 'Flap damping: when the `monitor` verdict (healthy/unhealthy) changes more often than this within '
        + '`monitor_flap_window`, the node is held out (UNHEALTHY) for `monitor_flap_hold_down`, so a flapping service '
        + 'does not move its addresses back and forth. It comes back at the first passing monitor after the hold-down, '
        + 'unless the last window again saw more changes (then another hold-down starts). 0 turns damping off. '
        + 'Shown by `floatip status` and the `floatip_flap_*` metrics.',
    }),
    monitor_flap_window: option(duration(SECOND, HOUR), {
      default: MINUTE,
      doc: 'The window in which `monitor_flap_flips` changes are counted.',
    }),
    monitor_flap_hold_down: option(duration(SECOND, 24 * HOUR), {
      default: MINUTE,
      doc: 'How long a flapping node is held out before its monitor may make it healthy again.',
    }),
  },
  ban: {
    enabled: option(boolean(), {
      default: true,
      doc: 'Ban a node that keeps failing takeover runs, as CTDB does (EnableBans).',
    }),
    credits_threshold: optional(integer(1, 100_000), {
      meaning: 'twice the number of nodes in `nodes` (CTDB\'s rule)', unit: 'credits',
      doc: 'A failed takeover run gives one credit to the node with the most failed actions in it (CTDB\'s takeover helper); at this many the node is BANNED.',
    }),
    period: option(duration(SECOND, 7 * 24 * HOUR), {
      default: 300 * SECOND,
      doc: 'How long a ban lasts. CTDB\'s RecoveryBanPeriod.',
    }),
    grace_period: option(duration(SECOND, 24 * HOUR), {
      default: 120 * SECOND,
      doc: 'Credits are forgotten after this long without a new failure. CTDB\'s RecoveryGracePeriod.',
    }),
  },
  control: {
    socket: option(path(), {
      default: '/run/floatip/control.sock',
      doc: 'Unix socket of the control server, used by the `floatip` CLI.',
    }),
  },
  metrics: {
    enabled: option(boolean(), {
      default: false,
      doc: 'Serve Prometheus metrics over HTTP on `listen`.',
    }),
    listen: option(textWith('HOST:PORT', parseListenAddress, formatListenAddress), {
      default: { address: ip('127.0.0.1'), port: 9390 },
      doc: 'Address and port of the metrics listener (`"[::1]:9390"` for IPv6). Used only when `enabled = true`.',
    }),
  },
  log: {
    level: option(choice(['error', 'warn', 'info', 'debug'] as const), {
      default: 'info',
      doc: 'Least severe message that is logged.',
    }),
  },
} satisfies SchemaTable;

/** A table of the schema: options and nested tables by key. */
export interface SchemaTable {
  readonly [key: string]: OptionSpec<unknown> | SchemaTable;
}

/** One paragraph per top-level table, for docs/configuration.md. */
export const tableDocs: Readonly<Record<keyof typeof schema, string>> = {
  node: 'Who this node is and where its peer mesh listens.',
  cluster: 'Files shared by the cluster, and how quorum is decided.',
  timing: 'Failure detection and takeover timing. Durations are strings with a unit, see above.',
  ipalloc: 'How public addresses are spread over the healthy nodes (CTDB\'s IP allocation).',
  garp: 'Gratuitous ARP (IPv4) and unsolicited Neighbor Advertisement (IPv6) after taking an address. Every option applies to both.',
  duplicates: 'Duplicate address detection: probing the addresses this node hosts for another MAC that answers for them.',
  tickle: 'TCP tickles: telling clients of a moved address that their old connection is gone.',
  takeover: 'Taking and releasing an address on this node.',
  events: 'Event scripts (CTDB-compatible) and the health monitor.',
  ban: 'Banning a node that keeps failing, as CTDB does.',
  control: 'The local control socket.',
  metrics: 'Prometheus metrics.',
  log: 'Logging.',
};

export function isOption(entry: OptionSpec<unknown> | SchemaTable): entry is OptionSpec<unknown> {
  return (entry as OptionSpec<unknown>).kind === 'option';
}

/** The value type a schema describes: an option becomes its value, a table an object of values. */
export type SettingsOf<S> = {
  readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : SettingsOf<S[K]>;
};

/** The settings of floatip.toml, defaults applied. Durations are milliseconds. */
export type FloatipSettings = SettingsOf<typeof schema>;

/** Every option as `[dotted.key, spec]`, in schema order. */
export function listOptions(table: SchemaTable = schema, prefix = ''): Array<[string, OptionSpec<unknown>]> {
  const out: Array<[string, OptionSpec<unknown>]> = [];
  for (const [key, entry] of Object.entries(table)) {
    const dotted = prefix === '' ? key : `${prefix}.${key}`;
    if (isOption(entry)) out.push([dotted, entry]);
    else out.push(...listOptions(entry, dotted));
  }
  return out;
}
