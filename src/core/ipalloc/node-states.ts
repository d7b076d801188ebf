// Text forms of the allocator's knobs, as CTDB's tests write them: node flag words, runstates,
// tunables, algorithm names and node lists. Each parser returns Parsed<T> with a message naming the bad token.

import { Parsed } from '../ip';
import { ALL_FLAGS, FLAG_NAMES, NodeFlag, NodeFlags, Pnn } from '../flags';
import { AlgorithmName, Tunables } from './state';

const ALGORITHM_ALIASES: ReadonlyMap<string, AlgorithmName> = new Map([
  ['lcp2', 'lcp2'],
  ['det', 'deterministic'],
  ['deterministic', 'deterministic'],
  ['nondet', 'nondeterministic'],
  ['nondeterministic', 'nondeterministic'],
]);

export function parseAlgorithm(text: string): Parsed<AlgorithmName> {
  const name = ALGORITHM_ALIASES.get(text.trim().toLowerCase());
  return name
    ? { ok: true, value: name }
    : { ok: false, error: `unknown algorithm '${text}' (use lcp2, det|deterministic or nondet|nondeterministic)` };
}

/** C's strtol(text, NULL, 0) on a whole token: decimal, 0x hex or leading-0 octal. */
export function parseCInteger(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text.trim());
  if (!m) return undefined;
  const body = m[2];
  const value = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === '-' ? -value : value;
}

const FLAG_ALIASES: ReadonlyMap<string, NodeFlags> = new Map([
  ['ok', 0],
  ['healthy', 0],
  ['permanently_disabled', NodeFlag.DISABLED],
  ...FLAG_NAMES.map((name): [string, NodeFlags] => [name.toLowerCase(), NodeFlag[name]]),
]);

/** One node's state: a CTDB flag word (`0`, `2`, `0x20`) or names such as `ok`, `unhealthy|banned`. */
export function parseNodeState(text: string): Parsed<NodeFlags> {
  const token = text.trim();
  const numeric = parseCInteger(token);
  if (numeric !== undefined) {
    if (numeric < 0 || (numeric & ~ALL_FLAGS) !== 0) {
      return { ok: false, error: `node state ${token} has bits CTDB does not define (known: 0x01..0x20, mask 0x3f)` };
    }
    return { ok: true, value: numeric };
  }
  let flags = 0;
  for (const part of token.split('|')) {
    const bits = FLAG_ALIASES.get(part.trim().toLowerCase());
    if (bits === undefined) {
      return { ok: false, error: `node state '${token}' is neither a flag number (0, 2, 0x20) nor names (ok, ${FLAG_NAMES.map((n) => n.toLowerCase()).join(', ')})` };
    }
    flags |= bits;
  }
  return { ok: true, value: flags };
}

/** `0,0,2` or `ok,ok,unhealthy`: one entry per node, PNN = position. */
export function parseNodeStates(text: string): Parsed<NodeFlags[]> {
  const parts = text.split(',');
  if (text.trim() === '') return { ok: false, error: 'no node states given: write one per node, e.g. 0,0,2' };
  const out: NodeFlags[] = [];
  for (let pnn = 0; pnn < parts.length; pnn++) {
    const parsed = parseNodeState(parts[pnn]);
    if (!parsed.ok) return { ok: false, error: `node ${pnn}: ${parsed.error}` };
    out.push(parsed.value);
  }
  return { ok: true, value: out };
}

/** Node numbers fit CTDB's uint32 PNN, below its CTDB_UNKNOWN_PNN (0xffffffff). */
const MAX_PNN = 0xfffffffe;

/**
 * `1` or `1,0,2`: a set of node numbers (LCP2's forced rebalance targets), in the given order,
 * each named once. With `nodeCount`, every node must be one of 0..nodeCount-1.
 */
export function parseNodeList(text: string, nodeCount?: number): Parsed<Pnn[]> {
  if (text.trim() === '') return { ok: false, error: 'no nodes given: write node numbers separated by commas, e.g. 1,2' };
  const out: Pnn[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const pnn = /^[0-9]{1,10}$/.test(part) ? Number(part) : NaN;
    if (!(pnn <= MAX_PNN)) return { ok: false, error: `'${part}' is not a node number (0, 1, 2 ...)` };
    if (nodeCount !== undefined && pnn >= nodeCount) {
      return { ok: false, error: `node ${pnn} does not exist (nodes are 0..${nodeCount - 1})` };
    }
    if (out.includes(pnn)) return { ok: false, error: `node ${pnn} is named twice: name each node once` };
    out.push(pnn);
  }
  return { ok: true, value: out };
}

/** CTDB runstate numbers; only RUNNING nodes may host addresses. */
const RUNSTATES = ['unknown', 'init', 'setup', 'first_recovery', 'startup', 'running', 'shutdown'];
const RUNNING = 5;

/** `4,5,5` or `startup,running,running`: true per node that is RUNNING. */
export function parseRunstates(text: string, nodeCount: number): Parsed<boolean[]> {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== nodeCount) {
    return { ok: false, error: `${parts.length} runstates for ${nodeCount} nodes: give one per node` };
  }
  const out: boolean[] = [];
  for (const part of parts) {
    const n = parseCInteger(part);
    const value = n !== undefined ? n : RUNSTATES.indexOf(part.toLowerCase());
    if (value < 0 || value >= RUNSTATES.length) {
      return { ok: false, error: `runstate '${part}' is unknown (0..6 or ${RUNSTATES.join(', ')})` };
    }
    out.push(value === RUNNING);
  }
  return { ok: true, value: out };
}

const TUNABLE_NAMES: ReadonlyMap<string, keyof Tunables> = new Map([
  ['noipfailback', 'noIpFailback'],
  ['noiptakeover', 'noIpTakeover'],
]);

/** Applies `NoIPFailback=1` style settings (CTDB names, any case; any non-zero integer is on). */
export function applyTunable(tunables: Tunables, setting: string): Parsed<Tunables> {
  const eq = setting.indexOf('=');
  const name = eq < 0 ? setting : setting.slice(0, eq);
  const key = TUNABLE_NAMES.get(name.trim().toLowerCase());
  if (key === undefined) {
    return { ok: false, error: `unknown tunable '${name}' (known: NoIPFailback, NoIPTakeover)` };
  }
  const value = eq < 0 ? undefined : parseCInteger(setting.slice(eq + 1));
  if (value === undefined) return { ok: false, error: `tunable '${setting}' needs an integer value, e.g. ${name}=1` };
  return { ok: true, value: { ...tunables, [key]: value !== 0 } };
}
