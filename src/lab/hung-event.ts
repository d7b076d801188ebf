// The "hung takeip/releaseip" fault on a lab node: install a hanging event script, trigger it with a move, remove it.
//
// The script (96.labhang, `# floatip-events: takeip releaseip`) sleeps 300 s whenever the
// node's flag file for the event exists, so the node's event runner must kill it at the
// event's timeout (events.timeouts.takeip/releaseip). The runner reads events.d at every
// event, so installing and removing take effect at the next event, with no restart.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { UnixControlClient } from '../client/control-client';
import { ip } from '../core/ip';
import { LabTarget } from './args';
import { LabNodePlan, nodeOf } from './plan';
import { requireLab } from './state';

export type HungEvent = 'takeip' | 'releaseip';

export const HUNG_EVENT_SCRIPT = '96.labhang';

/** How long the control call that triggers the move may take: a run's deadline (5 s) and a retry. */
const TRIGGER_TIMEOUT_MS = 15_000;

function flagPath(node: LabNodePlan, event: HungEvent): string {
  return join(node.dir, `hang-${event}`);
}

function scriptText(prefix: string, node: LabNodePlan): string {
  return [
    '#!/bin/sh',
    `# ${HUNG_EVENT_SCRIPT}: floatip lab ${prefix}, node ${node.pnn}: hangs takeip/releaseip while ${node.dir}/hang-EVENT exists.`,
    '# floatip-events: takeip releaseip',
    '',
    `if [ -e '${node.dir}/hang-'"$1" ]; then`,
    '\texec sleep 300',
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

/**
 * Makes `events` hang on node `pnn` from their next run: writes 96.labhang (root's, 0755, as
 * floatipd demands) and the flag file of each event. Returns what it did, for the soak's log.
 */
export async function installHungEvents(target: LabTarget, pnn: number, events: readonly HungEvent[]): Promise<string> {
  const { plan } = await requireLab(target.dir, target.prefix);
  const node = nodeOf(plan, pnn);
  const script = join(node.eventsDir, HUNG_EVENT_SCRIPT);
  // Written beside the directory and renamed in: the daemon lists events.d for every event, and
  // a script it finds half-written is busy (ETXTBSY) or runs with half its text.
  const staged = join(node.eventsDir, '..', `.${HUNG_EVENT_SCRIPT}.new`);
  await fs.writeFile(staged, scriptText(plan.names.prefix, node), { mode: 0o755 });
  await fs.chmod(staged, 0o755);
  await fs.rename(staged, script);
  for (const event of events) await fs.writeFile(flagPath(node, event), `made by installHungEvents (${event})\n`);
  return `node ${pnn}: ${events.join(' and ')} hang from their next run (${script})`;
}

/**
 * Moves `address` to node `pnn` (`floatip moveip` through the node's own daemon), so a hung
 * takeip runs there (and a hung releaseip on the node that held it). The move is expected to
 * fail while the event hangs: the answer is returned as text, never thrown.
 */
export async function triggerHungEvent(target: LabTarget, pnn: number, address: string): Promise<string> {
  const { plan } = await requireLab(target.dir, target.prefix);
  const node = nodeOf(plan, pnn);
  try {
    const parsed = await new UnixControlClient(node.controlSocket).call('moveip', { ip: ip(address), pnn }, TRIGGER_TIMEOUT_MS);
    return `moveip ${address} ${pnn}: ${JSON.stringify(parsed)}`;
  } catch (error) {
    return `moveip ${address} ${pnn}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Ends the fault on node `pnn`: removes the flags and 96.labhang (a script hanging now is killed at its timeout). */
export async function removeHungEvents(target: LabTarget, pnn: number): Promise<string> {
  const { plan } = await requireLab(target.dir, target.prefix);
  const node = nodeOf(plan, pnn);
  for (const event of ['takeip', 'releaseip'] as const) await fs.rm(flagPath(node, event), { force: true });
  await fs.rm(join(node.eventsDir, HUNG_EVENT_SCRIPT), { force: true });
  return `node ${pnn}: takeip and releaseip no longer hang`;
}
