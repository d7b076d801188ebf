// The peer list the daemon writes on the guardian's pipe: its bytes (the program reads them: test/integration/guardian/program.test.ts).

import { GUARDIAN_PEERS, peersLine } from '../../../src/daemon/guardian-peers';

describe('peersLine', () => {
  it('is the peers byte, PNN@ADDRESS items separated by spaces, and a newline', () => {
    const line = peersLine([{ pnn: 1, address: '198.51.100.2' }, { pnn: 3, address: '2001:db8::b' }]);
    expect(line[0]).toBe(GUARDIAN_PEERS);
    expect(line.subarray(1).toString('latin1')).toBe('1@198.51.100.2 3@2001:db8::b\n');
  });

  it('is just the two bytes for an empty list', () => {
    expect([...peersLine([])]).toEqual([GUARDIAN_PEERS, 0x0a]);
  });
});
