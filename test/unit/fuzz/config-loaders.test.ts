// Fuzzing the config loaders: 100,000 hostile floatip.toml, nodes and public_addresses texts each load or give typed issues.
//
// Every input goes through loadConfig, the one entry the daemon and the lab use, with the
// other two files valid, so a damaged file reaches every later check. A result is judged on
// what an operator would see: the load never throws or hangs; a refusal lists issues with a
// known code, the right file, a line inside that file and a message with no holes in it; an
// accepted configuration obeys the rules the loader promises (timing order, unique addresses).

import fc from 'fast-check';
import { ConfigIssue, ConfigIssueCode, formatIssue } from '../../../src/config/issues';
import { ConfigLoad, loadConfig } from '../../../src/config/load';
import { nodesInputArb, publicInputArb, tomlDocumentArb, tomlInputArb } from './config-inputs';

const ETC = '/etc/floatip';
const TOML = `${ETC}/floatip.toml`;
const NODES = `${ETC}/nodes`;
const PUBLIC = `${ETC}/public_addresses`;
const VALID_TOML = '[node]\npnn = 1\n';
const VALID_NODES = '192.0.2.11\n192.0.2.12\n#192.0.2.13\n192.0.2.14\n';
const VALID_PUBLIC = '198.51.100.10/24 eth1\n198.51.100.11/24 eth1,eth2\n2001:db8:100::10/64 eth1\n';

const RUNS = 100_000;
/** A load that takes longer than this is a hang for the purpose of this test (typical: well under 1 ms). */
const HANG_MS = 2000;

const CODES: ReadonlySet<ConfigIssueCode> = new Set<ConfigIssueCode>([
  'E_CONFIG_FILE_NOT_FOUND', 'E_CONFIG_FILE_UNREADABLE', 'E_CONFIG_SYNTAX', 'E_CONFIG_UNKNOWN_KEY', 'E_CONFIG_TYPE',
  'E_CONFIG_RANGE', 'E_CONFIG_VALUE', 'E_CONFIG_CONFLICT', 'E_NODES_ADDRESS', 'E_NODES_DUPLICATE', 'E_NODES_EMPTY',
  'E_NODE_SELF', 'E_PUBLIC_SYNTAX', 'E_PUBLIC_ADDRESS', 'E_PUBLIC_INTERFACE', 'E_PUBLIC_DUPLICATE', 'W_CONFIG_ADVICE',
]);

interface Files {
  readonly toml: string;
  readonly nodes: string;
  readonly public: string;
}

interface Tally {
  loaded: number;
  refused: number;
  slowestMs: number;
  readonly codes: Map<string, number>;
}

function newTally(): Tally {
  return { loaded: 0, refused: 0, slowestMs: 0, codes: new Map() };
}

function lineCount(text: string): number {
  return text.split('\n').length;
}

/** Throws (plainly: expect() is too slow for 100,000 rounds) when an issue would not help an operator. */
function checkIssue(issue: ConfigIssue, files: Files, warning: boolean): void {
  const texts: Record<string, string> = { [TOML]: files.toml, [NODES]: files.nodes, [PUBLIC]: files.public };
  const fail = (why: string): never => { throw new Error(`${why}: ${JSON.stringify(issue)}`); };
  if (!CODES.has(issue.code) || (warning !== issue.code.startsWith('W_'))) fail('unknown or misplaced code');
  if (texts[issue.file] === undefined) {
    // floatip.toml may point nodes_file and friends elsewhere: such a file does not exist here, and that is all it may say.
    if (issue.code !== 'E_CONFIG_FILE_NOT_FOUND' || issue.line !== undefined) fail('issue about a file that was not loaded');
    return;
  }
  if (issue.line !== undefined && (!Number.isInteger(issue.line) || issue.line < 1 || issue.line > lineCount(texts[issue.file]))) {
    fail(`line outside the file (${lineCount(texts[issue.file])} lines)`);
  }
  if (typeof issue.message !== 'string' || issue.message.length === 0) fail('empty message');
  // A hole left by a missing value in a message template (unless the file itself says so).
  const hole = /\bundefined\b|\bNaN\b|\[object Object\]/.exec(formatIssue(issue));
  if (hole && !texts[issue.file].includes(hole[0])) fail('message with a hole in it');
}

/** The promises an accepted configuration keeps, whatever text it came from. */
function checkLoaded(result: Extract<ConfigLoad, { ok: true }>, files: Files): void {
  const { config } = result;
  const t = config.timing;
  if (!(t.heartbeat_interval < t.fence_after && t.fence_after < t.dead_after && t.dead_after < t.takeover_deadline)) {
    throw new Error(`accepted timings out of order: ${JSON.stringify(t)}`);
  }
  if (config.cluster.quorum === 'lock' && config.cluster.cluster_lock === undefined) throw new Error('quorum = "lock" accepted without a lock');
  const addresses = config.public_addresses.map((a) => a.address.text);
  if (new Set(addresses).size !== addresses.length) throw new Error('a duplicate public address was accepted');
  if (config.nodes.filter((n) => !n.deleted).length === 0) throw new Error('a nodes file without a live node was accepted');
  if (config.node.pnn !== undefined && config.nodes[config.node.pnn]?.deleted !== false) throw new Error('this node is deleted or missing');
  for (const w of result.warnings) checkIssue(w, files, true);
}

async function judge(files: Files, tally: Tally): Promise<void> {
  const texts = new Map([[TOML, files.toml], [NODES, files.nodes], [PUBLIC, files.public]]);
  const read = async (path: string): Promise<string> => {
    const text = texts.get(path);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
  const started = performance.now();
  const result = await loadConfig({ tomlPath: TOML }, read);
  tally.slowestMs = Math.max(tally.slowestMs, performance.now() - started);
  if (result.ok) {
    tally.loaded++;
    checkLoaded(result, files);
    return;
  }
  tally.refused++;
  if (result.issues.length === 0) throw new Error('refused without an issue');
  for (const issue of result.issues) {
    checkIssue(issue, files, false);
    tally.codes.set(issue.code, (tally.codes.get(issue.code) ?? 0) + 1);
  }
}

async function fuzz(arb: fc.Arbitrary<Files>, seed: number): Promise<Tally> {
  const tally = newTally();
  await fc.assert(fc.asyncProperty(arb, async (files) => { await judge(files, tally); }), { numRuns: RUNS, seed, endOnFailure: false });
  return tally;
}

jest.setTimeout(120_000);

describe('config loader fuzz', () => {
  it('floatip.toml: 100,000 generated, edited and random documents load or give located, typed issues', async () => {
    const tally = await fuzz(tomlInputArb.map((toml) => ({ toml, nodes: VALID_NODES, public: VALID_PUBLIC })), 0x70e1);
    expect(tally.slowestMs).toBeLessThan(HANG_MS);
    // Both sides must be reached, and the damage must get past the TOML parser into the value and rule checks.
    expect(tally.loaded).toBeGreaterThan(3_000);
    expect(tally.refused).toBeGreaterThan(30_000);
    for (const code of ['E_CONFIG_SYNTAX', 'E_CONFIG_UNKNOWN_KEY', 'E_CONFIG_TYPE', 'E_CONFIG_RANGE', 'E_CONFIG_VALUE', 'E_CONFIG_CONFLICT', 'E_NODE_SELF']) {
      expect([code, (tally.codes.get(code) ?? 0) > 50]).toEqual([code, true]);
    }
  });

  it('the generated floatip.toml documents are mostly valid, so the edits start from files that load', async () => {
    const docs = fc.sample(tomlDocumentArb, { numRuns: 2000, seed: 11 });
    const tally = newTally();
    for (const toml of docs) await judge({ toml, nodes: VALID_NODES, public: VALID_PUBLIC }, tally);
    expect(tally.loaded).toBeGreaterThan(docs.length / 4);
  });

  it('nodes: 100,000 generated, edited and random files load or give located, typed issues', async () => {
    // This node named by number, by address, or not at all (then any live node list loads).
    const toml = fc.constantFrom('', VALID_TOML, '[node]\naddress = "192.0.2.12"\n');
    const tally = await fuzz(fc.tuple(toml, nodesInputArb).map(([t, nodes]) => ({ toml: t, nodes, public: VALID_PUBLIC })), 0x90de5);
    expect(tally.slowestMs).toBeLessThan(HANG_MS);
    expect(tally.loaded).toBeGreaterThan(1_000);
    expect(tally.refused).toBeGreaterThan(30_000);
    for (const code of ['E_NODES_ADDRESS', 'E_NODES_DUPLICATE', 'E_NODES_EMPTY', 'E_NODE_SELF']) {
      expect([code, (tally.codes.get(code) ?? 0) > 50]).toEqual([code, true]);
    }
  });

  it('public_addresses: 100,000 generated, edited and random files load or give located, typed issues', async () => {
    const tally = await fuzz(publicInputArb.map((text) => ({ toml: VALID_TOML, nodes: VALID_NODES, public: text })), 0x9ab1c);
    expect(tally.slowestMs).toBeLessThan(HANG_MS);
    expect(tally.loaded).toBeGreaterThan(3_000);
    expect(tally.refused).toBeGreaterThan(30_000);
    for (const code of ['E_PUBLIC_SYNTAX', 'E_PUBLIC_ADDRESS', 'E_PUBLIC_INTERFACE', 'E_PUBLIC_DUPLICATE']) {
      expect([code, (tally.codes.get(code) ?? 0) > 50]).toEqual([code, true]);
    }
  });
});
