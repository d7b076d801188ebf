// The TCP mesh's options: defaults, the node table, and refusals that say what to fix.

import { ip } from '../../../../src/core/ip';
import { nodeOfRemote, resolveMeshOptions } from '../../../../src/adapters/peer/options';

const key = new Uint8Array(32).fill(1);
const nodes = [
  { pnn: 0, address: ip('192.0.2.1') },
  { pnn: 1, address: null },
  { pnn: 2, address: ip('2001:db8::3') },
];

describe('resolveMeshOptions', () => {
  it('fills the defaults and lists live peers and every live node by address', () => {
    const options = resolveMeshOptions({ localPnn: 0, nodes, clusterKey: key });
    expect(options).toMatchObject({
      port: 4390, handshakeTimeoutMs: 2000, maxPendingHandshakes: 64, maxQueuedBytes: 8 << 20, writeStallMs: 2000,
      backoff: { initialMs: 50, maxMs: 2000 },
    });
    expect(options.bindAddress.text).toBe('192.0.2.1');
    expect([...options.peerAddress].map(([pnn, a]) => [pnn, a.text])).toEqual([[2, '2001:db8::3']]);
    expect([...options.pnnByAddress]).toEqual([['192.0.2.1', 0], ['2001:db8::3', 2]]);
  });

  it('refuses a node that is not in nodes or is deleted, a bad port and a short key', () => {
    expect(() => resolveMeshOptions({ localPnn: 5, nodes, clusterKey: key })).toThrow(/node 5 is not a line of nodes/);
    expect(() => resolveMeshOptions({ localPnn: 1, nodes, clusterKey: key })).toThrow(/deleted/);
    expect(() => resolveMeshOptions({ localPnn: 0, nodes, clusterKey: key, port: 70000 })).toThrow(/port must be 1..65535/);
    expect(() => resolveMeshOptions({ localPnn: 0, nodes, clusterKey: key.slice(0, 8) })).toThrow(/8 bytes, fewer than 16/);
    expect(() => resolveMeshOptions({ localPnn: 0, nodes, clusterKey: key, handshakeTimeoutMs: 0 })).toThrow(/positive/);
  });
});

describe('nodeOfRemote', () => {
  const table = resolveMeshOptions({ localPnn: 0, nodes, clusterKey: key }).pnnByAddress;
  it('finds nodes by canonical address, IPv4-mapped forms included', () => {
    expect(nodeOfRemote(table, '192.0.2.1')).toBe(0);
    expect(nodeOfRemote(table, '::ffff:192.0.2.1')).toBe(0);
    expect(nodeOfRemote(table, '2001:DB8:0:0::3')).toBe(2);
    expect(nodeOfRemote(table, '192.0.2.2')).toBeUndefined();
    expect(nodeOfRemote(table, undefined)).toBeUndefined();
    expect(nodeOfRemote(table, 'garbage')).toBeUndefined();
  });
});
