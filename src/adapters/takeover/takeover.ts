// The Takeover component: puts a public address on this node's interface, or takes it off, in timed steps.
//
// take    = netlink add (IPv6 NODAD) -> GARP/NA (first round awaited, the rest in the
//           background) -> tickles to the clients recorded on the previous owner
// release = stop announcing -> kill TCP connections on the address (SOCK_DESTROY, or
//           killtcp) -> netlink delete
// move    = CTDB's updateip: add on the new interface -> announce there -> delete from the old
//
// Event scripts (takeip, releaseip, updateip) are NOT run here: the daemon runs them
// around these calls, as DESIGN.md orders them (takeip after take, releaseip before
// release). This component touches only the kernel and the wire.
//
// The batch variants are what make a thousand addresses fast: the netlink requests go
// out together (the adapter caps how many are in flight), and the announcements of a
// chunk are queued in one tick so the announcer sends their first rounds in one batch.
// Both are started a chunk per event-loop turn (chunks.ts): started all in one turn,
// 333 adds held the main loop 200-600 ms.

import { compareIp, IpAddress } from '../../core/ip';
import { Clock } from '../clock';
import { AddOutcome, AddressPort, InterfaceAddress } from '../netlink/port';
import { secondariesFirst } from '../netlink/delete-order';
import { Announcer } from '../packet/announcer';
import { Tickler } from '../rawsock/tickler';
import { ConnectionPort, ReplyCapture } from '../sockdiag/port';
import { TcpConnection } from '../../protocol/packets';
import { TakeoverInit, takeoverOptions } from './options';
import {
  BatchFailure, BatchReport, MoveReport, ReleaseReport, SocketKillReport, StepTimes, TakeOptions, TakeReport,
  TakeRequest, Takeover, TakeoverAddress, TakeoverError, TakeoverProblem,
} from './port';
import { ClosableReplyCapture, killConnections, OpenReplyCapture, SocketKillResult } from './socket-kill';
import { settleInChunks, TAKEOVER_CHUNK } from './chunks';

/** Exactly the ports the component uses. */
export interface TakeoverComponents {
  /** Kernel addresses: netlink (RtnetlinkAdapter; MemoryNetlink in tests). */
  readonly addresses: AddressPort;
  /** GARP / unsolicited NA. */
  readonly announcer: Announcer;
  /** Tickles after a take; tickles and resets for killtcp. */
  readonly tickler: Pick<Tickler, 'tickle' | 'sendReset'>;
  /** TCP connections on an address: listed and destroyed (sock_diag). */
  readonly connections: ConnectionPort;
  /** Captures clients' answers for killtcp (openReplyCapture of src/adapters/packet/reply-capture.ts). */
  readonly openReplyCapture: OpenReplyCapture;
  /** Read to time the steps; its next turn spreads a batch's starts over turns. */
  readonly clock: Pick<Clock, 'now' | 'nextTurn'>;
}

const NO_SOCKETS: SocketKillReport = { method: 'none', destroyed: 0, alreadyGone: 0, killed: 0, failed: 0 };

/** Milliseconds with three decimals: sub-ms precision without float noise in reports. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

interface Stopwatch {
  /** Milliseconds since the previous lap (or the start). */
  lap(): number;
  /** Milliseconds since the start. */
  total(): number;
}

/** Measures consecutive steps: each lap() is the time since the previous one. */
function stopwatch(clock: Pick<Clock, 'now'>): Stopwatch {
  const start = clock.now();
  let last = start;
  return {
    lap() {
      const now = clock.now();
      const ms = roundMs(now - last);
      last = now;
      return ms;
    },
    total: () => roundMs(clock.now() - start),
  };
}

function sameAddress(a: IpAddress, b: IpAddress): boolean {
  return compareIp(a, b) === 0;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function addFailed(address: TakeoverAddress, iface: string, error: unknown): TakeoverError {
  return new TakeoverError('E_TAKEOVER_ADD', `taking ${address.address.text}/${address.bits} on ${iface} failed: ${message(error)}`, error);
}

function deleteFailed(entry: InterfaceAddress, error: unknown): TakeoverError {
  return new TakeoverError('E_TAKEOVER_DELETE',
    `deleting ${entry.address.text}/${entry.bits} from ${entry.interface} failed: ${message(error)}; the address is still on this node, ` +
    'so it must not be taken elsewhere: fix the cause and release it again', error);
}

function lookupFailed(error: unknown): TakeoverError {
  return new TakeoverError('E_TAKEOVER_LOOKUP', `reading this node's addresses failed: ${message(error)}`, error);
}

function announceProblem(address: IpAddress, iface: string, error: unknown): TakeoverProblem {
  return {
    code: 'E_TAKEOVER_ANNOUNCE',
    message: `announcing ${address.text} on ${iface} failed: ${message(error)}; neighbours keep the old MAC until their entries expire`,
  };
}

function tickleProblem(count: number, error: unknown): TakeoverProblem {
  return {
    code: 'E_TAKEOVER_TICKLE',
    message: `tickling ${count} TCP clients failed: ${message(error)}; they will reconnect only after their own timeout`,
  };
}

/** The recorded connections of `address` that are really on it: a wrong list must not tickle strangers. */
function ticklesFor(address: IpAddress, tickles: readonly TcpConnection[] | undefined): TcpConnection[] {
  return (tickles ?? []).filter((conn) => sameAddress(conn.server.address, address));
}

export function createTakeover(init: TakeoverInit, components: TakeoverComponents): Takeover {
  const options = takeoverOptions(init);
  const { addresses, announcer, tickler, connections, clock } = components;
  const nextTurn = (callback: () => void): void => clock.nextTurn(callback);

  /** Runs `body` with captures opened on demand, one per interface, closed afterwards. */
  async function withCaptures<T>(body: (captureFor: (iface: string) => ReplyCapture) => Promise<T>): Promise<T> {
    const open = new Map<string, ClosableReplyCapture>();
    try {
      return await body((iface) => {
        let capture = open.get(iface);
        if (!capture) {
          capture = components.openReplyCapture(iface);
          open.set(iface, capture);
        }
        return capture;
      });
    } finally {
      for (const capture of open.values()) capture.close();
    }
  }

  /** Floatip's copies of each address in the kernel, keyed by address text. */
  async function ownedCopies(wanted: readonly TakeoverAddress[], iface?: string): Promise<Map<string, InterfaceAddress[]>> {
    let all: InterfaceAddress[];
    try {
      all = await addresses.listAddresses(iface);
    } catch (error) {
      throw lookupFailed(error);
    }
    const byText = new Map<string, InterfaceAddress[]>(wanted.map((a) => [a.address.text, []]));
    for (const entry of all) {
      if (entry.owned) byText.get(entry.address.text)?.push(entry);
    }
    return byText;
  }

  /** Tickles everything in one call; returns problems for the caller to attach. */
  async function tickleAll(conns: readonly TcpConnection[]): Promise<TakeoverProblem | undefined> {
    try {
      await tickler.tickle(conns);
      return undefined;
    } catch (error) {
      return tickleProblem(conns.length, error);
    }
  }

  /**
   * The addresses of a batch that have ESTABLISHED connections, from one sock_diag dump
   * instead of two per address: a thousand per-address dumps cost half a second, and most
   * addresses have nothing to kill. Sockets already closing (FIN_WAIT, CLOSE_WAIT ...) on
   * an address without an established one are left to time out. If the listing fails,
   * every address is treated as busy.
   */
  async function addressesWithConnections(batch: readonly TakeoverAddress[]): Promise<Set<string>> {
    if (batch.length <= 1) return new Set(batch.map((a) => a.address.text));
    try {
      return new Set((await connections.listEstablished(batch.map((a) => a.address))).map((c) => c.server.address.text));
    } catch {
      return new Set(batch.map((a) => a.address.text));
    }
  }

  async function deleteCopies(copies: readonly InterfaceAddress[]): Promise<void> {
    const results = await Promise.allSettled(copies.map((entry) => addresses.deleteAddress(entry)));
    results.forEach((result, i) => {
      if (result.status === 'rejected') throw deleteFailed(copies[i], result.reason);
    });
  }

  /**
   * The add-then-announce part of take and move: a failed add throws (nothing was changed), a
   * failed announcement is only a problem (the address is up; neighbours catch up on expiry).
   */
  async function addAndAnnounce(address: TakeoverAddress, iface: string, watch: Stopwatch):
    Promise<{ outcome: AddOutcome; problems: TakeoverProblem[]; add: number; announce: number }> {
    let outcome: AddOutcome;
    try {
      outcome = await addresses.addAddress({ interface: iface, address: address.address, bits: address.bits });
    } catch (error) {
      throw addFailed(address, iface, error);
    }
    const add = watch.lap();
    const problems: TakeoverProblem[] = [];
    try {
      await announcer.announce(address.address, iface);
    } catch (error) {
      problems.push(announceProblem(address.address, iface, error));
    }
    return { outcome, problems, add, announce: watch.lap() };
  }

  return {
    async take(address: TakeoverAddress, iface: string, takeOptions: TakeOptions = {}): Promise<TakeReport> {
      const watch = stopwatch(clock);
      const { outcome, problems, add, announce } = await addAndAnnounce(address, iface, watch);
      // An address we held already has no clients elsewhere: they are ours, and alive.
      const conns = outcome === 'added' ? ticklesFor(address.address, takeOptions.tickles) : [];
      let tickle: number | undefined;
      let tickled = 0;
      if (conns.length > 0) {
        const failure = await tickleAll(conns);
        if (failure) problems.push(failure);
        else tickled = conns.length;
        tickle = watch.lap();
      }
      return {
        op: 'take', address: address.address, bits: address.bits, iface, outcome, tickled, problems,
        ms: { add, announce, ...(tickle === undefined ? {} : { tickle }), total: watch.total() },
      };
    },

    async release(address: TakeoverAddress): Promise<ReleaseReport> {
      const watch = stopwatch(clock);
      const copies = (await ownedCopies([address])).get(address.address.text) ?? [];
      const lookup = watch.lap();
      // Later GARP rounds for an address we are giving up would pull traffic back here.
      announcer.withdraw(address.address);
      if (copies.length === 0) {
        return { op: 'release', address: address.address, outcome: 'absent', interfaces: [], sockets: NO_SOCKETS, problems: [], ms: { lookup, total: watch.total() } };
      }
      const killed = await withCaptures((captureFor) =>
        killConnections(address.address, copies[0].interface, options, { connections, sender: tickler, captureFor }));
      const destroy = watch.lap();
      await deleteCopies(copies);
      const del = watch.lap();
      return {
        op: 'release', address: address.address, outcome: 'deleted', interfaces: copies.map((c) => c.interface),
        sockets: killed.report, problems: killed.problems, ms: { lookup, destroy, delete: del, total: watch.total() },
      };
    },

    async move(address: TakeoverAddress, fromIface: string, toIface: string): Promise<MoveReport> {
      const watch = stopwatch(clock);
      const onFrom = fromIface === toIface ? [] : (await ownedCopies([address], fromIface)).get(address.address.text) ?? [];
      const lookup = watch.lap();
      // Announce before the old copy goes, so neighbours switch MAC without a gap.
      const { outcome: added, problems, add, announce } = await addAndAnnounce(address, toIface, watch);
      await deleteCopies(onFrom);
      const del = watch.lap();
      return {
        op: 'move', address: address.address, bits: address.bits, fromIface, toIface, added,
        deleted: onFrom.length > 0 ? 'deleted' : 'absent', problems, ms: { lookup, add, announce, delete: del, total: watch.total() },
      };
    },

    async takeMany(requests: readonly TakeRequest[]): Promise<BatchReport<TakeReport>> {
      const watch = stopwatch(clock);
      const adds = await settleInChunks(requests, TAKEOVER_CHUNK, nextTurn,
        (r) => addresses.addAddress({ interface: r.iface, address: r.address.address, bits: r.address.bits }));
      const add = watch.lap();
      const failures: BatchFailure[] = [];
      const taken: { request: TakeRequest; outcome: AddOutcome; problems: TakeoverProblem[] }[] = [];
      adds.forEach((result, i) => {
        const request = requests[i];
        if (result.status === 'fulfilled') taken.push({ request, outcome: result.value, problems: [] });
        else failures.push({ address: request.address.address, error: addFailed(request.address, request.iface, result.reason) });
      });

      // A chunk's announce() calls in one synchronous loop: the announcer sends their first rounds in one batch.
      const announced = await settleInChunks(taken, TAKEOVER_CHUNK, nextTurn, (t) => announcer.announce(t.request.address.address, t.request.iface));
      announced.forEach((result, i) => {
        if (result.status === 'rejected') taken[i].problems.push(announceProblem(taken[i].request.address.address, taken[i].request.iface, result.reason));
      });
      const announce = watch.lap();

      const conns = taken.map((t) => (t.outcome === 'added' ? ticklesFor(t.request.address.address, t.request.tickles) : []));
      const allConns = conns.flat();
      let tickle: number | undefined;
      let tickleFailure: TakeoverProblem | undefined;
      if (allConns.length > 0) {
        tickleFailure = await tickleAll(allConns);
        tickle = watch.lap();
      }
      const ms: StepTimes = { add, announce, ...(tickle === undefined ? {} : { tickle }), total: watch.total() };
      const reports = taken.map((t, i): TakeReport => ({
        op: 'take', address: t.request.address.address, bits: t.request.address.bits, iface: t.request.iface, outcome: t.outcome,
        tickled: tickleFailure ? 0 : conns[i].length,
        problems: tickleFailure && conns[i].length > 0 ? [...t.problems, tickleFailure] : t.problems,
        ms,
      }));
      return { reports, failures, ms };
    },

    async releaseMany(wanted: readonly TakeoverAddress[]): Promise<BatchReport<ReleaseReport>> {
      const watch = stopwatch(clock);
      const copies = await ownedCopies(wanted);
      const lookup = watch.lap();
      for (const address of wanted) announcer.withdraw(address.address);
      // Secondaries first (delete-order.ts): an address counts as one when every copy of it is.
      const present = secondariesFirst(wanted
        .filter((a) => (copies.get(a.address.text) ?? []).length > 0)
        .map((a) => ({ ...a, secondary: (copies.get(a.address.text) as InterfaceAddress[]).every((c) => c.secondary) })));

      const busy = await addressesWithConnections(present);
      const idle: SocketKillResult = { report: { ...NO_SOCKETS, method: options.socketKill === 'killtcp' ? 'killtcp' : 'destroy' }, problems: [] };
      const killed = await withCaptures((captureFor) => Promise.all(present.map((a) => {
        if (!busy.has(a.address.text)) return idle;
        const iface = (copies.get(a.address.text) as InterfaceAddress[])[0].interface;
        return killConnections(a.address, iface, options, { connections, sender: tickler, captureFor });
      })));
      const destroy = watch.lap();

      const deletes = await settleInChunks(present, TAKEOVER_CHUNK, nextTurn, (a) => deleteCopies(copies.get(a.address.text) as InterfaceAddress[]));
      const del = watch.lap();
      const ms: StepTimes = { lookup, destroy, delete: del, total: watch.total() };

      const failures: BatchFailure[] = [];
      const reportOf = new Map<string, ReleaseReport>();
      present.forEach((a, i) => {
        const result = deletes[i];
        if (result.status === 'rejected') {
          failures.push({ address: a.address, error: result.reason as TakeoverError });
          return;
        }
        reportOf.set(a.address.text, {
          op: 'release', address: a.address, outcome: 'deleted', interfaces: (copies.get(a.address.text) as InterfaceAddress[]).map((c) => c.interface),
          sockets: killed[i].report, problems: killed[i].problems, ms,
        });
      });
      const reports = wanted
        .filter((a) => !failures.some((f) => sameAddress(f.address, a.address)))
        .map((a) => reportOf.get(a.address.text) ?? {
          op: 'release' as const, address: a.address, outcome: 'absent' as const, interfaces: [], sockets: NO_SOCKETS, problems: [], ms,
        });
      return { reports, failures, ms };
    },
  };
}
