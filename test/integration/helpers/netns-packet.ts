// The packet tests' lab: a bridge namespace, two nodes and a client joined by veth, and jobs run inside them.
//
// Topology (names all start with the lab's prefix, here `fpk`):
//   fpk-n0 [fpk0b] --- [fpk0a] \
//   fpk-n1 [fpk1b] --- [fpk1a]  fpkbr (bridge in fpk-sw)
//   fpk-cl [fpk2b] --- [fpk2a] /
// Code under test runs in a child started in a namespace (netns-child.ts), talking to jest over IPC.

import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { execIn, ipIn, namespacesStartingWith, REPO_ROOT, run, spawnTsInNamespace } from './netns-child';

export { execIn, ipIn, REPO_ROOT, run } from './netns-child';

const DRIVER = path.join(REPO_ROOT, 'test/integration/packet/driver.ts');

export interface LabMember {
  readonly ns: string;
  /** The member's interface towards the bridge. */
  readonly iface: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

/** One copy of the topology above, every name starting with its own prefix. */
export interface PacketLab {
  readonly prefix: string;
  readonly switchNs: string;
  readonly nodeA: LabMember;
  readonly nodeB: LabMember;
  readonly client: LabMember;
  /** Builds the topology with fixed MACs and private addresses; IPv6 without DAD so it is usable at once. */
  create(): void;
  /** Deletes every namespace whose name starts with `<prefix>-` (links inside go with them). */
  cleanup(): void;
  /** The client's neighbour entry for `address`: its MAC and state, or undefined. */
  clientNeighbour(address: string): { mac: string; state: string } | undefined;
}

/**
 * A lab named by `prefix` (3-4 letters: interface names are `<prefix>0b`, the bridge `<prefix>br`).
 * Test files that may run at the same time need different prefixes, or each one's
 * cleanup deletes the other's namespaces under it.
 */
export function packetLab(prefix: string): PacketLab {
  if (!/^[a-z]{3,4}$/.test(prefix)) throw new Error(`packet lab prefix "${prefix}" must be 3-4 lower-case letters`);
  const member = (ns: string, index: number, mac: string, host: number): LabMember => ({
    ns: `${prefix}-${ns}`, iface: `${prefix}${index}b`, mac, ipv4: `192.0.2.${host}`, ipv6: `2001:db8::${host}`,
  });
  const switchNs = `${prefix}-sw`;
  const bridge = `${prefix}br`;
  const nodeA = member('n0', 0, '02:00:00:00:f0:0a', 1);
  const nodeB = member('n1', 1, '02:00:00:00:f0:0b', 2);
  const client = member('cl', 2, '02:00:00:00:f0:cc', 100);

  const cleanup = (): void => {
    for (const ns of namespacesStartingWith(`${prefix}-`)) {
      try { run('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    }
  };

  return {
    prefix, switchNs, nodeA, nodeB, client, cleanup,
    create() {
      cleanup();
      for (const ns of [switchNs, nodeA.ns, nodeB.ns, client.ns]) {
        run('ip', ['netns', 'add', ns]);
        ipIn(ns, 'link', 'set', 'lo', 'up');
      }
      ipIn(switchNs, 'link', 'add', bridge, 'type', 'bridge');
      ipIn(switchNs, 'link', 'set', bridge, 'up');
      for (const m of [nodeA, nodeB, client]) {
        const switchSide = m.iface.replace(/b$/, 'a');
        ipIn(switchNs, 'link', 'add', switchSide, 'type', 'veth', 'peer', 'name', m.iface, 'netns', m.ns);
        ipIn(switchNs, 'link', 'set', switchSide, 'master', bridge, 'up');
        ipIn(m.ns, 'link', 'set', m.iface, 'address', m.mac);
        execIn(m.ns, 'sysctl', '-q', `net.ipv6.conf.${m.iface}.accept_dad=0`);
        ipIn(m.ns, 'link', 'set', m.iface, 'up');
        ipIn(m.ns, 'addr', 'add', `${m.ipv4}/24`, 'dev', m.iface);
        ipIn(m.ns, '-6', 'addr', 'add', `${m.ipv6}/64`, 'dev', m.iface, 'nodad');
      }
    },
    clientNeighbour(address) {
      const line = ipIn(client.ns, 'neigh', 'show', address, 'dev', client.iface).trim();
      const match = /lladdr (\S+) .*?(\S+)$/.exec(line);
      return match ? { mac: match[1], state: match[2] } : undefined;
    },
  };
}

/** The `fpk` lab that tickle.test.ts and packet-socket.test.ts share. */
const fpkLab = packetLab('fpk');
export const PREFIX = fpkLab.prefix;
export const SWITCH_NS = fpkLab.switchNs;
export const NODE_A = fpkLab.nodeA;
export const NODE_B = fpkLab.nodeB;
export const CLIENT = fpkLab.client;
export const cleanupPacketLab = (): void => fpkLab.cleanup();
export const createPacketLab = (): void => fpkLab.create();
export const clientNeighbour = (address: string): { mac: string; state: string } | undefined => fpkLab.clientNeighbour(address);

/** A job running in a namespace: it may say it is ready, then ends with a result. */
export interface Job<T> {
  readonly child: ChildProcess;
  readonly ready: Promise<unknown>;
  readonly result: Promise<T>;
  /** Asks a job that runs until told (a capture) to end now, and returns its result. */
  finish(): Promise<T>;
  /** Kills the job (a server that never ends by itself). */
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
  const finish = (): Promise<T> => {
    // A job that already ended has closed the channel; its result stands.
    if (child.connected) child.send({ type: 'finish' }, () => undefined);
    return result;
  };
  return { child, ready, result, finish, stop: () => child.kill('SIGTERM') };
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
