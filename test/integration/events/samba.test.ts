// 50.samba against a real smbd in its own network namespace (fev-*), run by the real runner.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { deleteNamespaces, makeSandbox, runInNamespace, ScriptSandbox } from './helpers';

const NS = `fev-smb-${process.pid}`;
const ADDRESS = '192.0.2.50';
const smbdInstalled = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v smbd && command -v testparm'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function listening(port: number): boolean {
  return execFileSync('ip', ['netns', 'exec', NS, 'ss', '-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '';
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

(smbdInstalled ? describe : describe.skip)('50.samba with a real smbd (install samba: scripts/apt-packages.txt)', () => {
  let box: ScriptSandbox;
  let smbConf: string;
  let shareDir: string;
  let smbd: ChildProcess | undefined;

  const startSmbd = async (): Promise<void> => {
    smbd = spawn('ip', ['netns', 'exec', NS, 'smbd', '--foreground', '--no-process-group', '-s', smbConf], {
      stdio: 'ignore', detached: true,
    });
    await waitUntil(() => listening(445) && listening(139), 'smbd to listen on 445 and 139');
  };
  const stopSmbd = async (): Promise<void> => {
    const child = smbd;
    smbd = undefined;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
    await waitUntil(() => !listening(445), 'smbd to close its ports');
  };

  beforeAll(async () => {
    deleteNamespaces('fev-');
    ip('netns', 'add', NS);
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    ip('-n', NS, 'link', 'add', 'fevsmb0', 'type', 'veth', 'peer', 'name', 'fevsmb1');
    ip('-n', NS, 'addr', 'add', `${ADDRESS}/24`, 'dev', 'fevsmb0');
    ip('-n', NS, 'link', 'set', 'fevsmb0', 'up');
    ip('-n', NS, 'link', 'set', 'fevsmb1', 'up');

    box = await makeSandbox([]);
    // The runner runs the script inside the namespace, where smbd listens.
    await runInNamespace(box, '50.samba', NS);

    const state = path.join(box.root, 'samba');
    shareDir = path.join(box.root, 'share');
    for (const dir of ['pid', 'lock', 'state', 'cache', 'private', 'ncalrpc', 'binddns']) {
      await fs.mkdir(path.join(state, dir), { recursive: true });
    }
    await fs.mkdir(shareDir);
    smbConf = path.join(box.root, 'smb.conf');
    await fs.writeFile(smbConf, [
      '[global]',
      '  netbios name = FEVTEST',
      '  workgroup = FEVTEST',
      '  server role = standalone server',
      `  interfaces = ${ADDRESS}/24`,
      '  smb ports = 445 139',
      ...['pid', 'lock', 'state', 'cache'].map((dir) => `  ${dir} directory = ${state}/${dir}`),
      `  private dir = ${state}/private`,
      `  ncalrpc dir = ${state}/ncalrpc`,
      `  binddns dir = ${state}/binddns`,
      `  passdb backend = tdbsam:${state}/private/passdb.tdb`,
      `  log file = ${state}/log.smbd`,
      '  load printers = no',
      '  printing = bsd',
      '  printcap name = /dev/null',
      '  disable spoolss = yes',
      '[data]',
      `  path = ${shareDir}`,
      '',
    ].join('\n'));
    await box.setOptions({ FLOATIP_SAMBA_CONF: smbConf });
  }, 30_000);

  afterAll(async () => {
    await stopSmbd().catch(() => undefined);
    deleteNamespaces('fev-');
    await box?.remove();
  }, 30_000);

  it('passes monitor while smbd listens on 445 and 139 and the share exists', async () => {
    await startSmbd();
    const result = await box.runner().run('monitor');
    expect(result.scripts.map((s) => [s.name, s.status, s.output])).toEqual([['50.samba', 'OK', '']]);
    expect(result.status).toBe('OK');
  }, 30_000);

  it('fails monitor naming a share whose path is gone', async () => {
    await fs.rm(shareDir, { recursive: true });
    try {
      const result = await box.runner().run('monitor');
      expect(result.status).toBe('ERROR');
      expect(result.scripts[0].output).toBe(`samba: share path(s) missing: [data] ${shareDir}: mount or create them\n`);
    } finally {
      await fs.mkdir(shareDir);
    }
  }, 30_000);

  it('fails monitor with a clear message once smbd is stopped', async () => {
    await stopSmbd();
    const result = await box.runner().run('monitor');
    expect(result.status).toBe('ERROR');
    expect(result.exitCode).toBe(1);
    expect(result.scripts[0].output).toBe(
      'samba: smbd is not listening on TCP port(s) 445 139: start smbd (or set FLOATIP_SAMBA_PORTS if it uses other ports)\n',
    );
  }, 30_000);

  it('starts smbd at startup when FLOATIP_MANAGES_SAMBA=yes, and monitor passes again', async () => {
    const pidFile = path.join(box.root, 'samba/pid/smbd.pid');
    await box.setOptions({
      FLOATIP_SAMBA_CONF: smbConf,
      FLOATIP_MANAGES_SAMBA: 'yes',
      FLOATIP_SAMBA_START: `smbd -D -s ${smbConf}`,
      FLOATIP_SAMBA_STOP: `kill $(cat ${pidFile})`,
    });
    const r = box.runner();
    expect((await r.run('startup')).status).toBe('OK');
    await waitUntil(() => listening(445), 'smbd started by the script to listen');
    expect((await r.run('monitor')).status).toBe('OK');
    expect((await r.run('shutdown')).status).toBe('OK');
    await waitUntil(() => !listening(445), 'smbd stopped by the script to close its ports');
  }, 30_000);
});
