// Arbitraries for fuzzing the config loaders: valid floatip.toml, nodes and public_addresses texts, and ways to damage them.
//
// The valid floatip.toml documents are built from the schema itself (every option, with
// values of its kind written in the table, dotted and inline-table forms TOML allows), so a
// new option is fuzzed without touching this file. Damage is applied by small, replayable
// edit lists rather than fresh random text alone: random text mostly stops at the first
// syntax error, while an edited valid file reaches the value checks and the cross-checks.

import fc from 'fast-check';
import { formatDuration } from '../../../src/config/duration';
import { OptionSpec } from '../../../src/config/option-kinds';
import { listOptions } from '../../../src/config/schema';

/** One edit of a text: replace, insert or delete at a position, or a whole-line operation. */
export type Edit =
  | { readonly kind: 'replace'; readonly at: number; readonly length: number; readonly text: string }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate-line'; readonly line: number }
  | { readonly kind: 'swap-lines'; readonly a: number; readonly b: number }
  | { readonly kind: 'drop-line'; readonly line: number };

/** Applies edits in order; positions wrap around the current text, so any edit list fits any text. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const edit of edits) {
    const at = (n: number): number => (out.length === 0 ? 0 : n % (out.length + 1));
    switch (edit.kind) {
      case 'replace': { const p = at(edit.at); out = out.slice(0, p) + edit.text + out.slice(p + edit.length); break; }
      case 'insert': { const p = at(edit.at); out = out.slice(0, p) + edit.text + out.slice(p); break; }
      case 'delete': { const p = at(edit.at); out = out.slice(0, p) + out.slice(p + edit.length); break; }
      default: {
        const lines = out.split('\n');
        const pick = (n: number): number => n % lines.length;
        if (edit.kind === 'duplicate-line') { const i = pick(edit.line); lines.splice(i, 0, lines[i]); }
        if (edit.kind === 'drop-line') lines.splice(pick(edit.line), 1);
        if (edit.kind === 'swap-lines') { const a = pick(edit.a); const b = pick(edit.b); [lines[a], lines[b]] = [lines[b], lines[a]]; }
        out = lines.join('\n');
      }
    }
  }
  return out;
}

/** Edit lists whose inserted text comes from `noise`. */
export function editsArb(noise: fc.Arbitrary<string>, maxEdits = 4): fc.Arbitrary<Edit[]> {
  const position = fc.nat({ max: 1 << 16 });
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: position, length: fc.nat({ max: 6 }), text: noise }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, text: noise }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate-line' as const), line: position }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap-lines' as const), a: position, b: position }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop-line' as const), line: position }) },
  );
  return fc.array(edit, { minLength: 1, maxLength: maxEdits });
}

/** Text that tends to matter to a TOML parser, a line reader or our own key-line finder. */
const TOML_NOISE = [
  '"', "'", '"""', "'''", '[', ']', '[[', ']]', '{', '}', '=', '.', ',', '#', '\\', '\n', '\r\n', '\r', '\t', ' ', '\0',
  '\\u', '\\U0001F600', '\\U00110000', '\\x41', '\\e', '\\uD800', '\\"', '"\\', '__proto__', 'constructor', 'prototype',
  'toString', 'hasOwnProperty', '"__proto__"', '[__proto__]', '__proto__.x = 1', '[constructor.prototype]', 'node.pnn',
  '1e999', '-0', '+inf', 'nan', '0x7fffffffffffffff', '99999999999999999999', '1979-05-27T07:32:00Z', '07:32:00',
  '[1, "a", [2]]', '{ a = { b = { c = 1 } } }', 'true', 'false', '"1s"', '"0s"', '"1.5s"', '"200"', '"x"', '""',
  '\u2028', '\ufeff', '\ud800', 'é', '𝕏', '%', '%E0%A4%A', '%zz',
];

export const tomlNoiseArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TOML_NOISE) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: fc.constantFrom(...'[]{}"\'=.#,\\\n ab01') }) },
);

/** Examples of values for options that have no default of their own. */
const UNSET_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  'node.pnn': ['0', '1', '2', '3', '65535', '-1'],
  'node.address': ['"192.0.2.11"', '"192.0.2.12"', '"::ffff:192.0.2.12"', '"2001:db8::1"', '"192.0.2.99"'],
  'node.bind_address': ['"192.0.2.11"', '"0.0.0.0"', '"::"'],
  'cluster.cluster_lock': [
    '"fcntl:/clusterfs/lock"', '"/clusterfs/lock"', '"!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /clusterfs/lock 5"',
    '"etcd:http://192.0.2.10:2379/floatip/lock"', '"etcd:https://[2001:db8::1]:2379/a/b%20c"', '"etcd:http://h:1/%E0%A4%A"',
    '"etcd:http://h/%zz"', '"etcd:ftp://h/k"', '"etcd:http://u:p@h/k"', '"!relative"', '"! "', '"fcntl:"', '"fcntl:/a b"',
  ],
  'ipalloc.home_nodes_file': ['"home_nodes"', '"/etc/floatip/home"'],
  'ban.credits_threshold': ['1', '6', '100000', '0'],
};

const CHOICE = /^"[^"]*"(?: \| "[^"]*")*$/;

/** TOML value texts for one option: its default, other values of its kind, and some of the wrong kind. */
function valueArb(key: string, spec: OptionSpec<unknown>): fc.Arbitrary<string> {
  const choices: fc.Arbitrary<string>[] = [];
  if (spec.default.kind === 'value') choices.push(fc.constant(spec.format(spec.default.value)));
  if (spec.default.kind === 'profile') choices.push(fc.constantFrom(...Object.values(spec.default.values).map((v) => spec.format(v))));
  if (UNSET_EXAMPLES[key]) choices.push(fc.constantFrom(...UNSET_EXAMPLES[key]));
  if (spec.type === 'integer') {
    const [min, max] = (spec.constraint ?? '0..10').split('..').map(Number);
    choices.push(fc.integer({ min: min - 2, max: Math.min(max + 2, 2 ** 31) }).map(String));
  } else if (spec.type === 'duration') {
    choices.push(fc.nat({ max: 400_000 }).map((ms) => JSON.stringify(formatDuration(ms))));
  } else if (spec.type === 'boolean') {
    choices.push(fc.constantFrom('true', 'false'));
  } else if (CHOICE.test(spec.type)) {
    choices.push(fc.constantFrom(...spec.type.split(' | ')));
  } else if (spec.type === 'duration or cron expression') {
    choices.push(fc.constantFrom('"5s"', '"7s"', '"2m"', '"*/10 * * * * *"', '"61 * * * *"', '"* * *"', '"@daily"', '"*/0 * * * * *"'));
  } else if (spec.type === 'HOST:PORT') {
    choices.push(fc.constantFrom('"127.0.0.1:9390"', '"[::1]:9390"', '"[127.0.0.1]:1"', '"host:80"', '"1.2.3.4:99999"'));
  }
  const wrongKind = fc.constantFrom('"text"', '3', '1.5', 'true', '[]', '{}', '[1, 2]', '1979-05-27', '"200"');
  return fc.oneof({ weight: 6, arbitrary: fc.oneof(...choices) }, { weight: 1, arbitrary: wrongKind });
}

/** How one table's options are written. */
type TableStyle = 'header' | 'dotted' | 'inline';

const OPTIONS = listOptions();

/**
 * A floatip.toml document from the schema: a random subset of options, each
 * with a value of its kind (mostly valid), grouped by table in one of TOML's
 * three spellings, with comments and blank lines between. Most documents load.
 */
export const tomlDocumentArb: fc.Arbitrary<string> = fc.tuple(
  fc.subarray(OPTIONS, { maxLength: 14 }).chain((chosen) => fc.tuple(
    fc.constant(chosen.map(([key]) => key)),
    fc.tuple(...chosen.map(([key, spec]) => valueArb(key, spec))),
  )),
  fc.func(fc.constantFrom<TableStyle>('header', 'header', 'dotted', 'inline')),
  fc.boolean(),
).map(([[keys, values], styleOf, comments]) => {
  const byTable = new Map<string, Array<[string, string]>>();
  keys.forEach((dotted, i) => {
    const parts = dotted.split('.');
    const table = parts.slice(0, -1).join('.');
    byTable.set(table, [...(byTable.get(table) ?? []), [parts[parts.length - 1], values[i]]]);
  });
  const top: string[] = [];
  const tables: string[] = [];
  for (const [table, entries] of byTable) {
    const style = styleOf(table);
    if (style === 'dotted') {
      top.push(...entries.map(([k, v]) => `${table}.${k} = ${v}`));
    } else if (style === 'inline' && !table.includes('.')) {
      top.push(`${table} = { ${entries.map(([k, v]) => `${k} = ${v}`).join(', ')} }`);
    } else {
      tables.push('', ...(comments ? [`# the ${table} table`] : []), `[${table}]`, ...entries.map(([k, v]) => `${k} = ${v}${comments ? ' # set' : ''}`));
    }
  }
  return [...(comments ? ['# floatip.toml written by the fuzzer'] : []), ...top, ...tables, ''].join('\n');
});

/**
 * Hostile floatip.toml text: mostly edited valid documents, some pure noise. The
 * documents come from a fixed corpus drawn once: building one costs more than loading it.
 */
const tomlCorpus = fc.sample(tomlDocumentArb, { numRuns: 3000, seed: 0x70e1 });
const tomlCorpusArb = fc.constantFrom(...tomlCorpus);
export const tomlInputArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: tomlCorpusArb },
  { weight: 6, arbitrary: fc.tuple(tomlCorpusArb, editsArb(tomlNoiseArb)).map(([doc, edits]) => applyEdits(doc, edits)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.array(tomlNoiseArb, { maxLength: 30 }).map((parts) => parts.join('')) },
);

const NODE_ADDRESSES = [
  '192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14', '192.0.2.17', '192.0.2.18', '2001:db8::11', '2001:db8::12', '::ffff:192.0.2.15',
  '2001:db8::14', '2001:db8::15',
  '2001:db8:0:0:0:0:0:13', '0.0.0.0', '127.0.0.1', '224.0.0.1', 'fe80::1', '::1', '255.255.255.255', '192.0.2.11:4379',
  '[2001:db8::1]:4379', '192.0.2.300', '1.2.3', 'host.example', '192.0.2.16 # note',
];

const LINE_NOISE = [' ', '\t', '#', '\r', '\n', '\0', '.', ':', '/', '%', ',', '::', '0', '9', 'f', 'x', '[', ']', '\u00a0', '\ufeff',
  '\u0660', '１', '00', '-', '+', 'e', '\\', '"'];

export const lineNoiseArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...LINE_NOISE) },
  { weight: 1, arbitrary: fc.string({ maxLength: 5, unit: 'binary' }) },
);

/** A `nodes` file: addresses (sometimes deleted with "#", padded, blank lines, CRLF). */
export const nodesDocumentArb: fc.Arbitrary<string> = fc.tuple(
  fc.uniqueArray(fc.tuple(fc.constantFrom(...NODE_ADDRESSES), fc.constantFrom('', '', '', '', '', '#', ' ', '\t', '# '), fc.constantFrom('', '', '', ' ', '\t', '\r')),
    { minLength: 0, maxLength: 8, selector: ([address]) => address }),
  fc.boolean(),
).map(([lines, finalNewline]) => lines.map(([address, before, after]) => `${before}${address}${after}`).join('\n') + (finalNewline ? '\n' : ''));

export const nodesInputArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: nodesDocumentArb },
  { weight: 6, arbitrary: fc.tuple(nodesDocumentArb, editsArb(lineNoiseArb)).map(([doc, edits]) => applyEdits(doc, edits)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 120, unit: 'binary' }) },
);

const PUBLIC_ADDRESSES = [
  '198.51.100.10/24', '198.51.100.11/24', '203.0.113.5/25', '2001:db8:100::10/64', '2001:db8:100::11/128', '198.51.100.0/24',
  '198.51.100.255/24', '::ffff:198.51.100.1/120', '198.51.100.12/33', '198.51.100.13/0', '198.51.100.14', '198.51.100.15/024',
  '2001:db8::1/129', 'fe80::1/64', '224.0.0.5/24', '198.51.100.16/+1', '198.51.100.17/1e1',
];
const INTERFACES = ['eth0', 'eth1', 'eth1,eth2', 'bond0.100', 'x'.repeat(16), 'a,,b', 'eth0,eth0', 'a:b', '..', 'e/1', ',', ''];

/** A `public_addresses` file: `ADDR/BITS IFACES [# comment]` lines, comments and blanks. */
export const publicDocumentArb: fc.Arbitrary<string> = fc.array(fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...PUBLIC_ADDRESSES), fc.constantFrom(' ', '\t', '  '), fc.constantFrom(...INTERFACES),
    fc.constantFrom('', '', ' # comment', '\t#x', ' extra', '\r')).map(([a, sep, i, tail]) => `${a}${sep}${i}${tail}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '# comment', '   ', '\t# indented comment') },
), { maxLength: 10 }).map((lines) => lines.join('\n'));

export const publicInputArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: publicDocumentArb },
  { weight: 6, arbitrary: fc.tuple(publicDocumentArb, editsArb(lineNoiseArb)).map(([doc, edits]) => applyEdits(doc, edits)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 160, unit: 'binary' }) },
);
