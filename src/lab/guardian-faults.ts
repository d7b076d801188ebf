// Guardian faults on a lab node, for the soak and the tests: freeze a node's guardian, and kill floatipd's cgroup with or without its guardian.
//
// freezeGuardian: SIGSTOP the guardian of a node's floatipd. floatipd notices within
// fence_after (the guardian stops acking ticks), reports itself unguarded (UNHEALTHY:
// the leader moves its addresses away), kills the frozen guardian and starts another,
// then takes its share back. A freeze shorter than that ends with thawGuardian.
// killDaemonCgroup: what `systemctl kill floatipd`, the stop's final SIGKILL or an OOM
// kill of the unit's group does. floatipd is moved into a cgroup of its own and every
// process in it is killed at once (cgroup.kill). `guardian: 'apart'` is the shipped unit
// (the guardian runs in its own systemd scope): it survives, removes the addresses and
// tells the peers. `guardian: 'together'` is a guardian in floatipd's cgroup (no systemd:
// a container, an old unit): both die and the addresses stay on the dead node until it is
// healed (the case duplicate detection must catch). Heal the node to start floatipd again.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { LabTarget } from './args';
import { daemonState, readPid, signalDaemon, waitForExit } from './daemons';
import { LabError } from './errors';
import { GUARDIAN_PROGRAM } from '../adapters/packet/native';
import { LabNodePlan, nodeOf } from './plan';
import { requireLab } from './state';

/** floatipd's guardian runs this program (build/Release/floatip-guardian), beside it or under systemd-run. */
const GUARDIAN_ARG = new RegExp(`(^|/)${GUARDIAN_PROGRAM}$`);
/** cgroup v2: /sys/fs/cgroup/unified on a hybrid host (this lab machine), else /sys/fs/cgroup. */
const CGROUP2_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];
/** A killed floatipd is gone at once; its guardian ends after its fence and notices (<= 1 s each). */
const EXIT_WAIT_MS = 5000;

export type GuardianPlace = 'apart' | 'together';

/** The pid of the live (running or frozen) floatipd of a lab node, or a LabError. */
async function daemonPid(node: LabNodePlan): Promise<number> {
  const pid = await readPid(node);
  if (pid === undefined || (await daemonState(node, pid)) === 'gone') {
    throw new LabError('E_LAB_FAULT', `node ${node.pnn} has no floatipd running (heal the node to start it)`);
  }
  return pid;
}

/** The guardian of floatipd `pid`: its child that runs the guardian program; undefined while there is none (between two guardians). */
export async function guardianPidOf(pid: number): Promise<number | undefined> {
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid || fields[0] === 'Z') continue;
      const cmdline = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (cmdline.some((arg) => GUARDIAN_ARG.test(arg))) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

async function requireGuardian(node: LabNodePlan, pid: number): Promise<number> {
  const guardian = await guardianPidOf(pid);
  if (guardian === undefined) throw new LabError('E_LAB_FAULT', `node ${node.pnn}: floatipd (pid ${pid}) has no guardian now (it is starting a new one): try again`);
  return guardian;
}

/** SIGSTOPs the guardian of a node's floatipd; returns a line saying what was done and the guardian's pid. */
export async function freezeGuardian(target: LabTarget, pnn: number): Promise<{ readonly line: string; readonly guardianPid: number }> {
  const { plan } = await requireLab(target.dir, target.prefix);
  const node = nodeOf(plan, pnn);
  const pid = await daemonPid(node);
  const guardianPid = await requireGuardian(node, pid);
  signalDaemon(guardianPid, 'SIGSTOP');
  return { line: `node ${pnn}: the guardian (pid ${guardianPid}) of floatipd (pid ${pid}) frozen with SIGSTOP`, guardianPid };
}

/**
 * SIGCONTs a guardian frozen by freezeGuardian. floatipd kills a guardian frozen for
 * fence_after, so after that there is nothing to continue: the line says so.
 */
export async function thawGuardian(guardianPid: number): Promise<string> {
  const stat = await fs.readFile(`/proc/${guardianPid}/stat`, 'utf8').catch(() => '');
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  if (stat === '' || state === 'Z' || state === 'X') return `guardian ${guardianPid} is gone already (floatipd killed and replaced it)`;
  signalDaemon(guardianPid, 'SIGCONT');
  return `guardian ${guardianPid} continued`;
}

async function cgroup2Root(): Promise<string> {
  for (const root of CGROUP2_ROOTS) {
    const ok = await fs.access(join(root, 'cgroup.controllers')).then(() => true, () => false);
    if (ok) return root;
  }
  throw new LabError('E_LAB_FAULT', `no cgroup v2 hierarchy at ${CGROUP2_ROOTS.join(' or ')}: the cgroup kill needs one (kernel >= 5.14 for cgroup.kill)`);
}

async function moveInto(dir: string, pid: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(join(dir, 'cgroup.procs'), `${pid}\n`);
}

/** Waits until no process (zombies included: `populated 0`) is left in the cgroup `dir`. */
async function waitEmpty(dir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await fs.readFile(join(dir, 'cgroup.events'), 'utf8').catch(() => 'populated 0');
    if (/^populated 0$/m.test(events)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Removes an emptied cgroup; the kernel may refuse (EBUSY) a moment after the last process was reaped. */
async function removeCgroup(dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() >= deadline) throw new LabError('E_LAB_FAULT', `cannot remove the lab's cgroup ${dir}: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * Kills every process of floatipd's cgroup at once, its guardian `apart` (the shipped unit)
 * or `together` with it. Resolves once floatipd is gone and the lab's cgroups are removed;
 * the line says what happened to the guardian.
 */
export async function killDaemonCgroup(target: LabTarget, pnn: number, guardian: GuardianPlace): Promise<string> {
  const { plan } = await requireLab(target.dir, target.prefix);
  const node = nodeOf(plan, pnn);
  const pid = await daemonPid(node);
  const guardianPid = await requireGuardian(node, pid);
  const root = await cgroup2Root();
  const daemonGroup = join(root, `${target.prefix}-n${pnn}-floatipd`);
  const guardianGroup = join(root, `${target.prefix}-n${pnn}-guardian`);
  await moveInto(daemonGroup, pid);
  await moveInto(guardian === 'apart' ? guardianGroup : daemonGroup, guardianPid);
  await fs.writeFile(join(daemonGroup, 'cgroup.kill'), '1\n');
  await waitForExit(node, pid, EXIT_WAIT_MS);
  let guardianFate: string;
  if (guardian === 'together') {
    guardianFate = 'killed with it: the addresses stay on the node until it is healed';
  } else if (await waitEmpty(guardianGroup, EXIT_WAIT_MS)) {
    guardianFate = 'placed apart, it survived, removed the addresses and ended';
  } else {
    await fs.writeFile(join(guardianGroup, 'cgroup.kill'), '1\n');
    guardianFate = `placed apart, it survived but had not ended ${EXIT_WAIT_MS} ms later (killed now): see ${node.logPath}`;
  }
  for (const dir of [daemonGroup, guardianGroup]) {
    if (await waitEmpty(dir, EXIT_WAIT_MS)) await removeCgroup(dir, EXIT_WAIT_MS);
  }
  return `node ${pnn}: every process of floatipd's cgroup killed (floatipd pid ${pid}); its guardian (pid ${guardianPid}) ${guardianFate}`;
}
