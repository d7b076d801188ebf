// keepalived 2.2.7 as the peers bench runs it: one VRRP instance per public address, its master spread over the nodes as floatip's layout is.
//
// Address k's instance (virtual router k+1) is mastered by node k mod N (priority 150);
// the others back it up with distinct priorities (no tie broken by address). Adverts go
// over the private network, as floatip's heartbeats do, and each instance tracks the
// public interface, so either link going down fails the node over. `tuned` is VRRPv3
// with `advert_int 0.1`; `default` leaves version and interval at keepalived's defaults
// (VRRPv2, 1 s): a backup takes over after 3 adverts plus a skew of (256 - priority)/256.
// VRRP has no leader: the bench's "leader" victim is node 0.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { LabNodePlan, LabPlan } from '../src/lab';
import { PeerSoftware } from './peer-lab';

export type KeepalivedVariant = 'default' | 'tuned';

/** keepalived's configuration file for one node. */
export function keepalivedConfig(plan: LabPlan, node: LabNodePlan, variant: KeepalivedVariant): string {
  const n = plan.nodes.length;
  const { names } = plan;
  const instances = plan.publicAddresses.map((a, k) => {
    const distance = (node.pnn - (k % n) + n) % n;
    return [
      `vrrp_instance VI_${k + 1} {`,
      '  state BACKUP',
      `  interface ${names.privateInterface}`,
      `  virtual_router_id ${k + 1}`,
      `  priority ${distance === 0 ? 150 : 100 - distance}`,
      ...(variant === 'tuned' ? ['  advert_int 0.1'] : []),
      `  track_interface {\n    ${names.publicInterface}\n  }`,
      `  virtual_ipaddress {\n    ${a.address.text}/${a.bits} dev ${names.publicInterface}\n  }`,
      '}',
    ].join('\n');
  });
  return [
    `global_defs {\n  router_id ${node.namespace}\n${variant === 'tuned' ? '  vrrp_version 3\n' : ''}}`,
    ...instances,
    '',
  ].join('\n');
}

export function keepalived(variant: KeepalivedVariant): PeerSoftware {
  return {
    name: `keepalived-${variant}`,
    describe: variant === 'tuned' ? 'keepalived, VRRPv3, advert_int 0.1' : 'keepalived, its defaults (VRRPv2, advert_int 1)',
    hasLeader: false,
    moveTimeoutMs: 20_000,
    settleTimeoutMs: 60_000,
    async configure(plan, node, dir) {
      await fs.writeFile(join(dir, 'keepalived.conf'), keepalivedConfig(plan, node, variant));
    },
    command(_node, dir) {
      // Own pid files per node: keepalived refuses to start when another instance's pid file names a live process.
      return ['keepalived', '--dont-fork', '--log-console', '--log-detail', '--vrrp', '-f', join(dir, 'keepalived.conf'),
        '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid')];
    },
    async leader() {
      return 0;
    },
    async unsettled() {
      return undefined;
    },
  };
}
