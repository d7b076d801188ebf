// `floatip ipalloc`: preview where the allocator would put every public address, from node states
// and a current layout on stdin, or from a CTDB takeover test case file (with --check against it).

import { Command, CliIo, EXIT_FAILED, EXIT_OK } from '../command';
import { UsageError } from '../../client/usage-error';
import { NodeFlags, Pnn } from '../../core/flags';
import { AlgorithmName, AllocResult, AllocState, DEFAULT_TUNABLES, IpallocInputError, Tunables, allocate } from '../../core/ipalloc';
import { applyTunable, parseAlgorithm, parseNodeList, parseNodeStates, parseRunstates } from '../../core/ipalloc/node-states';
import { formatAssignment, layoutState, numberLines, parseLayout } from '../../core/ipalloc/layout-text';
import { parseTakeoverCase } from '../../core/ipalloc/case-file';

const USAGE = `usage: floatip ipalloc --nodes STATES [--algorithm ALG] [--tunable NAME=VALUE]... [--runstate LIST] [--rebalance PNN-LIST] [--multi] [--json] < LAYOUT
       floatip ipalloc --case FILE [--check] [--json]

Shows where the allocator would put every public address. Nothing is changed anywhere.

  --nodes STATES       one state per node, comma-separated, PNN = position: CTDB flag numbers
                       (0 healthy, 1 disconnected, 2 unhealthy, 4 disabled, 8 banned, 0x10 deleted,
                       0x20 stopped; base 0 like strtol, so 0x20 is hex) or names: ok,ok,unhealthy
  --algorithm ALG      lcp2 (default), det|deterministic, nondet|nondeterministic
  --tunable N=V        NoIPFailback=1, NoIPTakeover=1 (repeatable)
  --runstate LIST      CTDB runstate per node (5 = running); only running nodes take addresses
  --rebalance LIST     LCP2: these nodes may receive addresses by failback although they hold
                       some (CTDB's takeover helper node list; floatip ipreallocate --rebalance)
  --multi              stdin holds one block per node (that node's own view), separated by an empty line
  --case FILE          read node states, tunables and layout from a CTDB takeover case file
  --check              with --case: compare with the file's expected layout, exit 1 on a difference
  --json               print {"assignment": [{"ip", "pnn"}...], "unhosted": [...]} instead of lines

LAYOUT on stdin: one address per line, "IP PNN [ALLOWED_PNN,...]"; PNN -1 = nobody holds it;
without ALLOWED every node lists the address. Output: "IP PNN" lines, highest address first
(CTDB's order); PNN -1 means no node can host the address now.`;

interface IpallocOptions {
  algorithm?: AlgorithmName;
  nodes?: NodeFlags[];
  tunables: Tunables;
  runstate?: string;
  rebalance?: string;
  multi: boolean;
  casePath?: string;
  check: boolean;
  json: boolean;
}

function parseArgs(args: readonly string[]): IpallocOptions {
  const opts: IpallocOptions = { tunables: DEFAULT_TUNABLES, multi: false, check: false, json: false };
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const value = args[++k];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      return value;
    };
    switch (name) {
      case '--algorithm': {
        const parsed = parseAlgorithm(takeValue());
        if (!parsed.ok) throw new UsageError(`--algorithm: ${parsed.error}`);
        opts.algorithm = parsed.value;
        break;
      }
      case '--nodes': {
        const parsed = parseNodeStates(takeValue());
        if (!parsed.ok) throw new UsageError(`--nodes: ${parsed.error}`);
        opts.nodes = parsed.value;
        break;
      }
      case '--tunable': {
        const parsed = applyTunable(opts.tunables, takeValue());
        if (!parsed.ok) throw new UsageError(`--tunable: ${parsed.error}`);
        opts.tunables = parsed.value;
        break;
      }
      case '--runstate': opts.runstate = takeValue(); break;
      case '--rebalance': opts.rebalance = takeValue(); break;
      case '--case': opts.casePath = takeValue(); break;
      case '--multi': opts.multi = true; break;
      case '--check': opts.check = true; break;
      case '--json': opts.json = true; break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  if (opts.casePath !== undefined) {
    const clash = ['algorithm', 'nodes', 'runstate', 'rebalance'].find((key) => opts[key as keyof IpallocOptions] !== undefined);
    if (clash || opts.multi || opts.tunables !== DEFAULT_TUNABLES) {
      throw new UsageError(`--case takes node states, algorithm and tunables from the file: drop --${clash ?? (opts.multi ? 'multi' : 'tunable')}`);
    }
  } else {
    if (opts.check) throw new UsageError('--check compares with a case file: add --case FILE');
    if (opts.nodes === undefined) throw new UsageError('--nodes is required, e.g. --nodes 0,0,2 (one state per node)');
  }
  return opts;
}

async function stateFromStdin(opts: IpallocOptions, io: CliIo): Promise<AllocState> {
  const nodeFlags = opts.nodes!;
  let running: boolean[] | undefined;
  if (opts.runstate !== undefined) {
    const parsed = parseRunstates(opts.runstate, nodeFlags.length);
    if (!parsed.ok) throw new UsageError(`--runstate: ${parsed.error}`);
    running = parsed.value;
  }
  let forceRebalance: Pnn[] | undefined;
  if (opts.rebalance !== undefined) {
    const parsed = parseNodeList(opts.rebalance, nodeFlags.length);
    if (!parsed.ok) throw new UsageError(`--rebalance: ${parsed.error}`);
    forceRebalance = parsed.value;
  }
  const layout = parseLayout(numberLines(await io.readStdin()), { nodeCount: nodeFlags.length, multi: opts.multi, source: 'stdin' });
  if (!layout.ok) throw new UsageError(layout.error);
  if (layout.value.length === 0) throw new UsageError('stdin holds no addresses: give one "IP PNN" line per address');
  return layoutState(layout.value, {
    algorithm: opts.algorithm ?? 'lcp2',
    tunables: opts.tunables,
    nodeFlags,
    ...(running ? { running } : {}),
    ...(forceRebalance ? { forceRebalance } : {}),
  });
}

function render(result: AllocResult, json: boolean): string {
  if (!json) return formatAssignment(result.assignment).map((line) => `${line}\n`).join('');
  const assignment = [...result.assignment].map(([ip, pnn]) => ({ ip, pnn }));
  return `${JSON.stringify({ assignment, unhosted: result.unhosted })}\n`;
}

/** Lines that differ between the expected and the computed layout, as `IP: expected X, got Y`. */
export function layoutDifferences(expected: readonly string[], actual: readonly string[]): string[] {
  const toMap = (lines: readonly string[]): Map<string, string> => new Map(lines.map((l) => {
    const [ip, pnn] = l.split(' ');
    return [ip, pnn];
  }));
  const want = toMap(expected);
  const got = toMap(actual);
  const out: string[] = [];
  for (const ip of new Set([...want.keys(), ...got.keys()])) {
    if (want.get(ip) !== got.get(ip)) out.push(`${ip}: expected ${want.get(ip) ?? '(absent)'}, got ${got.get(ip) ?? '(absent)'}`);
  }
  if (out.length === 0 && expected.join('\n') !== actual.join('\n')) {
    out.push('same holders, but the expected lines are not in CTDB\'s order (highest address first)');
  }
  return out;
}

export const ipallocCommand: Command = {
  name: 'ipalloc',
  summary: 'preview where the allocator puts public addresses (LCP2, deterministic, non-deterministic)',
  usage: USAGE,
  async run(args, io) {
    const opts = parseArgs(args);
    let state: AllocState;
    let expected: readonly string[] | undefined;
    if (opts.casePath !== undefined) {
      let text: string;
      try {
        text = await io.readFile(opts.casePath);
      } catch (err) {
        throw new UsageError(`cannot read case file ${opts.casePath}: ${(err as Error).message}`);
      }
      const parsed = parseTakeoverCase(text, opts.casePath);
      if (!parsed.ok) throw new UsageError(parsed.error);
      state = parsed.value.state;
      expected = parsed.value.expected;
    } else {
      state = await stateFromStdin(opts, io);
    }
    let result: AllocResult;
    try {
      result = allocate(state);
    } catch (err) {
      if (err instanceof IpallocInputError) throw new UsageError(err.message);
      throw err;
    }
    io.stdout(render(result, opts.json));
    if (!opts.check || expected === undefined) return EXIT_OK;
    const differences = layoutDifferences(expected, formatAssignment(result.assignment));
    if (differences.length === 0) return EXIT_OK;
    io.stderr(`floatip ipalloc: result differs from the expected layout of ${opts.casePath}:\n${differences.map((d) => `  ${d}\n`).join('')}`);
    return EXIT_FAILED;
  },
};
