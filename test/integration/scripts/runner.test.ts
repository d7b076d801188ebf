// The event-script runner against real scripts in a temporary directory.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { EventArgumentError } from '../../../src/adapters/scripts/events';
import { eventScriptOptions, EventScriptOptions } from '../../../src/adapters/scripts/options';
import { ScriptEventRunner } from '../../../src/adapters/scripts/runner';
import { isAlive, makeEventsDir, readLines, removeEventsDir, waitFor, writeScript } from './helpers';

describe('ScriptEventRunner', () => {
  let dir: string;
  let log: string;
  const runner = (over: Partial<EventScriptOptions> = {}): ScriptEventRunner =>
    new ScriptEventRunner(eventScriptOptions({ pnn: 3, dir, configDir: '/etc/floatip-test', timeoutMs: 5000, ...over }));

  beforeEach(async () => {
    dir = await makeEventsDir();
    log = path.join(path.dirname(dir), 'log');
  });
  afterEach(async () => {
    await removeEventsDir(dir);
  });

  it('runs scripts in lexical order and reports each as OK', async () => {
    for (const name of ['20.c', '05.a', '10.b']) await writeScript(dir, name, `echo ${name} >> ${log}`);
    const result = await runner().run('startup');
    expect(result.status).toBe('OK');
    expect(await readLines(log)).toEqual(['05.a', '10.b', '20.c']);
    expect(result.scripts.map((s) => [s.name, s.status, s.exitCode])).toEqual([
      ['05.a', 'OK', 0], ['10.b', 'OK', 0], ['20.c', 'OK', 0],
    ]);
  });

  it('gives the event loop a turn between events that run no script, so a burst of takeips does not hold it', async () => {
    await writeScript(dir, '10.monitor-only', `# floatip-events: monitor\necho "$1" >> ${log}`);
    const events = runner();
    await events.run('takeip', ['eth0', '192.0.2.100', '24']); // the script's header is read once and kept
    let done = 0;
    const burst = Array.from({ length: 50 }, (_, k) => events.run('takeip', ['eth0', `192.0.2.${k + 1}`, '24']).then((result) => {
      done++;
      return result;
    }));
    const seenAtTurn = new Promise<number>((resolve) => { setImmediate(() => resolve(done)); });
    expect((await Promise.all(burst)).map((result) => result.status)).toEqual(Array(50).fill('OK'));
    // The turn came while the burst was still running (without a turn per event it came after all 50).
    expect(await seenAtTurn).toBeLessThan(50);
  });

  it('does not run a script without the execute bit and reports it DISABLED', async () => {
    await writeScript(dir, '10.off', `echo off >> ${log}`, 0o644);
    await writeScript(dir, '20.on', `echo on >> ${log}`);
    const result = await runner().run('monitor');
    expect(result.status).toBe('OK');
    expect(await readLines(log)).toEqual(['on']);
    expect(result.scripts.map((s) => [s.name, s.status])).toEqual([['10.off', 'DISABLED'], ['20.on', 'OK']]);
  });

  it('runs CTDB\'s NN.name.script beside NN.name, in one lexical order', async () => {
    await writeScript(dir, '50.samba.script', `echo 50.samba.script "$1" >> ${log}`);
    await writeScript(dir, '49.winbind', `echo 49.winbind >> ${log}`);
    await writeScript(dir, '60.nfs.script', `echo 60.nfs.script >> ${log}`, 0o644);
    const result = await runner().run('monitor');
    expect(await readLines(log)).toEqual(['49.winbind', '50.samba.script monitor']);
    expect(result.scripts.map((s) => [s.name, s.status])).toEqual([['49.winbind', 'OK'], ['50.samba.script', 'OK'], ['60.nfs.script', 'DISABLED']]);
  });

  it('runs CTDB\'s 10.interface.script for startup and monitor only: floatipd adds and deletes addresses itself', async () => {
    await writeScript(dir, '10.interface.script', `echo "$1" >> ${log}`);
    for (const event of ['init', 'startup', 'takeip', 'monitor', 'releaseip', 'shutdown'] as const) {
      const args = event === 'takeip' || event === 'releaseip' ? ['eth0', '192.0.2.1', '24'] : [];
      await runner().run(event, args);
    }
    expect(await readLines(log)).toEqual(['startup', 'monitor']);
  });

  it('ignores names with extra dots, backups ending in ~ and names not NN.name', async () => {
    for (const name of ['10.samba.rpmsave', '10.samba~', '10.samba.script~', 'README', '1.short', 'ab.letters', '100.three', 'samba.script']) {
      await writeScript(dir, name, `echo ${name} >> ${log}`);
    }
    await writeScript(dir, '10.samba', `echo 10.samba >> ${log}`);
    const result = await runner().run('monitor');
    expect(await readLines(log)).toEqual(['10.samba']);
    expect(result.scripts.map((s) => s.name)).toEqual(['10.samba']);
  });

  it('passes the event, its arguments and the node environment to each script', async () => {
    await writeScript(dir, '10.args', `echo "$# $* pnn=$FLOATIP_PNN base=$FLOATIP_BASE event=$FLOATIP_EVENT opts=$FLOATIP_SCRIPT_OPTIONS extra=$EXTRA" >> ${log}`);
    const r = runner({ scriptOptionsFile: '/x/script.options', environment: { EXTRA: 'yes' } });
    await r.run('takeip', ['veth0', '192.0.2.10', '24']);
    await r.run('updateip', ['veth0', 'veth1', '2001:db8::7', '64']);
    expect(await readLines(log)).toEqual([
      '4 takeip veth0 192.0.2.10 24 pnn=3 base=/etc/floatip-test event=takeip opts=/x/script.options extra=yes',
      '5 updateip veth0 veth1 2001:db8::7 64 pnn=3 base=/etc/floatip-test event=updateip opts=/x/script.options extra=yes',
    ]);
  });

  it('rejects bad event names and arguments before running anything', async () => {
    await writeScript(dir, '10.any', `echo ran >> ${log}`);
    const r = runner();
    await expect(r.run('takeip', ['veth0', '192.0.2.300', '24'])).rejects.toThrow(EventArgumentError);
    await expect(r.run('takeip', ['veth0', '192.0.2.3', '33'])).rejects.toThrow(/prefix length 0\.\.32/);
    await expect(r.run('releaseip', ['veth0'])).rejects.toThrow(/usage: releaseip IFACE IP BITS/);
    await expect(r.run('reboot' as never)).rejects.toThrow(/unknown event "reboot"/);
    expect(await readLines(log)).toEqual([]);
  });

  it('stops at the first failing script and reports its exit code and output', async () => {
    await writeScript(dir, '10.ok', `echo 10 >> ${log}`);
    await writeScript(dir, '20.fail', `echo "smbd is not listening on 445" >&2; exit 3`);
    await writeScript(dir, '30.later', `echo 30 >> ${log}`);
    const result = await runner().run('monitor');
    expect(result.status).toBe('ERROR');
    expect(result.exitCode).toBe(3);
    expect(await readLines(log)).toEqual(['10']);
    expect(result.scripts.map((s) => [s.name, s.status, s.exitCode])).toEqual([['10.ok', 'OK', 0], ['20.fail', 'ERROR', 3]]);
    expect(result.scripts[1].output).toBe('smbd is not listening on 445\n');
  });

  it('reports a script killed by a signal as ERROR with 128 + the signal number', async () => {
    await writeScript(dir, '10.selfkill', 'kill -KILL $$');
    const result = await runner().run('monitor');
    expect(result.status).toBe('ERROR');
    expect(result.exitCode).toBe(137);
  });

  it('kills the whole process group on timeout, including a grandchild that ignores SIGTERM', async () => {
    const pidFile = path.join(path.dirname(dir), 'grandchild.pid');
    await writeScript(dir, '10.hang', [
      `sh -c 'trap "" TERM; echo $$ > ${pidFile}; exec sleep 60' &`,
      'sleep 60',
    ].join('\n'));
    await writeScript(dir, '20.after', `echo after >> ${log}`);
    const result = await runner({ eventTimeoutsMs: { monitor: 400 } }).run('monitor');
    expect(result.status).toBe('TIMEDOUT');
    expect(result.scripts.map((s) => [s.name, s.status])).toEqual([['10.hang', 'TIMEDOUT']]);
    expect(result.reason).toMatch(/10\.hang was still running after the event's 400 ms/);
    const grandchild = Number((await fs.readFile(pidFile, 'utf8')).trim());
    await waitFor(() => !isAlive(grandchild), `grandchild ${grandchild} to die`);
    expect(await readLines(log)).toEqual([]);
  });

  it('shares one timeout across all scripts of an event', async () => {
    // Each alone fits in the budget; together they do not.
    await writeScript(dir, '10.slow', 'sleep 0.5');
    await writeScript(dir, '20.slow', 'sleep 0.9');
    const result = await runner({ eventTimeoutsMs: { startup: 1200 } }).run('startup');
    expect(result.status).toBe('TIMEDOUT');
    expect(result.scripts.map((s) => [s.name, s.status])).toEqual([['10.slow', 'OK'], ['20.slow', 'TIMEDOUT']]);
  });

  it('does not wait for a background service that keeps the output pipe open', async () => {
    const pidFile = path.join(path.dirname(dir), 'service.pid');
    await writeScript(dir, '10.starter', `sleep 30 & echo $! > ${pidFile}; echo started`);
    const result = await runner().run('startup');
    const service = Number((await fs.readFile(pidFile, 'utf8')).trim());
    try {
      expect(result.status).toBe('OK');
      expect(result.scripts[0].output).toBe('started\n');
      expect(isAlive(service)).toBe(true);
    } finally {
      process.kill(service, 'SIGKILL');
    }
  }, 5000);

  it('keeps at most the configured number of output bytes and marks the rest as dropped', async () => {
    await writeScript(dir, '10.chatty', 'head -c 100000 /dev/zero | tr "\\0" x; echo; echo tail >&2');
    const result = await runner({ outputLimitBytes: 1000 }).run('monitor');
    expect(result.status).toBe('OK');
    expect(result.scripts[0].output).toBe('x'.repeat(1000));
    expect(result.scripts[0].outputTruncated).toBe(true);
  });

  it('reports a script that cannot be executed as CANNOT RUN and stops the event', async () => {
    const file = path.join(dir, '10.badinterpreter');
    await fs.writeFile(file, '#!/nonexistent/interpreter\necho never\n');
    await fs.chmod(file, 0o755);
    await writeScript(dir, '20.after', `echo after >> ${log}`);
    const result = await runner().run('monitor');
    expect(result.status).toBe('CANNOT RUN');
    expect(result.scripts).toHaveLength(1);
    expect(result.scripts[0]).toMatchObject({ name: '10.badinterpreter', status: 'CANNOT RUN' });
    expect(result.scripts[0].output).toMatch(/cannot execute .*10\.badinterpreter.*check its #! line/);
    expect(await readLines(log)).toEqual([]);
  });

  it('keeps the last status per event', async () => {
    await writeScript(dir, '10.flip', `[ "$1" = monitor ] && exit 1; exit 0`);
    const r = runner();
    expect(r.lastStatus('monitor')).toBeUndefined();
    await r.run('monitor');
    await r.run('startup');
    expect(r.lastStatus('monitor')?.status).toBe('ERROR');
    expect(r.lastStatus('startup')?.status).toBe('OK');
    expect(r.lastStatus('startup')?.scripts[0].startedAtMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('runs one event at a time, in the order asked', async () => {
    await writeScript(dir, '10.trace', `echo "start $1 $3" >> ${log}; sleep 0.05; echo "end $1 $3" >> ${log}`);
    const r = runner();
    await Promise.all([
      r.run('takeip', ['veth0', '192.0.2.1', '24']),
      r.run('takeip', ['veth0', '192.0.2.2', '24']),
      r.run('ipreallocated'),
    ]);
    expect(await readLines(log)).toEqual([
      'start takeip 192.0.2.1', 'end takeip 192.0.2.1', 'start takeip 192.0.2.2', 'end takeip 192.0.2.2',
      'start ipreallocated ', 'end ipreallocated ',
    ]);
  });

  describe('CTDB queueing of monitor', () => {
    it('cancels a running monitor when another event arrives, and keeps no monitor status', async () => {
      const started = path.join(path.dirname(dir), 'monitor.started');
      await writeScript(dir, '10.slowmonitor', `if [ "$1" = monitor ]; then touch ${started}; sleep 30; fi; echo "$1" >> ${log}`);
      const r = runner({ timeoutMs: 20_000 });
      const monitor = r.run('monitor');
      await waitFor(() => fs.access(started).then(() => true, () => false), 'monitor to start');
      const takeip = await r.run('takeip', ['veth0', '192.0.2.5', '24']);
      const cancelled = await monitor;
      expect(cancelled.status).toBe('CANCELLED');
      expect(cancelled.reason).toMatch(/another event arrived/);
      expect(takeip.status).toBe('OK');
      expect(await readLines(log)).toEqual(['takeip']);
      expect(r.lastStatus('monitor')).toBeUndefined();
    });

    it('skips a monitor that would have to wait behind another event', async () => {
      await writeScript(dir, '10.trace', `sleep 0.2; echo "$1" >> ${log}`);
      const r = runner();
      const startup = r.run('startup');
      const monitor = await r.run('monitor');
      expect(monitor.status).toBe('SKIPPED');
      expect(monitor.reason).toMatch(/startup is running/);
      expect((await startup).status).toBe('OK');
      expect(await readLines(log)).toEqual(['startup']);
      expect(r.lastStatus('monitor')).toBeUndefined();
    });
  });

  describe('declared events', () => {
    it('never forks a script for an event its header does not declare', async () => {
      const declaredForks = path.join(path.dirname(dir), 'declared.forks');
      const undeclaredForks = path.join(path.dirname(dir), 'undeclared.forks');
      await writeScript(dir, '10.declared', `# floatip-events: startup monitor shutdown\necho "$1" >> ${declaredForks}`);
      await writeScript(dir, '20.undeclared', `echo "$1" >> ${undeclaredForks}`);
      const r = runner();
      for (let i = 1; i <= 20; i++) {
        const result = await r.run('takeip', ['veth0', `192.0.2.${i}`, '24']);
        expect(result.scripts.map((s) => s.name)).toEqual(['20.undeclared']);
      }
      await r.run('monitor');
      expect(await readLines(declaredForks)).toEqual(['monitor']);
      expect(await readLines(undeclaredForks)).toHaveLength(21);
    });

    it('refuses a script whose header names an unknown event', async () => {
      await writeScript(dir, '10.typo', '# floatip-events: monitr');
      const result = await runner().run('monitor');
      expect(result.status).toBe('CANNOT RUN');
      expect(result.scripts[0].output).toMatch(/unknown event\(s\) monitr: fix the spelling/);
    });

    it('rereads a header after the script changes', async () => {
      const file = await writeScript(dir, '10.edit', `# floatip-events: startup\necho "$1" >> ${log}`);
      const r = runner();
      await r.run('monitor');
      await fs.writeFile(file, `#!/bin/sh\n# floatip-events: monitor startup\necho "$1" >> ${log}\n`);
      await r.run('monitor');
      expect(await readLines(log)).toEqual(['monitor']);
    });
  });

  describe('safety: only root may change what runs', () => {
    it.each([
      ['group-writable', 0o775, /can be written by a non-root user \(mode 775\)/],
      ['world-writable', 0o757, /can be written by a non-root user \(mode 757\)/],
    ])('refuses a %s script', async (_label, mode, message) => {
      await writeScript(dir, '10.open', `echo ran >> ${log}`, mode);
      const result = await runner().run('monitor');
      expect(result.status).toBe('CANNOT RUN');
      expect(result.scripts[0]).toMatchObject({ name: '10.open', status: 'CANNOT RUN' });
      expect(result.scripts[0].output).toMatch(message);
      expect(result.scripts[0].output).toMatch(/chmod go-w/);
      expect(await readLines(log)).toEqual([]);
    });

    it('refuses a script owned by another user', async () => {
      const file = await writeScript(dir, '10.nobody', `echo ran >> ${log}`);
      await fs.chown(file, 65534, 65534);
      const result = await runner().run('monitor');
      expect(result.status).toBe('CANNOT RUN');
      expect(result.scripts[0].output).toMatch(/owned by uid 65534, not root: chown root/);
      expect(await readLines(log)).toEqual([]);
    });

    it('refuses an events directory that others can write or that root does not own', async () => {
      await writeScript(dir, '10.ok', `echo ran >> ${log}`);
      await fs.chmod(dir, 0o777);
      const writable = await runner().run('monitor');
      expect(writable.status).toBe('CANNOT RUN');
      expect(writable.reason).toMatch(/events directory .* can be written by a non-root user/);
      await fs.chmod(dir, 0o755);
      await fs.chown(dir, 65534, 65534);
      const foreign = await runner().run('monitor');
      expect(foreign.reason).toMatch(/owned by uid 65534/);
      expect(await readLines(log)).toEqual([]);
    });

    it('refuses a directory above the events directory that others can write', async () => {
      await writeScript(dir, '10.ok', `echo ran >> ${log}`);
      await fs.chmod(path.dirname(dir), 0o777);
      const result = await runner().run('monitor');
      expect(result.reason).toMatch(/above the events directory can be written/);
    });

    it('reports a missing events directory with what to do', async () => {
      const result = await runner({ dir: path.join(dir, 'missing') }).run('monitor');
      expect(result.status).toBe('CANNOT RUN');
      expect(result.reason).toMatch(/cannot be read .*create it/);
    });
  });
});
