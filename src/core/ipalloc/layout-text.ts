// The text layout CTDB's allocator tests use: `IP PNN [ALLOWED,...]` lines in, `IP PNN` lines out,
// and how such a layout (one shared view, or one view per node) becomes the allocator's state.

import { IpAddress, Parsed, compareIp, parseIp } from '../ip';
import { NO_NODE, NodeFlags, Pnn } from '../flags';
import { Assignment, InterfaceLinks } from '../address';
import { AlgorithmName, AllocState, ClusterAddress, Tunables, buildAllocState } from './state';

/** A line of text with its 1-based line number in its source, for error messages. */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

export function numberLines(text: string, firstLine = 1): NumberedLine[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((t, i) => ({ line: firstLine + i, text: t }));
}

/** One address of a layout: which nodes list it and who holds it, after CTDB's merge rules. */
export interface LayoutAddress {
  readonly address: IpAddress;
  readonly known: readonly Pnn[];
  readonly holder: Pnn;
}

export interface LayoutOptions {
  readonly nodeCount: number;
  /** One block per node (its own view), separated by empty lines; no third column. */
  readonly multi: boolean;
  /** Names the input in messages: a file name or "stdin". */
  readonly source: string;
}

interface LayoutLine {
  readonly line: number;
  readonly address: IpAddress;
  readonly pnn: Pnn;
  readonly allowed?: readonly Pnn[];
}

function fail<T>(source: string, line: number, message: string): Parsed<T> {
  return { ok: false, error: `${source}:${line}: ${message}` };
}

function parsePnnField(text: string, nodeCount: number, allowUnassigned: boolean): Pnn | undefined {
  if (!/^-?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  if (allowUnassigned && value === NO_NODE) return value;
  return value >= 0 && value < nodeCount ? value : undefined;
}

function parseLine(numbered: NumberedLine, opts: LayoutOptions): Parsed<LayoutLine | undefined> {
  const { source, nodeCount } = opts;
  const hash = numbered.text.indexOf('#');
  const body = (hash < 0 ? numbered.text : numbered.text.slice(0, hash)).trim();
  if (body === '') return { ok: true, value: undefined };
  const fields = body.split(/[ \t]+/);
  if (fields.length > 3) {
    return fail(source, numbered.line, `too many fields in '${body}': write IP [PNN [ALLOWED_PNN,...]]`);
  }
  const addr = parseIp(fields[0]);
  if (!addr.ok) return fail(source, numbered.line, `${addr.error}: each line starts with an address`);
  let pnn: Pnn = NO_NODE;
  if (fields.length >= 2) {
    const parsed = parsePnnField(fields[1], nodeCount, true);
    if (parsed === undefined) {
      return fail(source, numbered.line, `holder '${fields[1]}' is not -1 or a node 0..${nodeCount - 1}`);
    }
    pnn = parsed;
  }
  if (fields.length < 3) return { ok: true, value: { line: numbered.line, address: addr.value, pnn } };
  if (opts.multi) {
    return fail(source, numbered.line, 'per-node views (multi) take no ALLOWED column: each block is one node\'s own list');
  }
  const allowed: Pnn[] = [];
  for (const part of fields[2].split(',')) {
    const n = parsePnnField(part, nodeCount, false);
    if (n === undefined) return fail(source, numbered.line, `allowed node '${part}' is not a node 0..${nodeCount - 1}`);
    if (!allowed.includes(n)) allowed.push(n);
  }
  return { ok: true, value: { line: numbered.line, address: addr.value, pnn, allowed } };
}

/**
 * Reads a layout. In the single view, a line without ALLOWED is listed by every node, and the
 * holder counts only if it lists the address. In per-node views, node i's block is what node i
 * lists; a holder counts only in its own block (a node is trusted only about itself), and when
 * several nodes claim an address the highest-numbered claim wins, as in CTDB's merge.
 */
export function parseLayout(lines: readonly NumberedLine[], opts: LayoutOptions): Parsed<LayoutAddress[]> {
  const blocks: LayoutLine[][] = [[]];
  for (const numbered of lines) {
    if (opts.multi && numbered.text.trim() === '') {
      blocks.push([]);
      continue;
    }
    const parsed = parseLine(numbered, opts);
    if (!parsed.ok) return parsed;
    if (parsed.value === undefined) continue;
    if (blocks.length > opts.nodeCount) {
      return fail(opts.source, numbered.line, `more per-node blocks than the ${opts.nodeCount} nodes: separate blocks by one empty line`);
    }
    blocks[blocks.length - 1].push(parsed.value);
  }
  const duplicate = findDuplicate(blocks);
  if (duplicate) {
    const where = opts.multi ? " in one node's block" : '';
    return fail(opts.source, duplicate.line, `address ${duplicate.address.text} is listed twice${where}: list it once`);
  }
  const merged = new Map<string, { address: IpAddress; known: Pnn[]; holder: Pnn }>();
  const allNodes = Array.from({ length: opts.nodeCount }, (_, pnn) => pnn);
  blocks.forEach((block, viewer) => {
    for (const entry of block) {
      const listedBy = opts.multi ? [viewer] : entry.allowed ?? allNodes;
      const slot = merged.get(entry.address.text) ?? { address: entry.address, known: [], holder: NO_NODE };
      for (const pnn of listedBy) if (!slot.known.includes(pnn)) slot.known.push(pnn);
      const claims = opts.multi ? entry.pnn === viewer : entry.pnn !== NO_NODE && listedBy.includes(entry.pnn);
      if (claims) slot.holder = entry.pnn;
      merged.set(entry.address.text, slot);
    }
  });
  const addresses = [...merged.values()].sort((a, b) => compareIp(b.address, a.address));
  for (const a of addresses) a.known.sort((x, y) => x - y);
  return { ok: true, value: addresses };
}

function findDuplicate(blocks: readonly LayoutLine[][]): LayoutLine | undefined {
  for (const block of blocks) {
    const seen = new Set<string>();
    for (const entry of block) {
      if (seen.has(entry.address.text)) return entry;
      seen.add(entry.address.text);
    }
  }
  return undefined;
}

export interface LayoutCluster {
  readonly algorithm: AlgorithmName;
  readonly tunables: Tunables;
  readonly nodeFlags: readonly NodeFlags[];
  /** Per node: RUNNING or not; all running when absent. */
  readonly running?: readonly boolean[];
  readonly homeNodes?: ReadonlyMap<string, Pnn>;
  /** Per node: link state of its interfaces. Absent: link is not tracked and never blocks. */
  readonly links?: readonly InterfaceLinks[];
  /** Interfaces per address (canonical text), needed when `links` is given. */
  readonly interfaces?: ReadonlyMap<string, readonly string[]>;
  /** LCP2's forced rebalance targets. */
  readonly forceRebalance?: readonly Pnn[];
}

/** The allocator's state for a parsed layout. */
export function layoutState(layout: readonly LayoutAddress[], cluster: LayoutCluster): AllocState {
  const nodes = cluster.nodeFlags.map((flags, pnn) => ({
    flags,
    running: cluster.running?.[pnn] ?? true,
    ...(cluster.links ? { links: cluster.links[pnn] } : {}),
  }));
  const addresses: ClusterAddress[] = layout.map((a) => ({
    address: { address: a.address, bits: a.address.family === 4 ? 32 : 128, interfaces: cluster.interfaces?.get(a.address.text) ?? [] },
    known: a.known,
    holder: a.holder,
  }));
  return buildAllocState(cluster.algorithm, cluster.tunables, nodes, addresses, {
    ...(cluster.homeNodes ? { homeNodes: cluster.homeNodes } : {}),
    ...(cluster.forceRebalance ? { forceRebalance: cluster.forceRebalance } : {}),
  });
}

/** `IP PNN` lines in the assignment's order (CTDB's: descending key). */
export function formatAssignment(assignment: Assignment): string[] {
  return [...assignment].map(([text, pnn]) => `${text} ${pnn}`);
}
