// The `nodes` file, CTDB's format: one private address per line; line order gives node numbers.

import { IpAddress, parseIp } from '../core/ip';
import { Pnn } from '../core/flags';
import { ConfigIssue } from './issues';
import { fileLines, trimBlanks } from './text-lines';
import { unmapIpv4, unusableReason } from './address-checks';

/** One node of the cluster. A deleted node keeps its number so the nodes after it keep theirs. */
export interface ClusterNode {
  readonly pnn: Pnn;
  /** The node's private address; null for a deleted node. */
  readonly address: IpAddress | null;
  readonly deleted: boolean;
  /** Line in `nodes`, for messages. */
  readonly line: number;
}

export interface NodesReading {
  readonly nodes: readonly ClusterNode[];
  readonly issues: readonly ConfigIssue[];
}

function badAddressMessage(text: string, parseError: string): string {
  if (/[ \t#]/.test(text)) {
    return `"${text}": a line holds one address and nothing else; "#" marks a deleted node only at the start of a line`;
  }
  if (/^[0-9.]+:[0-9]+$/.test(text) || /^\[.*\]:[0-9]+$/.test(text)) {
    return `"${text}": write the address without a port; the port of every node is node.port in floatip.toml`;
  }
  return `${parseError}: write one IPv4 or IPv6 address per line`;
}

/**
 * Reads `nodes` exactly as CTDB's ctdb_read_nodes_file does: spaces and tabs
 * around a line are ignored; an empty line is skipped and gets no number; a line
 * starting with `#` is a deleted node and does get one (so there are no comment
 * lines in this file). Unlike CTDB we also refuse duplicate addresses.
 */
export function readNodesFile(content: string, file: string): NodesReading {
  const issues: ConfigIssue[] = [];
  const nodes: ClusterNode[] = [];
  const firstLineOf = new Map<string, ClusterNode>();
  const issue = (code: ConfigIssue['code'], line: number, message: string): void => {
    issues.push({ code, file, line, message });
  };

  for (const { number, text: rawText } of fileLines(content)) {
    const text = trimBlanks(rawText);
    if (text === '') continue;
    const pnn = nodes.length;
    if (text.startsWith('#')) {
      nodes.push({ pnn, address: null, deleted: true, line: number });
      continue;
    }
    const parsed = parseIp(text);
    if (!parsed.ok) {
      issue('E_NODES_ADDRESS', number, badAddressMessage(text, parsed.error));
      nodes.push({ pnn, address: null, deleted: false, line: number });
      continue;
    }
    const address = unmapIpv4(parsed.value);
    const unusable = unusableReason(address);
    if (unusable !== undefined) {
      issue('E_NODES_ADDRESS', number, `${text} is ${unusable}: give the node's private cluster address`);
    }
    const earlier = firstLineOf.get(address.text);
    if (earlier !== undefined) {
      issue('E_NODES_DUPLICATE', number,
        `${address.text} is already node ${earlier.pnn} (line ${earlier.line}): every node needs its own address; `
        + 'to retire a node, put "#" in front of its line instead of repeating an address');
    } else {
      firstLineOf.set(address.text, { pnn, address, deleted: false, line: number });
    }
    nodes.push({ pnn, address, deleted: false, line: number });
  }

  if (nodes.length === 0) {
    issues.push({ code: 'E_NODES_EMPTY', file, message: 'no nodes: list the private address of every node, one per line, in the same order on all nodes' });
  } else if (nodes.every((node) => node.deleted)) {
    issues.push({ code: 'E_NODES_EMPTY', file, message: 'every node is deleted ("#"): at least one line must be a node address' });
  }
  return { nodes, issues };
}
