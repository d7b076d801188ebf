// `npm run soak -- ...` options: defaults, every option, and mistakes named with what to write.

import { UsageError } from '../../../src/client/usage-error';
import { parseSoakArgs } from '../../../src/soak/args';
import { OPERATION_KINDS } from '../../../src/soak/operation-schedule';
import { FAULT_KINDS } from '../../../src/soak/schedule';

const seed = (): number => 4242;

test('defaults: 5 nodes, 2 minutes, a random seed, 2 IPv4 and 1 IPv6 per node, prefix fsk', () => {
  expect(parseSoakArgs([], seed)).toEqual({
    help: false, nodes: 5, minutes: 2, seed: 4242, ipv4: 10, ipv6: 5, profile: 'default', prefix: 'fsk', dir: '/run/floatip-soak/fsk',
    maxFaulty: undefined, kinds: undefined, floatipd: undefined, keep: false,
  });
});

test('every option, with a space or =', () => {
  const args = parseSoakArgs(['--nodes', '3', '--minutes=0.5', '--seed', '0', '--ips', '4', '--ips6=0', '--profile', 'fast',
    '--max-faulty', '2', '--kinds', 'kill,one-way', '--prefix', 'fsx', '--dir', '/tmp/s', '--floatipd', '/x/floatipd', '--keep'], seed);
  expect(args).toEqual({
    help: false, nodes: 3, minutes: 0.5, seed: 0, ipv4: 4, ipv6: 0, profile: 'fast', prefix: 'fsx', dir: '/tmp/s',
    maxFaulty: 2, kinds: ['kill', 'one-way'], floatipd: '/x/floatipd', keep: true,
  });
  expect(parseSoakArgs(['-h'], seed).help).toBe(true);
});

test.each([
  [['--nodes', '1'], /--nodes must be a whole number 2..16, not '1'/],
  [['--minutes', '0'], /--minutes must be a number of minutes above 0/],
  [['--minutes', 'ten'], /--minutes must be a number of minutes above 0 \(e.g. 2 or 0.5\), not 'ten'/],
  [['--seed', '-3'], /--seed must be a whole number 0..4294967295/],
  [['--profile', 'slow'], /--profile must be one of default, fast, ultra, not 'slow'/],
  [['--kinds', 'kill,nuke'], /--kinds: unknown kind 'nuke'/],
  [['--max-faulty', '5'], /--max-faulty must be a whole number 0..4/],
  [['--prefix', 'Bad'], /--prefix: prefix 'Bad' must be/],
  [['--seed'], /--seed needs a value/],
  [['--bogus'], /unknown option '--bogus'/],
])('%j is refused: %s', (argv, message) => {
  expect(() => parseSoakArgs(argv, seed)).toThrow(UsageError);
  expect(() => parseSoakArgs(argv, seed)).toThrow(message);
});

test('--kinds takes the cluster operations by name, and the groups faults and operations', () => {
  expect(parseSoakArgs(['--kinds', 'stop-half,one-way-tie'], seed).kinds).toEqual(['stop-half', 'one-way-tie']);
  expect(parseSoakArgs(['--kinds', 'faults'], seed).kinds).toEqual([...FAULT_KINDS]);
  expect(parseSoakArgs(['--kinds', 'operations,kill'], seed).kinds).toEqual([...OPERATION_KINDS, 'kill']);
});
