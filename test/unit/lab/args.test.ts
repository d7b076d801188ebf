// Reading `floatip lab` argv: every verb, its defaults, and errors that say what to write.

import { LabCommand, parseLabArgs } from '../../../src/lab/args';
import { usageErrorOf } from './usage-error';

const parse = (...args: string[]): LabCommand => parseLabArgs(args, '/home/admin');

const usageError = (...args: string[]): string => usageErrorOf(parse, ...args);

const defaultTarget = { prefix: 'flab', dir: '/run/floatip-lab/flab' };

describe('parseLabArgs', () => {
  it('reads up with its defaults: 3 nodes, 3 IPv4 addresses, default profile, daemons on', () => {
    expect(parse('up')).toEqual({
      verb: 'up', target: defaultTarget,
      up: { nodes: 3, ipv4Addresses: 3, ipv6Addresses: 0, profile: 'default', daemons: true, floatipd: undefined, startTimeoutMs: 15_000 },
    });
  });

  it('reads every option of up, in both --name value and --name=value forms', () => {
    const command = parse('up', '--nodes=5', '--ips', '10', '--ipv6', '--profile', 'fast', '--no-daemons', '--start-timeout=3',
      '--prefix', 'flta', '--dir', 'labs/a');
    expect(command).toMatchObject({ verb: 'up', target: { prefix: 'flta', dir: '/home/admin/labs/a' }, up: { nodes: 5, ipv4Addresses: 10, ipv6Addresses: 10, profile: 'fast', daemons: false, startTimeoutMs: 3000 } });
    // A prefix must be lower case: caught here already, before anything is made.
    expect(usageError('up', '--prefix', 'fltA')).toContain("prefix 'fltA' must be 1 to 6 characters");
  });

  it('--ipv6 adds as many IPv6 as IPv4 addresses; --ips6 gives the count', () => {
    expect(parse('up', '--ips', '4', '--ipv6')).toMatchObject({ up: { ipv4Addresses: 4, ipv6Addresses: 4 } });
    expect(parse('up', '--ips', '0', '--ips6', '1000')).toMatchObject({ up: { ipv4Addresses: 0, ipv6Addresses: 1000 } });
    expect(parse('up', '--ips', '0', '--ipv6')).toMatchObject({ up: { ipv4Addresses: 0, ipv6Addresses: 1 } });
  });

  it('resolves a relative --dir against the working directory, and defaults to /run/floatip-lab/PREFIX', () => {
    expect(parse('status', '--dir', 'labs/a').target).toEqual({ prefix: 'flab', dir: '/home/admin/labs/a' });
    expect(parse('down', '--prefix', 'flt').target).toEqual({ prefix: 'flt', dir: '/run/floatip-lab/flt' });
  });

  it('reads fail, heal, partition, status, down, demo and add-node', () => {
    expect(parse('fail', '2', '--mode', 'kill')).toEqual({ verb: 'fail', target: defaultTarget, pnn: 2, mode: 'kill', links: 'all' });
    expect(parse('fail', '--mode=link', '1', '--links', 'public')).toMatchObject({ pnn: 1, mode: 'link', links: 'public' });
    expect(parse('heal')).toEqual({ verb: 'heal', target: defaultTarget, pnn: undefined });
    expect(parse('heal', '0')).toMatchObject({ pnn: 0 });
    expect(parse('partition', '0,1', '2')).toEqual({ verb: 'partition', target: defaultTarget, groups: [[0, 1], [2]] });
    expect(parse('status', '--json')).toEqual({ verb: 'status', target: defaultTarget, json: true });
    expect(parse('down')).toEqual({ verb: 'down', target: defaultTarget });
    expect(parse('demo')).toMatchObject({ verb: 'demo', target: defaultTarget });
    expect(parse('add-node')).toEqual({ verb: 'add-node', target: defaultTarget, startTimeoutMs: 15_000 });
    expect(parse('add-node', '--start-timeout', '30')).toMatchObject({ startTimeoutMs: 30_000 });
  });

  it('passes everything after the place to exec, options included, with or without --', () => {
    expect(parse('exec', '1', '--', 'ping', '-c', '1', '198.51.100.1')).toEqual({
      verb: 'exec', target: defaultTarget, place: { kind: 'node', pnn: 1 }, command: ['ping', '-c', '1', '198.51.100.1'],
    });
    expect(parse('exec', '--prefix', 'flt', 'client', 'ip', '--json', 'addr')).toMatchObject({
      target: { prefix: 'flt' }, place: { kind: 'client' }, command: ['ip', '--json', 'addr'],
    });
    expect(parse('exec', 'switch', 'bridge', 'link')).toMatchObject({ place: { kind: 'switch' }, command: ['bridge', 'link'] });
  });

  it.each([
    [[], 'lab: give a verb: up, down, status, fail, heal, partition, exec, add-node, demo'],
    [['start'], "lab: unknown verb 'start'"],
    [['up', '--node', '3'], "lab up: unknown option '--node' (it takes --prefix PREFIX, --dir DIR, --nodes N"],
    [['up', '--nodes'], 'lab up: --nodes needs a value: N'],
    [['up', '--nodes', 'three'], "--nodes must be a whole number 1..32, not 'three'"],
    [['up', '--nodes', '33'], "--nodes must be a whole number 1..32, not '33'"],
    [['up', '--ips', '479'], "--ips must be a whole number 0..478, not '479'"],
    [['up', '--ips', '0'], 'a lab needs at least one public address'],
    [['up', '--profile', 'quick'], "--profile must be one of default, fast, ultra, not 'quick'"],
    [['up', '--ipv6=yes'], 'lab up: --ipv6 takes no value'],
    [['up', '--no-daemons', '--floatipd', '/usr/sbin/floatipd'], '--floatipd and --no-daemons contradict each other'],
    [['up', 'now'], "lab up: unexpected 'now'"],
    [['fail', '1'], 'lab fail: give --mode kill|link|freeze|stop|monitor'],
    [['fail', '--mode', 'kill'], 'lab fail: missing NODE --mode MODE'],
    [['fail', '1', '--mode', 'crash'], "--mode must be one of kill, link, freeze, stop, monitor, not 'crash'"],
    [['fail', '1', '--mode', 'kill', '--links', 'public'], '--links goes with --mode link only'],
    [['fail', '1', '--mode', 'link', '--links', 'both'], "--links must be one of all, public, private, not 'both'"],
    [['fail', 'n1', '--mode', 'kill'], "NODE must be a whole number 0..31, not 'n1'"],
    [['heal', '0', '1'], "lab heal: unexpected '1'"],
    [['partition'], 'lab partition: give the groups of nodes'],
    [['partition', '0,,1', '2'], "group '0,,1' has an empty entry"],
    [['exec', '0'], 'lab exec: usage: floatip lab exec NODE|client|switch -- COMMAND'],
    [['exec', 'node0', 'ls'], "lab exec: 'node0' is not a place: give a node number, 'client' or 'switch'"],
    [['status', '--prefix', 'a-b'], "prefix 'a-b' must be 1 to 6 characters"],
    [['down', '--dir='], 'lab down: --dir needs a value: DIR'],
  ])('refuses %j', (args, message) => {
    expect(usageError(...args)).toContain(message);
  });
});
