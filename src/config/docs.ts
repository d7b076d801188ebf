// Generates docs/configuration.md from the schema, so the documentation cannot drift from the code.

import { ConfigIssueCode } from './issues';
import { OptionSpec } from './option-kinds';
import { isOption, listOptions, schema, SchemaTable, tableDocs } from './schema';

const HEADER = `<!-- Generated from src/config/schema.ts by \`npm run docs:config\`. Do not edit: change the schema and regenerate. -->

# Configuration

floatip reads three files, by default from \`/etc/floatip/\`:

| File | Format | Same on all nodes? |
|---|---|---|
| \`floatip.toml\` | [TOML](https://toml.io), options below | usually |
| \`nodes\` | CTDB's \`nodes\` format | yes, same lines in the same order |
| \`public_addresses\` | CTDB's \`public_addresses\` format | no, may differ per node |

CTDB users can copy their \`nodes\` and \`public_addresses\` files unchanged.

A configuration is applied whole or not at all: the loader reports every problem it finds, each
as \`FILE:LINE: KEY: what is wrong and what to do\`, and a daemon that reloads keeps its old
configuration when the new one has any problem.

## floatip.toml

- Every option is optional; an empty file means all defaults.
- Unknown tables and keys are errors (with a "did you mean" for typos), so a misspelt option never
  silently falls back to its default.
- **Durations** are strings with a unit: \`"ms"\`, \`"s"\`, \`"m"\` or \`"h"\`, e.g. \`"200ms"\`, \`"1.5s"\`,
  \`"5m"\`. A bare number is refused, because CTDB's tunables count seconds where a millisecond
  option would silently be a thousand times off.
- **Paths** may be relative: they are relative to the directory of floatip.toml.
- In the loaded configuration (\`FloatipConfig\`, src/config) keys keep these names and durations are
  milliseconds.
`;

const NODES_SECTION = `## nodes

One private address (IPv4 or IPv6) per line, in the same order on every node. The node number
(pnn) is the position of the line among the non-empty lines, counted from 0. The rules are CTDB's
(\`ctdb_read_nodes_file\`):

- Spaces and tabs around an address are ignored; CRLF line ends are fine; the last line needs no newline.
- An empty line is skipped and gets **no** number.
- A line starting with \`#\` is a **deleted** node: it keeps its number, so the nodes after it keep
  theirs. There are no comment lines in this file: every \`#\` line is a deleted node.
- No port: every node listens on \`node.port\` of floatip.toml.
- Each address may appear once; \`::ffff:a.b.c.d\` is read as \`a.b.c.d\`, as CTDB does.

\`\`\`
192.0.2.11
192.0.2.12
#192.0.2.13
192.0.2.14
\`\`\`

Here 192.0.2.14 is node 3 and node 2 is deleted.

## public_addresses

One public address per line: \`ADDR/BITS IFACE[,IFACE...]\`. The list may differ per node: an address
can only be hosted by nodes that list it. The rules are CTDB's (\`ctdb_set_public_addresses\`):

- \`ADDR/BITS\` is an IPv4 or IPv6 address with the prefix length it gets on the interface.
- Interfaces are separated by commas, without spaces; the first one with link is preferred.
- Spaces or tabs separate the two fields; leading blanks, empty lines and lines starting with \`#\`
  are ignored; a \`#\` comment may also follow the interfaces.
- Each address may appear once (whatever its prefix length). An empty file is valid: the node
  hosts no public address.
- An interface that does not exist on the node is a warning, not an error (a bond or VLAN may
  be created after floatipd starts): floatipd logs it with FILE:LINE at start, on SIGHUP and on
  \`reloadips\`, \`floatip ifaces\` shows it \`missing\`, and no address goes on it until it appears.

Stricter than CTDB: other text after the interfaces, empty interface names, names Linux does not
allow, IPv4 network or broadcast addresses of their prefix, and loopback, multicast, unspecified
or IPv6 link-local addresses are errors.

\`\`\`
# address            interfaces
198.51.100.10/24     eth1
198.51.100.11/24     eth1,eth2
2001:db8:100::10/64  eth1
\`\`\`
`;

const ISSUE_CODES: ReadonlyArray<[ConfigIssueCode, string]> = [
  ['E_CONFIG_FILE_NOT_FOUND', 'A file does not exist.'],
  ['E_CONFIG_FILE_UNREADABLE', 'A file exists but cannot be read.'],
  ['E_CONFIG_SYNTAX', 'floatip.toml is not valid TOML.'],
  ['E_CONFIG_UNKNOWN_KEY', 'floatip.toml has a table or key that is not an option.'],
  ['E_CONFIG_TYPE', 'A value has the wrong TOML type (e.g. a number where a duration string belongs).'],
  ['E_CONFIG_RANGE', 'A value is outside its allowed range.'],
  ['E_CONFIG_VALUE', 'A value is badly formed (duration, address, cluster lock, ...).'],
  ['E_CONFIG_CONFLICT', 'Options contradict each other (e.g. fence_after >= dead_after).'],
  ['E_NODES_ADDRESS', 'A line of nodes is not a usable address.'],
  ['E_NODES_DUPLICATE', 'Two lines of nodes have the same address.'],
  ['E_NODES_EMPTY', 'nodes has no live node.'],
  ['E_NODE_SELF', 'node.pnn or node.address does not match nodes.'],
  ['E_PUBLIC_SYNTAX', 'A line of public_addresses has extra text.'],
  ['E_PUBLIC_ADDRESS', 'A public address or prefix length is wrong.'],
  ['E_PUBLIC_INTERFACE', 'An interface is missing or its name is impossible.'],
  ['E_PUBLIC_DUPLICATE', 'A public address is listed twice.'],
  ['E_PUBLIC_PRIVATE', 'A public address is a node\'s private address from nodes (the mesh uses it); also refused by addip.'],
  ['E_KEY_FILE', 'The cluster key file is missing, too short, or others can read or change it (checks only: `floatipd --check-config`, `floatip config check`; the daemon refuses to start).'],
  ['E_SCRIPT_OPTIONS', 'A line of script.options the shell would misread, or others can write the file (checks only).'],
  ['W_SCRIPT_OPTIONS', 'A warning: script.options sets a FLOATIP_ key no shipped script reads (a typo?).'],
  ['W_CONFIG_ADVICE', 'A warning: valid, but probably not what you want (e.g. two nodes with majority quorum).'],
  ['W_PUBLIC_INTERFACE_MISSING', 'A warning from floatipd at start, SIGHUP and reloadips: an interface of public_addresses does not exist on this '
    + 'node (yet); no address goes on it until it appears.'],
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function typeText(spec: OptionSpec<unknown>): string {
  const parts = [spec.type];
  if (spec.constraint !== undefined) parts.push(spec.constraint);
  const unit = spec.unit !== undefined ? ` (${spec.unit})` : '';
  return `${parts.join(', ')}${unit}`;
}

function defaultText(spec: OptionSpec<unknown>): string {
  switch (spec.default.kind) {
    case 'value': return `\`${spec.format(spec.default.value)}\``;
    case 'profile': return Object.entries(spec.default.values)
      .map(([profile, value]) => `\`${spec.format(value)}\` (${profile})`).join(', ');
    case 'unset': return `unset: ${spec.default.meaning}`;
  }
}

function tableSection(name: string, table: SchemaTable): string {
  const rows = listOptions(table, name).map(([dotted, spec]) => {
    const key = dotted.slice(name.length + 1);
    return `| \`${key}\` | ${cell(typeText(spec))} | ${cell(defaultText(spec))} | ${cell(spec.doc)} |`;
  });
  const doc = tableDocs[name as keyof typeof tableDocs];
  return [`### [${name}]`, '', doc, '', '| Option | Type | Default | Description |', '|---|---|---|---|', ...rows, ''].join('\n');
}

/** floatip.toml with every option at its default, unset ones as comments: the reference file. */
export function defaultsToml(): string {
  const out: string[] = [];
  const walk = (table: SchemaTable, path: string[]): void => {
    const options = Object.entries(table).filter(([, entry]) => isOption(entry)) as Array<[string, OptionSpec<unknown>]>;
    if (options.length > 0) {
      out.push(`[${path.join('.')}]`);
      for (const [key, spec] of options) {
        if (spec.default.kind === 'value') out.push(`${key} = ${spec.format(spec.default.value)}`);
        else if (spec.default.kind === 'profile') out.push(`${key} = ${spec.format(spec.default.values.default)}`);
        else out.push(`# ${key} = (unset: ${spec.default.meaning.replace(/`/g, '')})`);
      }
      out.push('');
    }
    for (const [key, entry] of Object.entries(table)) {
      if (!isOption(entry)) walk(entry, [...path, key]);
    }
  };
  for (const [name, table] of Object.entries(schema)) walk(table, [name]);
  return out.join('\n');
}

/** The whole of docs/configuration.md. */
export function configurationMarkdown(): string {
  const sections = Object.entries(schema).map(([name, table]) => tableSection(name, table));
  const codes = ['## Problem codes', '', 'Every problem has a stable code, for scripts and monitoring:', '',
    '| Code | Meaning |', '|---|---|', ...ISSUE_CODES.map(([code, meaning]) => `| \`${code}\` | ${meaning} |`), ''];
  const reference = ['### All defaults', '', 'floatip.toml with every option at its default (timing profile `default`):', '',
    '```toml', defaultsToml().trimEnd(), '```', ''];
  return [HEADER, ...sections, ...reference, NODES_SECTION, ...codes].join('\n');
}
