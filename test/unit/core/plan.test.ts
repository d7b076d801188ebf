// Takeover plan tables: current + target + links -> ordered actions, and properties of plan application.

import fc from 'fast-check';
import { Assignment, LinkState, PublicAddress } from '../../../src/core/address';
import { NO_NODE, Pnn } from '../../../src/core/flags';
import { ip, parsePrefix } from '../../../src/core/ip';
import {
  actionsFor, applyPlan, hostedOnly, PlanInputError, PlanNode, planSteps, planTakeover, TakeoverAction, TakeoverPlan,
} from '../../../src/core/plan';

/** A node from short text: lines `ADDR/BITS IF,IF`, links `IF:up IF:down`, and `ADDR@IF` for where its addresses sit. */
function node(pnn: Pnn, lines: string[], links = 'eth0:up eth1:up', on: string[] = []): PlanNode {
  const addresses = new Map<string, PublicAddress>();
  for (const line of lines) {
    const [prefixText, ifaces] = line.split(' ');
    const prefix = parsePrefix(prefixText);
    if (!prefix.ok) throw new Error(prefix.error);
    addresses.set(prefix.value.address.text, { address: prefix.value.address, bits: prefix.value.bits, interfaces: ifaces.split(',') });
  }
  const linkMap = new Map(links.split(' ').filter(Boolean).map((t) => t.split(':') as [string, LinkState]));
  const interfaceOf = new Map(on.map((t) => t.split('@') as [string, string]));
  return { pnn, addresses, links: linkMap, interfaceOf };
}

/** `ADDR=PNN ...` -> Assignment. */
function assignment(text: string): Assignment {
  return new Map(text.split(' ').filter(Boolean).map((t) => {
    const [addr, pnn] = t.split('=');
    return [addr, Number(pnn)] as [string, Pnn];
  }));
}

/** One action per line, CTDB event style, for tables that read like the run. */
function show(action: TakeoverAction): string {
  switch (action.kind) {
    case 'release': return `${action.pnn} releaseip ${action.iface ?? '-'} ${action.address} ${action.bits}`;
    case 'take': return `${action.pnn} takeip ${action.iface} ${action.address} ${action.bits}`;
    case 'updateip': return `${action.pnn} updateip ${action.fromIface} ${action.toIface} ${action.address} ${action.bits}`;
    case 'ipreallocated': return `${action.pnn} ipreallocated`;
  }
}

const V4 = '192.0.2.10/24 eth0,eth1';
const V4B = '192.0.2.11/24 eth0,eth1';
const V6 = '2001:db8::10/64 eth0,eth1';

describe('planTakeover', () => {
  it.each<[string, PlanNode[], string, string, string[]]>([
    ['no-op: every address stays where it is', [node(0, [V4], 'eth0:up', ['192.0.2.10@eth0']), node(1, [V4])],
      '192.0.2.10=0', '192.0.2.10=0',
      ['0 ipreallocated', '1 ipreallocated']],
    ['move: release on the old owner first, then take on the new one', [node(0, [V4], 'eth0:up', ['192.0.2.10@eth1']), node(1, [V4])],
      '192.0.2.10=0', '192.0.2.10=1',
      ['0 releaseip eth1 192.0.2.10 24', '1 takeip eth0 192.0.2.10 24', '0 ipreallocated', '1 ipreallocated']],
    ['new address: take only', [node(0, [V4]), node(1, [V4])],
      '', '192.0.2.10=1',
      ['1 takeip eth0 192.0.2.10 24', '0 ipreallocated', '1 ipreallocated']],
    ['unhosted target: release only', [node(0, [V4], 'eth0:up', ['192.0.2.10@eth0']), node(1, [V4])],
      '192.0.2.10=0', '192.0.2.10=-1',
      ['0 releaseip eth0 192.0.2.10 24', '0 ipreallocated', '1 ipreallocated']],
    ['address dropped from the target: release', [node(0, [V4], 'eth0:up', ['192.0.2.10@eth0'])],
      '192.0.2.10=0', '',
      ['0 releaseip eth0 192.0.2.10 24', '0 ipreallocated']],
    ['unhosted and staying unhosted: nothing', [node(0, [V4])],
      '192.0.2.10=-1', '192.0.2.10=-1',
      ['0 ipreallocated']],
    ['take uses the first configured interface with link', [node(0, [V4], 'eth0:down eth1:up')],
      '', '192.0.2.10=0',
      ['0 takeip eth1 192.0.2.10 24', '0 ipreallocated']],
    ['configured order, not name order, decides', [node(0, ['192.0.2.10/24 eth1,eth0'], 'eth0:up eth1:up')],
      '', '192.0.2.10=0',
      ['0 takeip eth1 192.0.2.10 24', '0 ipreallocated']],
    ['updateip: the holder\'s interface lost link, another has it', [node(0, [V4], 'eth0:down eth1:up', ['192.0.2.10@eth0'])],
      '192.0.2.10=0', '192.0.2.10=0',
      ['0 updateip eth0 eth1 192.0.2.10 24', '0 ipreallocated']],
    ['no updateip back to a preferred interface while the current one works', [node(0, [V4], 'eth0:up eth1:up', ['192.0.2.10@eth1'])],
      '192.0.2.10=0', '192.0.2.10=0',
      ['0 ipreallocated']],
    ['release uses the first configured interface when the kernel location is unknown', [node(0, ['192.0.2.10/24 eth1,eth0']), node(1, [V4])],
      '192.0.2.10=0', '192.0.2.10=1',
      ['0 releaseip eth1 192.0.2.10 24', '1 takeip eth0 192.0.2.10 24', '0 ipreallocated', '1 ipreallocated']],
    ['a holder outside the run is still told to release; bits from another node\'s line', [node(1, [V4])],
      '192.0.2.10=2', '192.0.2.10=1',
      ['2 releaseip - 192.0.2.10 24', '1 takeip eth0 192.0.2.10 24', '1 ipreallocated']],
    ['an address nobody lists any more is released as a host address', [node(0, [])],
      '192.0.2.99=0 2001:db8::99=0', '',
      ['0 releaseip - 192.0.2.99 32', '0 releaseip - 2001:db8::99 128', '0 ipreallocated']],
    ['order: releases by node then address (IPv4 before IPv6), then takes, then ipreallocated',
      [node(2, [V4, V4B, V6]), node(0, [V4, V4B, V6]), node(1, [V4, V4B, V6])],
      '2001:db8::10=1 192.0.2.11=1 192.0.2.10=0', '192.0.2.10=2 192.0.2.11=2 2001:db8::10=0',
      ['0 releaseip eth0 192.0.2.10 24', '1 releaseip eth0 192.0.2.11 24', '1 releaseip eth0 2001:db8::10 64',
        '0 takeip eth0 2001:db8::10 64', '2 takeip eth0 192.0.2.10 24', '2 takeip eth0 192.0.2.11 24',
        '0 ipreallocated', '1 ipreallocated', '2 ipreallocated']],
    ['swap between two nodes: both releases come before either take', [node(0, [V4, V4B]), node(1, [V4, V4B])],
      '192.0.2.10=0 192.0.2.11=1', '192.0.2.10=1 192.0.2.11=0',
      ['0 releaseip eth0 192.0.2.10 24', '1 releaseip eth0 192.0.2.11 24', '0 takeip eth0 192.0.2.11 24', '1 takeip eth0 192.0.2.10 24',
        '0 ipreallocated', '1 ipreallocated']],
  ])('%s', (_name, nodes, current, target, expected) => {
    const plan = planTakeover({ current: assignment(current), target: assignment(target), nodes });
    expect(planSteps(plan).map(show)).toEqual(expected);
    expect(plan.problems).toEqual([]);
  });

  it.each<[string, PlanNode[], string, string, string[], string, string]>([
    ['new owner has no link on any of the address\'s interfaces', [node(0, [V4]), node(1, [V4], 'eth0:down eth1:down')],
      '192.0.2.10=0', '192.0.2.10=1', ['0 releaseip eth0 192.0.2.10 24', '0 ipreallocated', '1 ipreallocated'],
      'E_NO_USABLE_INTERFACE', 'none of its interfaces (eth0, eth1) has link'],
    ['new owner does not list the address', [node(0, [V4]), node(1, [V4B])],
      '192.0.2.10=0', '192.0.2.10=1', ['0 releaseip eth0 192.0.2.10 24', '0 ipreallocated', '1 ipreallocated'],
      'E_TARGET_NOT_CONFIGURED', 'add it to that node\'s public_addresses'],
    ['new owner is not in the run', [node(0, [V4])],
      '', '192.0.2.10=5', ['0 ipreallocated'],
      'E_TARGET_UNKNOWN_NODE', 'node 5, which is not in this takeover run'],
    ['holder keeps the address but has no link left at all', [node(0, [V4], 'eth0:down eth1:down', ['192.0.2.10@eth0'])],
      '192.0.2.10=0', '192.0.2.10=0', ['0 ipreallocated'],
      'E_NO_USABLE_INTERFACE', 'stays on node 0'],
  ])('problem: %s', (_name, nodes, current, target, expected, code, message) => {
    const plan = planTakeover({ current: assignment(current), target: assignment(target), nodes });
    expect(planSteps(plan).map(show)).toEqual(expected);
    expect(plan.problems).toEqual([expect.objectContaining({ code, address: '192.0.2.10', message: expect.stringContaining(message) })]);
  });

  it('actionsFor gives one node\'s part in run order', () => {
    const plan = planTakeover({
      current: assignment('192.0.2.10=0 192.0.2.11=1'), target: assignment('192.0.2.10=1 192.0.2.11=0'),
      nodes: [node(0, [V4, V4B]), node(1, [V4, V4B])],
    });
    expect(actionsFor(plan, 1).map(show)).toEqual(['1 releaseip eth0 192.0.2.11 24', '1 takeip eth0 192.0.2.10 24', '1 ipreallocated']);
  });

  it.each([
    ['a key that is not an address', assignment('192.0.2.300=0'), 'assignment key \'192.0.2.300\''],
    ['a key that is not canonical', assignment('2001:DB8::1=0'), 'write it as \'2001:db8::1\''],
  ])('refuses %s', (_name, current, message) => {
    const run = (): TakeoverPlan => planTakeover({ current, target: new Map(), nodes: [node(0, [])] });
    expect(run).toThrow(PlanInputError);
    expect(run).toThrow(message);
  });

  it('refuses a node listed twice', () => {
    expect(() => planTakeover({ current: new Map(), target: new Map(), nodes: [node(0, []), node(0, [])] }))
      .toThrow('node 0 is listed twice');
  });
});

describe('plan properties', () => {
  const ADDRESSES = ['192.0.2.1', '192.0.2.2', '198.51.100.3', '203.0.113.4', '2001:db8::5', '2001:db8::6'];
  const NODES = 4;
  const holderArb = fc.integer({ min: -1, max: NODES - 1 });
  const layoutArb = fc.array(holderArb, { minLength: ADDRESSES.length, maxLength: ADDRESSES.length });
  // Every node lists every address; each node has link on at least one of eth0/eth1, so every target is hostable.
  const linksArb = fc.array(fc.constantFrom('eth0:up eth1:up', 'eth0:down eth1:up', 'eth0:up eth1:down'), { minLength: NODES, maxLength: NODES });
  const toAssignment = (layout: number[]): Assignment => new Map(ADDRESSES.map((a, i) => [a, layout[i]]));
  const nodesFor = (links: string[]): PlanNode[] =>
    links.map((l, pnn) => node(pnn, ADDRESSES.map((a) => `${a}/${a.includes(':') ? 64 : 24} eth0,eth1`), l));

  it('applying the plan to current yields the target', () => {
    fc.assert(fc.property(layoutArb, layoutArb, linksArb, (current, target, links) => {
      const plan = planTakeover({ current: toAssignment(current), target: toAssignment(target), nodes: nodesFor(links) });
      expect(plan.problems).toEqual([]);
      expect(applyPlan(toAssignment(current), plan)).toEqual(hostedOnly(toAssignment(target)));
    }));
  });

  it('never takes an address while another node still holds it, and only on an interface with link', () => {
    fc.assert(fc.property(layoutArb, layoutArb, linksArb, (current, target, links) => {
      const nodes = nodesFor(links);
      const plan = planTakeover({ current: toAssignment(current), target: toAssignment(target), nodes });
      const held = new Map(hostedOnly(toAssignment(current)));
      for (const step of planSteps(plan)) {
        if (step.kind === 'release') held.delete(step.address);
        if (step.kind === 'take') {
          expect(held.has(step.address)).toBe(false);
          expect(nodes[step.pnn].links.get(step.iface)).toBe('up');
          held.set(step.address, step.pnn);
        }
      }
    }));
  });

  it('is deterministic: the order of nodes and of map entries does not matter', () => {
    fc.assert(fc.property(layoutArb, layoutArb, linksArb, (current, target, links) => {
      const nodes = nodesFor(links);
      const plan = planTakeover({ current: toAssignment(current), target: toAssignment(target), nodes });
      const reversed = (a: Assignment): Assignment => new Map([...a].reverse());
      const again = planTakeover({ current: reversed(toAssignment(current)), target: reversed(toAssignment(target)), nodes: [...nodes].reverse() });
      expect(again).toEqual(plan);
    }));
  });

  it('plans the same from addresses parsed ahead as from the keys, and still checks a key it was not given', () => {
    const listed = new Map(ADDRESSES.slice(0, 4).map((text) => [text, { address: ip(text) }]));
    fc.assert(fc.property(layoutArb, layoutArb, linksArb, (current, target, links) => {
      const input = { current: toAssignment(current), target: toAssignment(target), nodes: nodesFor(links) };
      expect(planTakeover({ ...input, listed })).toEqual(planTakeover(input));
    }));
    expect(() => planTakeover({ current: assignment('2001:DB8::7=0'), target: new Map(), nodes: [node(0, [])], listed }))
      .toThrow(PlanInputError);
  });

  it('changes nothing but ipreallocated when target equals current and links are up', () => {
    fc.assert(fc.property(layoutArb, (layout) => {
      const plan = planTakeover({ current: toAssignment(layout), target: toAssignment(layout), nodes: nodesFor(Array(NODES).fill('eth0:up eth1:up')) });
      expect(planSteps(plan).every((s) => s.kind === 'ipreallocated')).toBe(true);
      expect(plan.ipreallocated.map((s) => s.pnn)).toEqual([0, 1, 2, 3]);
    }));
  });

  it('leaves NO_NODE out of applied assignments', () => {
    expect(hostedOnly(new Map([['192.0.2.1', NO_NODE], ['192.0.2.2', 1]]))).toEqual(new Map([['192.0.2.2', 1]]));
  });
});
