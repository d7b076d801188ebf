// The soak's fault schedule: a seed and the cluster's shape in, a list of timed fault steps out (pure, reproducible).
//
// Each step starts at `at` ms after the soak began and is undone at `at + durationMs`
// (a moveip is instant). Steps overlap, but a node carries at most one fault at a time,
// and at most `maxFaulty` nodes are cut off from the cluster at once (killed, stopped,
// frozen, link down, or on the far side of a partition): by default a minority, the
// domain of the safety model (docs/reliability.md). A step that takes the count above a
// minority is marked `outsideSafetyModel`, so duplicates it causes are told apart; so is
// every one-way cut, which breaks the model's assumption that reachability is symmetric.
// The cluster operations (operation-schedule.ts) come on top, each in a window of its own.

import { mulberry32, SeededRandom } from './prng';
import { describeOperation, OPERATION_KINDS, OPERATION_RECOVERY_MS, OperationDetail, OperationKind, operationKindsFor, operationNodes, planOperations } from './operation-schedule';

/** The random fault kinds; their list (and so a seed's draws) is the same as before the operations came. */
export const FAULT_KINDS = [
  'kill', 'restart', 'freeze', 'link', 'partition', 'one-way', 'monitor', 'reload', 'disable', 'ban', 'moveip',
  'guardian-freeze', 'guardian-kill', 'hung-script', 'control-flood', 'slowloris', 'duplicate',
] as const;
/** Every kind --kinds takes: the random faults and the cluster operations. */
export const ALL_KINDS = [...FAULT_KINDS, ...OPERATION_KINDS] as const;
export type FaultKind = (typeof ALL_KINDS)[number];

export function isOperation(kind: FaultKind): kind is OperationKind {
  return (OPERATION_KINDS as readonly string[]).includes(kind);
}

/** Kinds that cut a node off from the cluster's membership: these count against `maxFaulty`. */
export const MEMBERSHIP_KINDS: ReadonlySet<FaultKind> = new Set(['kill', 'restart', 'freeze', 'link', 'partition', 'one-way', 'guardian-kill']);

export type HungEvent = 'takeip' | 'releaseip';

/** Where the guardian is when floatipd's cgroup is killed: apart (the shipped unit) or in the same cgroup. */
export type GuardianPlace = 'apart' | 'together';

/**
 * Steps outside the safety model whatever else runs. A one-way cut breaks its assumption that
 * reachability is symmetric (A's and B's partitions overlap, both may count a majority).
 * A kill of the daemon and its guardian together leaves the addresses on the dead node with
 * nobody to delete them (under systemd, ExecStopPost does), and a hand-added address is a
 * duplicate by construction: for these two the report measures how long the duplicate lasts,
 * not whether it happens. A cgroup kill with the guardian apart is inside the model.
 */
export function outsideModelByDetail(detail: FaultDetail): boolean {
  switch (detail.kind) {
    case 'one-way':
    case 'one-way-tie':
    case 'duplicate':
      return true;
    case 'guardian-kill':
      return detail.guardian === 'together';
    default:
      return false;
  }
}

export type LinkChoice = 'all' | 'public' | 'private';

/** What a step does, by kind; `nodes` are the nodes it occupies. */
export type FaultDetail =
  | { readonly kind: 'kill' | 'restart' | 'freeze' | 'monitor' | 'disable' | 'guardian-freeze' | 'control-flood' }
  /** Every process of floatipd's cgroup killed at once, the guardian placed `guardian`. */
  | { readonly kind: 'guardian-kill'; readonly guardian: GuardianPlace }
  /** An unprivileged user on node `from` holds connections to the step's node's mesh port. */
  | { readonly kind: 'slowloris'; readonly from: number; readonly style: 'silent' | 'drip' }
  /** The node's `event` script hangs until the step ends. */
  | { readonly kind: 'hung-script'; readonly event: HungEvent }
  /** Address `address` (an index) is added by hand on the step's node, wherever floatip has put it. */
  | { readonly kind: 'duplicate'; readonly address: number }
  | { readonly kind: 'link'; readonly links: LinkChoice }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly number[])[] }
  /** Frames from `from` to `to` are dropped by the switch; the other way still flows. */
  | { readonly kind: 'one-way'; readonly from: number; readonly to: number }
  /** `address` (an index into the public addresses) leaves the node's public_addresses until the step ends. */
  | { readonly kind: 'reload'; readonly address: number }
  | { readonly kind: 'ban'; readonly seconds: number }
  | { readonly kind: 'moveip'; readonly address: number; readonly to: number }
  | OperationDetail;

export interface FaultStep {
  readonly index: number;
  /** Milliseconds after the soak started. */
  readonly at: number;
  readonly durationMs: number;
  readonly kind: FaultKind;
  /** The nodes this step occupies (no other step touches them meanwhile). */
  readonly nodes: readonly number[];
  readonly detail: FaultDetail;
  /** True when, with this step, more than a minority of nodes are cut off from the cluster. */
  readonly outsideSafetyModel: boolean;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Number of public addresses (indexes 0..addresses-1). */
  readonly addresses: number;
  /** Faults start in [0, durationMs - quietTailMs) and all end by durationMs. */
  readonly durationMs: number;
  /** Most nodes cut off at once. @default the largest minority, floor((nodes - 1) / 2) */
  readonly maxFaulty?: number;
  /** Kinds to draw from. @default every kind (the split operations only with an even node count) */
  readonly kinds?: readonly FaultKind[];
  /** Pause between the starts of two steps, ms. @default [300, 2500] */
  readonly gapMs?: readonly [number, number];
}

export type SoakSchedule = readonly FaultStep[];

/** How long each kind lasts, ms (a ban's length is its seconds). */
const DURATION_MS: Readonly<Record<FaultKind, readonly [number, number]>> = {
  kill: [1000, 5000],
  restart: [1000, 4000],
  // Some freezes end before fence_after (700 ms by default), some after dead_after.
  freeze: [300, 3000],
  link: [300, 4000],
  partition: [1000, 6000],
  'one-way': [1000, 6000],
  monitor: [1500, 6000],
  reload: [1500, 6000],
  disable: [1000, 5000],
  ban: [2000, 5000],
  moveip: [0, 0],
  // Longer than fence_after, so the node must notice its guardian is gone and hand over.
  'guardian-freeze': [1000, 4000],
  'guardian-kill': [1000, 4000],
  // Past takeover_deadline (5 s by default) now and then.
  'hung-script': [3000, 10_000],
  'control-flood': [500, 3000],
  'slowloris': [2000, 8000],
  duplicate: [1000, 4000],
  // Operations: operation-schedule.ts decides their lengths.
  'stop-half': [0, 0], 'rolling-restart': [0, 0], 'even-split': [0, 0], 'one-way-tie': [0, 0],
};

/** Relative weights of the kinds. */
const WEIGHT: Readonly<Record<FaultKind, number>> = {
  kill: 3, restart: 2, freeze: 3, link: 3, partition: 2, 'one-way': 2, monitor: 2, reload: 2, disable: 1, ban: 1, moveip: 2,
  'guardian-freeze': 1, 'guardian-kill': 1, 'hung-script': 1, 'control-flood': 1, slowloris: 1, duplicate: 1,
  // Never drawn at random: operation-schedule.ts places them.
  'stop-half': 0, 'rolling-restart': 0, 'even-split': 0, 'one-way-tie': 0,
};

/**
 * How long a node stays out of the plan after its fault is undone: a monitor heal shows at
 * the next monitor run, and a restarted daemon needs seconds to start and rejoin. Without
 * this, the plan would stack a new fault on a node that is not back yet, and every node
 * could be out at once. (The injector also waits, at run time, for room: see injector.ts.)
 */
const RECOVERY_MS: Readonly<Record<FaultKind, number>> = {
  kill: 4000, restart: 4000, freeze: 4000, link: 1500, partition: 1500, 'one-way': 1500, monitor: 2500, reload: 500,
  disable: 500, ban: 500, moveip: 0,
  'guardian-freeze': 1500, 'guardian-kill': 4000, 'hung-script': 1500, 'control-flood': 500, slowloris: 1500, duplicate: 500,
  'stop-half': OPERATION_RECOVERY_MS, 'rolling-restart': OPERATION_RECOVERY_MS, 'even-split': OPERATION_RECOVERY_MS, 'one-way-tie': OPERATION_RECOVERY_MS,
};

/** Time left at the end with no fault running, so the cluster settles before the final check. */
const QUIET_TAIL_MS = 2000;

/** Until when a step keeps its nodes out of the plan: its end plus the time its nodes need to be back. */
export function occupiedUntil(step: FaultStep): number {
  return step.at + step.durationMs + RECOVERY_MS[step.kind];
}

export function largestMinority(nodes: number): number {
  return Math.floor((nodes - 1) / 2);
}

interface Busy {
  readonly until: number;
  readonly nodes: readonly number[];
  readonly membership: boolean;
  readonly network: boolean;
}

function weightedKind(random: SeededRandom, kinds: readonly FaultKind[]): FaultKind {
  const total = kinds.reduce((sum, k) => sum + WEIGHT[k], 0);
  let roll = random.next() * total;
  for (const kind of kinds) {
    roll -= WEIGHT[kind];
    if (roll < 0) return kind;
  }
  return kinds[kinds.length - 1];
}

/** Seed of the operations' own draws, apart from the random faults' so their schedule stays what it was. */
const OPERATION_SEED_SALT = 0x13131313;

/**
 * The schedule for these options: the same options always give the same steps. The random
 * faults are drawn as they always were; the operations' windows come on top, and a random
 * step that would overlap a window (running or recovering) is left out.
 */
export function planSchedule(options: ScheduleOptions): SoakSchedule {
  const faults = planFaults(options);
  const asked: readonly string[] = options.kinds ?? ALL_KINDS;
  const windows = planOperations(mulberry32((options.seed ^ OPERATION_SEED_SALT) >>> 0), options.nodes,
    operationKindsFor(options.nodes, asked), options.durationMs, QUIET_TAIL_MS);
  if (windows.length === 0) return faults;
  const operations = windows.map((w): FaultStep => ({
    index: 0, at: w.at, durationMs: w.durationMs, kind: w.kind, nodes: operationNodes(w.detail), detail: w.detail,
    outsideSafetyModel: outsideModelByDetail(w.detail),
  }));
  const clear = (step: FaultStep): boolean => operations.every((op) => occupiedUntil(step) <= op.at || step.at >= occupiedUntil(op));
  return [...faults.filter(clear), ...operations].sort((a, b) => a.at - b.at).map((step, index) => ({ ...step, index }));
}

/** The random faults of these options (no operations). */
function planFaults(options: ScheduleOptions): FaultStep[] {
  const random = mulberry32(options.seed);
  const minority = largestMinority(options.nodes);
  const maxFaulty = options.maxFaulty ?? minority;
  const kinds = (options.kinds ?? FAULT_KINDS).filter((kind) => !isOperation(kind));
  if (kinds.length === 0) return [];
  const [gapMin, gapMax] = options.gapMs ?? [300, 2500];
  const allNodes = Array.from({ length: options.nodes }, (_, pnn) => pnn);
  const steps: FaultStep[] = [];
  let busy: Busy[] = [];
  for (let at = random.int(gapMin, gapMax); at < options.durationMs - QUIET_TAIL_MS; at += random.int(gapMin, gapMax)) {
    busy = busy.filter((b) => b.until > at);
    const occupied = new Set(busy.flatMap((b) => b.nodes));
    const cutOff = busy.filter((b) => b.membership).reduce((n, b) => n + b.nodes.length, 0);
    const free = allNodes.filter((pnn) => !occupied.has(pnn));
    const networkBusy = busy.some((b) => b.network);
    const kind = weightedKind(random, kinds);
    const latest = options.durationMs - QUIET_TAIL_MS - at;
    const [minMs, maxMs] = DURATION_MS[kind];
    const durationMs = Math.min(random.int(minMs, maxMs), latest);
    // Leave at least one node free of any fault, or nobody may host the addresses.
    const room = free.length - 1;
    const membershipRoom = Math.min(room, maxFaulty - cutOff);
    let nodes: number[] = [];
    let detail: FaultDetail;
    switch (kind) {
      case 'kill':
      case 'restart':
      case 'freeze':
      case 'link':
      case 'one-way':
      case 'guardian-kill':
        if (membershipRoom < 1 || (kind === 'one-way' && networkBusy)) continue;
        nodes = [random.pick(free)];
        if (kind === 'link') detail = { kind, links: random.pick(['all', 'public', 'private'] as const) };
        else if (kind === 'one-way') detail = { kind, from: nodes[0], to: random.pick(allNodes.filter((p) => p !== nodes[0])) };
        else if (kind === 'guardian-kill') detail = { kind, guardian: random.pick(['apart', 'together'] as const) };
        else detail = { kind };
        break;
      case 'partition': {
        // Only nodes with no other fault may move, and the partition bridges belong to one step at a time.
        const size = Math.min(membershipRoom, minority);
        if (size < 1 || networkBusy) continue;
        nodes = random.sample(free, random.int(1, size)).sort((a, b) => a - b);
        detail = { kind, groups: [allNodes.filter((p) => !nodes.includes(p)), nodes] };
        break;
      }
      case 'monitor':
      case 'disable':
      case 'ban':
      case 'guardian-freeze':
      case 'control-flood':
        if (room < 1) continue;
        nodes = [random.pick(free)];
        detail = kind === 'ban' ? { kind, seconds: Math.max(1, Math.floor(durationMs / 1000)) } : { kind };
        break;
      case 'slowloris':
        if (room < 1) continue;
        nodes = [random.pick(free)];
        detail = { kind, from: random.pick(allNodes.filter((p) => p !== nodes[0])), style: random.pick(['silent', 'drip'] as const) };
        break;
      case 'hung-script':
        if (room < 1) continue;
        nodes = [random.pick(free)];
        detail = { kind, event: random.pick(['takeip', 'releaseip'] as const) };
        break;
      case 'duplicate':
        if (room < 1) continue;
        nodes = [random.pick(free)];
        detail = { kind, address: random.int(0, options.addresses - 1) };
        break;
      case 'reload':
        if (room < 1) continue;
        nodes = [random.pick(free)];
        detail = { kind, address: random.int(0, options.addresses - 1) };
        break;
      case 'moveip':
        detail = { kind, address: random.int(0, options.addresses - 1), to: random.pick(allNodes) };
        break;
      default:
        // Operations are never drawn here (their weight is 0, and they are filtered out above).
        continue;
    }
    const membership = MEMBERSHIP_KINDS.has(kind);
    const step: FaultStep = {
      index: steps.length,
      at,
      durationMs: kind === 'ban' ? (detail as { seconds: number }).seconds * 1000 : durationMs,
      kind,
      nodes,
      detail,
      outsideSafetyModel: (membership && cutOff + nodes.length > minority) || outsideModelByDetail(detail),
    };
    steps.push(step);
    if (nodes.length > 0) busy.push({ until: occupiedUntil(step), nodes, membership, network: kind === 'partition' || kind === 'one-way' });
  }
  return steps;
}

/** What a step does, in words. */
function stepText(step: FaultStep): string {
  const d = step.detail;
  const node = step.nodes[0];
  switch (d.kind) {
    case 'link': return `link ${d.links} on node ${node}`;
    case 'partition': return `partition ${d.groups.map((g) => g.join(',')).join(' | ')}`;
    case 'one-way': return `one-way: node ${d.from} -> node ${d.to} dropped`;
    case 'reload': return `reload: node ${node} without address #${d.address}`;
    case 'ban': return `ban node ${node} for ${d.seconds} s`;
    case 'moveip': return `moveip address #${d.address} to node ${d.to}`;
    case 'hung-script': return `hung ${d.event} on node ${node}`;
    case 'duplicate': return `address #${d.address} added by hand on node ${node}`;
    case 'guardian-kill': return `cgroup kill of node ${node}, guardian ${d.guardian}`;
    case 'slowloris': return `${d.style} connections from node ${d.from} to node ${node}'s mesh port`;
    case 'stop-half':
    case 'rolling-restart':
    case 'even-split':
    case 'one-way-tie':
      return describeOperation(d);
    default: return `${d.kind} node ${node}`;
  }
}

/** One line per step, for a log a failing seed can be compared against. */
export function describeStep(step: FaultStep): string {
  const outside = step.outsideSafetyModel ? ' [outside the safety model]' : '';
  return `#${step.index} at ${(step.at / 1000).toFixed(1)} s for ${(step.durationMs / 1000).toFixed(1)} s: ${stepText(step)}${outside}`;
}
