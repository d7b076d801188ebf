// Missing interfaces of public_addresses: one warning per line that names an interface the node lacks, with file:line, one case per row.

import { missingInterfaceWarnings } from '../../../src/config/interface-presence';
import { ip } from '../../../src/core/ip';

const FILE = '/etc/floatip/public_addresses';
const EXISTING = new Set(['lo', 'eth0', 'eth1']);

const pub = (address: string, interfaces: string) => ({ address: ip(address), bits: 24, interfaces: interfaces.split(',') });

describe('missingInterfaceWarnings', () => {
  test.each([
    ['every interface exists: nothing to say', 'eth0,eth1', null],
    ['one of two missing: the address can use the other', 'bond1,eth0',
      'interface bond1 does not exist on this node; 198.51.100.7/24 can use only eth0 here until it appears: '
      + 'create the interface (floatipd uses it as soon as it appears) or remove it from this line'],
    ['two of three missing', 'eth0,bond1,eth0.10', 'interfaces bond1, eth0.10 do not exist on this node; 198.51.100.7/24 can use only eth0 here'],
    ['its only interface missing: not hostable here', 'bond1',
      'interface bond1 does not exist on this node, so this node cannot host 198.51.100.7/24 (other nodes that list it can): '
      + 'create the interface (floatipd uses it as soon as it appears) or remove it from this line'],
    ['all of several missing', 'bond1,bond2', 'none of the interfaces bond1, bond2 exists on this node, so this node cannot host 198.51.100.7/24'],
  ])('%s', (_why, interfaces, message) => {
    const warnings = missingInterfaceWarnings(FILE, [pub('198.51.100.7', interfaces)], [4], EXISTING);
    if (message === null) {
      expect(warnings).toEqual([]);
      return;
    }
    expect(warnings).toEqual([{ code: 'W_PUBLIC_INTERFACE_MISSING', file: FILE, line: 4, message: expect.stringContaining(message) }]);
  });

  test('each line is named by its own line number; lines without a missing interface say nothing', () => {
    const addresses = [pub('198.51.100.1', 'eth0'), pub('198.51.100.2', 'fyx0'), pub('198.51.100.3', 'eth1'), pub('198.51.100.4', 'eth1,fyx1')];
    const warnings = missingInterfaceWarnings(FILE, addresses, [1, 3, 7, 9], EXISTING);
    expect(warnings.map((w) => [w.line, w.message.split(' ').slice(0, 2).join(' ')])).toEqual([[3, 'interface fyx0'], [9, 'interface fyx1']]);
  });

  test('with no interface on the node at all, every line warns', () => {
    expect(missingInterfaceWarnings(FILE, [pub('198.51.100.1', 'eth0'), pub('198.51.100.2', 'eth1')], [1, 2], new Set())).toHaveLength(2);
  });
});
