// Test doubles for the Takeover component: a stepping clock, a scripted reply capture, and the memory world.

import { MemoryNetlink } from '../../../../src/adapters/memory/netlink';
import { MemoryAnnouncer } from '../../../../src/adapters/memory/packet';
import { MemorySockDiag } from '../../../../src/adapters/memory/sockdiag';
import { MemoryTickler } from '../../../../src/adapters/memory/tickle';
import { ClientReply } from '../../../../src/adapters/sockdiag/port';
import { ClosableReplyCapture } from '../../../../src/adapters/takeover/socket-kill';
import { createTakeover, TakeoverComponents } from '../../../../src/adapters/takeover/takeover';
import { TakeoverInit } from '../../../../src/adapters/takeover/options';
import { TcpConnection } from '../../../../src/protocol/packets';

/** A clock that moves `stepMs` every time it is read: step times become counts of reads. */
export class SteppingClock {
  private time = 1000;
  constructor(private readonly stepMs = 0.25) {}
  now(): number {
    const now = this.time;
    this.time += this.stepMs;
    return now;
  }

  /** A real next turn: a batch's chunks then wait for each other as in the daemon. */
  nextTurn(callback: () => void): void {
    setImmediate(callback);
  }
}

/** Captures that answer from a table: client port -> the client's numbers (missing = never answers). */
export class ScriptedCaptures {
  readonly opened: string[] = [];
  readonly closed: string[] = [];
  readonly waits: string[] = [];
  failOpen: Error | undefined;
  constructor(readonly answers = new Map<number, ClientReply>()) {}

  readonly open = (iface: string): ClosableReplyCapture => {
    if (this.failOpen) throw this.failOpen;
    this.opened.push(iface);
    return {
      awaitReply: async (conn: TcpConnection) => {
        this.waits.push(`${iface} ${conn.client.port}`);
        return this.answers.get(conn.client.port);
      },
      close: () => { this.closed.push(iface); },
    };
  };
}

export interface MemoryWorld {
  readonly netlink: MemoryNetlink;
  readonly announcer: MemoryAnnouncer;
  readonly tickler: MemoryTickler;
  readonly sockets: MemorySockDiag;
  readonly captures: ScriptedCaptures;
  readonly clock: SteppingClock;
  readonly components: TakeoverComponents;
}

/** Memory ports with interfaces eth0 and eth1, started. */
export async function memoryWorld(overrides: Partial<TakeoverComponents> = {}): Promise<MemoryWorld> {
  const netlink = new MemoryNetlink({ eth0: { mac: '02:00:00:00:00:a0' }, eth1: { mac: '02:00:00:00:00:a1' } });
  await netlink.start();
  const announcer = new MemoryAnnouncer();
  const tickler = new MemoryTickler();
  const sockets = new MemorySockDiag();
  const captures = new ScriptedCaptures();
  const clock = new SteppingClock();
  const components: TakeoverComponents = {
    addresses: netlink, announcer, tickler, connections: sockets, openReplyCapture: captures.open, clock, ...overrides,
  };
  return { netlink, announcer, tickler, sockets, captures, clock, components };
}

export function takeoverOver(world: MemoryWorld, init: TakeoverInit = {}) {
  return createTakeover(init, world.components);
}
