// CTDB 4.17 (Debian's ctdbd) as the peers bench runs it: one ctdbd per node namespace, public addresses moved by its own 10.interface script.
//
// ctdbd keeps its sockets, pid file and databases under fixed paths (/run/ctdb,
// /var/lib/ctdb) and reads /etc/ctdb; `ip netns exec` gives each command a mount
// namespace of its own, so a small wrapper (in-node.sh) binds the node's directories over
// those three paths before it execs ctdbd or the ctdb tool: each node sees only its own,
// as on a real machine. Enabled event scripts: 00.ctdb and 10.interface (which adds and
// deletes the addresses and checks the interface's link). No cluster lock, as in the
// earlier measurement. `tuned` sets KeepaliveInterval=1 and KeepaliveLimit=2 (a silent
// node is dropped after ~3 s instead of 5 x 5 s); `default` leaves every tunable alone.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { LabNodePlan, LabPlan } from '../src/lab';
import { runCommand } from '../src/lab/shell';
import { PeerSoftware } from './peer-lab';

export type CtdbVariant = 'default' | 'tuned';

const SCRIPTS = ['00.ctdb', '10.interface'];
const SHIPPED_SCRIPTS = '/usr/share/ctdb/events/legacy';
/** A ctdb tool call that hangs (ctdbd busy in recovery) must not stall the bench's settle loop. */
const TOOL_TIMEOUT_S = 3;

/** Binds the node's CTDB directories where ctdbd and the ctdb tool look for them, then runs the command. */
export const IN_NODE_SCRIPT = `#!/bin/sh
# Made by the peers bench: run a command with this node's CTDB directories in place.
# ip netns exec gave this process a mount namespace of its own, so the binds stay here.
set -e
here=$(dirname "$0")
mkdir -p /run/ctdb /var/lib/ctdb /etc/ctdb
mount --bind "$here/etc" /etc/ctdb
mount --bind "$here/run" /run/ctdb
mount --bind "$here/var" /var/lib/ctdb
exec "$@"
`;

export function ctdbConf(): string {
  return ['[logging]', '\tlog level = NOTICE', '[legacy]', '\t# Many daemons share two cores here; realtime scheduling would starve the rest.', '\trealtime scheduling = false', ''].join('\n');
}

export function ctdbNodes(plan: LabPlan): string {
  return plan.nodes.map((n) => `${n.privateAddress.text}\n`).join('');
}

export function ctdbPublicAddresses(plan: LabPlan): string {
  return plan.publicAddresses.map((a) => `${a.address.text}/${a.bits} ${plan.names.publicInterface}\n`).join('');
}

async function inNode(node: LabNodePlan, dir: string, args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return runCommand('ip', ['netns', 'exec', node.namespace, 'sh', join(dir, 'in-node.sh'), 'ctdb', '-t', String(TOOL_TIMEOUT_S), ...args]);
}

export function ctdb(variant: CtdbVariant): PeerSoftware {
  return {
    name: `ctdb-${variant}`,
    describe: variant === 'tuned' ? 'CTDB 4.17, KeepaliveInterval=1, KeepaliveLimit=2' : 'CTDB 4.17, its default tunables (KeepaliveInterval=5, KeepaliveLimit=5)',
    hasLeader: true,
    moveTimeoutMs: 90_000,
    settleTimeoutMs: 180_000,
    async configure(plan, _node, dir) {
      for (const sub of ['etc/events/legacy', 'run', 'var/volatile', 'var/persistent', 'var/state']) await fs.mkdir(join(dir, sub), { recursive: true });
      await fs.writeFile(join(dir, 'in-node.sh'), IN_NODE_SCRIPT, { mode: 0o755 });
      await fs.writeFile(join(dir, 'etc/ctdb.conf'), ctdbConf());
      await fs.writeFile(join(dir, 'etc/nodes'), ctdbNodes(plan));
      await fs.writeFile(join(dir, 'etc/public_addresses'), ctdbPublicAddresses(plan));
      await fs.writeFile(join(dir, 'etc/ctdb.tunables'), variant === 'tuned' ? 'KeepaliveInterval=1\nKeepaliveLimit=2\n' : '');
      // The scripts source $CTDB_BASE/functions; /etc/ctdb is covered by the bind, so it is copied in.
      await fs.copyFile('/etc/ctdb/functions', join(dir, 'etc/functions'));
      for (const script of SCRIPTS) await fs.symlink(join(SHIPPED_SCRIPTS, `${script}.script`), join(dir, 'etc/events/legacy', `${script}.script`));
    },
    command(_node, dir) {
      return ['sh', join(dir, 'in-node.sh'), 'ctdbd', '--interactive'];
    },
    async leader(plan, dirs) {
      for (const node of plan.nodes) {
        const out = await inNode(node, dirs[node.pnn], ['leader']);
        if (out.status === 0 && /^[0-9]+$/.test(out.stdout.trim())) return Number(out.stdout.trim());
      }
      return 0;
    },
    async unsettled(plan, dirs) {
      const leaders = new Set<string>();
      for (const node of plan.nodes) {
        const status = await inNode(node, dirs[node.pnn], ['nodestatus', 'all']);
        if (status.status !== 0) return `node ${node.pnn}: ctdb nodestatus all: ${(status.stdout + status.stderr).trim().split('\n').slice(-4).join('; ')}`;
        const runstate = await inNode(node, dirs[node.pnn], ['runstate']);
        if (!runstate.stdout.includes('RUNNING')) return `node ${node.pnn}: runstate ${runstate.stdout.trim() || runstate.stderr.trim()}`;
        leaders.add((await inNode(node, dirs[node.pnn], ['leader'])).stdout.trim());
      }
      return leaders.size === 1 ? undefined : `leaders seen: ${[...leaders].join(',')}`;
    },
  };
}
