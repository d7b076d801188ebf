// Netlink subscribers: one that throws is reported with the event it failed on, and the others still hear every event.

import { NetlinkError } from '../../../../src/adapters/netlink/errors';
import { NetlinkListeners } from '../../../../src/adapters/netlink/listeners';
import { NetlinkEvent } from '../../../../src/adapters/netlink/port';
import { MemoryNetlink } from '../../../../src/adapters/memory/netlink';
import { ip } from '../../../../src/core/ip';

const linkDown: NetlinkEvent = {
  kind: 'link-changed', previous: 'up', link: { name: 'eth0', index: 2, mac: '02:00:00:00:00:01', operState: 'down', state: 'down' },
};

describe('NetlinkListeners', () => {
  it('reports a subscriber that throws, naming the event, and the subscribers after it still hear the event', () => {
    const failures: NetlinkError[] = [];
    const listeners = new NetlinkListeners((failure) => failures.push(failure));
    const heard: string[] = [];
    listeners.subscribe(() => heard.push('first'));
    listeners.subscribe(() => { throw new Error('boom'); });
    listeners.subscribe(() => heard.push('last'));
    listeners.emit(linkDown);
    expect(heard).toEqual(['first', 'last']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'E_NETLINK_LISTENER' });
    expect(failures[0].message).toContain('link-changed eth0: boom');
  });

  it('keeps going when the report itself throws: emit runs inside native callbacks', () => {
    const listeners = new NetlinkListeners(() => { throw new Error('broken logger'); });
    const heard: string[] = [];
    listeners.subscribe(() => { throw new Error('boom'); });
    listeners.subscribe(() => heard.push('after'));
    expect(() => listeners.emit(linkDown)).not.toThrow();
    expect(heard).toEqual(['after']);
  });

  it('stops delivering to a subscriber once it unsubscribed', () => {
    const listeners = new NetlinkListeners(() => undefined);
    const heard: NetlinkEvent[] = [];
    const unsubscribe = listeners.subscribe((event) => heard.push(event));
    listeners.emit(linkDown);
    unsubscribe();
    listeners.emit(linkDown);
    expect(heard).toHaveLength(1);
  });
});

describe('MemoryNetlink, as the real adapter', () => {
  it('records a throwing subscriber with the address event it failed on, and the others hear the event', async () => {
    const port = new MemoryNetlink({ eth0: {} });
    await port.start();
    const heard: string[] = [];
    port.subscribe(() => { throw new Error('boom'); });
    port.subscribe((event) => heard.push(event.kind));
    await port.addAddress({ interface: 'eth0', address: ip('192.0.2.1'), bits: 24 });
    expect(heard).toEqual(['address-added']);
    expect(port.listenerFailures.map((f) => f.message)).toEqual([expect.stringContaining('address-added 192.0.2.1/24 on eth0: boom')]);
  });
});
