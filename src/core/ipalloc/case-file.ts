// CTDB takeover test cases as text files (node states, tunables, current layout, expected layout):
// parsing one into the allocator's state plus the expected `IP PNN` lines.

import { Parsed, parseIp } from '../ip';
import { Pnn } from '../flags';
import { InterfaceLinks, LinkState } from '../address';
import { DEFAULT_TUNABLES, AllocState, AlgorithmName, Tunables } from './state';
import { applyTunable, parseAlgorithm, parseNodeList, parseNodeStates, parseRunstates } from './node-states';
import { NumberedLine, layoutState, numberLines, parseLayout } from './layout-text';

export interface TakeoverCase {
  readonly state: AllocState;
  /** The expected `IP PNN` lines, in file order, whitespace normalised to one space. */
  readonly expected: readonly string[];
}

type Section = 'header' | 'home_nodes' | 'interfaces' | 'input' | 'expected';

const KNOWN_KEYS = ['algorithm', 'nodes', 'tunables', 'runstate', 'mode', 'link_down', 'rebalance'];

const SECTION_HEADERS: ReadonlyMap<string, Section> = new Map([
  ['home_nodes:', 'home_nodes'],
  ['interfaces:', 'interfaces'],
  ['input:', 'input'],
  ['expected:', 'expected'],
]);

/**
 * Reads a case file in the format of /work/shared/ctdb-takeover-cases/README.md: `key: value`
 * lines (algorithm, nodes, tunables, runstate, mode), then `home_nodes:`, `input:` and `expected:`
 * sections. `source` names the file in messages.
 *
 * floatip adds link state, which CTDB's driver cannot express: an `interfaces:` section of
 * `IP IFACE[,IFACE...]` lines (every address needs one) and a `link_down: PNN:IFACE ...` line.
 * Every named interface is up on every node except those listed as down.
 *
 * A `rebalance: PNN[,PNN...]` line gives LCP2's forced rebalance targets (the node list of
 * CTDB's takeover helper, `floatip ipreallocate --rebalance`).
 */
export function parseTakeoverCase(text: string, source: string): Parsed<TakeoverCase> {
  const fail = (line: number, message: string): Parsed<TakeoverCase> => ({ ok: false, error: `${source}:${line}: ${message}` });
  const keys = new Map<string, NumberedLine>();
  const sections: Record<Exclude<Section, 'header'>, NumberedLine[]> = { home_nodes: [], interfaces: [], input: [], expected: [] };
  const seen = new Set<Section>();
  let section: Section = 'header';
  for (const numbered of numberLines(text)) {
    const trimmed = numbered.text.trim();
    if (trimmed.startsWith('#')) continue;
    const header = SECTION_HEADERS.get(trimmed);
    if (header) {
      if (seen.has(header)) return fail(numbered.line, `second '${trimmed}' section: each section appears once`);
      seen.add(header);
      section = header;
      continue;
    }
    if (section !== 'header') {
      sections[section].push(numbered);
      continue;
    }
    if (trimmed === '') continue;
    const m = /^([a-z_]+):\s*(.*)$/.exec(trimmed);
    if (!m) return fail(numbered.line, `expected 'key: value' or a section header (input:, expected:), not '${trimmed}'`);
    if (keys.has(m[1])) return fail(numbered.line, `'${m[1]}:' is given twice`);
    keys.set(m[1], { line: numbered.line, text: m[2] });
  }
  for (const key of keys.keys()) {
    if (!KNOWN_KEYS.includes(key)) {
      return fail(keys.get(key)!.line, `unknown key '${key}:' (known: ${KNOWN_KEYS.join(', ')})`);
    }
  }
  if (!seen.has('input')) return fail(1, "no 'input:' section: the current layout is required");
  if (!seen.has('expected')) return fail(1, "no 'expected:' section: add the expected layout");

  let algorithm: AlgorithmName = 'lcp2';
  const algorithmLine = keys.get('algorithm');
  if (algorithmLine) {
    const parsed = parseAlgorithm(algorithmLine.text);
    if (!parsed.ok) return fail(algorithmLine.line, parsed.error);
    algorithm = parsed.value;
  }
  const nodesLine = keys.get('nodes');
  if (!nodesLine) return fail(1, "no 'nodes:' line: give one flag word per node, e.g. nodes: 0,0,2");
  const nodeFlags = parseNodeStates(nodesLine.text);
  if (!nodeFlags.ok) return fail(nodesLine.line, nodeFlags.error);
  const nodeCount = nodeFlags.value.length;

  let tunables: Tunables = DEFAULT_TUNABLES;
  const tunablesLine = keys.get('tunables');
  if (tunablesLine) {
    for (const setting of tunablesLine.text.split(/\s+/).filter((s) => s !== '')) {
      const parsed = applyTunable(tunables, setting);
      if (!parsed.ok) return fail(tunablesLine.line, parsed.error);
      tunables = parsed.value;
    }
  }
  let running: boolean[] | undefined;
  const runstateLine = keys.get('runstate');
  if (runstateLine) {
    const parsed = parseRunstates(runstateLine.text, nodeCount);
    if (!parsed.ok) return fail(runstateLine.line, parsed.error);
    running = parsed.value;
  }
  let forceRebalance: Pnn[] | undefined;
  const rebalanceLine = keys.get('rebalance');
  if (rebalanceLine) {
    const parsed = parseNodeList(rebalanceLine.text, nodeCount);
    if (!parsed.ok) return fail(rebalanceLine.line, parsed.error);
    forceRebalance = parsed.value;
  }
  const modeLine = keys.get('mode');
  if (modeLine && modeLine.text !== 'multi') return fail(modeLine.line, `unknown mode '${modeLine.text}' (only 'multi')`);

  const homeNodes = new Map<string, Pnn>();
  for (const numbered of sections.home_nodes) {
    const fields = numbered.text.trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) continue;
    const addr = parseIp(fields[0]);
    if (fields.length !== 2 || !addr.ok || !/^[0-9]+$/.test(fields[1])) {
      return fail(numbered.line, `home_nodes lines are 'IP PNN', not '${numbered.text.trim()}'`);
    }
    homeNodes.set(addr.value.text, Number(fields[1]));
  }

  const layout = parseLayout(sections.input, { nodeCount, multi: modeLine !== undefined, source });
  if (!layout.ok) return layout;

  const linkInfo = parseLinks(sections.interfaces, keys.get('link_down'), nodeCount, source);
  if (!linkInfo.ok) return linkInfo;
  if (linkInfo.value) {
    const missing = layout.value.find((a) => !linkInfo.value!.interfaces.has(a.address.text));
    if (missing) return fail(sections.interfaces[0]?.line ?? 1, `address ${missing.address.text} has no line in interfaces: give every address its interfaces`);
  }

  const expected: string[] = [];
  for (const numbered of sections.expected) {
    const fields = numbered.text.trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) continue;
    const addr = parseIp(fields[0]);
    if (fields.length !== 2 || !addr.ok || !/^-?[0-9]+$/.test(fields[1])) {
      return fail(numbered.line, `expected lines are 'IP PNN', not '${numbered.text.trim()}'`);
    }
    expected.push(`${addr.value.text} ${Number(fields[1])}`);
  }
  const state = layoutState(layout.value, {
    algorithm,
    tunables,
    nodeFlags: nodeFlags.value,
    ...(running ? { running } : {}),
    ...(homeNodes.size > 0 ? { homeNodes } : {}),
    ...(linkInfo.value ? linkInfo.value : {}),
    ...(forceRebalance ? { forceRebalance } : {}),
  });
  return { ok: true, value: { state, expected } };
}

interface LinkInfo {
  readonly interfaces: Map<string, string[]>;
  readonly links: InterfaceLinks[];
}

/** The `interfaces:` section and `link_down:` line; undefined when the case tracks no links. */
function parseLinks(lines: readonly NumberedLine[], linkDown: NumberedLine | undefined, nodeCount: number,
  source: string): Parsed<LinkInfo | undefined> {
  const interfaces = new Map<string, string[]>();
  const named = new Set<string>();
  for (const numbered of lines) {
    const fields = numbered.text.trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) continue;
    const addr = parseIp(fields[0]);
    const names = fields.length === 2 ? fields[1].split(',').filter((n) => n !== '') : [];
    if (!addr.ok || names.length === 0) {
      return { ok: false, error: `${source}:${numbered.line}: interfaces lines are 'IP IFACE[,IFACE...]', not '${numbered.text.trim()}'` };
    }
    interfaces.set(addr.value.text, names);
    names.forEach((n) => named.add(n));
  }
  if (interfaces.size === 0) {
    if (linkDown) return { ok: false, error: `${source}:${linkDown.line}: link_down needs an interfaces: section naming each address's interfaces` };
    return { ok: true, value: undefined };
  }
  const links = Array.from({ length: nodeCount }, () => new Map<string, LinkState>([...named].map((n) => [n, 'up'])));
  for (const token of (linkDown?.text ?? '').split(/[\s,]+/).filter((t) => t !== '')) {
    const m = /^([0-9]+):(\S+)$/.exec(token);
    if (!m || Number(m[1]) >= nodeCount || !named.has(m[2])) {
      return { ok: false, error: `${source}:${linkDown!.line}: link_down entry '${token}' is not PNN:IFACE with a node 0..${nodeCount - 1} and an interface named in interfaces:` };
    }
    links[Number(m[1])].set(m[2], 'down');
  }
  return { ok: true, value: { interfaces, links } };
}
