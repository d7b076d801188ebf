// Sets promote_secondaries on the public interfaces, so deleting one address never takes the others of its subnet along.
//
// Linux deletes every secondary IPv4 address of a subnet together with the subnet's primary
// (the first address added in it) unless net.ipv4.conf.IFACE.promote_secondaries is 1. A
// public interface with no address of its own in a public subnet makes the first floatip
// address there the primary: releasing it would drop every other public address of that
// subnet on the node until reconcile put them back (CTDB works around the same rule in its
// 10.interface script). With the setting, the kernel promotes a secondary instead.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isInterfaceName } from '../../protocol/frame-fields';

export interface PromoteOutcome {
  readonly iface: string;
  /** Why it could not be set (the interface does not exist yet, no permission). */
  readonly error?: string;
}

/** Writes 1 to `<root>/<iface>/promote_secondaries` for each interface; never throws. */
export async function promoteSecondaries(interfaces: Iterable<string>,
  write: (path: string, value: string) => Promise<void> = (path, value) => writeFile(path, value),
  root = '/proc/sys/net/ipv4/conf'): Promise<PromoteOutcome[]> {
  const unique = [...new Set(interfaces)].sort();
  return Promise.all(unique.map(async (iface): Promise<PromoteOutcome> => {
    if (!isInterfaceName(iface)) return { iface, error: 'not an interface name' };
    try {
      await write(join(root, iface, 'promote_secondaries'), '1\n');
      return { iface };
    } catch (error) {
      return { iface, error: (error as Error).message };
    }
  }));
}
