// Runs the Takeover contract against the component over memory ports and against MemoryTakeover.

import { MemoryTakeover } from '../../../../src/adapters/memory/takeover';
import { takeoverContract } from './contract';
import { memoryWorld, takeoverOver } from './fakes';

takeoverContract('createTakeover over memory ports', async () => {
  const world = await memoryWorld();
  return {
    takeover: takeoverOver(world),
    ifaces: ['eth0', 'eth1'],
    missingIface: 'eth9',
    heldOn: async (iface) => (await world.netlink.listAddresses(iface)).filter((a) => a.owned).map((a) => a.address.text).sort(),
  };
});

takeoverContract('MemoryTakeover', async () => {
  const takeover = new MemoryTakeover(['eth0', 'eth1']);
  return {
    takeover,
    ifaces: ['eth0', 'eth1'],
    missingIface: 'eth9',
    heldOn: async (iface) => [...takeover.heldAddresses()].filter(([, ifaces]) => ifaces.includes(iface)).map(([text]) => text).sort(),
  };
});
