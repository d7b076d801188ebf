// `floatip ipalloc` through the CLI's front door (runCli) with a fake terminal and file system.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliRun, runCommands } from './harness';

const CASES_DIR = path.resolve(__dirname, '../../../../shared/ctdb-takeover-cases');

function run(argv: string[], stdin = '', files: Record<string, string> = {}): Promise<CliRun> {
  return runCommands(['ipalloc', ...argv], undefined, {
    readStdin: async () => stdin,
    readFile: async (p) => (p in files ? files[p] : readFileSync(p, 'utf8')),
  });
}

function expectedOf(caseText: string): string {
  const lines = caseText.split('\n');
  return `${lines.slice(lines.indexOf('expected:') + 1).filter((l) => l.trim() !== '').join('\n')}\n`;
}

/** lcp2.001 with one expected holder changed from 2 to 1. */
function tamper(caseText: string): string {
  const at = caseText.indexOf('expected:');
  return caseText.slice(0, at) + caseText.slice(at).replace('192.168.20.251 2\n', '192.168.20.251 1\n');
}

describe('floatip ipalloc --case', () => {
  it.each(['lcp2.010.txt', 'lcp2.029.txt', 'lcp2.012.txt', 'det.005.txt', 'nondet.002.txt', 'lcp2.025.txt'])(
    '%s --check passes and prints CTDB\'s expected lines',
    async (name) => {
      const file = path.join(CASES_DIR, name);
      const result = await run(['--case', file, '--check']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(expectedOf(readFileSync(file, 'utf8')));
    },
  );

  it('--check exits 1 and names the differing address when the expected layout is wrong', async () => {
    const text = tamper(readFileSync(path.join(CASES_DIR, 'lcp2.001.txt'), 'utf8'));
    const result = await run(['--case', 'tampered.txt', '--check'], '', { 'tampered.txt': text });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('192.168.20.251: expected 1, got 2');
    expect(result.stderr.match(/expected/g)).toHaveLength(2); // the header line and one difference
  });

  it('without --check prints the layout and succeeds even when it differs', async () => {
    const text = tamper(readFileSync(path.join(CASES_DIR, 'lcp2.001.txt'), 'utf8'));
    const result = await run(['--case', 'tampered.txt'], '', { 'tampered.txt': text });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('192.168.20.251 2\n');
  });

  it('a missing case file is a usage error naming the file', async () => {
    const result = await run(['--case', '/nonexistent/case.txt']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read case file /nonexistent/case.txt');
  });

  it('a bad line in a case file is reported with file and line', async () => {
    const result = await run(['--case', 'bad.txt'], '', { 'bad.txt': 'nodes: 0,0\ninput:\n192.0.2.1 0\n192.0.2.300 1\nexpected:\n192.0.2.1 0\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.txt:4: 192.0.2.300 is not an IPv4 address');
  });

  it('refuses --nodes together with --case', async () => {
    const result = await run(['--case', 'x.txt', '--nodes', '0,0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('drop --nodes');
  });
});

describe('floatip ipalloc with a layout on stdin', () => {
  const layout = '192.0.2.1 0\n192.0.2.2 0\n192.0.2.3 1\n192.0.2.4 -1\n';

  it('moves a stopped node\'s addresses; node names and hex flag words mean the same', async () => {
    const byName = await run(['--nodes', 'ok,stopped', '--algorithm', 'nondeterministic'], layout);
    const byHex = await run(['--nodes', '0,0x20', '--algorithm=nondet'], layout);
    expect(byName.code).toBe(0);
    expect(byName.stdout).toBe('192.0.2.4 0\n192.0.2.3 0\n192.0.2.2 0\n192.0.2.1 0\n');
    expect(byHex.stdout).toBe(byName.stdout);
  });

  it('prints -1 for addresses no node can host', async () => {
    const result = await run(['--nodes', 'unhealthy,unhealthy'], layout);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('192.0.2.4 -1\n192.0.2.3 -1\n192.0.2.2 -1\n192.0.2.1 -1\n');
  });

  it('honours --tunable NoIPTakeover=1: nobody gains an address', async () => {
    const result = await run(['--nodes', '0,0', '--tunable', 'NoIPTakeover=1'], layout);
    expect(result.stdout).toBe('192.0.2.4 -1\n192.0.2.3 1\n192.0.2.2 0\n192.0.2.1 0\n');
  });

  it('--json prints the assignment and the unhosted list', async () => {
    const result = await run(['--nodes', '0,2', '--algorithm', 'det', '--json'], '192.0.2.1 -1 1\n192.0.2.2 1\n');
    expect(JSON.parse(result.stdout)).toEqual({
      assignment: [{ ip: '192.0.2.2', pnn: 0 }, { ip: '192.0.2.1', pnn: -1 }],
      unhosted: ['192.0.2.1'],
    });
  });

  it('--runstate keeps nodes that are not running from taking addresses', async () => {
    const result = await run(['--nodes', '0,0', '--runstate', '4,5'], '192.0.2.1 -1\n192.0.2.2 -1\n');
    expect(result.stdout).toBe('192.0.2.2 1\n192.0.2.1 1\n');
  });

  it('--multi reads one view per node: a holder counts only in its own view', async () => {
    // Node 0 says node 1 holds .1 (ignored) and lists .2 as its own; node 1 lists only .2. So .1
    // starts unassigned and only node 0 may take it. Node 1 then holds nothing, so it is a failback
    // target: .2 costs node 0 d(.1,.2)^2 > 0 and node 1 nothing, so .2 moves to node 1.
    const result = await run(['--nodes', '0,0', '--multi'], '192.0.2.1 1\n192.0.2.2 0\n\n192.0.2.2 0\n');
    expect(result.stdout).toBe('192.0.2.2 1\n192.0.2.1 0\n');
  });

  it('--rebalance makes held nodes failback targets, as CTDB\'s takeover helper case 023', async () => {
    const unbalanced = '10.0.0.31 0\n10.0.0.32 1\n10.0.0.33 2\n10.0.0.34 2\n10.0.0.35 2\n10.0.0.36 2\n';
    const plain = await run(['--nodes', '0,0,0'], unbalanced);
    const forced = await run(['--nodes', '0,0,0', '--rebalance', '1'], unbalanced);
    expect(plain.stdout).toContain('10.0.0.35 2\n');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe('10.0.0.36 2\n10.0.0.35 1\n10.0.0.34 2\n10.0.0.33 2\n10.0.0.32 1\n10.0.0.31 0\n');
  });

  it.each([
    [['--nodes', '0,0', '--rebalance', '2'], '--rebalance: node 2 does not exist (nodes are 0..1)'],
    [['--case', 'x.txt', '--rebalance', '1'], '--case takes node states, algorithm and tunables from the file: drop --rebalance'],
    [['--nodes', '0,0', '--algorithm', 'random'], "unknown algorithm 'random'"],
    [['--nodes', '0,sick'], "node 1: node state 'sick'"],
    [['--nodes', '0,0x40'], 'node 1: node state 0x40 has bits CTDB does not define'],
    [['--nodes', '0,0', '--tunable', 'NoIPFallback=1'], "unknown tunable 'NoIPFallback'"],
    [['--nodes', '0,0', '--tunable', 'NoIPFailback'], 'needs an integer value'],
    [['--algorithm', 'lcp2'], '--nodes is required'],
    [['--nodes', '0,0', '--check'], '--check compares with a case file'],
    [['--nodes', '0,0', '--bogus'], "unknown argument '--bogus'"],
    [['--nodes'], '--nodes needs a value'],
  ])('%j is a usage error (exit 2): %s', async (argv, message) => {
    const result = await run(argv, layout);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it.each([
    ['192.0.2.1 0\n192.0.2.1 1\n', 'stdin:2: address 192.0.2.1 is listed twice'],
    ['192.0.2.1 0\nnot-an-ip 1\n', 'stdin:2: not-an-ip is not an IPv4 address'],
    ['192.0.2.1 5\n', "stdin:1: holder '5' is not -1 or a node 0..1"],
    ['192.0.2.1 0 0,3\n', "stdin:1: allowed node '3' is not a node 0..1"],
    ['192.0.2.1 0 0 extra\n', 'stdin:1: too many fields'],
    ['\n# nothing here\n', 'stdin holds no addresses'],
  ])('bad stdin %j is a usage error naming the line', async (stdin, message) => {
    const result = await run(['--nodes', '0,0'], stdin);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('--help prints the usage', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('floatip ipalloc --case FILE [--check]');
  });
});
