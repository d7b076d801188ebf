// `floatip lab demo` options: defaults, the fault mode and node, and the limits that keep a demo meaningful and light.

import { LabCommand, parseLabArgs } from '../../../src/lab/args';
import { usageErrorOf } from './usage-error';

const parse = (...args: string[]): LabCommand => parseLabArgs(['demo', ...args], '/root');

function demoOf(command: LabCommand) {
  if (command.verb !== 'demo') throw new Error(`not a demo: ${command.verb}`);
  return command.demo;
}

const usageError = (...args: string[]): string => usageErrorOf(parse, ...args);

describe('lab demo arguments', () => {
  it('defaults to 3 nodes, 6 IPv4 addresses, the default profile and kill -9 of the busiest node', () => {
    expect(demoOf(parse())).toEqual({
      up: { nodes: 3, ipv4Addresses: 6, ipv6Addresses: 0, profile: 'default', daemons: true, floatipd: undefined, startTimeoutMs: 15_000 },
      mode: 'kill',
      victim: undefined,
    });
  });

  it('takes the lab size, IPv6, the profile, the mode, the node and another floatipd', () => {
    const demo = demoOf(parse('--nodes', '4', '--ips', '2', '--ipv6', '--profile', 'fast', '--mode', 'link', '--node', '3',
      '--floatipd', '/opt/floatipd', '--prefix', 'fdm'));
    expect(demo).toEqual({
      up: { nodes: 4, ipv4Addresses: 2, ipv6Addresses: 2, profile: 'fast', daemons: true, floatipd: '/opt/floatipd', startTimeoutMs: 15_000 },
      mode: 'link',
      victim: 3,
    });
    expect(parse('--prefix', 'fdm').target).toEqual({ prefix: 'fdm', dir: '/run/floatip-lab/fdm' });
  });

  it('refuses what cannot show a failover, or would swamp the machine', () => {
    expect(usageError('--nodes', '2')).toContain('--nodes must be 3 or more');
    expect(usageError('--ips', '40', '--ipv6')).toContain('at most 64 public addresses');
    expect(usageError('--node', '3')).toBe('lab demo: --node 3 is not in a lab of 3 nodes (0..2)');
    expect(usageError('--mode', 'crash')).toContain('--mode must be one of kill, link, freeze, stop, monitor');
    expect(usageError('--no-daemons')).toContain("lab demo: unknown option '--no-daemons'");
    expect(usageError('extra')).toContain("unexpected 'extra'");
  });
});
