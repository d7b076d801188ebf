// Runs the real netlink adapter inside a namespace and serves it to jest over the IPC channel.

import * as fs from 'node:fs';
import { RtnetlinkAdapter, RtnetlinkInit } from '../../../src/adapters/netlink/rtnetlink';
import { addressKey, InterfaceAddress } from '../../../src/adapters/netlink/port';
import { ip } from '../../../src/core/ip';

type Call = { id: number; method: string; args: unknown[] };

const init = JSON.parse(process.argv[2] ?? '{}') as RtnetlinkInit;
/** `throwing-subscriber`: a subscriber that throws on every event comes before the one that forwards them. */
const withThrowingSubscriber = process.argv[3] === 'throwing-subscriber';
const send = (message: unknown): void => { process.send?.(message); };
const adapter = new RtnetlinkAdapter({
  ...init,
  onListenerError: (failure) => send({ listenerFailure: { code: failure.code, message: failure.message } }),
});

if (withThrowingSubscriber) adapter.subscribe((event) => { throw new Error(`subscriber refuses ${event.kind}`); });
adapter.subscribe((event) => send({ event, at: performance.timeOrigin + performance.now() }));

/** Holds this event loop (as a long plan or GC pause would) from writing `file` until it is removed. */
function stallUntilGone(file: string): void {
  fs.writeFileSync(file, String(process.pid));
  const giveUp = Date.now() + 30000;
  while (fs.existsSync(file) && Date.now() < giveUp) { /* busy: the loop must not turn */ }
}

process.on('message', (message: Call) => {
  void (async () => {
    try {
      if (message.method === 'staleEntry') {
        // What a lost race leaves behind: the view lists one of our addresses that the kernel does not have.
        const [iface, text, bits] = message.args as [string, string, number];
        const link = await adapter.lookupLink(iface);
        if (!link) throw new Error(`no link ${iface}`);
        const address = ip(text);
        const view = (adapter as unknown as { view: { addresses: Map<string, InterfaceAddress> } }).view;
        view.addresses.set(addressKey(link.index, address, bits), {
          interface: iface, index: link.index, address, bits, owned: true, tentative: false, dadFailed: false, secondary: false,
        });
        send({ id: message.id, result: null });
        return;
      }
      if (message.method === 'stallUntilGone') {
        stallUntilGone(message.args[0] as string);
        send({ id: message.id, result: null });
        return;
      }
      const target = adapter as unknown as Record<string, (...args: unknown[]) => unknown>;
      if (typeof target[message.method] !== 'function') throw new Error(`no method ${message.method}`);
      const result = await target[message.method].apply(adapter, message.args);
      send({ id: message.id, result: result === undefined ? null : result });
    } catch (error) {
      const e = error as { code?: string; message?: string; errno?: string };
      send({ id: message.id, error: { code: e.code, message: e.message, errno: e.errno } });
    }
  })();
});
process.on('disconnect', () => { void adapter.stop().then(() => process.exit(0)); });
