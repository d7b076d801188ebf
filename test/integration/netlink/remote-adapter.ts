// A NetlinkPort that forwards every call to the real adapter running in a namespace (adapter-host.ts).

import { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { NetlinkListener, NetlinkPort } from '../../../src/adapters/netlink/port';
import { RtnetlinkInit } from '../../../src/adapters/netlink/rtnetlink';
import { runTsInNamespace } from '../helpers/netns-netlink';

type Reply = { id: number; result?: unknown; error?: { code?: string; message?: string; errno?: string } };
type Pushed = { event: Parameters<NetlinkListener>[0]; at: number };
type ListenerFailure = { code: string; message: string };

export interface RemoteNetlink extends NetlinkPort {
  stats(): Promise<{ watcherPid?: number; watcherRestarts: number; resyncs: number }>;
  /** Puts one of our addresses into the adapter's view that the kernel does not have (what a lost race leaves). */
  staleEntry(iface: string, address: string, bits: number): Promise<void>;
  /** Blocks the adapter's event loop from writing `file` until the file is gone (at most 30 s); resolves after. */
  stallUntilGone(file: string): Promise<void>;
  /** Wall-clock time (ms, same clock as `performance.timeOrigin + performance.now()`) each event was emitted. */
  readonly eventTimes: WeakMap<object, number>;
  readonly child: ChildProcess;
  /** Subscribers in the adapter's process that threw, as the adapter reported them. */
  readonly listenerFailures: ListenerFailure[];
}

/** `throwingSubscriber`: the adapter's process subscribes one that throws on every event before the one that forwards them. */
export async function startRemoteNetlink(ns: string, init: RtnetlinkInit = {}, options: { throwingSubscriber?: boolean } = {}): Promise<RemoteNetlink> {
  const args = [JSON.stringify(init), ...(options.throwingSubscriber ? ['throwing-subscriber'] : [])];
  const child = runTsInNamespace(ns, path.join(__dirname, 'adapter-host.ts'), args, { ipc: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Set<NetlinkListener>();
  const eventTimes = new WeakMap<object, number>();
  const listenerFailures: ListenerFailure[] = [];
  let nextId = 1;
  child.on('message', (message: Reply | Pushed | { listenerFailure: ListenerFailure }) => {
    if ('listenerFailure' in message) {
      listenerFailures.push(message.listenerFailure);
      return;
    }
    if ('event' in message) {
      eventTimes.set(message.event, message.at);
      for (const listener of listeners) listener(message.event);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (message.error) call.reject(Object.assign(new Error(message.error.message), message.error));
    else call.resolve(message.result ?? undefined);
  });
  child.on('exit', (code, signal) => {
    for (const call of pending.values()) call.reject(new Error(`adapter host exited (${signal ?? code}): ${stderr}`));
    pending.clear();
  });
  const call = <T>(method: string, ...args: unknown[]): Promise<T> => new Promise<T>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    child.send({ id, method, args });
  });
  const port: RemoteNetlink = {
    child,
    eventTimes,
    listenerFailures,
    start: () => call('start'),
    stop: async () => {
      await call('stop').catch(() => undefined);
      child.disconnect();
      await new Promise((resolve) => child.once('exit', resolve));
    },
    stats: () => call('stats'),
    staleEntry: (iface, address, bits) => call('staleEntry', iface, address, bits),
    stallUntilGone: (file) => call('stallUntilGone', file),
    subscribe: (listener) => { listeners.add(listener); return () => listeners.delete(listener); },
    listLinks: () => call('listLinks'),
    lookupLink: (name) => call('lookupLink', name),
    listAddresses: (name) => call('listAddresses', name),
    addAddress: (request) => call('addAddress', request),
    deleteAddress: (request) => call('deleteAddress', request),
    removeOwnedAddresses: () => call('removeOwnedAddresses'),
  };
  await port.start();
  return port;
}
