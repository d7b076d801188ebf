// Real Samba beside the lab's floatipds: one smbd per node namespace serving a common share, and smbclient from the client namespace.
//
// Each smbd has its own smb.conf and pid/lock/state/cache/private directories, as separate
// hosts would, and listens on the wildcard address (`bind interfaces only = no`), so a public
// address that arrives on its node is served at once. The share allows guests, so no
// passdb entry is needed. Nothing here touches the host's Samba state.

import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SHARE_NAME = 'data';
const SAMBA_DIRS = ['pid', 'lock', 'state', 'cache', 'private', 'ncalrpc', 'binddns'] as const;

/** True when smbd, smbclient and testparm are installed (scripts/apt-packages.txt lists samba and smbclient). */
export function sambaInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v smbd && command -v smbclient && command -v testparm'], { stdio: 'ignore' }).status === 0;
}

function directoryLines(base: string): string[] {
  return [
    ...['pid', 'lock', 'state', 'cache'].map((dir) => `  ${dir} directory = ${base}/${dir}`),
    `  private dir = ${base}/private`,
    `  ncalrpc dir = ${base}/ncalrpc`,
    `  binddns dir = ${base}/binddns`,
  ];
}

function makeDirectories(base: string): void {
  for (const dir of SAMBA_DIRS) mkdirSync(join(base, dir), { recursive: true });
}

/** Writes the smb.conf of one node under `base` and makes its directories; returns the smb.conf path. */
export function writeNodeSmbConf(base: string, netbiosName: string, sharePath: string): string {
  makeDirectories(base);
  const conf = join(base, 'smb.conf');
  writeFileSync(conf, [
    '[global]',
    `  netbios name = ${netbiosName}`,
    '  workgroup = FLOATIPLAB',
    '  server role = standalone server',
    '  bind interfaces only = no',
    '  smb ports = 445',
    '  disable netbios = yes',
    ...directoryLines(base),
    `  passdb backend = tdbsam:${base}/private/passdb.tdb`,
    `  log file = ${base}/log.smbd`,
    '  usershare path =',
    '  load printers = no',
    '  printing = bsd',
    '  printcap name = /dev/null',
    '  disable spoolss = yes',
    '  map to guest = Bad User',
    '  guest account = nobody',
    `[${SHARE_NAME}]`,
    `  path = ${sharePath}`,
    '  read only = yes',
    '  guest ok = yes',
    '',
  ].join('\n'));
  return conf;
}

/** The client's own smb.conf (its caches in `base`, not the host's). */
export function writeClientSmbConf(base: string): string {
  makeDirectories(base);
  const conf = join(base, 'smb.conf');
  writeFileSync(conf, ['[global]', '  client min protocol = SMB2', ...directoryLines(base), ''].join('\n'));
  return conf;
}

/** A directory every smbd serves; readable by the guest account. */
export function makeShare(path: string, files: Readonly<Record<string, string>>): void {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text, { mode: 0o644 });
}

export interface Smbd {
  readonly namespace: string;
  stop(): Promise<void>;
}

function listening(namespace: string, port: number): boolean {
  return execFileSync('ip', ['netns', 'exec', namespace, 'ss', '-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '';
}

/** Starts smbd in `namespace` in its own process group; resolves once it listens on 445. */
export async function startSmbd(namespace: string, conf: string): Promise<Smbd> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', namespace, 'smbd', '--foreground', '--no-process-group', '-s', conf], {
    stdio: 'ignore', detached: true,
  });
  const until = Date.now() + 15_000;
  while (!listening(namespace, 445)) {
    if (child.exitCode !== null) throw new Error(`smbd in ${namespace} exited ${child.exitCode}: see the log file named in ${conf}`);
    if (Date.now() > until) throw new Error(`smbd in ${namespace} did not listen on 445 within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    namespace,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // smbd forks a child per client connection into its group: end them all.
      process.kill(-child.pid, 'SIGTERM');
      await exited;
      const closed = Date.now() + 10_000;
      while (listening(namespace, 445) && Date.now() < closed) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}

export interface SmbRead {
  readonly ok: boolean;
  readonly text: string;
  readonly stderr: string;
  readonly ms: number;
}

/** `smbclient //ADDRESS/data -N -c 'get NAME -'` from `namespace`: the file's text on success. */
export function smbRead(namespace: string, clientConf: string, address: string, name: string): SmbRead {
  const started = performance.now();
  const run = spawnSync('ip', ['netns', 'exec', namespace, 'smbclient', `//${address}/${SHARE_NAME}`, '-N', '-s', clientConf,
    '-t', '10', '-c', `get ${name} -`], { encoding: 'utf8', timeout: 30_000 });
  return { ok: run.status === 0, text: run.stdout ?? '', stderr: run.stderr ?? '', ms: performance.now() - started };
}
