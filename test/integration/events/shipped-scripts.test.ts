// The shipped events.d scripts, run by the real runner; services that cannot run here are fakes on PATH.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeSandbox, ScriptSandbox, SHIPPED_DIR } from './helpers';

const SHIPPED = ['00.floatip', '10.interface', '49.winbind', '50.samba', '60.nfs', '99.notify'];

describe('the shipped events.d', () => {
  it('has every documented script, each declaring its events, and a README section for each', async () => {
    const readme = await fs.readFile(path.join(SHIPPED_DIR, 'README.md'), 'utf8');
    for (const name of SHIPPED) {
      const text = await fs.readFile(path.join(SHIPPED_DIR, name), 'utf8');
      expect(text.split('\n').slice(0, 5).join('\n')).toMatch(/^# floatip-events: [a-z ]+$/m);
      expect(readme).toContain(`## ${name}`);
    }
  });
});

describe('shipped scripts', () => {
  let box: ScriptSandbox;
  afterEach(async () => {
    await box?.remove();
  });

  describe('00.floatip', () => {
    beforeEach(async () => {
      box = await makeSandbox(['00.floatip']);
    });

    it('passes monitor when the configuration is readable and limits are not reached', async () => {
      await box.setOptions({ FLOATIP_MONITOR_FILESYSTEM_USAGE: `${box.root}:100`, FLOATIP_MONITOR_MEMORY_USAGE: '100:100' });
      const result = await box.runner().run('monitor');
      expect(result.status).toBe('OK');
    });

    it('fails naming a missing configuration file', async () => {
      await fs.rm(path.join(box.configDir, 'nodes'));
      const result = await box.runner().run('monitor');
      expect(result.status).toBe('ERROR');
      expect(result.scripts[0].output).toContain(`floatip: ${box.configDir}/nodes is missing: create it`);
    });

    it('fails when a filesystem is at its unhealthy limit, and only warns at the warning limit', async () => {
      await box.setOptions({ FLOATIP_MONITOR_FILESYSTEM_USAGE: `${box.root}:0:100`, FLOATIP_MONITOR_MEMORY_USAGE: '' });
      const warned = await box.runner().run('monitor');
      expect(warned.status).toBe('OK');
      expect(warned.scripts[0].output).toMatch(/WARNING: filesystem of .* at or above the warning limit of 0%/);
      await box.setOptions({ FLOATIP_MONITOR_FILESYSTEM_USAGE: `${box.root}:0` });
      const failed = await box.runner().run('monitor');
      expect(failed.status).toBe('ERROR');
      expect(failed.scripts[0].output).toMatch(/filesystem of .* at or above the unhealthy limit of 0%/);
    });

    it('fails when memory use is at its unhealthy limit', async () => {
      await box.setOptions({ FLOATIP_MONITOR_FILESYSTEM_USAGE: '', FLOATIP_MONITOR_MEMORY_USAGE: '0:0' });
      const result = await box.runner().run('monitor');
      expect(result.status).toBe('ERROR');
      expect(result.scripts[0].output).toMatch(/floatip: memory is [0-9]+% used, at or above the unhealthy limit of 0%/);
    });

    it('is not forked for events it does not declare', async () => {
      await fs.rm(path.join(box.configDir, 'nodes'));
      const result = await box.runner().run('takeip', ['veth0', '192.0.2.9', '24']);
      expect(result).toMatchObject({ status: 'OK', scripts: [] });
    });
  });

  describe('10.interface', () => {
    beforeEach(async () => {
      box = await makeSandbox(['10.interface']);
    });

    it('passes for an existing interface named in public_addresses and only warns for a missing one (floatipd hosts nothing there)', async () => {
      await fs.writeFile(path.join(box.configDir, 'public_addresses'), '192.0.2.100/24 lo\n');
      expect((await box.runner().run('monitor')).status).toBe('OK');
      // A missing interface made the node UNHEALTHY, also for the addresses it could host on its other interfaces.
      for (const list of ['192.0.2.100/24 lo,fevmissing0\n# 192.0.2.101/24 fevcomment\n', '192.0.2.100/24 lo\n192.0.2.101/24 fevmissing0\n']) {
        await fs.writeFile(path.join(box.configDir, 'public_addresses'), list);
        const result = await box.runner().run('monitor');
        expect([result.status, result.scripts[0].output]).toEqual(['OK',
          'interface: WARNING: interface fevmissing0 does not exist: no public address goes on it until it appears; create it or fix public_addresses\n']);
      }
    });

    it('with FLOATIP_PARTIALLY_ONLINE_INTERFACES=yes fails only when every interface has a problem', async () => {
      // A bond without slaves is a problem (a missing interface is not): on a fake sysfs tree.
      const net = path.join(box.root, 'sys/class/net');
      await fs.mkdir(path.join(net, 'lo'), { recursive: true });
      await fs.writeFile(path.join(net, 'lo/operstate'), 'unknown\n');
      await fs.mkdir(path.join(net, 'fevbond0/bonding'), { recursive: true });
      await fs.writeFile(path.join(net, 'fevbond0/bonding/slaves'), '\n');
      const sysfs = path.join(box.root, 'sys');
      await box.setOptions({ FLOATIP_SYSFS: sysfs, FLOATIP_INTERFACES: 'lo fevbond0', FLOATIP_PARTIALLY_ONLINE_INTERFACES: 'yes' });
      const partial = await box.runner().run('monitor');
      expect(partial.status).toBe('OK');
      expect(partial.scripts[0].output).toMatch(/WARNING: 1 of 2 interfaces have problems/);
      await box.setOptions({ FLOATIP_SYSFS: sysfs, FLOATIP_INTERFACES: 'fevbond0', FLOATIP_PARTIALLY_ONLINE_INTERFACES: 'yes' });
      expect((await box.runner().run('monitor')).status).toBe('ERROR');
    });

    describe('bond and VLAN checks on a fake sysfs tree (the bonding and 8021q drivers are absent here)', () => {
      const link = async (name: string, operstate: string, extra: Record<string, string> = {}): Promise<void> => {
        const dir = path.join(box.root, 'sys/class/net', name);
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(path.join(dir, 'operstate'), `${operstate}\n`);
        for (const [file, text] of Object.entries(extra)) {
          await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
          await fs.writeFile(path.join(dir, file), text);
        }
      };
      const run = async (interfaces: string): Promise<{ status: string; output: string }> => {
        await box.setOptions({ FLOATIP_SYSFS: path.join(box.root, 'sys'), FLOATIP_INTERFACES: interfaces });
        const result = await box.runner().run('monitor');
        return { status: result.status, output: result.scripts[0].output };
      };

      it('fails a bond with no slave up, warns for a bond missing some', async () => {
        await link('eth0', 'down');
        await link('eth1', 'up');
        await link('bond0', 'up', { 'bonding/slaves': 'eth0 eth1\n' });
        expect(await run('bond0')).toEqual({ status: 'OK', output: 'interface: WARNING: bond bond0 runs without slave(s) eth0\n' });
        await fs.writeFile(path.join(box.root, 'sys/class/net/eth1/operstate'), 'down\n');
        expect(await run('bond0')).toEqual({ status: 'ERROR', output: 'interface: bond bond0 has no slave with link (slaves: eth0 eth1)\n' });
      });

      it('fails a VLAN whose parent has no link', async () => {
        await link('eth2', 'up');
        await link('eth2.10', 'up', { uevent: 'DEVTYPE=vlan\nINTERFACE=eth2.10\n' });
        await fs.symlink('../eth2', path.join(box.root, 'sys/class/net/eth2.10/lower_eth2'));
        expect(await run('eth2.10')).toEqual({ status: 'OK', output: '' });
        await fs.writeFile(path.join(box.root, 'sys/class/net/eth2/operstate'), 'down\n');
        expect(await run('eth2.10')).toEqual({ status: 'ERROR', output: 'interface: VLAN eth2.10: parent eth2 has no link\n' });
      });
    });
  });

  describe('49.winbind (fake wbinfo and service commands: winbindd cannot join a domain here)', () => {
    beforeEach(async () => {
      box = await makeSandbox(['49.winbind']);
    });

    it('passes monitor when wbinfo -p answers and fails with its output when not', async () => {
      await box.fakeCommand('wbinfo', 'echo "Ping to winbindd succeeded"');
      expect((await box.runner().run('monitor')).status).toBe('OK');
      expect(await box.calls('wbinfo')).toEqual(['-p']);
      await box.fakeCommand('wbinfo', 'echo "could not ping winbindd!"; exit 1');
      const failed = await box.runner().run('monitor');
      expect(failed.status).toBe('ERROR');
      expect(failed.scripts[0].output).toBe("winbind: winbindd does not answer 'wbinfo -p' (could not ping winbindd!): check that winbindd runs\n");
    });

    it('starts and stops winbindd only when FLOATIP_MANAGES_WINBIND=yes', async () => {
      await box.fakeCommand('fake-service');
      await box.setOptions({ FLOATIP_WINBIND_START: 'fake-service start winbind', FLOATIP_WINBIND_STOP: 'fake-service stop winbind' });
      await box.runner().run('startup');
      expect(await box.calls('fake-service')).toEqual([]);
      await box.setOptions({
        FLOATIP_MANAGES_WINBIND: 'yes', FLOATIP_WINBIND_START: 'fake-service start winbind', FLOATIP_WINBIND_STOP: 'fake-service stop winbind',
      });
      const r = box.runner();
      expect((await r.run('startup')).status).toBe('OK');
      expect((await r.run('shutdown')).status).toBe('OK');
      expect(await box.calls('fake-service')).toEqual(['start winbind', 'stop winbind']);
    });

    it('fails startup when winbindd does not start', async () => {
      await box.fakeCommand('fake-service', 'exit 5');
      await box.setOptions({ FLOATIP_MANAGES_WINBIND: 'yes', FLOATIP_WINBIND_START: 'fake-service start winbind' });
      const result = await box.runner().run('startup');
      expect(result.status).toBe('ERROR');
      expect(result.scripts[0].output).toMatch(/starting winbindd failed \(fake-service start winbind\)/);
    });
  });

  describe('60.nfs (fake rpcinfo, statd restart and sm-notify: no NFS server in this container)', () => {
    beforeEach(async () => {
      box = await makeSandbox(['60.nfs']);
      await box.fakeCommand('fake-statd-restart');
      await box.fakeCommand('sm-notify');
      await box.setOptions({ FLOATIP_NFS_STATE_DIR: path.join(box.root, 'nfs-state'), FLOATIP_NFS_STATD_RESTART: 'fake-statd-restart' });
    });

    it('passes monitor when every RPC program answers and names the ones that do not', async () => {
      await box.fakeCommand('rpcinfo');
      expect((await box.runner().run('monitor')).status).toBe('OK');
      expect(await box.calls('rpcinfo')).toEqual([
        '-T tcp 127.0.0.1 portmapper 2', '-T tcp 127.0.0.1 nfs 3', '-T tcp 127.0.0.1 mountd 3',
        '-T tcp 127.0.0.1 nlockmgr 4', '-T tcp 127.0.0.1 status 1',
      ]);
      await box.fakeCommand('rpcinfo', 'case "$4" in nfs|status) exit 1;; esac');
      const failed = await box.runner().run('monitor');
      expect(failed.status).toBe('ERROR');
      expect(failed.scripts[0].output).toBe('nfs: not answering on TCP: nfs v3 status v1: check rpcbind and nfs-server (rpcinfo -p)\n');
    });

    it('restarts statd once at ipreallocated after many takeips, and notifies from each taken address', async () => {
      const r = box.runner();
      await r.run('takeip', ['veth0', '192.0.2.10', '24']);
      await r.run('takeip', ['veth0', '192.0.2.11', '24']);
      await r.run('takeip', ['veth0', '192.0.2.10', '24']);
      await r.run('releaseip', ['veth0', '192.0.2.12', '24']);
      expect(await box.calls('fake-statd-restart')).toEqual([]);
      expect((await r.run('ipreallocated')).status).toBe('OK');
      expect(await box.calls('fake-statd-restart')).toHaveLength(1);
      expect(await box.calls('sm-notify')).toEqual(['-f -v 192.0.2.10', '-f -v 192.0.2.11']);
      await r.run('ipreallocated');
      expect(await box.calls('fake-statd-restart')).toHaveLength(1);
    });

    it('after a releaseip alone, restarts statd but sends no notice', async () => {
      const r = box.runner();
      await r.run('releaseip', ['veth0', '192.0.2.12', '24']);
      await r.run('ipreallocated');
      expect(await box.calls('fake-statd-restart')).toHaveLength(1);
      expect(await box.calls('sm-notify')).toEqual([]);
    });

    it('keeps the reconfigure mark when statd fails to restart, so the next ipreallocated retries', async () => {
      await box.fakeCommand('fake-statd-restart', 'exit 1');
      const r = box.runner();
      await r.run('takeip', ['veth0', '192.0.2.10', '24']);
      const failed = await r.run('ipreallocated');
      expect(failed.status).toBe('ERROR');
      expect(failed.scripts[0].output).toMatch(/restarting statd failed .* will retry/);
      await box.fakeCommand('fake-statd-restart');
      expect((await r.run('ipreallocated')).status).toBe('OK');
      expect(await box.calls('sm-notify')).toEqual(['-f -v 192.0.2.10']);
    });
  });

  describe('99.notify', () => {
    let notifyDir: string;
    beforeEach(async () => {
      box = await makeSandbox(['99.notify']);
      notifyDir = path.join(box.root, 'notify.d');
      await fs.mkdir(notifyDir);
      await box.setOptions({ FLOATIP_NOTIFY_DIR: notifyDir, FLOATIP_NOTIFY_TIMEOUT: '1' });
    });
    const hook = async (name: string, body: string, mode = 0o755): Promise<void> => {
      await fs.writeFile(path.join(notifyDir, name), `#!/bin/sh\n${body}\n`);
      await fs.chmod(path.join(notifyDir, name), mode);
    };

    it('runs every hook with the event, its arguments and a JSON line on stdin', async () => {
      const seen = path.join(box.root, 'seen');
      await hook('chat', `echo "args: $*" >> ${seen}; cat >> ${seen}`);
      await hook('mail', `echo "mail $1" >> ${seen}`);
      const result = await box.runner().run('takeip', ['veth0', '2001:db8::5', '64']);
      expect(result.status).toBe('OK');
      const lines = (await fs.readFile(seen, 'utf8')).trim().split('\n');
      expect(lines[0]).toBe('args: takeip veth0 2001:db8::5 64');
      expect(JSON.parse(lines[1])).toEqual({
        event: 'takeip', args: ['veth0', '2001:db8::5', '64'], pnn: 1, host: expect.any(String), time: expect.stringMatching(/Z$/),
      });
      expect(lines[2]).toBe('mail takeip');
    });

    it('never fails the event for a failing, slow or unsafe hook', async () => {
      await hook('a-fails', 'exit 3');
      await hook('b-hangs', 'sleep 30');
      await hook('c-open', 'echo ran', 0o777);
      const result = await box.runner().run('ipreallocated');
      expect(result.status).toBe('OK');
      expect(result.scripts[0].output).toContain('hook ' + path.join(notifyDir, 'a-fails') + ' exited with 3');
      expect(result.scripts[0].output).toContain('hook ' + path.join(notifyDir, 'b-hangs') + ' killed after 1 s');
      expect(result.scripts[0].output).toContain(`skipping ${path.join(notifyDir, 'c-open')}: it must be owned by root`);
      expect(result.scripts[0].output).not.toContain('ran');
    });

    it('is not forked for monitor', async () => {
      await hook('chat', 'echo hook ran');
      expect(await box.runner().run('monitor')).toMatchObject({ status: 'OK', scripts: [] });
    });
  });
});
