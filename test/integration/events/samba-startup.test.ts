// 50.samba's startup fails when smbd does not come up, though its start command said OK (in a namespace of its own, h9-*).
//
// Seen on a node: FLOATIP_SAMBA_START ran smbd under floatipd.service's capabilities, smbd
// panicked in sys_setgroups, and `startup` reported OK. The start command stands in here for
// any command that returns 0 and leaves nothing listening; no smbd is needed.

import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { deleteNamespaces, makeSandbox, runInNamespace, ScriptSandbox } from './helpers';

const PREFIX = 'h9-smbstart-';
const NS = `${PREFIX}${process.pid}`;
const PORT = 4455;

function listening(port: number): boolean {
  return execFileSync('ip', ['netns', 'exec', NS, 'ss', '-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '';
}

describe('50.samba startup with FLOATIP_MANAGES_SAMBA=yes', () => {
  let box: ScriptSandbox;
  let pidFile: string;

  beforeAll(async () => {
    deleteNamespaces(PREFIX);
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    box = await makeSandbox([]);
    // The script runs inside the namespace, so it sees only what listens there.
    await runInNamespace(box, '50.samba', NS);
    pidFile = path.join(box.root, 'listener.pid');
  });

  afterEach(async () => {
    const pid = await fs.readFile(pidFile, 'utf8').catch(() => '');
    if (pid.trim() !== '') {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone already */ }
    }
    await fs.rm(pidFile, { force: true });
  });

  afterAll(async () => {
    deleteNamespaces(PREFIX);
    await box?.remove();
  });

  const options = (start: string): Record<string, string> => ({
    FLOATIP_MANAGES_SAMBA: 'yes',
    FLOATIP_SAMBA_START: start,
    FLOATIP_SAMBA_PORTS: String(PORT),
    FLOATIP_SAMBA_START_WAIT: '1',
    FLOATIP_SAMBA_CHECK_SHARES: 'no',
  });

  it('fails when the start command returned 0 but nothing listens on the ports', async () => {
    await box.setOptions(options('true'));
    const result = await box.runner().run('startup');
    expect(result.status).toBe('ERROR');
    expect(result.scripts[0].output).toMatch(
      new RegExp(`^samba: smbd did not start: nothing listens on TCP port\\(s\\) ${PORT} 1 s after 'true'\\. See Samba's log; start smbd through systemd`),
    );
  }, 30_000);

  it('passes once the service listens, also when it comes up after the start command returned', async () => {
    // A daemon that forks and listens a little later, as smbd -D does.
    const server = `require('net').createServer().listen(${PORT})`;
    await box.setOptions(options(`(sleep 0.3; exec ${process.execPath} -e "${server}") >/dev/null 2>&1 </dev/null & echo $! > ${pidFile}`));
    const result = await box.runner().run('startup');
    expect(result.scripts[0].output).toBe('');
    expect(result.status).toBe('OK');
    expect(listening(PORT)).toBe(true);
  }, 30_000);
});
