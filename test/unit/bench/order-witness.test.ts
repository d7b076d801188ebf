// The order witness reads `ip -o monitor address all-nsid` and judges overlaps by the order of its lines, not by stamps.

import { OrderedHoldings, parseMonitorLine } from '../../../bench/order-witness';

const NODES = new Map([[0, 0], [1, 1], [4, 2]]);

describe('parseMonitorLine', () => {
  it('reads adds and deletes of IPv4 and IPv6 addresses with the node of their nsid', () => {
    expect(parseMonitorLine('[nsid 0]2: if2    inet 198.51.100.3/24 scope global fxo0\\       valid_lft forever preferred_lft forever', NODES))
      .toEqual({ node: 0, e: 'add', address: '198.51.100.3' });
    expect(parseMonitorLine('[nsid 4]Deleted 2: if2    inet 198.51.100.3/24 scope global fxo0\\       valid_lft forever', NODES))
      .toEqual({ node: 2, e: 'del', address: '198.51.100.3' });
    expect(parseMonitorLine('[nsid 1]2: if2    inet6 2001:db8::5/64 scope global nodad \\       valid_lft forever', NODES))
      .toEqual({ node: 1, e: 'add', address: '2001:db8::5' });
  });

  it('ignores other namespaces and lines that are no address change', () => {
    expect(parseMonitorLine('[nsid 7]2: if2    inet 198.51.100.3/24 scope global x', NODES)).toBeUndefined();
    expect(parseMonitorLine('2: lo    inet 127.0.0.1/8 scope host lo', NODES)).toBeUndefined();
    expect(parseMonitorLine('netlink receive error No buffer space available (105)', NODES)).toBeUndefined();
  });
});

describe('OrderedHoldings', () => {
  const isPublic = (a: string): boolean => a.startsWith('198.51.100.');

  it('a delete read before the add on another node is no overlap, whatever the stamps say', () => {
    const h = new OrderedHoldings(isPublic);
    h.seed(2, ['198.51.100.3'], 0);
    // Stamps out of order (the reader lagged), order right: no overlap.
    h.apply({ node: 2, e: 'del', address: '198.51.100.3' }, 30);
    h.apply({ node: 0, e: 'add', address: '198.51.100.3' }, 10);
    expect(h.overlaps(0, 100)).toEqual([]);
  });

  it('an add read while another node still holds the address is an overlap until one of them deletes it', () => {
    const h = new OrderedHoldings(isPublic);
    h.apply({ node: 2, e: 'add', address: '198.51.100.3' }, 0);
    h.apply({ node: 0, e: 'add', address: '198.51.100.3' }, 10);
    expect(h.overlaps(0, 100)).toEqual([{ address: '198.51.100.3', nodes: [2, 0], from: 10, to: Infinity }]);
    h.apply({ node: 2, e: 'del', address: '198.51.100.3' }, 15);
    expect(h.overlaps(0, 100)).toEqual([{ address: '198.51.100.3', nodes: [2, 0], from: 10, to: 15 }]);
    expect(h.overlaps(16, 100)).toEqual([]);
  });

  it('a promotion (RTM_NEWADDR again for an address the node holds) and private addresses change nothing', () => {
    const h = new OrderedHoldings(isPublic);
    h.apply({ node: 1, e: 'add', address: '198.51.100.9' }, 0);
    h.apply({ node: 1, e: 'add', address: '198.51.100.9' }, 5);
    h.apply({ node: 0, e: 'add', address: '192.0.2.1' }, 5);
    h.apply({ node: 2, e: 'add', address: '192.0.2.1' }, 6);
    expect(h.overlaps(0, 100)).toEqual([]);
  });

  it('a seed does not undo a change already seen for that address', () => {
    const h = new OrderedHoldings(isPublic);
    h.apply({ node: 2, e: 'del', address: '198.51.100.3' }, 5);
    // The probe listed it before the delete; its list arrives after.
    h.seed(2, ['198.51.100.3'], 6);
    h.apply({ node: 0, e: 'add', address: '198.51.100.3' }, 10);
    expect(h.overlaps(0, 100)).toEqual([]);
  });
});
