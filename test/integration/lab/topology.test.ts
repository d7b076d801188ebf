// `floatip lab` on the real kernel without daemons: topology, files, connectivity, partition, link faults, down.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { loadConfig } from '../../../src/config';
import { labStatus } from '../../../src/lab';
import {
  addAddress, cleanup, processGone, floatip, hostLinksWithPrefix, linkOf, namespacesWithPrefix, pings, PREFIX, removeTempRoot, tempRoot,
} from './helpers';

jest.setTimeout(60_000);

const root = tempRoot();
const dir = `${root}/lab`;
const target = { prefix: PREFIX, dir };
/** `floatip lab VERB --prefix flt --dir DIR ARGS...`: the target options go first, so exec's command stays last. */
const lab = (verb: string, ...args: string[]) => floatip('lab', verb, '--prefix', PREFIX, '--dir', dir, ...args);
const node = (pnn: number) => `${PREFIX}-n${pnn}`;
const CLIENT = `${PREFIX}-cl`;
const SWITCH = `${PREFIX}-sw`;
const PRIVATE = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];

/** Exit status and stderr of the node's labcheck script run for `monitor`, as the event runner would. */
function labcheck(pnn: number): { status: number | null; stderr: string } {
  const result = spawnSync(`${dir}/node${pnn}/events.d/90.labcheck`, ['monitor'], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

beforeAll(async () => {
  await cleanup(dir);
});

afterAll(async () => {
  await cleanup(dir);
  removeTempRoot(root);
});

describe('lab up --no-daemons', () => {
  beforeAll(async () => {
    const up = await lab('up', '--nodes', '3', '--ips', '3', '--ipv6', '--no-daemons');
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('no floatipd started (--no-daemons)');
  });

  it('makes the switch, the client and one namespace per node, and nothing in the host namespace', () => {
    expect(namespacesWithPrefix().sort()).toEqual([`${PREFIX}-cl`, `${PREFIX}-n0`, `${PREFIX}-n1`, `${PREFIX}-n2`, `${PREFIX}-sw`]);
    expect(hostLinksWithPrefix()).toEqual([]);
    for (let pnn = 0; pnn < 3; pnn++) {
      expect(linkOf(SWITCH, `${PREFIX}-n${pnn}priv`).master).toBe(`${PREFIX}-priv`);
      expect(linkOf(SWITCH, `${PREFIX}-n${pnn}pub`).master).toBe(`${PREFIX}-pub`);
    }
    expect(linkOf(SWITCH, `${PREFIX}-clpub`).master).toBe(`${PREFIX}-pub`);
  });

  it('refuses a second up with the same prefix and names the way out', async () => {
    const again = await lab('up', '--no-daemons');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already up');
    expect(again.stderr).toContain(`floatip lab down --prefix ${PREFIX}`);
  });

  it('writes per-node files that loadConfig accepts from disk, with the key and scripts floatipd demands', async () => {
    for (let pnn = 0; pnn < 3; pnn++) {
      const nodeDir = `${dir}/node${pnn}`;
      const loaded = await loadConfig({ tomlPath: `${nodeDir}/floatip.toml` }, (p) => fs.readFile(p, 'utf8'));
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
      expect(loaded.config.node.pnn).toBe(pnn);
      expect(loaded.config.nodes.map((n) => n.address?.text)).toEqual(PRIVATE);
      expect(loaded.config.public_addresses.map((a) => a.address.text))
        .toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '2001:db8:100::1', '2001:db8:100::2', '2001:db8:100::3']);
      expect(loaded.config.control.socket).toBe(`${nodeDir}/control.sock`);
      const key = statSync(`${nodeDir}/cluster.key`);
      expect(key.mode & 0o777).toBe(0o600);
      expect(key.size).toBe(32);
      const mode = (name: string) => statSync(`${nodeDir}/events.d/${name}`).mode & 0o777;
      expect(mode('00.floatip')).toBe(0o755);
      expect(mode('90.labcheck')).toBe(0o755);
      expect(mode('50.samba') & 0o100).toBe(0);
      expect(existsSync(`${nodeDir}/events.d/functions`)).toBe(true);
    }
    const keys = await Promise.all([0, 1, 2].map((pnn) => fs.readFile(`${dir}/node${pnn}/cluster.key`)));
    expect(keys[1].equals(keys[0]) && keys[2].equals(keys[0])).toBe(true);
  });

  it('connects the nodes on the private network', () => {
    for (let from = 0; from < 3; from++) {
      for (let to = 0; to < 3; to++) if (from !== to) expect([from, to, pings(node(from), PRIVATE[to])]).toEqual([from, to, true]);
    }
  });

  it('lets the client reach a public address added by hand in a node namespace, and status sees who holds it', async () => {
    addAddress(node(1), '198.51.100.1/24', `${PREFIX}-pub`);
    addAddress(node(2), '2001:db8:100::1/64', `${PREFIX}-pub`);
    expect(pings(CLIENT, '198.51.100.1')).toBe(true);
    expect(pings(CLIENT, '2001:db8:100::1')).toBe(true);
    expect(pings(CLIENT, '198.51.100.2')).toBe(false);
    const status = await labStatus(target);
    const holders = Object.fromEntries(status.addresses.map((a) => [a.address, a.holders]));
    expect(holders['198.51.100.1']).toEqual([1]);
    expect(holders['2001:db8:100::1']).toEqual([2]);
    expect(holders['198.51.100.2']).toEqual([]);
    const text = await lab('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/198\.51\.100\.1\s+node 1/);
    expect(text.stdout).toContain('cluster: no status (the lab runs no daemons (--no-daemons))');
  });

  it('makes monitor fail on demand through 90.labcheck, and heal makes it pass', async () => {
    expect(labcheck(1).status).toBe(0);
    expect((await lab('fail', '1', '--mode', 'monitor')).code).toBe(0);
    const failing = labcheck(1);
    expect(failing.status).toBe(1);
    expect(failing.stderr).toContain('floatip lab heal 1');
    expect(labcheck(0).status).toBe(0);
    expect((await labStatus(target)).nodes[1].monitorFailing).toBe(true);
    expect((await lab('heal', '1')).code).toBe(0);
    expect(labcheck(1).status).toBe(0);
  });

  it('partition 0,1 2 blocks exactly the private traffic between the groups; heal restores it', async () => {
    const split = await lab('partition', '0,1', '2');
    expect(split.code).toBe(0);
    expect(pings(node(0), PRIVATE[1])).toBe(true);
    expect(pings(node(1), PRIVATE[0])).toBe(true);
    expect(pings(node(0), PRIVATE[2])).toBe(false);
    expect(pings(node(1), PRIVATE[2])).toBe(false);
    expect(pings(node(2), PRIVATE[0])).toBe(false);
    expect(pings(node(2), PRIVATE[1])).toBe(false);
    // The public network stays whole.
    expect(pings(CLIENT, '198.51.100.1')).toBe(true);
    expect((await labStatus(target)).partition).toEqual([[0, 1], [2]]);

    const healed = await lab('heal');
    expect(healed.code).toBe(0);
    expect(healed.stdout).toContain('partition ended');
    for (const [from, to] of [[0, 2], [2, 1], [1, 0]]) expect(pings(node(from), PRIVATE[to])).toBe(true);
    expect((await labStatus(target)).partition).toBeNull();
    expect(execFileSync('ip', ['-n', SWITCH, '-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(`${PREFIX}-part`);
  });

  it('refuses a partition that leaves a node out or names one twice', async () => {
    const missing = await lab('partition', '0', '1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('node 2 in no group');
    const twice = await lab('partition', '0,1', '1,2');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('node 1 is in more than one group');
  });

  it('fail --mode link takes the node\'s switch ports down: the node loses carrier and both networks', async () => {
    expect((await lab('fail', '1', '--mode', 'link')).code).toBe(0);
    expect(linkOf(SWITCH, `${PREFIX}-n1priv`).flags).not.toContain('UP');
    expect(linkOf(SWITCH, `${PREFIX}-n1pub`).flags).not.toContain('UP');
    expect(linkOf(node(1), `${PREFIX}-priv`).flags).toContain('NO-CARRIER');
    expect(linkOf(node(1), `${PREFIX}-pub`).flags).toContain('NO-CARRIER');
    expect(pings(node(0), PRIVATE[1])).toBe(false);
    expect(pings(CLIENT, '198.51.100.1')).toBe(false);
    const status = await labStatus(target);
    expect([status.nodes[1].privatePort, status.nodes[1].publicPort]).toEqual(['down', 'down']);

    expect((await lab('heal', '1')).code).toBe(0);
    expect(pings(node(0), PRIVATE[1])).toBe(true);
    expect(pings(CLIENT, '198.51.100.1')).toBe(true);
  });

  it('fail --mode link --links public cuts the public link only', async () => {
    expect((await lab('fail', '1', '--mode', 'link', '--links', 'public')).code).toBe(0);
    expect(pings(CLIENT, '198.51.100.1')).toBe(false);
    expect(pings(node(0), PRIVATE[1])).toBe(true);
    expect((await lab('heal', '1')).code).toBe(0);
    expect(pings(CLIENT, '198.51.100.1')).toBe(true);
  });

  it('says there is no daemon to kill in a lab without daemons', async () => {
    const kill = await lab('fail', '0', '--mode', 'kill');
    expect(kill.code).toBe(1);
    expect(kill.stderr).toContain('node 0 has no floatipd to signal: the lab was made with --no-daemons');
  });

  it('runs a command in a node namespace with exec', async () => {
    // exec hands the terminal to the command, so its exit status is what the test can see.
    expect((await lab('exec', '1', '--', 'ip', 'addr', 'show', 'dev', `${PREFIX}-pub`)).code).toBe(0);
    expect((await lab('exec', 'client', '--', 'ping', '-c', '1', '-W', '0.5', '-q', '198.51.100.1')).code).toBe(0);
    expect((await lab('exec', '0', '--', 'ping', '-c', '1', '-W', '0.5', '-q', PRIVATE[2])).code).toBe(0);
    expect((await lab('exec', '0', 'sh', '-c', 'exit 3')).code).toBe(3);
  });

  it('down removes every namespace, link and file, and a second down is fine', async () => {
    const down = await lab('down');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('5 namespaces');
    expect(namespacesWithPrefix()).toEqual([]);
    expect(hostLinksWithPrefix()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    const again = await lab('down');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing of lab flt was left');
  });
});

describe('lab up in a directory that holds other files', () => {
  it('refuses it, since down deletes the lab directory whole', async () => {
    const other = `${root}/other`;
    await fs.mkdir(other);
    await fs.writeFile(`${other}/notes.txt`, 'mine\n');
    const up = await floatip('lab', 'up', '--prefix', PREFIX, '--dir', other, '--no-daemons');
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(`--dir ${other} is not empty (notes.txt)`);
    expect(namespacesWithPrefix()).toEqual([]);
    expect(await fs.readFile(`${other}/notes.txt`, 'utf8')).toBe('mine\n');
  });
});

describe('lab down after a crash of the lab itself', () => {
  it('finds the namespaces and their processes by prefix when the state file is gone', async () => {
    expect((await lab('up', '--nodes', '2', '--no-daemons')).code).toBe(0);
    const sleeper = execFileSync('sh', ['-c', `ip netns exec ${node(1)} sleep 300 >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).trim();
    await fs.rm(`${dir}/lab-state.json`);
    const status = await lab('status');
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('no lab with prefix');

    const down = await lab('down');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('4 namespaces, 1 processes');
    expect(namespacesWithPrefix()).toEqual([]);
    expect(hostLinksWithPrefix()).toEqual([]);
    expect(processGone(Number(sleeper))).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect((await lab('down')).code).toBe(0);
  });
});
