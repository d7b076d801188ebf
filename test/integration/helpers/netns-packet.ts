// The packet tests' lab: a bridge namespace, two nodes and a client joined by veth, and jobs run inside them.
//
// Topology (names all start with `fpk`):
//   fpk-n0 [fpk0b] --- [fpk0a] \
//   fpk-n1 [fpk1b] --- [fpk1a]  fpkbr (bridge in fpk-sw)
//   fpk-cl [fpk2b] --- [fpk2a] /
// Code under test runs in a child started in a namespace (netns-child.ts), talking to jest over IPC.

import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { execIn, ipIn, REPO_ROOT, run, spawnTsInNamespace } from './netns-child';

export { execIn, ipIn, REPO_ROOT, run } from './netns-child';

export const PREFIX = 'fpk';
const DRIVER = path.join(REPO_ROOT, 'test/integration/packet/driver.ts');

export interface LabMember {
  readonly ns: string;
  /** The member's interface towards the bridge. */
  readonly iface: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export const SWITCH_NS = `${PREFIX}-sw`;
export const NODE_A: LabMember = { ns: `${PREFIX}-n0`, iface: 'fpk0b', mac: '02:00:00:00:f0:0a', ipv4: '192.0.2.1', ipv6: '2001:db8::1' };
export const NODE_B: LabMember = { ns: `${PREFIX}-n1`, iface: 'fpk1b', mac: '02:00:00:00:f0:0b', ipv4: '192.0.2.2', ipv6: '2001:db8::2' };
export const CLIENT: LabMember = { ns: `${PREFIX}-cl`, iface: 'fpk2b', mac: '02:00:00:00:f0:cc', ipv4: '192.0.2.100', ipv6: '2001:db8::100' };

/** Deletes every namespace whose name starts with `fpk-` (links inside go with them). */
export function cleanupPacketLab(): void {
  for (const ns of run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter(Boolean)) {
    if (ns.startsWith(`${PREFIX}-`)) {
      try { run('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    }
  }
}

/** Builds the topology above with fixed MACs and private addresses; IPv6 without DAD so it is usable at once. */
export function createPacketLab(): void {
  cleanupPacketLab();
  for (const ns of [SWITCH_NS, NODE_A.ns, NODE_B.ns, CLIENT.ns]) {
    run('ip', ['netns', 'add', ns]);
    ipIn(ns, 'link', 'set', 'lo', 'up');
  }
  ipIn(SWITCH_NS, 'link', 'add', 'fpkbr', 'type', 'bridge');
  ipIn(SWITCH_NS, 'link', 'set', 'fpkbr', 'up');
  for (const member of [NODE_A, NODE_B, CLIENT]) {
    const switchSide = member.iface.replace(/b$/, 'a');
    ipIn(SWITCH_NS, 'link', 'add', switchSide, 'type', 'veth', 'peer', 'name', member.iface, 'netns', member.ns);
    ipIn(SWITCH_NS, 'link', 'set', switchSide, 'master', 'fpkbr', 'up');
    ipIn(member.ns, 'link', 'set', member.iface, 'address', member.mac);
    execIn(member.ns, 'sysctl', '-q', `net.ipv6.conf.${member.iface}.accept_dad=0`);
    ipIn(member.ns, 'link', 'set', member.iface, 'up');
    ipIn(member.ns, 'addr', 'add', `${member.ipv4}/24`, 'dev', member.iface);
    ipIn(member.ns, '-6', 'addr', 'add', `${member.ipv6}/64`, 'dev', member.iface, 'nodad');
  }
}

/** The client's neighbour entry for `address`: its MAC and state, or undefined. */
export function clientNeighbour(address: string): { mac: string; state: string } | undefined {
  const line = ipIn(CLIENT.ns, 'neigh', 'show', address, 'dev', CLIENT.iface).trim();
  const match = /lladdr (\S+) .*?(\S+)$/.exec(line);
  return match ? { mac: match[1], state: match[2] } : undefined;
}

/** A job running in a namespace: it may say it is ready, then ends with a result. */
export interface Job<T> {
  readonly child: ChildProcess;
  readonly ready: Promise<unknown>;
  readonly result: Promise<T>;
  stop(): void;
}

const running = new Set<ChildProcess>();

/** Starts `driver.ts` job `name` with `arg` in `ns` (see test/integration/packet/driver.ts). */
export function startJob<T>(ns: string, name: string, arg: unknown): Job<T> {
  const child = spawnTsInNamespace(ns, {
    main: `require(${JSON.stringify(DRIVER)}).runJob(process.argv[1], JSON.parse(process.argv[2]));`,
    args: [name, JSON.stringify(arg)], ipc: true, stdin: 'ignore',
  });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  let onReady: (value: unknown) => void = () => undefined;
  let onNotReady: (error: unknown) => void = () => undefined;
  const ready = new Promise<unknown>((resolve, reject) => { onReady = resolve; onNotReady = reject; });
  const result = new Promise<T>((resolve, reject) => {
    child.on('message', (message: { type: string; value?: unknown; error?: string }) => {
      if (message.type === 'ready') onReady(message.value);
      if (message.type === 'result') resolve(message.value as T);
      if (message.type === 'error') reject(new Error(`job ${name} in ${ns} failed: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      reject(new Error(`job ${name} in ${ns} exited (${code ?? signal}) without a result; stderr: ${stderr}`));
    });
  });
  // A job that fails before it is ready must not leave its caller waiting for readiness.
  // Both promises count as handled: a job killed on purpose (a server) is no failure,
  // and a caller who awaits either still sees the rejection.
  result.catch(onNotReady);
  ready.catch(() => undefined);
  return { child, ready, result, stop: () => child.kill('SIGTERM') };
}

/** Kills every job still running (afterAll). */
export function stopAllJobs(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** tcpdump in a namespace (absolute TCP numbers); `lines()` stops it and returns one line per packet. */
export async function startTcpdump(ns: string, iface: string, filter: string): Promise<{ lines: () => Promise<string[]> }> {
  const child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-vv', '-e', '-n', '-S', '-l', '-i', iface, filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes('listening on')) resolve();
    });
    child.on('exit', () => reject(new Error(`tcpdump in ${ns} exited: ${err}`)));
  });
  return {
    lines: () => new Promise<string[]>((resolve) => {
      // Let the last frames reach tcpdump's buffer before stopping it.
      setTimeout(() => {
        child.once('exit', () => {
          running.delete(child);
          // -vv prints some packets over several lines; continuation lines are indented.
          resolve(out.split('\n').filter((l) => l.trim() !== '').reduce<string[]>((records, line) => {
            if (/^\s/.test(line) && records.length > 0) records[records.length - 1] += ` ${line.trim()}`;
            else records.push(line);
            return records;
          }, []));
        });
        child.kill('SIGINT');
      }, 200);
    }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
