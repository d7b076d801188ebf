// Who can host what: building the allocator's state from node flags, runstate and link state,
// and the allocator's refusal of inconsistent states.

import { ip } from '../../../../src/core/ip';
import { NodeFlag } from '../../../../src/core/flags';
import fc from 'fast-check';
import { ClusterAddress, ClusterNode, DEFAULT_TUNABLES, IpallocInputError, allocate, buildAllocState, nodeCanHost, sameAllocState } from '../../../../src/core/ipalloc';

const addr: ClusterAddress = {
  address: { address: ip('192.0.2.1'), bits: 24, interfaces: ['eth0', 'eth1'] },
  known: [0, 1, 2, 3, 4],
  holder: -1,
};
const up = new Map([['eth0', 'up' as const], ['eth1', 'up' as const]]);

describe('nodeCanHost', () => {
  it('needs the address listed, no flag, running, and link on one of its interfaces', () => {
    expect(nodeCanHost(addr, 0, { flags: 0, running: true, links: up })).toBe(true);
    expect(nodeCanHost(addr, 0, { flags: 0, running: true })).toBe(true);
    expect(nodeCanHost(addr, 0, { flags: 0, running: true, links: new Map([['eth0', 'down'], ['eth1', 'up']]) })).toBe(true);
    expect(nodeCanHost(addr, 0, { flags: 0, running: true, links: new Map([['eth0', 'down'], ['eth1', 'down']]) })).toBe(false);
    expect(nodeCanHost(addr, 0, { flags: 0, running: true, links: new Map() })).toBe(false);
    expect(nodeCanHost(addr, 0, { flags: NodeFlag.DISABLED, running: true })).toBe(false);
    expect(nodeCanHost(addr, 0, { flags: 0, running: false })).toBe(false);
    expect(nodeCanHost({ ...addr, known: [1] }, 0, { flags: 0, running: true })).toBe(false);
  });

  it('uses a node\'s own interface list when its public_addresses line differs', () => {
    const own = { ...addr, interfacesOn: new Map([[1, ['bond0']]]) };
    expect(nodeCanHost(own, 1, { flags: 0, running: true, links: up })).toBe(false);
    expect(nodeCanHost(own, 1, { flags: 0, running: true, links: new Map([['bond0', 'up']]) })).toBe(true);
  });
});

describe('buildAllocState', () => {
  it('lists as available exactly the nodes that can host now', () => {
    const state = buildAllocState('lcp2', DEFAULT_TUNABLES, [
      { flags: 0, running: true, links: up },
      { flags: NodeFlag.UNHEALTHY, running: true },
      { flags: 0, running: false },
      { flags: 0, running: true, links: new Map([['eth0', 'down'], ['eth1', 'down']]) },
      { flags: 0, running: true },
    ], [addr]);
    expect(state.addresses[0].available).toEqual([0, 4]);
    expect(state.nodes[1]).toEqual({ flags: NodeFlag.UNHEALTHY, running: true });
  });
});

describe('buildAllocState over many nodes and addresses', () => {
  // It works out per node what nodeCanHost checks per address; the lists must come out the same.
  const nodeArb = fc.record({
    flags: fc.constantFrom(0, NodeFlag.UNHEALTHY, NodeFlag.DISABLED),
    running: fc.boolean(),
    links: fc.option(fc.constantFrom('up-up', 'down-up', 'down-down', 'bond-up'), { nil: undefined }),
  });
  const linksOf = (text: string | undefined): ClusterNode['links'] => {
    if (text === undefined) return undefined;
    const [first, second] = text.split('-');
    return first === 'bond' ? new Map([['bond0', 'up' as const]]) : new Map([['eth0', first as 'up' | 'down'], ['eth1', second as 'up' | 'down']]);
  };
  const addressArb = fc.record({
    known: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 5 }),
    ownOn: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  });

  it('lists as available exactly the known nodes nodeCanHost accepts', () => {
    fc.assert(fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 5 }), fc.array(addressArb, { maxLength: 6 }), (nodeSpecs, specs) => {
      const nodes: ClusterNode[] = nodeSpecs.map((n) => ({ flags: n.flags, running: n.running, links: linksOf(n.links) }));
      const addresses = specs.map((spec, i): ClusterAddress => ({
        ...addr,
        address: { ...addr.address, address: ip(`192.0.2.${i + 1}`) },
        known: spec.known,
        interfacesOn: spec.ownOn === undefined ? undefined : new Map([[spec.ownOn, ['bond0']]]),
      }));
      const state = buildAllocState('lcp2', DEFAULT_TUNABLES, nodes, addresses);
      state.addresses.forEach((built, i) => {
        expect(built.available).toEqual(addresses[i].known.filter((pnn) => pnn < nodes.length && nodeCanHost(addresses[i], pnn, nodes[pnn])));
      });
    }));
  });
});

describe('allocate refuses inconsistent states with IpallocInputError', () => {
  const base = buildAllocState('lcp2', DEFAULT_TUNABLES, [{ flags: 0, running: true }], [{ ...addr, known: [0] }]);
  it.each([
    ['no nodes', { ...base, nodes: [] }, 'the cluster has no nodes'],
    ['a holder outside the cluster', { ...base, addresses: [{ ...base.addresses[0], holder: 3 }] }, 'holder: node 3 does not exist'],
    ['an unknown node in known', { ...base, addresses: [{ ...base.addresses[0], known: [0, 9] }] }, 'known list: node 9 does not exist'],
    ['a duplicate address', { ...base, addresses: [base.addresses[0], base.addresses[0]] }, 'address 192.0.2.1 is given twice'],
  ])('%s', (_what, state, message) => {
    expect(() => allocate(state)).toThrow(IpallocInputError);
    expect(() => allocate(state)).toThrow(message);
    try { allocate(state); } catch (err) { expect((err as IpallocInputError).code).toBe('E_IPALLOC_INPUT'); }
  });
});

describe('sameAllocState', () => {
  const nodes = [{ flags: 0, running: true }, { flags: 0, running: true }, { flags: 0, running: true }];
  const addresses = ['192.0.2.1', '192.0.2.2', '2001:db8::1'].map((text, i): ClusterAddress => ({
    address: { address: ip(text), bits: text.includes(':') ? 64 : 24, interfaces: ['eth0'] },
    known: [0, 1, 2],
    holder: i % 3,
  }));
  const base = buildAllocState('lcp2', DEFAULT_TUNABLES, nodes, addresses);

  it('is the same for states built alike, and the answers agree', () => {
    const again = buildAllocState('lcp2', DEFAULT_TUNABLES, nodes.map((n) => ({ ...n })), addresses.map((a) => ({ ...a })));
    expect(sameAllocState(again, base)).toBe(true);
    expect(allocate(again)).toEqual(allocate(base));
  });

  it('changes with every input the allocator reads', () => {
    const variants = [
      { ...base, algorithm: 'deterministic' as const },
      { ...base, tunables: { ...DEFAULT_TUNABLES, noIpFailback: true } },
      { ...base, tunables: { ...DEFAULT_TUNABLES, noIpTakeover: true } },
      { ...base, nodes: [{ flags: NodeFlag.DISCONNECTED, running: true }, ...base.nodes.slice(1)] },
      { ...base, nodes: [{ flags: 0, running: false }, ...base.nodes.slice(1)] },
      { ...base, addresses: [{ ...base.addresses[0], holder: 2 }, ...base.addresses.slice(1)] },
      { ...base, addresses: [{ ...base.addresses[0], available: [0, 1] }, ...base.addresses.slice(1)] },
      { ...base, addresses: [{ ...base.addresses[0], known: [0, 1] }, ...base.addresses.slice(1)] },
      { ...base, addresses: [{ ...base.addresses[0], address: { ...base.addresses[0].address, bits: 25 } }, ...base.addresses.slice(1)] },
      { ...base, addresses: base.addresses.slice(1) },
      { ...base, homeNodes: new Map([['192.0.2.1', 2]]) },
      { ...base, forceRebalance: [1] },
    ];
    for (const variant of variants) {
      expect(sameAllocState(variant, base)).toBe(false);
      expect(sameAllocState(base, variant)).toBe(false);
    }
    // Interfaces count only through `available`; no home nodes is an empty map.
    const relisted = { ...base, addresses: [{ ...base.addresses[0], address: { ...base.addresses[0].address, interfaces: ['bond0'] } }, ...base.addresses.slice(1)] };
    expect(sameAllocState(relisted, base)).toBe(true);
    expect(sameAllocState({ ...base, homeNodes: new Map(), forceRebalance: [] }, base)).toBe(true);
  });
});
