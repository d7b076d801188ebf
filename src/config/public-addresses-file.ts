// The `public_addresses` file, CTDB's format: `ADDR/BITS IFACE[,IFACE...]` per line.

import { IpAddress, parseIp } from '../core/ip';
import { PublicAddress } from '../core/address';
import { ConfigIssue } from './issues';
import { fileLines } from './text-lines';
import { isIpv4Mapped, unusableReason } from './address-checks';
import { ClusterNode } from './nodes-file';

export interface PublicAddressesReading {
  readonly addresses: readonly PublicAddress[];
  /** The line of each address, same order: later checks that need the kernel (missing interfaces) name file:line too. */
  readonly lines: readonly number[];
  readonly issues: readonly ConfigIssue[];
}

const LINE_FORM = 'a line is ADDR/BITS IFACE[,IFACE...], e.g. 198.51.100.7/24 eth0,eth1';

/** Why a Linux interface name is impossible (the kernel's dev_valid_name rules), or undefined. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name === '') return 'an interface name is empty (two commas in a row, or a comma at an end)';
  if (name.length > 15) return `interface name "${name}" is longer than 15 characters`;
  if (name === '.' || name === '..') return `"${name}" is not an interface name`;
  if (/[/:\s]/.test(name)) return `interface name "${name}" contains "/", ":" or white space, which Linux does not allow`;
  return undefined;
}

/**
 * A node's private address (its line of `nodes`) is the mesh's: hosting it as a public
 * address on another node split the mesh (each side reached a different "node 1"), and
 * moving it would cut the node it belongs to off the cluster.
 */
export function privateAddressProblem(address: string, node: ClusterNode): string {
  return `${address} is node ${node.pnn}'s private address (nodes line ${node.line}), which the mesh uses: `
    + 'a public address must be another address; remove this line';
}

/** The address and prefix of `token`, or a message that names the token and says what to fix. */
function parseAddressToken(token: string): { ok: true; address: IpAddress; bits: number } | { ok: false; error: string } {
  const slash = token.indexOf('/');
  if (slash < 0) return { ok: false, error: `${token} has no prefix length: write ADDR/BITS, e.g. ${token}/24` };
  const addrText = token.slice(0, slash);
  const parsed = parseIp(addrText);
  const familyName = addrText.includes(':') ? 'IPv6' : 'IPv4';
  if (!parsed.ok) return { ok: false, error: `${token} is not an ${familyName} address; fix the address part` };
  const address = parsed.value;
  if (isIpv4Mapped(address)) {
    return { ok: false, error: `${token} is an IPv4-mapped IPv6 address: write the IPv4 address with an IPv4 prefix length` };
  }
  const max = address.family === 4 ? 32 : 128;
  const bitsText = token.slice(slash + 1);
  const bits = Number(bitsText);
  if (!/^[0-9]{1,3}$/.test(bitsText) || bits < 1 || bits > max) {
    return { ok: false, error: `${token}: the prefix length must be 1..${max}` };
  }
  const unusable = unusableReason(address);
  if (unusable !== undefined) return { ok: false, error: `${token}: ${address.text} is ${unusable} and cannot be a public address` };
  if (address.family === 4 && bits <= 30) {
    const hostMask = (2 ** (32 - bits)) - 1;
    const host = address.words[3] & hostMask;
    if (host === 0) return { ok: false, error: `${token} is the network address of its prefix: give a host address, e.g. the .1 of it` };
    if (host === hostMask) return { ok: false, error: `${token} is the broadcast address of its prefix: give a host address` };
  }
  return { ok: true, address, bits };
}

/**
 * Reads `public_addresses` like CTDB's ctdb_set_public_addresses: leading spaces
 * and tabs are ignored, lines starting with `#` and empty lines are skipped,
 * fields are separated by spaces or tabs, interfaces by commas. Stricter than
 * CTDB where it silently ignores text: a third field must be a `#` comment, and
 * an empty interface name is an error. An empty file is valid: the node hosts nothing.
 */
export function readPublicAddressesFile(content: string, file: string, nodes: readonly ClusterNode[] = []): PublicAddressesReading {
  const privateNode = new Map(nodes.filter((n) => n.address !== null).map((n) => [n.address?.text, n]));
  const issues: ConfigIssue[] = [];
  const addresses: PublicAddress[] = [];
  const lines: number[] = [];
  const firstLineOf = new Map<string, number>();
  const issue = (code: ConfigIssue['code'], line: number, message: string): void => {
    issues.push({ code, file, line, message });
  };

  for (const { number, text } of fileLines(content)) {
    const body = text.replace(/^[ \t]+/, '');
    if (body === '' || body.startsWith('#')) continue;
    const allFields = body.split(/[ \t]+/).filter((field) => field !== '');
    const comment = allFields.findIndex((field) => field.startsWith('#'));
    const [addressToken, interfaceList, ...rest] = comment < 0 ? allFields : allFields.slice(0, comment);
    if (rest.length > 0) {
      issue('E_PUBLIC_SYNTAX', number, `unexpected "${rest.join(' ')}" after the interfaces: ${LINE_FORM}; a comment starts with #`);
      continue;
    }
    const parsed = parseAddressToken(addressToken);
    if (!parsed.ok) issue('E_PUBLIC_ADDRESS', number, parsed.error);
    if (interfaceList === undefined) {
      issue('E_PUBLIC_INTERFACE', number, `no interface for ${addressToken}: ${LINE_FORM}`);
      continue;
    }
    const interfaces = interfaceList.split(',');
    const problems = interfaces.map(interfaceNameProblem).filter((p): p is string => p !== undefined);
    const repeated = interfaces.filter((name, i) => name !== '' && interfaces.indexOf(name) !== i);
    if (repeated.length > 0) problems.push(`interface "${repeated[0]}" is listed twice`);
    for (const problem of problems) issue('E_PUBLIC_INTERFACE', number, `${problem}: ${LINE_FORM}`);
    if (!parsed.ok || problems.length > 0) continue;

    const node = privateNode.get(parsed.address.text);
    if (node !== undefined) {
      issue('E_PUBLIC_PRIVATE', number, privateAddressProblem(parsed.address.text, node));
      continue;
    }
    const earlier = firstLineOf.get(parsed.address.text);
    if (earlier !== undefined) {
      issue('E_PUBLIC_DUPLICATE', number, `${parsed.address.text} is already listed on line ${earlier}: list each address once`);
      continue;
    }
    firstLineOf.set(parsed.address.text, number);
    addresses.push({ address: parsed.address, bits: parsed.bits, interfaces });
    lines.push(number);
  }
  return { addresses, lines, issues };
}
